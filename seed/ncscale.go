package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// The nc-scale profile: New Caledonia's whole register rather than the Province's, for benchmarks. It reuses the
// demo's trades, names, communes, programme and invoice rules, at scale: 50,000 businesses, 500,000 invoices
// (those of the CréditSud sessions through the ledger, the others plain invoices between businesses), 2,000
// consultations with 20,000 offers and 5,000 contact requests. Rows are written with COPY (store.InBulkTx);
// the invoices' ledger entries by store.ImportInvoices, which writes what ImportInvoice would, so `sudpro ledger
// check` is clean afterwards. The generator draws in O(rows): no per-row scan of all businesses.
const ncScaleStream uint64 = 0x5ed0_de70_2026_0009

// scaleSize is how many rows of each kind a scale profile generates.
type scaleSize struct {
	Enterprises, Invoices, Consultations, Offers, ContactRequests int
}

// NCScaleSize is the nc-scale profile's size.
var NCScaleSize = scaleSize{Enterprises: 50_000, Invoices: 500_000, Consultations: 2_000, Offers: 20_000, ContactRequests: 5_000}

// Divided is the size divided by n (at least one of each), for tests of the same generator at a small size.
func (z scaleSize) Divided(n int) scaleSize {
	d := func(x int) int { return max(1, x/n) }
	return scaleSize{d(z.Enterprises), d(z.Invoices), d(z.Consultations), d(z.Offers), d(z.ContactRequests)}
}

// invoiceImporter writes generated invoices through the ledger: store.ImportInvoices (COPY) for the profile,
// a loop of store.ImportInvoice in the test that proves both write the same.
type invoiceImporter func(ctx context.Context, tx *store.Store, invs []store.ImportedInvoice) error

func bulkImport(ctx context.Context, tx *store.Store, invs []store.ImportedInvoice) error {
	return tx.ImportInvoices(ctx, seedOp, invs)
}

func runNCScale(ctx context.Context, tx *store.Store, seed int64) (Summary, error) {
	return runScale(ctx, tx, seed, NCScaleSize, bulkImport)
}

// RunScale fills an empty database like Run with the nc-scale generator at another size, for tests and
// benchmarks that want a smaller data set (the profile itself is NCScaleSize).
func RunScale(ctx context.Context, st *store.Store, seed int64, size scaleSize) (Summary, error) {
	return runScaleWith(ctx, st, seed, size, bulkImport)
}

func runScaleWith(ctx context.Context, st *store.Store, seed int64, size scaleSize, importer invoiceImporter) (Summary, error) {
	return fill(ctx, st, true, func(tx *store.Store) (Summary, error) { return runScale(ctx, tx, seed, size, importer) })
}

// scaleBuilder draws the scale profile: the demo's builder plus the lists the O(1) draws pick from.
type scaleBuilder struct {
	*demoBuilder
	size scaleSize
}

func runScale(ctx context.Context, tx *store.Store, seed int64, size scaleSize, importer invoiceImporter) (Summary, error) {
	rates, err := checkReference(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	b := &scaleBuilder{size: size, demoBuilder: &demoBuilder{
		r:         rand.New(rand.NewPCG(uint64(seed), ncScaleStream)),
		rates:     rates,
		names:     map[string]bool{},
		companies: map[int]bool{},
	}}
	b.dayCum = registrationWeights()
	es := b.scaleEnterprises()
	if err := copyEnterprises(ctx, tx, es); err != nil {
		return Summary{}, err
	}
	programme, sessions := demoProgramme()
	// The envelopes grow with the register (the Province's 9,400 businesses had the real ones).
	factor := model.XPF(max(1, size.Enterprises/9400))
	if _, err := done(tx.CreateProgramme(ctx, seedOp, programme)); err != nil {
		return Summary{}, fmt.Errorf("create programme %s: %w", programme.Name, err)
	}
	for i := range sessions {
		s := &sessions[i]
		s.session.Envelope *= factor
		s.topUp *= factor
		s.session.ProgrammeID = programme.ID
		if _, err := done(tx.CreateSession(ctx, seedOpAt(s.session.CreatedAt), s.session)); err != nil {
			return Summary{}, fmt.Errorf("create session %s: %w", s.session.Name, err)
		}
		if s.topUp > 0 {
			if _, err := done(tx.TopUpSession(ctx, seedOpAt(s.session.OpensAt.Add(10*24*time.Hour)), s.session.ID, s.topUp)); err != nil {
				return Summary{}, fmt.Errorf("top up session %s: %w", s.session.Name, err)
			}
		}
	}
	granted, err := done(tx.GrantAllocations(ctx, seedOpAt(programme.CreatedAt), programme.ID))
	if err != nil {
		return Summary{}, fmt.Errorf("grant the allocations of %s: %w", programme.Name, err)
	}
	invs := b.scaleInvoices(es, sessions)
	if err := importer(ctx, tx, invs); err != nil {
		return Summary{}, err
	}
	consultations, offers, err := b.scaleConsultations(ctx, tx, es)
	if err != nil {
		return Summary{}, err
	}
	contacts, err := b.scaleContactRequests(ctx, tx, es)
	if err != nil {
		return Summary{}, err
	}
	return Summary{Enterprises: len(es), Programmes: 1, Sessions: len(sessions), Allocations: granted.Count,
		Invoices: len(invs), Consultations: consultations, Offers: offers, ContactRequests: contacts}, nil
}

// scaleEnterprises draws the businesses with the demo's rules, one establishment per company (the demo's second
// establishments need a scan of the earlier businesses).
func (b *scaleBuilder) scaleEnterprises() []*model.Enterprise {
	n := b.size.Enterprises
	sectors, communes := dealPlaces(b.r, n)
	bySector := map[string][]*activity{}
	for i := range demoActivities {
		a := &demoActivities[i]
		bySector[a.sector] = append(bySector[a.sector], a)
	}
	out := make([]*model.Enterprise, 0, n)
	b.acts = make([]*activity, 0, n)
	for i := range n {
		acts := bySector[sectors[i]]
		weights := make([]int, len(acts))
		for k, a := range acts {
			weights[k] = a.weight
		}
		a := acts[b.weighted(weights)]
		out = append(out, b.enterprise(a, communes[i]))
		b.acts = append(b.acts, a)
	}
	return out
}

func copyEnterprises(ctx context.Context, tx *store.Store, es []*model.Enterprise) error {
	first, err := tx.ReserveIDs(ctx, "enterprises", len(es))
	if err != nil {
		return err
	}
	rows := make([][]any, len(es))
	for i, e := range es {
		e.ID = first + int64(i)
		rows[i] = []any{e.ID, string(e.RIDET), e.Name, e.TradeName, string(e.LegalForm), e.APECode, e.SectorCode, e.CommuneCode,
			e.Headcount, string(e.Status), e.RegisteredAt, e.Description, e.Keywords, e.ListedInDirectory, e.TGCFranchise,
			e.ContactEmail, e.ContactPhone, e.RepresentativeName, e.RepresentativeEmail, e.RepresentativePhone, e.UpdatedAt}
	}
	return tx.CopyFrom(ctx, "enterprises", []string{"id", "ridet", "name", "trade_name", "legal_form", "ape_code", "sector_code",
		"commune_code", "headcount", "status", "registered_at", "description", "keywords", "listed_in_directory", "tgc_franchise",
		"contact_email", "contact_phone", "representative_name", "representative_email", "representative_phone", "updated_at"}, rows)
}

// weightedPicker draws indexes with weights in O(log n).
type weightedPicker struct {
	items []int
	cum   []int
}

func (p *weightedPicker) add(item, weight int) {
	total := weight
	if len(p.cum) > 0 {
		total += p.cum[len(p.cum)-1]
	}
	p.items, p.cum = append(p.items, item), append(p.cum, total)
}

func (p *weightedPicker) pick(r *rand.Rand) int {
	if len(p.items) == 0 {
		return -1
	}
	x := r.IntN(p.cum[len(p.cum)-1])
	return p.items[sort.SearchInts(p.cum, x+1)]
}

// The share of the invoices issued in CréditSud sessions: phase 1 gets 6 % of them, each phase-2 session
// 0.6 %; the rest are plain invoices between businesses, issued through 2025 (status ISSUED, no credit).
const (
	scalePhase1Permil = 60
	scalePhase2Permil = 6
)

// scaleInvoices draws the invoices: those of each session with the demo's rules (statuses, buyers with credit
// left, phase-2 beneficiaries who have not used theirs, envelopes never overdrawn), then plain ones, all sorted by
// issue time and numbered per seller.
func (b *scaleBuilder) scaleInvoices(es []*model.Enterprise, sessions []demoSession) []store.ImportedInvoice {
	held := make([]model.XPF, len(es))
	var out []demoInvoice
	for si, s := range sessions {
		permil := scalePhase1Permil
		if s.phase2 {
			permil = scalePhase2Permil
		}
		count := b.size.Invoices * permil / 1000
		opens := s.session.OpensAt
		var sellers weightedPicker
		var buyers []int
		for i, e := range es {
			if !activeAt(e, opens) {
				continue
			}
			if !s.phase2 || slices.Contains(s.session.SectorCodes, e.SectorCode) {
				w := 1
				if !s.phase2 && e.SectorCode == sectorCommerce {
					w = 8
				}
				sellers.add(i, w)
			}
			if e.IsEligible() {
				buyers = append(buyers, i)
			}
		}
		left := s.session.Envelope + s.topUp
		times := make([]time.Time, count)
		for i := range times {
			times[i] = b.issuedAt(s)
		}
		slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
		for _, issued := range times {
			if di, ok := b.sessionInvoice(es, s, si, issued, held, &sellers, buyers, &left); ok {
				out = append(out, di)
			}
		}
	}
	var active []int
	for i, e := range es {
		if e.Status == model.EnterpriseActive && e.UpdatedAt.Before(demoAsOf) {
			active = append(active, i)
		}
	}
	start := nc(2025, time.January, 6, 7, 0)
	for len(out) < b.size.Invoices && len(active) > 1 {
		seller := active[b.r.IntN(len(active))]
		buyer := active[b.r.IntN(len(active))]
		if buyer == seller || es[buyer].RIDET[:7] == es[seller].RIDET[:7] {
			continue
		}
		from := es[seller].UpdatedAt
		if from.Before(start) {
			from = start
		}
		issued := from.Add(time.Duration(b.r.Int64N(int64(demoAsOf.Sub(from)/time.Second))) * time.Second)
		out = append(out, b.plainInvoice(es, seller, buyer, issued))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].invoice.IssuedAt.Before(out[j].invoice.IssuedAt) })
	next := make([]int, len(es))
	invs := make([]store.ImportedInvoice, len(out))
	for i, di := range out {
		if next[di.seller] == 0 {
			next[di.seller] = 1 + b.r.IntN(60)
		}
		di.invoice.Number = fmt.Sprintf("F2025-%05d", next[di.seller])
		next[di.seller]++
		di.invoice.SellerID, di.invoice.BuyerID = es[di.seller].ID, es[di.buyer].ID
		if di.session >= 0 {
			id := sessions[di.session].session.ID
			di.invoice.SessionID = &id
		}
		invs[i] = store.ImportedInvoice{Invoice: di.invoice, Lines: di.lines}
	}
	return invs
}

// sessionInvoice draws one invoice issued during session s, as demoBuilder.invoice does but from the
// precomputed candidates; a draw that finds no fitting buyer or envelope is left ISSUED without credit.
func (b *scaleBuilder) sessionInvoice(es []*model.Enterprise, s demoSession, si int, issued time.Time, held []model.XPF,
	sellers *weightedPicker, buyers []int, left *model.XPF) (demoInvoice, bool) {
	weights := make([]int, len(s.statuses))
	for i, sw := range s.statuses {
		weights[i] = sw.weight
	}
	status := s.statuses[b.weighted(weights)].status
	var reason model.RejectionReason
	if status == model.InvoiceRejected {
		reason = b.rejectionReason(s.phase2)
	}
	seller := sellers.pick(b.r)
	if seller < 0 || len(buyers) == 0 {
		return demoInvoice{}, false
	}
	buyer := -1
	for range 20 {
		i := buyers[b.r.IntN(len(buyers))]
		if i == seller || es[i].RIDET[:7] == es[seller].RIDET[:7] || held[i] >= demoAllowance || (s.phase2 && held[i] > 0) {
			continue
		}
		buyer = i
		break
	}
	if buyer < 0 {
		status = model.InvoiceIssued
		buyer = buyers[b.r.IntN(len(buyers))]
		if buyer == seller {
			return demoInvoice{}, false
		}
	}
	di := b.plainInvoice(es, seller, buyer, issued)
	di.lines = b.lines(b.acts[seller], reason)
	b.compute(&di, es[seller])
	inv := di.invoice
	if status == model.InvoiceIssued {
		return di, true
	}
	amount := min(demoAllowance-held[buyer], inv.TotalTTC)
	if b.chance(20) {
		if partial := amount * model.XPF(40+b.r.IntN(51)) / 100 / 1000 * 1000; partial > 0 {
			amount = partial
		}
	}
	if amount > *left {
		return di, true // the envelope is spent: the invoice stays ISSUED
	}
	inv.Status, inv.CreditAmount, inv.UpdatedAt = status, amount, reachedAt(status, issued)
	*left -= amount
	if !releases(status) {
		held[buyer] += amount
	} else {
		*left += amount
	}
	di.session = si
	switch status {
	case model.InvoiceRejected:
		inv.RejectionReason = &reason
		inv.ControlNote = b.rejectionNote(reason, di.lines)
	case model.InvoiceReturned:
		inv.ControlNote = b.returnNote(es[seller])
	}
	return di, true
}

// plainInvoice draws an ISSUED invoice without credit from seller to buyer.
func (b *scaleBuilder) plainInvoice(es []*model.Enterprise, seller, buyer int, issued time.Time) demoInvoice {
	di := demoInvoice{seller: seller, buyer: buyer, session: -1, lines: b.lines(b.acts[seller], "")}
	di.invoice = &model.Invoice{Status: model.InvoiceIssued, IssuedAt: issued, UpdatedAt: issued}
	b.compute(&di, es[seller])
	return di
}

func (b *scaleBuilder) compute(di *demoInvoice, seller *model.Enterprise) {
	for _, l := range di.lines {
		model.ComputeLine(l, b.rates[l.TGCRateCode], seller.TGCFranchise)
	}
	t := model.Totals(di.lines)
	di.invoice.TotalHT, di.invoice.TotalTGC, di.invoice.TotalTTC = t.HT, t.TGC, t.TTC
	di.invoice.TGCNotApplicable = seller.TGCFranchise
}

// scaleConsultations writes the public consultations, each with about ten offers from active businesses of its
// sector: three in ten still open (deadlines in 2027, offers sealed), the others past their offer deadline.
func (b *scaleBuilder) scaleConsultations(ctx context.Context, tx *store.Store, es []*model.Enterprise) (int, int, error) {
	bySector := map[string][]int{}
	for i, e := range es {
		if e.Status == model.EnterpriseActive {
			bySector[e.SectorCode] = append(bySector[e.SectorCode], i)
		}
	}
	n := b.size.Consultations
	first, err := tx.ReserveIDs(ctx, "consultations", n)
	if err != nil {
		return 0, 0, err
	}
	services := []string{"Direction de l'Économie, de la Formation et de l'Emploi", "Direction de l'Équipement", "Direction du Foncier et de l'Aménagement",
		"Direction de la Culture", "Direction du Développement Rural", "Direction de l'Enseignement"}
	var rows, offerRows [][]any
	perConsultation := max(1, b.size.Offers/n)
	for k := range n {
		i := b.r.IntN(len(es))
		a, e := b.acts[i], es[i]
		kind := model.ConsultationType("SERVICES")
		switch e.SectorCode {
		case sectorBTP:
			kind = "WORKS"
		case sectorCommerce, sectorProduction:
			kind = "SUPPLIES"
		}
		estimate := model.XPF(b.between(50, 9_000)) * 1000
		published := nc(2025, time.January, 15, 9, 0).Add(time.Duration(b.r.IntN(290*24)) * time.Hour)
		offerDeadline := published.Add(time.Duration(15+b.r.IntN(30)) * 24 * time.Hour)
		if b.chance(30) {
			offerDeadline = nc(2027, time.January, 15, 12, 0).Add(time.Duration(b.r.IntN(60*24)) * time.Hour)
		}
		id := first + int64(k)
		rows = append(rows, []any{id, fmt.Sprintf("PS-2025-%05d", k+1), a.label + " — " + pick(b.r, demoCommunes).name,
			"Consultation de la province Sud : " + a.label + ".", pick(b.r, services), string(kind), int64(estimate),
			[]string{e.SectorCode}, e.CommuneCode, offerDeadline.Add(-5 * 24 * time.Hour), offerDeadline, "PUBLISHED",
			published, "Service des marchés", "marches@province-sud.nc", published.Add(-24 * time.Hour), published})
		candidates := bySector[e.SectorCode]
		taken := map[int]bool{}
		for range perConsultation {
			if len(candidates) == 0 {
				break
			}
			j := candidates[b.r.IntN(len(candidates))]
			if taken[j] {
				continue
			}
			taken[j] = true
			bidder := es[j]
			rate := b.acts[j].products[0].rate
			l := &model.InvoiceLine{Quantity: 1, UnitPriceHT: estimate * model.XPF(70+b.r.IntN(50)) / 100 / 1000 * 1000}
			model.ComputeLine(l, b.rates[rate], bidder.TGCFranchise)
			submitted := published.Add(time.Duration(1+b.r.IntN(10*24)) * time.Hour)
			offerRows = append(offerRows, []any{id, bidder.ID, "SUBMITTED", int64(l.AmountHT), rate, bidder.TGCFranchise,
				int64(l.TGCAmount), int64(l.AmountHT + l.TGCAmount), 10 + b.r.IntN(80), "Offre de " + bidder.Name + ".", submitted, submitted})
		}
	}
	if err := tx.CopyFrom(ctx, "consultations", []string{"id", "reference", "title", "description", "buyer_service", "kind",
		"estimated_amount_ht", "sector_codes", "commune_code", "question_deadline", "offer_deadline", "status", "published_at",
		"contact_name", "contact_email", "created_at", "updated_at"}, rows); err != nil {
		return 0, 0, err
	}
	return n, len(offerRows), tx.CopyFrom(ctx, "consultation_offers", []string{"consultation_id", "enterprise_id", "status", "amount_ht",
		"tgc_rate_code", "tgc_not_applicable", "amount_tgc", "amount_ttc", "delay_days", "technical_note", "submitted_at", "updated_at"}, offerRows)
}

// scaleContactRequests writes the contact requests between active businesses: four in ten still waiting, the
// others accepted or declined; at most one request per pair.
func (b *scaleBuilder) scaleContactRequests(ctx context.Context, tx *store.Store, es []*model.Enterprise) (int, error) {
	var active []int
	for i, e := range es {
		if e.Status == model.EnterpriseActive {
			active = append(active, i)
		}
	}
	pairs := map[[2]int]bool{}
	var rows [][]any
	for tries := 0; len(rows) < b.size.ContactRequests && len(active) > 1 && tries < 10*b.size.ContactRequests; tries++ {
		s, r := active[b.r.IntN(len(active))], active[b.r.IntN(len(active))]
		if s == r || pairs[[2]int{min(s, r), max(s, r)}] {
			continue
		}
		pairs[[2]int{min(s, r), max(s, r)}] = true
		sent := nc(2025, time.May, 1, 8, 0).Add(time.Duration(b.r.IntN(180*24*60)) * time.Minute)
		status, answered := "SENT", any(nil)
		if x := b.r.IntN(10); x >= 4 {
			status = "ACCEPTED"
			if x >= 8 {
				status = "DECLINED"
			}
			answered = sent.Add(time.Duration(1+b.r.IntN(72)) * time.Hour)
		}
		rows = append(rows, []any{es[s].ID, es[r].ID, status, "Bonjour, nous aimerions vous consulter pour " + b.acts[r].label + ".", sent, answered})
	}
	return len(rows), tx.CopyFrom(ctx, "contact_requests", []string{"sender_id", "recipient_id", "status", "message", "sent_at", "answered_at"}, rows)
}
