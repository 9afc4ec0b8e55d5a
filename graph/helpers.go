package graph

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"sudpro/model"
	"sudpro/store"
)

// MaxNodes is the most IDs nodes(ids:) accepts in one call.
const MaxNodes = 100

// pageArgs gathers a connection's Relay arguments.
func pageArgs(first *int, after *string, last *int, before *string) model.PageArgs {
	return model.PageArgs{First: first, After: after, Last: last, Before: before}
}

// load resolves one key through a loader.
func load[K comparable, V any](ctx context.Context, l *Loader[K, V], key K) (V, error) {
	return l.Load(ctx, key)()
}

// loadAll resolves several keys through a loader, in key order, in one batch.
func loadAll[K comparable, V any](ctx context.Context, l *Loader[K, V], keys []K) ([]V, error) {
	values, errs := l.loadMany(ctx, keys)()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return values, nil
}

// childPage validates a nested connection's arguments (so errors name them) and makes its loader key.
func childPage[K comparable](ctx context.Context, parent K, variant string, first *int, after *string, cursorOrder string) (childPageKey[K], error) {
	page, err := model.ParsePage(model.PageArgs{First: first, After: after}, cursorOrder)
	if err != nil {
		return childPageKey[K]{}, err
	}
	key := childPageKey[K]{ParentID: parent, Variant: variant, Viewer: model.ActorFrom(ctx), First: page.Limit,
		Counted: selects(ctx, []string{"totalCount"})}
	if after != nil {
		key.After = *after
	}
	return key, nil
}

// enterpriseQuery turns the schema's filter into a store query for the calling actor; codes may be given as
// global IDs or bare codes.
func enterpriseQuery(ctx context.Context, filter *model.EnterpriseFilter, orderBy *model.EnterpriseOrder) (model.EnterpriseQuery, error) {
	q := model.EnterpriseQuery{Viewer: model.ActorFrom(ctx)}
	if orderBy != nil {
		q.Order = *orderBy
	}
	if filter != nil {
		for _, id := range filter.Sectors {
			q.SectorCodes = append(q.SectorCodes, model.ParseCodeID("filter.sectors", model.TypeSector, id))
		}
		for _, id := range filter.Communes {
			q.CommuneCodes = append(q.CommuneCodes, model.ParseCodeID("filter.communes", model.TypeCommune, id))
		}
		q.LegalForms = filter.LegalForms
		q.Statuses = filter.Statuses
		q.Small = filter.IsSmallBusiness
		if filter.ApeCodePrefix != nil {
			q.APECodePrefix = *filter.ApeCodePrefix
		}
		if filter.NameContains != nil {
			q.NameContains = *filter.NameContains
		}
		if filter.Headcount != nil {
			q.HeadcountMin, q.HeadcountMax = filter.Headcount.Min, filter.Headcount.Max
		}
		q.Eligible, q.UsedCreditSud = filter.Eligible, filter.HasUsedCreditSud
	}
	return q, q.Validate()
}

// invoiceQuery turns the schema's filter into a store query for the calling actor.
func invoiceQuery(ctx context.Context, filter *model.InvoiceFilter) (model.InvoiceQuery, error) {
	q := model.InvoiceQuery{Viewer: model.ActorFrom(ctx)}
	if filter == nil {
		return q, nil
	}
	q.Statuses = filter.Statuses
	q.SellerSectors = sectorCodes(filter.SellerSectors)
	q.BuyerSectors = sectorCodes(filter.BuyerSectors)
	q.IssuedFrom, q.IssuedBefore = filter.IssuedFrom, filter.IssuedBefore
	var err error
	for _, f := range []struct {
		field, typeName string
		id              *string
		dst             *int64
	}{
		{"filter.session", model.TypeSession, filter.Session, &q.SessionID},
		{"filter.seller", model.TypeEnterprise, filter.Seller, &q.SellerID},
		{"filter.buyer", model.TypeEnterprise, filter.Buyer, &q.BuyerID},
	} {
		if f.id == nil {
			continue
		}
		if *f.dst, err = model.ParseIntID(f.field, f.typeName, *f.id); err != nil {
			return q, err
		}
	}
	return q, nil
}

// nodeThunk starts loading the object behind a global ID and returns a function that waits for it; several
// thunks started together are fetched in one batch per type. A missing or invisible object is nil, no error.
func (r *Resolver) nodeThunk(ctx context.Context, id string) func() (model.Node, error) {
	typeName, key, err := model.ParseGlobalID("id", id)
	if err != nil {
		return func() (model.Node, error) { return nil, err }
	}
	l := r.loaders(ctx)
	actor := model.ActorFrom(ctx)
	intKey := func() (int64, bool) {
		n, err := model.ParseIntID("id", typeName, id)
		return n, err == nil
	}
	switch typeName {
	case model.TypeSector:
		return referenceNode(r.sector(ctx, key))
	case model.TypeCommune:
		return referenceNode(r.commune(ctx, key))
	case model.TypeTgcRate:
		return referenceNode(r.tgcRate(ctx, key))
	}
	n, ok := intKey()
	if !ok {
		return func() (model.Node, error) { return nil, nil }
	}
	switch typeName {
	case model.TypeEnterprise:
		return visibleNode(l.Enterprise.Load(ctx, n), func(e *model.Enterprise) bool { return e.VisibleTo(actor) })
	case model.TypeProgramme:
		return visibleNode(l.Programme.Load(ctx, n), func(*model.Programme) bool { return true })
	case model.TypeSession:
		return visibleNode(l.Session.Load(ctx, n), func(*model.Session) bool { return true })
	case model.TypeInvoice:
		return visibleNode(l.Invoice.Load(ctx, n), func(i *model.Invoice) bool { return i.VisibleTo(actor) })
	case model.TypeConsultation:
		return visibleNode(l.Consultation.Load(ctx, n), func(c *model.Consultation) bool { return c.VisibleTo(actor) })
	case model.TypeOffer: // sealed by the store: the loader returns only the offers the actor may see
		return visibleNode(l.Consultations.Offer.Load(ctx, n), func(*model.Offer) bool { return true })
	case model.TypeQuestion:
		return visibleNode(l.Consultations.Question.Load(ctx, n), func(*model.Question) bool { return true })
	case model.TypeAccount:
		return visibleNode(l.Account.Load(ctx, n), func(*model.Account) bool { return actor.IsStaff() })
	case model.TypeLedgerEntry:
		return visibleNode(l.Entry.Load(ctx, n), func(*model.JournalEntry) bool { return actor.IsStaff() })
	case model.TypeAuditEntry:
		return visibleNode(l.Audit.Load(ctx, n), func(*model.AuditEntry) bool { return actor.Role == model.RoleAdmin })
	case model.TypeAPIKey:
		return visibleNode(l.APIKey.Load(ctx, n), func(*model.APIKey) bool { return actor.Role == model.RoleAdmin })
	case model.TypeContactRequest:
		return visibleNode(l.ContactRequest.Load(ctx, n), func(c *model.ContactRequest) bool { return c.VisibleTo(actor) })
	case model.TypePrivateOrder:
		return visibleNode(l.PrivateOrder.Load(ctx, n), func(o *model.PrivateOrder) bool { return o.VisibleTo(actor) })
	}
	return func() (model.Node, error) { return nil, nil }
}

// visibleNode waits for a loaded object and hides it when missing or not visible to the caller.
func visibleNode[V model.Node](thunk dataloader.Thunk[V], visible func(V) bool) func() (model.Node, error) {
	return func() (model.Node, error) {
		v, err := thunk()
		if model.ErrorCodeOf(err) == model.CodeNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !visible(v) {
			return nil, nil
		}
		return v, nil
	}
}

// referenceNode is a node(id:) answer from the reference cache: an unknown code is nil, no error, as for the
// other types.
func referenceNode[V model.Node](v V, err error) func() (model.Node, error) {
	return visibleNode(func() (V, error) { return v, err }, func(V) bool { return true })
}

// cursorOrderOf returns the cursor tag of an enterprise order argument.
func cursorOrderOf(orderBy *model.EnterpriseOrder) string {
	if orderBy == nil {
		return store.EnterpriseCursorOrder(model.EnterpriseOrderName)
	}
	return store.EnterpriseCursorOrder(*orderBy)
}

// enterprisesOf resolves the enterprises connection of many sectors or communes: a forward page of each in
// one batch; a backward page (rare) per parent through the top-level list.
func (r *Resolver) enterprisesOf(ctx context.Context, l *Loader[childPageKey[string], *model.EnterpriseConnection],
	codes []string, first *int, after *string, last *int, before *string, filter func(string) *model.EnterpriseFilter) ([]*model.EnterpriseConnection, error) {
	if last != nil || before != nil {
		out := make([]*model.EnterpriseConnection, len(codes))
		for i, code := range codes {
			conn, err := r.Query().Enterprises(ctx, nil, first, after, last, before, filter(code), nil)
			if err != nil {
				return nil, err
			}
			out[i] = conn.EnterpriseConnection
		}
		return out, nil
	}
	key, err := childPage(ctx, "", "", first, after, cursorOrderOf(nil))
	if err != nil {
		return nil, err
	}
	return each(ctx, l, codes, func(code string) (childPageKey[string], bool) {
		k := key
		k.ParentID = code
		return k, true
	})
}

// prefetchInvoiceRelations loads, in one batch per relation, what the client selected under a page of
// invoices (parties, lines, session), so that nested lists resolve from the loaders' caches instead of one
// batch per parent.
func (r *Resolver) prefetchInvoiceRelations(ctx context.Context, invoices []*model.Invoice) error {
	if len(invoices) == 0 {
		return nil
	}
	l := r.loaders(ctx)
	var thunks []func() error
	if selects(ctx, nodePaths("seller", "buyer")...) {
		ids := make([]int64, 0, 2*len(invoices))
		for _, i := range invoices {
			ids = append(ids, i.SellerID, i.BuyerID)
		}
		thunks = append(thunks, prefetch(ctx, l.Enterprise, ids))
	}
	if selects(ctx, nodePaths("lines", "tgcBreakdown")...) {
		ids := make([]int64, len(invoices))
		for n, i := range invoices {
			ids[n] = i.ID
		}
		thunks = append(thunks, prefetch(ctx, l.InvoiceLines, ids))
	}
	if selects(ctx, nodePaths("session")...) {
		var ids []int64
		for _, i := range invoices {
			if i.SessionID != nil {
				ids = append(ids, *i.SessionID)
			}
		}
		thunks = append(thunks, prefetch(ctx, l.Session, ids))
	}
	for _, wait := range thunks {
		if err := wait(); err != nil {
			return err
		}
	}
	return nil
}

// prefetch starts loading keys in one batch and returns a function waiting for it; missing rows are not an
// error here (the field that needs them reports it).
func prefetch[K comparable, V any](ctx context.Context, l *Loader[K, V], keys []K) func() error {
	thunk := l.loadMany(ctx, keys)
	return func() error {
		_, errs := thunk()
		for _, err := range errs {
			if err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
				return err
			}
		}
		return nil
	}
}
