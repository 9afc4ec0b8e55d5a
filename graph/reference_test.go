package graph

import (
	"context"
	"testing"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// The reference fields find known codes in the cache and answer NOT_FOUND for an unknown one, as the loaders they
// replace did; a list with an unknown code fails whole.
func TestReferenceFieldsOfUnknownCodesAreNotFound(t *testing.T) {
	t.Parallel()
	r := &Resolver{store: store.New(dbtest.New(t))}
	ctx := context.Background()
	if s, err := r.sector(ctx, "BTP"); err != nil || s.Name != "BTP" {
		t.Errorf("sector(BTP) = %+v, %v; want the BTP sector", s, err)
	}
	if c, err := r.commune(ctx, "98818"); err != nil || c.Name != "Nouméa" {
		t.Errorf("commune(98818) = %+v, %v; want Nouméa", c, err)
	}
	if rate, err := r.tgcRate(ctx, "REDUCED"); err != nil || rate.BasisPoints != 300 {
		t.Errorf("tgcRate(REDUCED) = %+v, %v; want 300 basis points", rate, err)
	}
	if ss, err := r.sectors(ctx, []string{"SANTE", "BTP"}); err != nil || len(ss) != 2 || ss[0].Code != "SANTE" || ss[1].Code != "BTP" {
		t.Errorf("sectors(SANTE, BTP) = %v, %v; want both in that order", ss, err)
	}
	tests := []struct {
		name string
		err  error
	}{
		{"sector", second(r.sector(ctx, "NOPE"))},
		{"commune", second(r.commune(ctx, "98899"))},
		{"TGC rate", second(r.tgcRate(ctx, "NOPE"))},
		{"sectors", second(r.sectors(ctx, []string{"BTP", "NOPE"}))},
	}
	for _, tt := range tests {
		if model.ErrorCodeOf(tt.err) != model.CodeNotFound {
			t.Errorf("%s of an unknown code: error %v, want NOT_FOUND", tt.name, tt.err)
		}
	}
}

func second[V any](_ V, err error) error { return err }
