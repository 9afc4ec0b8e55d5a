package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
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
		// One call with plans the connection keeps (sudpro_lease_points), grouped with the leases of concurrent
		// calls outside a transaction (leaseGroup); it commits without waiting for its WAL flush: a crash only
		// forgets points, which the unlogged table forgets anyway.
		in := leaseInput{caller: caller, window: window, limit: limit, need: need, grant: grant}
		var out leaseOutput
		if _, inTx := s.db.(bun.Tx); inTx || s.groups == nil {
			outs, errs := leasePoints(ctx, s.db, []leaseInput{in})
			out, err = outs[0], errs[0]
		} else {
			out, err = s.groups.lease.do(ctx, in)
		}
		if err != nil {
			return 0, 0, resetAt, err
		}
		if out.used >= 0 {
			return out.granted, out.used, resetAt, nil
		}
		// No row and none inserted: another process created the hour's row meanwhile; it is there now.
	}
	return 0, 0, resetAt, fmt.Errorf("lease points: the window of %s could not be created", caller)
}

type leaseInput struct {
	caller             string
	window             time.Time
	limit, need, grant int
}

type leaseOutput struct{ granted, used int }

// leasePoints leases points for several callers in one statement (sudpro_lease_points_many).
func leasePoints(ctx context.Context, db bun.IDB, ins []leaseInput) ([]leaseOutput, []error) {
	outs, errs := make([]leaseOutput, len(ins)), make([]error, len(ins))
	callers, windows := make([]string, len(ins)), make([]time.Time, len(ins))
	limits, needs, grants := make([]int, len(ins)), make([]int, len(ins)), make([]int, len(ins))
	for i, in := range ins {
		callers[i], windows[i], limits[i], needs[i], grants[i] = in.caller, in.window, in.limit, in.need, in.grant
	}
	// A slice, which Bun reads to the end: the statement's commit is part of its answer.
	var rows []struct {
		Ord     int `bun:"ord"`
		Granted int `bun:"granted"`
		Used    int `bun:"used"`
	}
	err := db.NewRaw("SELECT ord, granted, used FROM sudpro_lease_points_many(?, CAST(? AS timestamptz[]), ?, ?, ?)",
		pgdialect.Array(callers), pgdialect.Array(windows), pgdialect.Array(limits), pgdialect.Array(needs), pgdialect.Array(grants)).Scan(ctx, &rows)
	if err == nil && len(rows) != len(ins) {
		err = fmt.Errorf("%d leases answered for %d asked", len(rows), len(ins))
	}
	for i := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("lease points: %w", err)
		}
	}
	for _, r := range rows {
		if r.Ord >= 1 && r.Ord <= len(ins) {
			outs[r.Ord-1] = leaseOutput{granted: r.Granted, used: r.Used}
		}
	}
	return outs, errs
}

// leaseGroup runs the leases of concurrent calls in one statement: in a session-opening rush each request is a
// new caller whose first request leases.
func leaseGroup(db bun.IDB) *group[leaseInput, leaseOutput] {
	return newGroup(200, func(ctx context.Context, ins []leaseInput) ([]leaseOutput, []error) { return leasePoints(ctx, db, ins) })
}

// APIKeyBudget returns a key's hourly budget, 0 when it has none of its own.
func (s *Store) APIKeyBudget(ctx context.Context, keyID int64) (int, error) {
	var budget sql.NullInt64
	if err := s.db.NewRaw("SELECT hourly_budget FROM api_keys WHERE id = ?", keyID).Scan(ctx, &budget); err != nil {
		return 0, fmt.Errorf("read API key budget: %w", err)
	}
	return int(budget.Int64), nil
}
