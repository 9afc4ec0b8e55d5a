package seed

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"sudpro/model"
)

// invoices generates the demo invoices session by session and, within a session, in issue order: the order in
// which insertDemo replays them through the ledger. A buyer's CréditSud thus never runs short at the time of an
// invoice: each invoice asks for at most what the buyer's allocation still holds after its earlier invoices,
// counting only reservations that were not released (a RETURNED or REJECTED invoice gives its credit back).
// Phase-2 buyers are businesses whose credit was not in use before (the session rule), so they get one invoice
// holding credit each; in phase 1 a buyer may spread its credit over several invoices.
func (b *demoBuilder) invoices(es []*model.Enterprise, sessions []demoSession) []demoInvoice {
	held := make([]model.XPF, len(es)) // credit each business holds as a buyer: reserved or used, not released
	var out []demoInvoice
	for si, s := range sessions {
		times := make([]time.Time, s.invoices)
		for i := range times {
			times[i] = b.issuedAt(s)
		}
		slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
		for _, issued := range times {
			// A draw may find no party that fits (e.g. no active numérique seller yet): try again a few times.
			for range 5 {
				if di, ok := b.invoice(es, s, si, issued, held); ok {
					out = append(out, di)
					break
				}
			}
		}
	}
	// Already in issue order (sessions do not overlap); the stable sort only guards that.
	sort.SliceStable(out, func(i, j int) bool { return out[i].invoice.IssuedAt.Before(out[j].invoice.IssuedAt) })
	b.number(out)
	return out
}

// number numbers each seller's invoices in issue order.
func (b *demoBuilder) number(out []demoInvoice) {
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
}

// releases reports whether an invoice's final status gave its reserved credit back to the buyer and the envelope.
func releases(status model.InvoiceStatus) bool {
	return status == model.InvoiceReturned || status == model.InvoiceRejected
}

// invoice draws one invoice of session si issued at issued, or reports false when no seller or buyer fits the
// draw. held is each business's credit in use as a buyer, updated when the invoice keeps its credit.
func (b *demoBuilder) invoice(es []*model.Enterprise, s demoSession, si int, issued time.Time, held []model.XPF) (demoInvoice, bool) {
	weights := make([]int, len(s.statuses))
	for i, sw := range s.statuses {
		weights[i] = sw.weight
	}
	status := s.statuses[b.weighted(weights)].status
	var reason model.RejectionReason
	if status == model.InvoiceRejected {
		reason = b.rejectionReason(s.phase2)
	}
	seller := b.seller(es, s, reason, issued)
	if seller < 0 {
		return demoInvoice{}, false
	}
	buyer := b.buyer(es, seller, status != model.InvoiceIssued, s.phase2, issued, held)
	if buyer < 0 {
		return demoInvoice{}, false
	}
	lines := b.lines(b.acts[seller], reason)
	for _, l := range lines {
		model.ComputeLine(l, b.rates[l.TGCRateCode], es[seller].TGCFranchise)
	}
	t := model.Totals(lines)
	inv := &model.Invoice{
		Status:           status,
		IssuedAt:         issued,
		TotalHT:          t.HT,
		TotalTGC:         t.TGC,
		TotalTTC:         t.TTC,
		TGCNotApplicable: es[seller].TGCFranchise,
		UpdatedAt:        reachedAt(status, issued),
	}
	di := demoInvoice{invoice: inv, lines: lines, seller: seller, buyer: buyer, session: -1}
	if status != model.InvoiceIssued {
		// Confirmed and later: the buyer asked for CréditSud from the session open at issue time.
		amount := min(demoAllowance-held[buyer], t.TTC)
		if b.chance(20) {
			// Some buyers pay part of the invoice themselves, asking for a round amount of credit.
			if partial := amount * model.XPF(40+b.r.IntN(51)) / 100 / 1000 * 1000; partial > 0 {
				amount = partial
			}
		}
		inv.CreditAmount = amount
		if !releases(status) {
			held[buyer] += amount
		}
		di.session = si
	}
	switch status {
	case model.InvoiceRejected:
		inv.RejectionReason = &reason
		inv.ControlNote = b.rejectionNote(reason, lines)
	case model.InvoiceReturned:
		inv.ControlNote = b.returnNote(es[seller])
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

// buyer draws a buyer other than the seller, active at issue time. A buyer asking for CréditSud (withCredit)
// is eligible with credit left and, in phase 2, holds none of it in use (the session admits only beneficiaries
// who have not used their credit); an invoice left ISSUED may go to any active business.
func (b *demoBuilder) buyer(es []*model.Enterprise, seller int, withCredit, phase2 bool, issued time.Time, held []model.XPF) int {
	var candidates []int
	for i, e := range es {
		if i == seller || !activeAt(e, issued) {
			continue
		}
		if withCredit && (!e.Eligibility().Eligible || held[i] >= demoAllowance || (phase2 && held[i] > 0)) {
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

// The timeline store.ImportInvoice gives an imported invoice's ledger entries: confirmed an hour after its
// issue, then each control step (approval, payment, return, rejection) three days after the previous one.
const (
	importConfirmAfter = time.Hour
	importStepAfter    = 72 * time.Hour
)

// reachedAt is when an invoice reached its status on store.ImportInvoice's timeline, so that its updated_at
// matches the date of its last ledger entry.
func reachedAt(status model.InvoiceStatus, issued time.Time) time.Time {
	confirmed := issued.Add(importConfirmAfter)
	switch status {
	case model.InvoiceConfirmed:
		return confirmed
	case model.InvoiceApproved, model.InvoiceReturned, model.InvoiceRejected:
		return confirmed.Add(importStepAfter)
	case model.InvoicePaid:
		return confirmed.Add(2 * importStepAfter)
	}
	return issued
}

// returnNote is what the agent asks the seller to fix on an invoice sent back: a missing or wrong mention,
// never a reason to refuse the expense.
func (b *demoBuilder) returnNote(seller *model.Enterprise) string {
	notes := []string{
		"Facture sans mention du RIDET du vendeur : merci de la réémettre avec le numéro RIDET complet de l'établissement.",
		"Date de réalisation de la prestation absente : à préciser sur la facture avant nouvel envoi.",
		"Adresse et RIDET de l'acheteur incomplets : compléter l'identification du client sur la facture.",
		"Désignation trop vague (« divers », « fournitures ») : détailler la nature et la quantité des biens ou prestations.",
		"Devis transmis à la place de la facture : envoyer la facture définitive, datée et numérotée.",
		"Pièce jointe illisible : merci de déposer une copie lisible de la facture originale.",
		"Taux de TGC à vérifier sur une ligne : corriger le taux appliqué et les totaux TGC et TTC.",
	}
	if seller.TGCFranchise {
		notes = append(notes, "Mention « TGC non applicable » absente alors que le vendeur relève de la franchise en base : à ajouter sur la facture.")
	}
	return pick(b.r, notes)
}

// rejectionNote is the agent's explanation of a rejection, naming the offending line where there is one (the
// last line for an excluded expense or a hardware sale).
func (b *demoBuilder) rejectionNote(reason model.RejectionReason, lines []*model.InvoiceLine) string {
	last := lines[len(lines)-1]
	switch reason {
	case model.RejectExcludedExpense:
		what := map[model.ExpenseCategory]string{
			model.ExpenseFuel:           "le carburant",
			model.ExpenseRent:           "les loyers",
			model.ExpenseOperatingCosts: "les frais de fonctionnement courants",
		}[last.ExpenseCategory]
		return fmt.Sprintf("Dépense exclue du CréditSud : « %s ». Le dispositif ne finance pas %s.", last.Designation, what)
	case model.RejectHardwareSale:
		return fmt.Sprintf("Vente de matériel informatique (« %s ») : exclue pour le secteur numérique en phase 2, "+
			"seules les prestations de services sont éligibles.", last.Designation)
	case model.RejectSectorNotAllowed:
		return "Secteur d'activité du vendeur non retenu pour la phase 2 : seuls le BTP, la production et fabrication, " +
			"les services, le numérique et l'agriculture et pêche sont éligibles."
	case model.RejectNonCompliant:
		return pick(b.r, []string{
			"Facture non conforme : totaux HT, TGC et TTC incohérents avec les lignes.",
			"Facture non conforme : ni date ni numéro de facture, malgré une première demande de correction.",
			"Facture non conforme : mentions obligatoires absentes (RIDET du vendeur, adresse, détail de la TGC).",
		})
	case model.RejectDuplicate:
		return "Doublon : la même prestation a déjà été facturée à cet acheteur sous un autre numéro."
	case model.RejectServiceNotPerformed:
		return "Prestation non constatée lors du contrôle sur place ; dossier transmis pour suspicion de fraude."
	case model.RejectLinkedParties:
		return "Acheteur et vendeur liés : même gérant déclaré pour les deux entreprises (auto-facturation)."
	}
	return "Facture rejetée après contrôle."
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
