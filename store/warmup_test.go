package store_test

import (
	"context"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/store"
)

// The server's connections run sudpro_warm_up when they open (store.Options.WarmUp), so that the first wave of a
// rush finds the confirmation's functions compiled and planned. It must write nothing, whatever the data: it runs
// the facts of an ISSUED invoice of an open session and an empty batch of confirmations.
func TestWarmUpWritesNothing(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.NewDSN(t)
	plain, err := store.Open(dsn, store.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	st := store.New(plain)
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	f.issue(es[0], es[1], 50_000)
	before := snapshot(t, st)
	// track_functions counts the calls of PL/pgSQL functions, for the connections opened from now on.
	if _, err := plain.ExecContext(ctx, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_functions = ''pl''', current_database()); END $$"); err != nil {
		t.Fatal(err)
	}

	tx, err := plain.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var xid *int64
	if _, err := tx.ExecContext(ctx, "SELECT sudpro_warm_up()"); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT pg_current_xact_id_if_assigned()::text::bigint").Scan(&xid); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if xid != nil {
		t.Errorf("sudpro_warm_up took transaction id %d: it wrote something", *xid)
	}

	warmed, err := store.Open(dsn, store.Options{MaxOpenConns: 1, WarmUp: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := warmed.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	_ = warmed.Close() // the backend ends and reports its function calls
	unchanged(t, before, snapshot(t, st))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var calls int
		if err := plain.QueryRowContext(ctx, "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'sudpro_warm_up'").Scan(&calls); err != nil {
			t.Fatal(err)
		}
		if calls >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a connection opened with WarmUp never ran sudpro_warm_up")
		}
		time.Sleep(50 * time.Millisecond)
		// A new transaction reads the statistics afresh.
		if _, err := plain.ExecContext(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
			t.Fatal(err)
		}
	}
}
