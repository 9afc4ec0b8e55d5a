package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// ConsultationCursorOrder is the cursor tag of consultation lists (latest offer deadline first).
const ConsultationCursorOrder = "consultation-deadline"

var consultationKeyset = keyset[*model.Consultation]{
	order: ConsultationCursorOrder, column: "c.offer_deadline", id: "c.id", sqlType: "timestamptz", desc: true,
	key:   func(c *model.Consultation) string { return c.OfferDeadline.UTC().Format(timeKeyLayout) },
	rowID: func(c *model.Consultation) int64 { return c.ID },
}

// consultationStatus derives the status a client sees: a published consultation is CLOSED from its offer
// deadline on, by the database clock, so correctness needs no background job. The stored status is never CLOSED.
const consultationStatus = "CASE WHEN c.status = 'PUBLISHED' AND c.offer_deadline <= now() THEN 'CLOSED' ELSE c.status END"

// ConsultationsByIDs returns the consultations with the given ids, keyed by id.
func (s *Store) ConsultationsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Consultation, error) {
	out := make(map[int64]*model.Consultation, len(ids))
	var rows []*model.Consultation
	if err := s.consultations(model.ConsultationQuery{Viewer: model.Actor{Role: model.RoleAdmin}}).
		Where("c.id = ANY(?)", pgdialect.Array(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load consultations: %w", err)
	}
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// ListConsultations returns a page of the consultations matching q, latest offer deadline first.
func (s *Store) ListConsultations(ctx context.Context, q model.ConsultationQuery, page model.Page) (*model.ConsultationConnection, error) {
	conn, err := list(ctx, s.consultations(q), consultationKeyset, page, func(ctx context.Context) (int, error) {
		n, err := s.consultations(q).Count(ctx)
		return int(n), mapError(err, "count consultations")
	})
	if err != nil {
		return nil, fmt.Errorf("list consultations: %w", err)
	}
	return conn, nil
}

func (s *Store) consultations(q model.ConsultationQuery) *bun.SelectQuery {
	sel := s.db.NewSelect().Model((*model.Consultation)(nil)).
		ExcludeColumn("status").ColumnExpr(consultationStatus + " AS status")
	if !q.Viewer.IsStaff() {
		sel.Where("c.status <> 'DRAFT'")
	}
	if len(q.Statuses) > 0 {
		sel.Where(consultationStatus+" = ANY(?)", pgdialect.Array(q.Statuses))
	}
	if len(q.SectorCodes) > 0 {
		sel.Where("c.sector_codes && CAST(? AS text[])", pgdialect.Array(q.SectorCodes))
	}
	if len(q.CommuneCodes) > 0 {
		sel.Where("c.commune_code = ANY(?)", pgdialect.Array(q.CommuneCodes))
	}
	if len(q.Types) > 0 {
		sel.Where("c.kind = ANY(?)", pgdialect.Array(q.Types))
	}
	if q.DeadlineAfter != nil {
		sel.Where("c.offer_deadline > ?", *q.DeadlineAfter)
	}
	if q.Search != "" {
		// Accents and case never matter ("electricite" finds "Électricité"); sudpro_fold is the directory's folding.
		pattern := "%" + escapeLike(q.Search) + "%"
		sel.Where("sudpro_fold(concat_ws(' ', c.reference, c.title, c.description, c.buyer_service)) LIKE sudpro_fold(?)", pattern)
	}
	return sel
}

// MatchingConsultations returns, for each business, a page of the consultations it could answer: published, offer
// deadline not passed, and one of their sectors is the business's sector or one of their APE codes its APE code.
func (s *Store) MatchingConsultations(ctx context.Context, enterpriseIDs []int64, page model.Page, counted bool) (map[int64]*model.ConsultationConnection, error) {
	pp := parentPages[*model.Consultation, int64]{
		inner: func() *bun.SelectQuery {
			return s.db.NewSelect().Model((*model.Consultation)(nil)).
				Where("c.status = 'PUBLISHED' AND c.offer_deadline > now()").
				Where("EXISTS (SELECT 1 FROM enterprises AS e WHERE e.id = parent.id AND " +
					"(e.sector_code = ANY(c.sector_codes) OR e.ape_code = ANY(c.ape_codes)))")
		},
		keyType:  "bigint",
		multi:    true,
		parentOf: func(c *model.Consultation) int64 { return c.ListParentID },
	}
	conns, err := pagesByParents(ctx, s.db, pp, consultationKeyset, enterpriseIDs, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list matching consultations: %w", err)
	}
	return conns, nil
}

// InsertConsultation records a consultation as it is (the demo data's history) and sets its id.
func (s *Store) InsertConsultation(ctx context.Context, c *model.Consultation) error {
	_, err := s.db.NewInsert().Model(c).ExcludeColumn("id").Returning("id, created_at").Exec(ctx)
	return mapError(err, "consultation")
}

// clock reads the database clock now: inside a transaction, after the locks it waited for, so that a deadline
// decision is the database's and is taken after any concurrent change of the deadline.
func (s *Store) clock(ctx context.Context) (time.Time, error) {
	var now time.Time
	if err := s.db.NewRaw("SELECT clock_timestamp()").Scan(ctx, &now); err != nil {
		return now, fmt.Errorf("read the database clock: %w", err)
	}
	return now, nil
}

// lockConsultation locks a consultation (FOR UPDATE, or FOR SHARE when offers and questions only need it not to
// change under them), reads the database clock after the lock, and returns the consultation with its status at
// that instant. A consultation the actor may not see is NOT_FOUND.
func (s *Store) lockConsultation(ctx context.Context, a model.Actor, field string, id int64, share bool) (*model.Consultation, time.Time, error) {
	c := new(model.Consultation)
	strength := "UPDATE"
	if share {
		strength = "SHARE"
	}
	err := s.db.NewSelect().Model(c).Where("c.id = ?", id).For(strength).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !c.VisibleTo(a)) {
		return nil, time.Time{}, model.Errorf(model.CodeNotFound, field, "no such consultation")
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("lock consultation %d: %w", id, err)
	}
	now, err := s.clock(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	return c, now, nil
}

// lockFor locks a consultation and checks that action is allowed in its status at the database clock.
func (s *Store) lockFor(ctx context.Context, a model.Actor, id int64, action model.ConsultationAction) (*model.Consultation, time.Time, error) {
	share := action == model.ActionOffer || action == model.ActionAsk
	c, now, err := s.lockConsultation(ctx, a, "input.id", id, share)
	if err != nil {
		return nil, now, err
	}
	if err := model.CheckConsultationAction(c.StatusAt(now), action); err != nil {
		return nil, now, err
	}
	return c, now, nil
}

// CreateConsultation records a DRAFT consultation; its deadlines must be in the future by the database clock.
func (s *Store) CreateConsultation(ctx context.Context, op model.Op, c *model.Consultation) (model.Outcome, error) {
	return s.once(ctx, op, "createConsultation", c, func(tx *Store, _ *int64) (model.Outcome, error) {
		now, err := tx.clock(ctx)
		if err != nil {
			return model.Outcome{}, err
		}
		c.Status, c.PublishedAt = model.ConsultationDraft, nil
		if err := tx.checkConsultation(ctx, c, now); err != nil {
			return model.Outcome{}, err
		}
		if _, err := tx.db.NewInsert().Model(c).ExcludeColumn("id", "created_at", "updated_at").
			Returning("id, created_at, updated_at").Exec(ctx); err != nil {
			return model.Outcome{}, consultationWriteError(err)
		}
		return model.Outcome{IDs: []int64{c.ID}}, nil
	})
}

// checkConsultation validates a consultation's fields and its references (sectors; the commune is a foreign key).
func (s *Store) checkConsultation(ctx context.Context, c *model.Consultation, now time.Time) error {
	if err := c.Validate(now); err != nil {
		return err
	}
	return s.checkSectors(ctx, "input.sectors", c.SectorCodes)
}

func consultationWriteError(err error) error {
	err = mapError(err, "consultation")
	if e, ok := model.AsError(err); ok {
		switch e.Code {
		case model.CodeConflict:
			return model.Errorf(model.CodeConflict, "input.reference", "a consultation with this reference already exists")
		case model.CodeInvalid:
			return model.Invalid("input.commune", "not a commune of the Province Sud")
		}
	}
	return err
}

// ConsultationChanges are the fields of a draft to change; nil keeps a field.
type ConsultationChanges struct {
	Reference, Title, Description, BuyerService *string
	Type                                        *model.ConsultationType
	EstimatedAmountHT                           *model.XPF
	SectorCodes, APECodes                       *[]string
	CommuneCode                                 *string
	QuestionDeadline, OfferDeadline             *time.Time
	Documents                                   *[]model.ConsultationDocument
	Criteria                                    *[]model.EvaluationCriterion
	ContactName, ContactEmail, ContactPhone     *string
}

func (ch ConsultationChanges) apply(c *model.Consultation) {
	set(&c.Reference, ch.Reference)
	set(&c.Title, ch.Title)
	set(&c.Description, ch.Description)
	set(&c.BuyerService, ch.BuyerService)
	set(&c.Type, ch.Type)
	set(&c.EstimatedAmountHT, ch.EstimatedAmountHT)
	set(&c.SectorCodes, ch.SectorCodes)
	set(&c.APECodes, ch.APECodes)
	set(&c.CommuneCode, ch.CommuneCode)
	set(&c.QuestionDeadline, ch.QuestionDeadline)
	set(&c.OfferDeadline, ch.OfferDeadline)
	set(&c.Documents, ch.Documents)
	set(&c.Criteria, ch.Criteria)
	set(&c.ContactName, ch.ContactName)
	set(&c.ContactEmail, ch.ContactEmail)
	set(&c.ContactPhone, ch.ContactPhone)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// UpdateConsultation changes a DRAFT consultation.
func (s *Store) UpdateConsultation(ctx context.Context, op model.Op, id int64, ch ConsultationChanges) (model.Outcome, error) {
	input := struct {
		ID int64
		ConsultationChanges
	}{id, ch}
	return s.once(ctx, op, "updateConsultation", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		c, now, err := tx.lockFor(ctx, op.Actor, id, model.ActionUpdate)
		if err != nil {
			return model.Outcome{}, err
		}
		ch.apply(c)
		if err := tx.checkConsultation(ctx, c, now); err != nil {
			return model.Outcome{}, err
		}
		c.UpdatedAt = now
		_, err = tx.db.NewUpdate().Model(c).WherePK().
			ExcludeColumn("id", "status", "published_at", "created_at", "decided_at", "decision_reason", "awarded_offer_id").Exec(ctx)
		if err != nil {
			return model.Outcome{}, consultationWriteError(err)
		}
		return model.Outcome{IDs: []int64{id}}, nil
	})
}

// PublishConsultation makes a DRAFT public; its deadlines must still be in the future by the database clock.
func (s *Store) PublishConsultation(ctx context.Context, op model.Op, id int64) (model.Outcome, error) {
	return s.once(ctx, op, "publishConsultation", id, func(tx *Store, _ *int64) (model.Outcome, error) {
		c, now, err := tx.lockFor(ctx, op.Actor, id, model.ActionPublish)
		if err != nil {
			return model.Outcome{}, err
		}
		if err := tx.checkConsultation(ctx, c, now); err != nil {
			return model.Outcome{}, err
		}
		if err := tx.setStatus(ctx, id, now, "status = 'PUBLISHED', published_at = ?", now); err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{id}}, tx.notifyPublished(ctx, c)
	})
}

// ConsultationPublishedChannel is the PostgreSQL NOTIFY channel of published consultations: the payload is
// model.PublishedEvent as JSON, sent in the publishing transaction, so it exists if and only if the publication
// committed. Each replica can LISTEN to it and tell the businesses whose sector or APE code matches.
const ConsultationPublishedChannel = "consultation_published"

func (s *Store) notifyPublished(ctx context.Context, c *model.Consultation) error {
	payload, err := json.Marshal(model.PublishedEvent{ID: c.NodeID(), Reference: c.Reference, SectorCodes: c.SectorCodes, APECodes: c.APECodes})
	if err != nil {
		return fmt.Errorf("encode the publication event: %w", err)
	}
	if _, err := s.db.NewRaw("SELECT pg_notify(?, ?)", ConsultationPublishedChannel, string(payload)).Exec(ctx); err != nil {
		return fmt.Errorf("notify the publication: %w", err)
	}
	return nil
}

// setStatus writes a change of a locked consultation; now is the database clock of the change.
func (s *Store) setStatus(ctx context.Context, id int64, now time.Time, assignments string, args ...any) error {
	_, err := s.db.NewUpdate().Table("consultations").Where("id = ?", id).
		Set(assignments, args...).Set("updated_at = ?", now).Exec(ctx)
	return mapError(err, "consultation")
}

// CancelConsultation cancels a consultation that has not been decided yet. Offers made before a cancellation
// that came before the offer deadline stay sealed for ever.
func (s *Store) CancelConsultation(ctx context.Context, op model.Op, id int64, reason string) (model.Outcome, error) {
	return s.decide(ctx, op, "cancelConsultation", id, reason, model.ActionCancel, "input.reason",
		"status = 'CANCELLED', decided_at = ?, decision_reason = ?")
}

// DeclareUnsuccessful closes a CLOSED consultation without a winner.
func (s *Store) DeclareUnsuccessful(ctx context.Context, op model.Op, id int64, reason string) (model.Outcome, error) {
	return s.decide(ctx, op, "declareUnsuccessful", id, reason, model.ActionUnsuccessful, "input.reason",
		"status = 'UNSUCCESSFUL', decided_at = ?, decision_reason = ?")
}

func (s *Store) decide(ctx context.Context, op model.Op, operation string, id int64, reason string,
	action model.ConsultationAction, field, assignments string) (model.Outcome, error) {
	input := struct {
		ID     int64
		Reason string
	}{id, reason}
	return s.once(ctx, op, operation, input, func(tx *Store, _ *int64) (model.Outcome, error) {
		reason, err := model.CheckReason(field, reason)
		if err != nil {
			return model.Outcome{}, err
		}
		_, now, err := tx.lockFor(ctx, op.Actor, id, action)
		if err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{id}}, tx.setStatus(ctx, id, now, assignments, now, reason)
	})
}

// ExtendDeadline moves a PUBLISHED consultation's offer deadline (and optionally its question deadline) later,
// never earlier; offers already made stand.
func (s *Store) ExtendDeadline(ctx context.Context, op model.Op, id int64, offerDeadline time.Time, questionDeadline *time.Time) (model.Outcome, error) {
	input := struct {
		ID                int64
		Offers, Questions *time.Time
	}{id, &offerDeadline, questionDeadline}
	return s.once(ctx, op, "extendDeadline", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		c, now, err := tx.lockFor(ctx, op.Actor, id, model.ActionExtend)
		if err != nil {
			return model.Outcome{}, err
		}
		if !offerDeadline.After(c.OfferDeadline) {
			return model.Outcome{}, model.Invalid("input.offerDeadline", "a deadline is only ever extended: %s is not after %s",
				offerDeadline.UTC().Format(time.RFC3339), c.OfferDeadline.UTC().Format(time.RFC3339))
		}
		questions := c.QuestionDeadline
		if questionDeadline != nil {
			if questionDeadline.Before(c.QuestionDeadline) {
				return model.Outcome{}, model.Invalid("input.questionDeadline", "the question deadline is only ever extended")
			}
			questions = *questionDeadline
		}
		if questions.After(offerDeadline) {
			return model.Outcome{}, model.Invalid("input.questionDeadline", "questions close no later than offers")
		}
		return model.Outcome{IDs: []int64{id}}, tx.setStatus(ctx, id, now, "offer_deadline = ?, question_deadline = ?", offerDeadline, questions)
	})
}

// AwardConsultation awards a CLOSED consultation to a standing offer of that consultation.
func (s *Store) AwardConsultation(ctx context.Context, op model.Op, id, offerID int64, justification string) (model.Outcome, error) {
	input := struct {
		ID, Offer     int64
		Justification string
	}{id, offerID, justification}
	return s.once(ctx, op, "awardConsultation", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		justification, err := model.CheckReason("input.justification", justification)
		if err != nil {
			return model.Outcome{}, err
		}
		_, now, err := tx.lockFor(ctx, op.Actor, id, model.ActionAward)
		if err != nil {
			return model.Outcome{}, err
		}
		n, err := tx.db.NewSelect().Model((*model.Offer)(nil)).
			Where("o.id = ? AND o.consultation_id = ? AND o.status = 'SUBMITTED'", offerID, id).Count(ctx)
		if err != nil {
			return model.Outcome{}, fmt.Errorf("find the awarded offer: %w", err)
		}
		if n == 0 {
			return model.Outcome{}, model.Invalid("input.offer", "not a standing offer of this consultation")
		}
		err = tx.setStatus(ctx, id, now, "status = 'AWARDED', decided_at = ?, decision_reason = ?, awarded_offer_id = ?", now, justification, offerID)
		return model.Outcome{IDs: []int64{id}}, err
	})
}

// Awards returns the public award of each AWARDED consultation among ids: winner, amounts, date, justification.
func (s *Store) Awards(ctx context.Context, ids []int64) (map[int64]*model.Award, error) {
	var rows []*model.Award
	err := s.db.NewSelect().TableExpr("consultation_awards AS a").
		Join("JOIN enterprises AS e ON e.id = a.enterprise_id").
		Join("JOIN consultations AS c ON c.id = a.consultation_id").
		ColumnExpr("a.consultation_id, a.offer_id, a.enterprise_id, e.name AS winner_name, a.amount_ht, a.amount_tgc").
		ColumnExpr("a.amount_ttc, a.delay_days, a.awarded_at, c.decision_reason AS justification").
		Where("a.consultation_id = ANY(?)", pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load awards: %w", err)
	}
	out := make(map[int64]*model.Award, len(rows))
	for _, a := range rows {
		out[a.ConsultationID] = a
	}
	return out, nil
}

// ConsultationHistory is a consultation with what already happened to it, for seeding: its questions, its offers
// with their marks, and which offer was awarded (-1 for none).
type ConsultationHistory struct {
	Consultation *model.Consultation
	Questions    []*model.Question
	Offers       []*model.Offer
	Marks        [][]model.OfferMark // per offer
	Awarded      int
}

// ImportConsultation records a consultation's history as it is, without the lifecycle checks (its dates are in
// the past): for seed data only.
func (s *Store) ImportConsultation(ctx context.Context, h ConsultationHistory) error {
	c := h.Consultation
	status, decided := c.Status, c.DecidedAt
	if h.Awarded >= 0 {
		// The award names an offer, which needs the consultation first: it is published, then awarded.
		c.Status, c.DecidedAt = model.ConsultationPublished, nil
	}
	if err := s.InsertConsultation(ctx, c); err != nil {
		return err
	}
	for _, q := range h.Questions {
		q.ConsultationID = c.ID
	}
	if len(h.Questions) > 0 {
		if _, err := s.db.NewInsert().Model(&h.Questions).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return mapError(err, "question")
		}
	}
	for i, o := range h.Offers {
		o.ConsultationID = c.ID
		if _, err := s.db.NewInsert().Model(o).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return mapError(err, "offer")
		}
		if i < len(h.Marks) && len(h.Marks[i]) > 0 {
			for j := range h.Marks[i] {
				h.Marks[i][j].OfferID = o.ID
			}
			if _, err := s.db.NewInsert().Model(&h.Marks[i]).Exec(ctx); err != nil {
				return mapError(err, "mark")
			}
		}
	}
	if h.Awarded >= 0 {
		c.Status, c.DecidedAt, c.AwardedOfferID = status, decided, &h.Offers[h.Awarded].ID
		if _, err := s.db.NewUpdate().Model(c).Column("status", "decided_at", "awarded_offer_id").WherePK().Exec(ctx); err != nil {
			return mapError(err, "consultation")
		}
	}
	return nil
}
