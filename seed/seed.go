// Package seed fills an empty Sud Pro database with deterministic, realistic data: the same profile and seed
// always give the same rows, byte for byte (ids, timestamps included), so demos, screenshots and benchmarks
// can be reproduced anywhere. CréditSud money goes through the store's ledger like live traffic (sessions funded,
// allocations granted, invoices replayed up to their status), so the ledger invariants hold on seeded data; the
// only values that differ between runs are the ledger's transaction ids.
package seed

import (
	"context"
	"fmt"
	"strings"

	"sudpro/model"
	"sudpro/store"
)

// Summary counts what a seed run created.
type Summary struct {
	Enterprises, Programmes, Sessions, Allocations, Invoices, Consultations int
	Offers, ContactRequests                                                 int
}

// profile is a named data set and the function that generates and inserts it inside the seed transaction.
type profile struct {
	name string
	run  func(ctx context.Context, tx *store.Store, seed int64) (Summary, error)
	// stepwise profiles are too large for one transaction and commit in steps: run gets the store, not a
	// transaction. Thousands of ledger entries in one transaction make PostgreSQL walk ever longer chains of row
	// versions of the envelope's accounts (none can be pruned before the commit), so the time grows with the
	// square of the invoices. An interrupted stepwise run leaves a partial data set, which seed then refuses.
	stepwise bool
	// bulk profiles write with COPY (store.InBulkTx).
	bulk bool
}

// profiles lists the known profiles; later ones ("sudmag-2025", "nc-scale") are added here.
func profiles() []profile {
	return []profile{
		{name: "demo", run: runDemo},
		{name: "sudmag-2025", run: runSudmag, stepwise: true},
		{name: "nc-scale", run: runNCScale, bulk: true},
	}
}

// Profiles returns the names of the known profiles, for command-line help and error messages.
func Profiles() []string {
	var names []string
	for _, p := range profiles() {
		names = append(names, p.name)
	}
	return names
}

// Run fills an empty, migrated database with the named profile's data, deterministically from seed, in one
// transaction: either all of it is there afterwards or none. It refuses a database that already has businesses,
// since seeded rows would collide with them (and the result would no longer be reproducible).
func Run(ctx context.Context, st *store.Store, profileName string, seed int64) (Summary, error) {
	var p *profile
	for _, candidate := range profiles() {
		if candidate.name == profileName {
			p = &candidate
			break
		}
	}
	if p == nil {
		return Summary{}, model.Invalid("profile", "unknown seed profile %q (known profiles: %s)",
			profileName, strings.Join(Profiles(), ", "))
	}
	var sum Summary
	var err error
	if p.stepwise {
		sum, err = fillStepwise(ctx, st, func(st *store.Store) (Summary, error) { return p.run(ctx, st, seed) })
	} else {
		sum, err = fill(ctx, st, p.bulk, func(tx *store.Store) (Summary, error) { return p.run(ctx, tx, seed) })
	}
	if err != nil {
		return Summary{}, fmt.Errorf("seed profile %s with seed %d: %w", profileName, seed, err)
	}
	return sum, nil
}

// fillStepwise runs gen on the store itself (it commits in steps) on an empty database, then analyzes the tables.
func fillStepwise(ctx context.Context, st *store.Store, gen func(st *store.Store) (Summary, error)) (Summary, error) {
	empty, err := Empty(ctx, st)
	if err == nil && !empty {
		err = model.Errorf(model.CodeConflict, "", "the database already has businesses: seed only fills an empty database")
	}
	if err != nil {
		return Summary{}, err
	}
	sum, err := gen(st)
	if err != nil {
		return Summary{}, err
	}
	return sum, settle(ctx, st)
}

// settle merges the dashboard's rollups the seed grew and refreshes the planner's statistics.
func settle(ctx context.Context, st *store.Store) error {
	if _, err := st.CompactDashboard(ctx); err != nil {
		return err
	}
	return st.Analyze(ctx)
}

// fill runs gen in one transaction (InBulkTx when bulk) on an empty database, then analyzes the tables.
func fill(ctx context.Context, st *store.Store, bulk bool, gen func(tx *store.Store) (Summary, error)) (Summary, error) {
	inTx := st.InTx
	if bulk {
		inTx = st.InBulkTx
	}
	var sum Summary
	err := inTx(ctx, func(tx *store.Store) error {
		empty, err := Empty(ctx, tx)
		if err != nil {
			return err
		}
		if !empty {
			return model.Errorf(model.CodeConflict, "", "the database already has businesses: seed only fills an empty database")
		}
		// A retried transaction regenerates the same data from the same seed, so sum is always that of the
		// attempt that committed.
		sum, err = gen(tx)
		if err == nil && bulk {
			// Inside the transaction, where a bulk load has no statement timeout.
			err = settle(ctx, tx)
		}
		return err
	})
	if err != nil || bulk {
		return sum, err
	}
	return sum, settle(ctx, st)
}

// Empty reports whether the database has no business yet (make run seeds only an empty database).
func Empty(ctx context.Context, st *store.Store) (bool, error) {
	n, err := st.CountEnterprises(ctx, model.EnterpriseQuery{Viewer: model.Actor{Role: model.RoleAdmin}})
	if err != nil {
		return false, fmt.Errorf("check whether the database is empty: %w", err)
	}
	return n == 0, nil
}
