//go:build unix

package pglocal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

const (
	startTimeout    = 30 * time.Second
	lockRetryDelay  = 50 * time.Millisecond
	startAttempts   = 5
	maxSocketPath   = 103 // sun_path is 108 bytes on Linux and 104 on macOS, NUL included
	socketDirPrefix = "pglocal-sock-"
	logRotateSize   = 10 << 20
)

// Start returns a handle on the PostgreSQL server of opts.Dir, running
// initdb and starting the server when needed, or attaching to the server
// another process (or a crashed earlier run) left running.
//
// It holds the "start" lock while it inspects or starts the server, so
// concurrent processes never initdb or start twice, and keeps a shared
// "users" lock until Close so that the server outlives this process's use
// as long as others still need it.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, unlock, err := newLockedCluster(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer unlock()

	// Nobody holds "users" exclusively without the start lock, so this is quick.
	c.users = c.lock("users")
	if _, err := c.users.TryRLockContext(ctx, lockRetryDelay); err != nil {
		return nil, fmt.Errorf("pglocal: wait for %s: %w", c.users.Path(), err)
	}
	if err := c.ensureRunning(ctx, opts.Settings); err != nil {
		_ = c.users.Unlock()
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	return c, nil
}

// newLockedCluster is newCluster holding the cluster's start lock, which unlock releases.
func newLockedCluster(ctx context.Context, opts Options) (c *Cluster, unlock func(), err error) {
	if c, err = newCluster(opts); err != nil {
		return nil, nil, err
	}
	start := c.lock("start")
	if _, err := start.TryLockContext(ctx, lockRetryDelay); err != nil {
		return nil, nil, fmt.Errorf("pglocal: wait for %s: %w", start.Path(), err)
	}
	return c, func() { _ = start.Unlock() }, nil
}

// newCluster resolves the folders, binaries and OS user of a cluster in opts.Dir, without starting anything.
func newCluster(opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("pglocal: options Dir is empty")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reqDir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pglocal: make data folder %q absolute: %w", opts.Dir, err)
	}
	binDir, err := BinDir()
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	run, err := lookupServerUser()
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	c := &Cluster{
		lockDir: filepath.Dir(reqDir),
		lockTag: filepath.Base(reqDir),
		binDir:  binDir,
		run:     run,
		log:     logger,
	}
	if err := os.MkdirAll(c.lockDir, 0o755); err != nil {
		return nil, fmt.Errorf("pglocal: create folder for data: %w", err)
	}
	if c.dataDir, err = c.chooseDataDir(reqDir); err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	// pg_ctl puts the data folder inside double quotes in a shell command.
	if strings.ContainsAny(c.dataDir, "\"$`\\\n") {
		return nil, fmt.Errorf("pglocal: data folder %q contains characters pg_ctl cannot quote", c.dataDir)
	}
	return c, nil
}

// Close releases this handle's use of the server. The server is stopped
// (fast shutdown) only when no other handle, in any process, still uses it.
// Close is idempotent.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true

	// The start lock keeps a concurrent Start from attaching to a server we
	// are about to stop.
	start := c.lock("start")
	if err := start.Lock(); err != nil {
		_ = c.users.Unlock()
		return fmt.Errorf("pglocal: close: take %s: %w", start.Path(), err)
	}
	defer func() { _ = start.Unlock() }()

	if err := c.users.Unlock(); err != nil {
		return fmt.Errorf("pglocal: close: release %s: %w", c.users.Path(), err)
	}
	last, err := c.users.TryLock()
	if err != nil {
		return fmt.Errorf("pglocal: close: lock %s: %w", c.users.Path(), err)
	}
	if !last {
		c.log.Debug("local postgres still used by other processes; leaving it running", "dir", c.dataDir, "port", c.port)
		return nil
	}
	defer func() { _ = c.users.Unlock() }()

	pf, err := readPIDFile(c.dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pglocal: close: %w", err)
	}
	if !c.isPostmaster(pf.pid) {
		// It died on its own; the next Start deals with the pid file.
		c.removeStaleSockets(pf.sockDir)
		return nil
	}
	if err := c.stop(pf); err != nil {
		return fmt.Errorf("pglocal: close: %w", err)
	}
	return nil
}

// lock returns the lock file of the given kind, kept next to the requested
// data folder. 0644 lets non-root processes share locks created by root.
func (c *Cluster) lock(kind string) *flock.Flock {
	path := filepath.Join(c.lockDir, c.lockTag+"."+kind+".lock")
	return flock.New(path, flock.SetPermissions(0o644))
}

// ensureRunning attaches to the server named in postmaster.pid if it
// answers, otherwise cleans up what a crash left and starts a fresh one.
// The caller holds the start lock.
func (c *Cluster) ensureRunning(ctx context.Context, settings map[string]string) error {
	prevPort := 0
	pf, err := readPIDFile(c.dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		prevPort = pf.port
		if c.isPostmaster(pf.pid) {
			// Usually answers at once; a server in crash recovery needs a moment.
			if pf.port > 0 && c.waitReady(ctx, pf.port, startTimeout) == nil {
				c.port = pf.port
				c.log.Info("using running local postgres", "dir", c.dataDir, "port", c.port, "pid", pf.pid)
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.log.Warn("local postgres does not answer; restarting it", "dir", c.dataDir, "pid", pf.pid, "status", pf.status)
			if err := c.stop(pf); err != nil {
				return err
			}
		} else {
			c.log.Info("local postgres was not shut down cleanly; starting it again", "dir", c.dataDir, "old_pid", pf.pid)
			// A dead PID is handled by postgres itself (it also checks that
			// no old backend still uses shared memory). A PID reused by
			// another process would make postgres refuse to start.
			if pf.pid > 0 && processExists(pf.pid) {
				if err := os.Remove(filepath.Join(c.dataDir, "postmaster.pid")); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("remove stale postmaster.pid: %w", err)
				}
			}
			c.removeStaleSockets(pf.sockDir)
		}
	}
	if err := c.initdb(ctx); err != nil {
		return err
	}
	return c.start(ctx, settings, prevPort)
}

// initdb creates the cluster unless Dir already holds one.
func (c *Cluster) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(c.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("data folder %s is not empty but holds no PG_VERSION: move it away to create a new cluster", c.dataDir)
	}
	// Build in a sibling folder and rename at the end, so a crash during
	// initdb never leaves a half-made cluster that looks complete.
	tmp := filepath.Join(filepath.Dir(c.dataDir), "."+filepath.Base(c.dataDir)+".initdb")
	defer func() { _ = os.RemoveAll(tmp) }()
	c.log.Info("creating local postgres cluster with initdb (first run)", "dir", c.dataDir, "bin", c.binDir)

	var lastErr error
	for _, locale := range []string{"C.UTF-8", "C"} {
		if err := c.freshDir(tmp); err != nil {
			return err
		}
		out, err := c.command(ctx, "initdb", "-D", tmp, "-U", "postgres", "--auth=trust",
			"--encoding=UTF8", "--locale="+locale, "--no-sync").CombinedOutput()
		if err != nil {
			lastErr = fmt.Errorf("initdb --locale=%s: %w\n%s", locale, err, lastLines(out, 20))
			if ctx.Err() == nil && locale != "C" && bytes.Contains(bytes.ToLower(out), []byte("locale")) {
				c.log.Warn("locale C.UTF-8 not usable; falling back to C", "err", err)
				continue
			}
			return lastErr
		}
		if err := os.Remove(c.dataDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("replace empty data folder: %w", err)
		}
		if err := os.Rename(tmp, c.dataDir); err != nil {
			return fmt.Errorf("move new cluster into place: %w", err)
		}
		return nil
	}
	return lastErr
}

// start launches the server on a free loopback port, retrying when the
// port (or the old shared memory of a killed server) is still busy.
func (c *Cluster) start(ctx context.Context, settings map[string]string, prevPort int) error {
	if err := c.fixDataDirPerms(); err != nil {
		return err
	}
	extra, err := settingArgs(settings)
	if err != nil {
		return err
	}
	logPath := filepath.Join(c.dataDir, "server.log")
	if st, err := os.Stat(logPath); err == nil && st.Size() > logRotateSize {
		_ = os.Rename(logPath, logPath+".1")
	}

	var lastErr error
	for attempt := range startAttempts {
		var port int
		if prevPort > 0 && portFree(prevPort) {
			// Reusing the old port keeps DSNs of processes still attached
			// to a crashed server valid.
			port = prevPort
		} else if port, err = freePort(); err != nil {
			return err
		}
		sockDir, err := c.socketDir(port)
		if err != nil {
			return err
		}
		offset := fileSize(logPath)
		err = c.pgctlStart(ctx, port, sockDir, extra, logPath)
		if err == nil {
			err = c.waitReady(ctx, port, startTimeout)
		}
		if err == nil {
			c.port = port
			c.log.Info("started local postgres", "dir", c.dataDir, "port", port, "log", logPath)
			return nil
		}
		tail := logTail(logPath, offset)
		lastErr = fmt.Errorf("start postgres on 127.0.0.1:%d: %w\nserver log %s:\n%s", port, err, logPath, tail)
		// Never leave a half-started server behind (e.g. after a timeout).
		if pf, perr := readPIDFile(c.dataDir); perr == nil && c.isPostmaster(pf.pid) {
			_ = c.stop(pf)
		}
		c.removeSocketDir(sockDir)
		if ctx.Err() != nil || !transientStartFailure(tail) {
			return lastErr
		}
		c.log.Warn("local postgres failed to start; retrying", "attempt", attempt+1, "port", port)
		select {
		case <-ctx.Done():
			return lastErr
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return lastErr
}

// pgctlStart runs pg_ctl start -w. pg_ctl puts the postmaster in its own
// session, so a Ctrl-C in our terminal never reaches it and it survives
// us; pg_ctl exiting also means we never have to reap it.
func (c *Cluster) pgctlStart(ctx context.Context, port int, sockDir string, extra []string, logPath string) error {
	args := append(slices.Clone(extra),
		"-c", "listen_addresses=127.0.0.1", // last, so Settings cannot widen it
		"-p", strconv.Itoa(port),
		"-k", sockDir)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a) // pg_ctl hands -o to /bin/sh
	}
	out, err := c.command(ctx, "pg_ctl", "start", "-D", c.dataDir, "-l", logPath,
		"-w", "-t", strconv.Itoa(int(startTimeout/time.Second)), "-o", strings.Join(quoted, " ")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// stop shuts the server down: fast (disconnects clients, clean
// checkpoint), then immediate, then SIGKILL if it still will not go.
func (c *Cluster) stop(pf pidFile) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*startTimeout)
	defer cancel()
	var err error
	var out []byte
	for _, mode := range []string{"fast", "immediate"} {
		out, err = c.command(ctx, "pg_ctl", "stop", "-D", c.dataDir, "-m", mode, "-w",
			"-t", strconv.Itoa(int(startTimeout/time.Second))).CombinedOutput()
		if err == nil || !c.isPostmaster(pf.pid) {
			break
		}
		c.log.Warn("pg_ctl stop failed", "mode", mode, "err", err, "output", strings.TrimSpace(string(out)))
	}
	if err != nil && c.isPostmaster(pf.pid) {
		_ = syscall.Kill(pf.pid, syscall.SIGKILL)
	}
	// pg_ctl reports the server stopped when its pid file is gone, a moment before the process itself has
	// exited (an orphaned postmaster is reaped late by PID 1): give it that moment.
	for deadline := time.Now().Add(5 * time.Second); c.isPostmaster(pf.pid) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if c.isPostmaster(pf.pid) {
		return fmt.Errorf("stop postgres (pid %d): %w: %s", pf.pid, err, strings.TrimSpace(string(out)))
	}
	c.removeSocketDir(pf.sockDir)
	c.log.Info("stopped local postgres", "dir", c.dataDir, "port", pf.port)
	return nil
}

// waitReady polls until the server on port accepts connections.
func (c *Cluster) waitReady(ctx context.Context, port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if c.ping(ctx, port) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server on 127.0.0.1:%d not accepting connections after %s", port, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ping reports whether the server on port accepts connections. pg_isready
// (as the trusted postgres role, so the server log stays quiet) also tells
// "starting up" apart from ready; without it, a protocol probe is used.
func (c *Cluster) ping(ctx context.Context, port int) bool {
	if port <= 0 {
		return false
	}
	isready := filepath.Join(c.binDir, "pg_isready")
	if _, err := os.Stat(isready); err != nil {
		return probe(port)
	}
	cmd := exec.CommandContext(ctx, isready, "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-U", "postgres", "-d", "postgres", "-t", "3")
	cmd.Env = cleanEnv()
	return cmd.Run() == nil
}

// probe sends an SSLRequest, which any PostgreSQL server answers with one
// byte ('S' or 'N'), proving a postgres listens on port.
func probe(port int) bool {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil {
		return false
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(conn, b); err != nil {
		return false
	}
	return b[0] == 'S' || b[0] == 'N'
}

// command prepares a server program run as the server's OS user, in its own
// process group (so terminal signals reach only us), with PG* variables
// removed so they cannot redirect it to another cluster.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = "/" // our working folder may not be readable by the server user
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.run != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.run.uid, Gid: c.run.gid, Groups: c.run.groups}
	}
	return cmd
}

// cleanEnv drops PG* variables and forces English server messages, which
// start relies on to spot transient failures.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || k == "LC_ALL" || k == "LC_MESSAGES" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_MESSAGES=C")
}

// lookupServerUser returns the account to run the server as when we are
// root (postgres refuses to run as root), or nil otherwise.
func lookupServerUser() (*serverUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs an OS user \"postgres\" to run the server "+
			"(install the postgresql package or `useradd --system postgres`): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid of user postgres: %w", err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid of user postgres: %w", err)
	}
	su := &serverUser{name: u.Username, uid: uint32(uid), gid: uint32(gid)}
	gids, _ := u.GroupIds() // without them only the primary group counts, which is fine
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			su.groups = append(su.groups, uint32(n))
		}
	}
	return su, nil
}

// chooseDataDir returns reqDir, or, when the server user cannot traverse
// its parents (e.g. a 0700 home as root), a temp folder named from its hash
// so every process picks the same one.
func (c *Cluster) chooseDataDir(reqDir string) (string, error) {
	if c.run == nil {
		return reqDir, nil
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(reqDir))
	if err != nil {
		return "", fmt.Errorf("resolve data folder parent: %w", err)
	}
	if c.run.canReach(parent) {
		return filepath.Join(parent, filepath.Base(reqDir)), nil
	}
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		return "", fmt.Errorf("resolve temp folder: %w", err)
	}
	if !c.run.canReach(tmp) {
		return "", fmt.Errorf("neither %s nor the temp folder %s is reachable by OS user %q: allow traversal (chmod o+x) or run as a regular user",
			parent, tmp, c.run.name)
	}
	sum := sha256.Sum256([]byte(reqDir))
	dir := filepath.Join(tmp, "pglocal-"+hex.EncodeToString(sum[:8]))
	c.log.Warn("data folder not reachable by the postgres OS user; using a temp folder instead",
		"requested", reqDir, "dir", dir, "user", c.run.name)
	return dir, nil
}

// canReach reports whether the user may traverse dir and all its parents.
func (u *serverUser) canReach(dir string) bool {
	for p := dir; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return false
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if ok {
			perm := st.Mode().Perm()
			var bit fs.FileMode = 0o001
			switch {
			case sys.Uid == u.uid:
				bit = 0o100
			case sys.Gid == u.gid || slices.Contains(u.groups, sys.Gid):
				bit = 0o010
			}
			if perm&bit == 0 {
				return false
			}
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// freshDir (re)creates an empty 0700 folder owned by the server user.
func (c *Cluster) freshDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clean %s: %w", dir, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return c.chown(dir)
}

// chown gives path to the server user when we are root.
func (c *Cluster) chown(path string) error {
	if c.run == nil {
		return nil
	}
	if err := os.Lchown(path, int(c.run.uid), int(c.run.gid)); err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, c.run.name, err)
	}
	return nil
}

// fixDataDirPerms makes the data folder acceptable to postgres: owned by
// the server user (a folder made by an earlier non-root run is handed
// over) and not group/world accessible.
func (c *Cluster) fixDataDirPerms() error {
	st, err := os.Stat(c.dataDir)
	if err != nil {
		return fmt.Errorf("stat data folder: %w", err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && c.run != nil && sys.Uid != c.run.uid {
		c.log.Info("handing data folder to the postgres OS user", "dir", c.dataDir)
		err := filepath.WalkDir(c.dataDir, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return c.chown(p)
		})
		if err != nil {
			return fmt.Errorf("chown data folder: %w", err)
		}
	}
	if perm := st.Mode().Perm(); perm != 0o700 && perm != 0o750 {
		if err := os.Chmod(c.dataDir, 0o700); err != nil {
			return fmt.Errorf("chmod data folder: %w", err)
		}
	}
	return nil
}

// socketDir returns where the Unix socket goes: the data folder, or a short
// temp folder when the socket path would exceed the sun_path limit.
func (c *Cluster) socketDir(port int) (string, error) {
	if len(c.dataDir)+len("/.s.PGSQL.")+len(strconv.Itoa(port)) <= maxSocketPath {
		return c.dataDir, nil
	}
	base := os.TempDir()
	if len(base)+len("/"+socketDirPrefix+"0123456789/.s.PGSQL.65535") > maxSocketPath {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, socketDirPrefix)
	if err != nil {
		return "", fmt.Errorf("create socket folder: %w", err)
	}
	if err := c.chown(dir); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	c.log.Debug("data folder path too long for a unix socket; using a temp socket folder", "socket_dir", dir)
	return dir, nil
}

// removeSocketDir deletes a temp socket folder made by socketDir; any other
// folder (the data folder in particular) is left alone.
func (c *Cluster) removeSocketDir(dir string) {
	if dir == "" || dir == c.dataDir || !strings.HasPrefix(filepath.Base(dir), socketDirPrefix) {
		return
	}
	_ = os.RemoveAll(dir)
}

// removeStaleSockets cleans the socket folder of a server that is gone.
// Postgres would refuse to reuse the port while the socket lock file names
// a PID that still exists, as an unreaped zombie does where PID 1 does not
// reap (some containers).
func (c *Cluster) removeStaleSockets(dir string) {
	if dir != c.dataDir {
		c.removeSocketDir(dir)
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, ".s.PGSQL.*")) // the pattern is valid
	for _, f := range files {
		_ = os.Remove(f)
	}
}

// isPostmaster reports whether pid is a live process of this cluster. On
// Linux its working folder must be the data folder (the postmaster chdirs
// there), which rules out reused PIDs and unreaped zombies.
func (c *Cluster) isPostmaster(pid int) bool {
	if pid <= 0 || !processExists(pid) {
		return false
	}
	if _, err := os.Stat("/proc/self/cwd"); err != nil {
		return true // no /proc (macOS, BSD): trust the PID
	}
	if procState(pid) == 'Z' {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if errors.Is(err, fs.ErrPermission) {
		return true // another user's process: cannot tell, so never treat it as stale
	}
	if err != nil {
		return false
	}
	want, err := filepath.EvalSymlinks(c.dataDir)
	return err == nil && cwd == want
}

// processExists reports whether pid names any process (EPERM: it exists
// but belongs to another user).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// procState returns the state letter from /proc/PID/stat, or 0.
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may contain spaces; the state follows its ") ".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// pidFile is what postmaster.pid says about a running server.
type pidFile struct {
	pid     int
	port    int
	sockDir string
	status  string
}

// readPIDFile parses postmaster.pid (line 1 PID, 4 port, 5 socket folder,
// 8 status). Errors wrap fs.ErrNotExist when there is none.
func readPIDFile(dataDir string) (pidFile, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return pidFile{}, fmt.Errorf("read postmaster.pid: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	field := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	var pf pidFile
	pf.pid, _ = strconv.Atoi(field(0)) // garbage reads as 0, i.e. "no live server"
	pf.port, _ = strconv.Atoi(field(3))
	pf.sockDir = field(4)
	pf.status = field(7)
	return pf, nil
}

// settingArgs turns Settings into sorted -c name=value arguments.
func settingArgs(settings map[string]string) ([]string, error) {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		if !validSettingName(name) {
			return nil, fmt.Errorf("invalid server setting name %q", name)
		}
		args = append(args, "-c", name+"="+settings[name])
	}
	return args, nil
}

// validSettingName keeps Settings keys safe to pass through pg_ctl's shell
// (GUC names are letters, digits, '_' and '.' for extension settings).
func validSettingName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, r := range name {
		ok := r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// transientStartFailure reports whether a start failure may go away on a
// retry: a port taken since we picked it, or a killed server's processes
// not yet gone.
func transientStartFailure(serverLog string) bool {
	l := strings.ToLower(serverLog)
	for _, s := range []string{"already in use", "is still in use", "could not bind", "could not create any tcp/ip sockets"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// freePort asks the kernel for a free loopback port. Another process may
// grab it before postgres binds it; start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("release probe port: %w", err)
	}
	return port, nil
}

// portFree reports whether port can be bound on 127.0.0.1 right now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// fileSize returns the size of path, 0 if missing.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// logTail returns the last lines the server wrote after offset, to put the
// real cause of a failed start into the error.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	defer func() { _ = f.Close() }()
	if size := fileSize(path); size-offset > 8192 {
		offset = size - 8192
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "(unreadable server log: " + err.Error() + ")"
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "(unreadable server log: " + err.Error() + ")"
	}
	return lastLines(b, 30)
}

// lastLines returns the last n lines of b, trimmed.
func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
