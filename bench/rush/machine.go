package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machineInfo describes where and on what code the benchmark ran.
type machineInfo struct {
	CPUs      int               `json:"cpus"`
	CPUModel  string            `json:"cpu_model"`
	MemoryGiB float64           `json:"memory_gib"`
	Kernel    string            `json:"kernel"`
	Go        string            `json:"go"`
	Postgres  string            `json:"postgres"`
	Commit    string            `json:"commit"`
	Dirty     int               `json:"uncommitted_files"` // tracked files with uncommitted changes when it ran
	Date      time.Time         `json:"date"`
	Settings  map[string]string `json:"postgres_settings"`
}

func describeMachine(ctx context.Context, root string, pg *postgres) machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), Go: runtime.Version(), Postgres: pg.version, Date: time.Now(),
		Settings: pg.settings, CPUModel: "unknown", Kernel: "unknown", Commit: "unknown"}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGiB = kb / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	git := func(args ...string) string {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	if c := git("rev-parse", "--short", "HEAD"); c != "" {
		m.Commit = c
	}
	if s := git("status", "--porcelain", "--untracked-files=no"); s != "" {
		m.Dirty = len(strings.Split(s, "\n"))
	}
	return m
}
