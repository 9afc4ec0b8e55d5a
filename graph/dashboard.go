package graph

import (
	"context"
	"sync"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// dashboardScope validates the dashboard's arguments (model.ResolveDashboardScope) with the request's loaders.
func (r *Resolver) dashboardScope(ctx context.Context, programme, session *string, from, to *time.Time) (model.DashboardScope, error) {
	l := r.loaders(ctx)
	return model.ResolveDashboardScope(programme, session, from, to,
		func(id int64) (bool, error) {
			_, err := load(ctx, l.Programme, id)
			if model.ErrorCodeOf(err) == model.CodeNotFound {
				return false, nil
			}
			return err == nil, err
		},
		func(id int64) (int64, bool, error) {
			s, err := load(ctx, l.Session, id)
			if model.ErrorCodeOf(err) == model.CodeNotFound {
				return 0, false, nil
			}
			if err != nil {
				return 0, false, err
			}
			return s.ProgrammeID, true, nil
		})
}

// newDashboard returns the dashboard of a scope; figures that several fields share are read once, when first
// asked for.
func (r *Resolver) newDashboard(ctx context.Context, sc model.DashboardScope) *model.Dashboard {
	return &model.Dashboard{
		Scope:    sc,
		Spent:    sync.OnceValues(func() (*model.DashboardSpent, error) { return r.store.DashboardSpent(ctx, sc) }),
		Invoices: sync.OnceValues(func() (*model.DashboardInvoices, error) { return r.store.DashboardInvoices(ctx, sc) }),
	}
}

// perDashboard computes one figure for each dashboard of a batch (there is one dashboard per query field).
func perDashboard[V any](objs []*model.Dashboard, figure func(d *model.Dashboard) (V, error)) ([]V, error) {
	out := make([]V, len(objs))
	for i, d := range objs {
		v, err := figure(d)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// sharedFigure picks one figure of what several fields share (read once per dashboard).
func sharedFigure[S, V any](objs []*model.Dashboard, read func(*model.Dashboard) func() (S, error), pick func(S) V) ([]V, error) {
	return perDashboard(objs, func(d *model.Dashboard) (V, error) {
		s, err := read(d)()
		if err != nil {
			var zero V
			return zero, err
		}
		return pick(s), nil
	})
}

// spentFigure picks one breakdown of the CréditSud spent.
func spentFigure[V any](objs []*model.Dashboard, pick func(*model.DashboardSpent) V) ([]V, error) {
	return sharedFigure(objs, func(d *model.Dashboard) func() (*model.DashboardSpent, error) { return d.Spent }, pick)
}

// invoiceFigure picks one of the invoice figures.
func invoiceFigure[V any](objs []*model.Dashboard, pick func(*model.DashboardInvoices) V) ([]V, error) {
	return sharedFigure(objs, func(d *model.Dashboard) func() (*model.DashboardInvoices, error) { return d.Invoices }, pick)
}

// drillFetch lists one page of the records behind several figures of one scope and set.
type drillFetch[C any] func(ctx context.Context, sc model.DashboardScope, set model.DrillSet, keys []string, page model.Page, counted bool) (map[string]C, error)

// drillDown resolves the record connections of a batch of figures: one statement per scope and set (all the
// sectors of a breakdown, all the days of the series…) whatever the number of figures, and nothing for figures
// whose connection the caller may not read.
func drillDown[P comparable, C any](ctx context.Context, objs []P, drill func(P) model.Drill, first *int, after *string, cursorOrder string, fetch drillFetch[C]) ([]C, error) {
	page, err := model.ParsePage(model.PageArgs{First: first, After: after}, cursorOrder)
	if err != nil {
		return nil, err
	}
	counted := selects(ctx, []string{"totalCount"})
	readable := readableParents(ctx, objs)
	type group struct {
		scope model.DashboardScope
		set   model.DrillSet
	}
	keys := map[group][]string{}
	var order []group
	for _, o := range objs {
		if !readable[o] {
			continue
		}
		d := drill(o)
		g := group{d.Scope, d.Set}
		if _, ok := keys[g]; !ok {
			order = append(order, g)
		}
		keys[g] = append(keys[g], d.Key)
	}
	found := map[group]map[string]C{}
	for _, g := range order {
		if found[g], err = fetch(ctx, g.scope, g.set, keys[g], page, counted); err != nil {
			return nil, err
		}
	}
	out := make([]C, len(objs))
	for i, o := range objs {
		if readable[o] {
			d := drill(o)
			out[i] = found[group{d.Scope, d.Set}][d.Key]
		}
	}
	return out, nil
}

// drillInvoices resolves the invoice connections behind figures, with the invoices' relations prefetched.
func drillInvoices[P comparable](ctx context.Context, r *Resolver, objs []P, drill func(P) model.Drill, first *int, after *string) ([]*model.InvoiceConnection, error) {
	conns, err := drillDown(ctx, objs, drill, first, after, store.InvoiceCursorOrder, r.store.DashboardInvoiceRecords)
	if err != nil {
		return nil, err
	}
	return conns, r.prefetchInvoiceRelations(ctx, nodesOf(conns))
}

// drillEntries resolves the ledger entry connections behind figures, with the entries' relations prefetched.
func drillEntries[P comparable](ctx context.Context, r *Resolver, objs []P, drill func(P) model.Drill, first *int, after *string) ([]*model.LedgerEntryConnection, error) {
	conns, err := drillDown(ctx, objs, drill, first, after, store.EntryCursorOrder, r.store.DashboardEntries)
	if err != nil {
		return nil, err
	}
	return conns, r.prefetchEntryRelations(ctx, nodesOf(conns))
}

// nodesOf returns the nodes of several pages (nil pages included: a figure the caller may not drill into).
func nodesOf[T any](conns []*model.Connection[T]) []T {
	var out []T
	for _, c := range conns {
		if c != nil {
			out = append(out, c.Nodes()...)
		}
	}
	return out
}

// prefetchEntryRelations loads, in one batch per relation, what the client selected under pages of journal
// entries (postings and their accounts, invoices), so that the entries of many figures' pages resolve from the
// loaders' caches instead of one batch per page.
func (r *Resolver) prefetchEntryRelations(ctx context.Context, entries []*model.JournalEntry) error {
	if len(entries) == 0 {
		return nil
	}
	l := r.loaders(ctx)
	if selects(ctx, nodePaths("invoice")...) {
		var ids []int64
		for _, e := range entries {
			if e.InvoiceID != nil {
				ids = append(ids, *e.InvoiceID)
			}
		}
		if err := prefetch(ctx, l.Invoice, ids)(); err != nil {
			return err
		}
	}
	if !selects(ctx, nodePaths("postings")...) {
		return nil
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	postings, err := loadAll(ctx, l.Postings, ids)
	if err != nil {
		return err
	}
	if !selects(ctx, nodePaths("postings", "account")...) {
		return nil
	}
	var accounts []int64
	for _, ps := range postings {
		for _, p := range ps {
			accounts = append(accounts, p.AccountID)
		}
	}
	return prefetch(ctx, l.Account, accounts)()
}
