package graph

import (
	"context"
	"errors"

	"sudpro/model"
)

// needOf turns the schema's supplier need into the model's, with the number of suggestions asked for.
func needOf(in model.SupplierNeed, first *int) (model.Need, int, error) {
	limit, err := suggestionLimit(first)
	if err != nil {
		return model.Need{}, 0, err
	}
	n := model.Need{SectorCodes: sectorCodes(in.Sectors), APECodes: in.ApeCodes, Keywords: in.Keywords, BudgetHT: in.BudgetHt}
	if in.Commune != nil {
		n.CommuneCode = model.ParseCodeID("need.commune", model.TypeCommune, *in.Commune)
	}
	return n, limit, n.Validate()
}

// suggestionLimit is the number of suggestions asked for.
func suggestionLimit(first *int) (int, error) {
	if first == nil {
		return model.DefaultSuggestions, nil
	}
	if *first < 1 || *first > model.MaxSuggestions {
		return 0, model.Invalid("first", "first must be between 1 and %d, got %d", model.MaxSuggestions, *first)
	}
	return *first, nil
}

// suggest ranks the suppliers for a need: the store reads the candidates in one statement, the model scores them.
// A new source of needs (a consultation, say) only has to build a model.Need and call this.
func (r *Resolver) suggest(ctx context.Context, n model.Need, limit int) ([]*model.Suggestion, error) {
	candidates, err := r.store.SupplierCandidates(ctx, model.ActorFrom(ctx), n)
	if err != nil {
		return nil, err
	}
	out := model.Suggest(n, candidates, limit)
	for _, s := range out {
		r.loaders(ctx).Enterprise.Prime(ctx, s.Enterprise.ID, s.Enterprise)
	}
	return out, nil
}

// recipientOf reads a contact request's recipient: an enterprise global ID or a RIDET.
func recipientOf(id string) (model.RIDET, int64, error) {
	if n, err := model.ParseIntID("input.recipient", model.TypeEnterprise, id); err == nil {
		return "", n, nil
	}
	ridet, err := model.ParseRIDET(id)
	if err != nil {
		return "", 0, model.Invalid("input.recipient", "%q is neither a business ID nor a RIDET", id)
	}
	return ridet, 0, nil
}

// answerContactRequest accepts or declines a request.
func (r *Resolver) answerContactRequest(ctx context.Context, input model.AnswerContactRequestInput, to model.ContactRequestStatus) (*model.ContactRequestPayload, error) {
	id, err := model.ParseIntID("input.id", model.TypeContactRequest, input.ID)
	op, opErr := r.op(ctx, nil)
	if err = errors.Join(err, opErr); err != nil {
		return &model.ContactRequestPayload{UserErrors: []*model.Error{model.UserErrorOf(err)}}, nil
	}
	out, err := r.store.AnswerContactRequest(ctx, op, id, to)
	return r.contactRequestPayload(ctx, out, err)
}

// contactRequestPayload loads the request a mutation acted on.
func (r *Resolver) contactRequestPayload(ctx context.Context, out model.Outcome, err error) (*model.ContactRequestPayload, error) {
	errs, cr, err := outcomeObject(ctx, out, err, r.store.ContactRequestsByIDs)
	if err != nil {
		return nil, err
	}
	return &model.ContactRequestPayload{UserErrors: errs, ContactRequest: cr}, nil
}

// privateOrderPayload loads the order a mutation recorded.
func (r *Resolver) privateOrderPayload(ctx context.Context, out model.Outcome, err error) (*model.PrivateOrderPayload, error) {
	errs, o, err := outcomeObject(ctx, out, err, r.store.PrivateOrdersByIDs)
	if err != nil {
		return nil, err
	}
	return &model.PrivateOrderPayload{UserErrors: errs, PrivateOrder: o}, nil
}

// outcomeObject splits a mutation's result into its user errors and the object it acted on, read fresh.
func outcomeObject[T any](ctx context.Context, out model.Outcome, err error,
	byIDs func(context.Context, []int64) (map[int64]*T, error)) ([]*model.Error, *T, error) {
	errs, err := userErrors(out, err)
	if err != nil {
		return nil, nil, err
	}
	id, ok := firstID(out)
	if !ok {
		return errs, nil, nil
	}
	byID, err := byIDs(ctx, []int64{id})
	if err != nil {
		return nil, nil, err
	}
	return errs, byID[id], nil
}
