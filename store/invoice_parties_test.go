package store_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/seed"
	"sudpro/store"
)

// Pages of invoices read with their parties are the pages InvoicesByEnterprises reads, page after page, for each
// party; the parties are the businesses EnterprisesByIDs returns for the invoices' sellers (unless the page is a
// seller's) and buyers (unless it is a buyer's), field for field.
func TestInvoicesAndPartiesMatchSeparateStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	if _, err := seed.RunScale(ctx, st, 1, seed.NCScaleSize.Divided(1000)); err != nil {
		t.Fatal(err)
	}
	all, err := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: admin}, model.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range all.Nodes() {
		ids = append(ids, e.ID)
	}
	for _, party := range []string{"SELLER", "BUYER", ""} {
		page := model.Page{Limit: 3}
		for n := range 3 {
			want, err := st.InvoicesByEnterprises(ctx, ids, party, page, true)
			if err != nil {
				t.Fatal(err)
			}
			got, parties, err := st.InvoicesAndPartiesByEnterprises(ctx, ids, party, page, true)
			if err != nil {
				t.Fatal(err)
			}
			var partyIDs []int64
			invoices := 0
			for _, id := range ids {
				w, g := want[id], got[id]
				wantTotal, _ := w.TotalCount(ctx)
				gotTotal, _ := g.TotalCount(ctx)
				if !reflect.DeepEqual(g.Edges, w.Edges) || !reflect.DeepEqual(g.PageInfo, w.PageInfo) || gotTotal != wantTotal {
					t.Fatalf("party %q, page %d, business %d: %+v (total %d), want %+v (total %d)", party, n, id, g, gotTotal, w, wantTotal)
				}
				for _, inv := range w.Nodes() {
					invoices++
					if party != "SELLER" {
						partyIDs = append(partyIDs, inv.SellerID)
					}
					if party != "BUYER" {
						partyIDs = append(partyIDs, inv.BuyerID)
					}
				}
			}
			wantParties, err := st.EnterprisesByIDs(ctx, partyIDs)
			if err != nil {
				t.Fatal(err)
			}
			if invoices == 0 || len(parties) != len(wantParties) {
				t.Fatalf("party %q, page %d: %d invoices, %d parties, want %d", party, n, invoices, len(parties), len(wantParties))
			}
			for id, w := range wantParties {
				if g, ok := parties[id]; !ok || !reflect.DeepEqual(inUTC(g), inUTC(w)) {
					t.Errorf("party %q, page %d, business %d: %+v, want %+v", party, n, id, g, w)
				}
			}
			// The next page of every business: after the end cursor of the first business with a full page.
			i := slices.IndexFunc(ids, func(id int64) bool { return len(want[id].Edges) == page.Limit })
			if i < 0 {
				break
			}
			next, err := model.ParsePage(model.PageArgs{First: &page.Limit, After: want[ids[i]].PageInfo.EndCursor()}, store.InvoiceCursorOrder)
			if err != nil {
				t.Fatal(err)
			}
			page = next
		}
	}
}
