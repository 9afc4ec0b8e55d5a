package graph

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"sudpro/model"
	"sudpro/store"
)

// loaderWait is how long a loader collects keys before it runs its batch: long enough for sibling resolvers
// to join the batch, short enough not to be felt (the library's 16 ms default would be).
const loaderWait = 2 * time.Millisecond

// Loaders batch the relation lookups of one request. A new set is made per request and never shared, so
// nothing is cached across requests or users. The reference tables (sectors, communes, TGC rates) need no loader:
// they are served from the process's reference cache (graph/reference.go, store.References).
type Loaders struct {
	Enterprise           *Loader[int64, *model.Enterprise]
	Programme            *Loader[int64, *model.Programme]
	Session              *Loader[int64, *model.Session]
	Invoice              *Loader[int64, *model.Invoice]
	Consultation         *Loader[int64, *model.Consultation]
	InvoiceLines         *Loader[int64, []*model.InvoiceLine]
	InvoicesByEnterprise *Loader[childPageKey[int64], *model.InvoiceConnection]
	SessionsByProgramme  *Loader[childPageKey[int64], *model.SessionConnection]
	EnterprisesBySector  *Loader[childPageKey[string], *model.EnterpriseConnection]
	EnterprisesByCommune *Loader[childPageKey[string], *model.EnterpriseConnection]
	Account              *Loader[int64, *model.Account]
	Entry                *Loader[int64, *model.JournalEntry]
	Audit                *Loader[int64, *model.AuditEntry]
	APIKey               *Loader[int64, *model.APIKey]
	SessionBudget        *Loader[int64, *model.SessionBudget]
	Credit               *Loader[store.CreditKey, *model.Credit]
	EntriesByInvoice     *Loader[int64, []*model.JournalEntry]
	Postings             *Loader[int64, []*model.Posting]
	// directory
	ContactRequest *Loader[int64, *model.ContactRequest]
	PrivateOrder   *Loader[int64, *model.PrivateOrder]
	BusinessDone   *Loader[int64, *model.BusinessDone]
	Consultations  *ConsultationLoaders
}

// childPageKey asks for one page of a parent's nested list; keys with the same page arguments are batched into
// one statement.
type childPageKey[K comparable] struct {
	ParentID K
	Variant  string // e.g. the invoice party: "SELLER", "BUYER" or ""
	Viewer   model.Actor
	First    int
	After    string
	Counted  bool // the client asked for totalCount: count every parent of the batch in one statement
	// Joined: the client asked for the rows' related objects, read in the page's statement and primed into their
	// loaders (a page of invoices: their parties).
	Joined bool
}

// NewLoaders returns a fresh set of loaders over st.
func NewLoaders(st *store.Store) *Loaders {
	enterprise := newLoader(st.EnterprisesByIDs, "enterprise")
	return &Loaders{
		Enterprise:   enterprise,
		Programme:    newLoader(st.ProgrammesByIDs, "programme"),
		Session:      newLoader(st.SessionsByIDs, "session"),
		Invoice:      newLoader(st.InvoicesByIDs, "invoice"),
		Consultation: newLoader(st.ConsultationsByIDs, "consultation"),
		InvoiceLines: newBatchLoader(func(ctx context.Context, ids []int64) []*dataloader.Result[[]*model.InvoiceLine] {
			byID, err := st.LinesByInvoiceIDs(ctx, ids)
			return inKeyOrder(ids, byID, err, func(int64) ([]*model.InvoiceLine, error) { return nil, nil })
		}),
		InvoicesByEnterprise: newPageLoader(func(ctx context.Context, ids []int64, g pageGroup, page model.Page) (map[int64]*model.InvoiceConnection, error) {
			if !g.joined {
				return st.InvoicesByEnterprises(ctx, ids, g.variant, page, g.counted)
			}
			conns, parties, err := st.InvoicesAndPartiesByEnterprises(ctx, ids, g.variant, page, g.counted)
			for id, e := range parties {
				enterprise.Prime(ctx, id, e)
			}
			return conns, err
		}, store.InvoiceCursorOrder),
		SessionsByProgramme: newPageLoader(func(ctx context.Context, ids []int64, g pageGroup, page model.Page) (map[int64]*model.SessionConnection, error) {
			return st.SessionsByProgrammes(ctx, ids, page, g.counted)
		}, store.SessionCursorOrder),
		Account:       newLoader(st.AccountsByIDs, "account"),
		Entry:         newLoader(st.EntriesByIDs, "ledger entry"),
		Audit:         newLoader(st.AuditByIDs, "audit entry"),
		APIKey:        newLoader(st.APIKeysByIDs, "API key"),
		SessionBudget: newLoader(st.SessionBudgets, "session budget"),
		Credit:        newLoader(st.Credits, "credit"),
		EntriesByInvoice: newBatchLoader(func(ctx context.Context, ids []int64) []*dataloader.Result[[]*model.JournalEntry] {
			byID, err := st.EntriesByInvoiceIDs(ctx, ids)
			return inKeyOrder(ids, byID, err, func(int64) ([]*model.JournalEntry, error) { return nil, nil })
		}),
		Postings: newBatchLoader(func(ctx context.Context, ids []int64) []*dataloader.Result[[]*model.Posting] {
			byID, err := st.PostingsByEntryIDs(ctx, ids)
			return inKeyOrder(ids, byID, err, func(int64) ([]*model.Posting, error) { return nil, nil })
		}),
		ContactRequest: newLoader(st.ContactRequestsByIDs, "contact request"),
		PrivateOrder:   newLoader(st.PrivateOrdersByIDs, "private order"),
		BusinessDone:   newLoader(st.BusinessDoneByEnterprises, "business done"),
		EnterprisesBySector: newPageLoader(func(ctx context.Context, codes []string, g pageGroup, page model.Page) (map[string]*model.EnterpriseConnection, error) {
			return st.EnterprisesByParents(ctx, store.BySector, codes, model.EnterpriseQuery{Viewer: g.viewer}, page, g.counted)
		}, store.EnterpriseCursorOrder(model.EnterpriseOrderName)),
		EnterprisesByCommune: newPageLoader(func(ctx context.Context, codes []string, g pageGroup, page model.Page) (map[string]*model.EnterpriseConnection, error) {
			return st.EnterprisesByParents(ctx, store.ByCommune, codes, model.EnterpriseQuery{Viewer: g.viewer}, page, g.counted)
		}, store.EnterpriseCursorOrder(model.EnterpriseOrderName)),
		Consultations: newConsultationLoaders(st),
	}
}

// Loader is a per-request dataloader that also lets a batch resolver, which knows all its keys at once, run
// the batch function itself: a sibling group then costs exactly one statement, however the goroutines are
// scheduled, and its results still land in the loader's cache for everyone else.
type Loader[K comparable, V any] struct {
	*dataloader.Loader[K, V]
	cache *dataloader.InMemoryCache[K, V]
	batch dataloader.BatchFunc[K, V]
}

func newBatchLoader[K comparable, V any](batch dataloader.BatchFunc[K, V]) *Loader[K, V] {
	batch = observed(batch)
	cache := dataloader.NewCache[K, V]() // per request only: the loader set is made per request
	return &Loader[K, V]{
		Loader: dataloader.NewBatchedLoader(batch,
			dataloader.WithWait[K, V](loaderWait),
			dataloader.WithBatchCapacity[K, V](1000),
			dataloader.WithCache[K, V](cache)),
		cache: cache,
		batch: batch,
	}
}

// loadMany returns a function waiting for the values of keys. When several keys are not cached yet, they are
// fetched now in one batch and primed into the cache; a single key goes through the loader's time window, where
// it can meet the keys of concurrent resolvers.
func (l *Loader[K, V]) loadMany(ctx context.Context, keys []K) func() ([]V, []error) {
	var misses []K
	seen := make(map[K]bool, len(keys))
	for _, k := range keys {
		if _, cached := l.cache.Get(ctx, k); !cached && !seen[k] {
			seen[k] = true
			misses = append(misses, k)
		}
	}
	if len(misses) > 1 {
		for i, r := range l.batch(ctx, misses) {
			if r.Error == nil {
				l.Prime(ctx, misses[i], r.Data)
			}
		}
	}
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	return func() ([]V, []error) {
		values := make([]V, len(keys))
		var errs []error
		for i, thunk := range thunks {
			v, err := thunk()
			values[i] = v
			if err != nil {
				if errs == nil {
					errs = make([]error, len(keys))
				}
				errs[i] = err
			}
		}
		return values, errs
	}
}

// newLoader makes a loader over a store method that fetches many rows by key; a missing key is NOT_FOUND.
func newLoader[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error), what string) *Loader[K, V] {
	return newBatchLoader(func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		byKey, err := fetch(ctx, keys)
		return inKeyOrder(keys, byKey, err, func(K) (V, error) {
			var zero V
			return zero, model.Errorf(model.CodeNotFound, "", "%s not found", what)
		})
	})
}

// inKeyOrder returns exactly one result per key, in key order, as dataloader requires.
func inKeyOrder[K comparable, V any](keys []K, byKey map[K]V, err error, missing func(K) (V, error)) []*dataloader.Result[V] {
	results := make([]*dataloader.Result[V], len(keys))
	for i, k := range keys {
		switch v, ok := byKey[k]; {
		case err != nil:
			results[i] = &dataloader.Result[V]{Error: err}
		case ok:
			results[i] = &dataloader.Result[V]{Data: v}
		default:
			v, missingErr := missing(k)
			results[i] = &dataloader.Result[V]{Data: v, Error: missingErr}
		}
	}
	return results
}

// pageGroup is what the keys of one nested-list batch share besides their parent.
type pageGroup struct {
	variant string
	viewer  model.Actor
	first   int
	after   string
	counted bool
	joined  bool
}

// newPageLoader batches nested-list pages: keys are grouped by their page arguments and each group is one
// statement for all its parents.
func newPageLoader[K comparable, V any](fetch func(ctx context.Context, parents []K, g pageGroup, page model.Page) (map[K]V, error), cursorOrder string) *Loader[childPageKey[K], V] {
	return newBatchLoader(func(ctx context.Context, keys []childPageKey[K]) []*dataloader.Result[V] {
		groups := map[pageGroup][]K{}
		for _, k := range keys {
			g := pageGroup{k.Variant, k.Viewer, k.First, k.After, k.Counted, k.Joined}
			groups[g] = append(groups[g], k.ParentID)
		}
		byKey := make(map[childPageKey[K]]V, len(keys))
		var err error
		for g, parents := range groups {
			var page model.Page
			var conns map[K]V
			if page, err = model.ParsePage(model.PageArgs{First: &g.first, After: nonEmpty(g.after)}, cursorOrder); err != nil {
				break
			}
			if conns, err = fetch(ctx, parents, g, page); err != nil {
				break
			}
			for parent, c := range conns {
				byKey[childPageKey[K]{parent, g.variant, g.viewer, g.first, g.after, g.counted, g.joined}] = c
			}
		}
		return inKeyOrder(keys, byKey, err, func(childPageKey[K]) (V, error) {
			var zero V
			return zero, model.Errorf(model.CodeNotFound, "", "page not found")
		})
	})
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type loadersKey struct{}

// WithLoaders returns a context carrying a request's loaders.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loaders returns the request's loaders, installed by the HTTP handler; a caller outside it (a test calling a
// resolver directly) gets a fresh set rather than a panic.
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.store)
}
