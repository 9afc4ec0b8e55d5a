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

// TestLedgerTransactionsAreDurableBeforeTheyAnswer checks the statements of a money-moving mutation, in order: its
// transaction commits without waiting for the disk (so the envelope's rows are released at COMMIT), and a
// synchronous commit of its own (which flushes the WAL up to and past that COMMIT) comes before the call returns.
// A refusal moves nothing and holds no hot row: its transaction turns synchronous again before COMMIT, which then
// waits for the disk itself. It also pins the confirmation's round trips: one per step, nothing else.
func TestLedgerTransactionsAreDurableBeforeTheyAnswer(t *testing.T) {
	log := &queryLog{}
	st := store.New(dbtest.New(t).WithQueryHook(log))
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	id := f.issue(es[0], es[1], 300_000)
	statements := func(key string, credit model.XPF, want model.ErrorCode) string {
		t.Helper()
		log.mu.Lock()
		log.queries = nil
		log.mu.Unlock()
		op := as(business(es[1]))
		op.IdempotencyKey = key
		if got := codeOf(st.ConfirmInvoice(context.Background(), op, id, credit)); got != want {
			t.Fatalf("confirmation of %d XPF = %q, want %q", credit, got, want)
		}
		var kinds []string
		for _, q := range log.queries {
			switch {
			case q == "BEGIN", q == "COMMIT":
				kinds = append(kinds, q)
			case strings.Contains(q, "sudpro_claim_key(") && strings.HasSuffix(q, ", TRUE)"):
				kinds = append(kinds, "async+key")
			case strings.Contains(q, "sudpro_confirmation_facts("):
				kinds = append(kinds, "facts")
			case strings.Contains(q, "sudpro_reserve("):
				kinds = append(kinds, "reserve")
			case strings.Contains(q, "sudpro_settle(") && strings.HasSuffix(q, ", FALSE)"):
				kinds = append(kinds, "outcome+moves")
			case strings.Contains(q, "sudpro_settle(") && strings.HasSuffix(q, ", TRUE)"):
				kinds = append(kinds, "outcome+sync")
			case strings.Contains(q, "set_config('synchronous_commit', 'on', true), txid_current()"):
				kinds = append(kinds, "durable")
			default:
				kinds = append(kinds, q)
			}
		}
		return strings.Join(kinds, " ")
	}
	if got, want := statements("too-much", 260_000, model.CodeInsufficientCredit), "BEGIN async+key facts outcome+sync COMMIT"; got != want {
		t.Errorf("refused confirmation's statements = %s, want %s", got, want)
	}
	if got, want := statements("durable", 40_000, ""), "BEGIN async+key facts reserve outcome+moves COMMIT durable"; got != want {
		t.Errorf("confirmation's statements = %s, want %s", got, want)
	}
	if got, want := statements("durable", 40_000, ""), "BEGIN async+key COMMIT durable"; got != want {
		t.Errorf("replayed confirmation's statements = %s, want %s", got, want)
	}
}
