package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// InsertAudit appends an entry to the audit log and returns once it is committed. Outside a transaction, the
// entries of concurrent calls share one INSERT (auditGroup); inside one, the entry is written in it.
func (s *Store) InsertAudit(ctx context.Context, e *model.AuditEntry) error {
	if s.inTransaction() || s.groups == nil {
		return s.insertAudit(ctx, []*model.AuditEntry{e})
	}
	_, err := s.groups.audit.do(ctx, e)
	return err
}

func (s *Store) insertAudit(ctx context.Context, entries []*model.AuditEntry) error {
	if _, err := s.db.NewInsert().Model(&entries).ExcludeColumn("id").Returning("id, at").Exec(ctx); err != nil {
		return fmt.Errorf("append to the audit log: %w", err)
	}
	return nil
}

// auditGroup writes the entries of concurrent mutations in one INSERT (a group commit: every mutation appends an
// entry, hundreds a second in a session-opening rush). A batch that fails is written again entry by entry, so
// that one bad entry fails its own call only.
func auditGroup(db bun.IDB) *group[*model.AuditEntry, struct{}] {
	s := &Store{db: db}
	return newGroup(500, func(ctx context.Context, entries []*model.AuditEntry) ([]struct{}, []error) {
		errs := make([]error, len(entries))
		err := s.insertAudit(ctx, entries)
		for i := range errs {
			errs[i] = err
		}
		if err != nil && len(entries) > 1 {
			for i, e := range entries {
				errs[i] = s.insertAudit(ctx, []*model.AuditEntry{e})
			}
		}
		return make([]struct{}, len(entries)), errs
	})
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
