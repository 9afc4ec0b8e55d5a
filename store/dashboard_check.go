package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"sudpro/model"
)

// dashboardInvariant is architecture.md's invariant 7.
const dashboardInvariant = "7. the dashboard's figures equal the sums of the ledger"

// checkDashboard verifies invariant 7 on the whole database: the dashboard's figures, computed by its own queries
// from the ledger (sums of postings), equal the ledger read another way (account balances, allocation entries),
// its breakdowns add up to its totals, and its rollups give every figure the ledger gives (checkRollups).
func (s *Store) checkDashboard(ctx context.Context) ([]Violation, error) {
	out, err := s.CheckDashboardRollups(ctx, model.DashboardScope{})
	if err != nil {
		return nil, err
	}
	differ := func(what string, got, want model.XPF) {
		if got != want {
			out = append(out, Violation{dashboardInvariant, fmt.Sprintf("%s: dashboard %d, ledger %d", what, got, want)})
		}
	}
	var sc model.DashboardScope
	budget, err := s.dashboardBudget(ctx, sc, fromLedger)
	if err != nil {
		return nil, err
	}
	var ids []int64
	var spent, paid model.XPF
	for _, p := range budget {
		for _, b := range p.Sessions {
			ids = append(ids, b.SessionID)
		}
	}
	balances, err := s.SessionBudgets(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range budget {
		for _, b := range p.Sessions {
			want := balances[b.SessionID]
			what := fmt.Sprintf("session %d", b.SessionID)
			differ(what+" engaged", b.Engaged, want.Total)
			differ(what+" reserved", b.Reserved, want.Reserved)
			differ(what+" payable", b.Payable, want.Payable)
			differ(what+" paid", b.Paid, want.Paid)
			differ(what+" remaining", b.Remaining, want.Remaining)
			spent += b.Spent()
			paid += b.Paid
		}
	}
	breakdowns, err := s.dashboardSpent(ctx, sc, fromLedger)
	if err != nil {
		return nil, err
	}
	differ("CréditSud spent in all", breakdowns.SmallBusiness.Total, spent)
	sum := func(amounts ...model.XPF) model.XPF {
		var t model.XPF
		for _, a := range amounts {
			t += a
		}
		return t
	}
	var bySellerSector, byBuyerSector, bySellerCommune, byBuyerCommune []model.XPF
	for i := range breakdowns.BySellerSector {
		bySellerSector = append(bySellerSector, breakdowns.BySellerSector[i].Amount)
		byBuyerSector = append(byBuyerSector, breakdowns.ByBuyerSector[i].Amount)
	}
	for i := range breakdowns.BySellerCommune {
		bySellerCommune = append(bySellerCommune, breakdowns.BySellerCommune[i].Amount)
		byBuyerCommune = append(byBuyerCommune, breakdowns.ByBuyerCommune[i].Amount)
	}
	differ("CréditSud spent by seller's sector", sum(bySellerSector...), spent)
	differ("CréditSud spent by buyer's sector", sum(byBuyerSector...), spent)
	differ("CréditSud spent by seller's commune", sum(bySellerCommune...), spent)
	differ("CréditSud spent by buyer's commune", sum(byBuyerCommune...), spent)
	days, err := s.dashboardDaily(ctx, sc, fromLedger)
	if err != nil {
		return nil, err
	}
	var net, dailyPaid model.XPF
	for _, d := range days {
		net += d.ConfirmedAmount - d.ReleasedAmount
		dailyPaid += d.PaidAmount
	}
	differ("daily confirmed − released", net, spent)
	differ("daily paid", dailyPaid, paid)
	done, err := s.dashboardBusinessDone(ctx, sc, fromLedger)
	if err != nil {
		return nil, err
	}
	differ("CréditSud part of the business done", done.CreditSud, spent)
	// Private orders and consultations are outside the ledger: their figures are checked against the tables read
	// the directory's way and the store's own seal condition (offersUnsealed), not the views the dashboard reads.
	directory, err := s.BusinessDone(ctx)
	if err != nil {
		return nil, err
	}
	differ("private orders of the business done", done.PrivateOrders, directory.PrivateOrders)
	differ("private orders counted in the business done", model.XPF(done.PrivateOrderCount), model.XPF(directory.PrivateOrderCount))
	consultations, err := s.DashboardConsultations(ctx, sc)
	if err != nil {
		return nil, err
	}
	var offers, awarded int
	var awardedTTC model.XPF
	err = s.db.NewRaw(`SELECT
		(SELECT count(*) FROM consultation_offers AS o JOIN consultations AS c ON c.id = o.consultation_id
			WHERE o.status = 'SUBMITTED' AND `+offersUnsealed+`),
		(SELECT count(*) FROM consultations WHERE status = 'AWARDED'),
		(SELECT coalesce(sum(o.amount_ttc), 0) FROM consultations AS c JOIN consultation_offers AS o ON o.id = c.awarded_offer_id
			WHERE c.status = 'AWARDED')`).Scan(ctx, &offers, &awarded, &awardedTTC)
	if err != nil {
		return nil, fmt.Errorf("count consultation offers and awards: %w", err)
	}
	differ("consultation offers received (unsealed)", model.XPF(consultations.OffersReceived), model.XPF(offers))
	differ("consultations awarded", model.XPF(consultations.Awarded), model.XPF(awarded))
	differ("consultations awarded amount TTC", consultations.AwardedAmountTTC, awardedTTC)
	businesses, err := s.dashboardBusinesses(ctx, sc, fromLedger)
	if err != nil {
		return nil, err
	}
	var supported, funded int
	err = s.db.NewRaw(`SELECT (SELECT count(DISTINCT enterprise_id) FROM journal_entries WHERE kind = 'ALLOCATION'),
		(SELECT count(*) FROM (SELECT enterprise_id FROM accounts WHERE kind IN ('CREDIT_RESERVED', 'CREDIT_USED')
			GROUP BY enterprise_id HAVING sum(balance) > 0) AS used)`).Scan(ctx, &supported, &funded)
	if err != nil {
		return nil, fmt.Errorf("count beneficiaries: %w", err)
	}
	differ("businesses supported", model.XPF(businesses.Supported.Count), model.XPF(supported))
	differ("projects funded", model.XPF(businesses.ProjectsFunded.Count), model.XPF(funded))
	differ("supported = projects funded + not used yet", model.XPF(businesses.Supported.Count),
		model.XPF(businesses.ProjectsFunded.Count+businesses.NotUsedYet.Count))
	return out, nil
}

// CheckDashboardRollups compares every figure of the dashboard for a scope whose window is made of whole Nouméa
// days as its rollups give it and as the ledger's postings and the invoices give it, and returns the figures
// that differ. `sudpro ledger check` runs it over everything.
func (s *Store) CheckDashboardRollups(ctx context.Context, sc model.DashboardScope) ([]Violation, error) {
	if sourceFor(sc) != fromRollups {
		return nil, fmt.Errorf("the rollups only answer windows of whole Nouméa days")
	}
	type figure struct {
		name string
		read func(source dashboardSource) (any, error)
	}
	var figures []figure
	if sc.Until == nil { // businesses are positions the rollups give now only
		figures = append(figures, figure{"businesses", func(src dashboardSource) (any, error) { return s.dashboardBusinesses(ctx, sc, src) }})
	}
	figures = append(figures, []figure{
		{"budget", func(src dashboardSource) (any, error) { return s.dashboardBudget(ctx, sc, src) }},
		{"CréditSud spent", func(src dashboardSource) (any, error) { return s.dashboardSpent(ctx, sc, src) }},
		{"invoices by status", func(src dashboardSource) (any, error) { return s.dashboardInvoices(ctx, sc, src) }},
		{"business done", func(src dashboardSource) (any, error) { return s.dashboardBusinessDone(ctx, sc, src) }},
		{"daily series", func(src dashboardSource) (any, error) { return s.dashboardDaily(ctx, sc, src) }},
	}...)
	var out []Violation
	for _, f := range figures {
		rollup, err := f.read(fromRollups)
		if err != nil {
			return nil, err
		}
		ledger, err := f.read(fromLedger)
		if err != nil {
			return nil, err
		}
		got, err := json.Marshal(rollup)
		if err != nil {
			return nil, fmt.Errorf("compare the %s: %w", f.name, err)
		}
		want, err := json.Marshal(ledger)
		if err != nil {
			return nil, fmt.Errorf("compare the %s: %w", f.name, err)
		}
		if !bytes.Equal(got, want) {
			out = append(out, Violation{dashboardInvariant, fmt.Sprintf("%s: the rollups give %s, the ledger %s", f.name, clip(got), clip(want))})
		}
	}
	return out, nil
}

// clip shortens a figure's JSON for a violation's detail.
func clip(b []byte) string {
	const most = 400
	if len(b) > most {
		return string(b[:most]) + "…"
	}
	return string(b)
}
