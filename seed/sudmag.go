package seed

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// The sudmag-2025 profile: the CréditSud 2025 programme as SUD'MAG #26 (July 2025) reported it, built so that the
// dashboard shows exactly the published figures (domain.md, "Figures the Province reports"): 9,413 businesses
// registered, 8,546 granted an allocation, 5,229 that used their credit and 3,317 that have not, phase 1's
// 1,000,000,000 XPF envelope opened on 5 May 2025 and topped up by 200,000,000 ten days later (1.2 bn engaged,
// exhausted), 715,000,000 XPF spent with sellers in commerce, 286 rejected invoices totalling 25,600,000 XPF TTC,
// 97 % of the bonuses between two small businesses, and phase 2's four sessions of 120,000,000 XPF (31 July,
// 21 August, 12 September, 4 October 2025; priority sectors, commerce excluded), announced and funded but not
// open yet on the day of the report. Everything else is drawn like the demo (sectors and communes as in
// domain.md) and goes through the store's ledger like the demo.

// sudmagFigures are the figures a sudmag run is built to show; sudmag2025 are the published ones, and tests run
// the same generator on a scaled-down set.
type sudmagFigures struct {
	registered, supported, funded int
	// phase1Spent is the CréditSud spent in phase 1 (its whole envelope and top-up: it was exhausted); commerce
	// the part spent with sellers in commerce; notSmall the part on invoices whose seller is not a TPE (every
	// buyer is eligible, hence a TPE).
	phase1Spent, commerce, notSmall model.XPF
	rejected                        int
	rejectedTTC                     model.XPF
	// returned and issued are the invoices sent back to their seller and those never confirmed.
	returned, issued int
}

var sudmag2025 = sudmagFigures{
	registered: 9_413, supported: 8_546, funded: 5_229,
	phase1Spent: 1_200_000_000, commerce: 715_000_000, notSmall: 36_000_000, // 97.0 % between small businesses
	rejected: 286, rejectedTTC: 25_600_000,
	returned: 120, issued: 150,
}

const (
	// sudmagStream is the profile's random stream (see demoStream).
	sudmagStream uint64 = 0x5ed0_5d3a_2025_0026
	// sudmagRush is the share (per cent) of the businesses registered before phase 1 opened.
	sudmagRush = 72
)

// Key dates of the profile, in Nouméa time.
var (
	sudmagPhase1Opens = nc(2025, time.May, 5, 8, 0)
	// sudmagLastInvoice is when the last invoice exhausted phase 1's envelope, 11 days after its opening.
	sudmagLastInvoice = nc(2025, time.May, 16, 15, 30)
	sudmagTopUpAt     = nc(2025, time.May, 15, 8, 0)
	// sudmagAnnounced is when phase 2's sessions were created (and funded): before the report.
	sudmagAnnounced = nc(2025, time.July, 18, 10, 0)
	// sudmagAsOf is the report's day: the latest time any seeded row was touched.
	sudmagAsOf = nc(2025, time.July, 25, 17, 0)
)

// sudmagStep is how many invoices one transaction of the profile imports (see profile.stepwise).
const sudmagStep = 100

// runSudmag generates the sudmag-2025 profile and inserts it through the store, in steps.
func runSudmag(ctx context.Context, st *store.Store, seed int64) (Summary, error) {
	return generateSudmag(ctx, st, seed, sudmag2025)
}

// generateSudmag builds a data set showing exactly f and inserts it through the store: the businesses, the
// programme and its allocations in one transaction, then the invoices sudmagStep at a time.
func generateSudmag(ctx context.Context, st *store.Store, seed int64, f sudmagFigures) (Summary, error) {
	rates, err := checkReference(ctx, st)
	if err != nil {
		return Summary{}, err
	}
	b := newBuilder(seed, sudmagStream, rates)
	es := b.enterprises(f.registered)
	b.sudmagRegistrations(es)
	if err := b.sudmagEligible(es, f.supported); err != nil {
		return Summary{}, err
	}
	programme, sessions := demoProgramme()
	for i := range sessions {
		if sessions[i].phase2 {
			sessions[i].session.CreatedAt = sudmagAnnounced
		}
	}
	invoices, err := b.sudmagInvoices(es, f)
	if err != nil {
		return Summary{}, err
	}
	var granted int
	err = st.InTx(ctx, func(tx *store.Store) error {
		granted, err = openProgramme(ctx, tx, es, programme, sessions)
		return err
	})
	if err != nil {
		return Summary{}, err
	}
	for start := 0; start < len(invoices); start += sudmagStep {
		step := invoices[start:min(start+sudmagStep, len(invoices))]
		if err := st.InTx(ctx, func(tx *store.Store) error { return replayInvoices(ctx, tx, es, sessions, step) }); err != nil {
			return Summary{}, err
		}
	}
	return Summary{Enterprises: len(es), Programmes: 1, Sessions: len(sessions), Allocations: granted, Invoices: len(invoices)}, nil
}

// sudmagRegistrations moves the registrations (drawn over the demo's registration period) to the report's: in
// the same order, sudmagRush per cent of them before phase 1 opened (from 15 April 2025, the rush), the rest
// until 20 July 2025. Each business keeps its time from registration to its last update.
func (b *demoBuilder) sudmagRegistrations(es []*model.Enterprise) {
	order := make([]int, len(es))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return es[order[i]].RegisteredAt.Before(es[order[j]].RegisteredAt) })
	rush := len(es) * sudmagRush / 100
	spread := func(k, n int, from, to time.Time) time.Time {
		return from.Add(time.Duration(int64(to.Sub(from)) * int64(k) / int64(max(n, 1)))).Truncate(time.Minute)
	}
	for k, i := range order {
		e := es[i]
		updated := e.UpdatedAt.Sub(e.RegisteredAt)
		if k < rush {
			e.RegisteredAt = spread(k, rush, demoRegistrationStart, sudmagPhase1Opens.Add(-time.Hour))
		} else {
			e.RegisteredAt = spread(k-rush, len(es)-rush, sudmagPhase1Opens.Add(time.Hour), nc(2025, time.July, 20, 17, 0))
		}
		e.UpdatedAt = e.RegisteredAt.Add(min(updated, 40*24*time.Hour))
		if e.UpdatedAt.After(sudmagAsOf) {
			e.UpdatedAt = sudmagAsOf
		}
	}
}

// sudmagEligible makes exactly n businesses eligible for CréditSud: when too few are, the businesses the demo's
// draw left suspended, closed or pending are active after all, then small companies of 3 to 9 employees are
// companies of 2 (companies of 10 and more stay as they are: they are the non-TPE sellers); when too many are,
// the latest registered eligible businesses are still pending.
func (b *demoBuilder) sudmagEligible(es []*model.Enterprise, n int) error {
	eligible := 0
	for _, e := range es {
		if e.IsEligible() {
			eligible++
		}
	}
	perm := b.r.Perm(len(es))
	for _, fix := range []func(e *model.Enterprise){
		func(e *model.Enterprise) { e.Status = model.EnterpriseActive },
		func(e *model.Enterprise) {
			if e.Status == model.EnterpriseActive && e.Headcount <= model.SmallBusinessMaxHeadcount {
				e.Headcount = model.CreditSudMaxHeadcount
			}
		},
	} {
		for _, i := range perm {
			if eligible >= n {
				break
			}
			if e := es[i]; !e.IsEligible() {
				fix(e)
				if e.IsEligible() {
					eligible++
				}
			}
		}
	}
	for i := len(es) - 1; i >= 0 && eligible > n; i-- {
		if e := es[i]; e.IsEligible() {
			e.Status, e.UpdatedAt = model.EnterprisePending, e.RegisteredAt
			eligible--
		}
	}
	if eligible != n {
		return fmt.Errorf("sudmag: %d businesses can be eligible, want %d", eligible, n)
	}
	return nil
}

// sudmagPiece is a part of a funded buyer's credit spent on one invoice with a seller of one kind.
type sudmagPiece struct {
	buyer  int
	kind   int // sudmagCommerce, sudmagNotSmall, sudmagOther
	credit model.XPF
}

// The kinds of sellers the CréditSud spent is cut between.
const (
	sudmagCommerce = iota // TPE in commerce
	sudmagNotSmall        // companies of 10 employees or more, outside commerce
	sudmagOther           // TPE outside commerce
)

// sudmagInvoices draws phase 1's invoices: the funded buyers' credit spent, cut between kinds of sellers so that
// the commerce and non-TPE amounts are exact; the rejected invoices (exact count and total TTC), the returned
// ones and those never confirmed, bought by beneficiaries who have not used their credit. All are in issue order,
// the one exhausting the envelope last.
func (b *demoBuilder) sudmagInvoices(es []*model.Enterprise, f sudmagFigures) ([]demoInvoice, error) {
	before := func(e *model.Enterprise) bool { return e.RegisteredAt.Before(sudmagPhase1Opens) }
	var supported []int
	sellers := make([][]int, 3)
	for i, e := range es {
		if e.IsEligible() && before(e) {
			supported = append(supported, i)
		}
		if e.Status != model.EnterpriseActive || !before(e) {
			continue
		}
		switch {
		case e.SectorCode == sectorCommerce && e.IsSmallBusiness():
			sellers[sudmagCommerce] = append(sellers[sudmagCommerce], i)
		case e.SectorCode != sectorCommerce && !e.IsSmallBusiness():
			sellers[sudmagNotSmall] = append(sellers[sudmagNotSmall], i)
		case e.SectorCode != sectorCommerce:
			sellers[sudmagOther] = append(sellers[sudmagOther], i)
		}
	}
	if len(supported) < f.funded+1 || slices.ContainsFunc(sellers, func(s []int) bool { return len(s) < 2 }) {
		return nil, fmt.Errorf("sudmag: %d beneficiaries registered before phase 1 for %d funded, sellers by kind %d/%d/%d",
			len(supported), f.funded, len(sellers[0]), len(sellers[1]), len(sellers[2]))
	}
	b.r.Shuffle(len(supported), func(i, j int) { supported[i], supported[j] = supported[j], supported[i] })
	funded, unused := supported[:f.funded], supported[f.funded:]

	// Each funded buyer's credit (most used all of it), laid end to end and cut at the kinds' boundaries.
	credits := make([]model.XPF, len(funded))
	for i := range credits {
		credits[i] = demoAllowance
		if !b.chance(65) {
			credits[i] = model.XPF(b.between(60_000, int64(demoAllowance)))
		}
	}
	if err := adjustTo(credits, f.phase1Spent, 20_000, demoAllowance); err != nil {
		return nil, err
	}
	bounds := []model.XPF{f.commerce, f.commerce + f.notSmall, f.phase1Spent}
	var pieces []sudmagPiece
	var pos model.XPF
	for i, c := range credits {
		for c > 0 {
			kind := 0
			for pos >= bounds[kind] {
				kind++
			}
			part := min(c, bounds[kind]-pos)
			// One buyer in seven spreads its credit over two invoices.
			if part >= 60_000 && b.chance(14) {
				first := model.XPF(b.between(20_000, int64(part)-20_000))
				pieces = append(pieces, sudmagPiece{funded[i], kind, first})
				part -= first
				pos, c = pos+first, c-first
			}
			pieces = append(pieces, sudmagPiece{funded[i], kind, part})
			pos, c = pos+part, c-part
		}
	}
	b.r.Shuffle(len(pieces), func(i, j int) { pieces[i], pieces[j] = pieces[j], pieces[i] })

	var out []demoInvoice
	// Phase 1's rush: three quarters of the credit before the top-up, the rest on its last two days.
	early := len(pieces) * 3 / 4
	for k, p := range pieces {
		issued := b.timeIn(sudmagPhase1Opens, sudmagTopUpAt.Add(-15*time.Hour))
		if k >= early {
			issued = b.timeIn(sudmagTopUpAt, sudmagLastInvoice.Add(-time.Minute))
		}
		if k == len(pieces)-1 {
			issued = sudmagLastInvoice
		}
		status := []model.InvoiceStatus{model.InvoicePaid, model.InvoiceApproved, model.InvoiceConfirmed}[b.weighted([]int{85, 9, 6})]
		seller := b.partyOf(sellers[p.kind], p.buyer)
		lines := b.lines(b.acts[seller], "")
		ttc := p.credit
		if b.chance(20) {
			ttc = p.credit * model.XPF(110+b.r.IntN(70)) / 100 // the buyer paid part of it
		}
		t := b.reach(lines, es[seller], ttc)
		out = append(out, b.sudmagInvoice(status, issued, seller, p.buyer, lines, t, p.credit, ""))
	}
	// Rejected invoices: exact count and total; the last one takes what is left, on one exempt line.
	left := f.rejectedTTC
	for k := range f.rejected {
		reason := b.rejectionReason(false)
		buyer := pick(b.r, unused)
		seller := b.partyOf(sellers[b.weighted([]int{60, 5, 35})], buyer)
		var lines []*model.InvoiceLine
		if k == f.rejected-1 {
			if left <= 0 {
				return nil, fmt.Errorf("sudmag: the rejected invoices overshoot their total by %d XPF", -left)
			}
			lines = []*model.InvoiceLine{{Designation: "Prestation", Quantity: 1, UnitPriceHT: left, TGCRateCode: "EXEMPT",
				ExpenseCategory: model.DefaultExpenseCategory}}
			reason = model.RejectNonCompliant
		} else {
			lines = b.lines(b.acts[seller], reason)
		}
		t := b.reach(lines, es[seller], left/model.XPF(f.rejected-k))
		if k == f.rejected-1 && t.TTC != left {
			return nil, fmt.Errorf("sudmag: the last rejected invoice is %d XPF, want %d", t.TTC, left)
		}
		left -= t.TTC
		di := b.sudmagInvoice(model.InvoiceRejected, b.timeIn(sudmagPhase1Opens, sudmagLastInvoice.Add(-4*time.Hour)), seller, buyer, lines, t,
			min(t.TTC, demoAllowance), reason)
		out = append(out, di)
	}
	for range f.returned {
		buyer := pick(b.r, unused)
		seller := b.partyOf(sellers[b.weighted([]int{55, 5, 40})], buyer)
		lines := b.lines(b.acts[seller], "")
		t := b.reach(lines, es[seller], 0)
		out = append(out, b.sudmagInvoice(model.InvoiceReturned, b.timeIn(sudmagPhase1Opens, sudmagLastInvoice.Add(-4*time.Hour)), seller, buyer, lines, t,
			min(t.TTC, demoAllowance), ""))
	}
	for range f.issued {
		buyer := pick(b.r, unused)
		seller := b.partyOf(sellers[b.weighted([]int{40, 5, 55})], buyer)
		lines := b.lines(b.acts[seller], "")
		t := b.reach(lines, es[seller], 0)
		out = append(out, b.sudmagInvoice(model.InvoiceIssued, b.timeIn(sudmagPhase1Opens, sudmagAsOf.Add(-48*time.Hour)), seller, buyer, lines, t, 0, ""))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].invoice.IssuedAt.Before(out[j].invoice.IssuedAt) })
	b.number(out)
	return out, nil
}

// sudmagInvoice is one invoice of phase 1 (session 0) with its final status; credit is 0 for an ISSUED one.
func (b *demoBuilder) sudmagInvoice(status model.InvoiceStatus, issued time.Time, seller, buyer int, lines []*model.InvoiceLine,
	t model.InvoiceTotals, credit model.XPF, reason model.RejectionReason) demoInvoice {
	inv := &model.Invoice{Status: status, IssuedAt: issued, TotalHT: t.HT, TotalTGC: t.TGC, TotalTTC: t.TTC,
		UpdatedAt: reachedAt(status, issued)}
	di := demoInvoice{invoice: inv, lines: lines, seller: seller, buyer: buyer, session: -1}
	if status == model.InvoiceIssued {
		return di
	}
	inv.CreditAmount, di.session = credit, 0
	switch status {
	case model.InvoiceRejected:
		inv.RejectionReason = &reason
		inv.ControlNote = b.rejectionNote(reason, lines)
	case model.InvoiceReturned:
		inv.ControlNote = "Facture à corriger : merci de préciser la désignation des prestations."
	}
	return di
}

// reach prices lines for the seller and brings their total TTC near ttc (at least ttc when it is not 0) by
// changing the first line's unit price, and returns the totals.
func (b *demoBuilder) reach(lines []*model.InvoiceLine, seller *model.Enterprise, ttc model.XPF) model.InvoiceTotals {
	price := func() model.InvoiceTotals {
		for _, l := range lines {
			model.ComputeLine(l, b.rates[l.TGCRateCode], seller.TGCFranchise)
		}
		return model.Totals(lines)
	}
	t := price()
	if ttc <= 0 || t.TTC == ttc {
		return t
	}
	first := lines[0]
	// What the other lines come to (brought down to half the total when they are more), and the first line's unit
	// price that makes up the rest, rounded up to 10.
	rest := t.TTC - first.AmountHT - first.TGCAmount
	if rest > ttc/2 {
		for _, l := range lines[1:] {
			l.UnitPriceHT = max(10, l.UnitPriceHT*(ttc/2)/rest/10*10)
		}
		t = price()
		rest = t.TTC - first.AmountHT - first.TGCAmount
	}
	need := max(ttc-rest, ttc/4)
	bp := model.XPF(b.rates[first.TGCRateCode].BasisPoints)
	if seller.TGCFranchise {
		bp = 0
	}
	unit := need * 10_000 / (10_000 + bp) / model.XPF(first.Quantity)
	first.UnitPriceHT = max(10, (unit+9)/10*10)
	for t = price(); t.TTC < ttc; t = price() {
		first.UnitPriceHT += 10
	}
	return t
}

// partyOf draws a business of pool other than not.
func (b *demoBuilder) partyOf(pool []int, not int) int {
	for {
		if i := pick(b.r, pool); i != not {
			return i
		}
	}
}

// timeIn draws a time between from and to, in business hours (07:00 to 18:00 Nouméa time), to the minute.
func (b *demoBuilder) timeIn(from, to time.Time) time.Time {
	for {
		t := from.Add(time.Duration(b.r.Int64N(int64(to.Sub(from))))).Truncate(time.Minute)
		if h := t.In(model.Noumea).Hour(); h >= 7 && h < 18 {
			return t
		}
	}
}

// adjustTo moves amounts, each kept within [lo, hi], until they sum to total.
func adjustTo(amounts []model.XPF, total, lo, hi model.XPF) error {
	var sum model.XPF
	for _, a := range amounts {
		sum += a
	}
	if model.XPF(len(amounts))*lo > total || model.XPF(len(amounts))*hi < total {
		return fmt.Errorf("%d amounts within [%d, %d] cannot sum to %d", len(amounts), lo, hi, total)
	}
	for diff := total - sum; diff != 0; {
		for i := range amounts {
			if diff == 0 {
				break
			}
			// An even share of what is left, at least a franc, within the bounds.
			share := diff / model.XPF(len(amounts))
			if share == 0 {
				share = diff / max(diff, -diff)
			}
			step := min(max(share, lo-amounts[i]), hi-amounts[i])
			amounts[i] += step
			diff -= step
		}
	}
	return nil
}
