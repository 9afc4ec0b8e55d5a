package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Spend takes points from a caller's budget for the current hour, unless that would exceed limit. It returns the
// points used in the window after the call (or as they stand, when refused), the window's end, and whether the
// points were taken. Old windows are removed now and then by the same statement's caller (PruneRateLimits).
func (s *Store) Spend(ctx context.Context, caller string, limit, points int, now time.Time) (used int, resetAt time.Time, ok bool, err error) {
	window := now.UTC().Truncate(time.Hour)
	resetAt = window.Add(time.Hour)
	// Every request spends, reads included, so this statement must not wait for the disk: it commits without
	// waiting for its WAL flush (synchronous_commit off for its own implicit transaction, set by the FROM clause).
	// A crash can then forget the last few milliseconds of spent points, which only lets those callers spend them
	// again; the ledger's transactions keep their own durable commits.
	err = s.db.NewRaw(`INSERT INTO rate_limit_windows (caller, window_start, used)
		SELECT ?, ?, ? FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async
		ON CONFLICT (caller, window_start) DO UPDATE SET used = rate_limit_windows.used + EXCLUDED.used
		WHERE rate_limit_windows.used + EXCLUDED.used <= ?
		RETURNING used`, caller, window, points, limit).Scan(ctx, &used)
	if err == nil {
		if used > limit { // a first request alone can be over the limit
			return used, resetAt, false, nil
		}
		return used, resetAt, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, resetAt, false, fmt.Errorf("spend points: %w", err)
	}
	if err := s.db.NewRaw("SELECT used FROM rate_limit_windows WHERE caller = ? AND window_start = ?", caller, window).Scan(ctx, &used); err != nil {
		return 0, resetAt, false, fmt.Errorf("read points: %w", err)
	}
	return used, resetAt, false, nil
}

// APIKeyBudget returns a key's hourly budget, 0 when it has none of its own.
func (s *Store) APIKeyBudget(ctx context.Context, keyID int64) (int, error) {
	var budget sql.NullInt64
	if err := s.db.NewRaw("SELECT hourly_budget FROM api_keys WHERE id = ?", keyID).Scan(ctx, &budget); err != nil {
		return 0, fmt.Errorf("read API key budget: %w", err)
	}
	return int(budget.Int64), nil
}
