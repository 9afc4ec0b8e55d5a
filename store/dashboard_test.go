package store_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/model"
)

// dashboardWorld is a small hand-built world whose every dashboard figure is computed by hand in the tests.
//
// Programme 1 (allocation 250,000), session "Phase 1" of 1,000,000 XPF topped up by 200,000 (engaged 1,200,000).
// Businesses, all registered on 5 May 2025:
//
//	A  BTP        Nouméa    SARL, 1 employee    TPE, eligible
//	B  Commerce   Dumbéa    SARL, 1 employee    TPE, eligible
//	C  Services   Païta     patenté, 2          TPE, eligible
//	D  Numérique  Nouméa    SARL, 12            not TPE, not eligible
//	E  BTP        Nouméa    PENDING             not eligible
//	F  Agriculture Bourail  patenté, 0          TPE, eligible, never buys
//
// Invoices of programme 1, each 100,000 XPF TTC (seller → buyer, status, CréditSud):
//
//	#1 D → A  PAID       100,000   spent 100,000
//	#2 B → C  APPROVED    50,000   spent  50,000
//	#3 A → B  CONFIRMED   30,000   spent  30,000
//	#4 C → A  REJECTED    40,000   released (SERVICE_NOT_PERFORMED)
//	#5 A → C  RETURNED    20,000   released
//	#6 B → A  ISSUED           —
//
// Programme 2 (granted after all that, so A, B, C, F and G hold credit in it): one session of 60,000 XPF, and G
// (BTP, Nouméa, 1 employee) spends all of it on an invoice from A: the envelope is exhausted.
type dashboardWorld struct {
	f1, f2                 *ledgerFixture
	a, b, c, d, e, f, g    *model.Enterprise
	paid, approved         int64
	confirmed, rejected    int64
	returned, issued, last int64
}

func newDashboardWorld(t *testing.T) *dashboardWorld {
	t.Helper()
	st := newStore(t)
	w := &dashboardWorld{}
	w.f1 = newFixture(t, st, fixtureOptions{envelope: 1_000_000})
	must(t)(st.TopUpSession(context.Background(), as(admin), w.f1.session.ID, 200_000))
	es := w.f1.addBusinesses(6, func(i int, e *model.Enterprise) {
		switch i {
		case 1:
			e.SectorCode, e.CommuneCode = "COMMERCE", "98805"
		case 2:
			e.SectorCode, e.CommuneCode, e.LegalForm, e.Headcount = "SERVICES", "98821", model.LegalFormPatente, 2
		case 3:
			e.SectorCode, e.Headcount = "NUMERIQUE", 12
		case 4:
			e.Status = model.EnterprisePending
		case 5:
			e.SectorCode, e.CommuneCode, e.LegalForm, e.Headcount = "AGRICULTURE_PECHE", "98803", model.LegalFormPatente, 0
		}
	})
	w.a, w.b, w.c, w.d, w.e, w.f = es[0], es[1], es[2], es[3], es[4], es[5]
	if got := w.f1.grant().Count; got != 4 {
		t.Fatalf("granted %d allocations, want 4 (A, B, C, F)", got)
	}
	w.paid = w.f1.invoiceIn(model.InvoicePaid, w.d, w.a, 100_000)
	w.approved = w.f1.invoiceIn(model.InvoiceApproved, w.b, w.c, 50_000)
	w.confirmed = w.f1.invoiceIn(model.InvoiceConfirmed, w.a, w.b, 30_000)
	w.rejected = w.f1.invoiceIn(model.InvoiceRejected, w.c, w.a, 40_000)
	w.returned = w.f1.invoiceIn(model.InvoiceReturned, w.a, w.c, 20_000)
	w.issued = w.f1.invoiceIn(model.InvoiceIssued, w.b, w.a, 0)

	w.f2 = w.f1.another(t, fixtureOptions{envelope: 60_000})
	w.g = w.f2.addBusinesses(1, nil)[0]
	if got := w.f2.grant().Count; got != 5 {
		t.Fatalf("granted %d allocations in programme 2, want 5 (A, B, C, F, G)", got)
	}
	w.last = w.f2.invoiceIn(model.InvoiceConfirmed, w.a, w.g, 60_000)
	return w
}

func scopeOf(f *ledgerFixture) model.DashboardScope {
	return model.DashboardScope{ProgrammeID: f.programme.ID}
}

func TestDashboardBusinessesByHand(t *testing.T) {
	w := newDashboardWorld(t)
	st, ctx := w.f1.st, context.Background()
	yesterday := startOfYesterday()
	before, err := model.NewDashboardScope(0, 0, nil, &yesterday)
	if err != nil {
		t.Fatal(err)
	}
	type counts struct{ Registered, Eligible, Supported, ProjectsFunded, NotUsedYet int }
	tests := []struct {
		name  string
		scope model.DashboardScope
		want  counts
	}{
		// Supported: A, B, C, F (programme 1) and G (programme 2); used: A (#1), C (#2), B (#3), G; not used: F.
		{"all programmes", model.DashboardScope{}, counts{7, 5, 5, 4, 1}},
		{"programme 1", scopeOf(w.f1), counts{7, 5, 4, 3, 1}},
		{"programme 2", scopeOf(w.f2), counts{7, 5, 5, 1, 4}},
		{"session of programme 2", model.DashboardScope{ProgrammeID: w.f2.programme.ID, SessionID: w.f2.session.ID}, counts{7, 5, 5, 1, 4}},
		// Registered on 5 May 2025; allocations and purchases were recorded today.
		{"until yesterday", before, counts{7, 5, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := st.DashboardBusinesses(ctx, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			got := counts{b.Registered.Count, b.Eligible.Count, b.Supported.Count, b.ProjectsFunded.Count, b.NotUsedYet.Count}
			if diff := differs(tt.want, got); diff != "" {
				t.Errorf("DashboardBusinesses(%s) = %s", tt.name, diff)
			}
			// Each count's drill-down lists exactly the businesses counted.
			keys := []string{model.BusinessesRegistered, model.BusinessesEligible, model.BusinessesSupported, model.BusinessesProjectsFunded, model.BusinessesNotUsedYet}
			conns, err := st.DashboardEnterprises(ctx, tt.scope, keys, model.Page{Limit: 100}, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range []int{got.Registered, got.Eligible, got.Supported, got.ProjectsFunded, got.NotUsedYet} {
				n, err := conns[keys[i]].TotalCount(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n != want || len(conns[keys[i]].Edges) != want {
					t.Errorf("drill-down %s: totalCount %d, %d rows, want %d", keys[i], n, len(conns[keys[i]].Edges), want)
				}
			}
		})
	}
	t.Run("not used yet in programme 1 is F", func(t *testing.T) {
		conns, err := st.DashboardEnterprises(ctx, scopeOf(w.f1), []string{model.BusinessesNotUsedYet}, model.Page{Limit: 10}, false)
		if err != nil {
			t.Fatal(err)
		}
		if nodes := conns[model.BusinessesNotUsedYet].Nodes(); len(nodes) != 1 || nodes[0].ID != w.f.ID {
			t.Errorf("not used yet = %v, want F (%d)", idsOf(nodes), w.f.ID)
		}
	})
}

func TestDashboardBudgetByHand(t *testing.T) {
	w := newDashboardWorld(t)
	st, ctx := w.f1.st, context.Background()
	budget, err := st.DashboardBudget(ctx, model.DashboardScope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(budget) != 2 || budget[0].ProgrammeID != w.f2.programme.ID || budget[1].ProgrammeID != w.f1.programme.ID {
		t.Fatalf("budget has %d programmes, want programme 2 then programme 1", len(budget))
	}
	p1, p2 := budget[1], budget[0]
	want1 := model.EnvelopeFigures{Engaged: 1_200_000, Reserved: 30_000, Payable: 50_000, Paid: 100_000, Remaining: 1_020_000}
	if diff := differs(want1, p1.EnvelopeFigures); diff != "" {
		t.Errorf("programme 1 = %s", diff)
	}
	if len(p1.Sessions) != 1 || p1.Sessions[0].EnvelopeFigures != want1 || p1.Sessions[0].ExhaustedAt != nil {
		t.Errorf("programme 1's session = %+v, want %+v, never exhausted", p1.Sessions[0], want1)
	}
	if p1.Spent() != 180_000 {
		t.Errorf("programme 1 spent %d, want 180,000", p1.Spent())
	}
	want2 := model.EnvelopeFigures{Engaged: 60_000, Reserved: 60_000, Remaining: 0}
	s2 := p2.Sessions[0]
	if diff := differs(want2, s2.EnvelopeFigures); diff != "" {
		t.Errorf("programme 2's session = %s", diff)
	}
	// The fixture's session opened an hour before it was created; G's confirmation exhausted it a moment later.
	if secs := s2.SecondsToExhaustion(); secs == nil || *secs < 3600 || *secs > 3600+300 {
		t.Errorf("seconds to exhaustion = %v, want about 3600", secs)
	}
	// The drill-down lists every entry on the session's accounts: funding, top-up, five reservations, two
	// approvals, one payment and two releases.
	conns, err := st.DashboardEntries(ctx, model.DashboardScope{}, model.DrillSessionEntries, []string{p1.Drill.Key}, model.Page{Limit: 100}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := conns[p1.Drill.Key].TotalCount(ctx); n != 12 {
		t.Errorf("programme 1 has %d entries on its session's accounts, want 12", n)
	}
	conns, err = st.DashboardEntries(ctx, model.DashboardScope{}, model.DrillSessionEntries, []string{s2.Drill.Key}, model.Page{Limit: 100}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := conns[s2.Drill.Key].TotalCount(ctx); n != 2 {
		t.Errorf("programme 2's session has %d entries, want 2 (funding, reservation)", n)
	}
}

func TestDashboardSpentByHand(t *testing.T) {
	w := newDashboardWorld(t)
	st, ctx := w.f1.st, context.Background()
	sc := scopeOf(w.f1)
	spent, err := st.DashboardSpent(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Amount model.XPF
		Count  int
	}
	sectors := func(rows []*model.DashboardAmount) map[string]row {
		out := map[string]row{}
		for _, r := range rows {
			if r.Amount != 0 || r.InvoiceCount != 0 {
				out[r.Code] = row{r.Amount, r.InvoiceCount}
			}
		}
		return out
	}
	communes := func(rows []*model.DashboardAmount) map[string]row {
		out := map[string]row{}
		for _, r := range rows {
			if r.Amount != 0 || r.InvoiceCount != 0 {
				out[r.Code] = row{r.Amount, r.InvoiceCount}
			}
		}
		return out
	}
	if len(spent.BySellerSector) != 9 || len(spent.ByBuyerCommune) != 14 {
		t.Errorf("%d sector rows and %d commune rows, want 9 and 14", len(spent.BySellerSector), len(spent.ByBuyerCommune))
	}
	for _, tt := range []struct {
		name string
		got  map[string]row
		want map[string]row
	}{
		{"seller's sector", sectors(spent.BySellerSector), map[string]row{"NUMERIQUE": {100_000, 1}, "COMMERCE": {50_000, 1}, "BTP": {30_000, 1}}},
		{"buyer's sector", sectors(spent.ByBuyerSector), map[string]row{"BTP": {100_000, 1}, "SERVICES": {50_000, 1}, "COMMERCE": {30_000, 1}}},
		{"seller's commune", communes(spent.BySellerCommune), map[string]row{"98818": {130_000, 2}, "98805": {50_000, 1}}},
		{"buyer's commune", communes(spent.ByBuyerCommune), map[string]row{"98818": {100_000, 1}, "98821": {50_000, 1}, "98805": {30_000, 1}}},
	} {
		if diff := differs(tt.want, tt.got); diff != "" {
			t.Errorf("CréditSud spent by %s = %s", tt.name, diff)
		}
	}
	small := spent.SmallBusiness
	if small.SmallBusinessAmount != 80_000 || small.Total != 180_000 || small.InvoiceCount != 2 {
		t.Errorf("small-business share = %d / %d over %d invoices, want 80,000 / 180,000 over 2", small.SmallBusinessAmount, small.Total, small.InvoiceCount)
	}
	if p := small.Percent(); p == nil || math.Abs(*p-44.444444) > 1e-4 {
		t.Errorf("percent = %v, want 44.44…", p)
	}

	// Every figure's drill-down: its totalCount is the figure's invoice count and its invoices' CréditSud sum
	// to the figure's amount (none of these invoices was released, so their creditAmount is what they spent).
	drills := map[model.DrillSet]map[string]row{}
	add := func(set model.DrillSet, key string, r row) {
		if drills[set] == nil {
			drills[set] = map[string]row{}
		}
		drills[set][key] = r
	}
	for i := range spent.BySellerSector {
		add(model.DrillSpentBySellerSector, spent.BySellerSector[i].Code, row{spent.BySellerSector[i].Amount, spent.BySellerSector[i].InvoiceCount})
		add(model.DrillSpentByBuyerSector, spent.ByBuyerSector[i].Code, row{spent.ByBuyerSector[i].Amount, spent.ByBuyerSector[i].InvoiceCount})
	}
	for i := range spent.BySellerCommune {
		add(model.DrillSpentBySellerCommune, spent.BySellerCommune[i].Code, row{spent.BySellerCommune[i].Amount, spent.BySellerCommune[i].InvoiceCount})
		add(model.DrillSpentByBuyerCommune, spent.ByBuyerCommune[i].Code, row{spent.ByBuyerCommune[i].Amount, spent.ByBuyerCommune[i].InvoiceCount})
	}
	add(model.DrillSpentSmallBusiness, "SMALL", row{small.SmallBusinessAmount, small.InvoiceCount})
	for set, figures := range drills {
		var keys []string
		for k := range figures {
			keys = append(keys, k)
		}
		conns, err := st.DashboardInvoiceRecords(ctx, sc, set, keys, model.Page{Limit: 100}, true)
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range figures {
			got := row{Count: len(conns[key].Edges)}
			for _, inv := range conns[key].Nodes() {
				got.Amount += inv.CreditAmount
			}
			if n, _ := conns[key].TotalCount(ctx); n != want.Count || got != want {
				t.Errorf("drill-down %s %s: %d invoices (totalCount %d) of %d XPF, want %d of %d", set, key, got.Count, n, got.Amount, want.Count, want.Amount)
			}
		}
	}
}

func TestDashboardInvoicesByHand(t *testing.T) {
	w := newDashboardWorld(t)
	st, ctx := w.f1.st, context.Background()
	inv, err := st.DashboardInvoices(ctx, model.DashboardScope{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[model.InvoiceStatus][2]int64{}
	for _, s := range inv.ByStatus {
		got[s.Status] = [2]int64{int64(s.Count), int64(s.TotalTTC)}
	}
	want := map[model.InvoiceStatus][2]int64{
		model.InvoiceIssued: {1, 100_000}, model.InvoiceConfirmed: {2, 200_000}, model.InvoiceApproved: {1, 100_000},
		model.InvoicePaid: {1, 100_000}, model.InvoiceReturned: {1, 100_000}, model.InvoiceRejected: {1, 100_000},
	}
	if diff := differs(want, got); diff != "" {
		t.Errorf("invoices by status = %s", diff)
	}
	if inv.Rejected.Count != 1 || inv.Rejected.TotalTTC != 100_000 || len(inv.Rejected.ByReason) != len(model.AllRejectionReasons) {
		t.Errorf("rejected = %d, %d XPF, %d reasons; want 1, 100,000, every reason", inv.Rejected.Count, inv.Rejected.TotalTTC, len(inv.Rejected.ByReason))
	}
	for _, r := range inv.Rejected.ByReason {
		wantCount := 0
		if r.Reason == model.RejectServiceNotPerformed {
			wantCount = 1
		}
		if r.Count != wantCount {
			t.Errorf("rejected for %s: %d, want %d", r.Reason, r.Count, wantCount)
		}
	}
	// Programme 1 only: the ISSUED invoice is attached to no session yet, and G's invoice is programme 2's.
	p1, err := st.DashboardInvoices(ctx, scopeOf(w.f1))
	if err != nil {
		t.Fatal(err)
	}
	got = map[model.InvoiceStatus][2]int64{}
	for _, s := range p1.ByStatus {
		got[s.Status] = [2]int64{int64(s.Count), int64(s.TotalTTC)}
	}
	want = map[model.InvoiceStatus][2]int64{
		model.InvoiceIssued: {0, 0}, model.InvoiceConfirmed: {1, 100_000}, model.InvoiceApproved: {1, 100_000},
		model.InvoicePaid: {1, 100_000}, model.InvoiceReturned: {1, 100_000}, model.InvoiceRejected: {1, 100_000},
	}
	if diff := differs(want, got); diff != "" {
		t.Errorf("programme 1's invoices by status = %s", diff)
	}
	conns, err := st.DashboardInvoiceRecords(ctx, model.DashboardScope{}, model.DrillRejected, []string{"", string(model.RejectServiceNotPerformed), string(model.RejectDuplicate)}, model.Page{Limit: 10}, true)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]int64{"": {w.rejected}, string(model.RejectServiceNotPerformed): {w.rejected}, string(model.RejectDuplicate): nil} {
		if got := invoiceIDs(conns[key].Nodes()); !reflect.DeepEqual(got, want) {
			t.Errorf("rejected invoices %q = %v, want %v", key, got, want)
		}
	}
	conns, err = st.DashboardInvoiceRecords(ctx, model.DashboardScope{}, model.DrillInvoiceStatus, []string{"CONFIRMED"}, model.Page{Limit: 10}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := invoiceIDs(conns["CONFIRMED"].Nodes()), []int64{w.last, w.confirmed}; !reflect.DeepEqual(got, want) {
		t.Errorf("CONFIRMED invoices = %v, want %v (latest first)", got, want)
	}

	done, err := st.DashboardBusinessDone(ctx, scopeOf(w.f1))
	if err != nil {
		t.Fatal(err)
	}
	if done.InvoiceCount != 3 || done.Total() != 300_000 || done.CreditSud != 180_000 || done.OutsideCreditSud() != 120_000 {
		t.Errorf("business done = %d invoices, %d XPF, %d CréditSud, %d outside; want 3, 300,000, 180,000, 120,000",
			done.InvoiceCount, done.Total(), done.CreditSud, done.OutsideCreditSud())
	}
	conns, err = st.DashboardInvoiceRecords(ctx, scopeOf(w.f1), model.DrillBusinessDone, []string{""}, model.Page{Limit: 10}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := invoiceIDs(conns[""].Nodes()), []int64{w.confirmed, w.approved, w.paid}; !reflect.DeepEqual(got, want) {
		t.Errorf("business done invoices = %v, want %v", got, want)
	}
}

func TestDashboardDailyByHand(t *testing.T) {
	w := newDashboardWorld(t)
	st, ctx := w.f1.st, context.Background()
	days, err := st.DashboardDaily(ctx, scopeOf(w.f1))
	if err != nil {
		t.Fatal(err)
	}
	// Everything happened today (unless the test straddles midnight in Nouméa).
	var got model.DashboardDay
	for _, d := range days {
		got.Confirmations += d.Confirmations
		got.ConfirmedAmount += d.ConfirmedAmount
		got.ReleasedAmount += d.ReleasedAmount
		got.PaidAmount += d.PaidAmount
	}
	if got.Confirmations != 5 || got.ConfirmedAmount != 240_000 || got.ReleasedAmount != 60_000 || got.PaidAmount != 100_000 {
		t.Errorf("daily totals = %d confirmations, %d confirmed, %d released, %d paid; want 5, 240,000, 60,000, 100,000",
			got.Confirmations, got.ConfirmedAmount, got.ReleasedAmount, got.PaidAmount)
	}
	var keys []string
	for _, d := range days {
		keys = append(keys, d.Drill.Key)
	}
	conns, err := st.DashboardEntries(ctx, scopeOf(w.f1), model.DrillDayEntries, keys, model.Page{Limit: 100}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		if n, _ := conns[d.Drill.Key].TotalCount(ctx); n != d.Confirmations {
			t.Errorf("day %s: %d entries behind %d confirmations", d.Drill.Key, n, d.Confirmations)
		}
	}
	// A window that ended yesterday has no movement at all.
	yesterday := startOfYesterday()
	sc, err := model.NewDashboardScope(w.f1.programme.ID, 0, nil, &yesterday)
	if err != nil {
		t.Fatal(err)
	}
	if days, err := st.DashboardDaily(ctx, sc); err != nil || len(days) != 0 {
		t.Errorf("days until yesterday = %d (%v), want none", len(days), err)
	}
}

func TestDashboardLedgerCheck(t *testing.T) {
	w := newDashboardWorld(t)
	checkLedger(t, w.f1.st)
	// A balance that drifts from its postings (a counter moved outside the ledger) breaks invariant 4 and the
	// dashboard's agreement with the balances, invariant 7.
	exec(t, w.f1.st, "UPDATE accounts SET balance = balance + 1000 WHERE kind = 'SESSION_PAID' AND session_id = ?", w.f1.session.ID)
	violations, err := w.f1.st.CheckLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, v := range violations {
		found = found || strings.HasPrefix(v.Invariant, "7.") && strings.Contains(v.Detail, "paid")
	}
	if !found {
		t.Errorf("CheckLedger() = %v, want a violation of invariant 7 on the session's paid amount", violations)
	}
}

func invoiceIDs(invs []*model.Invoice) []int64 {
	var out []int64
	for _, i := range invs {
		out = append(out, i.ID)
	}
	return out
}

// differs describes how got differs from want, "" when they are equal.
func differs(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("%+v, want %+v", got, want)
}

// startOfYesterday is 00:00 yesterday in Nouméa, a Date argument.
func startOfYesterday() time.Time {
	y := time.Now().In(model.Noumea).AddDate(0, 0, -1)
	return time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, model.Noumea)
}

// The SQL twin of model.Enterprise.IsSmallBusiness, which the dashboard's queries and its rollup's triggers use,
// says what the model says for every legal form and the headcounts around the threshold.
func TestSmallBusinessSQL(t *testing.T) {
	db := dbtest.New(t)
	for _, form := range model.AllLegalForms {
		for _, headcount := range []int{0, 1, model.SmallBusinessMaxHeadcount, model.SmallBusinessMaxHeadcount + 1, 250} {
			e := model.Enterprise{LegalForm: form, Headcount: headcount}
			var small bool
			if err := db.NewRaw("SELECT sudpro_small_business(?, ?)", string(form), headcount).Scan(context.Background(), &small); err != nil {
				t.Fatal(err)
			}
			if small != e.IsSmallBusiness() {
				t.Errorf("%s with %d employees: SQL says small = %v, the model %v", form, headcount, small, e.IsSmallBusiness())
			}
		}
	}
}
