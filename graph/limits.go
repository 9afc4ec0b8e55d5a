package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"sudpro/model"
)

// Limits refuses, after validation and before any resolver or SQL runs, operations that are too deep, too
// costly or that pack too many mutations (architecture.md, Limits); it also decides who may introspect.
type Limits struct {
	MaxDepth          int  // nesting of fields, e.g. 12
	MaxCost           int  // upper bound of the nodes an operation may return, see Cost
	MaxMutationFields int  // top-level fields (aliases included) of a mutation, e.g. 20
	PublicSchema      bool // anonymous callers may introspect (development); authenticated callers always may
	Budget            *Budget
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName names the extension for gqlgen.
func (Limits) ExtensionName() string { return "SudProLimits" }

// Validate accepts any schema.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext applies the limits to a validated operation.
func (l Limits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	rc.DisableIntrospection = !l.PublicSchema && model.ActorFrom(ctx).Anonymous()
	op := rc.Operation
	if op == nil {
		return nil
	}
	if hasNUL(rc.Variables) || selectionHasNUL(op.SelectionSet, rc.Doc.Fragments, 0) {
		err := &gqlerror.Error{Message: "text may not contain the NUL character (U+0000)", Extensions: map[string]any{"limit": "text"}}
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	if d := depth(op.SelectionSet, rc.Doc.Fragments, 0); d > l.MaxDepth {
		return limitError("depth", l.MaxDepth, d, fmt.Sprintf("the operation is %d fields deep; the limit is %d", d, l.MaxDepth))
	}
	if op.Operation == ast.Mutation && len(op.SelectionSet) > l.MaxMutationFields {
		return limitError("mutationFields", l.MaxMutationFields, len(op.SelectionSet),
			fmt.Sprintf("the operation has %d mutation fields; the limit is %d", len(op.SelectionSet), l.MaxMutationFields))
	}
	c := Cost(op.SelectionSet, rc.Doc.Fragments, rc.Variables)
	if c > l.MaxCost {
		return limitError("cost", l.MaxCost, c, fmt.Sprintf("the operation may return up to %d nodes; the limit is %d: ask for smaller pages (first/last)", c, l.MaxCost))
	}
	mutations := 0
	if op.Operation == ast.Mutation {
		mutations = len(op.SelectionSet)
	}
	return l.Budget.charge(ctx, Points(c, mutations))
}

// limitError is a validation error (HTTP 400, nothing executed) that says which limit and by how much.
func limitError(limit string, max, actual int, message string) *gqlerror.Error {
	err := &gqlerror.Error{Message: message, Extensions: map[string]any{"limit": limit, "max": max, "actual": actual}}
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// depth is the deepest nesting of fields under a selection set, through fragments.
func depth(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen int) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue // introspection fields are bounded by the schema
			}
			d = 1 + depth(s.SelectionSet, fragments, seen+1)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, fragments, seen)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil && seen < 64 {
				d = depth(f.SelectionSet, fragments, seen+1)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// Cost is the static cost of a selection set, in the manner of GitHub's node limit: every connection field may
// return as many nodes as its page size (first or last, 20 by default) times the nodes of its parent; the cost
// is the sum over the operation. It is known before anything runs, from the document and its variables.
func Cost(set ast.SelectionSet, fragments ast.FragmentDefinitionList, vars map[string]any) int {
	return RootFieldCost*rootFields(set, fragments, 0) + cost(set, fragments, vars, 1, 0)
}

// RootFieldCost is what each root field (aliases included) adds to an operation's cost: each is at least one
// statement, so a thousand aliases of a cheap field must not be free.
const RootFieldCost = 100

func rootFields(set ast.SelectionSet, fragments ast.FragmentDefinitionList, level int) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) < 2 || s.Name[:2] != "__" {
				n++
			}
		case *ast.InlineFragment:
			n += rootFields(s.SelectionSet, fragments, level+1)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil && level < 64 {
				n += rootFields(f.SelectionSet, fragments, level+1)
			}
		}
	}
	return n
}

// hasNUL reports whether a variable value holds a string with U+0000, which PostgreSQL text cannot store.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// selectionHasNUL looks for U+0000 in the literal arguments of an operation.
func selectionHasNUL(set ast.SelectionSet, fragments ast.FragmentDefinitionList, level int) bool {
	if level > 64 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, arg := range s.Arguments {
				if valueHasNUL(arg.Value) {
					return true
				}
			}
			if selectionHasNUL(s.SelectionSet, fragments, level+1) {
				return true
			}
		case *ast.InlineFragment:
			if selectionHasNUL(s.SelectionSet, fragments, level+1) {
				return true
			}
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil && selectionHasNUL(f.SelectionSet, fragments, level+1) {
				return true
			}
		}
	}
	return false
}

func valueHasNUL(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if (v.Kind == ast.StringValue || v.Kind == ast.BlockValue) && strings.ContainsRune(v.Raw, 0) {
		return true
	}
	for _, c := range v.Children {
		if valueHasNUL(c.Value) {
			return true
		}
	}
	return false
}

func cost(set ast.SelectionSet, fragments ast.FragmentDefinitionList, vars map[string]any, parents, level int) int {
	if level > 64 {
		return 0
	}
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			nodes := parents
			if isConnection(s) {
				nodes = parents * pageSize(s, vars)
				total += nodes
			} else if s.Name == "nodes" && s.Definition != nil && s.Definition.Type.Elem != nil && s.ObjectDefinition != nil && s.ObjectDefinition.Name == "Query" {
				nodes = parents * max(1, listLen(s.Arguments.ForName("ids"), vars))
				total += nodes
			}
			total += cost(s.SelectionSet, fragments, vars, nodes, level+1)
		case *ast.InlineFragment:
			total += cost(s.SelectionSet, fragments, vars, parents, level+1)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil {
				total += cost(f.SelectionSet, fragments, vars, parents, level+1)
			}
		}
	}
	return total
}

func isConnection(f *ast.Field) bool {
	if f.Definition == nil || f.Definition.Type == nil {
		return false
	}
	name := f.Definition.Type.Name()
	return len(name) > len("Connection") && name[len(name)-len("Connection"):] == "Connection"
}

// pageSize is the page a connection field asks for: first or last, else the default page size.
func pageSize(f *ast.Field, vars map[string]any) int {
	for _, name := range []string{"first", "last"} {
		if arg := f.Arguments.ForName(name); arg != nil {
			if v, err := arg.Value.Value(vars); err == nil {
				switch n := v.(type) {
				case int64:
					return clampPage(int(n))
				case int:
					return clampPage(n)
				case interface{ Int64() (int64, error) }:
					if i, err := n.Int64(); err == nil {
						return clampPage(int(i))
					}
				}
			}
		}
	}
	return model.DefaultPageSize
}

// clampPage keeps out-of-range sizes (refused later by the resolver) from inflating or zeroing the cost.
func clampPage(n int) int { return min(max(n, 1), model.MaxPageSize) }

func listLen(arg *ast.Argument, vars map[string]any) int {
	if arg == nil {
		return 0
	}
	v, err := arg.Value.Value(vars)
	if err != nil {
		return 0
	}
	if l, ok := v.([]any); ok {
		return len(l)
	}
	return 0
}
