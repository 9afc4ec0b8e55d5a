//go:build unix

package pglocal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperDirEnv makes the test binary act as a separate process using a
// cluster (see TestHelperProcess), to test sharing and crashes across processes.
const helperDirEnv = "PGLOCAL_TEST_HELPER_DIR"

// testSettings trade durability for speed, as test harnesses do.
func testSettings() map[string]string {
	return map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
}

// testDir returns a data folder path inside t.TempDir, made traversable so
// the postgres OS user can reach it when tests run as root.
func testDir(t *testing.T, name string) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{d, filepath.Dir(d)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(d, name)
}

// tWriter sends log output to t.Log.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func startT(t *testing.T, dir string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := Start(ctx, Options{Dir: dir, Logger: logger, Settings: testSettings()})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	killOnCleanup(t, c.dataDir)
	return c
}

// killOnCleanup makes sure a failing test does not leave a server behind.
func killOnCleanup(t *testing.T, dataDir string) {
	t.Cleanup(func() {
		pf, err := readPIDFile(dataDir)
		if err != nil || pf.pid <= 0 {
			return
		}
		c := &Cluster{dataDir: dataDir}
		if c.isPostmaster(pf.pid) {
			t.Logf("test left postgres pid %d running; killing it", pf.pid)
			_ = syscall.Kill(pf.pid, syscall.SIGQUIT)
			waitFor(t, "postmaster exit", func() bool { return !c.isPostmaster(pf.pid) })
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// isUp checks the server both with pg_isready and with a plain TCP connect.
func isUp(t *testing.T, c *Cluster, port int) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ready := c.ping(ctx, port)
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err == nil {
		_ = conn.Close()
	}
	if ready != (err == nil) {
		t.Fatalf("pg_isready says %v but tcp connect error is %v", ready, err)
	}
	return ready
}

func mustClose(t *testing.T, c *Cluster) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func assertStopped(t *testing.T, c *Cluster, port int) {
	t.Helper()
	if isUp(t, c, port) {
		t.Fatalf("server on port %d still up", port)
	}
	if _, err := readPIDFile(c.dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("postmaster.pid still there (err %v)", err)
	}
}

func TestBinDir(t *testing.T) {
	dir, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	if !hasServerBinaries(dir) {
		t.Fatalf("BinDir %s lacks server binaries", dir)
	}
	t.Logf("bin dir: %s", dir)
}

func TestStartAttachClose(t *testing.T) {
	dir := testDir(t, "postgres")
	c1 := startT(t, dir)
	port := c1.Port()
	if port <= 0 || !isUp(t, c1, port) {
		t.Fatalf("server not up on port %d", port)
	}
	if want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/app?sslmode=disable", port); c1.DSN("app") != want {
		t.Fatalf("DSN = %q, want %q", c1.DSN("app"), want)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v, want 0700", st.Mode().Perm())
	}
	if c1.run != nil && st.Sys().(*syscall.Stat_t).Uid != c1.run.uid {
		t.Fatalf("data folder not owned by %s", c1.run.name)
	}
	pf, err := readPIDFile(dir)
	if err != nil || pf.port != port || pf.sockDir != dir {
		t.Fatalf("postmaster.pid = %+v, %v", pf, err)
	}

	c2 := startT(t, dir)
	if c2.Port() != port {
		t.Fatalf("second Start got port %d, want %d (attach)", c2.Port(), port)
	}
	mustClose(t, c1)
	if !isUp(t, c2, port) {
		t.Fatal("server stopped although a second user remains")
	}
	mustClose(t, c1) // idempotent
	mustClose(t, c2)
	assertStopped(t, c2, port)

	// Restart of the existing cluster (no initdb).
	c3 := startT(t, dir)
	if !isUp(t, c3, c3.Port()) {
		t.Fatal("restarted server not up")
	}
	mustClose(t, c3)
	assertStopped(t, c3, c3.Port())
}

func TestRestartAfterPostmasterKilled(t *testing.T) {
	dir := testDir(t, "postgres")
	c1 := startT(t, dir)
	port := c1.Port()
	pf, err := readPIDFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pf.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "postmaster death", func() bool { return !c1.isPostmaster(pf.pid) })
	// The old port came from the kernel's ephemeral range, so a connection of a test running in parallel may hold it
	// as its local port; Start must then take another (and does). The reuse is checked when the port is free.
	reusable := false
	for deadline := time.Now().Add(2 * time.Second); !reusable && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		reusable = portFree(port)
	}

	c2 := startT(t, dir) // c1 still holds its shared lock: a user of a dead server
	if !isUp(t, c2, c2.Port()) {
		t.Fatal("server not up after restart")
	}
	switch {
	case reusable && c2.Port() != port:
		t.Errorf("restarted on port %d, want the old port %d so c1's DSN stays valid", c2.Port(), port)
	case !reusable:
		t.Logf("old port %d in use by another process: restarted on %d", port, c2.Port())
	}
	mustClose(t, c1)
	if !isUp(t, c2, c2.Port()) {
		t.Fatal("server stopped although c2 still uses it")
	}
	mustClose(t, c2)
	assertStopped(t, c2, c2.Port())
}

// helper is a test binary process holding a Cluster until its stdin closes.
type helper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
	port   chan int
}

func startHelper(t *testing.T, dir string) *helper {
	t.Helper()
	h := &helper{port: make(chan int, 1)}
	h.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	h.cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	h.cmd.Stderr = &h.stderr
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.cmd.Process.Kill(); _ = h.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "PORT "); ok {
				n, _ := strconv.Atoi(p)
				h.port <- n
			}
		}
	}()
	return h
}

func (h *helper) waitPort(t *testing.T) int {
	t.Helper()
	select {
	case p := <-h.port:
		return p
	case <-time.After(time.Minute):
		t.Fatalf("helper gave no port; stderr:\n%s", h.stderr.String())
		return 0
	}
}

// TestHelperProcess is not a real test: it is the body of helper processes.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("helper process for other tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: dir, Settings: testSettings()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("PORT %d\n", c.Port())
	_, _ = io.Copy(io.Discard, os.Stdin) // hold the cluster until the parent says stop
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

func TestAttachAfterProcessCrash(t *testing.T) {
	dir := testDir(t, "postgres")
	killOnCleanup(t, dir)
	h := startHelper(t, dir)
	port := h.waitPort(t)
	if err := h.cmd.Process.Kill(); err != nil { // SIGKILL: no Close runs
		t.Fatal(err)
	}
	_ = h.cmd.Wait()
	pf, err := readPIDFile(dir)
	if err != nil {
		t.Fatal(err)
	}

	c := startT(t, dir)
	if c.Port() != port {
		t.Fatalf("got port %d, want %d of the orphaned server", c.Port(), port)
	}
	if pf2, _ := readPIDFile(dir); pf2.pid != pf.pid {
		t.Fatalf("server was restarted (pid %d -> %d), want attach", pf.pid, pf2.pid)
	}
	mustClose(t, c) // now the last user of the orphan: stops it
	assertStopped(t, c, port)
}

func TestConcurrentProcessesShareOneServer(t *testing.T) {
	dir := testDir(t, "postgres-test")
	killOnCleanup(t, dir)
	var hs []*helper
	for range 3 {
		hs = append(hs, startHelper(t, dir))
	}
	port := 0
	for i, h := range hs {
		p := h.waitPort(t)
		if i == 0 {
			port = p
		} else if p != port {
			t.Fatalf("helper %d got port %d, want %d", i, p, port)
		}
	}
	for _, h := range hs {
		_ = h.stdin.Close()
	}
	for i, h := range hs {
		if err := h.cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v\n%s", i, err, h.stderr.String())
		}
	}
	assertStopped(t, &Cluster{dataDir: dir, binDir: mustBinDir(t)}, port)
}

func TestLongPathUsesTempSocketDir(t *testing.T) {
	dir := testDir(t, strings.Repeat("long-folder-name-", 6))
	c := startT(t, dir)
	pf, err := readPIDFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(pf.sockDir), socketDirPrefix) {
		t.Fatalf("socket dir %q, want a temp one", pf.sockDir)
	}
	if !isUp(t, c, c.Port()) {
		t.Fatal("server not up")
	}
	mustClose(t, c)
	if _, err := os.Stat(pf.sockDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temp socket dir %s not removed (err %v)", pf.sockDir, err)
	}
}

func TestUnreachableDirFallsBackToTemp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	dir := filepath.Join(t.TempDir(), "postgres") // t.TempDir is 0700 root: postgres cannot enter
	c := startT(t, dir)
	t.Cleanup(func() { _ = os.RemoveAll(c.dataDir) })
	if filepath.Dir(c.dataDir) == filepath.Dir(dir) || !strings.HasPrefix(filepath.Base(c.dataDir), "pglocal-") {
		t.Fatalf("data dir %s, want a temp fallback", c.dataDir)
	}
	if !isUp(t, c, c.Port()) {
		t.Fatal("server not up")
	}
	c2 := startT(t, dir) // same Dir maps to the same fallback
	if c2.Port() != c.Port() || c2.dataDir != c.dataDir {
		t.Fatalf("second Start: %s:%d, want %s:%d", c2.dataDir, c2.Port(), c.dataDir, c.Port())
	}
	mustClose(t, c)
	mustClose(t, c2)
	assertStopped(t, c2, c.Port())
}

func TestSettingArgsAndQuoting(t *testing.T) {
	args, err := settingArgs(map[string]string{"fsync": "off", "a.b": "it's"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(args, " "); got != "-c a.b=it's -c fsync=off" {
		t.Fatalf("args = %q", got)
	}
	if _, err := settingArgs(map[string]string{"x; rm -rf /": "1"}); err == nil {
		t.Fatal("want error for a bad setting name")
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Fatalf("shellQuote = %s", got)
	}
}

func mustBinDir(t *testing.T) string {
	t.Helper()
	dir, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
