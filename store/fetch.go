package store

import (
	"context"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// byKeys loads the rows of T whose column is one of keys in a single statement, keyed by key(row). Missing keys
// are simply absent: callers (dataloaders) decide what a missing row means.
func byKeys[T any, K comparable](ctx context.Context, db bun.IDB, column string, keys []K, key func(*T) K) (map[K]*T, error) {
	out := make(map[K]*T, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	var rows []*T
	if err := db.NewSelect().Model(&rows).Where("? = ANY(?)", bun.Safe(column), pgdialect.Array(keys)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load %s by %s: %w", reflect.TypeFor[T]().Name(), column, err)
	}
	for _, row := range rows {
		out[key(row)] = row
	}
	return out, nil
}

// pgIDs passes ids as a PostgreSQL bigint array.
func pgIDs(ids []int64) any { return pgdialect.Array(ids) }
