//go:build !linux

package main

import "syscall"

// childProcAttr has nothing to add outside Linux: the benchmark stops the server itself.
func childProcAttr() *syscall.SysProcAttr { return nil }
