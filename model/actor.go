package model

import (
	"context"
	"slices"
	"strings"
)

// Actor is who is calling: a role and, for a business user, the business they act for. The zero Actor is an
// anonymous caller.
type Actor struct {
	Role         Role
	Subject      string // token subject or API key name, for logs and the audit trail
	EnterpriseID int64  // set for RoleEnterprise only
	APIKeyID     int64  // set when a chamber calls with an API key
	Scopes       string // the API key's scopes, comma-separated (kept a string so Actor stays comparable)
	// PersistedOnly: the caller may run only registered operations (its API key's persisted_only).
	PersistedOnly bool
}

// HasScope reports whether the actor's API key has a scope.
func (a Actor) HasScope(s Scope) bool {
	return slices.Contains(strings.Split(a.Scopes, ","), string(s))
}

// Anonymous reports whether the caller has no identity.
func (a Actor) Anonymous() bool { return a.Role == "" }

// IsStaff reports whether the actor is Province staff, who see every record.
func (a Actor) IsStaff() bool { return a.Role == RoleAdmin || a.Role == RoleAgent }

// HasRole reports whether the actor has one of roles.
func (a Actor) HasRole(roles ...Role) bool { return a.Role != "" && slices.Contains(roles, a.Role) }

// ActsFor reports whether the actor is a business user of one of the given businesses.
func (a Actor) ActsFor(enterpriseIDs ...int64) bool {
	return a.Role == RoleEnterprise && a.EnterpriseID != 0 && slices.Contains(enterpriseIDs, a.EnterpriseID)
}

// Owned is implemented by objects that belong to one or more businesses (an enterprise itself; an invoice's
// seller and buyer), so that a business user may read their restricted fields.
type Owned interface {
	OwnerIDs() []int64
}

// CanReadField applies a field rule from the schema's @auth directive: the actor has one of roles, or the rule
// allows owners and the actor acts for a business owning obj.
func (a Actor) CanReadField(roles []Role, allowOwner bool, obj any) bool {
	if a.HasRole(roles...) {
		return true
	}
	if !allowOwner {
		return false
	}
	owned, ok := obj.(Owned)
	return ok && a.ActsFor(owned.OwnerIDs()...)
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; anonymous when there is none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
