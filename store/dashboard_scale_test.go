package store_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// TestDashboardAtScale times each part of the full dashboard on an existing database (e.g. one filled by
// `sudpro seed --profile nc-scale`), median of 9 runs each; it only runs when SUDPRO_DASHBOARD_DB names one:
//
//	SUDPRO_DASHBOARD_DB=postgres://… go test ./store -run TestDashboardAtScale -v
func TestDashboardAtScale(t *testing.T) {
	dsn := os.Getenv("SUDPRO_DASHBOARD_DB")
	if dsn == "" {
		t.Skip("set SUDPRO_DASHBOARD_DB to a filled database to time the dashboard")
	}
	ctx := context.Background()
	db, err := store.Open(dsn, store.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	sc := model.DashboardScope{}
	parts := []struct {
		name string
		run  func() error
	}{
		{"businesses", func() error { _, err := st.DashboardBusinesses(ctx, sc); return err }},
		{"budget", func() error { _, err := st.DashboardBudget(ctx, sc); return err }},
		{"spent", func() error { _, err := st.DashboardSpent(ctx, sc); return err }},
		{"invoices", func() error { _, err := st.DashboardInvoices(ctx, sc); return err }},
		{"businessDone", func() error { _, err := st.DashboardBusinessDone(ctx, sc); return err }},
		{"consultations", func() error { _, err := st.DashboardConsultations(ctx, sc); return err }},
		{"daily", func() error { _, err := st.DashboardDaily(ctx, sc); return err }},
	}
	var total time.Duration
	for _, p := range parts {
		var times []time.Duration
		for range 9 {
			t0 := time.Now()
			if err := p.run(); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		total += times[4]
		t.Logf("%-14s median %v (min %v, max %v)", p.name, times[4].Round(10*time.Microsecond), times[0].Round(10*time.Microsecond), times[8].Round(10*time.Microsecond))
	}
	t.Logf("sum of medians %v", total.Round(10*time.Microsecond))
}
