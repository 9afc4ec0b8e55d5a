package graph

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"sudpro/model"
)

// AuditMutations records every mutation call in the audit log, whatever its outcome: the actor, the operation,
// the objects concerned, the input with secrets removed, the result and the request ID. It is a gqlgen field
// middleware: it sees the @auth refusals too, since directives run inside the field's resolver.
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
