package seed

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// sudmagScaled is the sudmag-2025 generator's figures scaled down ten times: cheap enough for every test run.
var sudmagScaled = sudmagFigures{
	registered: 941, supported: 855, funded: 523,
	phase1Spent: 120_000_000, commerce: 71_500_000, notSmall: 3_600_000, // 97.0 %
	rejected: 29, rejectedTTC: 2_560_000,
	returned: 12, issued: 15,
}

// sudmagDashboard reads the dashboard's figures over everything, as an unscoped `dashboard` query does.
type sudmagDashboard struct {
	businesses *model.DashboardBusinesses
	budget     []*model.DashboardProgrammeBudget
	spent      *model.DashboardSpent
	invoices   *model.DashboardInvoices
}

func readSudmagDashboard(t *testing.T, st *store.Store) sudmagDashboard {
	t.Helper()
	ctx := context.Background()
	var d sudmagDashboard
	var err error
	var sc model.DashboardScope
	if d.businesses, err = st.DashboardBusinesses(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if d.budget, err = st.DashboardBudget(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if d.spent, err = st.DashboardSpent(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if d.invoices, err = st.DashboardInvoices(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if violations, err := st.CheckLedger(ctx); err != nil || len(violations) > 0 {
		t.Fatalf("ledger check: %v %v", violations, err)
	}
	return d
}

func (d sudmagDashboard) commerce() model.XPF {
	for _, a := range d.spent.BySellerSector {
		if a.Code == sectorCommerce {
			return a.Amount
		}
	}
	return -1
}

func (d sudmagDashboard) percent() float64 {
	p := d.spent.SmallBusiness.Percent()
	if p == nil {
		return -1
	}
	return *p
}

// The generator shows exactly the figures it is given, on a run ten times smaller than the published one.
func TestSudmagGeneratorFigures(t *testing.T) {
	st := store.New(dbtest.New(t))
	ctx := context.Background()
	start := time.Now()
	if _, err := generateSudmag(ctx, st, 7, sudmagScaled); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %+v in %v", sudmagScaled, time.Since(start).Round(time.Millisecond))
	d := readSudmagDashboard(t, st)
	f := sudmagScaled
	checks := []struct {
		name      string
		got, want int64
	}{
		{"registered", int64(d.businesses.Registered.Count), int64(f.registered)},
		{"supported", int64(d.businesses.Supported.Count), int64(f.supported)},
		{"projects funded", int64(d.businesses.ProjectsFunded.Count), int64(f.funded)},
		{"not used yet", int64(d.businesses.NotUsedYet.Count), int64(f.supported - f.funded)},
		{"phase 1 spent", int64(d.budget[0].Sessions[0].Spent()), int64(f.phase1Spent)},
		{"spent with sellers in commerce", int64(d.commerce()), int64(f.commerce)},
		{"spent between small businesses", int64(d.spent.SmallBusiness.SmallBusinessAmount), int64(f.phase1Spent - f.notSmall)},
		{"rejected invoices", int64(d.invoices.Rejected.Count), int64(f.rejected)},
		{"rejected TTC", int64(d.invoices.Rejected.TotalTTC), int64(f.rejectedTTC)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if got := math.Round(d.percent()); got != 97 {
		t.Errorf("small-business share = %.3f %%, want 97 %% rounded", d.percent())
	}
}

// The sudmag-2025 profile's dashboard shows each figure SUD'MAG #26 published. It seeds 9,413 businesses and
// about 6,500 invoices through the ledger: set SUDPRO_SLOW_TESTS=1 to run it (TestSudmagGeneratorFigures proves
// the same generator on a smaller run).
func TestSudmag2025PublishedFigures(t *testing.T) {
	if os.Getenv("SUDPRO_SLOW_TESTS") == "" {
		t.Skip("set SUDPRO_SLOW_TESTS=1 to seed the whole sudmag-2025 profile")
	}
	st := store.New(dbtest.New(t))
	start := time.Now()
	sum, err := Run(context.Background(), st, "sudmag-2025", 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded sudmag-2025 in %v: %+v", time.Since(start).Round(time.Millisecond), sum)
	d := readSudmagDashboard(t, st)
	b := d.businesses
	if b.Registered.Count != 9_413 {
		t.Errorf("registered = %d, want 9,413", b.Registered.Count)
	}
	if b.Supported.Count != 8_546 {
		t.Errorf("supported = %d, want 8,546", b.Supported.Count)
	}
	if b.ProjectsFunded.Count != 5_229 {
		t.Errorf("projects funded = %d, want 5,229", b.ProjectsFunded.Count)
	}
	if b.NotUsedYet.Count != 3_317 {
		t.Errorf("not used yet = %d, want 3,317", b.NotUsedYet.Count)
	}
	phase1 := d.budget[0].Sessions[0]
	if phase1.Engaged != 1_200_000_000 {
		t.Errorf("phase 1 engaged = %d, want 1,200,000,000 (1,000,000,000 + 200,000,000)", phase1.Engaged)
	}
	if got := phase1.OpensAt.In(model.Noumea).Format(time.DateOnly); got != "2025-05-05" {
		t.Errorf("phase 1 opens on %s, want 2025-05-05", got)
	}
	if d.commerce() != 715_000_000 {
		t.Errorf("spent with sellers in commerce = %d, want 715,000,000", d.commerce())
	}
	if d.invoices.Rejected.Count != 286 {
		t.Errorf("rejected invoices = %d, want 286", d.invoices.Rejected.Count)
	}
	if d.invoices.Rejected.TotalTTC != 25_600_000 {
		t.Errorf("rejected TTC = %d, want 25,600,000", d.invoices.Rejected.TotalTTC)
	}
	if math.Round(d.percent()) != 97 {
		t.Errorf("small-business share = %.3f %%, want 97 %% rounded", d.percent())
	}
	var phase2 []string
	for _, s := range d.budget[0].Sessions[1:] {
		if s.Engaged != 120_000_000 {
			t.Errorf("phase 2 session opening %s engaged %d, want 120,000,000", s.OpensAt, s.Engaged)
		}
		phase2 = append(phase2, s.OpensAt.In(model.Noumea).Format(time.DateOnly))
	}
	if want := []string{"2025-07-31", "2025-08-21", "2025-09-12", "2025-10-04"}; !slices.Equal(phase2, want) {
		t.Errorf("phase 2 sessions open on %v, want %v", phase2, want)
	}
	sessions, err := st.SessionsByIDs(context.Background(), []int64{d.budget[0].Sessions[1].SessionID})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		if slices.Contains(s.SectorCodes, sectorCommerce) || !slices.Contains(s.SectorCodes, sectorBTP) {
			t.Errorf("phase 2 sectors = %v, want the priority sectors without commerce", s.SectorCodes)
		}
	}
}

// The dashboard's rollups, kept by triggers in the ledger's transactions, give every figure the ledger's own sums
// give, for the whole programme, each session and random windows of days, before and after they are compacted,
// and after businesses change sector, commune and size (their CréditSud spent moves with them).
func TestDashboardRollupsEqualTheLedger(t *testing.T) {
	db := dbtest.New(t)
	st := store.New(db)
	ctx := context.Background()
	if _, err := generateSudmag(ctx, st, 11, sudmagScaled); err != nil {
		t.Fatal(err)
	}
	var scopes []model.DashboardScope
	var sessions []struct {
		ID          int64 `bun:"id"`
		ProgrammeID int64 `bun:"programme_id"`
	}
	if err := db.NewRaw("SELECT id, programme_id FROM sessions ORDER BY id").Scan(ctx, &sessions); err != nil {
		t.Fatal(err)
	}
	scopes = append(scopes, model.DashboardScope{}, model.DashboardScope{ProgrammeID: sessions[0].ProgrammeID})
	for _, s := range sessions {
		scopes = append(scopes, model.DashboardScope{ProgrammeID: s.ProgrammeID, SessionID: s.ID})
	}
	var first, last time.Time
	if err := db.NewRaw("SELECT min(created_at), max(created_at) FROM journal_entries").Scan(ctx, &first, &last); err != nil {
		t.Fatal(err)
	}
	days := int(last.Sub(first).Hours()/24) + 2
	day := func(n int) *time.Time {
		d := time.Date(first.In(model.Noumea).Year(), first.In(model.Noumea).Month(), first.In(model.Noumea).Day()+n, 0, 0, 0, 0, model.Noumea)
		return &d
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 12 {
		from, to := r.IntN(days), r.IntN(days)
		if to < from {
			from, to = to, from
		}
		for _, sc := range scopes[:3] {
			windowed, err := model.NewDashboardScope(sc.ProgrammeID, sc.SessionID, day(from), day(to))
			if err != nil {
				t.Fatal(err)
			}
			scopes = append(scopes, windowed)
		}
		opened, _ := model.NewDashboardScope(0, 0, day(from), nil)
		scopes = append(scopes, opened)
	}
	compare := func(when string) {
		t.Helper()
		for _, sc := range scopes {
			differences, err := st.CheckDashboardRollups(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range differences {
				t.Errorf("%s, scope %+v: %s", when, sc, d.Detail)
			}
		}
	}
	compare("as the triggers left them")
	// Businesses that sold and bought with CréditSud change sector, commune and size.
	_, err := db.NewRaw(`UPDATE enterprises SET sector_code = CASE WHEN sector_code = 'COMMERCE' THEN 'BTP' ELSE 'COMMERCE' END,
		commune_code = '98829', headcount = CASE WHEN headcount > 9 THEN 1 ELSE 25 END, legal_form = 'SARL'
		WHERE id IN ((SELECT seller_id FROM invoices WHERE credit_amount > 0 ORDER BY id LIMIT 40)
		             UNION (SELECT buyer_id FROM invoices WHERE credit_amount > 0 ORDER BY id DESC LIMIT 40))`).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	compare("after businesses changed")
	merged, err := st.CompactDashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if merged == 0 {
		t.Error("compaction merged no rows")
	}
	if again, err := st.CompactDashboard(ctx); err != nil || again != 0 {
		t.Errorf("a second compaction merged %d rows (%v), want 0: merged keys are left alone", again, err)
	}
	var rows, keys int
	if err := db.NewRaw(`SELECT count(*), count(DISTINCT (day, programme_id, session_id, dimension, key, reserved_on)) FROM dashboard_spent_rollup`).Scan(ctx, &rows, &keys); err != nil {
		t.Fatal(err)
	}
	if rows != keys {
		t.Errorf("after compaction the spent rollup has %d rows for %d keys", rows, keys)
	}
	compare("after compaction")
	if violations, err := st.CheckLedger(ctx); err != nil || len(violations) > 0 {
		t.Fatalf("ledger check: %v %v", violations, err)
	}
}
