package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sudpro/model"
)

// CreateAPIKey creates a chamber's key and returns it with the key itself, which is never stored nor shown again.
func (s *Store) CreateAPIKey(ctx context.Context, op model.Op, name string, scopes []model.Scope) (*model.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return nil, "", model.Invalid("input.name", "a chamber name of 1 to 200 characters is required")
	}
	for i, sc := range scopes {
		if !sc.IsValid() {
			return nil, "", model.Invalid(fmt.Sprintf("input.scopes.%d", i), "%q is not a scope", sc)
		}
	}
	slices.Sort(scopes)
	key, prefix, hash := model.NewAPIKey()
	k := &model.APIKey{Name: name, Prefix: prefix, KeyHash: hash, Scopes: slices.Compact(scopes), CreatedBy: op.Actor.Subject}
	if _, err := s.db.NewInsert().Model(k).ExcludeColumn("id").Returning("id, created_at").Exec(ctx); err != nil {
		return nil, "", mapError(err, "API key")
	}
	return k, key, nil
}

// RevokeAPIKey revokes a key; revoking twice is harmless.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64) (*model.APIKey, error) {
	k := new(model.APIKey)
	err := s.db.NewRaw("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = ? RETURNING *", id).Scan(ctx, k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.CodeNotFound, "input.id", "no such API key")
	}
	if err != nil {
		return nil, fmt.Errorf("revoke API key: %w", err)
	}
	return k, nil
}

// APIKeys lists the keys, newest first (at most a few dozen chambers: no pagination needed).
func (s *Store) APIKeys(ctx context.Context) ([]*model.APIKey, error) {
	var keys []*model.APIKey
	if err := s.db.NewSelect().Model(&keys).OrderExpr("k.id DESC").Limit(1000).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return keys, nil
}

// APIKeyActor authenticates a key: the CHAMBER actor it stands for, or UNAUTHENTICATED. It records the key's
// last use, at most once a minute so a busy key does not write on every request.
func (s *Store) APIKeyActor(ctx context.Context, key string) (model.Actor, error) {
	prefix, ok := model.ParseAPIKey(key)
	if !ok {
		return model.Actor{}, model.Errorf(model.CodeUnauthenticated, "", "this is not a Sud Pro API key")
	}
	k := new(model.APIKey)
	err := s.db.NewSelect().Model(k).Where("k.prefix = ?", prefix).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(k.KeyHash), []byte(model.HashAPIKey(key))) != 1) {
		return model.Actor{}, model.Errorf(model.CodeUnauthenticated, "", "unknown API key")
	}
	if err != nil {
		return model.Actor{}, fmt.Errorf("look up API key: %w", err)
	}
	if k.RevokedAt != nil {
		return model.Actor{}, model.Errorf(model.CodeUnauthenticated, "", "this API key was revoked")
	}
	if _, err := s.db.NewRaw(`UPDATE api_keys SET last_used_at = now()
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, k.ID).Exec(ctx); err != nil {
		return model.Actor{}, fmt.Errorf("record API key use: %w", err)
	}
	scopes := make([]string, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = string(sc)
	}
	return model.Actor{Role: model.RoleChamber, Subject: "key:" + k.Name + ":" + strconv.FormatInt(k.ID, 10),
		APIKeyID: k.ID, Scopes: strings.Join(scopes, ","), PersistedOnly: k.PersistedOnly}, nil
}

// APIKeysByIDs returns the API keys with the given ids, keyed by id.
func (s *Store) APIKeysByIDs(ctx context.Context, ids []int64) (map[int64]*model.APIKey, error) {
	return byKeys(ctx, s.db, "k.id", ids, func(k *model.APIKey) int64 { return k.ID })
}
