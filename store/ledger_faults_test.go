package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// Faults: connections killed in the middle of confirmations, and statements that time out. A client that retries
// with its idempotency key must end with exactly one effect per key and a sound ledger.

const victimsApp = "sudpro-test-victims"

func TestLedgerConfirmationsSurviveKilledConnections(t *testing.T) {
	const buyers, envelope = 150, model.XPF(1_000_000)
	const maxAttempts = 40
	ctx := context.Background()
	dsn := dbtest.NewDSN(t)
	victims, err := store.Open(dsn, store.Options{MaxOpenConns: 100, ApplicationName: victimsApp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = victims.Close() })
	killerDB, err := store.Open(dsn, store.Options{MaxOpenConns: 1, ApplicationName: "sudpro-test-killer"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = killerDB.Close() })
	st := store.New(victims)
	r := newRush(t, st, buyers, envelope, 3)

	// The killer terminates every victim backend it finds, every few milliseconds, until told to stop.
	var killed, sweeps atomic.Int64
	stopKiller := make(chan struct{})
	killerDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stopKiller:
				killerDone <- nil
				return
			case <-time.After(time.Duration(8+sweeps.Load()%9) * time.Millisecond):
			}
			var n int64
			err := killerDB.NewRaw(`SELECT count(*) FROM (
				SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ?) k WHERE done`, victimsApp).Scan(ctx, &n)
			if err != nil {
				killerDone <- fmt.Errorf("killer: %w", err)
				return
			}
			killed.Add(n)
			sweeps.Add(1)
		}
	}()

	// Every buyer confirms once, all at the same time, while backends die; a request that failed is retried with
	// its key until it gets an outcome. The killer stops once every request has been tried twice (or after 2 s).
	type result struct {
		out      model.Outcome
		err      error
		attempts int
		failures []string
	}
	results := make([]result, buyers)
	var attemptsDone sync.WaitGroup
	attemptsDone.Add(buyers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			<-start
			op := withKey(business(r.buyers[i]), fmt.Sprintf("confirm-%d", r.invoices[i]))
			res := &results[i]
			for res.attempts < maxAttempts {
				res.attempts++
				res.out, res.err = st.ConfirmInvoice(ctx, op, r.invoices[i], r.amounts[i])
				if res.attempts == 2 {
					attemptsDone.Done()
				}
				if res.err == nil || model.ErrorCodeOf(res.err) != "" {
					break
				}
				res.failures = append(res.failures, res.err.Error())
				time.Sleep(time.Duration(5*res.attempts) * time.Millisecond)
			}
			if res.attempts < 2 {
				attemptsDone.Done()
			}
		})
	}
	began := time.Now()
	close(start)
	tried := make(chan struct{})
	go func() { attemptsDone.Wait(); close(tried) }()
	select {
	case <-tried:
	case <-time.After(2 * time.Second):
	}
	close(stopKiller)
	if err := <-killerDone; err != nil {
		t.Fatal(err)
	}
	killedAt := time.Since(began)
	wg.Wait()
	elapsed := time.Since(began)

	failed, retried := 0, 0
	codes := make([]model.ErrorCode, buyers)
	samples := map[string]bool{}
	for i, res := range results {
		if res.err != nil && model.ErrorCodeOf(res.err) == "" {
			t.Fatalf("request %d still failing after %d attempts: %v", i, res.attempts, res.err)
		}
		codes[i] = codeOf(res.out, res.err)
		if len(res.failures) > 0 {
			retried++
			failed += len(res.failures)
			if len(samples) < 5 {
				samples[res.failures[0]] = true
			}
		}
	}
	t.Logf("%d confirmations: %d backends killed in %d sweeps over %v; %d requests failed at least once (%d failures), all resolved in %v",
		buyers, killed.Load(), sweeps.Load(), killedAt.Round(time.Millisecond), retried, failed, elapsed.Round(time.Millisecond))
	for s := range samples {
		t.Logf("a failure: %s", s)
	}
	if killed.Load() == 0 || failed == 0 {
		t.Errorf("killed %d backends, %d requests failed: the test did not exercise killed connections", killed.Load(), failed)
	}

	confirmed, reserved := r.check(t, codes)
	t.Logf("%d confirmed (%d XPF of %d), %d BUDGET_EXHAUSTED", confirmed, reserved, envelope, buyers-confirmed)

	// Each key resolves to at most one RESERVATION, the one of its own invoice, and to its invoice's state.
	var perKey []struct {
		Key          string `bun:"key"`
		Reservations int    `bun:"reservations"`
		Invoice      int64  `bun:"invoice"`
	}
	if err := victims.NewRaw(`SELECT k.key, count(j.id) AS reservations, coalesce(max(j.invoice_id), 0) AS invoice
		FROM idempotency_keys k LEFT JOIN journal_entries j ON j.idempotency_key_id = k.id AND j.kind = 'RESERVATION'
		GROUP BY k.key`).Scan(ctx, &perKey); err != nil {
		t.Fatal(err)
	}
	if len(perKey) != buyers {
		t.Errorf("idempotency keys = %d, want %d (one per request)", len(perKey), buyers)
	}
	confirmedByKey := map[string]bool{}
	for i := range buyers {
		confirmedByKey[fmt.Sprintf("confirm-%d", r.invoices[i])] = codes[i] == ""
	}
	for _, k := range perKey {
		want := 0
		if confirmedByKey[k.Key] {
			want = 1
		}
		if k.Reservations != want || (want == 1 && k.Key != fmt.Sprintf("confirm-%d", k.Invoice)) {
			t.Errorf("key %s: %d reservation(s) on invoice %d, want %d", k.Key, k.Reservations, k.Invoice, want)
		}
	}
	b := r.f.budget()
	if b.Reserved > envelope {
		t.Errorf("reserved %d above the envelope %d", b.Reserved, envelope)
	}

	// A last replay of every key changes nothing and says the same.
	before := snapshot(t, st)
	for i := range buyers {
		op := withKey(business(r.buyers[i]), fmt.Sprintf("confirm-%d", r.invoices[i]))
		if got := codeOf(st.ConfirmInvoice(ctx, op, r.invoices[i], r.amounts[i])); got != codes[i] {
			t.Errorf("replay of request %d = %q, want %q", i, got, codes[i])
		}
	}
	unchanged(t, before, snapshot(t, st))
	checkLedger(t, st)
}

// A statement that times out while waiting for an invoice's lock is not a user error: it must not be reported as
// NOT_FOUND, nor recorded as the outcome of the request's idempotency key, or the client's retry can never succeed.
func TestLedgerLockTimeoutIsNotRecordedAsTheOutcome(t *testing.T) {
	ctx := context.Background()
	st, db := openPool(t, store.Options{MaxOpenConns: 5, StatementTimeout: 300 * time.Millisecond})
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	seller, buyer := es[0], es[1]

	for _, tt := range []struct {
		name   string
		status model.InvoiceStatus
		op     model.Op
		do     func(op model.Op, id int64) (model.Outcome, error)
		want   model.InvoiceStatus
	}{
		{"a confirmation", model.InvoiceIssued, withKey(business(buyer), "confirm-1"),
			func(op model.Op, id int64) (model.Outcome, error) { return st.ConfirmInvoice(ctx, op, id, 10_000) },
			model.InvoiceConfirmed},
		{"an approval", model.InvoiceConfirmed, withKey(agent, "approve-1"),
			func(op model.Op, id int64) (model.Outcome, error) { return st.ApproveInvoice(ctx, op, id, "ok") },
			model.InvoiceApproved},
	} {
		t.Run(tt.name+" that timed out on a locked invoice succeeds when retried with its key", func(t *testing.T) {
			f := f.in(t)
			id := f.invoiceIn(tt.status, seller, buyer, 10_000)
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var locked int64
			if err := tx.NewRaw("SELECT id FROM invoices WHERE id = ? FOR UPDATE", id).Scan(ctx, &locked); err != nil {
				t.Fatal(err)
			}
			first := codeOf(tt.do(tt.op, id))
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if first == "" {
				t.Fatalf("the request succeeded while the invoice was locked")
			}
			if first == model.CodeNotFound {
				t.Errorf("a lock timeout was reported as NOT_FOUND")
			}
			retry := codeOf(tt.do(tt.op, id))
			if retry != "" {
				t.Errorf("retry with the same key = %q, want success (the timeout's error was recorded as the key's outcome)", retry)
			}
			if got := f.status(id); got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
		})
	}
	checkLedger(t, st)
}

// Two agents paying the same two invoices in opposite orders: their transactions deadlock on the invoices'
// rows. The database aborts one of them (40P01), which the store must retry; the retry finds the invoices paid by
// the other agent and says ILLEGAL_TRANSITION. The invoices are in two sessions (one per programme) and the
// sellers' payable rows are held for a moment, so that each agent holds its first invoice when it asks for its
// second: the deadlock happens every run.
func TestLedgerDeadlockedPaymentsAreRetried(t *testing.T) {
	ctx := context.Background()
	st, db := openPool(t, store.Options{MaxOpenConns: 10})
	f1 := newFixture(t, st, fixtureOptions{})
	es1 := f1.addBusinesses(2, nil)
	f1.grant()
	a := f1.invoiceIn(model.InvoiceApproved, es1[0], es1[1], 10_000)
	f2 := f1.another(t, fixtureOptions{})
	es2 := f2.addBusinesses(2, nil)
	f2.grant()
	b := f2.invoiceIn(model.InvoiceApproved, es2[0], es2[1], 10_000)
	invs, err := st.InvoicesByIDs(ctx, []int64{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if *invs[a].SessionID == *invs[b].SessionID {
		t.Fatalf("both invoices are in session %d; the test needs two", *invs[a].SessionID)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	var held []int64
	if err := tx.NewRaw("SELECT id FROM accounts WHERE kind = 'SELLER_PAYABLE' AND enterprise_id IN (?, ?) FOR UPDATE",
		es1[0].ID, es2[0].ID).Scan(ctx, &held); err != nil || len(held) != 2 {
		t.Fatalf("hold the payable accounts: %v %v", held, err)
	}
	orders := [][]int64{{a, b}, {b, a}}
	codes := make([]model.ErrorCode, 2)
	var wg sync.WaitGroup
	for i, ids := range orders {
		payer := model.Actor{Role: model.RoleAgent, Subject: fmt.Sprintf("agent-%d", i)}
		wg.Go(func() { codes[i] = codeOf(st.MarkInvoicesPaid(ctx, as(payer), ids)) })
	}
	waitForLockWaiters(t, st, 2, "the payments never queued behind the held accounts")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	got := map[model.ErrorCode]int{}
	for _, c := range codes {
		got[c]++
	}
	if got[""] != 1 || got[model.CodeIllegalTransition] != 1 {
		t.Errorf("outcomes = %v, want one payment of both invoices and one ILLEGAL_TRANSITION (invoices already paid)", got)
	}
	if f1.status(a) != model.InvoicePaid || f1.status(b) != model.InvoicePaid {
		t.Errorf("statuses = %s, %s; want both PAID", f1.status(a), f1.status(b))
	}
	checkLedger(t, st)
}
