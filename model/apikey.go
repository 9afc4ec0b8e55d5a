package model

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// APIKeyPrefix starts every chamber API key, so a leaked key is recognisable in logs and by secret scanners.
const APIKeyPrefix = "sudpro_ck_"

// APIKey is a partner chamber's key; only its hash is stored.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys,alias:k"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Name       string     `bun:"name"`
	Prefix     string     `bun:"prefix"`
	KeyHash    string     `bun:"key_hash"`
	Scopes     []Scope    `bun:"scopes,array,nullzero,notnull,default:'{}'"`
	CreatedAt  time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	CreatedBy  string     `bun:"created_by"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	// HourlyBudget, when set, replaces the CHAMBER role's points per hour for this key.
	HourlyBudget *int `bun:"hourly_budget"`
	// PersistedOnly restricts the key to the registered operations (persisted_operations).
	PersistedOnly bool `bun:"persisted_only"`
}

// NodeID is the key's global ID.
func (k *APIKey) NodeID() string { return GlobalIntID(TypeAPIKey, k.ID) }

// Scope is what a chamber's key gives access to.
type Scope string

// Scopes of chamber keys.
const (
	ScopeDirectory     Scope = "DIRECTORY"
	ScopeStatistics    Scope = "STATISTICS"
	ScopeConsultations Scope = "CONSULTATIONS"
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeDirectory, ScopeStatistics, ScopeConsultations}

// IsValid reports whether s is a known scope.
func (s Scope) IsValid() bool { return slices.Contains(AllScopes, s) }

// MarshalGQL writes the scope as a GraphQL enum value.
func (s Scope) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *Scope) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, "ApiKeyScope") }

// NewAPIKey makes a random key: the prefix, 8 hex digits that identify it, and 256 random bits. It returns the
// key to show once and the prefix and hash to store.
func NewAPIKey() (key, prefix, hash string) {
	id := make([]byte, 4)
	secret := make([]byte, 32)
	_, _ = rand.Read(id) // crypto/rand does not fail on supported platforms
	_, _ = rand.Read(secret)
	prefix = APIKeyPrefix + hex.EncodeToString(id)
	key = prefix + "_" + base64.RawURLEncoding.EncodeToString(secret)
	return key, prefix, HashAPIKey(key)
}

// HashAPIKey is the stored form of a key.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ParseAPIKey returns the prefix of something that looks like a chamber key.
func ParseAPIKey(s string) (prefix string, ok bool) {
	if !strings.HasPrefix(s, APIKeyPrefix) || len(s) < len(APIKeyPrefix)+9 || s[len(APIKeyPrefix)+8] != '_' {
		return "", false
	}
	return s[:len(APIKeyPrefix)+8], true
}
