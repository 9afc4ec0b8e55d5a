package graph

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"sudpro/model"
)

// MutationAudit is the gqlgen extension that records every mutation call in the audit log (AuditMutations). It
// decides once per operation: a mutation operation gets the audit as its field middleware, a query or a
// subscription none, so read paths do not pay for a middleware call on every field they resolve.
type MutationAudit struct{ Resolver *Resolver }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = MutationAudit{}

// ExtensionName names the extension for gqlgen.
func (MutationAudit) ExtensionName() string { return "SudProMutationAudit" }

// Validate accepts any schema.
func (MutationAudit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext puts the audit around the fields of a mutation operation.
func (a MutationAudit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	inner := oc.ResolverMiddleware
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		return a.Resolver.AuditMutations(ctx, func(ctx context.Context) (any, error) { return inner(ctx, next) })
	}
	return nil
}

// AuditMutations records every mutation call in the audit log, whatever its outcome: the actor, the operation,
// the objects concerned, the input with secrets removed, the result and the request ID. It is a gqlgen field
// middleware of mutation operations (MutationAudit), acting on their root fields: it sees the @auth refusals
// too, since directives run inside the field's resolver.
func (r *Resolver) AuditMutations(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Mutation" {
		return next(ctx)
	}
	res, err := next(ctx)
	actor := model.ActorFrom(ctx)
	entry := &model.AuditEntry{
		ActorRole: string(actor.Role), ActorSubject: actor.Subject, Operation: fc.Field.Name,
		Result: model.AuditOK, RequestID: r.requestID(ctx), Input: redactedJSON(fc.Args),
	}
	if actor.EnterpriseID != 0 {
		entry.ActorEnterpriseID = &actor.EnterpriseID
	}
	entry.TargetIDs = inputIDs(fc.Args)
	switch {
	case err != nil:
		entry.Result, entry.ErrorCodes = model.AuditError, []string{"INTERNAL"}
		if typed, ok := model.AsError(err); ok {
			entry.Result, entry.ErrorCodes = model.AuditRefused, []string{string(typed.Code)}
		}
	default:
		if p, ok := res.(model.Audited); ok {
			entry.TargetIDs = append(entry.TargetIDs, p.AuditTargets()...)
			for _, e := range p.AuditErrors() {
				entry.Result = model.AuditRefused
				entry.ErrorCodes = append(entry.ErrorCodes, string(e.Code))
			}
		}
	}
	slices.Sort(entry.TargetIDs)
	entry.TargetIDs = slices.Compact(entry.TargetIDs)
	// The call's context may be cancelled once the client is gone; the record must still be written.
	if auditErr := r.store.InsertAudit(context.WithoutCancel(ctx), entry); auditErr != nil {
		r.logger.ErrorContext(ctx, "audit log write failed", "operation", entry.Operation, "error", auditErr.Error())
		if err == nil {
			err = errors.New("the call could not be recorded in the audit log")
		}
	}
	return res, err
}

// redactedJSON is a mutation's arguments as JSON, with secrets replaced.
func redactedJSON(args map[string]any) json.RawMessage {
	b, err := json.Marshal(args)
	var generic map[string]any
	if err == nil {
		err = json.Unmarshal(b, &generic)
	}
	if err != nil {
		return json.RawMessage(`{}`)
	}
	out, err := json.Marshal(model.RedactInput(generic))
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return out
}

// inputIDs collects the global IDs an input names (id, ids, programme…), so refused calls are findable too.
func inputIDs(args map[string]any) []string {
	b, err := json.Marshal(args)
	var generic map[string]any
	if err != nil || json.Unmarshal(b, &generic) != nil {
		return nil
	}
	input, _ := generic["input"].(map[string]any)
	var ids []string
	for _, key := range []string{"id", "programme"} {
		if s, ok := input[key].(string); ok {
			ids = append(ids, s)
		}
	}
	if list, ok := input["ids"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				ids = append(ids, s)
			}
		}
	}
	return ids
}
