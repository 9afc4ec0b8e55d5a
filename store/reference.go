package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"

	"sudpro/model"
)

// References is an immutable snapshot of the reference tables (sectors, communes, TGC rates), served from the
// process's memory. The values it hands out are shared by every request of the process and are read-only: a caller
// must not modify them (the store's list and by-codes methods return copies for callers that want their own).
type References struct {
	sectors  []*model.Sector  // by position
	communes []*model.Commune // by name
	rates    []*model.TGCRate // from the lowest
	sector   map[string]*model.Sector
	commune  map[string]*model.Commune
	rate     map[string]*model.TGCRate
}

// Sector returns the sector with this code (read-only).
func (r *References) Sector(code string) (*model.Sector, bool) {
	s, ok := r.sector[code]
	return s, ok
}

// Commune returns the commune with this code (read-only).
func (r *References) Commune(code string) (*model.Commune, bool) {
	c, ok := r.commune[code]
	return c, ok
}

// TGCRate returns the TGC rate with this code (read-only).
func (r *References) TGCRate(code string) (*model.TGCRate, bool) {
	t, ok := r.rate[code]
	return t, ok
}

// referenceCache holds the current References of a process, shared by a Store and every store derived from it
// (WithReplica, InTx). Only migrations write the reference tables, and they run before the servers that use them
// (at start in local mode; `sudpro migrate up` then a rolling restart in production, docs/deploy.md), so the tables
// are read once per process, on first use, with no expiry: a timer would re-read tables that do not change, and
// the data is stale only if a migration changes them under a live process, which RefreshReferences is for. A load
// builds a new snapshot and swaps it in whole, so a reader holding one sees it unchanged and consistent.
type referenceCache struct {
	db   bun.IDB    // where the tables are read: what New was given, so a derived store's transaction never is
	mu   sync.Mutex // one load at a time
	snap atomic.Pointer[References]
}

// References returns the reference tables' current snapshot, reading them (one statement per table) on first use.
func (s *Store) References(ctx context.Context) (*References, error) {
	if r := s.ref.snap.Load(); r != nil {
		return r, nil
	}
	s.ref.mu.Lock()
	defer s.ref.mu.Unlock()
	if r := s.ref.snap.Load(); r != nil { // loaded while this caller waited
		return r, nil
	}
	return s.ref.load(ctx)
}

// RefreshReferences re-reads the reference tables now, for a process that outlives a migration of them; readers
// holding the previous snapshot keep it unchanged.
func (s *Store) RefreshReferences(ctx context.Context) error {
	s.ref.mu.Lock()
	defer s.ref.mu.Unlock()
	_, err := s.ref.load(ctx)
	return err
}

// load reads the three tables and publishes them as the current snapshot; the caller holds c.mu.
func (c *referenceCache) load(ctx context.Context) (*References, error) {
	r := &References{}
	if err := c.db.NewSelect().Model(&r.sectors).OrderExpr("se.position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list sectors: %w", err)
	}
	if err := c.db.NewSelect().Model(&r.communes).OrderExpr("co.name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	if err := c.db.NewSelect().Model(&r.rates).OrderExpr("tr.basis_points").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list TGC rates: %w", err)
	}
	r.sector = byCode(r.sectors, func(s *model.Sector) string { return s.Code })
	r.commune = byCode(r.communes, func(c *model.Commune) string { return c.Code })
	r.rate = byCode(r.rates, func(t *model.TGCRate) string { return t.Code })
	c.snap.Store(r)
	return r, nil
}

func byCode[V any](rows []*V, code func(*V) string) map[string]*V {
	m := make(map[string]*V, len(rows))
	for _, row := range rows {
		m[code(row)] = row
	}
	return m
}

// Communes returns the communes of the Province Sud by name: copies the caller may change.
func (s *Store) Communes(ctx context.Context) ([]*model.Commune, error) {
	return copied(ctx, s, func(r *References) []*model.Commune { return r.communes }, copyCommune)
}

// Sectors returns the sectors in their usual order: copies the caller may change.
func (s *Store) Sectors(ctx context.Context) ([]*model.Sector, error) {
	return copied(ctx, s, func(r *References) []*model.Sector { return r.sectors }, copyOf)
}

// TGCRates returns the TGC rates from the lowest: copies the caller may change.
func (s *Store) TGCRates(ctx context.Context) ([]*model.TGCRate, error) {
	return copied(ctx, s, func(r *References) []*model.TGCRate { return r.rates }, copyOf)
}

// CommunesByCodes returns copies of the communes with the given codes, keyed by code.
func (s *Store) CommunesByCodes(ctx context.Context, codes []string) (map[string]*model.Commune, error) {
	return copiedByCodes(ctx, s, codes, (*References).Commune, copyCommune)
}

// SectorsByCodes returns copies of the sectors with the given codes, keyed by code.
func (s *Store) SectorsByCodes(ctx context.Context, codes []string) (map[string]*model.Sector, error) {
	return copiedByCodes(ctx, s, codes, (*References).Sector, copyOf)
}

// TGCRatesByCodes returns copies of the TGC rates with the given codes, keyed by code.
func (s *Store) TGCRatesByCodes(ctx context.Context, codes []string) (map[string]*model.TGCRate, error) {
	return copiedByCodes(ctx, s, codes, (*References).TGCRate, copyOf)
}

func copied[V any](ctx context.Context, s *Store, rows func(*References) []*V, cp func(*V) *V) ([]*V, error) {
	r, err := s.References(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*V, 0, len(rows(r)))
	for _, row := range rows(r) {
		out = append(out, cp(row))
	}
	return out, nil
}

func copiedByCodes[V any](ctx context.Context, s *Store, codes []string, find func(*References, string) (*V, bool), cp func(*V) *V) (map[string]*V, error) {
	r, err := s.References(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*V, len(codes))
	for _, code := range codes {
		if v, ok := find(r, code); ok {
			out[code] = cp(v)
		}
	}
	return out, nil
}

func copyOf[V any](v *V) *V {
	c := *v
	return &c
}

func copyCommune(c *model.Commune) *model.Commune {
	cp := *c
	cp.Aliases = slices.Clone(c.Aliases)
	return &cp
}
