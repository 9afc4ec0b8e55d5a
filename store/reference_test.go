package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// tables reads the reference tables straight from the database, bypassing the cache.
func tables(t *testing.T, db bun.IDB) (sectors []*model.Sector, communes []*model.Commune, rates []*model.TGCRate) {
	t.Helper()
	ctx := context.Background()
	if err := db.NewSelect().Model(&sectors).OrderExpr("se.position").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.NewSelect().Model(&communes).OrderExpr("co.name").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.NewSelect().Model(&rates).OrderExpr("tr.basis_points").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	return sectors, communes, rates
}

// same reports how got differs from want, or "" when they are deeply equal.
func same(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("got  %+v\nwant %+v", got, want)
}

// The cache serves what the tables hold, reads them once (one statement per table) however many callers ask, and
// finds each row by its code.
func TestReferenceCacheServesTheTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &sqlRecorder{}
	db := dbtest.New(t)
	st := store.New(db.WithQueryHook(rec))
	wantSectors, wantCommunes, wantRates := tables(t, db)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := st.References(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(rec.take()); n != 3 {
		t.Errorf("8 concurrent first uses ran %d statements, want 3 (one per table)", n)
	}
	sectors, err := st.Sectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	communes, err := st.Communes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rates, err := st.TGCRates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := same(wantSectors, sectors); diff != "" {
		t.Errorf("Sectors differ from the table:\n%s", diff)
	}
	if diff := same(wantCommunes, communes); diff != "" {
		t.Errorf("Communes differ from the table:\n%s", diff)
	}
	if diff := same(wantRates, rates); diff != "" {
		t.Errorf("TGCRates differ from the table:\n%s", diff)
	}
	refs, err := st.References(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range wantCommunes {
		if got, ok := refs.Commune(want.Code); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Commune(%q) = %+v, %v; want %+v", want.Code, got, ok, want)
		}
	}
	if got, ok := refs.Sector("BTP"); !ok || got.Name != "BTP" {
		t.Errorf("Sector(BTP) = %+v, %v; want the BTP sector", got, ok)
	}
	if got, ok := refs.TGCRate("NORMAL"); !ok || got.BasisPoints != 1100 {
		t.Errorf("TGCRate(NORMAL) = %+v, %v; want 1100 basis points", got, ok)
	}
	if got, ok := refs.Sector("NOPE"); ok || got != nil {
		t.Errorf("Sector(NOPE) = %+v, %v; want nil, false", got, ok)
	}
	byCodes, err := st.SectorsByCodes(ctx, []string{"BTP", "NOPE", "SANTE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byCodes) != 2 || byCodes["BTP"].Name != "BTP" || byCodes["SANTE"].Name != "Santé" {
		t.Errorf("SectorsByCodes(BTP, NOPE, SANTE) = %v, want BTP and SANTE", byCodes)
	}
	// Inside a transaction, the store uses the same cache: no statement.
	if err := st.InTx(ctx, func(tx *store.Store) error {
		_, err := tx.TGCRatesByCodes(ctx, []string{"NORMAL"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 2 { // BEGIN, COMMIT
		t.Errorf("reads after the first use ran %v, want no statement but the transaction's BEGIN and COMMIT", got)
	}
}

// The lists and by-codes maps are copies: a caller changing them does not change what the next caller gets.
func TestReferenceCacheHandsOutCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	communes, err := st.Communes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]model.Commune, len(communes))
	for i, c := range communes {
		want[i] = *c
		want[i].Aliases = slices.Clone(c.Aliases)
	}
	for _, c := range communes {
		c.Name = "changed"
		for i := range c.Aliases {
			c.Aliases[i] = "changed"
		}
	}
	communes[0] = nil
	byCodes, err := st.CommunesByCodes(ctx, []string{"98818"})
	if err != nil {
		t.Fatal(err)
	}
	byCodes["98818"].Name = "changed"
	sectors, err := st.Sectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sectors[0].Name = "changed"

	again, err := st.Communes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := same(want, derefs(again)); diff != "" {
		t.Errorf("Communes after a caller changed its copy changed:\n%s", diff)
	}
	refs, err := st.References(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := refs.Commune("98818"); c.Name != "Nouméa" {
		t.Errorf("Commune(98818).Name = %q after a caller changed its copy, want Nouméa", c.Name)
	}
	if s, _ := refs.Sector("SERVICES"); s.Name != "Services" {
		t.Errorf("Sector(SERVICES).Name = %q after a caller changed its copy, want Services", s.Name)
	}
}

func derefs[V any](ps []*V) []V {
	out := make([]V, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// A migration's change reaches the cache on RefreshReferences, not before; a snapshot taken before keeps its
// values, and readers racing with refreshes always see a whole snapshot.
func TestReferenceCacheRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	st := store.New(db)
	before, err := st.References(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE sectors SET name = 'Bâtiment et travaux publics' WHERE code = 'BTP'"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO tgc_rates (code, basis_points, label) VALUES ('TEST', 100, 'Taux d''essai (1 %)')"); err != nil {
		t.Fatal(err)
	}
	stale, err := st.SectorsByCodes(ctx, []string{"BTP"})
	if err != nil {
		t.Fatal(err)
	}
	if stale["BTP"].Name != "BTP" {
		t.Errorf("before a refresh, BTP is %q; want the cached name BTP (the cache reads the tables once)", stale["BTP"].Name)
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				if i%4 == 0 {
					if err := st.RefreshReferences(ctx); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				refs, err := st.References(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				s, ok := refs.Sector("BTP")
				_, hasTest := refs.TGCRate("TEST")
				if !ok || (s.Name == "BTP") == hasTest {
					t.Errorf("a snapshot with BTP named %q and the TEST rate %v: want both old or both new", s.Name, hasTest)
					return
				}
			}
		})
	}
	wg.Wait()

	if err := st.RefreshReferences(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := st.References(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := after.Sector("BTP"); s.Name != "Bâtiment et travaux publics" {
		t.Errorf("after a refresh, BTP is %q, want the table's new name", s.Name)
	}
	if r, ok := after.TGCRate("TEST"); !ok || r.BasisPoints != 100 {
		t.Errorf("after a refresh, TGCRate(TEST) = %+v, %v; want the new row", r, ok)
	}
	if s, _ := before.Sector("BTP"); s.Name != "BTP" {
		t.Errorf("the snapshot taken before the refresh now says %q, want it unchanged", s.Name)
	}
	if _, ok := before.TGCRate("TEST"); ok {
		t.Error("the snapshot taken before the refresh has the new rate")
	}
	_, _, wantRates := tables(t, db)
	rates, err := st.TGCRates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := same(wantRates, rates); diff != "" {
		t.Errorf("TGCRates after a refresh differ from the table:\n%s", diff)
	}
}
