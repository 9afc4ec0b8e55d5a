// Package store holds every SQL statement of Sud Pro and the transactions that keep its invariants.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"sudpro/model"
)

// Store reads and writes Sud Pro's data. It works on a database or inside a transaction alike.
type Store struct {
	db bun.IDB
	// replica, when set (WithReplica), serves the reads that opt in through readDB.
	replica bun.IDB
	// deferred, when set (inside once), collects the balance moves of posted entries so they run last.
	deferred *[]posting
	// conn, set by InBulkTx, is the transaction's connection, for COPY.
	conn *bun.Conn
	// ref is the reference tables' cache (reference.go), shared with every store derived from this one.
	ref *referenceCache
	// groups run the small statements of concurrent calls together (group.go); shared like ref.
	groups *groups
	// enterpriseIDs caches EnterpriseIDByRIDET's answers; shared like ref.
	enterpriseIDs *lru.Cache[model.RIDET, int64]
	// searches keeps directory searches' answers (search_cache.go); shared like ref, but not by a transaction's
	// store, nor by a store over a transaction.
	searches *searchCache
}

// groups are a store's group commits, one per kind of statement.
type groups struct {
	audit   *group[*model.AuditEntry, struct{}]
	confirm *group[*confirmationWrite, json.RawMessage]
	durable *group[struct{}, struct{}]
}

// New returns a store over db (a *bun.DB or a bun.Tx), with its own cache of the reference tables and its own
// group commits.
func New(db bun.IDB) *Store {
	base := &Store{db: db}
	ids, err := lru.New[model.RIDET, int64](enterpriseIDCacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	s := &Store{db: db, ref: &referenceCache{db: db}, enterpriseIDs: ids,
		groups: &groups{audit: auditGroup(db), confirm: confirmationGroup(base), durable: durableGroup(base)}}
	if !s.inTransaction() {
		s.searches = newSearchCache()
	}
	return s
}

// inTransaction reports whether s's statements run in a transaction (a store from InTx, or New over a bun.Tx):
// what they read may include writes that can still roll back.
func (s *Store) inTransaction() bool {
	_, inTx := s.db.(bun.Tx)
	return inTx
}

// inTx returns the store of a transaction begun by s: its statements run in tx, and it shares s's caches but the
// search cache (a transaction's reads may show its own writes, which may yet roll back).
func (s *Store) inTx(tx bun.Tx) *Store {
	return &Store{db: tx, ref: s.ref, groups: s.groups, enterpriseIDs: s.enterpriseIDs}
}

// warmUpStatement runs sudpro_warm_up when the database has it (the connection may precede the migrations).
const warmUpStatement = `DO $$ BEGIN IF to_regprocedure('sudpro_warm_up()') IS NOT NULL THEN PERFORM sudpro_warm_up(); END IF; END $$`

// Options tune the database connection.
type Options struct {
	StatementTimeout time.Duration // PostgreSQL statement_timeout for every statement; 0 keeps the server's
	MaxOpenConns     int           // 0 keeps database/sql's default
	ApplicationName  string
	// QueryExecMode is pgx's way of sending statements: "" or "simple_protocol" (the default: one round trip,
	// no server-side prepared statement, so it works behind PgBouncer in transaction mode), or "exec",
	// "describe_exec", "cache_describe", "cache_statement" (these keep prepared statements on a server
	// connection: only for a direct connection or a PgBouncer with max_prepared_statements).
	QueryExecMode string
	// Replica tags the connection as a read replica's, for the statement counter (and so tests and metrics).
	Replica bool
	// Tracer, when set, gives every statement an OpenTelemetry span (Bun's bunotel hook); nil costs nothing.
	Tracer trace.TracerProvider
	// WarmUp runs sudpro_warm_up on every new connection (the server's primary pool): its first confirmation then
	// finds the hot path's functions compiled and planned, instead of paying for it in a session-opening rush.
	WarmUp bool
}

// queryExecMode returns pgx's mode of an Options.QueryExecMode name.
func queryExecMode(name string) (pgx.QueryExecMode, bool) {
	switch name {
	case "", "simple_protocol":
		return pgx.QueryExecModeSimpleProtocol, true
	case "exec":
		return pgx.QueryExecModeExec, true
	case "describe_exec":
		return pgx.QueryExecModeDescribeExec, true
	case "cache_describe":
		return pgx.QueryExecModeCacheDescribe, true
	case "cache_statement":
		return pgx.QueryExecModeCacheStatement, true
	}
	return 0, false
}

// ValidQueryExecMode reports whether name is an accepted Options.QueryExecMode.
func ValidQueryExecMode(name string) bool {
	_, ok := queryExecMode(name)
	return ok
}

// Open connects to PostgreSQL through pgx and returns a Bun database with the statement counter installed.
func Open(dsn string, opts Options) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if opts.StatementTimeout > 0 {
		cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	}
	if opts.ApplicationName != "" {
		cfg.RuntimeParams["application_name"] = opts.ApplicationName
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	// Bun formats every query itself, values included, so each text is new to pgx: its default (prepare and cache
	// each statement) would cost an extra round trip per statement and churn the cache. The simple protocol sends
	// the text once; it also works behind PgBouncer in transaction mode. It is the default (Options.QueryExecMode "").
	mode, ok := queryExecMode(opts.QueryExecMode)
	if !ok {
		return nil, fmt.Errorf("unknown query exec mode %q", opts.QueryExecMode)
	}
	cfg.DefaultQueryExecMode = mode
	// Directory typo tolerance: a search word matches a business word with pg_trgm word similarity of 0.5 or more
	// ("plombrie" ~ "plomberie" is 0.58; the extension's default, 0.6, misses it). Set on each new connection rather
	// than as a startup parameter, which PgBouncer refuses; behind PgBouncer the database carries it too (ALTER
	// DATABASE … SET, docs/deploy.md), since a connection's SET then reaches one server connection only.
	sqldb := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "SET pg_trgm.word_similarity_threshold = 0.5"); err != nil {
			return err
		}
		if opts.WarmUp {
			// An optimisation only: a database not migrated yet has no sudpro_warm_up, and a failure leaves the
			// connection as usable as before.
			_, _ = conn.Exec(ctx, warmUpStatement)
		}
		return nil
	}))
	if opts.MaxOpenConns > 0 {
		sqldb.SetMaxOpenConns(opts.MaxOpenConns)
		sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	}
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New()).WithQueryHook(statementCounter{replica: opts.Replica})
	if opts.Tracer != nil {
		role := "primary"
		if opts.Replica {
			role = "replica"
		}
		db = db.WithQueryHook(bunotel.NewQueryHook(bunotel.WithTracerProvider(opts.Tracer), bunotel.WithDBName(cfg.Database),
			bunotel.WithAttributes(attribute.String("db.role", role))))
	}
	return db, nil
}

// WithReplica returns a store whose opted-in reads (readDB) go to replica, a read replica of the store's
// database; everything else (writes, transactions, reads that did not opt in) stays on the primary.
func (s *Store) WithReplica(replica bun.IDB) *Store {
	c := *s
	c.replica = replica
	return &c
}

type primaryReadsKey struct{}

// WithPrimaryReads returns a context whose reads all go to the primary: a mutation's own reads, and a caller's
// reads just after its own write (read-your-writes), which a lagging replica might not show yet.
func WithPrimaryReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryReadsKey{}, true)
}

// readDB is where a read-only statement that tolerates a replica's lag (about a second at worst: directory,
// dashboard, lists) runs: the replica when one is configured and ctx does not ask for the primary
// (WithPrimaryReads), the primary otherwise. Inside a transaction the store has no replica, so the statement
// sees the transaction's own writes.
func (s *Store) readDB(ctx context.Context) bun.IDB {
	if s.replica == nil || ctx.Value(primaryReadsKey{}) != nil {
		return s.db
	}
	return s.replica
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.NewRaw("SELECT 1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Analyze refreshes the planner's statistics of every table, after a bulk load (a seed), so that the first
// queries on the new rows (the dashboard's) are planned from what is there rather than from empty tables.
func (s *Store) Analyze(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// InTx runs fn in one transaction, retrying on serialization failures and deadlocks (SQLSTATE 40001, 40P01).
// Inside a transaction already, it runs fn in a savepoint.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTransaction() {
		// A savepoint cannot be retried on its own: a serialization failure aborts the whole transaction.
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(s.inTx(tx)) })
	}
	const attempts = 5
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(s.inTx(tx))
		})
		if !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
	return fmt.Errorf("transaction failed after %d attempts: %w", attempts, err)
}

func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// mapError turns database errors a user can cause into typed errors; anything else is wrapped as is.
func mapError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return model.Errorf(model.CodeNotFound, "", "%s not found", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &model.Error{Code: model.CodeConflict, Field: constraintField(pgErr.ConstraintName),
				Message: what + " already exists"}
		case "23514", "23503", "23502":
			return &model.Error{Code: model.CodeInvalid, Field: constraintField(pgErr.ConstraintName),
				Message: what + " is not valid"}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// constraintField guesses the input field of a constraint from PostgreSQL's naming (table_column_key).
func constraintField(constraint string) string {
	parts := strings.Split(constraint, "_")
	if len(parts) < 3 {
		return ""
	}
	return strings.Join(parts[1:len(parts)-1], "_")
}

// DB returns the underlying database handle, for tests and tools that need raw access.
func (s *Store) DB() bun.IDB { return s.db }
