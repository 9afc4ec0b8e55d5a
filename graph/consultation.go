package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/graph-gophers/dataloader/v7"

	"sudpro/model"
	"sudpro/store"
)

// ConsultationLoaders batch the consultations feature's relations for one request. The offer loaders read the
// actor from the context they run in and pass it to the store, which keeps offers sealed.
type ConsultationLoaders struct {
	Offer                   *Loader[int64, *model.Offer]
	Question                *Loader[int64, *model.Question]
	Award                   *Loader[int64, *model.Award]
	OfferCount              *Loader[int64, *int]
	Comparison              *Loader[int64, []*model.OfferScore]
	Marks                   *Loader[int64, []*model.OfferMark]
	OffersByConsultation    *Loader[childPageKey[int64], *model.OfferConnection]
	QuestionsByConsultation *Loader[childPageKey[int64], *model.QuestionConnection]
	MatchingConsultations   *Loader[childPageKey[int64], *model.ConsultationConnection]
}

func newConsultationLoaders(st *store.Store) *ConsultationLoaders {
	return &ConsultationLoaders{
		Offer: newLoader(func(ctx context.Context, ids []int64) (map[int64]*model.Offer, error) {
			return st.OffersByIDs(ctx, model.ActorFrom(ctx), ids)
		}, "offer"),
		Question: newLoader(st.QuestionsByIDs, "question"),
		Award:    optionalLoader(st.Awards),
		OfferCount: optionalLoader(func(ctx context.Context, ids []int64) (map[int64]*int, error) {
			counts, err := st.OfferCounts(ctx, model.ActorFrom(ctx), ids)
			out := make(map[int64]*int, len(counts))
			for id, n := range counts {
				out[id] = &n
			}
			return out, err
		}),
		Comparison: optionalLoader(func(ctx context.Context, ids []int64) (map[int64][]*model.OfferScore, error) {
			return st.OfferComparisons(ctx, model.ActorFrom(ctx), ids)
		}),
		Marks: optionalLoader(func(ctx context.Context, ids []int64) (map[int64][]*model.OfferMark, error) {
			return st.MarksByOfferIDs(ctx, model.ActorFrom(ctx), ids)
		}),
		OffersByConsultation: newPageLoader(func(ctx context.Context, ids []int64, g pageGroup, page model.Page) (map[int64]*model.OfferConnection, error) {
			return st.OffersByConsultations(ctx, g.viewer, ids, page, g.counted)
		}, store.OfferCursorOrder),
		QuestionsByConsultation: newPageLoader(func(ctx context.Context, ids []int64, g pageGroup, page model.Page) (map[int64]*model.QuestionConnection, error) {
			return st.QuestionsByConsultations(ctx, ids, page, g.counted)
		}, store.QuestionCursorOrder),
		MatchingConsultations: newPageLoader(func(ctx context.Context, ids []int64, g pageGroup, page model.Page) (map[int64]*model.ConsultationConnection, error) {
			return st.MatchingConsultations(ctx, ids, page, g.counted)
		}, store.ConsultationCursorOrder),
	}
}

// optionalLoader is a loader whose missing keys are the zero value (null), not an error: a consultation without
// an award, a sealed offer count.
func optionalLoader[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error)) *Loader[K, V] {
	return newBatchLoader(func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		byKey, err := fetch(ctx, keys)
		return inKeyOrder(keys, byKey, err, func(K) (V, error) {
			var zero V
			return zero, nil
		})
	})
}

// childPages resolves a nested connection of each parent through a page loader, in one batch.
func childPages[P comparable, V any](ctx context.Context, l *Loader[childPageKey[int64], V], parents []P, id func(P) int64,
	first *int, after *string, cursorOrder string) ([]V, error) {
	key, err := childPage(ctx, int64(0), "", first, after, cursorOrder)
	if err != nil {
		return nil, err
	}
	readable := readableParents(ctx, parents)
	return each(ctx, l, parents, func(p P) (childPageKey[int64], bool) {
		k := key
		k.ParentID = id(p)
		return k, readable[p]
	})
}

// actedOn splits a mutation's result into its user errors and the object it acted on, read by load.
func actedOn[T any](out model.Outcome, err error, load func(int64) (T, error)) ([]*model.Error, T, error) {
	var zero T
	errs, err := userErrors(out, err)
	if err != nil {
		return nil, zero, err
	}
	id, ok := firstID(out)
	if !ok {
		return errs, zero, nil
	}
	v, err := load(id)
	return errs, v, err
}

// consultationPayload loads the consultation a mutation acted on.
func (r *Resolver) consultationPayload(ctx context.Context, out model.Outcome, err error) (*model.ConsultationPayload, error) {
	errs, c, err := actedOn(out, err, func(id int64) (*model.Consultation, error) {
		byID, err := r.store.ConsultationsByIDs(ctx, []int64{id})
		if err == nil && byID[id] == nil {
			err = fmt.Errorf("consultation %d vanished after its mutation", id)
		}
		return byID[id], err
	})
	if err != nil {
		return nil, err
	}
	return &model.ConsultationPayload{Consultation: c, UserErrors: errs}, nil
}

// offerPayload loads the offer a mutation acted on, as the caller may see it.
func (r *Resolver) offerPayload(ctx context.Context, out model.Outcome, err error) (*model.OfferPayload, error) {
	errs, o, err := actedOn(out, err, func(id int64) (*model.Offer, error) {
		byID, err := r.store.OffersByIDs(ctx, model.ActorFrom(ctx), []int64{id})
		return byID[id], err
	})
	if err != nil {
		return nil, err
	}
	return &model.OfferPayload{Offer: o, UserErrors: errs}, nil
}

// questionPayload loads the question a mutation acted on.
func (r *Resolver) questionPayload(ctx context.Context, out model.Outcome, err error) (*model.QuestionPayload, error) {
	errs, q, err := actedOn(out, err, func(id int64) (*model.Question, error) {
		byID, err := r.store.QuestionsByIDs(ctx, []int64{id})
		return byID[id], err
	})
	if err != nil {
		return nil, err
	}
	return &model.QuestionPayload{Question: q, UserErrors: errs}, nil
}

func refusedConsultation(err error) *model.ConsultationPayload {
	return &model.ConsultationPayload{UserErrors: []*model.Error{model.UserErrorOf(err)}}
}

func refusedOffer(err error) *model.OfferPayload {
	return &model.OfferPayload{UserErrors: []*model.Error{model.UserErrorOf(err)}}
}

func refusedQuestion(err error) *model.QuestionPayload {
	return &model.QuestionPayload{UserErrors: []*model.Error{model.UserErrorOf(err)}}
}

// documents converts the schema's documents.
func documents(in []*model.ConsultationDocumentInput) []model.ConsultationDocument {
	out := make([]model.ConsultationDocument, len(in))
	for i, d := range in {
		out[i] = model.ConsultationDocument{Name: d.Name, URL: d.URL}
	}
	return out
}

// criteria converts the schema's evaluation criteria.
func criteria(in []*model.EvaluationCriterionInput) []model.EvaluationCriterion {
	out := make([]model.EvaluationCriterion, len(in))
	for i, c := range in {
		out[i] = model.EvaluationCriterion{Name: c.Name, Weight: c.Weight}
	}
	return out
}

// communeCode accepts a commune's global ID or its code.
func communeCode(id string) string { return model.ParseCodeID("input.commune", model.TypeCommune, id) }

// newConsultation builds a draft from createConsultation's input.
func newConsultation(in model.CreateConsultationInput) *model.Consultation {
	c := &model.Consultation{Reference: in.Reference, Title: in.Title, Description: deref(in.Description),
		BuyerService: in.BuyerService, Type: in.Type, EstimatedAmountHT: in.EstimatedAmountHt,
		SectorCodes: sectorCodes(in.Sectors), APECodes: in.ApeCodes, CommuneCode: communeCode(in.Commune),
		QuestionDeadline: in.QuestionDeadline, OfferDeadline: in.OfferDeadline,
		Documents: documents(in.Documents), Criteria: criteria(in.Criteria)}
	if c.APECodes == nil {
		c.APECodes = []string{}
	}
	if in.Contact != nil {
		c.ContactName, c.ContactEmail, c.ContactPhone = deref(in.Contact.Name), deref(in.Contact.Email), deref(in.Contact.Phone)
	}
	return c
}

// consultationChanges reads updateConsultation's input.
func consultationChanges(in model.UpdateConsultationInput) store.ConsultationChanges {
	ch := store.ConsultationChanges{Reference: in.Reference, Title: in.Title, Description: in.Description,
		BuyerService: in.BuyerService, Type: in.Type, EstimatedAmountHT: in.EstimatedAmountHt,
		QuestionDeadline: in.QuestionDeadline, OfferDeadline: in.OfferDeadline}
	if in.Sectors != nil {
		codes := sectorCodes(in.Sectors)
		ch.SectorCodes = &codes
	}
	if in.ApeCodes != nil {
		ch.APECodes = &in.ApeCodes
	}
	if in.Commune != nil {
		code := communeCode(*in.Commune)
		ch.CommuneCode = &code
	}
	if in.Documents != nil {
		docs := documents(in.Documents)
		ch.Documents = &docs
	}
	if in.Criteria != nil {
		cr := criteria(in.Criteria)
		ch.Criteria = &cr
	}
	if in.Contact != nil {
		ch.ContactName, ch.ContactEmail, ch.ContactPhone = in.Contact.Name, in.Contact.Email, in.Contact.Phone
	}
	return ch
}

// offerTerms converts the schema's offer terms; the rate may be a global ID or a code.
func offerTerms(in *model.OfferTermsInput) model.OfferTerms {
	return model.OfferTerms{AmountHT: in.AmountHt, TGCRateCode: model.ParseCodeID("input.terms.tgcRate", model.TypeTgcRate, in.TgcRate),
		DelayDays: in.DelayDays, TechnicalNote: deref(in.TechnicalNote), Documents: documents(in.Documents)}
}

// consultationQuery turns the schema's arguments into a store query for the calling actor.
func consultationQuery(ctx context.Context, status []model.ConsultationStatus, filter *model.ConsultationFilter) (model.ConsultationQuery, error) {
	q := model.ConsultationQuery{Statuses: status, Viewer: model.ActorFrom(ctx)}
	if filter != nil {
		if len(filter.Status) > 0 {
			if len(q.Statuses) > 0 {
				q.Statuses = intersect(q.Statuses, filter.Status)
				if len(q.Statuses) == 0 {
					q.Statuses = []model.ConsultationStatus{""} // both given and disjoint: nothing matches
				}
			} else {
				q.Statuses = filter.Status
			}
		}
		q.SectorCodes = sectorCodes(filter.Sectors)
		for _, id := range filter.Communes {
			q.CommuneCodes = append(q.CommuneCodes, model.ParseCodeID("filter.communes", model.TypeCommune, id))
		}
		q.Types, q.DeadlineAfter, q.Search = filter.Type, filter.DeadlineAfter, deref(filter.Search)
	}
	return q, q.Validate()
}

func intersect[T comparable](a, b []T) []T {
	var out []T
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// consultationInput reads the consultation ID and idempotency key of a lifecycle mutation.
func (r *Resolver) consultationInput(ctx context.Context, gid string, key *string) (int64, model.Op, error) {
	id, err := model.ParseIntID("input.id", model.TypeConsultation, gid)
	op, opErr := r.op(ctx, key)
	return id, op, errors.Join(err, opErr)
}

// offerInput reads the offer ID and idempotency key of an offer mutation.
func (r *Resolver) offerInput(ctx context.Context, gid string, key *string) (int64, model.Op, error) {
	id, err := model.ParseIntID("input.id", model.TypeOffer, gid)
	op, opErr := r.op(ctx, key)
	return id, op, errors.Join(err, opErr)
}

// prefetchOfferRelations loads, in one batch per relation, what the client selected under the offers of a batch
// of consultations (bidders, marks, the consultations themselves for `result`), so that the offer lists of every
// consultation resolve from the loaders' caches instead of one batch per list.
func (r *Resolver) prefetchOfferRelations(ctx context.Context, parents []*model.Consultation, conns []*model.OfferConnection) error {
	l := r.loaders(ctx)
	for _, c := range parents {
		l.Consultation.Prime(ctx, c.ID, c)
	}
	var bidders, offerIDs []int64
	for _, conn := range conns {
		if conn == nil {
			continue
		}
		for _, o := range conn.Nodes() {
			bidders, offerIDs = append(bidders, o.EnterpriseID), append(offerIDs, o.ID)
		}
	}
	if len(offerIDs) == 0 {
		return nil
	}
	var thunks []func() error
	if selects(ctx, nodePaths("bidder")...) {
		thunks = append(thunks, prefetchShared(ctx, l.Enterprise, bidders))
	}
	if selects(ctx, nodePaths("marks")...) && model.ActorFrom(ctx).IsStaff() {
		thunks = append(thunks, prefetch(ctx, l.Consultations.Marks, offerIDs))
	}
	for _, wait := range thunks {
		if err := wait(); err != nil {
			return err
		}
	}
	return nil
}

// prefetchComparedBidders loads the bidders of every compared offer of a batch in one statement.
func (r *Resolver) prefetchComparedBidders(ctx context.Context, comparisons [][]*model.OfferScore) error {
	if !selects(ctx, []string{"offer", "bidder"}) {
		return nil
	}
	var ids []int64
	for _, scores := range comparisons {
		for _, s := range scores {
			ids = append(ids, s.Offer.EnterpriseID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return prefetchShared(ctx, r.loaders(ctx).Enterprise, ids)()
}

// prefetchShared starts loading keys through the loader's time window rather than in a batch of their own, so
// that two sibling fields prefetching the same rows (a consultation's offers and its comparison both name the
// bidders) share one statement whichever runs first: the second finds the first's pending loads in the cache.
func prefetchShared[K comparable, V any](ctx context.Context, l *Loader[K, V], keys []K) func() error {
	thunks := make([]func() (V, error), len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	return func() error {
		for _, wait := range thunks {
			if _, err := wait(); err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
				return err
			}
		}
		return nil
	}
}
