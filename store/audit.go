package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// InsertAudit appends an entry to the audit log.
func (s *Store) InsertAudit(ctx context.Context, e *model.AuditEntry) error {
	if _, err := s.db.NewInsert().Model(e).ExcludeColumn("id").Returning("id, at").Exec(ctx); err != nil {
		return fmt.Errorf("append to the audit log: %w", err)
	}
	return nil
}

// AuditCursorOrder is the cursor tag of audit log lists (latest first).
const AuditCursorOrder = "audit-id"

var auditKeyset = keyset[*model.AuditEntry]{
	order: AuditCursorOrder, column: "au.id", id: "au.id", sqlType: "bigint", desc: true,
	key:   func(e *model.AuditEntry) string { return fmt.Sprint(e.ID) },
	rowID: func(e *model.AuditEntry) int64 { return e.ID },
}

// ListAudit returns a page of the audit log, latest first.
func (s *Store) ListAudit(ctx context.Context, q model.AuditQuery, page model.Page) (*model.Connection[*model.AuditEntry], error) {
	query := func() *bun.SelectQuery {
		sel := sealAudit(s.db.NewSelect().Model((*model.AuditEntry)(nil)))
		if q.Operation != "" {
			sel.Where("au.operation = ?", q.Operation)
		}
		if q.Subject != "" {
			sel.Where("au.actor_subject = ?", q.Subject)
		}
		if q.From != nil {
			sel.Where("au.at >= ?", *q.From)
		}
		if q.Before != nil {
			sel.Where("au.at < ?", *q.Before)
		}
		return sel
	}
	conn, err := list(ctx, query(), auditKeyset, page, func(ctx context.Context) (int, error) {
		n, err := query().Count(ctx)
		return int(n), mapError(err, "count audit entries")
	})
	if err != nil {
		return nil, fmt.Errorf("list the audit log: %w", err)
	}
	return conn, nil
}

// AuditByIDs returns the audit entries with the given ids, keyed by id (none that would reveal sealed offers).
func (s *Store) AuditByIDs(ctx context.Context, ids []int64) (map[int64]*model.AuditEntry, error) {
	var rows []*model.AuditEntry
	if err := sealAudit(s.db.NewSelect().Model(&rows)).Where("au.id = ANY(?)", pgdialect.Array(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load audit entries: %w", err)
	}
	out := make(map[int64]*model.AuditEntry, len(rows))
	for _, e := range rows {
		out[e.ID] = e
	}
	return out, nil
}
