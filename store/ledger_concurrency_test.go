package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// The session opening rush: many buyers confirming at once against one envelope. Whatever the interleaving, the
// envelope never overspends, every refusal is BUDGET_EXHAUSTED for money that really was not there, and each
// idempotency key has exactly one effect.

// openPool returns a fresh migrated database behind a pool of maxConns connections, so that many goroutines
// really run concurrently.
func openPool(t testing.TB, opts store.Options) (*store.Store, *bun.DB) {
	t.Helper()
	db, err := store.Open(dbtest.NewDSN(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return store.New(db), db
}

// rush is a session with n eligible buyers, each holding one ISSUED invoice from its own seller, and the random
// amount each will ask.
type rush struct {
	f        *ledgerFixture
	buyers   []*model.Enterprise
	invoices []int64
	amounts  []model.XPF
	envelope model.XPF
}

func newRush(t *testing.T, st *store.Store, n int, envelope model.XPF, seed uint64) *rush {
	t.Helper()
	f := newFixture(t, st, fixtureOptions{envelope: envelope})
	es := f.addBusinesses(2*n, nil)
	f.grant()
	r := &rush{f: f, buyers: es[n:], invoices: make([]int64, n), amounts: make([]model.XPF, n), envelope: envelope}
	rng := rand.New(rand.NewPCG(seed, 2025))
	for i := range r.amounts {
		r.amounts[i] = model.XPF(5_000 + rng.IntN(15_001)) // 5,000–20,000 XPF
	}
	// Issue the invoices with a few workers; TTC 20,000 XPF and up, so that any amount fits.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				req := f.issueRequest(r.buyers[i], model.XPF(20_000+i))
				out, err := st.IssueInvoice(context.Background(), as(business(es[i])), req)
				if err == nil && out.Err != nil {
					err = out.Err
				}
				if err != nil {
					errs <- fmt.Errorf("issue invoice %d: %w", i, err)
					return
				}
				r.invoices[i] = out.IDs[0]
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return r
}

// check checks the budget against the outcomes, one per buyer: "" for a confirmation, else its code.
func (r *rush) check(t *testing.T, codes []model.ErrorCode) (confirmed int, reserved model.XPF) {
	t.Helper()
	st, ctx := r.f.st, context.Background()
	refusedBelow := model.XPF(1 << 62) // the smallest refused amount
	for i, code := range codes {
		switch code {
		case "":
			confirmed++
			reserved += r.amounts[i]
		case model.CodeBudgetExhausted:
			refusedBelow = min(refusedBelow, r.amounts[i])
		default:
			t.Errorf("confirmation %d of %d XPF: %q, want success or BUDGET_EXHAUSTED", i, r.amounts[i], code)
		}
	}
	b := r.f.budget()
	switch {
	case b.Reserved != reserved:
		t.Errorf("session reserved = %d, want %d: the sum of the %d confirmations", b.Reserved, reserved, confirmed)
	case b.Reserved > r.envelope:
		t.Errorf("session reserved = %d, above the envelope %d", b.Reserved, r.envelope)
	case b.Remaining != r.envelope-b.Reserved || b.Remaining < 0:
		t.Errorf("session remaining = %d, want envelope − reserved = %d", b.Remaining, r.envelope-b.Reserved)
	case b.Total != r.envelope:
		t.Errorf("session total = %d, want %d", b.Total, r.envelope)
	case b.Remaining >= refusedBelow:
		// The envelope only shrank during the rush: a refusal is only right if even what is left now cannot
		// cover it.
		t.Errorf("a confirmation of %d XPF was refused but %d XPF are still left", refusedBelow, b.Remaining)
	}
	invs, err := st.InvoicesByIDs(ctx, r.invoices)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := st.EntriesByInvoiceIDs(ctx, r.invoices)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]store.CreditKey, len(r.buyers))
	for i, e := range r.buyers {
		keys[i] = store.CreditKey{EnterpriseID: e.ID, ProgrammeID: r.f.programme.ID}
	}
	credits, err := st.Credits(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range r.invoices {
		inv, c := invs[id], credits[keys[i]]
		want, wantCredit, wantEntries := model.InvoiceIssued, model.XPF(0), 0
		if codes[i] == "" {
			want, wantCredit, wantEntries = model.InvoiceConfirmed, r.amounts[i], 1
		}
		if inv.Status != want || inv.CreditAmount != wantCredit || len(entries[id]) != wantEntries {
			t.Errorf("invoice %d: %s with %d XPF and %d entries, want %s with %d XPF and %d entry", i, inv.Status, inv.CreditAmount, len(entries[id]), want, wantCredit, wantEntries)
		}
		if c.Reserved != wantCredit || c.Remaining != model.DefaultAllocation-wantCredit {
			t.Errorf("buyer %d: credit %+v, want %d reserved", i, *c, wantCredit)
		}
	}
	if n := count(t, st, "SELECT count(*) FROM journal_entries WHERE kind = 'RESERVATION'"); n != confirmed {
		t.Errorf("RESERVATION entries = %d, want %d", n, confirmed)
	}
	checkLedger(t, st)
	return confirmed, reserved
}

func TestLedgerConcurrentConfirmations(t *testing.T) {
	const buyers, envelope = 300, model.XPF(1_000_000)
	ctx := context.Background()

	t.Run("300 buyers confirming at once never overspend the envelope", func(t *testing.T) {
		st, _ := openPool(t, store.Options{MaxOpenConns: 100})
		r := newRush(t, st, buyers, envelope, 1)
		codes := make([]model.ErrorCode, buyers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range buyers {
			wg.Go(func() {
				<-start
				codes[i] = codeOf(st.ConfirmInvoice(ctx, as(business(r.buyers[i])), r.invoices[i], r.amounts[i]))
			})
		}
		began := time.Now()
		close(start)
		wg.Wait()
		elapsed := time.Since(began)
		confirmed, reserved := r.check(t, codes)
		t.Logf("%d confirmations in %v: %d succeeded (%d XPF reserved of %d), %d refused with BUDGET_EXHAUSTED",
			buyers, elapsed.Round(time.Millisecond), confirmed, reserved, envelope, buyers-confirmed)
		if confirmed == 0 || confirmed == buyers {
			t.Errorf("%d of %d confirmed: the scenario must both fill and overflow the envelope", confirmed, buyers)
		}
	})

	t.Run("each request sent three times at once with its own key has exactly one effect", func(t *testing.T) {
		st, _ := openPool(t, store.Options{MaxOpenConns: 100})
		r := newRush(t, st, buyers, envelope, 2)
		type call struct {
			out model.Outcome
			err error
		}
		calls := make([][3]call, buyers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range buyers {
			for k := range 3 {
				wg.Go(func() {
					<-start
					op := withKey(business(r.buyers[i]), fmt.Sprintf("confirm-%d", r.invoices[i]))
					out, err := st.ConfirmInvoice(ctx, op, r.invoices[i], r.amounts[i])
					calls[i][k] = call{out, err}
				})
			}
		}
		began := time.Now()
		close(start)
		wg.Wait()
		elapsed := time.Since(began)
		codes := make([]model.ErrorCode, buyers)
		for i, cs := range calls {
			codes[i] = codeOf(cs[0].out, cs[0].err)
			for k := 1; k < 3; k++ {
				if !reflect.DeepEqual(cs[k].out.Recorded(), cs[0].out.Recorded()) || !reflect.DeepEqual(cs[k].err, cs[0].err) {
					t.Errorf("key of invoice %d: call %d = %+v (%v), call 0 = %+v (%v); want the same outcome", i, k, cs[k].out, cs[k].err, cs[0].out, cs[0].err)
				}
			}
		}
		confirmed, reserved := r.check(t, codes)
		if n := count(t, st, "SELECT count(*) FROM idempotency_keys WHERE operation = 'confirmInvoice'"); n != buyers {
			t.Errorf("idempotency keys = %d, want %d", n, buyers)
		}
		if n := count(t, st, `SELECT count(*) FROM (SELECT k.id FROM idempotency_keys k JOIN journal_entries j ON j.idempotency_key_id = k.id
			GROUP BY k.id HAVING count(*) > 1) x`); n != 0 {
			t.Errorf("%d keys have more than one entry", n)
		}
		if n := count(t, st, "SELECT count(*) FROM journal_entries WHERE kind = 'RESERVATION' AND idempotency_key_id IS NOT NULL"); n != confirmed {
			t.Errorf("RESERVATION entries with their key = %d, want %d", n, confirmed)
		}
		t.Logf("%d calls (%d keys) in %v: %d confirmed (%d XPF), %d BUDGET_EXHAUSTED",
			3*buyers, buyers, elapsed.Round(time.Millisecond), confirmed, reserved, buyers-confirmed)
	})
}

// A session "only for beneficiaries who have not used their credit" must let a buyer use it once, however
// its confirmations interleave. Two confirmations of the same buyer are made to overlap deterministically: the
// session's envelope row is held, so both pass their checks before either reserves.
func TestLedgerOnlyUnusedSessionAllowsOneUseUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	st, db := openPool(t, store.Options{MaxOpenConns: 10})
	f := newFixture(t, st, fixtureOptions{session: func(s *model.Session) { s.OnlyUnusedBeneficiaries = true }})
	es := f.addBusinesses(2, nil)
	f.grant()
	seller, buyer := es[0], es[1]
	invoices := []int64{f.issue(seller, buyer, 50_000), f.issue(seller, buyer, 50_000)}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	var held int64
	if err := tx.NewRaw("SELECT id FROM accounts WHERE kind = 'SESSION_AVAILABLE' AND session_id = ? FOR UPDATE", f.session.ID).Scan(ctx, &held); err != nil {
		t.Fatal(err)
	}
	codes := make([]model.ErrorCode, len(invoices))
	var wg sync.WaitGroup
	for i, id := range invoices {
		wg.Go(func() { codes[i] = codeOf(st.ConfirmInvoice(ctx, as(business(buyer)), id, 10_000)) })
	}
	// Wait until both confirmations are blocked: one on the envelope, the other behind it in the store's batch of
	// confirmations (confirmationGroup), both having checked the rules on the same facts.
	waitForLockWaiters(t, st, 1, "the first confirmation never queued behind the held envelope")
	for deadline := time.Now().Add(10 * time.Second); store.ConfirmationsQueued(st) != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second confirmation never queued behind the first")
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	got := map[model.ErrorCode]int{}
	for _, c := range codes {
		got[c]++
	}
	if got[""] != 1 || got[model.CodeCreditAlreadyUsed] != 1 {
		t.Errorf("outcomes = %v, want one confirmation and one CREDIT_ALREADY_USED (a sequential run refuses the second)", got)
	}
	checkLedger(t, st)
}

// Confirmations that queue while another is written go to PostgreSQL as one statement (sudpro_confirm_batch),
// which must decide them as if one after the other, in arrival order: a confirmation the envelope left by those
// before it cannot cover is refused while a later, smaller one still goes through (first come, first served), and
// one by a buyer who confirmed earlier in the same batch is decided again on the new facts.
func TestLedgerQueuedConfirmationsAreDecidedInOrder(t *testing.T) {
	ctx := context.Background()
	_, db := openPool(t, store.Options{MaxOpenConns: 10})
	log := &queryLog{}
	st := store.New(db.WithQueryHook(log))
	f := newFixture(t, st, fixtureOptions{envelope: 100_000, session: func(s *model.Session) { s.OnlyUnusedBeneficiaries = true }})
	es := f.addBusinesses(5, nil)
	f.grant()
	seller, first, a, b, c := es[0], es[1], es[2], es[3], es[4]
	type confirmation struct {
		name  string
		buyer *model.Enterprise
		key   string
		ask   model.XPF
		want  model.ErrorCode
	}
	queued := []confirmation{
		{"a", a, "key-a", 50_000, ""},
		{"b", b, "key-b", 60_000, model.CodeBudgetExhausted}, // 40,000 left after a
		{"c", c, "key-c", 30_000, ""},
		// a's second invoice, with a's key: stale in the batch (a confirmed), then the key is another request's.
		{"a again", a, "key-a", 5_000, model.CodeConflict},
	}
	invoices := make([]int64, len(queued))
	for i, q := range queued {
		invoices[i] = f.issue(seller, q.buyer, 100_000)
	}
	firstInvoice := f.issue(seller, first, 100_000)

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.NewRaw("SELECT 1 FROM accounts WHERE kind = 'SESSION_AVAILABLE' AND session_id = ? FOR UPDATE", f.session.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	log.queries = nil
	log.mu.Unlock()
	var wg sync.WaitGroup
	var firstCode model.ErrorCode
	wg.Go(func() {
		firstCode = codeOf(st.ConfirmInvoice(ctx, withKey(business(first), "key-first"), firstInvoice, 10_000))
	})
	waitForLockWaiters(t, st, 1, "the first confirmation never queued behind the held envelope")
	codes := make([]model.ErrorCode, len(queued))
	for i, q := range queued {
		wg.Go(func() {
			codes[i] = codeOf(st.ConfirmInvoice(ctx, withKey(business(q.buyer), q.key), invoices[i], q.ask))
		})
		for deadline := time.Now().Add(10 * time.Second); store.ConfirmationsQueued(st) != i+1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("confirmation %q never queued", q.name)
			}
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if firstCode != "" {
		t.Errorf("first confirmation = %q, want it confirmed", firstCode)
	}
	for i, q := range queued {
		if codes[i] != q.want {
			t.Errorf("confirmation %q = %q, want %q", q.name, codes[i], q.want)
		}
	}
	if got := f.budget().Remaining; got != 10_000 {
		t.Errorf("envelope left = %d, want 10,000 (100,000 - 10,000 - 50,000 - 30,000)", got)
	}
	var batches int
	log.mu.Lock()
	for _, q := range log.queries {
		if strings.Contains(q, "sudpro_confirm_batch(") {
			batches++
		}
	}
	log.mu.Unlock()
	if batches != 2 {
		t.Errorf("%d confirmation statements, want 2: the first alone, then the four queued behind it together", batches)
	}
	checkLedger(t, st)
}
