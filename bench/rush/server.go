package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// moduleRoot is the folder of the sudpro module (go.mod), so the benchmark runs from any folder.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the benchmark inside the sudpro module")
	}
	return filepath.Dir(gomod), nil
}

// buildServer compiles the sudpro command of the working tree into dir and returns the binary's path.
func buildServer(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "sudpro")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build sudpro: %w\n%s", err, out)
	}
	return bin, nil
}

// serverConfig is how the API server under test is started.
type serverConfig struct {
	bin         string
	databaseURL string
	jwtSecret   string
	dbConns     int
	logPath     string // its standard output and error
}

// apiServer is a running `sudpro serve` process.
type apiServer struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited is closed
	log    *os.File
}

// startServer starts `sudpro serve` on a free loopback port in production mode (no development tokens, no
// introspection for anonymous callers) and waits until /readyz answers.
func startServer(ctx context.Context, cfg serverConfig) (*apiServer, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(cfg.logPath)
	if err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	cmd := exec.Command(cfg.bin, "serve")
	cmd.Env = append(environWithout("DATABASE_URL", "SUDPRO_", "LOG_LEVEL"),
		"DATABASE_URL="+cfg.databaseURL,
		"SUDPRO_ENV=production",
		"SUDPRO_ADDR="+addr,
		"SUDPRO_JWT_SECRET="+cfg.jwtSecret,
		"SUDPRO_DB_MAX_CONNS="+strconv.Itoa(cfg.dbConns),
		// Every virtual client shares one address: lift the anonymous points budget so the warm-up reads are not
		// throttled (each buyer keeps its own ENTERPRISE budget, far above one confirmation).
		"SUDPRO_BUDGETS=ANONYMOUS=100000000,ADMIN=100000000",
		"LOG_LEVEL=warn",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start sudpro serve: %w", err)
	}
	s := &apiServer{cmd: cmd, url: "http://" + addr, exited: make(chan struct{}), log: logFile}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		_ = s.stop()
		return nil, fmt.Errorf("%w\nserver log %s:\n%s", err, cfg.logPath, tail(cfg.logPath, 20))
	}
	return s, nil
}

func (s *apiServer) pid() int { return s.cmd.Process.Pid }

func (s *apiServer) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("readiness request: %w", err)
		}
		if res, err := client.Do(req); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("sudpro serve exited before it was ready: %v", s.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sudpro serve not ready at %s after %s", s.url, timeout)
		}
	}
}

// stop asks the server to drain and exit (SIGTERM), and kills it if it has not after 20 seconds. It may be called
// more than once.
func (s *apiServer) stop() error {
	defer func() { _ = s.log.Close() }()
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("sudpro serve did not stop within 20 s of SIGTERM and was killed")
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free right now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// environWithout is this process's environment without the variables starting with any of prefixes, so the
// server under test sees only the settings the benchmark gives it.
func environWithout(prefixes ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
