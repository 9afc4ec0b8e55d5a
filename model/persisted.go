package model

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/uptrace/bun"
)

// TypePersistedOperation is the global ID type of a registered operation.
const TypePersistedOperation = "PersistedOperation"

// PersistedOperation is a GraphQL document the Province registered: callers restricted to persisted operations
// (an API key's PersistedOnly, or a role of SUDPRO_PERSISTED_ONLY_ROLES) may run these and nothing else.
type PersistedOperation struct {
	bun.BaseModel `bun:"table:persisted_operations,alias:po"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Hash      string    `bun:"hash"` // SHA-256 of Query, in lowercase hex (Apollo's persisted query hash)
	Name      string    `bun:"name"`
	Query     string    `bun:"query"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	CreatedBy string    `bun:"created_by"`
}

// NodeID is the operation's global ID.
func (p *PersistedOperation) NodeID() string { return GlobalIntID(TypePersistedOperation, p.ID) }

// OperationHash is the SHA-256 of a GraphQL document's text in lowercase hex, as Apollo's persisted queries and
// the allowlist name it.
func OperationHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// AuditErrors returns the payload's user errors.
func (p *PersistedOperationPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the operation's global ID.
func (p *PersistedOperationPayload) AuditTargets() []string { return nodeIDs(p.Operation) }

// AuditErrors returns the payload's user errors.
func (p *SetAPIKeyPersistedOnlyPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the key's global ID.
func (p *SetAPIKeyPersistedOnlyPayload) AuditTargets() []string { return nodeIDs(p.APIKey) }
