package seed

import (
	"context"
	"maps"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/store"
)

// scaleTestSize is the nc-scale generator at 1/100 of the profile: same code, 500 businesses, 5,000 invoices.
var scaleTestSize = NCScaleSize.Divided(100)

// oneByOne imports the invoices the way the demo does, one ImportInvoice call each: the reference the bulk
// import (store.ImportInvoices with COPY) must reproduce.
func oneByOne(ctx context.Context, tx *store.Store, invs []store.ImportedInvoice) error {
	for _, ii := range invs {
		if err := tx.ImportInvoice(ctx, seedOp, ii.Invoice, ii.Lines); err != nil {
			return err
		}
	}
	return nil
}

// TestScaleProfile seeds the nc-scale generator at 1/100 three times: twice in bulk with one seed (the rows must be
// identical), once importing each invoice through store.ImportInvoice (every row, ledger included, must be
// identical to the bulk load's: COPY writes what the store's functions write). The ledger check is clean.
func TestScaleProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runs := []struct {
		name     string
		importer invoiceImporter
	}{{"bulk", bulkImport}, {"bulk again", bulkImport}, {"one by one", oneByOne}}
	sums := make([]Summary, len(runs))
	dig := make([]map[string]string, len(runs))
	t.Run("seeding", func(t *testing.T) {
		for i, r := range runs {
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				db := dbtest.New(t)
				st := store.New(db)
				start := time.Now()
				sum, err := runScaleWith(ctx, st, 9, scaleTestSize, r.importer)
				if err != nil {
					t.Fatalf("seed %s: %v", r.name, err)
				}
				t.Logf("seeded %s in %v: %+v", r.name, time.Since(start).Round(time.Millisecond), sum)
				violations, err := st.CheckLedger(ctx)
				if err != nil {
					t.Fatalf("CheckLedger: %v", err)
				}
				for _, v := range violations {
					t.Errorf("ledger check: %s: %s", v.Invariant, v.Detail)
				}
				sums[i], dig[i] = sum, digests(t, db)
				counts := map[string]int{}
				for _, table := range []string{"enterprises", "invoices", "consultations", "consultation_offers", "contact_requests"} {
					var n int
					if err := db.NewRaw("SELECT count(*) FROM "+table).Scan(ctx, &n); err != nil {
						t.Fatal(err)
					}
					counts[table] = n
				}
				want := map[string]int{"enterprises": scaleTestSize.Enterprises, "invoices": scaleTestSize.Invoices,
					"consultations": scaleTestSize.Consultations, "contact_requests": scaleTestSize.ContactRequests}
				for table, n := range want {
					if counts[table] != n {
						t.Errorf("%s: %d rows, want %d", table, counts[table], n)
					}
				}
				if o := counts["consultation_offers"]; o < scaleTestSize.Offers*8/10 || o > scaleTestSize.Offers {
					t.Errorf("consultation_offers: %d rows, want about %d", o, scaleTestSize.Offers)
				}
				var credited int
				if err := db.NewRaw("SELECT count(*) FROM invoices WHERE credit_amount > 0").Scan(ctx, &credited); err != nil {
					t.Fatal(err)
				}
				if credited < scaleTestSize.Invoices/20 {
					t.Errorf("%d invoices with CréditSud, want at least %d", credited, scaleTestSize.Invoices/20)
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	for i := 1; i < len(runs); i++ {
		if sums[i] != sums[0] {
			t.Errorf("%s: summary %+v, %s: %+v", runs[i].name, sums[i], runs[0].name, sums[0])
		}
		if !maps.Equal(dig[i], dig[0]) {
			for table, d := range dig[0] {
				if dig[i][table] != d {
					t.Errorf("table %s differs between %s and %s", table, runs[0].name, runs[i].name)
				}
			}
		}
	}
}
