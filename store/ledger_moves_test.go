package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// TestMoveBalances checks the database function behind every balance move: moves apply in the order given, a debit
// never takes an account below its floor, and the first one that would is reported by its position with nothing
// after it applied (the caller then rolls the whole transaction back).
func TestMoveBalances(t *testing.T) {
	st := store.New(dbtest.New(t))
	f := newFixture(t, st, fixtureOptions{envelope: 1_000})
	buyer := f.addBusinesses(1, nil)[0]
	f.grant()
	ids := func(kinds ...model.AccountKind) []int64 {
		var out []int64
		for _, k := range kinds {
			var id int64
			err := st.DB().NewRaw(`SELECT id FROM accounts WHERE kind = ? AND programme_id = ? AND (session_id = ? OR enterprise_id = ?)`,
				k, f.programme.ID, f.session.ID, buyer.ID).Scan(context.Background(), &id)
			if err != nil {
				t.Fatalf("account %s: %v", k, err)
			}
			out = append(out, id)
		}
		return out
	}
	available, reserved := ids(model.AccountSessionAvailable, model.AccountSessionReserved), ids(model.AccountCreditAvailable)
	accounts := append(available, reserved...)
	balances := func() []int64 {
		out := make([]int64, len(accounts))
		for i, id := range accounts {
			out[i] = int64(count(t, st, "SELECT balance FROM accounts WHERE id = ?", id))
		}
		return out
	}
	cases := []struct {
		name    string
		amounts []int64
		want    int
		after   []int64 // balances of session available, session reserved, buyer's credit available
	}{
		{"every move applies", []int64{-400, 400, 0}, 0, []int64{600, 400, 250_000}},
		{"a debit down to the floor applies", []int64{-600, 600, 0}, 0, []int64{0, 1_000, 250_000}},
		{"the first debit below the floor stops the moves", []int64{400, -1_001, -5}, 2, []int64{400, 1_000, 250_000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var failed int
			err := st.DB().NewRaw("SELECT move_balances(CAST(? AS bigint[]), CAST(? AS bigint[]))",
				pgdialect.Array(accounts), pgdialect.Array(c.amounts)).Scan(context.Background(), &failed)
			if err != nil {
				t.Fatal(err)
			}
			if failed != c.want {
				t.Errorf("move_balances = %d, want %d", failed, c.want)
			}
			if got := balances(); !slices.Equal(got, c.after) {
				t.Errorf("balances = %v, want %v", got, c.after)
			}
		})
	}
	t.Run("arrays of different lengths are refused", func(t *testing.T) {
		var failed int
		err := st.DB().NewRaw("SELECT move_balances(CAST(? AS bigint[]), CAST(? AS bigint[]))",
			pgdialect.Array(accounts), pgdialect.Array([]int64{1})).Scan(context.Background(), &failed)
		if err == nil {
			t.Errorf("move_balances with 3 accounts and 1 amount = %d, want an error", failed)
		}
	})
}

// queryLog records the statements a database runs, in order.
type queryLog struct {
	mu      sync.Mutex
	queries []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = append(l.queries, e.Query)
}

// TestLedgerTransactionsAreDurableBeforeTheyAnswer checks the order of a money-moving mutation's statements: its
// transaction commits without waiting for the disk (so the envelope's rows are released at COMMIT), and a
// synchronous commit of its own (which flushes the WAL up to and past that COMMIT) comes before the call returns.
func TestLedgerTransactionsAreDurableBeforeTheyAnswer(t *testing.T) {
	log := &queryLog{}
	st := store.New(dbtest.New(t).WithQueryHook(log))
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	id := f.issue(es[0], es[1], 100_000)
	log.mu.Lock()
	log.queries = nil
	log.mu.Unlock()
	must(t)(st.ConfirmInvoice(context.Background(), as(business(es[1])), id, 40_000))
	var kinds []string
	for _, q := range log.queries {
		switch {
		case q == "BEGIN", q == "COMMIT":
			kinds = append(kinds, q)
		case strings.Contains(q, "SET LOCAL synchronous_commit = off"):
			kinds = append(kinds, "async")
		case strings.Contains(q, "move_balances"):
			kinds = append(kinds, "moves")
		case strings.Contains(q, "set_config('synchronous_commit', 'on', true), txid_current()"):
			kinds = append(kinds, "durable")
		}
	}
	if got, want := strings.Join(kinds, " "), "BEGIN async moves COMMIT durable"; got != want {
		t.Errorf("confirmation's statements = %s, want %s", got, want)
	}
}
