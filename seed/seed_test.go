package seed

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var admin = model.Actor{Role: model.RoleAdmin}

// all is a page large enough for any demo list.
var all = model.Page{Limit: 100_000}

// seeded returns a fresh database filled with the demo profile from seed.
func seeded(t *testing.T, seed int64) (*bun.DB, Summary) {
	t.Helper()
	db := dbtest.New(t)
	start := time.Now()
	sum, err := Run(context.Background(), store.New(db), "demo", seed)
	if err != nil {
		t.Fatalf("Run(demo, %d) error = %v", seed, err)
	}
	t.Logf("seeded demo %d in %v: %+v", seed, time.Since(start).Round(time.Millisecond), sum)
	return db, sum
}

// clockColumns are the columns whose values legitimately differ between two runs of one seed, by table: the
// transaction ids the ledger records (every entry is dated with the seeded history), the times of idempotency
// keys, should the seed ever use any, and when the demo's persisted operations were registered. Each maps to the
// SQL expression digested instead; "" leaves the column out.
var clockColumns = map[string]map[string]string{
	"journal_entries":      {"tx_id": ""},
	"idempotency_keys":     {"tx_id": "", "created_at": ""},
	"persisted_operations": {"created_at": ""},
}

// digests returns an MD5 digest of every row of every application table, by table: a table's rows as
// PostgreSQL prints them, all columns included (those a future migration adds too) but clockColumns, in a
// stable order.
func digests(t *testing.T, db *bun.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	var tables []string
	if err := db.NewRaw(`SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'bun\_%'
		ORDER BY table_name`).Scan(ctx, &tables); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var columns []string
		if err := db.NewRaw(`SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position`, table).Scan(ctx, &columns); err != nil {
			t.Fatalf("list columns of %s: %v", table, err)
		}
		var exprs []string
		for _, c := range columns {
			expr, volatile := clockColumns[table][c]
			switch {
			case !volatile:
				exprs = append(exprs, `"`+c+`"`)
			case expr != "":
				exprs = append(exprs, expr+` AS "`+c+`"`)
			}
		}
		var sum string
		if err := db.NewRaw("SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM (SELECT ? FROM ?) AS t",
			bun.Safe(strings.Join(exprs, ", ")), bun.Ident(table)).Scan(ctx, &sum); err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		out[table] = sum
	}
	return out
}

func TestRunDemoIsDeterministic(t *testing.T) {
	t.Parallel()
	type result struct {
		sum     Summary
		digests map[string]string
	}
	results := map[string]*result{}
	// Three databases seeded side by side: two with the same seed, one with another.
	runs := []struct {
		name string
		seed int64
	}{{"first run of seed 7", 7}, {"second run of seed 7", 7}, {"seed 8", 8}}
	t.Run("seeding", func(t *testing.T) {
		for _, r := range runs {
			res := &result{}
			results[r.name] = res
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				db, sum := seeded(t, r.seed)
				res.sum, res.digests = sum, digests(t, db)
			})
		}
	})
	if t.Failed() {
		return
	}
	a, b, c := results["first run of seed 7"], results["second run of seed 7"], results["seed 8"]
	if a.sum != b.sum {
		t.Errorf("same seed: summaries %+v and %+v differ", a.sum, b.sum)
	}
	for table, d := range a.digests {
		if b.digests[table] != d {
			t.Errorf("same seed: table %s differs between runs (digest %s, then %s)", table, d, b.digests[table])
		}
	}
	if len(a.digests) != len(b.digests) {
		t.Errorf("same seed: %d tables, then %d", len(a.digests), len(b.digests))
	}
	for _, table := range []string{"enterprises", "invoices", "invoice_lines", "accounts", "journal_entries", "postings"} {
		if a.digests[table] == "" {
			t.Errorf("no digest for table %s", table)
		}
		if a.digests[table] == c.digests[table] {
			t.Errorf("seeds 7 and 8 give the same %s", table)
		}
	}
}

func TestRunDemoContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	st := store.New(db)

	empty, err := Empty(ctx, st)
	if err != nil || !empty {
		t.Fatalf("Empty() before seeding = %v, %v, want true", empty, err)
	}
	sum, err := Run(ctx, st, "demo", 2025)
	if err != nil {
		t.Fatalf("Run(demo) error = %v", err)
	}
	if empty, err := Empty(ctx, st); err != nil || empty {
		t.Fatalf("Empty() after seeding = %v, %v, want false", empty, err)
	}
	if _, err := Run(ctx, st, "demo", 2025); model.ErrorCodeOf(err) != model.CodeConflict {
		t.Errorf("Run(demo) on a seeded database error = %v, want a %s error", err, model.CodeConflict)
	}

	within := func(what string, got, lo, hi int) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %d, want between %d and %d", what, got, lo, hi)
		}
	}
	within("Summary.Enterprises", sum.Enterprises, 450, 550)
	within("Summary.Programmes", sum.Programmes, 1, 1)
	within("Summary.Sessions", sum.Sessions, 5, 5)
	within("Summary.Invoices", sum.Invoices, 250, 350)
	within("Summary.Consultations", sum.Consultations, 6, 10)

	enterprises := checkEnterprises(t, ctx, st, sum)
	sessions := checkSessions(t, ctx, st)
	invoices := checkInvoices(t, ctx, st, sum, enterprises, sessions)
	checkLedger(t, ctx, st, sum, enterprises, sessions, invoices)
	checkConsultations(t, ctx, st, sum)
}

func checkEnterprises(t *testing.T, ctx context.Context, st *store.Store, sum Summary) map[int64]*model.Enterprise {
	conn, err := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: admin}, all)
	if err != nil {
		t.Fatalf("ListEnterprises() error = %v", err)
	}
	es := conn.Nodes()
	if len(es) != sum.Enterprises {
		t.Fatalf("%d businesses in the database, Summary says %d", len(es), sum.Enterprises)
	}
	share := func(keep func(*model.Enterprise) bool) float64 {
		n := 0
		for _, e := range es {
			if keep(e) {
				n++
			}
		}
		return float64(n) / float64(len(es))
	}
	between := func(what string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("share of %s = %.3f, want between %.2f and %.2f", what, got, lo, hi)
		}
	}

	communes, err := st.Communes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range communes {
		if share(func(e *model.Enterprise) bool { return e.CommuneCode == c.Code }) == 0 {
			t.Errorf("no business in %s (%s)", c.Name, c.Code)
		}
	}
	between("businesses in Nouméa", share(func(e *model.Enterprise) bool { return e.CommuneCode == "98818" }), 0.70, 0.85)
	sectors, err := st.Sectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sectors {
		if share(func(e *model.Enterprise) bool { return e.SectorCode == s.Code }) == 0 {
			t.Errorf("no business in sector %s", s.Code)
		}
	}
	between("services", share(func(e *model.Enterprise) bool { return e.SectorCode == "SERVICES" }), 0.34, 0.42)
	between("BTP", share(func(e *model.Enterprise) bool { return e.SectorCode == "BTP" }), 0.18, 0.24)
	between("patentés", share(func(e *model.Enterprise) bool { return e.LegalForm == model.LegalFormPatente }), 0.48, 0.62)
	between("listed in the directory", share(func(e *model.Enterprise) bool { return e.ListedInDirectory }), 0.78, 0.92)
	between("under the TGC franchise", share(func(e *model.Enterprise) bool { return e.TGCFranchise }), 0.32, 0.48)
	between("active", share(func(e *model.Enterprise) bool { return e.Status == model.EnterpriseActive }), 0.75, 0.95)
	for _, s := range model.AllEnterpriseStatuses {
		if share(func(e *model.Enterprise) bool { return e.Status == s }) == 0 {
			t.Errorf("no business with status %s", s)
		}
	}
	if share(func(e *model.Enterprise) bool { return !e.IsSmallBusiness() }) == 0 {
		t.Error("every business is a TPE, want a few larger ones")
	}
	if share(func(e *model.Enterprise) bool { return e.Status == model.EnterpriseActive && !e.IsEligible() }) == 0 {
		t.Error("every active business is eligible, want some with more than 2 employees")
	}
	if share(func(e *model.Enterprise) bool { return strings.HasSuffix(string(e.RIDET), "002") }) == 0 {
		t.Error("no second establishment (RIDET rank 002)")
	}
	between("registered before June 2025", share(func(e *model.Enterprise) bool {
		return e.RegisteredAt.Before(time.Date(2025, time.May, 31, 13, 0, 0, 0, time.UTC))
	}), 0.5, 0.9)

	first := time.Date(2025, time.April, 14, 13, 0, 0, 0, time.UTC)  // 15 April 2025, 00:00 in Nouméa
	last := time.Date(2025, time.October, 31, 13, 0, 0, 0, time.UTC) // 1 November 2025, 00:00 in Nouméa
	byID := map[int64]*model.Enterprise{}
	for _, e := range es {
		byID[e.ID] = e
		if r, err := model.ParseRIDET(string(e.RIDET)); err != nil || r != e.RIDET {
			t.Errorf("business %d: RIDET %q does not parse back: %v", e.ID, e.RIDET, err)
		}
		if e.RegisteredAt.Before(first) || !e.RegisteredAt.Before(last) {
			t.Errorf("business %d registered at %v, want between 15 April and 31 October 2025", e.ID, e.RegisteredAt)
		}
		if len(e.Keywords) < 3 || len(e.Keywords) > 6 {
			t.Errorf("business %d has %d keywords, want 3 to 6", e.ID, len(e.Keywords))
		}
		if e.Description == "" || e.ContactEmail == "" || !strings.HasPrefix(e.ContactPhone, "+687 ") ||
			e.RepresentativeName == "" || !strings.Contains(e.RepresentativeEmail, "@") {
			t.Errorf("business %d (%s) lacks contact or representative data: %+v", e.ID, e.Name, e)
		}
		if !model.ValidAPECode(e.APECode) {
			t.Errorf("business %d has APE code %q", e.ID, e.APECode)
		}
	}
	return byID
}

func checkSessions(t *testing.T, ctx context.Context, st *store.Store) []*model.Session {
	conn, err := st.ListSessions(ctx, 0, all)
	if err != nil {
		t.Fatalf("ListSessions() error = %v", err)
	}
	sessions := conn.Nodes()
	if len(sessions) != 5 {
		t.Fatalf("%d sessions, want 5", len(sessions))
	}
	nc := time.FixedZone("Pacific/Noumea", 11*3600)
	wantOpens := []string{"2025-05-05", "2025-07-31", "2025-08-21", "2025-09-12", "2025-10-04"}
	for i, s := range sessions {
		if got := s.OpensAt.In(nc).Format("2006-01-02"); got != wantOpens[i] {
			t.Errorf("session %d opens on %s, want %s", i, got, wantOpens[i])
		}
		phase2 := i > 0
		wantEnvelope := model.XPF(1_000_000_000)
		if phase2 {
			wantEnvelope = 120_000_000
		}
		if s.Envelope != wantEnvelope {
			t.Errorf("session %s envelope = %d, want %d", s.Name, s.Envelope, wantEnvelope)
		}
		if s.OnlyUnusedBeneficiaries != phase2 {
			t.Errorf("session %s OnlyUnusedBeneficiaries = %v, want %v", s.Name, s.OnlyUnusedBeneficiaries, phase2)
		}
		if phase2 && (slices.Contains(s.SectorCodes, "COMMERCE") || len(s.SectorCodes) != 5 ||
			!slices.Contains(s.ExcludedExpenseCategories, model.ExpenseHardware)) {
			t.Errorf("session %s rules = sectors %v, excluded %v", s.Name, s.SectorCodes, s.ExcludedExpenseCategories)
		}
		for _, c := range s.ExcludedExpenseCategories {
			if !c.IsValid() {
				t.Errorf("session %s excludes %q, want one of %v", s.Name, c, model.AllExpenseCategories)
			}
		}
		if s.ClosesAt == nil || (i+1 < len(sessions) && !s.ClosesAt.Before(sessions[i+1].OpensAt)) {
			t.Errorf("session %s closes at %v, want before the next one opens", s.Name, s.ClosesAt)
		}
	}
	return sessions
}

func checkInvoices(t *testing.T, ctx context.Context, st *store.Store, sum Summary,
	enterprises map[int64]*model.Enterprise, sessions []*model.Session) []*model.Invoice {
	conn, err := st.ListInvoices(ctx, model.InvoiceQuery{Viewer: admin}, all)
	if err != nil {
		t.Fatalf("ListInvoices() error = %v", err)
	}
	invoices := conn.Nodes()
	if len(invoices) != sum.Invoices {
		t.Fatalf("%d invoices in the database, Summary says %d", len(invoices), sum.Invoices)
	}
	asOf := time.Date(2025, time.November, 5, 6, 0, 0, 0, time.UTC) // 5 November 2025, 17:00 in Nouméa
	ids := make([]int64, len(invoices))
	for i, inv := range invoices {
		ids[i] = inv.ID
	}
	lines, err := st.LinesByInvoiceIDs(ctx, ids)
	if err != nil {
		t.Fatalf("LinesByInvoiceIDs() error = %v", err)
	}
	rates, err := st.TGCRates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rate := map[string]*model.TGCRate{}
	for _, r := range rates {
		rate[r.Code] = r
	}
	session := map[int64]*model.Session{}
	for _, s := range sessions {
		session[s.ID] = s
	}

	credit := map[int64]model.XPF{}
	statuses := map[model.InvoiceStatus]int{}
	for _, inv := range invoices {
		statuses[inv.Status]++
		seller, buyer := enterprises[inv.SellerID], enterprises[inv.BuyerID]
		if seller.Status != model.EnterpriseActive || buyer.Status != model.EnterpriseActive || seller.ID == buyer.ID {
			t.Errorf("invoice %s between %s (%s) and %s (%s), want two distinct active businesses",
				inv.Number, seller.Name, seller.Status, buyer.Name, buyer.Status)
		}
		ls := lines[inv.ID]
		if len(ls) == 0 || len(ls) > 5 {
			t.Errorf("invoice %s has %d lines, want 1 to 4 (5 with an offending line)", inv.Number, len(ls))
		}
		for _, l := range ls {
			if !l.ExpenseCategory.IsValid() {
				t.Errorf("invoice %s line %q has expense category %q, want one of %v", inv.Number, l.Designation,
					l.ExpenseCategory, model.AllExpenseCategories)
			}
			want := *l
			model.ComputeLine(&want, rate[l.TGCRateCode], seller.TGCFranchise)
			if want.AmountHT != l.AmountHT || want.TGCAmount != l.TGCAmount {
				t.Errorf("invoice %s line %q: HT %d, TGC %d, want %d, %d", inv.Number, l.Designation,
					l.AmountHT, l.TGCAmount, want.AmountHT, want.TGCAmount)
			}
		}
		if got := model.Totals(ls); got.HT != inv.TotalHT || got.TGC != inv.TotalTGC || got.TTC != inv.TotalTTC {
			t.Errorf("invoice %s totals HT %d TGC %d TTC %d, lines add up to %d %d %d", inv.Number,
				inv.TotalHT, inv.TotalTGC, inv.TotalTTC, got.HT, got.TGC, got.TTC)
		}
		if seller.TGCFranchise && inv.TotalTGC != 0 {
			t.Errorf("invoice %s charges %d TGC, but its seller is under the franchise", inv.Number, inv.TotalTGC)
		}
		if inv.TGCNotApplicable != seller.TGCFranchise {
			t.Errorf("invoice %s TGCNotApplicable = %v, its seller's franchise = %v", inv.Number, inv.TGCNotApplicable, seller.TGCFranchise)
		}
		if (inv.Status == model.InvoiceRejected) != (inv.RejectionReason != nil) {
			t.Errorf("invoice %s status %s has rejection reason %v", inv.Number, inv.Status, inv.RejectionReason)
		}
		controlled := inv.Status == model.InvoiceRejected || inv.Status == model.InvoiceReturned
		if controlled != (inv.ControlNote != "") {
			t.Errorf("invoice %s status %s has control note %q", inv.Number, inv.Status, inv.ControlNote)
		}
		if inv.Status == model.InvoiceIssued {
			if inv.SessionID != nil || inv.CreditAmount != 0 || inv.ConfirmedAt != nil {
				t.Errorf("issued invoice %s has session %v, credit %d and confirmation %v, want none", inv.Number,
					inv.SessionID, inv.CreditAmount, inv.ConfirmedAt)
			}
		} else {
			if inv.ConfirmedAt == nil || inv.ConfirmedAt.Before(inv.IssuedAt) || inv.UpdatedAt.Before(*inv.ConfirmedAt) {
				t.Errorf("invoice %s issued at %v, confirmed at %v, updated at %v, want in that order", inv.Number,
					inv.IssuedAt, inv.ConfirmedAt, inv.UpdatedAt)
			}
			s := session[derefOr(inv.SessionID)]
			if s == nil || inv.IssuedAt.Before(s.OpensAt) || !inv.IssuedAt.Before(*s.ClosesAt) {
				t.Errorf("invoice %s issued at %v has session %v, want the session open then", inv.Number, inv.IssuedAt, inv.SessionID)
			} else if s.OnlyUnusedBeneficiaries && !slices.Contains(s.SectorCodes, seller.SectorCode) &&
				(inv.RejectionReason == nil || *inv.RejectionReason != model.RejectSectorNotAllowed) {
				t.Errorf("invoice %s: seller sector %s is not allowed in %s", inv.Number, seller.SectorCode, s.Name)
			}
			if inv.CreditAmount <= 0 || inv.CreditAmount > min(model.DefaultAllocation, inv.TotalTTC) {
				t.Errorf("invoice %s credit %d, want 1 to min(250000, %d)", inv.Number, inv.CreditAmount, inv.TotalTTC)
			}
			if !buyer.IsEligible() {
				t.Errorf("invoice %s: buyer %s asks for credit but is not eligible", inv.Number, buyer.Name)
			}
		}
		if inv.UpdatedAt.Before(inv.IssuedAt) || inv.UpdatedAt.After(asOf) {
			t.Errorf("invoice %s updated at %v, want between its issue at %v and the demo's now %v", inv.Number,
				inv.UpdatedAt, inv.IssuedAt, asOf)
		}
		if !controlled {
			credit[inv.BuyerID] += inv.CreditAmount
		}
	}
	for buyer, c := range credit {
		if c > model.DefaultAllocation {
			t.Errorf("buyer %d holds %d XPF of credit on invoices not released, over the 250,000 allocation", buyer, c)
		}
	}
	for _, s := range model.AllInvoiceStatuses {
		if statuses[s] == 0 {
			t.Errorf("no invoice with status %s", s)
		}
	}
	if statuses[model.InvoicePaid]*2 < len(invoices) {
		t.Errorf("%d of %d invoices paid, want most", statuses[model.InvoicePaid], len(invoices))
	}
	return invoices
}

// checkLedger checks the CréditSud ledger of the seeded data: its invariants hold, each session's budget is its
// envelope (phase 1 with its top-up) split as the invoices say, and each business's credit is its allocation
// (when eligible) split as its invoices as a buyer say.
func checkLedger(t *testing.T, ctx context.Context, st *store.Store, sum Summary, enterprises map[int64]*model.Enterprise,
	sessions []*model.Session, invoices []*model.Invoice) {
	violations, err := st.CheckLedger(ctx)
	if err != nil {
		t.Fatalf("CheckLedger() error = %v", err)
	}
	for _, v := range violations {
		t.Errorf("ledger invariant %q broken: %s", v.Invariant, v.Detail)
	}

	type split struct{ reserved, payable, paid model.XPF }
	bySession := map[int64]*split{}
	byBuyer := map[int64]*split{}
	for _, inv := range invoices {
		if inv.SessionID == nil {
			continue
		}
		s, b := bySession[*inv.SessionID], byBuyer[inv.BuyerID]
		if s == nil {
			s = &split{}
			bySession[*inv.SessionID] = s
		}
		if b == nil {
			b = &split{}
			byBuyer[inv.BuyerID] = b
		}
		switch inv.Status {
		case model.InvoiceConfirmed:
			s.reserved += inv.CreditAmount
			b.reserved += inv.CreditAmount
		case model.InvoiceApproved:
			s.payable += inv.CreditAmount
			b.payable += inv.CreditAmount
		case model.InvoicePaid:
			s.paid += inv.CreditAmount
			b.paid += inv.CreditAmount
		}
	}

	ids := make([]int64, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	budgets, err := st.SessionBudgets(ctx, ids)
	if err != nil {
		t.Fatalf("SessionBudgets() error = %v", err)
	}
	for i, s := range sessions {
		want := s.Envelope
		if i == 0 {
			want += 200_000_000 // phase 1's top-up
		}
		got, sp := budgets[s.ID], bySession[s.ID]
		if sp == nil {
			sp = &split{}
		}
		if got == nil || got.Total != want || got.Reserved != sp.reserved || got.Payable != sp.payable ||
			got.Paid != sp.paid || got.Remaining != want-sp.reserved-sp.payable-sp.paid {
			t.Errorf("session %s budget = %+v, want total %d, reserved %d, payable %d, paid %d", s.Name, got, want,
				sp.reserved, sp.payable, sp.paid)
		}
	}

	keys := make([]store.CreditKey, 0, len(enterprises))
	for id := range enterprises {
		keys = append(keys, store.CreditKey{EnterpriseID: id})
	}
	credits, err := st.Credits(ctx, keys)
	if err != nil {
		t.Fatalf("Credits() error = %v", err)
	}
	granted := 0
	for id, e := range enterprises {
		c := credits[store.CreditKey{EnterpriseID: id}]
		if c == nil {
			c = &model.Credit{}
		}
		if !e.IsEligible() {
			if c.Allocated != 0 {
				t.Errorf("business %s (not eligible: %v) has %d XPF of CréditSud", e.Name, e.Eligibility().Reasons, c.Allocated)
			}
			continue
		}
		granted++
		sp := byBuyer[id]
		if sp == nil {
			sp = &split{}
		}
		if c.Allocated != model.DefaultAllocation || c.Remaining < 0 || c.Reserved != sp.reserved ||
			c.Used != sp.payable+sp.paid {
			t.Errorf("business %s credit = %+v, want allocated %d, reserved %d, used %d, remaining ≥ 0", e.Name, c,
				model.DefaultAllocation, sp.reserved, sp.payable+sp.paid)
		}
	}
	if granted != sum.Allocations {
		t.Errorf("%d eligible businesses, Summary says %d allocations", granted, sum.Allocations)
	}
}

func derefOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func checkConsultations(t *testing.T, ctx context.Context, st *store.Store, sum Summary) {
	conn, err := st.ListConsultations(ctx, model.ConsultationQuery{Viewer: admin}, all)
	if err != nil {
		t.Fatalf("ListConsultations() error = %v", err)
	}
	cs := conn.Nodes()
	if len(cs) != sum.Consultations {
		t.Fatalf("%d consultations in the database, Summary says %d", len(cs), sum.Consultations)
	}
	statuses := map[model.ConsultationStatus]int{}
	openLate := false
	for _, c := range cs {
		statuses[c.Status]++
		if c.Status == model.ConsultationPublished && c.OfferDeadline.Year() >= 2027 {
			openLate = true
		}
		if (c.Status == model.ConsultationDraft) != (c.PublishedAt == nil) {
			t.Errorf("consultation %s status %s has published_at %v", c.Reference, c.Status, c.PublishedAt)
		}
		if c.EstimatedAmountHT <= 0 || c.EstimatedAmountHT >= model.ConsultationThresholdHT {
			t.Errorf("consultation %s estimated at %d, want under %d", c.Reference, c.EstimatedAmountHT, model.ConsultationThresholdHT)
		}
		weights := 0
		for _, cr := range c.Criteria {
			weights += cr.Weight
		}
		if weights != 100 {
			t.Errorf("consultation %s criteria weigh %d in all, want 100", c.Reference, weights)
		}
		if len(c.Documents) == 0 || !strings.HasPrefix(c.Documents[0].URL, "https://") {
			t.Errorf("consultation %s documents = %v", c.Reference, c.Documents)
		}
	}
	// The store shows a published consultation past its offer deadline as CLOSED.
	for _, s := range []model.ConsultationStatus{model.ConsultationDraft, model.ConsultationAwarded,
		model.ConsultationCancelled, model.ConsultationClosed} {
		if statuses[s] == 0 {
			t.Errorf("no consultation with status %s (got %v)", s, statuses)
		}
	}
	if !openLate {
		t.Errorf("no published consultation with an offer deadline in 2027 or later (got %v)", statuses)
	}
}

func TestRunUnknownProfile(t *testing.T) {
	_, err := Run(context.Background(), nil, "nope", 1)
	if model.ErrorCodeOf(err) != model.CodeInvalid || !strings.Contains(err.Error(), "demo") {
		t.Errorf(`Run("nope") error = %v, want an INVALID error listing the known profiles`, err)
	}
}

func TestQuotas(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		n       int
		want    []int
	}{
		{"exact shares", []int{780, 60, 50, 44, 14, 10, 8, 6, 6, 6, 4, 4, 4, 4}, 500,
			[]int{390, 30, 25, 22, 7, 5, 4, 3, 3, 3, 2, 2, 2, 2}},
		{"largest remainders", []int{1, 1, 1}, 4, []int{2, 1, 1}},
		{"every part gets one", []int{1000, 1}, 10, []int{9, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quotas(tt.weights, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("quotas(%v, %d) = %v, want %v", tt.weights, tt.n, got, tt.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, sep, want string }{
		{"Électricité Kanak Services", "", "electricitekanak"},
		{"Plomberie du Mont-Dore", "-", "plomberie-du-mont"},
		{"L'Île-des-Pins", ".", "l.ile.des.pins"},
	}
	for _, tt := range tests {
		if got := slug(tt.in, tt.sep, 20); got != tt.want {
			t.Errorf("slug(%q, %q, 20) = %q, want %q", tt.in, tt.sep, got, tt.want)
		}
	}
}
