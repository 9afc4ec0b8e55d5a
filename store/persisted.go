package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sudpro/model"
)

// RegisterPersistedOperation adds a document to the allowlist under its SHA-256; registering the same text again
// returns the existing entry.
func (s *Store) RegisterPersistedOperation(ctx context.Context, op model.Op, name, query string) (*model.PersistedOperation, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return nil, model.Invalid("input.name", "a name of 1 to 200 characters is required")
	}
	if strings.TrimSpace(query) == "" || len(query) > 100_000 {
		return nil, model.Invalid("input.query", "a GraphQL document of 1 to 100,000 characters is required")
	}
	p := &model.PersistedOperation{Hash: model.OperationHash(query), Name: name, Query: query, CreatedBy: op.Actor.Subject}
	err := s.db.NewRaw(`INSERT INTO persisted_operations (hash, name, query, created_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET hash = EXCLUDED.hash RETURNING *`, p.Hash, p.Name, p.Query, p.CreatedBy).Scan(ctx, p)
	if err != nil {
		return nil, mapError(err, "persisted operation")
	}
	return p, nil
}

// RemovePersistedOperation takes a document off the allowlist and returns it.
func (s *Store) RemovePersistedOperation(ctx context.Context, id int64) (*model.PersistedOperation, error) {
	p := new(model.PersistedOperation)
	err := s.db.NewRaw("DELETE FROM persisted_operations WHERE id = ? RETURNING *", id).Scan(ctx, p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.CodeNotFound, "input.id", "no such persisted operation")
	}
	if err != nil {
		return nil, fmt.Errorf("remove persisted operation: %w", err)
	}
	return p, nil
}

// PersistedOperations lists the allowlist, newest first (a dashboard's few dozen operations: no pagination, as
// for API keys).
func (s *Store) PersistedOperations(ctx context.Context) ([]*model.PersistedOperation, error) {
	var ops []*model.PersistedOperation
	if err := s.db.NewSelect().Model(&ops).OrderExpr("po.id DESC").Limit(1000).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list persisted operations: %w", err)
	}
	return ops, nil
}

// PersistedQuery returns the registered document with the given hash, or ok false.
func (s *Store) PersistedQuery(ctx context.Context, hash string) (query string, ok bool, err error) {
	err = s.db.NewRaw("SELECT query FROM persisted_operations WHERE hash = ?", hash).Scan(ctx, &query)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up persisted operation: %w", err)
	}
	return query, true, nil
}

// SetAPIKeyPersistedOnly restricts a key to the allowlist, or lifts the restriction.
func (s *Store) SetAPIKeyPersistedOnly(ctx context.Context, id int64, persistedOnly bool) (*model.APIKey, error) {
	k := new(model.APIKey)
	err := s.db.NewRaw("UPDATE api_keys SET persisted_only = ? WHERE id = ? RETURNING *", persistedOnly, id).Scan(ctx, k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.CodeNotFound, "input.id", "no such API key")
	}
	if err != nil {
		return nil, fmt.Errorf("set API key persisted-only: %w", err)
	}
	return k, nil
}
