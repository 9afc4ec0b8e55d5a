package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// TestLedgerTransactionsAreDurableBeforeTheyAnswer checks the statements of a confirmation, in order. A refusal
// reads the facts and records its outcome with the key in a statement committed synchronously. A reservation is
// one statement (sudpro_confirm_batch) that commits without waiting for the disk (so the envelope's row is released at
// once), followed by a synchronous commit of its own (which flushes the WAL up to and past it) before the call
// returns; so is a replay, whose first call may still be waiting for the disk. Nothing else runs: the
// confirmation's round trips are pinned.
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
			case strings.Contains(q, "sudpro_confirmation_facts("):
				kinds = append(kinds, "facts")
			case strings.Contains(q, "sudpro_claim_key(") && !strings.HasSuffix(q, "CAST(NULL AS jsonb))"):
				kinds = append(kinds, "refusal")
			case strings.Contains(q, "sudpro_confirm_batch(") && strings.HasSuffix(q, ", TRUE)"):
				kinds = append(kinds, "async-reservation")
			case strings.Contains(q, "set_config('synchronous_commit', 'on', true), txid_current()"):
				kinds = append(kinds, "durable")
			default:
				kinds = append(kinds, q)
			}
		}
		return strings.Join(kinds, " ")
	}
	if got, want := statements("too-much", 260_000, model.CodeInsufficientCredit), "facts refusal"; got != want {
		t.Errorf("refused confirmation's statements = %s, want %s", got, want)
	}
	if got, want := statements("durable", 40_000, ""), "facts async-reservation durable"; got != want {
		t.Errorf("confirmation's statements = %s, want %s", got, want)
	}
	if got, want := statements("durable", 40_000, ""), "facts refusal durable"; got != want {
		t.Errorf("replayed confirmation's statements = %s, want %s", got, want)
	}
}

// afterFacts runs change once, right after the first time a confirmation reads its facts: a change made by
// someone else between the read and the write.
type afterFacts struct {
	once   sync.Once
	change func()
	reads  atomic.Int64
}

func (h *afterFacts) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *afterFacts) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "sudpro_confirmation_facts(") {
		h.reads.Add(1)
		h.once.Do(h.change)
	}
}

// TestConfirmationRereadsFactsChangedMeanwhile changes what a confirmation's rules depend on after it has read its
// facts (without locks) and before it writes: the write must notice under lock, write nothing, and the
// confirmation must decide again on the new facts.
func TestConfirmationRereadsFactsChangedMeanwhile(t *testing.T) {
	db := dbtest.New(t)
	other := store.New(db) // someone else, without the hook
	ctx := context.Background()
	f := newFixture(t, other, fixtureOptions{session: func(s *model.Session) { s.OnlyUnusedBeneficiaries = true }})
	sellers := f.addBusinesses(1, nil)
	for _, c := range []struct {
		name   string
		change func(buyer *model.Enterprise)
		want   model.ErrorCode
	}{
		{"nothing changes", func(*model.Enterprise) {}, ""},
		{"the buyer is suspended", func(b *model.Enterprise) {
			exec(t, other, "UPDATE enterprises SET status = 'SUSPENDED' WHERE id = ?", b.ID)
		}, model.CodeNotEligible},
		{"the session closes", func(*model.Enterprise) {
			exec(t, other, "UPDATE sessions SET closes_at = now() - interval '1 second' WHERE id = ?", f.session.ID)
		}, model.CodeSessionClosed},
		{"the buyer uses its credit on another invoice", func(b *model.Enterprise) {
			must(t)(other.ConfirmInvoice(ctx, as(business(b)), f.in(t).issue(sellers[0], b, 10_000), 10_000))
		}, model.CodeCreditAlreadyUsed},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.in(t)
			buyer := f.addBusinesses(1, nil)[0]
			f.grant()
			id := f.issue(sellers[0], buyer, 100_000)
			hook := &afterFacts{change: func() { c.change(buyer) }}
			st := store.New(db.WithQueryHook(hook))
			if got := codeOf(st.ConfirmInvoice(ctx, withKey(business(buyer), "k-"+c.name), id, 50_000)); got != c.want {
				t.Errorf("confirmation = %q, want %q", got, c.want)
			}
			wantReads := int64(2)
			if c.want == "" {
				wantReads = 1
			}
			if got := hook.reads.Load(); got != wantReads {
				t.Errorf("facts read %d times, want %d", got, wantReads)
			}
			wantStatus := model.InvoiceIssued
			if c.want == "" {
				wantStatus = model.InvoiceConfirmed
			}
			if got := f.status(id); got != wantStatus {
				t.Errorf("invoice status = %s, want %s", got, wantStatus)
			}
			exec(t, other, "UPDATE sessions SET closes_at = NULL WHERE id = ?", f.session.ID)
			checkLedger(t, other)
		})
	}
}

// A confirmation's facts carry a fingerprint (compared when it is written) only when the balances they hold cover
// the credit asked: most calls of a rush are refused on those balances and never pay for it.
func TestConfirmationFactsFingerprintOnlyWhatMayBeWritten(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	f := newFixture(t, st, fixtureOptions{envelope: 100_000})
	es := f.addBusinesses(2, nil)
	f.grant()
	id := f.issue(es[0], es[1], 300_000)
	for _, c := range []struct {
		credit model.XPF
		want   bool
	}{
		{0, true},
		{100_000, true},  // the envelope, all of it
		{100_001, false}, // more than the envelope
		{250_001, false}, // more than the buyer's credit too
		{model.XPF(1) << 62, false},
	} {
		got := count(t, st, "SELECT count(*) FROM invoices AS i WHERE i.id = ? AND sudpro_confirmation_facts(i.id, i.buyer_id, ?) ->> 'fingerprint' <> ''", id, int64(c.credit))
		if (got == 1) != c.want {
			t.Errorf("credit %d: fingerprinted = %v, want %v", c.credit, got == 1, c.want)
		}
	}
	if got := refusal(t)(st.ConfirmInvoice(context.Background(), as(business(es[1])), id, 100_001)); got != model.CodeBudgetExhausted {
		t.Errorf("confirmation of 100,001 XPF = %q, want BUDGET_EXHAUSTED", got)
	}
	must(t)(st.ConfirmInvoice(context.Background(), as(business(es[1])), id, 100_000))
	checkLedger(t, st)
}

// TestConfirmationOpensMissingAccounts is a buyer granted before every account was opened at once: its reserved and
// used accounts do not exist yet. The confirmation opens them and reads its facts again.
func TestConfirmationOpensMissingAccounts(t *testing.T) {
	st := store.New(dbtest.New(t))
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	id := f.issue(es[0], es[1], 100_000)
	exec(t, st, "DELETE FROM accounts WHERE enterprise_id = ? AND kind IN ('CREDIT_RESERVED', 'CREDIT_USED')", es[1].ID)
	must(t)(st.ConfirmInvoice(context.Background(), as(business(es[1])), id, 40_000))
	if got := f.status(id); got != model.InvoiceConfirmed {
		t.Errorf("status = %s, want CONFIRMED", got)
	}
	if got := f.credit(es[1]).Reserved; got != 40_000 {
		t.Errorf("reserved = %d, want 40000", got)
	}
	checkLedger(t, st)
}
