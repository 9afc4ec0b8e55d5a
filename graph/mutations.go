package graph

import (
	"context"
	"errors"
	"fmt"

	"sudpro/model"
)

// maxIdempotencyKey is the longest idempotency key accepted.
const maxIdempotencyKey = 200

// op describes a mutation's caller for the store; it refuses a malformed idempotency key.
func (r *Resolver) op(ctx context.Context, key *string) (model.Op, error) {
	op := model.Op{Actor: model.ActorFrom(ctx), RequestID: r.requestID(ctx)}
	if key != nil {
		if len(*key) == 0 || len(*key) > maxIdempotencyKey {
			return op, model.Invalid("input.idempotencyKey", "an idempotency key has 1 to %d characters", maxIdempotencyKey)
		}
		op.IdempotencyKey = *key
	}
	return op, nil
}

// userErrors splits a store result into the payload's user errors and a real failure: typed errors (including
// the outcome a replayed idempotency key recorded) are the user's to fix; anything else is internal.
func userErrors(out model.Outcome, err error) ([]*model.Error, error) {
	if typed, ok := model.AsError(err); ok {
		return []*model.Error{typed}, nil
	}
	if err != nil {
		return nil, err
	}
	if out.Err != nil {
		return []*model.Error{out.Err}, nil
	}
	return []*model.Error{}, nil
}

// firstID is the object a successful outcome is about.
func firstID(out model.Outcome) (int64, bool) {
	if out.Err != nil || len(out.IDs) == 0 {
		return 0, false
	}
	return out.IDs[0], true
}

// invoicePayload loads the invoice a mutation acted on.
func (r *Resolver) invoicePayload(ctx context.Context, out model.Outcome, err error) (*model.InvoicePayload, error) {
	errs, err := userErrors(out, err)
	if err != nil {
		return nil, err
	}
	p := &model.InvoicePayload{UserErrors: errs}
	id, ok := firstID(out)
	switch {
	case !ok:
	case out.Invoice != nil && out.Invoice.ID == id:
		p.Invoice = out.Invoice
	default:
		if p.Invoice, err = r.freshInvoice(ctx, id); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// freshInvoice reads an invoice after a write, bypassing the request's cache.
func (r *Resolver) freshInvoice(ctx context.Context, id int64) (*model.Invoice, error) {
	byID, err := r.store.InvoicesByIDs(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	inv, ok := byID[id]
	if !ok {
		return nil, fmt.Errorf("invoice %d vanished after its mutation", id)
	}
	return inv, nil
}

// lineInputs converts the schema's invoice lines; rates may be global IDs or codes.
func lineInputs(in []*model.InvoiceLineInput) []model.LineInput {
	out := make([]model.LineInput, len(in))
	for i, l := range in {
		out[i] = model.LineInput{Designation: l.Designation, Quantity: int64(l.Quantity), UnitPriceHT: l.UnitPriceHt,
			TGCRateCode: model.ParseCodeID("tgcRate", model.TypeTgcRate, l.TgcRate)}
		if l.ExpenseCategory != nil {
			out[i].ExpenseCategory = *l.ExpenseCategory
		}
	}
	return out
}

// sectorCodes accepts sector global IDs or codes.
func sectorCodes(ids []string) []string {
	codes := make([]string, len(ids))
	for i, id := range ids {
		codes[i] = model.ParseCodeID("sectors", model.TypeSector, id)
	}
	return codes
}

// refusedInvoice is the payload of an invoice mutation whose input did not even parse.
func refusedInvoice(err error) *model.InvoicePayload {
	return &model.InvoicePayload{UserErrors: []*model.Error{model.UserErrorOf(err)}}
}

// invoiceInput reads the invoice ID and idempotency key every invoice mutation takes.
func (r *Resolver) invoiceInput(ctx context.Context, gid string, key *string) (int64, model.Op, error) {
	id, err := model.ParseIntID("input.id", model.TypeInvoice, gid)
	op, opErr := r.op(ctx, key)
	return id, op, errors.Join(err, opErr)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// programmePayload loads the programme a mutation acted on.
func (r *Resolver) programmePayload(ctx context.Context, out model.Outcome, err error) (*model.ProgrammePayload, error) {
	errs, err := userErrors(out, err)
	if err != nil {
		return nil, err
	}
	p := &model.ProgrammePayload{UserErrors: errs}
	if id, ok := firstID(out); ok {
		byID, err := r.store.ProgrammesByIDs(ctx, []int64{id})
		if err != nil {
			return nil, err
		}
		p.Programme = byID[id]
	}
	return p, nil
}

// sessionPayload loads the session a mutation acted on.
func (r *Resolver) sessionPayload(ctx context.Context, out model.Outcome, err error) (*model.SessionPayload, error) {
	errs, err := userErrors(out, err)
	if err != nil {
		return nil, err
	}
	p := &model.SessionPayload{UserErrors: errs}
	if id, ok := firstID(out); ok {
		byID, err := r.store.SessionsByIDs(ctx, []int64{id})
		if err != nil {
			return nil, err
		}
		p.Session = byID[id]
	}
	return p, nil
}
