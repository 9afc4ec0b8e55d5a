package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded SQL migrations.
func Migrations() (*migrate.Migrations, error) {
	m := migrate.NewMigrations()
	if err := m.Discover(migrationFiles); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return m, nil
}

// Migrator returns a migrator of db over the embedded migrations, each run in its own transaction.
func Migrator(db *bun.DB) (*migrate.Migrator, error) {
	m, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db, m, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Migrate applies every pending migration; it is safe to run concurrently from several processes (the
// migrator's lock table serialises them).
func Migrate(ctx context.Context, db *bun.DB) (*migrate.MigrationGroup, error) {
	migrator, err := Migrator(db)
	if err != nil {
		return nil, err
	}
	if err := migrator.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations tables: %w", err)
	}
	if err := migrator.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	defer migrator.Unlock(ctx) //nolint:errcheck // unlocking is best effort; the lock row is per run
	group, err := migrator.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return group, nil
}

// PendingMigrations returns how many embedded migrations are not applied; 0 means the schema is at head.
func PendingMigrations(ctx context.Context, db *bun.DB) (int, error) {
	migrator, err := Migrator(db)
	if err != nil {
		return 0, err
	}
	ms, err := migrator.MigrationsWithStatus(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status: %w", err)
	}
	return len(ms.Unapplied()), nil
}

// MigrationFiles returns the embedded migration SQL, e.g. to fingerprint the schema.
func MigrationFiles() fs.FS { return migrationFiles }
