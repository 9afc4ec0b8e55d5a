package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"sudpro/model"
)

// parses checks that a document to register is GraphQL (input.query).
func parses(query string) error {
	if _, err := parser.ParseQuery(&ast.Source{Input: query}); err != nil {
		return model.Invalid("input.query", "the document does not parse: %s", err.Error())
	}
	return nil
}

// Allowlist runs, for callers restricted to persisted operations (an API key's persistedOnly, or one of Roles),
// only the documents registered in persisted_operations: by their text, or by their hash alone
// (extensions.persistedQuery.sha256Hash), whose text it then fills in. Everything else is refused before parsing
// with PERSISTED_QUERY_NOT_ALLOWED. It must come before the Automatic Persisted Queries extension.
type Allowlist struct {
	Roles  []model.Role
	Lookup func(ctx context.Context, hash string) (query string, ok bool, err error)
}

// ExtensionName names the extension for gqlgen.
func (Allowlist) ExtensionName() string { return "SudProAllowlist" }

// Validate accepts any schema.
func (Allowlist) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses an unregistered operation of a restricted caller.
func (a Allowlist) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	actor := model.ActorFrom(ctx)
	if !actor.PersistedOnly && !(actor.Role != "" && slices.Contains(a.Roles, actor.Role)) {
		return nil
	}
	hash := model.OperationHash(raw.Query)
	if raw.Query == "" {
		pq, _ := raw.Extensions["persistedQuery"].(map[string]any)
		hash, _ = pq["sha256Hash"].(string)
	}
	query, ok, err := a.Lookup(ctx, hash)
	if err != nil {
		return gqlerror.Errorf("the allowlist cannot be read, try again")
	}
	if !ok {
		e := gqlerror.Errorf("this caller may run only the operations the Province registered (persistedOperations); this one is not")
		errcode.Set(e, "PERSISTED_QUERY_NOT_ALLOWED")
		return e
	}
	raw.Query = query
	return nil
}
