// Package store holds every SQL statement of Sud Pro and the transactions that keep its invariants.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// Store reads and writes Sud Pro's data. It works on a database or inside a transaction alike.
type Store struct {
	db bun.IDB
	// deferred, when set (inside once), collects the balance moves of posted entries so they run last.
	deferred *[]posting
	// conn, set by InBulkTx, is the transaction's connection, for COPY.
	conn *bun.Conn
}

// New returns a store over db (a *bun.DB or a bun.Tx).
func New(db bun.IDB) *Store { return &Store{db: db} }

// Options tune the database connection.
type Options struct {
	StatementTimeout time.Duration // PostgreSQL statement_timeout for every statement; 0 keeps the server's
	MaxOpenConns     int           // 0 keeps database/sql's default
	ApplicationName  string
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
	// Directory typo tolerance: a search word matches a business word with pg_trgm word similarity of 0.5 or more
	// ("plombrie" ~ "plomberie" is 0.58; the extension's default, 0.6, misses it).
	cfg.RuntimeParams["pg_trgm.word_similarity_threshold"] = "0.5"
	// Bun formats every query itself, values included, so each text is new to pgx: its default (prepare and cache
	// each statement) would cost an extra round trip per statement and churn the cache. The simple protocol sends
	// the text once; it also works behind PgBouncer in transaction mode.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqldb := stdlib.OpenDB(*cfg)
	if opts.MaxOpenConns > 0 {
		sqldb.SetMaxOpenConns(opts.MaxOpenConns)
		sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	}
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()).WithQueryHook(statementCounter{}), nil
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
	if _, nested := s.db.(bun.Tx); nested {
		// A savepoint cannot be retried on its own: a serialization failure aborts the whole transaction.
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(New(tx)) })
	}
	const attempts = 5
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(New(tx))
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
