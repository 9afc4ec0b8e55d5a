package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var admin = model.Actor{Role: model.RoleAdmin}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	return store.New(dbtest.New(t))
}

func enterprise(i int, name string) *model.Enterprise {
	return &model.Enterprise{
		RIDET: model.RIDET(fmt.Sprintf("%07d001", 2000000+i)), Name: name, LegalForm: model.LegalFormSARL,
		APECode: "4321A", SectorCode: "BTP", CommuneCode: "98818", Headcount: 1, Status: model.EnterpriseActive,
		RegisteredAt: time.Date(2025, 5, 5, 0, 0, i, 0, time.UTC), ListedInDirectory: true,
	}
}

func TestReferenceData(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	communes, err := st.Communes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*model.Commune{}
	for _, c := range communes {
		byName[c.Name] = c
	}
	tests := []struct{ name, code, postal string }{
		{"Nouméa", "98818", "98800"}, {"L'Île-des-Pins", "98809", "98832"}, {"Le Mont-Dore", "98817", "98809"},
		{"Boulouparis", "98802", "98812"}, {"Poya", "98827", "98827"},
	}
	for _, tt := range tests {
		c := byName[tt.name]
		if c == nil || c.Code != tt.code || c.PostalCode != tt.postal {
			t.Errorf("commune %s = %+v, want code %s postal %s", tt.name, c, tt.code, tt.postal)
		}
	}
	if len(communes) != 14 {
		t.Errorf("communes = %d, want 14", len(communes))
	}
	rates, err := st.TGCRates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var bps []int64
	for _, r := range rates {
		bps = append(bps, r.BasisPoints)
	}
	if fmt.Sprint(bps) != "[0 300 600 1100 2200]" {
		t.Errorf("TGC rates = %v, want [0 300 600 1100 2200]", bps)
	}
}

func TestEnterpriseConstraints(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{enterprise(1, "Alpha")}); err != nil {
		t.Fatal(err)
	}
	dup := enterprise(1, "Alpha bis")
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{dup}); model.ErrorCodeOf(err) != model.CodeConflict {
		t.Errorf("duplicate RIDET: error %v, want CONFLICT", err)
	}
	bad := enterprise(2, "Beta")
	bad.CommuneCode = "75001" // not a commune of the Province Sud
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{bad}); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Errorf("unknown commune: error %v, want INVALID", err)
	}
	if _, err := st.EnterpriseByRIDET(ctx, "9999999001"); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Errorf("missing RIDET: error %v, want NOT_FOUND", err)
	}
}

func TestInvoiceTotalsAreCheckedByTheDatabase(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	a, b := enterprise(1, "Vendeur"), enterprise(2, "Acheteur")
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{a, b}); err != nil {
		t.Fatal(err)
	}
	line := &model.InvoiceLine{Designation: "Pose", Quantity: 3, UnitPriceHT: 1001, TGCRateCode: "NORMAL", ExpenseCategory: model.DefaultExpenseCategory}
	model.ComputeLine(line, &model.TGCRate{BasisPoints: 1100}, false)
	totals := model.Totals([]*model.InvoiceLine{line})
	inv := &model.Invoice{SellerID: a.ID, BuyerID: b.ID, Number: "F1", Status: model.InvoiceIssued,
		TotalHT: totals.HT, TotalTGC: totals.TGC, TotalTTC: totals.TTC + 1}
	if err := st.InsertInvoice(ctx, inv, []*model.InvoiceLine{line}); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Errorf("TTC ≠ HT + TGC accepted: error %v", err)
	}
	inv.TotalTTC = totals.TTC
	if err := st.InsertInvoice(ctx, inv, []*model.InvoiceLine{line}); err != nil {
		t.Fatalf("valid invoice refused: %v", err)
	}
	self := &model.Invoice{SellerID: a.ID, BuyerID: a.ID, Number: "F2", Status: model.InvoiceIssued}
	if err := st.InsertInvoice(ctx, self, nil); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Errorf("self-invoicing accepted: error %v", err)
	}
	again := &model.Invoice{SellerID: a.ID, BuyerID: b.ID, Number: "F1", Status: model.InvoiceIssued}
	if err := st.InsertInvoice(ctx, again, nil); model.ErrorCodeOf(err) != model.CodeConflict {
		t.Errorf("duplicate invoice number accepted: error %v", err)
	}
}

// Keyset pages over equal sort keys, both ways, see each row once.
func TestListEnterprisesKeyset(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	var es []*model.Enterprise
	for i := range 25 {
		es = append(es, enterprise(i, []string{"Même Nom", "Électricité", "Zèbre"}[i%3]))
	}
	if err := st.InsertEnterprises(ctx, es); err != nil {
		t.Fatal(err)
	}
	for _, order := range []model.EnterpriseOrder{model.EnterpriseOrderName, model.EnterpriseOrderRegisteredAt} {
		t.Run(string(order), func(t *testing.T) {
			q := model.EnterpriseQuery{Viewer: admin, Order: order}
			all, err := st.ListEnterprises(ctx, q, model.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var pages []int64
			var after *model.Cursor
			for {
				conn, err := st.ListEnterprises(ctx, q, model.Page{Limit: 4, After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range conn.Nodes() {
					pages = append(pages, e.ID)
				}
				if !conn.PageInfo.HasNextPage {
					break
				}
				last := conn.Edges[len(conn.Edges)-1].Node
				c := model.Cursor{Order: store.EnterpriseCursorOrder(order), ID: last.ID, Key: last.Name}
				if order == model.EnterpriseOrderRegisteredAt {
					c.Key = last.RegisteredAt.UTC().Format(time.RFC3339Nano)
				}
				after = &c
			}
			if got, want := fmt.Sprint(pages), fmt.Sprint(idsOf(all.Nodes())); got != want {
				t.Errorf("paged ids = %s, want %s", got, want)
			}
		})
	}
	// Names sort as people expect: accents do not push "Électricité" after "Zèbre".
	conn, _ := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: admin}, model.Page{Limit: 100})
	if first := conn.Edges[0].Node.Name; first != "Électricité" {
		t.Errorf("first name = %q, want Électricité", first)
	}
}

func idsOf(es []*model.Enterprise) []int64 {
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

func TestNestedPagesAndCounts(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	var es []*model.Enterprise
	for i := range 6 {
		e := enterprise(i, fmt.Sprintf("E%d", i))
		e.SectorCode = []string{"BTP", "SERVICES"}[i%2]
		e.ListedInDirectory = i != 4 // one BTP business is not listed
		es = append(es, e)
	}
	if err := st.InsertEnterprises(ctx, es); err != nil {
		t.Fatal(err)
	}
	for _, viewer := range []model.Actor{admin, {}} {
		conns, err := st.EnterprisesByParents(ctx, store.BySector, []string{"BTP", "SERVICES", "SANTE"}, model.EnterpriseQuery{Viewer: viewer}, model.Page{Limit: 2}, true)
		if err != nil {
			t.Fatal(err)
		}
		wantBTP := 3
		if viewer.Anonymous() {
			wantBTP = 2
		}
		for code, want := range map[string]int{"BTP": wantBTP, "SERVICES": 3, "SANTE": 0} {
			n, err := conns[code].TotalCount(ctx)
			if err != nil || n != want {
				t.Errorf("viewer %q: %s totalCount = %d, %v; want %d", viewer.Role, code, n, err, want)
			}
			if len(conns[code].Edges) != min(want, 2) || conns[code].PageInfo.HasNextPage != (want > 2) {
				t.Errorf("viewer %q: %s page = %d edges, next %v", viewer.Role, code, len(conns[code].Edges), conns[code].PageInfo.HasNextPage)
			}
		}
	}
}

func TestConsultationClosesAtDeadlineByDatabaseClock(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	now := time.Now()
	published := now.Add(-48 * time.Hour)
	mk := func(ref string, deadline time.Time, status model.ConsultationStatus) *model.Consultation {
		c := &model.Consultation{Reference: ref, Title: "Travaux", BuyerService: "DEPS", Type: model.ConsultationWorks,
			EstimatedAmountHT: 1_000_000, CommuneCode: "98829", QuestionDeadline: deadline.Add(-time.Hour),
			OfferDeadline: deadline, Status: status}
		if status != model.ConsultationDraft {
			c.PublishedAt = &published
		}
		return c
	}
	for _, c := range []*model.Consultation{
		mk("PAST", now.Add(-time.Hour), model.ConsultationPublished),
		mk("FUTURE", now.Add(time.Hour), model.ConsultationPublished),
		mk("DRAFT", now.Add(time.Hour), model.ConsultationDraft),
	} {
		if err := st.InsertConsultation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	over := mk("HIGH", now.Add(time.Hour), model.ConsultationDraft)
	over.EstimatedAmountHT = model.ConsultationThresholdHT
	if err := st.InsertConsultation(ctx, over); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Errorf("10,000,000 XPF consultation accepted: %v", err)
	}
	conn, err := st.ListConsultations(ctx, model.ConsultationQuery{Viewer: model.Actor{}}, model.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.ConsultationStatus{}
	for _, c := range conn.Nodes() {
		got[c.Reference] = c.Status
	}
	want := map[string]model.ConsultationStatus{"PAST": model.ConsultationClosed, "FUTURE": model.ConsultationPublished}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("public consultations = %v, want %v (drafts hidden, past deadline CLOSED)", got, want)
	}
	closed, err := st.ListConsultations(ctx, model.ConsultationQuery{Viewer: admin, Statuses: []model.ConsultationStatus{model.ConsultationClosed}}, model.Page{Limit: 10})
	if err != nil || len(closed.Edges) != 1 || closed.Edges[0].Node.Reference != "PAST" {
		t.Errorf("filter CLOSED = %v, %v; want PAST", closed, err)
	}
}

// A token's RIDET is looked up once: the id found is kept, so the business's next requests send no statement for
// it, while a RIDET not found is asked again (the business may register meanwhile), and one found inside a
// transaction is not kept (the transaction may roll back).
func TestEnterpriseIDByRIDETKeepsOnlyCommittedIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, rec := recordedStore(t)
	e := enterprise(1, "Alpha")
	if _, err := st.EnterpriseIDByRIDET(ctx, e.RIDET); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Fatalf("before registration: err = %v, want NOT_FOUND", err)
	}
	err := st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.InsertEnterprises(ctx, []*model.Enterprise{e}); err != nil {
			return err
		}
		if _, err := tx.EnterpriseIDByRIDET(ctx, e.RIDET); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatalf("InTx: %v", err)
	}
	if _, err := st.EnterpriseIDByRIDET(ctx, e.RIDET); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Fatalf("after the rolled-back registration: err = %v, want NOT_FOUND", err)
	}
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{e}); err != nil {
		t.Fatal(err)
	}
	rec.take()
	for i := range 3 {
		id, err := st.EnterpriseIDByRIDET(ctx, e.RIDET)
		if err != nil || id != e.ID {
			t.Fatalf("lookup %d: id %d, err %v; want %d", i, id, err, e.ID)
		}
	}
	if n := len(rec.take()); n != 1 {
		t.Errorf("3 lookups of a registered RIDET ran %d statements, want 1", n)
	}
}

// A filter on one sector and one commune compares with = (which PostgreSQL answers from the index on (commune,
// name) and stops after the page), several values with = ANY; both find the same businesses.
func TestEnterpriseFiltersCompareOneValueWithEquals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, rec := recordedStore(t)
	var es []*model.Enterprise
	for i := range 6 {
		e := enterprise(i, fmt.Sprintf("Entreprise %d", i))
		e.SectorCode = []string{"BTP", "COMMERCE", "BTP"}[i%3]
		e.CommuneCode = []string{"98818", "98805"}[i%2]
		es = append(es, e)
	}
	if err := st.InsertEnterprises(ctx, es); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name              string
		sectors, communes []string
		want              []int64
		sql, notSQL       string
	}{
		{"one of each", []string{"BTP"}, []string{"98818"}, []int64{es[0].ID, es[2].ID},
			"(e.sector_code = 'BTP') AND (e.commune_code = '98818')", "ANY"},
		{"several", []string{"BTP", "COMMERCE"}, []string{"98805"}, []int64{es[1].ID, es[3].ID, es[5].ID},
			"e.sector_code = ANY('{", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec.take()
			conn, err := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: admin, SectorCodes: c.sectors, CommuneCodes: c.communes}, model.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range conn.Edges {
				got = append(got, e.Node.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("ids %v, want %v", got, c.want)
			}
			queries := strings.Join(rec.take(), "\n")
			if !strings.Contains(queries, c.sql) || (c.notSQL != "" && strings.Contains(queries, c.notSQL)) {
				t.Errorf("statements %s\nwant %q and not %q", queries, c.sql, c.notSQL)
			}
		})
	}
}
