package store_test

import (
	"context"
	"slices"
	"testing"

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
