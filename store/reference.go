package store

import (
	"context"
	"fmt"

	"sudpro/model"
)

// Communes returns the communes of the Province Sud by name.
func (s *Store) Communes(ctx context.Context) ([]*model.Commune, error) {
	var rows []*model.Commune
	if err := s.db.NewSelect().Model(&rows).OrderExpr("co.name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	return rows, nil
}

// Sectors returns the sectors in their usual order.
func (s *Store) Sectors(ctx context.Context) ([]*model.Sector, error) {
	var rows []*model.Sector
	if err := s.db.NewSelect().Model(&rows).OrderExpr("se.position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list sectors: %w", err)
	}
	return rows, nil
}

// TGCRates returns the TGC rates from the lowest.
func (s *Store) TGCRates(ctx context.Context) ([]*model.TGCRate, error) {
	var rows []*model.TGCRate
	if err := s.db.NewSelect().Model(&rows).OrderExpr("tr.basis_points").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list TGC rates: %w", err)
	}
	return rows, nil
}

// CommunesByCodes returns the communes with the given codes, keyed by code.
func (s *Store) CommunesByCodes(ctx context.Context, codes []string) (map[string]*model.Commune, error) {
	return byKeys(ctx, s.db, "co.code", codes, func(c *model.Commune) string { return c.Code })
}

// SectorsByCodes returns the sectors with the given codes, keyed by code.
func (s *Store) SectorsByCodes(ctx context.Context, codes []string) (map[string]*model.Sector, error) {
	return byKeys(ctx, s.db, "se.code", codes, func(c *model.Sector) string { return c.Code })
}

// TGCRatesByCodes returns the TGC rates with the given codes, keyed by code.
func (s *Store) TGCRatesByCodes(ctx context.Context, codes []string) (map[string]*model.TGCRate, error) {
	return byKeys(ctx, s.db, "tr.code", codes, func(r *model.TGCRate) string { return r.Code })
}
