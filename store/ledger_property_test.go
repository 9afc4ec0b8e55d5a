package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"sudpro/model"
	"sudpro/store"
)

// A property test of the CréditSud ledger: random sequences of issue, confirm, approve, return, reject, pay,
// top-up and reissue are applied both to the store and to a small in-memory model of the balances; after every
// step the store's budgets, credits, invoice statuses and the outcome of the step must equal the model's.

const (
	propSequences  = 20
	propSteps      = 60
	propBusinesses = 5
	propAllocation = model.XPF(100_000)
	propEnvelope   = model.XPF(80_000)
	propCheckEvery = 10
)

type propInvoice struct {
	id            int64
	seller, buyer int // indexes of the sequence's businesses
	ttc, credit   model.XPF
	status        model.InvoiceStatus
	reissued      bool
}

// propModel is what the ledger should hold: one session's envelope and each business's credit.
type propModel struct {
	remaining, reserved, payable, paid model.XPF
	available, held, used              [propBusinesses]model.XPF
	invoices                           []*propInvoice
}

func newPropModel() *propModel {
	m := &propModel{remaining: propEnvelope}
	for i := range m.available {
		m.available[i] = propAllocation
	}
	return m
}

// pick returns an invoice, usually one in one of the statuses (so that sequences make progress), sometimes any
// (so that illegal moves are tried too); nil when there is none.
func (m *propModel) pick(rng *rand.Rand, statuses ...model.InvoiceStatus) *propInvoice {
	if len(m.invoices) == 0 {
		return nil
	}
	if rng.IntN(4) > 0 {
		var fit []*propInvoice
		for _, inv := range m.invoices {
			for _, s := range statuses {
				if inv.status == s {
					fit = append(fit, inv)
				}
			}
		}
		if len(fit) > 0 {
			return fit[rng.IntN(len(fit))]
		}
	}
	return m.invoices[rng.IntN(len(m.invoices))]
}

func illegalUnless(ok bool) model.ErrorCode {
	if ok {
		return ""
	}
	return model.CodeIllegalTransition
}

// propRun is one sequence: the store side, the model side and a readable history for failures.
type propRun struct {
	t       *testing.T
	tally   map[string]int // "action code" → how many times, to show what the sequences exercised
	f       *ledgerFixture
	es      []*model.Enterprise
	m       *propModel
	rng     *rand.Rand
	history []string
}

func TestLedgerProperty(t *testing.T) {
	world := newWorld(t, newStore(t))
	tally := map[string]int{}
	defer func() {
		var rows []string
		for k, n := range tally {
			rows = append(rows, fmt.Sprintf("%s: %d", k, n))
		}
		sort.Strings(rows)
		t.Logf("outcomes over %d sequences of %d steps:\n  %s", propSequences, propSteps, strings.Join(rows, "\n  "))
	}()
	for seed := range uint64(propSequences) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			f := world.another(t, fixtureOptions{allocation: propAllocation, envelope: propEnvelope})
			es := f.addBusinesses(propBusinesses, nil)
			f.grant()
			r := &propRun{t: t, tally: tally, f: f, es: es, m: newPropModel(), rng: rand.New(rand.NewPCG(seed, 0x5ad))}
			for step := range propSteps {
				r.step(step)
				r.compare(step)
				if step%propCheckEvery == propCheckEvery-1 {
					r.checkLedger(step)
				}
			}
			r.checkLedger(propSteps)
		})
	}
}

func (r *propRun) fail(step int, format string, args ...any) {
	r.t.Helper()
	from := max(0, len(r.history)-12)
	r.t.Fatalf("step %d: %s\nlast steps:\n  %s", step, fmt.Sprintf(format, args...), strings.Join(r.history[from:], "\n  "))
}

// step applies one random action to the store and the model and compares their outcomes.
func (r *propRun) step(step int) {
	r.t.Helper()
	ctx, st, m, rng := context.Background(), r.f.st, r.m, r.rng
	var (
		action string
		desc   string
		want   model.ErrorCode
		got    model.ErrorCode
		out    model.Outcome
		err    error
	)
	actions := []struct {
		weight int
		do     func()
	}{
		{18, func() { // issue
			action = "issue"
			s := rng.IntN(propBusinesses)
			b := (s + 1 + rng.IntN(propBusinesses-1)) % propBusinesses
			ttc := model.XPF(5_000 + rng.IntN(116)*1_000)
			desc = fmt.Sprintf("business %d issues %d XPF to business %d", s, ttc, b)
			out, err = st.IssueInvoice(ctx, as(business(r.es[s])), store.IssueRequest{BuyerRIDET: r.es[b].RIDET, Number: r.f.number(), Lines: lines(ttc, "")})
			if got = codeOf(out, err); got == "" {
				m.invoices = append(m.invoices, &propInvoice{id: out.IDs[0], seller: s, buyer: b, ttc: ttc, status: model.InvoiceIssued})
			}
		}},
		{26, func() { // confirm
			action = "confirm"
			inv := m.pick(rng, model.InvoiceIssued)
			if inv == nil {
				return
			}
			amount := model.XPF(1 + rng.IntN(int(inv.ttc)))
			if rng.IntN(10) == 0 {
				amount = inv.ttc + model.XPF(1+rng.IntN(1_000))
			}
			desc = fmt.Sprintf("business %d confirms invoice %d (%s, TTC %d) for %d XPF", inv.buyer, inv.id, inv.status, inv.ttc, amount)
			switch {
			case inv.status != model.InvoiceIssued:
				want = model.CodeIllegalTransition
			case amount > inv.ttc:
				want = model.CodeInvalid
			case amount > m.available[inv.buyer]:
				want = model.CodeInsufficientCredit
			case amount > m.remaining:
				want = model.CodeBudgetExhausted
			default:
				m.available[inv.buyer] -= amount
				m.held[inv.buyer] += amount
				m.remaining -= amount
				m.reserved += amount
				inv.status, inv.credit = model.InvoiceConfirmed, amount
			}
			got = codeOf(st.ConfirmInvoice(ctx, as(business(r.es[inv.buyer])), inv.id, amount))
		}},
		{12, func() { // approve
			action = "approve"
			inv := m.pick(rng, model.InvoiceConfirmed)
			if inv == nil {
				return
			}
			desc = fmt.Sprintf("agent approves invoice %d (%s, credit %d)", inv.id, inv.status, inv.credit)
			if want = illegalUnless(inv.status == model.InvoiceConfirmed); want == "" {
				m.held[inv.buyer] -= inv.credit
				m.used[inv.buyer] += inv.credit
				m.reserved -= inv.credit
				m.payable += inv.credit
				inv.status = model.InvoiceApproved
			}
			got = codeOf(st.ApproveInvoice(ctx, as(agent), inv.id, "conforme"))
		}},
		{8, func() { // return
			action = "return"
			inv := m.pick(rng, model.InvoiceConfirmed)
			if inv == nil {
				return
			}
			desc = fmt.Sprintf("agent returns invoice %d (%s, credit %d)", inv.id, inv.status, inv.credit)
			if want = illegalUnless(inv.status == model.InvoiceConfirmed); want == "" {
				r.release(inv, model.InvoiceReturned)
			}
			got = codeOf(st.ReturnInvoice(ctx, as(agent), inv.id, "missing mentions"))
		}},
		{8, func() { // reject
			action = "reject"
			inv := m.pick(rng, model.InvoiceConfirmed)
			if inv == nil {
				return
			}
			desc = fmt.Sprintf("agent rejects invoice %d (%s, credit %d)", inv.id, inv.status, inv.credit)
			if want = illegalUnless(inv.status == model.InvoiceConfirmed); want == "" {
				r.release(inv, model.InvoiceRejected)
			}
			got = codeOf(st.RejectInvoice(ctx, as(agent), inv.id, model.RejectNonCompliant, ""))
		}},
		{12, func() { // pay a batch, all or nothing
			action = "pay"
			n := 1 + rng.IntN(3)
			var batch []*propInvoice
			var ids []int64
			for range n {
				if inv := m.pick(rng, model.InvoiceApproved); inv != nil {
					batch = append(batch, inv)
					ids = append(ids, inv.id)
				}
			}
			if len(batch) == 0 {
				return
			}
			desc = fmt.Sprintf("agent pays invoices %v", ids)
			seen := map[int64]bool{}
			for _, inv := range batch {
				if inv.status != model.InvoiceApproved || seen[inv.id] {
					want = model.CodeIllegalTransition
				}
				seen[inv.id] = true
			}
			if want == "" {
				for _, inv := range batch {
					m.payable -= inv.credit
					m.paid += inv.credit
					inv.status = model.InvoicePaid
				}
			}
			got = codeOf(st.MarkInvoicesPaid(ctx, as(agent), ids))
		}},
		{6, func() { // top up
			action = "top-up"
			amount := model.XPF(5_000 + rng.IntN(36)*1_000)
			desc = fmt.Sprintf("admin tops up %d XPF", amount)
			m.remaining += amount
			got = codeOf(st.TopUpSession(ctx, as(admin), r.f.session.ID, amount))
		}},
		{10, func() { // reissue
			action = "reissue"
			inv := m.pick(rng, model.InvoiceReturned)
			if inv == nil {
				return
			}
			ttc := model.XPF(5_000 + rng.IntN(116)*1_000)
			desc = fmt.Sprintf("business %d reissues invoice %d (%s, reissued %v) for %d XPF", inv.seller, inv.id, inv.status, inv.reissued, ttc)
			want = illegalUnless(inv.status == model.InvoiceReturned && !inv.reissued)
			out, err = st.ReissueInvoice(ctx, as(business(r.es[inv.seller])), inv.id, store.IssueRequest{Lines: lines(ttc, "")})
			if got = codeOf(out, err); got == "" {
				inv.reissued = true
				m.invoices = append(m.invoices, &propInvoice{id: out.IDs[0], seller: inv.seller, buyer: inv.buyer, ttc: ttc, status: model.InvoiceIssued})
			}
		}},
	}
	total := 0
	for _, a := range actions {
		total += a.weight
	}
	for desc == "" { // an action without a target (no invoice yet) draws again
		n := rng.IntN(total)
		for _, a := range actions {
			if n < a.weight {
				a.do()
				break
			}
			n -= a.weight
		}
	}
	r.history = append(r.history, fmt.Sprintf("%d. %s → %q", step, desc, got))
	if got == "" {
		got = "OK"
	}
	r.tally[action+" "+string(got)]++
	if want == "" {
		want = "OK"
	}
	if got != want {
		r.fail(step, "%s: store says %q, model says %q", desc, got, want)
	}
}

// release returns a confirmed invoice's reservation to the buyer and the envelope.
func (r *propRun) release(inv *propInvoice, to model.InvoiceStatus) {
	m := r.m
	m.held[inv.buyer] -= inv.credit
	m.available[inv.buyer] += inv.credit
	m.reserved -= inv.credit
	m.remaining += inv.credit
	inv.status = to
}

// compare checks the store's budget, credits and statuses against the model.
func (r *propRun) compare(step int) {
	r.t.Helper()
	ctx, st, m := context.Background(), r.f.st, r.m
	b := budgetOf(r.t, st, r.f.session.ID)
	want := model.SessionBudget{Remaining: m.remaining, Reserved: m.reserved, Payable: m.payable, Paid: m.paid,
		Total: m.remaining + m.reserved + m.payable + m.paid}
	if b != want {
		r.fail(step, "session budget = %+v, model %+v", b, want)
	}
	keys := make([]store.CreditKey, len(r.es))
	for i, e := range r.es {
		keys[i] = store.CreditKey{EnterpriseID: e.ID, ProgrammeID: r.f.programme.ID}
	}
	credits, err := st.Credits(ctx, keys)
	if err != nil {
		r.t.Fatal(err)
	}
	for i, k := range keys {
		c := credits[k]
		want := model.Credit{ProgrammeID: r.f.programme.ID, Allocated: propAllocation, Remaining: m.available[i], Reserved: m.held[i], Used: m.used[i]}
		if c == nil || *c != want {
			r.fail(step, "credit of business %d = %+v, model %+v", i, c, want)
		}
	}
	ids := make([]int64, len(m.invoices))
	for i, inv := range m.invoices {
		ids[i] = inv.id
	}
	invs, err := st.InvoicesByIDs(ctx, ids)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, inv := range m.invoices {
		got := invs[inv.id]
		if got == nil || got.Status != inv.status || got.CreditAmount != inv.credit || got.TotalTTC != inv.ttc {
			r.fail(step, "invoice %d = %+v, model %+v", inv.id, got, *inv)
		}
	}
}

func (r *propRun) checkLedger(step int) {
	r.t.Helper()
	violations, err := r.f.st.CheckLedger(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, v := range violations {
		r.fail(step, "ledger invariant %s broken: %s", v.Invariant, v.Detail)
	}
}
