package graph

import (
	"context"

	"sudpro/model"
	"sudpro/store"
)

// The reference fields (a business's sector and commune, a line's TGC rate, …) are plain resolvers over the
// process's reference cache (store.References): no SQL, no dataloader and no batch, each value found by its code.
// The values are the cache's own, shared and read-only; gqlgen only reads them.

// sector returns the sector with code; an unknown code is NOT_FOUND.
func (r *Resolver) sector(ctx context.Context, code string) (*model.Sector, error) {
	return reference(ctx, r.store, (*store.References).Sector, code, "sector")
}

// commune returns the commune with code; an unknown code is NOT_FOUND.
func (r *Resolver) commune(ctx context.Context, code string) (*model.Commune, error) {
	return reference(ctx, r.store, (*store.References).Commune, code, "commune")
}

// tgcRate returns the TGC rate with code; an unknown code is NOT_FOUND.
func (r *Resolver) tgcRate(ctx context.Context, code string) (*model.TGCRate, error) {
	return reference(ctx, r.store, (*store.References).TGCRate, code, "TGC rate")
}

// sectors returns the sectors with codes, in the codes' order; an unknown code fails the whole list (NOT_FOUND).
func (r *Resolver) sectors(ctx context.Context, codes []string) ([]*model.Sector, error) {
	out := make([]*model.Sector, len(codes))
	for i, code := range codes {
		s, err := r.sector(ctx, code)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func reference[V any](ctx context.Context, st *store.Store, find func(*store.References, string) (V, bool), code, what string) (V, error) {
	var zero V
	refs, err := st.References(ctx)
	if err != nil {
		return zero, err
	}
	v, ok := find(refs, code)
	if !ok {
		return zero, model.Errorf(model.CodeNotFound, "", "%s not found", what)
	}
	return v, nil
}
