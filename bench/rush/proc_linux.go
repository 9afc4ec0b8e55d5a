package main

import "syscall"

// childProcAttr makes the server under test receive SIGTERM if the benchmark dies without stopping it.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
