package store_test

import (
	"context"
	"testing"
	"time"
)

// TestSpend checks the points budget's statement: it counts per caller and hour, refuses what would exceed the
// limit without taking it, and its asynchronous commit is still a commit.
func TestSpend(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
	steps := []struct {
		caller       string
		points       int
		at           time.Time
		wantUsed     int
		wantAccepted bool
	}{
		{"ADMIN:a", 4, now, 4, true},
		{"ADMIN:a", 5, now, 9, true},
		{"ADMIN:a", 2, now, 9, false}, // 11 > 10: refused, nothing taken
		{"ADMIN:a", 1, now, 10, true},
		{"ADMIN:b", 3, now, 3, true},                // another caller has its own budget
		{"ADMIN:a", 1, now.Add(time.Hour), 1, true}, // the next hour starts afresh
	}
	for i, s := range steps {
		used, resetAt, ok, err := st.Spend(ctx, s.caller, 10, s.points, s.at)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if used != s.wantUsed || ok != s.wantAccepted {
			t.Errorf("step %d: Spend(%s, %d) = used %d, accepted %v; want %d, %v", i, s.caller, s.points, used, ok, s.wantUsed, s.wantAccepted)
		}
		if want := s.at.Truncate(time.Hour).Add(time.Hour); !resetAt.Equal(want) {
			t.Errorf("step %d: reset at %v, want %v", i, resetAt, want)
		}
	}
	// The points are committed: a later statement (on whichever pooled connection) reads them.
	used, _, ok, err := st.Spend(ctx, "ADMIN:a", 10, 0, now)
	if err != nil || used != 10 || !ok {
		t.Errorf("points of ADMIN:a after the steps: %d (%v, %v), want 10", used, ok, err)
	}
}
