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

// factsLike is a document as sudpro_confirmation_facts returns one: rows, lists of rows and plain members.
type factsLike struct {
	Invoice *model.Invoice       `json:"invoice"`
	Lines   []*model.InvoiceLine `json:"lines"`
	Session *model.Session       `json:"session"`
	Count   int                  `json:"count"`
	Note    string               `json:"note"`
	Absent  []*model.Account     `json:"absent"`
}

// TestScanJSONDocMatchesBunScan decodes a document of rows in one pass (scanJSONDoc's fast path, which these
// rows must take) and member by member (its fallback): both give the models Bun scans from a SELECT, and a row the one pass cannot take (a timestamp in
// PostgreSQL's text format, not RFC 3339) still decodes through the fallback.
func TestScanJSONDocMatchesBunScan(t *testing.T) {
	st := store.New(dbtest.New(t))
	ctx := context.Background()
	f := newFixture(t, st, fixtureOptions{})
	es := f.addBusinesses(2, nil)
	f.grant()
	id := f.issue(es[0], es[1], 100_000)
	want := factsLike{Invoice: new(model.Invoice), Count: 3, Note: `a "quoted" note`}
	if err := st.DB().NewSelect().Model(want.Invoice).Where("id = ?", id).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().NewSelect().Model(&want.Lines).Where("invoice_id = ?", id).OrderExpr("position").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var doc []byte
	if err := st.DB().NewRaw(`SELECT jsonb_build_object('invoice', to_jsonb(i), 'session', NULL, 'count', 3, 'note', ?,
		'lines', (SELECT jsonb_agg(to_jsonb(l) ORDER BY l.position) FROM invoice_lines l WHERE l.invoice_id = i.id))
		FROM invoices i WHERE i.id = ?`, want.Note, id).Scan(ctx, &doc); err != nil {
		t.Fatal(err)
	}
	same := func(t *testing.T, got factsLike) {
		t.Helper()
		if got.Count != want.Count || got.Note != want.Note || got.Session != nil || got.Absent != nil {
			t.Errorf("plain members: got %+v", got)
		}
		if got.Invoice == nil || !reflect.DeepEqual(inUTC(got.Invoice), inUTC(want.Invoice)) {
			t.Errorf("invoice:\n%+v\nwant\n%+v", got.Invoice, want.Invoice)
		}
		if len(got.Lines) != len(want.Lines) || len(got.Lines) == 0 {
			t.Fatalf("%d lines, want %d", len(got.Lines), len(want.Lines))
		}
		for i := range want.Lines {
			if !reflect.DeepEqual(inUTC(got.Lines[i]), inUTC(want.Lines[i])) {
				t.Errorf("line %d:\n%+v\nwant\n%+v", i, got.Lines[i], want.Lines[i])
			}
		}
	}
	for way, scan := range map[string]func(bun.IDB, any, json.RawMessage) error{
		"one pass": store.ScanJSONDocOnePass, "member by member": store.ScanJSONDocByMember, "scanJSONDoc": store.ScanJSONDoc} {
		t.Run(way, func(t *testing.T) {
			var got factsLike
			if err := scan(st.DB(), &got, json.RawMessage(doc)); err != nil {
				t.Fatal(err)
			}
			same(t, got)
		})
	}
	t.Run("a row the one pass cannot take", func(t *testing.T) {
		var got factsLike
		text := `{"invoice": {"id": 7, "issued_at": "2025-05-05 10:00:00+00"}, "count": 2}`
		if err := store.ScanJSONDoc(st.DB(), &got, json.RawMessage(text)); err != nil {
			t.Fatal(err)
		}
		if got.Invoice == nil || got.Invoice.ID != 7 || !got.Invoice.IssuedAt.Equal(time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC)) || got.Count != 2 {
			t.Errorf("got %+v, invoice %+v", got, got.Invoice)
		}
	})
	t.Run("refuses what is not a document of rows", func(t *testing.T) {
		for _, text := range []string{`[1]`, `{"invoice": [1]}`, `{"lines": {"id": 1}}`, `{"count": "x"}`} {
			if err := store.ScanJSONDoc(st.DB(), new(factsLike), json.RawMessage(text)); err == nil {
				t.Errorf("ScanJSONDoc(%s) = nil, want an error", text)
			}
		}
	})
}
