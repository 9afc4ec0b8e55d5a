// Package dbtest gives tests a real PostgreSQL: one private cluster per `go test` run (shared by every test
// binary through pglocal), and a fresh database per test cloned from a migrated template, so tests run in
// parallel and never see each other's data.
//
// Use it from TestMain so the last test binary stops the cluster:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/pglocal"
	"sudpro/store"
)

// harness is the per-process state of the test cluster. A test helper is the one place package state is
// acceptable: each test binary starts (or attaches to) the cluster once, whatever the number of tests.
type harness struct {
	once     sync.Once
	err      error
	cluster  *pglocal.Cluster
	dsn      func(string) string
	template string
}

var shared harness

// Main runs the tests, then releases the cluster (stopping it when this was its last user). When
// DATABASE_URL is set, tests use that server instead of a private cluster.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.cluster != nil {
		if err := shared.cluster.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: stop cluster:", err)
		}
	}
	return code
}

// New returns a fresh migrated database for t, dropped when t ends.
func New(t testing.TB) *bun.DB {
	t.Helper()
	dsn := NewDSN(t)
	db, err := store.Open(dsn, store.Options{StatementTimeout: 30 * time.Second, MaxOpenConns: 20})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// NewDSN creates a fresh migrated database for t and returns its URL; the database is dropped when t ends.
func NewDSN(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() { shared.err = shared.start() })
	if shared.err != nil {
		t.Fatalf("test PostgreSQL: %v", shared.err)
	}
	name := databaseName(t)
	ctx := context.Background()
	admin, err := store.Open(shared.dsn("postgres"), store.Options{})
	if err != nil {
		t.Fatalf("connect to test cluster: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, shared.template)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := store.Open(shared.dsn("postgres"), store.Options{})
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return shared.dsn(name)
}

// databaseName is unique per test and process, and a valid unquoted identifier.
func databaseName(t testing.TB) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d/%d", t.Name(), os.Getpid(), time.Now().UnixNano())))
	return "test_" + hex.EncodeToString(sum[:8])
}

func (h *harness) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if url := os.Getenv("DATABASE_URL"); url != "" {
		h.dsn = func(db string) string { return replaceDatabase(url, db) }
	} else {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		cluster, err := pglocal.Start(ctx, pglocal.Options{
			Dir:    filepath.Join(root, ".data", "postgres-test"),
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
			// Durability is worthless for throwaway test data; speed is not.
			Settings: map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "400"},
		})
		if err != nil {
			return err
		}
		h.cluster, h.dsn = cluster, cluster.DSN
	}
	name, err := migrationsDigest()
	if err != nil {
		return err
	}
	h.template = "sudpro_template_" + name
	return h.ensureTemplate(ctx)
}

// ensureTemplate creates the migrated template database once per migration set; parallel test binaries
// serialise on an advisory lock, and a template is only marked IS_TEMPLATE once fully migrated.
func (h *harness) ensureTemplate(ctx context.Context) error {
	admin, err := store.Open(h.dsn("postgres"), store.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to test cluster: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727001)"); err != nil {
		return fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(727001)") //nolint:errcheck
	var ready bool
	err = conn.QueryRowContext(ctx, "SELECT datistemplate FROM pg_database WHERE datname = ?", h.template).Scan(&ready)
	if err == nil && ready {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+h.template+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop half-made template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+h.template); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	tdb, err := store.Open(h.dsn(h.template), store.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	_, migrateErr := store.Migrate(ctx, tdb)
	closeErr := tdb.Close()
	if err := errors.Join(migrateErr, closeErr); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+h.template+" IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("mark template: %w", err)
	}
	return nil
}

// migrationsDigest names the template after the migrations' content, so a changed migration gets a new one.
func migrationsDigest() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(store.MigrationFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.MigrationFiles(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// moduleRoot finds the folder holding go.mod, where the .data folder lives, from the test's working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// replaceDatabase swaps the database name in a postgres:// URL.
func replaceDatabase(url, db string) string {
	rest, query, _ := strings.Cut(url, "?")
	if i := strings.LastIndex(rest, "/"); i > len("postgres://") {
		rest = rest[:i]
	}
	if query != "" {
		return rest + "/" + db + "?" + query
	}
	return rest + "/" + db
}
