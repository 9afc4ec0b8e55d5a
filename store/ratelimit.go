package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease takes points from a caller's budget for the current hour for a process to spend on its own: at least
// need points and up to chunk, as many as the window still has below limit. It returns the points granted (0 when
// the window has fewer than need left: nothing is taken), the points taken from the window after the call (or as
// they stand, when refused) and the window's end. The window's used never exceeds limit, whatever the number of
// processes leasing at once: the grant is computed under the row's lock.
//
// One statement (sudpro_lease_points): it locks the caller's row of the hour if there is one and grows it, or
// creates it. A concurrent first lease of the same hour in another process can make the creation do nothing;
// Lease then retries once.
func (s *Store) Lease(ctx context.Context, caller string, limit, need, chunk int, now time.Time) (granted, used int, resetAt time.Time, err error) {
	window := now.UTC().Truncate(time.Hour)
	resetAt = window.Add(time.Hour)
	if need < 1 || need > limit {
		var current sql.NullInt64
		err := s.db.NewRaw("SELECT used FROM rate_limit_windows WHERE caller = ? AND window_start = ?", caller, window).Scan(ctx, &current)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, 0, resetAt, fmt.Errorf("read points: %w", err)
		}
		return 0, int(current.Int64), resetAt, nil
	}
	grant := max(need, chunk)
	for range 2 {
		// One call with plans the connection keeps (sudpro_lease_points); it commits without waiting for its WAL
		// flush: a crash only forgets points, which the unlogged table forgets anyway. Scanned as a slice, which
		// Bun reads to the end: the statement's commit is part of its answer.
		var rows []struct {
			Granted int `bun:"granted"`
			Used    int `bun:"used"`
		}
		err = s.db.NewRaw("SELECT granted, used FROM sudpro_lease_points(?, ?, ?, ?, ?)", caller, window, limit, need, grant).Scan(ctx, &rows)
		if err == nil && len(rows) != 1 {
			err = fmt.Errorf("%d answers", len(rows))
		}
		if err != nil {
			return 0, 0, resetAt, fmt.Errorf("lease points: %w", err)
		}
		if rows[0].Used >= 0 {
			return rows[0].Granted, rows[0].Used, resetAt, nil
		}
		// No row and none inserted: another process created the hour's row meanwhile; it is there now.
	}
	return 0, 0, resetAt, fmt.Errorf("lease points: the window of %s could not be created", caller)
}

// APIKeyBudget returns a key's hourly budget, 0 when it has none of its own.
func (s *Store) APIKeyBudget(ctx context.Context, keyID int64) (int, error) {
	var budget sql.NullInt64
	if err := s.db.NewRaw("SELECT hourly_budget FROM api_keys WHERE id = ?", keyID).Scan(ctx, &budget); err != nil {
		return 0, fmt.Errorf("read API key budget: %w", err)
	}
	return int(budget.Int64), nil
}
