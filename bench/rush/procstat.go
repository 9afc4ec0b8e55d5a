package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of CPU times in /proc (USER_HZ, 100 on every Linux).
const clockTick = 10 * time.Millisecond

// procTimes is the CPU use of one process from /proc/<pid>/stat.
type procTimes struct {
	ppid     int
	own      time.Duration // utime + stime
	children time.Duration // cutime + cstime: children already exited and reaped
}

// readProcStat parses /proc/<pid>/stat (pid 0: this process).
func readProcStat(pid int) (procTimes, error) {
	name := "self"
	if pid > 0 {
		name = strconv.Itoa(pid)
	}
	b, err := os.ReadFile(filepath.Join("/proc", name, "stat"))
	if err != nil {
		return procTimes{}, fmt.Errorf("read CPU times: %w", err)
	}
	// The command name is in parentheses and may hold spaces: fields start after the last ')'.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return procTimes{}, fmt.Errorf("parse /proc/%s/stat", name)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return procTimes{}, fmt.Errorf("parse /proc/%s/stat: %d fields", name, len(f))
	}
	num := func(i int) int64 { n, _ := strconv.ParseInt(f[i], 10, 64); return n }
	return procTimes{
		ppid:     int(num(1)),
		own:      time.Duration(num(11)+num(12)) * clockTick,
		children: time.Duration(num(13)+num(14)) * clockTick,
	}, nil
}

// cpuSnapshot is the CPU used so far by the API server, by PostgreSQL (the postmaster, its live children and
// those it reaped), by this load generator, and by the whole machine.
type cpuSnapshot struct {
	at                 time.Time
	server, postgres   time.Duration
	client             time.Duration
	machineBusy, total time.Duration // all CPUs, from /proc/stat
	iowait             time.Duration
	ok                 bool
}

// takeCPUSnapshot reads /proc; on systems without it the snapshot is not ok and the report says so.
func takeCPUSnapshot(serverPID, postmasterPID int) cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), ok: true}
	if t, err := readProcStat(serverPID); err == nil {
		s.server = t.own
	} else {
		s.ok = false
	}
	if t, err := readProcStat(0); err == nil {
		s.client = t.own
	} else {
		s.ok = false
	}
	if cpu, ok := postgresCPU(postmasterPID, readProcStat, procPIDs); ok {
		s.postgres = cpu
	} else {
		s.ok = false
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		s.ok = false
		return s
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		s.ok = false
		return s
	}
	var total, idle, iowait int64
	for i, v := range f[1:9] {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		switch i {
		case 3:
			idle = n
		case 4:
			iowait = n
		}
	}
	s.total = time.Duration(total) * clockTick
	s.machineBusy = time.Duration(total-idle-iowait) * clockTick
	s.iowait = time.Duration(iowait) * clockTick
	return s
}

// postgresCPU is the CPU used so far by the postmaster, by the children it reaped (cutime) and by its live
// children. A child reaped while the live ones are read is in neither sum, and its whole life would then count in
// the next interval (a pgbench run's 32 backends exiting as the next attack began added seconds to it), so the
// reading is repeated until no child was reaped during it.
func postgresCPU(postmasterPID int, read func(int) (procTimes, error), pids func() []int) (time.Duration, bool) {
	if postmasterPID <= 0 {
		return 0, false
	}
	for range 10 {
		before, err := read(postmasterPID)
		if err != nil {
			return 0, false
		}
		live := time.Duration(0)
		for _, pid := range pids() {
			if c, err := read(pid); err == nil && c.ppid == postmasterPID {
				live += c.own
			}
		}
		after, err := read(postmasterPID)
		if err != nil {
			return 0, false
		}
		if after.children == before.children {
			return after.own + after.children + live, true
		}
	}
	return 0, false // children kept exiting: no reading this time
}

// procPIDs lists the processes in /proc.
func procPIDs() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpuUse is how the machine's CPU time was spent between two snapshots.
type cpuUse struct {
	Valid       bool    `json:"valid"`
	WallSeconds float64 `json:"wall_s"`
	// CPU seconds.
	Server   float64 `json:"server_s"`
	Postgres float64 `json:"postgres_s"`
	Client   float64 `json:"client_s"`
	Other    float64 `json:"other_s"` // busy time of every other process on the machine
	Idle     float64 `json:"idle_s"`
	IOWait   float64 `json:"iowait_s"`
	Capacity float64 `json:"capacity_s"` // CPUs × wall time
}

func cpuBetween(a, b cpuSnapshot) cpuUse {
	if !a.ok || !b.ok {
		return cpuUse{}
	}
	u := cpuUse{
		Valid:       true,
		WallSeconds: b.at.Sub(a.at).Seconds(),
		Server:      (b.server - a.server).Seconds(),
		Postgres:    (b.postgres - a.postgres).Seconds(),
		Client:      (b.client - a.client).Seconds(),
		Capacity:    (b.total - a.total).Seconds(),
		IOWait:      (b.iowait - a.iowait).Seconds(),
	}
	busy := (b.machineBusy - a.machineBusy).Seconds()
	u.Other = max(0, busy-u.Server-u.Postgres-u.Client)
	u.Idle = max(0, u.Capacity-busy-u.IOWait)
	return u
}
