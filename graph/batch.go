package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"sudpro/model"
)

// The schema's relation fields are gqlgen batch resolvers: one call gets every sibling parent of a list, so one
// loader batch serves them all whatever the goroutine timing. These helpers map parents to loader keys and back.
// The reference fields (sector, commune, TGC rate) are the exception: plain resolvers over the process's reference
// cache (reference.go), with nothing to batch.

// each loads one value per parent in a single loader batch; a parent without a key (ok false) gets the zero
// value, e.g. an invoice with no session.
func each[P any, K comparable, V any](ctx context.Context, l *Loader[K, V], parents []P, key func(P) (K, bool)) ([]V, error) {
	keys := make([]K, 0, len(parents))
	index := make([]int, len(parents))
	for i, p := range parents {
		index[i] = -1
		if k, ok := key(p); ok {
			index[i] = len(keys)
			keys = append(keys, k)
		}
	}
	values, errs := l.loadMany(ctx, keys)()
	out := make([]V, len(parents))
	var batchErrs graphql.BatchErrorList
	for i, at := range index {
		if at < 0 {
			continue
		}
		out[i] = values[at]
		if at < len(errs) && errs[at] != nil {
			if batchErrs == nil {
				batchErrs = make(graphql.BatchErrorList, len(parents))
			}
			batchErrs[i] = errs[at]
		}
	}
	if batchErrs != nil {
		return out, batchErrs
	}
	return out, nil
}

// always is the key function of a relation every parent has.
func always[P any, K comparable](key func(P) K) func(P) (K, bool) {
	return func(p P) (K, bool) { return key(p), true }
}

// readableParents applies the field's @auth rule to each parent of a batch, so the batch fetches nothing for
// parents whose field the directive will refuse anyway (their results are discarded).
func readableParents[P comparable](ctx context.Context, parents []P) map[P]bool {
	ok := make(map[P]bool, len(parents))
	rule := authRuleOf(ctx)
	actor := model.ActorFrom(ctx)
	for _, p := range parents {
		ok[p] = rule == nil || actor.CanReadField(rule.roles, rule.allowOwner, p)
	}
	return ok
}

type authRule struct {
	roles      []model.Role
	allowOwner bool
}

// authRuleOf reads the @auth directive of the field being resolved from the schema, the rule's one source.
func authRuleOf(ctx context.Context) *authRule {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return nil
	}
	d := fc.Field.Definition.Directives.ForName("auth")
	if d == nil {
		return nil
	}
	args := d.ArgumentMap(nil)
	rule := &authRule{}
	if roles, ok := args["requires"].([]any); ok {
		for _, r := range roles {
			if s, ok := r.(string); ok {
				rule.roles = append(rule.roles, model.Role(s))
			}
		}
	}
	rule.allowOwner, _ = args["allowOwner"].(bool)
	return rule
}

// selects reports whether the current field's selection includes one of the given paths of field names
// (e.g. "nodes.buyer"), through fragments; used to prefetch what children will ask for.
func selects(ctx context.Context, paths ...[]string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	opCtx := graphql.GetOperationContext(ctx)
	for _, path := range paths {
		if hasPath(opCtx, fc.Field.Selections, path) {
			return true
		}
	}
	return false
}

func hasPath(opCtx *graphql.OperationContext, selections []ast.Selection, path []string) bool {
	if len(path) == 0 {
		return true
	}
	for _, f := range graphql.CollectFields(opCtx, selections, nil) {
		if f.Name == path[0] && hasPath(opCtx, f.Selections, path[1:]) {
			return true
		}
	}
	return false
}

// nodePaths expands a field under a connection to both ways of reaching its nodes.
func nodePaths(fields ...string) [][]string {
	var paths [][]string
	for _, f := range fields {
		paths = append(paths, []string{"nodes", f}, []string{"edges", "node", f})
	}
	return paths
}
