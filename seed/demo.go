package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// The demo profile: about 500 businesses, the CréditSud 2025 programme with its five real sessions, about 300
// invoices issued during those sessions and a handful of public consultations. Small enough for `make run`,
// varied enough to show every screen and every status.
const (
	demoEnterpriseCount = 500
	// Invoices per session: phase 1 was the big one (1.2 bn XPF in 11 days), phase 2 sessions were 120 M each.
	demoPhase1Invoices = 180
	demoPhase2Invoices = 30
	// demoStream is the second word of the PCG state: fixed, so that the demo's stream depends on the seed only,
	// and distinct from other profiles' streams so that the same seed does not give correlated data sets.
	demoStream uint64 = 0x5ed0_de70_2025_0001
	// demoAllowance is each business's CréditSud allocation in the demo (the 2025 programme's).
	demoAllowance = model.DefaultAllocation
)

// nc returns a Nouméa wall-clock time (UTC+11, no daylight saving) as UTC, the way times are stored. Every time
// of the demo derives from such fixed dates, never from the clock, so that runs are reproducible.
func nc(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, time.FixedZone("Pacific/Noumea", 11*3600)).UTC()
}

// parseNC parses "2006-01-02 15:04" as Nouméa time.
func parseNC(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.FixedZone("Pacific/Noumea", 11*3600))
	if err != nil {
		return time.Time{}, fmt.Errorf("parse demo date %q: %w", s, err)
	}
	return t.UTC(), nil
}

// demoRegistrationDays is the registration period of the demo: 15 April to 31 October 2025 inclusive.
const demoRegistrationDays = 200

// Key dates of the demo world, in Nouméa time (values, never modified).
var (
	demoRegistrationStart = nc(2025, time.April, 15, 0, 0)
	// demoAsOf is the demo's "now": the latest time any seeded row was touched.
	demoAsOf = nc(2025, time.November, 5, 17, 0)
)

// demoSession is a CréditSud session and how the demo fills it.
type demoSession struct {
	session  *model.Session
	invoices int
	phase2   bool
	// topUp is added to the envelope after the session opened (phase 1: 200,000,000 XPF ten days later).
	topUp model.XPF
	// statuses weights the invoice statuses of the session: the older the session, the more invoices went all
	// the way to PAID; the last one still has many awaiting confirmation and control.
	statuses []statusWeight
}

type statusWeight struct {
	status model.InvoiceStatus
	weight int
}

// demoInvoice is an invoice with its lines and its parties as indexes into the demo's businesses and sessions
// (ids exist only once inserted).
type demoInvoice struct {
	invoice       *model.Invoice
	lines         []*model.InvoiceLine
	seller, buyer int
	session       int // -1 when the invoice is not attached to a session (ISSUED)
}

// demoData is the whole demo data set, ready to insert.
type demoData struct {
	enterprises   []*model.Enterprise
	programme     *model.Programme
	sessions      []demoSession
	invoices      []demoInvoice
	consultations []*model.Consultation
}

// demoBuilder generates the demo from one random stream. Its state lives and dies with one run: what the
// generation has used so far (names, company numbers) and the trade of each business generated.
type demoBuilder struct {
	r         *rand.Rand
	rates     map[string]*model.TGCRate
	names     map[string]bool // business names already given
	companies map[int]bool    // company numbers (RID) already given
	dayCum    []int           // cumulative registration weights per day since demoRegistrationStart
	acts      []*activity     // the trade of each business, by index in the generated slice
}

// runDemo generates the demo profile and inserts it through the store.
func runDemo(ctx context.Context, tx *store.Store, seed int64) (Summary, error) {
	rates, err := checkReference(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	data, err := buildDemo(seed, rates)
	if err != nil {
		return Summary{}, err
	}
	return insertDemo(ctx, tx, data)
}

// checkReference makes sure every sector, commune and TGC rate the demo tables name exists in the database's
// reference tables (which the Province may amend by migration), and returns the TGC rates by code.
func checkReference(ctx context.Context, tx *store.Store) (map[string]*model.TGCRate, error) {
	sectors, err := tx.Sectors(ctx)
	if err != nil {
		return nil, err
	}
	communes, err := tx.Communes(ctx)
	if err != nil {
		return nil, err
	}
	rateRows, err := tx.TGCRates(ctx)
	if err != nil {
		return nil, err
	}
	rates := make(map[string]*model.TGCRate, len(rateRows))
	for _, r := range rateRows {
		rates[r.Code] = r
	}
	hasSector := func(code string) bool {
		return slices.ContainsFunc(sectors, func(s *model.Sector) bool { return s.Code == code })
	}
	for _, s := range demoSectorShares {
		if !hasSector(s.code) {
			return nil, fmt.Errorf("demo sector %s is not in the sectors table", s.code)
		}
	}
	if len(demoSectorShares) != len(sectors) {
		return nil, fmt.Errorf("the demo covers %d sectors, the sectors table has %d", len(demoSectorShares), len(sectors))
	}
	for _, c := range demoCommunes {
		if !slices.ContainsFunc(communes, func(row *model.Commune) bool { return row.Code == c.code }) {
			return nil, fmt.Errorf("demo commune %s (%s) is not in the communes table", c.code, c.name)
		}
	}
	if len(demoCommunes) != len(communes) {
		return nil, fmt.Errorf("the demo covers %d communes, the communes table has %d", len(demoCommunes), len(communes))
	}
	checkRate := func(code, what string) error {
		if rates[code] == nil {
			return fmt.Errorf("TGC rate %s of %q is not in the tgc_rates table", code, what)
		}
		return nil
	}
	for _, a := range demoActivities {
		if !hasSector(a.sector) {
			return nil, fmt.Errorf("sector %s of activity %s is not in the sectors table", a.sector, a.label)
		}
		for _, p := range a.products {
			if err := checkRate(p.rate, p.designation); err != nil {
				return nil, err
			}
		}
	}
	for _, l := range demoExcludedLines {
		if err := checkRate(l.product.rate, l.product.designation); err != nil {
			return nil, err
		}
	}
	for _, p := range demoHardwareLines {
		if err := checkRate(p.rate, p.designation); err != nil {
			return nil, err
		}
	}
	return rates, nil
}

// buildDemo generates the demo data from seed alone: no clock, no database, no map iteration order.
func buildDemo(seed int64, rates map[string]*model.TGCRate) (*demoData, error) {
	b := newBuilder(seed, demoStream, rates)
	d := &demoData{}
	d.enterprises = b.enterprises(demoEnterpriseCount)
	d.programme, d.sessions = demoProgramme()
	d.invoices = b.invoices(d.enterprises, d.sessions)
	var err error
	if d.consultations, err = demoConsultationRows(); err != nil {
		return nil, err
	}
	return d, nil
}

// newBuilder starts a generation from seed on one of the profiles' random streams.
func newBuilder(seed int64, stream uint64, rates map[string]*model.TGCRate) *demoBuilder {
	b := &demoBuilder{
		r:         rand.New(rand.NewPCG(uint64(seed), stream)),
		rates:     rates,
		names:     map[string]bool{},
		companies: map[int]bool{},
	}
	b.dayCum = registrationWeights()
	return b
}

// seedOp is who the seed's ledger entries name: an administrator called "seed", on request "seed". It carries no
// idempotency key: the seed runs once, in one transaction, on an empty database.
var seedOp = model.Op{Actor: model.Actor{Role: model.RoleAdmin, Subject: "seed"}, RequestID: "seed"}

// seedOpAt is seedOp dating its ledger entries at, so that the seeded history reads in the ledger as it happened
// (the dashboard's windows depend on it): sessions funded when created, phase 1 topped up ten days after its
// opening, allocations granted when the programme was created or, later, when each business registered.
func seedOpAt(at time.Time) model.Op {
	op := seedOp
	op.At = at
	return op
}

// done turns a mutation's result into an error: the store reports user errors (an invalid input, an envelope
// that cannot cover an amount) in the outcome rather than as an error.
func done(out model.Outcome, err error) (model.Outcome, error) {
	if err != nil {
		return out, err
	}
	if out.Err != nil {
		return out, out.Err
	}
	return out, nil
}

// insertDemo writes the data set through the store's ledger-aware mutations: businesses in one statement, then
// the programme, its sessions (each funded by a ledger entry) and phase 1's top-up, the allocations of every
// eligible business, the invoices (in issue order, so ids follow time), each replayed through the ledger up to
// its status, and the consultations.
func insertDemo(ctx context.Context, tx *store.Store, d *demoData) (Summary, error) {
	granted, err := openProgramme(ctx, tx, d.enterprises, d.programme, d.sessions)
	if err != nil {
		return Summary{}, err
	}
	if err := replayInvoices(ctx, tx, d.enterprises, d.sessions, d.invoices); err != nil {
		return Summary{}, err
	}
	if err := insertDemoConsultations(ctx, tx, d.consultations, d.enterprises); err != nil {
		return Summary{}, err
	}
	if err := insertDirectoryDemo(ctx, tx, d.enterprises); err != nil {
		return Summary{}, err
	}
	if err := insertRealtimeDemo(ctx, tx); err != nil {
		return Summary{}, err
	}
	return Summary{
		Enterprises:   len(d.enterprises),
		Programmes:    1,
		Sessions:      len(d.sessions),
		Allocations:   granted,
		Invoices:      len(d.invoices),
		Consultations: len(d.consultations),
	}, nil
}

// openProgramme inserts the businesses in one statement, then creates the programme and its sessions (each funded
// by a ledger entry, with its top-up ten days after its opening) and grants the allocations of every eligible
// business, dated with the seeded history. It returns how many allocations were granted.
func openProgramme(ctx context.Context, tx *store.Store, es []*model.Enterprise, p *model.Programme, sessions []demoSession) (int, error) {
	if err := tx.InsertEnterprises(ctx, es); err != nil {
		return 0, fmt.Errorf("insert businesses: %w", err)
	}
	if _, err := done(tx.CreateProgramme(ctx, seedOp, p)); err != nil {
		return 0, fmt.Errorf("create programme %s: %w", p.Name, err)
	}
	for _, s := range sessions {
		s.session.ProgrammeID = p.ID
		if _, err := done(tx.CreateSession(ctx, seedOpAt(s.session.CreatedAt), s.session)); err != nil {
			return 0, fmt.Errorf("create session %s: %w", s.session.Name, err)
		}
		if s.topUp > 0 {
			if _, err := done(tx.TopUpSession(ctx, seedOpAt(s.session.OpensAt.Add(10*24*time.Hour)), s.session.ID, s.topUp)); err != nil {
				return 0, fmt.Errorf("top up session %s: %w", s.session.Name, err)
			}
		}
	}
	granted, err := done(tx.GrantAllocations(ctx, seedOpAt(p.CreatedAt), p.ID))
	if err != nil {
		return 0, fmt.Errorf("grant the allocations of %s: %w", p.Name, err)
	}
	eligible := 0
	for _, e := range es {
		if e.IsEligible() {
			eligible++
		}
	}
	if granted.Count != eligible {
		// The invoices' buyers were drawn by model.Enterprise.Eligibility; the grant uses its SQL twin.
		return 0, fmt.Errorf("granted %d allocations, but %d businesses of the data set are eligible", granted.Count, eligible)
	}
	return granted.Count, nil
}

// replayInvoices imports the invoices in the order given (issue order), each replayed through the ledger up to
// its status.
func replayInvoices(ctx context.Context, tx *store.Store, es []*model.Enterprise, sessions []demoSession, invoices []demoInvoice) error {
	for _, di := range invoices {
		inv := di.invoice
		inv.SellerID, inv.BuyerID = es[di.seller].ID, es[di.buyer].ID
		if di.session >= 0 {
			id := sessions[di.session].session.ID
			inv.SessionID = &id
		}
		if err := tx.ImportInvoice(ctx, seedOp, inv, di.lines); err != nil {
			return fmt.Errorf("import invoice %s: %w", inv.Number, err)
		}
	}
	return nil
}

// phase2Sectors is the phase-2 allow-list, applied to the seller: the priority sectors, commerce excluded.
var phase2Sectors = []string{sectorBTP, sectorProduction, sectorServices, sectorNumerique, sectorAgriculture}

// demoProgramme returns CréditSud 2025 and its sessions with their real dates and envelopes (domain.md).
// Opening hours (08:00 Nouméa time) and closing times are our choice: phase 1 closes on 16 May 2025 at 16:00,
// when its envelope was exhausted (11 days); each phase-2 session closes a week after it opened, at 16:00,
// well before the next one opens.
func demoProgramme() (*model.Programme, []demoSession) {
	p := &model.Programme{
		Name: "CréditSud 2025",
		Description: "Crédit de 250 000 F CFP accordé à chaque entreprise et patenté éligible de la province Sud pour " +
			"acheter des biens et des services à d'autres professionnels référencés sur Sud Pro. Phase 1 ouverte le " +
			"5 mai 2025 ; phase 2 en quatre sessions de 120 millions réservées aux bénéficiaires qui n'avaient pas " +
			"encore utilisé leur crédit, pour des achats auprès des secteurs prioritaires.",
		AllocationAmount: demoAllowance,
		CreatedAt:        nc(2025, time.April, 10, 9, 0),
	}
	closes := func(t time.Time) *time.Time { return &t }
	// Operating expenses are excluded from every session: the 286 invoices rejected by July 2025 (phase 1 only)
	// include fuel, rent and other running costs.
	operating := []model.ExpenseCategory{model.ExpenseFuel, model.ExpenseRent, model.ExpenseOperatingCosts}
	sessions := []demoSession{{
		session: &model.Session{
			Name:     "Phase 1",
			OpensAt:  nc(2025, time.May, 5, 8, 0),
			ClosesAt: closes(nc(2025, time.May, 16, 16, 0)),
			// The initial envelope. Ten days after the opening the Province topped it up by 200,000,000 XPF
			// (1.2 bn in all): that top-up is a ledger entry (topUp below), not a change of this figure.
			Envelope:                  1_000_000_000,
			SectorCodes:               []string{},
			SectorRuleAppliesTo:       model.SectorRuleSeller,
			ExcludedExpenseCategories: operating,
			CreatedAt:                 nc(2025, time.April, 28, 10, 0),
		},
		invoices: demoPhase1Invoices,
		topUp:    200_000_000,
		statuses: []statusWeight{{model.InvoicePaid, 79}, {model.InvoiceApproved, 5}, {model.InvoiceConfirmed, 2},
			{model.InvoiceIssued, 3}, {model.InvoiceReturned, 4}, {model.InvoiceRejected, 7}},
	}}
	phase2 := []struct {
		month  time.Month
		day    int
		label  string
		paid   int
		issued int
	}{
		{time.July, 31, "31 juillet", 75, 3},
		{time.August, 21, "21 août", 70, 4},
		{time.September, 12, "12 septembre", 60, 6},
		{time.October, 4, "4 octobre", 35, 12},
	}
	for i, s := range phase2 {
		opens := nc(2025, s.month, s.day, 8, 0)
		sessions = append(sessions, demoSession{
			session: &model.Session{
				Name:                      fmt.Sprintf("Phase 2 — session %d (%s)", i+1, s.label),
				OpensAt:                   opens,
				ClosesAt:                  closes(opens.Add(7*24*time.Hour + 8*time.Hour)),
				Envelope:                  120_000_000,
				SectorCodes:               slices.Clone(phase2Sectors),
				SectorRuleAppliesTo:       model.SectorRuleSeller,
				ExcludedExpenseCategories: append(slices.Clone(operating), model.ExpenseHardware),
				OnlyUnusedBeneficiaries:   true,
				CreatedAt:                 opens.Add(-10 * 24 * time.Hour).Add(2 * time.Hour),
			},
			invoices: demoPhase2Invoices,
			phase2:   true,
			statuses: []statusWeight{{model.InvoicePaid, s.paid}, {model.InvoiceApproved, 5 + (75-s.paid)/3},
				{model.InvoiceConfirmed, 3 + (75-s.paid)/3}, {model.InvoiceIssued, s.issued},
				{model.InvoiceReturned, 4}, {model.InvoiceRejected, 10}},
		})
	}
	return p, sessions
}
