// Package pglocal runs a private PostgreSQL server on a project data folder,
// so that development and tests need no system-wide database.
//
// Several processes (the API server, CLI commands, parallel test binaries)
// may use the same data folder at once: the first one starts the server,
// later ones attach to it, and the last one to Close stops it. Coordination
// uses two lock files next to the data folder (see Start and Cluster.Close).
package pglocal

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gofrs/flock"
)

// Options configures Start.
type Options struct {
	// Dir is the data folder, e.g. ".data/postgres". It is made absolute and
	// created if missing.
	Dir string
	// Logger receives notes about initdb, start, attach and stop. Nil discards them.
	Logger *slog.Logger
	// Settings are extra server settings passed as -c name=value when this
	// call starts the server (e.g. "fsync": "off" for tests). They are ignored
	// when attaching to a server that is already running.
	Settings map[string]string
}

// Cluster is a handle on a running local PostgreSQL server. Each handle
// counts as one user of the server until Close.
type Cluster struct {
	dataDir string       // effective PGDATA (may be a temp fallback of the requested Dir)
	lockDir string       // folder holding the lock files (parent of the requested Dir)
	lockTag string       // base name of the requested Dir, prefix of the lock files
	binDir  string       // folder with pg_ctl, initdb, postgres
	run     *serverUser  // OS user running the server when we are root; nil otherwise
	log     *slog.Logger // never nil
	port    int          // TCP port on 127.0.0.1
	users   *flock.Flock // shared while this handle is open

	mu     sync.Mutex // guards closed
	closed bool
}

// serverUser is the unprivileged OS account used for initdb/postgres when we
// run as root, because PostgreSQL refuses to run as root.
type serverUser struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32 // supplementary groups, for permission checks and setgroups
}

// Port returns the TCP port the server listens on (on 127.0.0.1 only).
func (c *Cluster) Port() int { return c.port }

// DSN returns a connection URL for database as the trusted superuser
// "postgres" over TCP loopback; TLS is off because nothing leaves the host.
func (c *Cluster) DSN(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, url.PathEscape(database))
}

// noBinariesMsg tells the user what to install, since that is the usual fix.
const noBinariesMsg = "postgresql server binaries (pg_ctl, initdb, postgres) not found on PATH " +
	"or in /usr/lib/postgresql/*/bin: install them, e.g. `apt-get install postgresql` on Debian/Ubuntu, " +
	"`dnf install postgresql-server` on Fedora, `brew install postgresql` on macOS, or set DATABASE_URL to use an existing server"

// BinDir returns the folder holding the PostgreSQL server programs: the
// folder of the first pg_ctl or postgres found on PATH (symlinks resolved),
// else the highest version in /usr/lib/postgresql/*/bin (Debian/Ubuntu keep
// server binaries off PATH there).
func BinDir() (string, error) {
	for _, name := range []string{"pg_ctl", "postgres"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		// Resolve symlinks: Homebrew links into versioned folders, and
		// Debian's pg_wrapper links must not count as a server install.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if dir := filepath.Dir(p); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin") // the pattern is valid, so no error
	best, bestVer := "", []int(nil)
	for _, dir := range dirs {
		ver, ok := parseVersion(filepath.Base(filepath.Dir(dir)))
		if !ok || !hasServerBinaries(dir) {
			continue
		}
		if best == "" || versionLess(bestVer, ver) {
			best, bestVer = dir, ver
		}
	}
	if best == "" {
		return "", errors.New(noBinariesMsg)
	}
	return best, nil
}

// hasServerBinaries reports whether dir holds everything Start runs.
func hasServerBinaries(dir string) bool {
	for _, name := range []string{"pg_ctl", "initdb", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// parseVersion parses folder names like "15" or "9.6".
func parseVersion(s string) ([]int, bool) {
	var out []int
	for part := range strings.SplitSeq(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) > 0
}

// versionLess compares parsed versions numerically, so "10" beats "9.6".
func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
