package graph

import (
	"context"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The audit is the field middleware of mutation operations only: queries and subscriptions resolve their fields
// without it (the mutations' audit itself is tested through the API, httpapi TestAuditLog).
func TestMutationAuditWrapsMutationOperationsOnly(t *testing.T) {
	passThrough := func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }
	for _, tt := range []struct {
		op      ast.Operation
		audited bool
	}{{ast.Query, false}, {ast.Subscription, false}, {ast.Mutation, true}} {
		oc := &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: tt.op}, ResolverMiddleware: passThrough}
		if err := (MutationAudit{Resolver: &Resolver{}}).MutateOperationContext(context.Background(), oc); err != nil {
			t.Fatal(err)
		}
		audited := reflect.ValueOf(oc.ResolverMiddleware).Pointer() != reflect.ValueOf(passThrough).Pointer()
		if audited != tt.audited {
			t.Errorf("%s: field middleware replaced %v, want %v", tt.op, audited, tt.audited)
		}
	}
	// A field of a mutation operation that is not a root field (a payload's field) goes straight through.
	oc := &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Mutation}, ResolverMiddleware: passThrough}
	_ = (MutationAudit{Resolver: &Resolver{}}).MutateOperationContext(context.Background(), oc)
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Object: "Invoice"})
	if res, err := oc.ResolverMiddleware(ctx, func(context.Context) (any, error) { return "number", nil }); res != "number" || err != nil {
		t.Errorf("a payload field under the audit = %v, %v", res, err)
	}
}
