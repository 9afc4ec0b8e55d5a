package seed

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"sudpro/model"
)

// invoices generates the demo invoices session by session, keeping each buyer's CréditSud within its
// allocation: the credit amounts of all a buyer's invoices, rejected ones included, never exceed 250,000 XPF.
// Phase-2 buyers are businesses that had not used their credit before (the session rule), so they get one
// invoice with credit each; in phase 1 a buyer may spread its credit over several invoices.
func (b *demoBuilder) invoices(es []*model.Enterprise, sessions []demoSession) []demoInvoice {
	credit := make([]model.XPF, len(es)) // credit amounts asked by each business as a buyer
	used := make([]bool, len(es))        // the business has used CréditSud (a confirmed invoice, not rejected)
	var out []demoInvoice
	for si, s := range sessions {
		for range s.invoices {
			// A draw may find no party that fits (e.g. no active numérique seller yet): try again a few times.
			for range 5 {
				if di, ok := b.invoice(es, s, si, credit, used); ok {
					out = append(out, di)
					break
				}
			}
		}
	}
	// Insert in issue order, so ids follow time; then number each seller's invoices in that order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].invoice.IssuedAt.Before(out[j].invoice.IssuedAt) })
	type numbering struct {
		format string
		next   int
	}
	formats := []string{"F2025-%04d", "FAC-2025-%03d", "2025-%04d"}
	bySeller := map[int]*numbering{}
	for _, di := range out {
		n := bySeller[di.seller]
		if n == nil {
			// Many sellers invoiced before joining the platform: their sequence does not start at 1.
			n = &numbering{format: pick(b.r, formats), next: 1 + b.r.IntN(60)}
			bySeller[di.seller] = n
		}
		di.invoice.Number = fmt.Sprintf(n.format, n.next)
		n.next++
	}
	return out
}

// invoice draws one invoice of session si, or reports false when no seller or buyer fits the draw.
func (b *demoBuilder) invoice(es []*model.Enterprise, s demoSession, si int, credit []model.XPF, used []bool) (demoInvoice, bool) {
	weights := make([]int, len(s.statuses))
	for i, sw := range s.statuses {
		weights[i] = sw.weight
	}
	status := s.statuses[b.weighted(weights)].status
	var reason model.RejectionReason
	if status == model.InvoiceRejected {
		reason = b.rejectionReason(s.phase2)
	}
	issued := b.issuedAt(s)
	seller := b.seller(es, s, reason, issued)
	if seller < 0 {
		return demoInvoice{}, false
	}
	buyer := b.buyer(es, seller, s.phase2, issued, credit, used)
	if buyer < 0 {
		return demoInvoice{}, false
	}
	lines := b.lines(b.acts[seller], reason)
	for _, l := range lines {
		model.ComputeLine(l, b.rates[l.TGCRateCode], es[seller].TGCFranchise)
	}
	t := model.Totals(lines)
	inv := &model.Invoice{
		Status:    status,
		IssuedAt:  issued,
		TotalHT:   t.HT,
		TotalTGC:  t.TGC,
		TotalTTC:  t.TTC,
		UpdatedAt: b.invoiceUpdatedAt(status, issued),
	}
	di := demoInvoice{invoice: inv, lines: lines, seller: seller, buyer: buyer, session: -1}
	if status != model.InvoiceIssued {
		// Confirmed and later: the buyer asked for CréditSud from the session open at issue time.
		amount := min(demoAllowance-credit[buyer], t.TTC)
		if b.chance(20) {
			// Some buyers pay part of the invoice themselves, asking for a round amount of credit.
			if partial := amount * model.XPF(40+b.r.IntN(51)) / 100 / 1000 * 1000; partial > 0 {
				amount = partial
			}
		}
		inv.CreditAmount = amount
		credit[buyer] += amount
		used[buyer] = used[buyer] || status != model.InvoiceRejected
		di.session = si
	}
	if status == model.InvoiceRejected {
		inv.RejectionReason = &reason
	}
	return di, true
}

// rejectionReason draws why an agent rejected an invoice. Sector and hardware rules exist only in phase 2.
// Reasons the demo's data could contradict (seller not active, outside the session, above the remaining
// credit) are left out.
func (b *demoBuilder) rejectionReason(phase2 bool) model.RejectionReason {
	reasons := []model.RejectionReason{model.RejectExcludedExpense, model.RejectNonCompliant, model.RejectDuplicate,
		model.RejectServiceNotPerformed, model.RejectLinkedParties}
	weights := []int{4, 3, 2, 1, 1}
	if phase2 {
		reasons = append(reasons, model.RejectSectorNotAllowed, model.RejectHardwareSale)
		weights = append(weights, 5, 2)
	}
	return reasons[b.weighted(weights)]
}

// issuedAt draws an issue time within the session, in business hours. Phase-2 sessions were rushes (the first
// one was spent in 8 minutes): half of their invoices come in the first two hours.
func (b *demoBuilder) issuedAt(s demoSession) time.Time {
	opens, closes := s.session.OpensAt, *s.session.ClosesAt
	if s.phase2 && b.chance(50) {
		return opens.Add(time.Duration(b.r.IntN(120*60)) * time.Second)
	}
	days := int(closes.Sub(opens).Hours()/24) + 1
	for {
		day := opens.Add(time.Duration(b.r.IntN(days)) * 24 * time.Hour).Add(-time.Hour) // 07:00 that day
		t := day.Add(time.Duration(b.r.IntN(12*3600)) * time.Second)
		if !t.Before(opens) && t.Before(closes) {
			return t
		}
	}
}

// activeAt reports whether the business was registered, verified and active at t (verification is its last
// update for an active business).
func activeAt(e *model.Enterprise, t time.Time) bool {
	return e.Status == model.EnterpriseActive && e.UpdatedAt.Before(t)
}

// seller draws an active seller fitting the session's rules, unless the invoice is rejected for breaking them.
// In phase 1, commerce weighs more: 715 M of the 1.2 bn spent went to sellers in commerce.
func (b *demoBuilder) seller(es []*model.Enterprise, s demoSession, reason model.RejectionReason, issued time.Time) int {
	var candidates, weights []int
	for i, e := range es {
		if !activeAt(e, issued) {
			continue
		}
		allowed := !s.phase2 || slices.Contains(s.session.SectorCodes, e.SectorCode)
		switch reason {
		case model.RejectSectorNotAllowed:
			allowed = !allowed
		case model.RejectHardwareSale:
			allowed = e.SectorCode == sectorNumerique
		}
		if !allowed {
			continue
		}
		w := 1
		if !s.phase2 && e.SectorCode == sectorCommerce {
			w = 8
		}
		candidates, weights = append(candidates, i), append(weights, w)
	}
	if len(candidates) == 0 {
		return -1
	}
	return candidates[b.weighted(weights)]
}

// buyer draws an eligible active buyer other than the seller with credit left; in phase 2, one that has not
// used its credit yet.
func (b *demoBuilder) buyer(es []*model.Enterprise, seller int, phase2 bool, issued time.Time, credit []model.XPF, used []bool) int {
	var candidates []int
	for i, e := range es {
		if i == seller || !activeAt(e, issued) || !e.IsEligible() || credit[i] >= demoAllowance || (phase2 && used[i]) {
			continue
		}
		// Two establishments of one company do not invoice each other.
		if e.RIDET[:7] == es[seller].RIDET[:7] {
			continue
		}
		candidates = append(candidates, i)
	}
	if len(candidates) == 0 {
		return -1
	}
	return pick(b.r, candidates)
}

// lines draws 1 to 4 lines from the seller's trade; an invoice rejected for an excluded expense or a hardware
// sale gets the offending line.
func (b *demoBuilder) lines(a *activity, reason model.RejectionReason) []*model.InvoiceLine {
	n := min(1+b.weighted([]int{35, 35, 20, 10}), len(a.products))
	var out []*model.InvoiceLine
	for _, k := range b.r.Perm(len(a.products))[:n] {
		out = append(out, b.line(a.products[k], model.DefaultExpenseCategory))
	}
	switch reason {
	case model.RejectExcludedExpense:
		x := pick(b.r, demoExcludedLines)
		out = append(out, b.line(x.product, x.category))
	case model.RejectHardwareSale:
		out = append(out, b.line(pick(b.r, demoHardwareLines), model.ExpenseHardware))
	}
	return out
}

// line draws a quantity and a unit price (rounded as people price things) for a product.
func (b *demoBuilder) line(p product, category model.ExpenseCategory) *model.InvoiceLine {
	price := model.XPF(b.between(int64(p.min), int64(p.max)))
	step := model.XPF(1000)
	switch {
	case p.max < 5000:
		step = 50
	case p.max < 50000:
		step = 500
	}
	price = max(step, (price+step/2)/step*step)
	return &model.InvoiceLine{
		Designation:     p.designation,
		Quantity:        b.between(p.minQty, p.maxQty),
		UnitPriceHT:     price,
		TGCRateCode:     p.rate,
		ExpenseCategory: category,
	}
}

// invoiceUpdatedAt is when the invoice reached its status: confirmation minutes after issue, control days
// later, payment weeks later; never after the demo's "now".
func (b *demoBuilder) invoiceUpdatedAt(status model.InvoiceStatus, issued time.Time) time.Time {
	minutes := func(lo, hi int) time.Time {
		return issued.Add(time.Duration(lo+b.r.IntN(hi-lo+1)) * time.Minute)
	}
	const day = 24 * 60
	var t time.Time
	switch status {
	case model.InvoiceConfirmed:
		t = minutes(2, 180)
	case model.InvoiceApproved:
		t = minutes(2*day, 12*day)
	case model.InvoicePaid:
		t = minutes(10*day, 40*day)
	case model.InvoiceReturned:
		t = minutes(3*day, 15*day)
	case model.InvoiceRejected:
		t = minutes(3*day, 20*day)
	default:
		t = issued
	}
	if t.After(demoAsOf) {
		t = demoAsOf
	}
	return t
}

// demoConsultationRows turns the consultation table into rows; document links follow the Province's site.
func demoConsultationRows() ([]*model.Consultation, error) {
	var out []*model.Consultation
	for _, dc := range demoConsultations {
		c := &model.Consultation{
			Reference:         dc.reference,
			Title:             dc.title,
			Description:       dc.description,
			BuyerService:      dc.service,
			Type:              dc.kind,
			EstimatedAmountHT: dc.amount,
			SectorCodes:       slices.Clone(dc.sectors),
			APECodes:          slices.Clone(dc.apes),
			CommuneCode:       dc.commune,
			Status:            dc.status,
			Criteria:          slices.Clone(dc.criteria),
			ContactName:       dc.contact[0],
			ContactEmail:      dc.contact[1],
			ContactPhone:      dc.contact[2],
		}
		var err error
		if c.CreatedAt, err = parseNC(dc.created); err != nil {
			return nil, err
		}
		if c.QuestionDeadline, err = parseNC(dc.questions); err != nil {
			return nil, err
		}
		if c.OfferDeadline, err = parseNC(dc.offers); err != nil {
			return nil, err
		}
		if dc.published != "" {
			published, err := parseNC(dc.published)
			if err != nil {
				return nil, err
			}
			c.PublishedAt = &published
		}
		for _, name := range dc.documents {
			c.Documents = append(c.Documents, model.ConsultationDocument{
				Name: name,
				URL: "https://www.province-sud.nc/marches-publics/" + strings.ToLower(dc.reference) + "/" +
					slug(name, "-", 60) + ".pdf",
			})
		}
		out = append(out, c)
	}
	return out, nil
}
