package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"sudpro/model"
)

// Auth enforces the schema's @auth directive, the one place field visibility is decided: a caller without one of
// the roles (and, when allowOwner, not acting for the object's business) gets null and a FORBIDDEN error at the
// field's path. The resolver does not run, so nothing is fetched.
func Auth(ctx context.Context, obj any, next graphql.Resolver, requires []model.Role, allowOwner *bool) (any, error) {
	actor := model.ActorFrom(ctx)
	if !actor.CanReadField(requires, allowOwner != nil && *allowOwner, obj) {
		if actor.Anonymous() {
			return nil, model.Errorf(model.CodeForbidden, "", "this field requires authentication with one of the roles %v", requires)
		}
		return nil, model.Errorf(model.CodeForbidden, "", "role %s may not read this field", actor.Role)
	}
	return next(ctx)
}
