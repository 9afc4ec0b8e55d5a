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

// testSettings trade durability, worthless for throwaway test data, for speed. A standby needs at least the
// primary's max_connections, so the replica gets the same. The primary keeps 1 GB of WAL for the replica: the
// packages' tests run in parallel and write fast, and a replica whose next WAL segment was recycled stops
// replaying for good ("requested WAL segment … has already been removed").
var testSettings = map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "400",
	"wal_keep_size": "1GB"}

// harness is the per-process state of the test cluster. A test helper is the one place package state is
// acceptable: each test binary starts (or attaches to) the cluster once, whatever the number of tests.
type harness struct {
	once     sync.Once
	err      error
	cluster  *pglocal.Cluster
	dsn      func(string) string
	template string

	replicaOnce sync.Once
	replicaErr  error
	replica     *pglocal.Cluster
}

var shared harness

// Main runs the tests, then releases the cluster (stopping it when this was its last user). When
// DATABASE_URL is set, tests use that server instead of a private cluster.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.replica != nil {
		if err := shared.replica.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: stop replica:", err)
		}
	}
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

// NewReplicated returns a fresh migrated database for t on the test cluster (the primary) and the same database
// on a streaming hot standby of it, opened with store.Options.Replica so the statement counter tags its
// statements. The standby is a base backup of the test cluster taken by the first test of the process that
// asks for one (.data/postgres-test-replica), stopped when the last user ends. Writes on the primary reach it
// within milliseconds; WaitReplayed waits for them. Skipped when DATABASE_URL points the tests elsewhere.
func NewReplicated(t testing.TB) (primary, replica *bun.DB) {
	t.Helper()
	dsn := NewDSN(t)
	if shared.cluster == nil {
		t.Skip("a streaming replica needs the private test cluster; DATABASE_URL is set")
	}
	shared.replicaOnce.Do(func() { shared.replicaErr = shared.startReplica() })
	if shared.replicaErr != nil {
		t.Fatalf("test replica: %v", shared.replicaErr)
	}
	primary, err := store.Open(dsn, store.Options{StatementTimeout: 30 * time.Second, MaxOpenConns: 20})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = primary.Close() })
	WaitReplayed(t, primary)
	name := dsn[strings.LastIndex(dsn, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	replica, err = store.Open(shared.replica.DSN(name), store.Options{StatementTimeout: 30 * time.Second, MaxOpenConns: 20, Replica: true})
	if err != nil {
		t.Fatalf("open test database on the replica: %v", err)
	}
	t.Cleanup(func() { _ = replica.Close() })
	return primary, replica
}

// WaitReplayed waits until the test replica has replayed everything the primary wrote so far.
func WaitReplayed(t testing.TB, primary *bun.DB) {
	t.Helper()
	ctx := context.Background()
	var lsn string
	if err := primary.QueryRowContext(ctx, "SELECT pg_logical_emit_message(false, 'dbtest', 'replay up to here')::text").Scan(&lsn); err != nil {
		t.Fatalf("read the primary's WAL position: %v", err)
	}
	admin, err := store.Open(shared.replica.DSN("postgres"), store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("connect to the replica: %v", err)
	}
	defer admin.Close()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var caughtUp bool
		err := admin.QueryRowContext(ctx, "SELECT pg_last_wal_replay_lsn() >= CAST(? AS pg_lsn)", lsn).Scan(&caughtUp)
		if err == nil && caughtUp {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica has not replayed the primary's WAL up to %s after 60 s (last error: %v)", lsn, err)
		}
	}
}

func (h *harness) startReplica() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	h.replica, err = pglocal.StartReplica(ctx, h.cluster, pglocal.Options{
		Dir:      filepath.Join(root, ".data", "postgres-test-replica"),
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Settings: testSettings,
	})
	return err
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
			Dir:      filepath.Join(root, ".data", "postgres-test"),
			Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
			Settings: testSettings,
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
