package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"sudpro/pglocal"
	"sudpro/store"
)

// benchDatabase is the database every phase re-creates.
const benchDatabase = "bench_rush"

// postgres is the private cluster of the benchmark and a connection to its maintenance database.
type postgres struct {
	cluster    *pglocal.Cluster
	admin      *bun.DB // the "postgres" database: DROP/CREATE DATABASE, pg_stat_activity sampling
	postmaster int     // PID of the postmaster, whose children are all the server-side processes
	version    string
	settings   map[string]string
	statements bool // pg_stat_statements is loaded
}

// clusterSettings are the server settings of the benchmark cluster. Durability stays as shipped (fsync,
// synchronous_commit and full_page_writes on) unless durable is false. The rest keeps a run reproducible: the data
// fit in shared_buffers, and checkpoints happen when we ask for one (before each attack), not in the middle of it.
func clusterSettings(durable, statements bool) map[string]string {
	s := map[string]string{
		"shared_buffers":      "256MB",
		"max_wal_size":        "4GB",
		"checkpoint_timeout":  "30min",
		"track_io_timing":     "on",
		"track_wal_io_timing": "on",
		"fsync":               "on",
		"synchronous_commit":  "on",
	}
	if !durable {
		s["fsync"], s["synchronous_commit"] = "off", "off"
	}
	if statements {
		s["shared_preload_libraries"] = "pg_stat_statements"
		s["pg_stat_statements.track_utility"] = "on"
		s["pg_stat_statements.max"] = "5000"
	}
	return s
}

// startPostgres starts (or joins) the cluster in dir with the benchmark's settings. A cluster left running by an
// earlier run with other settings is restarted once, since pglocal only applies settings when it starts a server.
func startPostgres(ctx context.Context, dir string, durable, statements bool, logger *slog.Logger) (*postgres, error) {
	settings := clusterSettings(durable, statements)
	for attempt := 1; ; attempt++ {
		cluster, err := pglocal.Start(ctx, pglocal.Options{Dir: dir, Logger: logger, Settings: settings})
		if err != nil {
			return nil, fmt.Errorf("start PostgreSQL in %s: %w", dir, err)
		}
		pg := &postgres{cluster: cluster, settings: settings}
		pg.admin, err = store.Open(cluster.DSN("postgres"), store.Options{MaxOpenConns: 4, ApplicationName: "sudpro-bench"})
		if err == nil {
			err = pg.inspect(ctx)
		}
		if err != nil {
			pg.Close()
			return nil, err
		}
		mismatch, err := pg.settingsMismatch(ctx)
		if err != nil {
			pg.Close()
			return nil, err
		}
		if mismatch == "" {
			return pg, nil
		}
		pg.Close()
		if attempt == 2 {
			return nil, fmt.Errorf("the PostgreSQL in %s runs with %s and another process keeps it running: stop it and retry", dir, mismatch)
		}
		logger.Warn("restarting the benchmark cluster to apply its settings", "differs", mismatch)
	}
}

// inspect reads the server version, the postmaster's PID and whether pg_stat_statements is loaded.
func (pg *postgres) inspect(ctx context.Context) error {
	var backend int
	err := pg.admin.QueryRowContext(ctx, "SELECT current_setting('server_version'), pg_backend_pid(), "+
		"current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'").Scan(&pg.version, &backend, &pg.statements)
	if err != nil {
		return fmt.Errorf("inspect PostgreSQL: %w", err)
	}
	if t, err := readProcStat(backend); err == nil {
		pg.postmaster = t.ppid
	}
	return nil
}

// settingsMismatch names the first durability or extension setting the running server does not have.
func (pg *postgres) settingsMismatch(ctx context.Context) (string, error) {
	for _, name := range []string{"fsync", "synchronous_commit", "shared_preload_libraries"} {
		want, ok := pg.settings[name]
		if !ok {
			continue
		}
		var got string
		if err := pg.admin.QueryRowContext(ctx, "SELECT current_setting(?)", name).Scan(&got); err != nil {
			return "", fmt.Errorf("read setting %s: %w", name, err)
		}
		if got != want {
			return fmt.Sprintf("%s=%q instead of %q", name, got, want), nil
		}
	}
	return "", nil
}

// Close disconnects and stops the cluster unless another process still uses it.
func (pg *postgres) Close() {
	if pg.admin != nil {
		_ = pg.admin.Close()
	}
	if err := pg.cluster.Close(); err != nil {
		fmt.Println("rush: stop PostgreSQL:", err)
	}
}

// DSN is the connection URL of the benchmark database.
func (pg *postgres) DSN() string { return pg.cluster.DSN(benchDatabase) }

// freshDatabase drops and re-creates the benchmark database, migrates it and returns a connection to it.
func (pg *postgres) freshDatabase(ctx context.Context) (*bun.DB, error) {
	if _, err := pg.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+benchDatabase+" WITH (FORCE)"); err != nil {
		return nil, fmt.Errorf("drop database %s: %w", benchDatabase, err)
	}
	if _, err := pg.admin.ExecContext(ctx, "CREATE DATABASE "+benchDatabase); err != nil {
		return nil, fmt.Errorf("create database %s: %w", benchDatabase, err)
	}
	db, err := store.Open(pg.DSN(), store.Options{MaxOpenConns: 8, ApplicationName: "sudpro-bench-setup"})
	if err != nil {
		return nil, err
	}
	if _, err := store.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	if pg.statements {
		if _, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("create extension pg_stat_statements: %w", err)
		}
	}
	return db, nil
}

// settle makes the freshly loaded database look like one that has been running: statistics and visibility map
// up to date (VACUUM ANALYZE), and a checkpoint now rather than during the attack.
func settle(ctx context.Context, db *bun.DB) error {
	for _, q := range []string{"VACUUM ANALYZE", "CHECKPOINT"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// statement is one normalised SQL statement of pg_stat_statements.
type statement struct {
	Query   string  `json:"query"`
	Calls   int64   `json:"calls"`
	TotalMS float64 `json:"total_ms"`
	Rows    int64   `json:"rows"`
}

// resetStatements clears pg_stat_statements (for every database: the cluster only serves the benchmark).
func resetStatements(ctx context.Context, db *bun.DB) error {
	if _, err := db.ExecContext(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		return fmt.Errorf("reset pg_stat_statements: %w", err)
	}
	return nil
}

// readStatements returns the statements run in the benchmark database since the last reset, slowest first,
// without the benchmark's own bookkeeping queries.
func readStatements(ctx context.Context, db *bun.DB) ([]statement, error) {
	var out []statement
	err := db.NewRaw(`SELECT query, calls, total_exec_time AS total_ms, rows FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND query NOT LIKE '%pg_stat_statements%'
		ORDER BY total_exec_time DESC`).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	// Bun names savepoints at random: fold them into one statement each.
	merged := make([]statement, 0, len(out))
	at := map[string]int{}
	for _, s := range out {
		s.Query = savepointName.ReplaceAllString(strings.Join(strings.Fields(s.Query), " "), "SP_…")
		if i, ok := at[s.Query]; ok {
			merged[i].Calls += s.Calls
			merged[i].TotalMS += s.TotalMS
			merged[i].Rows += s.Rows
			continue
		}
		at[s.Query] = len(merged)
		merged = append(merged, s)
	}
	sort.SliceStable(merged, func(i, j int) bool { return merged[i].TotalMS > merged[j].TotalMS })
	return merged, nil
}

// savepointName matches the random savepoint names Bun generates.
var savepointName = regexp.MustCompile(`SP_[0-9a-f]+`)

// dbCounters are cumulative server statistics read before and after an attack.
type dbCounters struct {
	Commits     int64   `json:"commits"`
	Rollbacks   int64   `json:"rollbacks"`
	Deadlocks   int64   `json:"deadlocks"`
	WALRecords  int64   `json:"wal_records"`
	WALFPI      int64   `json:"wal_fpi"`
	WALBytes    int64   `json:"wal_bytes"`
	WALSyncs    int64   `json:"wal_syncs"`
	WALSyncMS   float64 `json:"wal_sync_ms"`
	WALWrites   int64   `json:"wal_writes"`
	WALWriteMS  float64 `json:"wal_write_ms"`
	SampledTime time.Time
}

// readCounters reads transaction and WAL counters. PostgreSQL publishes backends' statistics up to a second late,
// so callers wait a little after the load before reading the "after" values.
func readCounters(ctx context.Context, db *bun.DB) (dbCounters, error) {
	var c dbCounters
	err := db.QueryRowContext(ctx, `SELECT d.xact_commit, d.xact_rollback, d.deadlocks,
			w.wal_records, w.wal_fpi, w.wal_bytes::bigint, w.wal_sync, w.wal_sync_time, w.wal_write, w.wal_write_time
		FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`).
		Scan(&c.Commits, &c.Rollbacks, &c.Deadlocks, &c.WALRecords, &c.WALFPI, &c.WALBytes, &c.WALSyncs, &c.WALSyncMS, &c.WALWrites, &c.WALWriteMS)
	if err != nil {
		return c, fmt.Errorf("read database statistics: %w", err)
	}
	c.SampledTime = time.Now()
	return c, nil
}

func (c dbCounters) minus(before dbCounters) dbCounters {
	return dbCounters{
		Commits: c.Commits - before.Commits, Rollbacks: c.Rollbacks - before.Rollbacks, Deadlocks: c.Deadlocks - before.Deadlocks,
		WALRecords: c.WALRecords - before.WALRecords, WALFPI: c.WALFPI - before.WALFPI, WALBytes: c.WALBytes - before.WALBytes,
		WALSyncs: c.WALSyncs - before.WALSyncs, WALSyncMS: c.WALSyncMS - before.WALSyncMS,
		WALWrites: c.WALWrites - before.WALWrites, WALWriteMS: c.WALWriteMS - before.WALWriteMS,
	}
}

// activityProfile counts what the API server's backends were doing, sampled from pg_stat_activity.
type activityProfile struct {
	Samples int            `json:"samples"`
	States  map[string]int `json:"states"` // backend observations per state ("running", "Lock:transactionid", …)
}

// sampleActivity samples the API server's backends every interval until stop is called, which returns the
// profile. Idle pooled connections are not counted; "idle in transaction" is a backend waiting for the API server
// in the middle of a transaction (a network round trip or Go work).
func sampleActivity(ctx context.Context, db *bun.DB, every time.Duration) (stop func() activityProfile) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan activityProfile, 1)
	go func() {
		p := activityProfile{States: map[string]int{}}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- p
				return
			case <-tick.C:
			}
			var rows []struct {
				What  string `bun:"what"`
				Count int    `bun:"n"`
			}
			err := db.NewRaw(`SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'running')
					ELSE state END AS what, count(*) AS n
				FROM pg_stat_activity WHERE datname = ? AND application_name = 'sudpro' AND state <> 'idle'
				GROUP BY 1`, benchDatabase).Scan(ctx, &rows)
			if err != nil {
				if !errors.Is(ctx.Err(), context.Canceled) {
					p.States["(sampling failed)"]++
				}
				continue
			}
			p.Samples++
			for _, r := range rows {
				p.States[r.What] += r.Count
			}
		}
	}()
	return func() activityProfile {
		cancel()
		return <-done
	}
}
