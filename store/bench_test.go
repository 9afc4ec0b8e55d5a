package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/seed"
	"sudpro/store"
)

// Micro-benchmarks of the store's hot paths on a real PostgreSQL (see BENCHMARKS.md for benchstat):
//
//	go test -run '^$' -bench . -benchmem -count 10 ./store

// BenchmarkConfirmInvoice is the confirmation transaction of a session-opening rush, one buyer at a time:
// store.ConfirmInvoice with an idempotency key on a fresh ISSUED invoice each iteration.
func BenchmarkConfirmInvoice(b *testing.B) {
	st := store.New(dbtest.New(b))
	f := newFixture(b, st, fixtureOptions{envelope: 1_000_000_000})
	sellers := f.addBusinesses(10, nil)
	buyers := f.addBusinesses(200, nil)
	f.grant()
	// Each buyer's 250,000 XPF allocation covers 250 confirmations of 1,000 XPF.
	n := min(b.N, len(buyers)*250)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = f.issue(sellers[i%len(sellers)], buyers[i%len(buyers)], 1_000)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		k := i % n
		op := withKey(business(buyers[k%len(buyers)]), fmt.Sprintf("bench-%d", i))
		out, err := st.ConfirmInvoice(ctx, op, ids[k], 1_000)
		if err != nil || (out.Err != nil && i < n) {
			b.Fatalf("confirm invoice %d: %v %v", ids[k], err, out.Err)
		}
	}
}

// scaled is a store over the nc-scale profile at 1/100 (500 businesses, 5,000 invoices).
func scaled(b *testing.B) (*store.Store, []int64) {
	b.Helper()
	st := store.New(dbtest.New(b))
	ctx := context.Background()
	if _, err := seed.RunScale(ctx, st, 1, seed.NCScaleSize.Divided(100)); err != nil {
		b.Fatal(err)
	}
	page, err := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: model.Actor{Role: model.RoleAdmin}}, model.Page{Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for _, e := range page.Edges {
		ids = append(ids, e.Node.ID)
	}
	return st, ids
}

// BenchmarkLoaderBatches are the batch functions behind the per-request dataloaders, for a page of 50 parents:
// businesses by id, and the 5 latest invoices of each business as seller (shape C's nested lists).
func BenchmarkLoaderBatches(b *testing.B) {
	st, ids := scaled(b)
	ctx := context.Background()
	ids = ids[:50]
	b.Run("EnterprisesByIDs/50", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.EnterprisesByIDs(ctx, ids); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("InvoicesByEnterprises/50x5", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.InvoicesByEnterprises(ctx, ids, "SELLER", model.Page{Limit: 5}, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScanJSONRow decodes a business as sudpro_confirmation_facts returns it (to_jsonb): through a mirror of
// its columns (the fast path) and column by column through Bun's scanners (the fallback).
func BenchmarkScanJSONRow(b *testing.B) {
	db := dbtest.New(b)
	st := store.New(db)
	e := enterprise(1, "Menuiserie du Sud")
	e.Keywords, e.Description = []string{"menuiserie", "bois", "charpente"}, "Menuiserie et charpente bois, Nouméa et Grand Nouméa."
	if err := st.InsertEnterprises(context.Background(), []*model.Enterprise{e}); err != nil {
		b.Fatal(err)
	}
	var doc string
	if err := db.NewRaw("SELECT to_jsonb(e) - '{search_doc,search_words,search_names}'::text[] FROM enterprises e").Scan(context.Background(), &doc); err != nil {
		b.Fatal(err)
	}
	raw := json.RawMessage(doc)
	for name, scan := range map[string]func(bun.IDB, any, json.RawMessage) error{"mirror": store.ScanJSONMirror, "by-column": store.ScanJSONByColumn} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := scan(db, new(model.Enterprise), raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
