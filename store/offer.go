package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// Offers are sealed, and the seal is kept here, not in resolvers: every query that reads offers, their count or
// their marks goes through offerVisibility. Before a consultation's offer deadline only the bidder sees its own
// offer; nobody else (AGENT and ADMIN included) sees any offer, count or amount. From the deadline on, staff see
// every offer; everyone else sees only its own, and after the decision the public award and offer count.

// offersUnsealed is true for a consultation whose offer deadline has passed (by the database clock) while it was
// published: not a draft, and not cancelled before its deadline (those offers stay sealed for ever). The view
// consultation_offers_unsealed has the same condition, for plain SQL readers (TestOffersAreSealed checks both).
const offersUnsealed = "(c.published_at IS NOT NULL AND c.offer_deadline <= now() AND " +
	"(c.status <> 'CANCELLED' OR c.decided_at >= c.offer_deadline))"

// offerVisibility restricts a query over consultation_offers AS o joined to consultations AS c to the offers the
// viewer may see.
func offerVisibility(sel *bun.SelectQuery, viewer model.Actor) *bun.SelectQuery {
	switch {
	case viewer.IsStaff():
		return sel.Where(offersUnsealed)
	case viewer.Role == model.RoleEnterprise && viewer.EnterpriseID != 0:
		return sel.Where("o.enterprise_id = ?", viewer.EnterpriseID)
	default:
		return sel.Where("false")
	}
}

// sealedAuditEntry is true for an audit entry of a bidder's offer call (submit, revise, withdraw, whatever its
// outcome) whose consultation's offers are still sealed: the audit log would otherwise tell administrators who
// bid, and how many, before the deadline.
const sealedAuditEntry = "(au.operation IN ('submitOffer', 'reviseOffer', 'withdrawOffer') AND EXISTS (" +
	"SELECT 1 FROM consultations AS c WHERE c.id = coalesce(" +
	"global_id_key(au.input->'input'->>'consultation', 'Consultation'), " +
	"(SELECT o.consultation_id FROM consultation_offers AS o WHERE o.id = global_id_key(au.input->'input'->>'id', 'Offer'))) " +
	"AND NOT " + offersUnsealed + "))"

// sealAudit hides the audit entries that would reveal sealed offers.
func sealAudit(sel *bun.SelectQuery) *bun.SelectQuery { return sel.Where("NOT " + sealedAuditEntry) }

// OfferCursorOrder is the cursor tag of offer lists (in submission order).
const OfferCursorOrder = "offer-id"

var offerKeyset = keyset[*model.Offer]{
	order: OfferCursorOrder, column: "o.id", id: "o.id", sqlType: "bigint",
	key:   func(o *model.Offer) string { return strconv.FormatInt(o.ID, 10) },
	rowID: func(o *model.Offer) int64 { return o.ID },
}

// offers selects the offers viewer may see.
func (s *Store) offers(viewer model.Actor) *bun.SelectQuery {
	return offerVisibility(s.db.NewSelect().Model((*model.Offer)(nil)).
		Join("JOIN consultations AS c ON c.id = o.consultation_id"), viewer)
}

// OffersByIDs returns the offers with the given ids that viewer may see, keyed by id.
func (s *Store) OffersByIDs(ctx context.Context, viewer model.Actor, ids []int64) (map[int64]*model.Offer, error) {
	var rows []*model.Offer
	if err := s.offers(viewer).Where("o.id = ANY(?)", pgdialect.Array(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load offers: %w", err)
	}
	out := make(map[int64]*model.Offer, len(rows))
	for _, o := range rows {
		out[o.ID] = o
	}
	return out, nil
}

// OffersByConsultations returns, for each consultation, a page of the offers viewer may see (withdrawn ones
// included, with their status), in submission order.
func (s *Store) OffersByConsultations(ctx context.Context, viewer model.Actor, ids []int64, page model.Page, counted bool) (map[int64]*model.Connection[*model.Offer], error) {
	pp := parentPages[*model.Offer, int64]{
		inner:    func() *bun.SelectQuery { return s.offers(viewer).Where("o.consultation_id = parent.id") },
		keyType:  "bigint",
		parentOf: func(o *model.Offer) int64 { return o.ConsultationID },
	}
	conns, err := pagesByParents(ctx, s.db, pp, offerKeyset, ids, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list offers by consultation: %w", err)
	}
	return conns, nil
}

// OfferCounts returns the number of standing offers of each consultation among ids whose count viewer may know:
// staff once the offers are unsealed, everyone once the consultation is AWARDED or UNSUCCESSFUL. Consultations
// whose count is sealed for viewer are absent from the map.
func (s *Store) OfferCounts(ctx context.Context, viewer model.Actor, ids []int64) (map[int64]int, error) {
	sel := s.db.NewSelect().TableExpr("consultations AS c").
		ColumnExpr("c.id").
		ColumnExpr("(SELECT count(*) FROM consultation_offers AS o WHERE o.consultation_id = c.id AND o.status = 'SUBMITTED') AS n").
		Where("c.id = ANY(?)", pgdialect.Array(ids)).Where(offersUnsealed)
	if !viewer.IsStaff() {
		sel.Where("c.status IN ('AWARDED', 'UNSUCCESSFUL')")
	}
	var rows []struct {
		ID int64 `bun:"id"`
		N  int   `bun:"n"`
	}
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count offers: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, nil
}

// MarksByOfferIDs returns the agents' marks of the offers among ids that viewer may see marked: staff only, once
// the offers are unsealed.
func (s *Store) MarksByOfferIDs(ctx context.Context, viewer model.Actor, ids []int64) (map[int64][]*model.OfferMark, error) {
	out := make(map[int64][]*model.OfferMark, len(ids))
	if !viewer.IsStaff() {
		return out, nil
	}
	var rows []*model.OfferMark
	err := offerVisibility(s.db.NewSelect().Model(&rows).
		Join("JOIN consultation_offers AS o ON o.id = m.offer_id").
		Join("JOIN consultations AS c ON c.id = o.consultation_id"), viewer).
		Where("m.offer_id = ANY(?)", pgdialect.Array(ids)).OrderExpr("m.offer_id, m.criterion").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load marks: %w", err)
	}
	for _, m := range rows {
		out[m.OfferID] = append(out[m.OfferID], m)
	}
	return out, nil
}

// OfferComparisons returns, for each consultation among ids whose offers viewer may compare (staff, once
// unsealed), its standing offers scored by their marks and ranked. Sealed consultations are absent.
func (s *Store) OfferComparisons(ctx context.Context, viewer model.Actor, ids []int64) (map[int64][]*model.OfferScore, error) {
	out := make(map[int64][]*model.OfferScore, len(ids))
	if !viewer.IsStaff() {
		return out, nil
	}
	var open []*model.Consultation
	if err := s.db.NewSelect().Model(&open).Column("c.id", "c.criteria").
		Where("c.id = ANY(?)", pgdialect.Array(ids)).Where(offersUnsealed).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load criteria: %w", err)
	}
	if len(open) == 0 {
		return out, nil
	}
	openIDs := make([]int64, len(open))
	for i, c := range open {
		openIDs[i] = c.ID
	}
	var offers []*model.Offer
	if err := s.offers(viewer).Where("o.consultation_id = ANY(?) AND o.status = 'SUBMITTED'", pgdialect.Array(openIDs)).
		OrderExpr("o.id").Scan(ctx, &offers); err != nil {
		return nil, fmt.Errorf("load offers to compare: %w", err)
	}
	offerIDs := make([]int64, len(offers))
	byConsultation := map[int64][]*model.Offer{}
	for i, o := range offers {
		offerIDs[i] = o.ID
		byConsultation[o.ConsultationID] = append(byConsultation[o.ConsultationID], o)
	}
	marks := map[int64][]*model.OfferMark{}
	if len(offers) > 0 {
		var err error
		if marks, err = s.MarksByOfferIDs(ctx, viewer, offerIDs); err != nil {
			return nil, err
		}
	}
	for _, c := range open {
		out[c.ID] = model.CompareOffers(c.Criteria, byConsultation[c.ID], marks)
	}
	return out, nil
}

// SubmitOffer records the actor's business's offer on a PUBLISHED consultation before its offer deadline, by the
// database clock read in this transaction after locking the consultation; a withdrawn offer may be submitted
// again. One offer per business and consultation.
func (s *Store) SubmitOffer(ctx context.Context, op model.Op, consultationID int64, terms model.OfferTerms) (model.Outcome, error) {
	input := struct {
		Consultation int64
		Terms        model.OfferTerms
	}{consultationID, terms}
	return s.once(ctx, op, "submitOffer", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		bidder, err := tx.activeBidder(ctx, op.Actor)
		if err != nil {
			return model.Outcome{}, err
		}
		_, now, err := tx.lockFor(ctx, op.Actor, consultationID, model.ActionOffer)
		if err != nil {
			return model.Outcome{}, err
		}
		o := new(model.Offer)
		err = tx.db.NewSelect().Model(o).Where("o.consultation_id = ? AND o.enterprise_id = ?", consultationID, bidder.ID).
			For("UPDATE").Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			o = &model.Offer{ConsultationID: consultationID, EnterpriseID: bidder.ID, Status: model.OfferSubmitted,
				Revision: 1, SubmittedAt: now, UpdatedAt: now}
		case err != nil:
			return model.Outcome{}, fmt.Errorf("find the bidder's offer: %w", err)
		case o.Status == model.OfferSubmitted:
			return model.Outcome{}, model.Errorf(model.CodeConflict, "input.consultation", "your business already has an offer on this consultation: revise or withdraw it")
		}
		if err := tx.applyTerms(ctx, o, terms, bidder.TGCFranchise); err != nil {
			return model.Outcome{}, err
		}
		if o.ID == 0 {
			_, err = tx.db.NewInsert().Model(o).ExcludeColumn("id").Returning("id").Exec(ctx)
		} else {
			o.Status, o.WithdrawnAt, o.Revision, o.UpdatedAt = model.OfferSubmitted, nil, o.Revision+1, now
			_, err = tx.db.NewUpdate().Model(o).WherePK().ExcludeColumn("id", "consultation_id", "enterprise_id", "submitted_at").Exec(ctx)
		}
		if err != nil {
			return model.Outcome{}, mapError(err, "offer")
		}
		return model.Outcome{IDs: []int64{o.ID}}, nil
	})
}

func (s *Store) applyTerms(ctx context.Context, o *model.Offer, terms model.OfferTerms, franchise bool) error {
	rates, err := s.tgcRateMap(ctx)
	if err != nil {
		return err
	}
	return o.Apply("input.terms", terms, rates[terms.TGCRateCode], franchise)
}

// activeBidder is the actor's business, which must be ACTIVE to answer consultations.
func (s *Store) activeBidder(ctx context.Context, a model.Actor) (*model.Enterprise, error) {
	e, err := s.actorEnterprise(ctx, a)
	if err != nil {
		return nil, err
	}
	if e.Status != model.EnterpriseActive {
		return nil, model.Errorf(model.CodeForbidden, "", "your business is %s: only ACTIVE businesses answer consultations", e.Status)
	}
	return e, nil
}

// lockOwnOffer locks the actor's own offer after its consultation (always in that order, as every writer does):
// the consultation FOR SHARE with its status at the database clock, then the offer FOR UPDATE. It returns the
// database clock the deadline was checked at.
func (s *Store) lockOwnOffer(ctx context.Context, a model.Actor, offerID int64) (*model.Offer, time.Time, error) {
	notFound := model.Errorf(model.CodeNotFound, "input.id", "no such offer")
	var consultationID int64
	err := s.db.NewSelect().Model((*model.Offer)(nil)).Column("consultation_id").
		Where("o.id = ? AND o.enterprise_id = ?", offerID, a.EnterpriseID).Scan(ctx, &consultationID)
	if errors.Is(err, sql.ErrNoRows) || a.Role != model.RoleEnterprise {
		return nil, time.Time{}, notFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("find offer %d: %w", offerID, err)
	}
	_, now, err := s.lockFor(ctx, a, consultationID, model.ActionOffer)
	if err != nil {
		return nil, now, err
	}
	o := new(model.Offer)
	if err := s.db.NewSelect().Model(o).Where("o.id = ?", offerID).For("UPDATE").Scan(ctx); err != nil {
		return nil, now, fmt.Errorf("lock offer %d: %w", offerID, err)
	}
	return o, now, nil
}

// ReviseOffer replaces the terms of the actor's standing offer before the offer deadline.
func (s *Store) ReviseOffer(ctx context.Context, op model.Op, offerID int64, terms model.OfferTerms) (model.Outcome, error) {
	input := struct {
		ID    int64
		Terms model.OfferTerms
	}{offerID, terms}
	return s.once(ctx, op, "reviseOffer", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		bidder, err := tx.activeBidder(ctx, op.Actor)
		if err != nil {
			return model.Outcome{}, err
		}
		o, now, err := tx.lockOwnOffer(ctx, op.Actor, offerID)
		if err != nil {
			return model.Outcome{}, err
		}
		if o.Status != model.OfferSubmitted {
			return model.Outcome{}, model.Errorf(model.CodeIllegalTransition, "input.id", "a withdrawn offer cannot be revised: submit a new one")
		}
		if err := tx.applyTerms(ctx, o, terms, bidder.TGCFranchise); err != nil {
			return model.Outcome{}, err
		}
		o.Revision, o.UpdatedAt = o.Revision+1, now
		_, err = tx.db.NewUpdate().Model(o).WherePK().
			Column("amount_ht", "tgc_rate_code", "tgc_not_applicable", "amount_tgc", "amount_ttc", "delay_days", "technical_note",
				"documents", "revision", "updated_at").Exec(ctx)
		if err != nil {
			return model.Outcome{}, mapError(err, "offer")
		}
		return model.Outcome{IDs: []int64{o.ID}}, nil
	})
}

// WithdrawOffer withdraws the actor's standing offer before the offer deadline.
func (s *Store) WithdrawOffer(ctx context.Context, op model.Op, offerID int64) (model.Outcome, error) {
	return s.once(ctx, op, "withdrawOffer", offerID, func(tx *Store, _ *int64) (model.Outcome, error) {
		o, now, err := tx.lockOwnOffer(ctx, op.Actor, offerID)
		if err != nil {
			return model.Outcome{}, err
		}
		if o.Status != model.OfferSubmitted {
			return model.Outcome{}, model.Errorf(model.CodeIllegalTransition, "input.id", "this offer is already withdrawn")
		}
		_, err = tx.db.NewUpdate().Model(o).WherePK().
			Set("status = 'WITHDRAWN', withdrawn_at = ?, updated_at = ?", now, now).Exec(ctx)
		if err != nil {
			return model.Outcome{}, mapError(err, "offer")
		}
		return model.Outcome{IDs: []int64{o.ID}}, nil
	})
}

// MarkOffer records an agent's marks of a standing offer on criteria of its CLOSED consultation; a new mark on a
// criterion replaces the old one.
func (s *Store) MarkOffer(ctx context.Context, op model.Op, offerID int64, marks []model.OfferMark) (model.Outcome, error) {
	input := struct {
		ID    int64
		Marks []model.OfferMark
	}{offerID, marks}
	return s.once(ctx, op, "markOffer", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		visible, err := tx.OffersByIDs(ctx, op.Actor, []int64{offerID})
		if err != nil {
			return model.Outcome{}, err
		}
		o, ok := visible[offerID]
		if !ok || !op.Actor.IsStaff() {
			return model.Outcome{}, model.Errorf(model.CodeNotFound, "input.id", "no such offer (offers are sealed until the offer deadline)")
		}
		c, _, err := tx.lockFor(ctx, op.Actor, o.ConsultationID, model.ActionMark)
		if err != nil {
			return model.Outcome{}, err
		}
		if o.Status != model.OfferSubmitted {
			return model.Outcome{}, model.Errorf(model.CodeIllegalTransition, "input.id", "a withdrawn offer is not marked")
		}
		if err := model.CheckMarks("input.marks", c.Criteria, marks); err != nil {
			return model.Outcome{}, err
		}
		for i := range marks {
			marks[i].OfferID = offerID
		}
		_, err = tx.db.NewInsert().Model(&marks).ExcludeColumn("marked_at").
			On("CONFLICT (offer_id, criterion) DO UPDATE").Set("mark = EXCLUDED.mark, marked_at = now()").Exec(ctx)
		if err != nil {
			return model.Outcome{}, mapError(err, "mark")
		}
		return model.Outcome{IDs: []int64{offerID}}, nil
	})
}

// QuestionCursorOrder is the cursor tag of question lists (in the order asked).
const QuestionCursorOrder = "question-id"

var questionKeyset = keyset[*model.Question]{
	order: QuestionCursorOrder, column: "q.id", id: "q.id", sqlType: "bigint",
	key:   func(q *model.Question) string { return strconv.FormatInt(q.ID, 10) },
	rowID: func(q *model.Question) int64 { return q.ID },
}

// QuestionsByConsultations returns a page of each consultation's questions, in the order asked. The caller has
// checked that the consultations are visible; questions are public to everyone who can see their consultation.
func (s *Store) QuestionsByConsultations(ctx context.Context, ids []int64, page model.Page, counted bool) (map[int64]*model.Connection[*model.Question], error) {
	pp := parentPages[*model.Question, int64]{
		inner: func() *bun.SelectQuery {
			return s.db.NewSelect().Model((*model.Question)(nil)).Where("q.consultation_id = parent.id")
		},
		keyType:  "bigint",
		parentOf: func(q *model.Question) int64 { return q.ConsultationID },
	}
	conns, err := pagesByParents(ctx, s.db, pp, questionKeyset, ids, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list questions by consultation: %w", err)
	}
	return conns, nil
}

// QuestionsByIDs returns the questions with the given ids, keyed by id.
func (s *Store) QuestionsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Question, error) {
	return byKeys(ctx, s.db, "q.id", ids, func(q *model.Question) int64 { return q.ID })
}

// AskQuestion records a question of the actor's ACTIVE business on a PUBLISHED consultation, before its question
// deadline by the database clock.
func (s *Store) AskQuestion(ctx context.Context, op model.Op, consultationID int64, text string) (model.Outcome, error) {
	input := struct {
		Consultation int64
		Text         string
	}{consultationID, text}
	return s.once(ctx, op, "askQuestion", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		text, err := model.CheckQuestionText("input.question", text)
		if err != nil {
			return model.Outcome{}, err
		}
		bidder, err := tx.activeBidder(ctx, op.Actor)
		if err != nil {
			return model.Outcome{}, err
		}
		c, now, err := tx.lockConsultation(ctx, op.Actor, "input.consultation", consultationID, true)
		if err != nil {
			return model.Outcome{}, err
		}
		if err := model.CheckConsultationAction(c.StatusAt(now), model.ActionAsk); err != nil {
			return model.Outcome{}, err
		}
		if !now.Before(c.QuestionDeadline) {
			return model.Outcome{}, model.Errorf(model.CodeDeadlinePassed, "", "the question deadline has passed")
		}
		q := &model.Question{ConsultationID: consultationID, EnterpriseID: bidder.ID, Text: text, AskedAt: now}
		if _, err := tx.db.NewInsert().Model(q).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return model.Outcome{}, mapError(err, "question")
		}
		return model.Outcome{IDs: []int64{q.ID}}, nil
	})
}

// AnswerQuestion records (or corrects) the Province's public answer to a question.
func (s *Store) AnswerQuestion(ctx context.Context, op model.Op, questionID int64, answer string) (model.Outcome, error) {
	input := struct {
		ID     int64
		Answer string
	}{questionID, answer}
	return s.once(ctx, op, "answerQuestion", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		answer, err := model.CheckQuestionText("input.answer", answer)
		if err != nil {
			return model.Outcome{}, err
		}
		qs, err := tx.QuestionsByIDs(ctx, []int64{questionID})
		if err != nil {
			return model.Outcome{}, err
		}
		q, ok := qs[questionID]
		if !ok {
			return model.Outcome{}, model.Errorf(model.CodeNotFound, "input.id", "no such question")
		}
		_, now, err := tx.lockFor(ctx, op.Actor, q.ConsultationID, model.ActionAnswer)
		if err != nil {
			return model.Outcome{}, err
		}
		_, err = tx.db.NewUpdate().Model(q).WherePK().Set("answer = ?, answered_at = ?", answer, now).Exec(ctx)
		if err != nil {
			return model.Outcome{}, mapError(err, "answer")
		}
		return model.Outcome{IDs: []int64{questionID}}, nil
	})
}
