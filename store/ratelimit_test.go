package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLease checks the points budget's statement: it grants at least what is needed and up to a chunk, per
// caller and hour, never past the limit, refuses what the window cannot give without taking anything, and its
// asynchronous commit is still a commit.
func TestLease(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
	steps := []struct {
		caller      string
		need, chunk int
		at          time.Time
		wantGranted int
		wantUsed    int
	}{
		{"ADMIN:a", 2, 4, now, 4, 4},                // a chunk
		{"ADMIN:a", 5, 4, now, 5, 9},                // more than a chunk is needed: what is needed
		{"ADMIN:a", 2, 4, now, 0, 9},                // 11 > 10: refused, nothing taken
		{"ADMIN:a", 1, 4, now, 1, 10},               // a chunk, cut to what is left
		{"ADMIN:a", 1, 4, now, 0, 10},               // spent
		{"ADMIN:b", 3, 0, now, 3, 3},                // another caller has its own budget
		{"ADMIN:c", 11, 4, now, 0, 0},               // more than the limit: refused, no window created
		{"ADMIN:c", 1, 40, now, 10, 10},             // the first lease of a window, cut to the limit
		{"ADMIN:a", 1, 4, now.Add(time.Hour), 4, 4}, // the next hour starts afresh
	}
	for i, s := range steps {
		granted, used, resetAt, err := st.Lease(ctx, s.caller, 10, s.need, s.chunk, s.at)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if granted != s.wantGranted || used != s.wantUsed {
			t.Errorf("step %d: Lease(%s, need %d, chunk %d) = granted %d, used %d; want %d, %d", i, s.caller, s.need, s.chunk, granted, used, s.wantGranted, s.wantUsed)
		}
		if want := s.at.Truncate(time.Hour).Add(time.Hour); !resetAt.Equal(want) {
			t.Errorf("step %d: reset at %v, want %v", i, resetAt, want)
		}
	}
	// The points are committed: a later statement (on whichever pooled connection) reads them.
	var used int
	if err := st.DB().NewRaw("SELECT used FROM rate_limit_windows WHERE caller = 'ADMIN:b'").Scan(ctx, &used); err != nil || used != 3 {
		t.Errorf("points of ADMIN:b after the steps: %d (%v), want 3", used, err)
	}
}

// Concurrent leases of one caller's window, as from many processes at once (its first one included), grant
// exactly what the window records, never past the limit, until it is spent.
func TestLeaseConcurrently(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	now := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
	const limit = 1_000
	var granted atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			for {
				g, used, _, err := st.Lease(context.Background(), "CHAMBER:k", limit, 1+i%3, 7, now)
				if err != nil {
					errs <- err
					return
				}
				if used > limit || (g > 0 && (g < 1+i%3 || g > 7)) {
					errs <- fmt.Errorf("granted %d (need %d, chunk 7), used %d of %d", g, 1+i%3, used, limit)
					return
				}
				if g == 0 {
					return
				}
				granted.Add(int64(g))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var used int
	if err := st.DB().NewRaw("SELECT used FROM rate_limit_windows WHERE caller = 'CHAMBER:k'").Scan(t.Context(), &used); err != nil {
		t.Fatal(err)
	}
	if int64(used) != granted.Load() || used > limit || used < limit-2 {
		t.Errorf("granted %d in all, the window records %d of %d; want equal, and the window spent", granted.Load(), used, limit)
	}
}
