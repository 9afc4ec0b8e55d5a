package store

import (
	"context"
	"fmt"

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
// deadline on, by the database clock, so correctness needs no background job.
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
	return sel
}

// InsertConsultation records a consultation and sets its id.
func (s *Store) InsertConsultation(ctx context.Context, c *model.Consultation) error {
	_, err := s.db.NewInsert().Model(c).ExcludeColumn("id").Returning("id, created_at").Exec(ctx)
	return mapError(err, "consultation")
}
