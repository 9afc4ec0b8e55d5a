package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// The invoice state machine through the store, legal and illegal moves; the automatic checks at issue and at
// confirmation; idempotency; allocations; the journal's own guards. Every refusal must leave the ledger, the
// invoices and the journal exactly as they were, and every test ends with a clean CheckLedger.

func entryKinds(t *testing.T, st *store.Store, invoiceID int64) []model.EntryKind {
	t.Helper()
	entries, err := st.EntriesByInvoiceIDs(context.Background(), []int64{invoiceID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []model.EntryKind
	for _, e := range entries[invoiceID] {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

func TestLedgerTransitions(t *testing.T) {
	st := newStore(t)
	t.Cleanup(func() { checkLedger(t, st) })
	// Credit and envelope enough for every case of one buyer.
	f := newFixture(t, st, fixtureOptions{allocation: 50_000_000, envelope: 100_000_000})
	es := f.addBusinesses(3, nil)
	seller, buyer, other := es[0], es[1], es[2]
	f.grant()
	ctx := context.Background()
	const x = model.XPF(30_000)

	t.Run("the buyer confirming an ISSUED invoice reserves its credit and the envelope", func(t *testing.T) {
		f := f.in(t)
		id := f.invoiceIn(model.InvoiceIssued, seller, buyer, 0)
		b0, c0 := f.budget(), f.credit(buyer)
		out := must(t)(st.ConfirmInvoice(ctx, as(business(buyer)), id, x))
		if got, want := fmt.Sprint(out.IDs, out.Amount), fmt.Sprint([]int64{id}, x); got != want {
			t.Errorf("ConfirmInvoice outcome = %s, want %s", got, want)
		}
		if got := f.status(id); got != model.InvoiceConfirmed {
			t.Errorf("status = %s, want CONFIRMED", got)
		}
		wantB := b0
		wantB.Remaining -= x
		wantB.Reserved += x
		if got := f.budget(); got != wantB {
			t.Errorf("budget = %+v, want %+v", got, wantB)
		}
		wantC := c0
		wantC.Remaining -= x
		wantC.Reserved += x
		if got := f.credit(buyer); got != wantC {
			t.Errorf("credit = %+v, want %+v", got, wantC)
		}
		if got := fmt.Sprint(entryKinds(t, st, id)); got != "[RESERVATION]" {
			t.Errorf("entries = %s, want [RESERVATION]", got)
		}
		invs, _ := st.InvoicesByIDs(ctx, []int64{id})
		if inv := invs[id]; inv.CreditAmount != x || inv.SessionID == nil || *inv.SessionID != f.session.ID || inv.ConfirmedAt == nil {
			t.Errorf("confirmed invoice = credit %d session %v confirmedAt %v, want %d in session %d", inv.CreditAmount, inv.SessionID, inv.ConfirmedAt, x, f.session.ID)
		}
	})

	t.Run("an agent approving a CONFIRMED invoice makes its credit used and owed to the seller", func(t *testing.T) {
		f := f.in(t)
		id := f.invoiceIn(model.InvoiceConfirmed, seller, buyer, x)
		b0, c0 := f.budget(), f.credit(buyer)
		must(t)(st.ApproveInvoice(ctx, as(agent), id, "conforme"))
		if got := f.status(id); got != model.InvoiceApproved {
			t.Errorf("status = %s, want APPROVED", got)
		}
		wantB := b0
		wantB.Reserved -= x
		wantB.Payable += x
		if got := f.budget(); got != wantB {
			t.Errorf("budget = %+v, want %+v", got, wantB)
		}
		wantC := c0
		wantC.Reserved -= x
		wantC.Used += x
		if got := f.credit(buyer); got != wantC {
			t.Errorf("credit = %+v, want %+v", got, wantC)
		}
		if got := fmt.Sprint(entryKinds(t, st, id)); got != "[RESERVATION APPROVAL]" {
			t.Errorf("entries = %s, want [RESERVATION APPROVAL]", got)
		}
	})

	t.Run("an agent paying an APPROVED invoice moves what is owed to paid", func(t *testing.T) {
		f := f.in(t)
		id := f.invoiceIn(model.InvoiceApproved, seller, buyer, x)
		b0, c0 := f.budget(), f.credit(buyer)
		out := must(t)(st.MarkInvoicesPaid(ctx, as(agent), []int64{id}))
		if out.Count != 1 || out.Amount != x {
			t.Errorf("MarkInvoicesPaid outcome = %+v, want count 1 amount %d", out, x)
		}
		if got := f.status(id); got != model.InvoicePaid {
			t.Errorf("status = %s, want PAID", got)
		}
		wantB := b0
		wantB.Payable -= x
		wantB.Paid += x
		if got := f.budget(); got != wantB {
			t.Errorf("budget = %+v, want %+v", got, wantB)
		}
		if got := f.credit(buyer); got != c0 {
			t.Errorf("credit = %+v, want %+v (payment does not touch the buyer)", got, c0)
		}
		if got := fmt.Sprint(entryKinds(t, st, id)); got != "[RESERVATION APPROVAL PAYMENT]" {
			t.Errorf("entries = %s, want [RESERVATION APPROVAL PAYMENT]", got)
		}
	})

	for _, tt := range []struct {
		name  string
		to    model.InvoiceStatus
		do    func(id int64) (model.Outcome, error)
		entry string
	}{
		{"an agent returning a CONFIRMED invoice releases its reservation", model.InvoiceReturned,
			func(id int64) (model.Outcome, error) { return st.ReturnInvoice(ctx, as(agent), id, "TGC missing") },
			"[RESERVATION RETURN_RELEASE]"},
		{"an agent rejecting a CONFIRMED invoice releases its reservation", model.InvoiceRejected,
			func(id int64) (model.Outcome, error) {
				return st.RejectInvoice(ctx, as(agent), id, model.RejectServiceNotPerformed, "nothing was delivered")
			},
			"[RESERVATION REJECTION_RELEASE]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := f.in(t)
			id := f.invoiceIn(model.InvoiceConfirmed, seller, buyer, x)
			b0, c0 := f.budget(), f.credit(buyer)
			must(t)(tt.do(id))
			if got := f.status(id); got != tt.to {
				t.Errorf("status = %s, want %s", got, tt.to)
			}
			wantB := b0
			wantB.Reserved -= x
			wantB.Remaining += x
			if got := f.budget(); got != wantB {
				t.Errorf("budget = %+v, want %+v", got, wantB)
			}
			wantC := c0
			wantC.Reserved -= x
			wantC.Remaining += x
			if got := f.credit(buyer); got != wantC {
				t.Errorf("credit = %+v, want %+v", got, wantC)
			}
			if got := fmt.Sprint(entryKinds(t, st, id)); got != tt.entry {
				t.Errorf("entries = %s, want %s", got, tt.entry)
			}
			invs, _ := st.InvoicesByIDs(ctx, []int64{id})
			inv := invs[id]
			if tt.to == model.InvoiceRejected && (inv.RejectionReason == nil || *inv.RejectionReason != model.RejectServiceNotPerformed) {
				t.Errorf("rejection reason = %v, want SERVICE_NOT_PERFORMED", inv.RejectionReason)
			}
			if inv.ControlNote == "" {
				t.Errorf("control note not recorded")
			}
		})
	}

	t.Run("the seller reissuing a RETURNED invoice creates a new ISSUED invoice replacing it, once", func(t *testing.T) {
		f := f.in(t)
		old := f.invoiceIn(model.InvoiceReturned, seller, buyer, x)
		oldInv, _ := st.InvoicesByIDs(ctx, []int64{old})
		out := must(t)(st.ReissueInvoice(ctx, as(business(seller)), old, store.IssueRequest{Lines: lines(90_000, "")}))
		id := out.IDs[0]
		invs, err := st.InvoicesByIDs(ctx, []int64{old, id})
		if err != nil {
			t.Fatal(err)
		}
		inv := invs[id]
		switch {
		case inv.Status != model.InvoiceIssued:
			t.Errorf("reissued status = %s, want ISSUED", inv.Status)
		case inv.ReplacesID == nil || *inv.ReplacesID != old:
			t.Errorf("reissued replaces = %v, want %d", inv.ReplacesID, old)
		case inv.SellerID != seller.ID || inv.BuyerID != buyer.ID:
			t.Errorf("reissued parties = %d → %d, want %d → %d", inv.SellerID, inv.BuyerID, seller.ID, buyer.ID)
		case inv.TotalTTC != 90_000 || inv.CreditAmount != 0:
			t.Errorf("reissued TTC %d credit %d, want 90000 and 0", inv.TotalTTC, inv.CreditAmount)
		case inv.Number != oldInv[old].Number+"-R":
			t.Errorf("reissued number = %q, want %q", inv.Number, oldInv[old].Number+"-R")
		case invs[old].Status != model.InvoiceReturned:
			t.Errorf("old invoice status = %s, want RETURNED", invs[old].Status)
		}
		before := snapshot(t, st)
		if code := refusal(t)(st.ReissueInvoice(ctx, as(business(seller)), old, store.IssueRequest{Number: "other", Lines: lines(80_000, "")})); code != model.CodeIllegalTransition {
			t.Errorf("second reissue = %q, want ILLEGAL_TRANSITION", code)
		}
		unchanged(t, before, snapshot(t, st))
		// The replacement lives its own life.
		must(t)(st.ConfirmInvoice(ctx, as(business(buyer)), id, 20_000))
		must(t)(st.ApproveInvoice(ctx, as(agent), id, ""))
		must(t)(st.MarkInvoicesPaid(ctx, as(agent), []int64{id}))
		if got := f.status(id); got != model.InvoicePaid {
			t.Errorf("replacement status = %s, want PAID", got)
		}
	})

	confirm := func(a model.Actor, credit model.XPF) func(int64) (model.Outcome, error) {
		return func(id int64) (model.Outcome, error) { return st.ConfirmInvoice(ctx, as(a), id, credit) }
	}
	approve := func(a model.Actor) func(int64) (model.Outcome, error) {
		return func(id int64) (model.Outcome, error) { return st.ApproveInvoice(ctx, as(a), id, "ok") }
	}
	ret := func(a model.Actor, note string) func(int64) (model.Outcome, error) {
		return func(id int64) (model.Outcome, error) { return st.ReturnInvoice(ctx, as(a), id, note) }
	}
	reject := func(a model.Actor, reason model.RejectionReason) func(int64) (model.Outcome, error) {
		return func(id int64) (model.Outcome, error) { return st.RejectInvoice(ctx, as(a), id, reason, "") }
	}
	pay := func(a model.Actor) func(int64) (model.Outcome, error) {
		return func(id int64) (model.Outcome, error) { return st.MarkInvoicesPaid(ctx, as(a), []int64{id}) }
	}
	reissue := func(a model.Actor) func(int64) (model.Outcome, error) {
		return func(id int64) (model.Outcome, error) {
			return st.ReissueInvoice(ctx, as(a), id, store.IssueRequest{Lines: lines(50_000, "")})
		}
	}
	b, s, o := business(buyer), business(seller), business(other)
	illegal := []struct {
		name string
		from model.InvoiceStatus
		do   func(id int64) (model.Outcome, error)
		want model.ErrorCode
	}{
		{"approving an ISSUED invoice", model.InvoiceIssued, approve(agent), model.CodeIllegalTransition},
		{"approving an APPROVED invoice again", model.InvoiceApproved, approve(agent), model.CodeIllegalTransition},
		{"approving a PAID invoice", model.InvoicePaid, approve(agent), model.CodeIllegalTransition},
		{"approving a RETURNED invoice", model.InvoiceReturned, approve(agent), model.CodeIllegalTransition},
		{"approving a REJECTED invoice", model.InvoiceRejected, approve(agent), model.CodeIllegalTransition},
		{"confirming a CONFIRMED invoice again", model.InvoiceConfirmed, confirm(b, x), model.CodeIllegalTransition},
		{"confirming an APPROVED invoice", model.InvoiceApproved, confirm(b, x), model.CodeIllegalTransition},
		{"confirming a PAID invoice", model.InvoicePaid, confirm(b, x), model.CodeIllegalTransition},
		{"confirming a RETURNED invoice", model.InvoiceReturned, confirm(b, x), model.CodeIllegalTransition},
		{"confirming a REJECTED invoice", model.InvoiceRejected, confirm(b, x), model.CodeIllegalTransition},
		{"paying an ISSUED invoice", model.InvoiceIssued, pay(agent), model.CodeIllegalTransition},
		{"paying a CONFIRMED invoice", model.InvoiceConfirmed, pay(agent), model.CodeIllegalTransition},
		{"paying a PAID invoice again", model.InvoicePaid, pay(agent), model.CodeIllegalTransition},
		{"paying a RETURNED invoice", model.InvoiceReturned, pay(agent), model.CodeIllegalTransition},
		{"paying a REJECTED invoice", model.InvoiceRejected, pay(agent), model.CodeIllegalTransition},
		{"rejecting an ISSUED invoice", model.InvoiceIssued, reject(agent, model.RejectDuplicate), model.CodeIllegalTransition},
		{"rejecting an APPROVED invoice", model.InvoiceApproved, reject(agent, model.RejectDuplicate), model.CodeIllegalTransition},
		{"rejecting a PAID invoice", model.InvoicePaid, reject(agent, model.RejectDuplicate), model.CodeIllegalTransition},
		{"rejecting a REJECTED invoice again", model.InvoiceRejected, reject(agent, model.RejectDuplicate), model.CodeIllegalTransition},
		{"returning an ISSUED invoice", model.InvoiceIssued, ret(agent, "fix it"), model.CodeIllegalTransition},
		{"returning an APPROVED invoice", model.InvoiceApproved, ret(agent, "fix it"), model.CodeIllegalTransition},
		{"returning a RETURNED invoice again", model.InvoiceReturned, ret(agent, "fix it"), model.CodeIllegalTransition},
		{"returning a CONFIRMED invoice without a note", model.InvoiceConfirmed, ret(agent, ""), model.CodeInvalid},
		{"returning a CONFIRMED invoice with a blank note", model.InvoiceConfirmed, ret(agent, "  \t"), model.CodeInvalid},
		{"rejecting a CONFIRMED invoice with an unknown reason", model.InvoiceConfirmed, reject(agent, "BECAUSE"), model.CodeInvalid},
		{"confirming for 0 XPF", model.InvoiceIssued, confirm(b, 0), model.CodeInvalid},
		{"confirming for a negative amount", model.InvoiceIssued, confirm(b, -5), model.CodeInvalid},
		{"confirming for more than the invoice's TTC", model.InvoiceIssued, confirm(b, 100_001), model.CodeInvalid},
		{"reissuing an ISSUED invoice", model.InvoiceIssued, reissue(s), model.CodeIllegalTransition},
		{"reissuing a CONFIRMED invoice", model.InvoiceConfirmed, reissue(s), model.CodeIllegalTransition},
		{"reissuing an APPROVED invoice", model.InvoiceApproved, reissue(s), model.CodeIllegalTransition},
		{"reissuing a REJECTED invoice", model.InvoiceRejected, reissue(s), model.CodeIllegalTransition},
		{"the buyer approving", model.InvoiceConfirmed, approve(b), model.CodeForbidden},
		{"the seller approving", model.InvoiceConfirmed, approve(s), model.CodeForbidden},
		{"the buyer returning", model.InvoiceConfirmed, ret(b, "no"), model.CodeForbidden},
		{"the seller rejecting", model.InvoiceConfirmed, reject(s, model.RejectDuplicate), model.CodeForbidden},
		{"the seller marking paid", model.InvoiceApproved, pay(s), model.CodeForbidden},
		{"the seller confirming", model.InvoiceIssued, confirm(s, x), model.CodeForbidden},
		{"an agent confirming", model.InvoiceIssued, confirm(agent, x), model.CodeForbidden},
		{"the buyer reissuing", model.InvoiceReturned, reissue(b), model.CodeForbidden},
		{"another business confirming", model.InvoiceIssued, confirm(o, x), model.CodeNotFound},
		{"another business reissuing", model.InvoiceReturned, reissue(o), model.CodeNotFound},
		{"an anonymous caller confirming", model.InvoiceIssued, confirm(model.Actor{}, x), model.CodeNotFound},
		{"confirming an invoice that does not exist", "", confirm(b, x), model.CodeNotFound},
		{"approving an invoice that does not exist", "", approve(agent), model.CodeNotFound},
		{"paying an invoice that does not exist", "", pay(agent), model.CodeNotFound},
	}
	for _, tt := range illegal {
		t.Run(tt.name+" is refused with "+string(tt.want)+" and changes nothing", func(t *testing.T) {
			f := f.in(t)
			id := int64(1 << 40)
			if tt.from != "" {
				id = f.invoiceIn(tt.from, seller, buyer, x)
			}
			before := snapshot(t, st)
			if got := refusal(t)(tt.do(id)); got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
			unchanged(t, before, snapshot(t, st))
			if tt.from != "" {
				if got := f.status(id); got != tt.from {
					t.Errorf("status = %s, want %s", got, tt.from)
				}
			}
		})
	}

	t.Run("paying a batch with one invoice not APPROVED pays none of them", func(t *testing.T) {
		f := f.in(t)
		a1 := f.invoiceIn(model.InvoiceApproved, seller, buyer, x)
		c := f.invoiceIn(model.InvoiceConfirmed, seller, buyer, x)
		a2 := f.invoiceIn(model.InvoiceApproved, seller, buyer, x)
		before := snapshot(t, st)
		out, err := st.MarkInvoicesPaid(ctx, as(agent), []int64{a1, c, a2})
		if got := refusal(t)(out, err); got != model.CodeIllegalTransition {
			t.Errorf("code = %q, want ILLEGAL_TRANSITION", got)
		}
		if e, _ := model.AsError(err); e != nil && e.Field != "input.ids.1" {
			t.Errorf("field = %q, want input.ids.1", e.Field)
		} else if out.Err != nil && out.Err.Field != "input.ids.1" {
			t.Errorf("field = %q, want input.ids.1", out.Err.Field)
		}
		unchanged(t, before, snapshot(t, st))
	})

	t.Run("paying the same invoice twice in one batch is refused and pays nothing", func(t *testing.T) {
		f := f.in(t)
		a := f.invoiceIn(model.InvoiceApproved, seller, buyer, x)
		before := snapshot(t, st)
		if got := refusal(t)(st.MarkInvoicesPaid(ctx, as(agent), []int64{a, a})); got != model.CodeIllegalTransition {
			t.Errorf("code = %q, want ILLEGAL_TRANSITION", got)
		}
		unchanged(t, before, snapshot(t, st))
	})

	t.Run("paying an empty batch is INVALID", func(t *testing.T) {
		before := snapshot(t, st)
		if got := refusal(t)(st.MarkInvoicesPaid(ctx, as(agent), nil)); got != model.CodeInvalid {
			t.Errorf("code = %q, want INVALID", got)
		}
		unchanged(t, before, snapshot(t, st))
	})
}

// confirmCase is a world in which one confirmation must be refused.
type confirmCase struct {
	name string
	// closed cases run where no session is open at all: SESSION_CLOSED needs a database of their own.
	closed bool
	opts   fixtureOptions
	// prepare returns the invoice to confirm, its buyer and the amount asked.
	prepare func(t *testing.T, f *ledgerFixture) (invoiceID int64, buyer *model.Enterprise, credit model.XPF)
	want    model.ErrorCode
}

func TestLedgerConfirmationChecks(t *testing.T) {
	ctx := context.Background()
	hourAgo, inAnHour := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	pair := func(f *ledgerFixture, sellerSector string) (*model.Enterprise, *model.Enterprise) {
		es := f.addBusinesses(2, func(i int, e *model.Enterprise) {
			if i == 0 {
				e.SectorCode = sellerSector
			}
		})
		f.grant()
		return es[0], es[1]
	}
	simple := func(sellerSector string, cat model.ExpenseCategory) func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
		return func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
			seller, buyer := pair(f, sellerSector)
			out := must(t)(f.st.IssueInvoice(ctx, as(business(seller)), store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "F1", Lines: lines(50_000, cat)}))
			return out.IDs[0], buyer, 20_000
		}
	}
	cases := []confirmCase{
		{name: "no session at all: SESSION_CLOSED", closed: true, opts: fixtureOptions{noSession: true},
			prepare: simple("BTP", ""), want: model.CodeSessionClosed},
		{name: "the only session opens in the future: SESSION_CLOSED", closed: true,
			opts:    fixtureOptions{session: func(s *model.Session) { s.OpensAt = inAnHour }},
			prepare: simple("BTP", ""), want: model.CodeSessionClosed},
		{name: "the only session closed an hour ago: SESSION_CLOSED", closed: true,
			opts: fixtureOptions{session: func(s *model.Session) {
				s.OpensAt = hourAgo.Add(-24 * time.Hour)
				s.ClosesAt = &hourAgo
			}},
			prepare: simple("BTP", ""), want: model.CodeSessionClosed},
		{name: "a buyer granted no allocation: NOT_ELIGIBLE",
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, _ := pair(f, "BTP")
				late := f.addBusinesses(1, nil)[0] // registered after the grant
				return f.issue(seller, late, 50_000), late, 20_000
			}, want: model.CodeNotEligible},
		{name: "a buyer granted an allocation who no longer qualifies (3 employees): NOT_ELIGIBLE",
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, buyer := pair(f, "BTP")
				exec(t, f.st, "UPDATE enterprises SET headcount = 3 WHERE id = ?", buyer.ID)
				return f.issue(seller, buyer, 50_000), buyer, 20_000
			}, want: model.CodeNotEligible},
		{name: "a seller suspended after issuing: SELLER_NOT_ACTIVE",
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, buyer := pair(f, "BTP")
				id := f.issue(seller, buyer, 50_000)
				exec(t, f.st, "UPDATE enterprises SET status = 'SUSPENDED' WHERE id = ?", seller.ID)
				return id, buyer, 20_000
			}, want: model.CodeSellerNotActive},
		{name: "a buyer who already used credit in a session for unused beneficiaries: CREDIT_ALREADY_USED",
			opts: fixtureOptions{session: func(s *model.Session) { s.OnlyUnusedBeneficiaries = true }},
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, buyer := pair(f, "BTP")
				first := f.issue(seller, buyer, 50_000)
				must(t)(f.st.ConfirmInvoice(ctx, as(business(buyer)), first, 10_000))
				return f.issue(seller, buyer, 50_000), buyer, 10_000
			}, want: model.CodeCreditAlreadyUsed},
		{name: "a seller in commerce when the session allows BTP and services: SECTOR_NOT_ALLOWED",
			opts:    fixtureOptions{session: func(s *model.Session) { s.SectorCodes = []string{"BTP", "SERVICES"} }},
			prepare: simple("COMMERCE", ""), want: model.CodeSectorNotAllowed},
		{name: "a buyer in commerce when the rule applies to buyers: SECTOR_NOT_ALLOWED",
			opts: fixtureOptions{session: func(s *model.Session) {
				s.SectorCodes = []string{"BTP"}
				s.SectorRuleAppliesTo = model.SectorRuleBuyer
			}},
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				es := f.addBusinesses(2, func(i int, e *model.Enterprise) { e.SectorCode = []string{"BTP", "COMMERCE"}[i] })
				f.grant()
				return f.issue(es[0], es[1], 50_000), es[1], 20_000
			}, want: model.CodeSectorNotAllowed},
		{name: "a fuel line when fuel is excluded: EXCLUDED_EXPENSE",
			opts:    fixtureOptions{session: func(s *model.Session) { s.ExcludedExpenseCategories = []model.ExpenseCategory{model.ExpenseFuel} }},
			prepare: simple("BTP", model.ExpenseFuel), want: model.CodeExcludedExpense},
		{name: "a hardware line from a BTP seller when hardware is excluded: EXCLUDED_EXPENSE",
			opts:    fixtureOptions{session: func(s *model.Session) { s.ExcludedExpenseCategories = []model.ExpenseCategory{model.ExpenseHardware} }},
			prepare: simple("BTP", model.ExpenseHardware), want: model.CodeExcludedExpense},
		{name: "a hardware line from a numérique seller when hardware is excluded: HARDWARE_SALE",
			opts:    fixtureOptions{session: func(s *model.Session) { s.ExcludedExpenseCategories = []model.ExpenseCategory{model.ExpenseHardware} }},
			prepare: simple(model.SectorNumerique, model.ExpenseHardware), want: model.CodeHardwareSale},
		{name: "an invoice issued before the session opened: OUTSIDE_SESSION", opts: fixtureOptions{noSession: true},
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, buyer := pair(f, "BTP")
				id := f.issue(seller, buyer, 50_000)
				invs, _ := f.st.InvoicesByIDs(ctx, []int64{id})
				sess := &model.Session{ProgrammeID: f.programme.ID, Name: "Late", OpensAt: invs[id].IssuedAt.Add(time.Millisecond), Envelope: 1_000_000}
				must(t)(f.st.CreateSession(ctx, as(admin), sess))
				time.Sleep(5 * time.Millisecond)
				return id, buyer, 20_000
			}, want: model.CodeOutsideSession},
		{name: "more than the buyer's remaining credit: INSUFFICIENT_CREDIT",
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, buyer := pair(f, "BTP")
				return f.issue(seller, buyer, 400_000), buyer, model.DefaultAllocation + 1
			}, want: model.CodeInsufficientCredit},
		{name: "more than what is left of the buyer's credit after a first use: INSUFFICIENT_CREDIT",
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				seller, buyer := pair(f, "BTP")
				must(t)(f.st.ConfirmInvoice(ctx, as(business(buyer)), f.issue(seller, buyer, 200_000), 200_000))
				return f.issue(seller, buyer, 100_000), buyer, 50_001
			}, want: model.CodeInsufficientCredit},
		{name: "an envelope smaller than the amount: BUDGET_EXHAUSTED", opts: fixtureOptions{envelope: 15_000},
			prepare: simple("BTP", ""), want: model.CodeBudgetExhausted},
		{name: "an envelope spent by another buyer: BUDGET_EXHAUSTED", opts: fixtureOptions{envelope: 30_000},
			prepare: func(t *testing.T, f *ledgerFixture) (int64, *model.Enterprise, model.XPF) {
				es := f.addBusinesses(3, nil)
				f.grant()
				must(t)(f.st.ConfirmInvoice(ctx, as(business(es[1])), f.issue(es[0], es[1], 50_000), 20_000))
				return f.issue(es[0], es[2], 50_000), es[2], 10_001
			}, want: model.CodeBudgetExhausted},
	}
	// Each case is its own programme, session and businesses; cases share two databases to keep the suite fast.
	worlds := map[bool]*ledgerFixture{true: newWorld(t, newStore(t)), false: newWorld(t, newStore(t))}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f := worlds[tt.closed].another(t, tt.opts)
			st := f.st
			id, buyer, credit := tt.prepare(t, f)
			before := snapshot(t, st)
			if got := refusal(t)(st.ConfirmInvoice(ctx, as(business(buyer)), id, credit)); got != tt.want {
				t.Errorf("ConfirmInvoice = %q, want %q", got, tt.want)
			}
			unchanged(t, before, snapshot(t, st))
			if got := f.status(id); got != model.InvoiceIssued {
				t.Errorf("status = %s, want ISSUED", got)
			}
			checkLedger(t, st)
		})
	}

	t.Run("exactly the remaining credit and exactly the remaining envelope are accepted", func(t *testing.T) {
		f := worlds[false].another(t, fixtureOptions{allocation: 40_000, envelope: 70_000})
		st := f.st
		es := f.addBusinesses(3, nil)
		f.grant()
		must(t)(st.ConfirmInvoice(ctx, as(business(es[1])), f.issue(es[0], es[1], 50_000), 40_000))
		must(t)(st.ConfirmInvoice(ctx, as(business(es[2])), f.issue(es[0], es[2], 50_000), 30_000))
		if b := f.budget(); b.Remaining != 0 || b.Reserved != 70_000 {
			t.Errorf("budget = %+v, want everything reserved", b)
		}
		if c := f.credit(es[1]); c.Remaining != 0 || c.Reserved != 40_000 {
			t.Errorf("credit = %+v, want everything reserved", c)
		}
		checkLedger(t, st)
	})
}

func TestLedgerIssueChecks(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	t.Cleanup(func() { checkLedger(t, st) })
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(4, func(i int, e *model.Enterprise) {
		switch i {
		case 2:
			e.Status = model.EnterprisePending
		case 3:
			e.Status = model.EnterpriseSuspended
		}
	})
	seller, buyer, pending, suspended := es[0], es[1], es[2], es[3]
	sibling := enterprise(0, "Établissement secondaire")
	sibling.RIDET = model.RIDET(seller.RIDET.Company() + "002") // same company, second establishment
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{sibling}); err != nil {
		t.Fatal(err)
	}
	f.grant()
	must(t)(st.IssueInvoice(ctx, as(business(seller)), store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "F-1", Lines: lines(10_000, "")}))
	declared := func(v model.XPF) *model.XPF { return &v }
	taxed := []model.LineInput{{Designation: "Pose", Quantity: 3, UnitPriceHT: 1001, TGCRateCode: "NORMAL"}} // HT 3003, TGC 330, TTC 3333

	tests := []struct {
		name   string
		seller model.Actor
		req    store.IssueRequest
		want   model.ErrorCode
	}{
		{"a business invoicing itself: LINKED_PARTIES", business(seller),
			store.IssueRequest{BuyerRIDET: seller.RIDET, Number: "S-1", Lines: lines(10_000, "")}, model.CodeLinkedParties},
		{"a business invoicing another establishment of its company: LINKED_PARTIES", business(seller),
			store.IssueRequest{BuyerRIDET: sibling.RIDET, Number: "S-2", Lines: lines(10_000, "")}, model.CodeLinkedParties},
		{"a PENDING seller: SELLER_NOT_ACTIVE", business(pending),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "P-1", Lines: lines(10_000, "")}, model.CodeSellerNotActive},
		{"a SUSPENDED seller: SELLER_NOT_ACTIVE", business(suspended),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "P-2", Lines: lines(10_000, "")}, model.CodeSellerNotActive},
		{"a SUSPENDED buyer: SELLER_NOT_ACTIVE", business(seller),
			store.IssueRequest{BuyerRIDET: suspended.RIDET, Number: "P-3", Lines: lines(10_000, "")}, model.CodeSellerNotActive},
		{"a buyer not registered: SELLER_NOT_ACTIVE", business(seller),
			store.IssueRequest{BuyerRIDET: "9999999001", Number: "P-4", Lines: lines(10_000, "")}, model.CodeSellerNotActive},
		{"a number the seller already used: DUPLICATE", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "F-1", Lines: lines(20_000, "")}, model.CodeDuplicate},
		{"a number the seller already used, with spaces around: DUPLICATE", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "  F-1 ", Lines: lines(20_000, "")}, model.CodeDuplicate},
		{"a declared TTC that differs from the lines: NON_COMPLIANT", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "N-1", Lines: taxed, DeclaredTTC: declared(3332)}, model.CodeNonCompliant},
		{"a declared TTC equal to HT when TGC is due: NON_COMPLIANT", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "N-2", Lines: taxed, DeclaredTTC: declared(3003)}, model.CodeNonCompliant},
		{"no lines: INVALID", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "I-1"}, model.CodeInvalid},
		{"a blank number: INVALID", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "  ", Lines: lines(10_000, "")}, model.CodeInvalid},
		{"an unknown TGC rate: INVALID", business(seller),
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "I-2", Lines: []model.LineInput{{Designation: "x", Quantity: 1, UnitPriceHT: 1, TGCRateCode: "NOPE"}}}, model.CodeInvalid},
		{"an agent issuing: FORBIDDEN", agent,
			store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "A-1", Lines: lines(10_000, "")}, model.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, st)
			if got := refusal(t)(st.IssueInvoice(ctx, as(tt.seller), tt.req)); got != tt.want {
				t.Errorf("IssueInvoice = %q, want %q", got, tt.want)
			}
			unchanged(t, before, snapshot(t, st))
		})
	}

	t.Run("the same number from another seller and a correct declared TTC are accepted", func(t *testing.T) {
		must(t)(st.IssueInvoice(ctx, as(business(buyer)), store.IssueRequest{BuyerRIDET: seller.RIDET, Number: "F-1", Lines: lines(10_000, "")}))
		out := must(t)(st.IssueInvoice(ctx, as(business(seller)), store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "N-3", Lines: taxed, DeclaredTTC: declared(3333)}))
		invs, _ := st.InvoicesByIDs(ctx, out.IDs)
		if inv := invs[out.IDs[0]]; inv.TotalHT != 3003 || inv.TotalTGC != 330 || inv.TotalTTC != 3333 || inv.Status != model.InvoiceIssued {
			t.Errorf("invoice = HT %d TGC %d TTC %d %s, want 3003 330 3333 ISSUED", inv.TotalHT, inv.TotalTGC, inv.TotalTTC, inv.Status)
		}
	})
}

func TestLedgerIdempotency(t *testing.T) {
	ctx := context.Background()
	world := newWorld(t, newStore(t))

	t.Run("the same key and input twice: the same outcome and one effect", func(t *testing.T) {
		f := world.another(t, fixtureOptions{})
		st := f.st
		es := f.addBusinesses(2, nil)
		f.grant()
		id := f.issue(es[0], es[1], 100_000)
		op := withKey(business(es[1]), "confirm-1")
		first := must(t)(st.ConfirmInvoice(ctx, op, id, 40_000))
		after1 := snapshot(t, st)
		second := must(t)(st.ConfirmInvoice(ctx, op, id, 40_000))
		if !reflect.DeepEqual(first.Recorded(), second.Recorded()) {
			t.Errorf("replay = %+v, want %+v", second, first)
		}
		unchanged(t, after1, snapshot(t, st))
		if got := fmt.Sprint(entryKinds(t, st, id)); got != "[RESERVATION]" {
			t.Errorf("entries = %s, want one RESERVATION", got)
		}
		if c := f.credit(es[1]); c.Reserved != 40_000 {
			t.Errorf("reserved = %d, want 40000 once", c.Reserved)
		}
		checkLedger(t, st)
	})

	t.Run("the same key with another input is a CONFLICT and changes nothing", func(t *testing.T) {
		f := world.another(t, fixtureOptions{})
		st := f.st
		es := f.addBusinesses(2, nil)
		f.grant()
		id := f.issue(es[0], es[1], 100_000)
		other := f.issue(es[0], es[1], 100_000)
		op := withKey(business(es[1]), "confirm-1")
		must(t)(st.ConfirmInvoice(ctx, op, id, 40_000))
		before := snapshot(t, st)
		if got := refusal(t)(st.ConfirmInvoice(ctx, op, id, 40_001)); got != model.CodeConflict {
			t.Errorf("another amount = %q, want CONFLICT", got)
		}
		if got := refusal(t)(st.ConfirmInvoice(ctx, op, other, 40_000)); got != model.CodeConflict {
			t.Errorf("another invoice = %q, want CONFLICT", got)
		}
		unchanged(t, before, snapshot(t, st))
		if got := refusal(t)(st.TopUpSession(ctx, withKey(admin, "topup"), f.session.ID, 5)); got != "" {
			t.Fatalf("top-up = %q", got)
		}
		before = snapshot(t, st)
		if got := refusal(t)(st.TopUpSession(ctx, withKey(admin, "topup"), f.session.ID, 6)); got != model.CodeConflict {
			t.Errorf("another top-up amount = %q, want CONFLICT", got)
		}
		if got := refusal(t)(st.GrantAllocations(ctx, withKey(admin, "topup"), f.programme.ID)); got != model.CodeConflict {
			t.Errorf("another operation with the key = %q, want CONFLICT", got)
		}
		unchanged(t, before, snapshot(t, st))
		checkLedger(t, st)
	})

	t.Run("keys of different callers do not collide", func(t *testing.T) {
		f := world.another(t, fixtureOptions{})
		st := f.st
		es := f.addBusinesses(3, nil)
		f.grant()
		a, b := f.issue(es[0], es[1], 100_000), f.issue(es[0], es[2], 100_000)
		must(t)(st.ConfirmInvoice(ctx, withKey(business(es[1]), "k"), a, 10_000))
		must(t)(st.ConfirmInvoice(ctx, withKey(business(es[2]), "k"), b, 10_000))
		if f.status(a) != model.InvoiceConfirmed || f.status(b) != model.InvoiceConfirmed {
			t.Errorf("statuses = %s, %s; want both CONFIRMED", f.status(a), f.status(b))
		}
		checkLedger(t, st)
	})

	t.Run("a recorded BUDGET_EXHAUSTED is replayed even after the envelope is topped up", func(t *testing.T) {
		f := world.another(t, fixtureOptions{envelope: 10_000})
		st := f.st
		es := f.addBusinesses(2, nil)
		f.grant()
		id := f.issue(es[0], es[1], 100_000)
		op := withKey(business(es[1]), "confirm-1")
		first, err := st.ConfirmInvoice(ctx, op, id, 15_000)
		if got := refusal(t)(first, err); got != model.CodeBudgetExhausted {
			t.Fatalf("first = %q, want BUDGET_EXHAUSTED", got)
		}
		must(t)(st.TopUpSession(ctx, as(admin), f.session.ID, 100_000))
		before := snapshot(t, st)
		replay, err := st.ConfirmInvoice(ctx, op, id, 15_000)
		if got := refusal(t)(replay, err); got != model.CodeBudgetExhausted || !reflect.DeepEqual(first, replay) {
			t.Errorf("replay = %+v (%v), want the first outcome %+v", replay, err, first)
		}
		unchanged(t, before, snapshot(t, st))
		if got := f.status(id); got != model.InvoiceIssued {
			t.Errorf("status = %s, want ISSUED", got)
		}
		// A new key is a new request, and now the money is there.
		must(t)(st.ConfirmInvoice(ctx, withKey(business(es[1]), "confirm-2"), id, 15_000))
		checkLedger(t, st)
	})

	t.Run("every money-moving mutation replays its first outcome", func(t *testing.T) {
		f := world.another(t, fixtureOptions{})
		st := f.st
		es := f.addBusinesses(2, nil)
		f.grant()
		seller, buyer := es[0], es[1]
		ids := []int64{f.issue(seller, buyer, 100_000), f.issue(seller, buyer, 100_000), f.issue(seller, buyer, 100_000)}
		for _, id := range ids {
			must(t)(st.ConfirmInvoice(ctx, as(business(buyer)), id, 10_000))
		}
		steps := []struct {
			name string
			do   func() (model.Outcome, error)
		}{
			{"top-up", func() (model.Outcome, error) { return st.TopUpSession(ctx, withKey(admin, "t"), f.session.ID, 1_000) }},
			{"approve", func() (model.Outcome, error) { return st.ApproveInvoice(ctx, withKey(agent, "a"), ids[0], "ok") }},
			{"pay", func() (model.Outcome, error) { return st.MarkInvoicesPaid(ctx, withKey(agent, "p"), ids[:1]) }},
			{"return", func() (model.Outcome, error) { return st.ReturnInvoice(ctx, withKey(agent, "r"), ids[1], "fix") }},
			{"reject", func() (model.Outcome, error) {
				return st.RejectInvoice(ctx, withKey(agent, "j"), ids[2], model.RejectDuplicate, "")
			}},
			{"reissue", func() (model.Outcome, error) {
				return st.ReissueInvoice(ctx, withKey(business(seller), "ri"), ids[1], store.IssueRequest{Lines: lines(1_000, "")})
			}},
			{"issue", func() (model.Outcome, error) {
				return st.IssueInvoice(ctx, withKey(business(seller), "i"), store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: "K-1", Lines: lines(1_000, "")})
			}},
			{"grant", func() (model.Outcome, error) { return st.GrantAllocations(ctx, withKey(admin, "g"), f.programme.ID) }},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				first := must(t)(s.do())
				before := snapshot(t, st)
				again := must(t)(s.do())
				if !reflect.DeepEqual(first, again) {
					t.Errorf("replay = %+v, want %+v", again, first)
				}
				unchanged(t, before, snapshot(t, st))
			})
		}
		checkLedger(t, st)
	})
}

func TestGrantAllocationsOncePerBusiness(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	f := newFixture(t, st, fixtureOptions{allocation: 100_000})
	es := f.addBusinesses(5, func(i int, e *model.Enterprise) {
		if i == 4 {
			e.Status = model.EnterprisePending
		}
	})
	first := f.grant()
	if first.Count != 4 || first.Amount != 400_000 {
		t.Errorf("first grant = %+v, want 4 businesses, 400000 XPF", first)
	}
	before := snapshot(t, st)
	second := f.grant()
	if second.Count != 0 || second.Amount != 0 {
		t.Errorf("second grant = %+v, want 0", second)
	}
	unchanged(t, before, snapshot(t, st))

	exec(t, st, "UPDATE enterprises SET status = 'ACTIVE' WHERE id = ?", es[4].ID)
	late := f.addBusinesses(1, nil)[0]
	third := f.grant()
	if third.Count != 2 || third.Amount != 200_000 {
		t.Errorf("grant after a business became eligible and another registered = %+v, want 2 businesses", third)
	}
	for _, e := range append(es, late) {
		if c := f.credit(e); c.Allocated != 100_000 || c.Remaining != 100_000 {
			t.Errorf("credit of %s = %+v, want 100000 once", e.Name, c)
		}
	}
	if n := count(t, st, "SELECT count(*) FROM journal_entries WHERE kind = 'ALLOCATION'"); n != 6 {
		t.Errorf("allocation entries = %d, want 6", n)
	}
	// A changed allocation applies to later grants only.
	amount := model.XPF(50_000)
	must(t)(st.UpdateProgramme(ctx, as(admin), f.programme.ID, store.ProgrammeChanges{AllocationAmount: &amount}))
	newcomer := f.addBusinesses(1, nil)[0]
	f.grant()
	if c := f.credit(newcomer); c.Allocated != 50_000 {
		t.Errorf("newcomer's allocation = %d, want 50000", c.Allocated)
	}
	if c := f.credit(es[0]); c.Allocated != 100_000 {
		t.Errorf("earlier allocation = %d, want 100000 kept", c.Allocated)
	}
	checkLedger(t, st)
}

func TestGrantAllocationsMatchesEligibility(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	f := newFixture(t, st, fixtureOptions{allocation: 1_000})
	type profile struct {
		status    model.EnterpriseStatus
		form      model.LegalForm
		headcount int
		commune   string
	}
	var profiles []profile
	for _, status := range model.AllEnterpriseStatuses {
		for _, form := range []model.LegalForm{model.LegalFormPatente, model.LegalFormSARL, model.LegalFormEURL, model.LegalFormSAS, model.LegalFormAssociation, model.LegalFormGDPL} {
			for _, headcount := range []int{0, 1, 2, 3, 9, 10, 250} {
				for _, commune := range []string{"98818", "98829"} {
					profiles = append(profiles, profile{status, form, headcount, commune})
				}
			}
		}
	}
	es := f.addBusinesses(len(profiles), func(i int, e *model.Enterprise) {
		p := profiles[i]
		e.Status, e.LegalForm, e.Headcount, e.CommuneCode = p.status, p.form, p.headcount, p.commune
	})
	out := f.grant()
	keys := make([]store.CreditKey, len(es))
	for i, e := range es {
		keys[i] = store.CreditKey{EnterpriseID: e.ID, ProgrammeID: f.programme.ID}
	}
	credits, err := st.Credits(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	eligible := 0
	for i, e := range es {
		want := model.XPF(0)
		if e.IsEligible() {
			want = 1_000
			eligible++
		}
		got := model.XPF(0)
		if c := credits[keys[i]]; c != nil {
			got = c.Allocated
		}
		if got != want {
			t.Errorf("%+v (IsEligible %v): allocated %d, want %d", profiles[i], e.IsEligible(), got, want)
		}
	}
	if eligible == 0 || eligible == len(es) {
		t.Fatalf("eligible = %d of %d: the profiles do not exercise the rule", eligible, len(es))
	}
	if out.Count != eligible || out.Amount != model.XPF(eligible)*1_000 {
		t.Errorf("grant outcome = %+v, want %d businesses", out, eligible)
	}
	checkLedger(t, st)
}

func TestLedgerJournalIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	f.invoiceIn(model.InvoiceConfirmed, es[0], es[1], 10_000)
	db := st.DB()
	for _, q := range []string{
		"UPDATE journal_entries SET actor = 'someone else'",
		"UPDATE journal_entries SET kind = 'ALLOCATION' WHERE kind = 'RESERVATION'",
		"DELETE FROM journal_entries WHERE kind = 'RESERVATION'",
		"TRUNCATE journal_entries CASCADE",
		"UPDATE postings SET amount = amount * 2",
		"DELETE FROM postings",
		"TRUNCATE postings",
	} {
		t.Run(q+" is refused", func(t *testing.T) {
			before := snapshot(t, st)
			if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: error %v, want the append-only trigger's", q, err)
			}
			unchanged(t, before, snapshot(t, st))
		})
	}

	funding := count(t, st, "SELECT id FROM accounts WHERE kind = 'PROGRAMME_FUNDING'")
	// insertEntry writes an entry with the given postings on the programme's funding account in one transaction
	// and returns the error of its commit; any earlier error fails the test.
	insertEntry := func(t *testing.T, amounts ...int64) error {
		t.Helper()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck
		var entryID int64
		if err := tx.NewRaw(`INSERT INTO journal_entries (kind, programme_id, session_id, actor) VALUES ('ENVELOPE_FUNDING', ?, ?, 'test') RETURNING id`,
			f.programme.ID, f.session.ID).Scan(ctx, &entryID); err != nil {
			t.Fatalf("insert entry: %v", err)
		}
		for _, a := range amounts {
			if _, err := tx.NewRaw("INSERT INTO postings (entry_id, account_id, amount) VALUES (?, ?, ?)", entryID, funding, a).Exec(ctx); err != nil {
				t.Fatalf("insert posting %d: %v (the balance is checked at commit, not before)", a, err)
			}
		}
		return tx.Commit()
	}
	t.Run("an entry with one posting of +5 is refused at commit", func(t *testing.T) {
		before := snapshot(t, st)
		if err := insertEntry(t, 5); err == nil || !strings.Contains(err.Error(), "does not balance") {
			t.Errorf("unbalanced entry: error %v, want the balance trigger's at commit", err)
		}
		unchanged(t, before, snapshot(t, st))
	})
	t.Run("an entry of +5 and -4 is refused at commit", func(t *testing.T) {
		before := snapshot(t, st)
		if err := insertEntry(t, 5, -4); err == nil || !strings.Contains(err.Error(), "does not balance") {
			t.Errorf("unbalanced entry: error %v, want the balance trigger's at commit", err)
		}
		unchanged(t, before, snapshot(t, st))
	})
	t.Run("an entry of +5 and -5 commits (the guard refuses only imbalance)", func(t *testing.T) {
		if err := insertEntry(t, 5, -5); err != nil {
			t.Errorf("balanced entry refused: %v", err)
		}
	})
	checkLedger(t, st)
}
