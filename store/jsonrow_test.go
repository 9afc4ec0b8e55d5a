package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// TestScanJSONRowMatchesBunScan reads every row of the tables the confirmation's facts return twice: scanned by
// Bun from a SELECT, and from the row PostgreSQL turned into JSON (to_jsonb), as sudpro_confirmation_facts does.
// Both must give the same model, NULLs, arrays with quotes and backslashes, and timestamps included.
func TestScanJSONRowMatchesBunScan(t *testing.T) {
	st := store.New(dbtest.New(t))
	ctx := context.Background()
	f := newFixture(t, st, fixtureOptions{session: func(s *model.Session) {
		s.SectorCodes = []string{"BTP", "COMMERCE"}
		s.ExcludedExpenseCategories = []model.ExpenseCategory{model.ExpenseHardware}
		s.OnlyUnusedBeneficiaries = true
	}})
	es := f.addBusinesses(3, func(i int, e *model.Enterprise) {
		e.Keywords = []string{`bois "massif"`, `a\b`, "", "menuiserie, charpente", "{accolade}", "été"}
		if i == 1 {
			e.Keywords = nil
		}
	})
	f.grant()
	f.issue(es[0], es[1], 100_000)
	confirmed := f.issue(es[0], es[2], 200_000)
	must(t)(st.ConfirmInvoice(ctx, as(business(es[2])), confirmed, 50_000))

	cases := []struct {
		table string
		model func() any
		slice func() any
	}{
		{"enterprises", func() any { return new(model.Enterprise) }, func() any { return new([]*model.Enterprise) }},
		{"invoices", func() any { return new(model.Invoice) }, func() any { return new([]*model.Invoice) }},
		{"invoice_lines", func() any { return new(model.InvoiceLine) }, func() any { return new([]*model.InvoiceLine) }},
		{"sessions", func() any { return new(model.Session) }, func() any { return new([]*model.Session) }},
		{"accounts", func() any { return new(model.Account) }, func() any { return new([]*model.Account) }},
	}
	for _, c := range cases {
		t.Run(c.table, func(t *testing.T) {
			rows := c.slice()
			if err := st.DB().NewSelect().Model(rows).OrderExpr("id").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			var docs []json.RawMessage
			if err := st.DB().NewRaw("SELECT to_jsonb(x) FROM ? AS x ORDER BY id", bun.Ident(c.table)).Scan(ctx, &docs); err != nil {
				t.Fatal(err)
			}
			want := reflect.ValueOf(rows).Elem()
			if want.Len() == 0 || want.Len() != len(docs) {
				t.Fatalf("%d rows scanned, %d as JSON", want.Len(), len(docs))
			}
			for i, doc := range docs {
				// Both ways: the fast path alone (encoding/json into a mirror of the columns), which these models
				// must take, and scanJSONRow as a whole.
				for way, scan := range map[string]func(bun.IDB, any, json.RawMessage) error{
					"mirror": store.ScanJSONMirror, "scanJSONRow": store.ScanJSONRow} {
					got := c.model()
					if err := scan(st.DB(), got, doc); err != nil {
						t.Fatalf("row %d, %s: %v", i, way, err)
					}
					if w := want.Index(i).Interface(); !reflect.DeepEqual(inUTC(got), inUTC(w)) {
						t.Errorf("row %d, %s, from JSON:\n%+v\nfrom SELECT:\n%+v", i, way, got, w)
					}
				}
			}
		})
	}
	t.Run("refuses what is not a row", func(t *testing.T) {
		for _, doc := range []string{`[1]`, `{"id": "x"}`, `{"issued_at": "yesterday"}`} {
			if err := store.ScanJSONRow(st.DB(), new(model.Invoice), json.RawMessage(doc)); err == nil {
				t.Errorf("ScanJSONRow(%s) = nil, want an error", doc)
			}
		}
	})
}

// inUTC is a copy of the struct behind p with its time fields (direct or through a pointer) in UTC, so that two
// equal instants compare equal whatever location each decoder gave them.
func inUTC(p any) any {
	v := reflect.New(reflect.TypeOf(p).Elem())
	v.Elem().Set(reflect.ValueOf(p).Elem())
	for i := range v.Elem().NumField() {
		switch f := v.Elem().Field(i); tm := f.Addr().Interface().(type) {
		case *time.Time:
			*tm = tm.UTC()
		case **time.Time:
			if *tm != nil {
				*tm = new((*tm).UTC())
			}
		}
	}
	return v.Interface()
}
