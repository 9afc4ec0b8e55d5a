package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// InsertAudit appends an entry to the audit log and returns once it is committed. Outside a transaction, the
// entries of concurrent calls share one INSERT (auditBatcher); inside one, the entry is written in it.
func (s *Store) InsertAudit(ctx context.Context, e *model.AuditEntry) error {
	if _, inTx := s.db.(bun.Tx); inTx || s.audit == nil {
		return s.insertAudit(ctx, []*model.AuditEntry{e})
	}
	return s.audit.write(ctx, s, e)
}

func (s *Store) insertAudit(ctx context.Context, entries []*model.AuditEntry) error {
	if _, err := s.db.NewInsert().Model(&entries).ExcludeColumn("id").Returning("id, at").Exec(ctx); err != nil {
		return fmt.Errorf("append to the audit log: %w", err)
	}
	return nil
}

// auditBatcher is a group commit of the audit log: every mutation appends an entry, and in a session-opening rush
// hundreds a second each cost a statement and a commit. The first caller that finds no write in progress writes
// its entry with every entry queued meanwhile, in one INSERT; the others wait for the write of their batch, or
// for the current one to end and one of them to write theirs. Alone, a caller writes at once; under load one
// statement serves many calls. Each call returns only once its own entry is committed, or with its own error: a
// batch that fails is written again entry by entry, so that one bad entry fails its own call only.
type auditBatcher struct {
	mu      sync.Mutex
	done    *sync.Cond // signalled when a write ends
	writing bool
	queued  *auditBatch
}

type auditBatch struct {
	entries []*model.AuditEntry
	errs    []error // each entry's, once written
	written bool
}

// maxAuditBatch bounds a batch's INSERT.
const maxAuditBatch = 500

// errAuditWriteAborted is the error of the entries whose writer panicked.
var errAuditWriteAborted = errors.New("append to the audit log: the write was aborted")

func newAuditBatcher() *auditBatcher {
	b := &auditBatcher{}
	b.done = sync.NewCond(&b.mu)
	return b
}

func (b *auditBatcher) write(ctx context.Context, s *Store, e *model.AuditEntry) error {
	b.mu.Lock()
	if b.queued == nil || len(b.queued.entries) >= maxAuditBatch {
		// A full batch stays with its callers, one of whom writes it; later entries start another.
		b.queued = &auditBatch{}
	}
	batch, mine := b.queued, len(b.queued.entries)
	batch.entries = append(batch.entries, e)
	for b.writing && !batch.written {
		b.done.Wait()
	}
	if batch.written {
		defer b.mu.Unlock()
		return batch.errs[mine]
	}
	// Nobody is writing and this batch is not written: this call writes it, and no entry joins it any more.
	b.writing = true
	if b.queued == batch {
		b.queued = nil
	}
	b.mu.Unlock()
	errs := make([]error, len(batch.entries))
	for i := range errs {
		errs[i] = errAuditWriteAborted
	}
	defer func() {
		b.mu.Lock()
		batch.errs, batch.written, b.writing = errs, true, false
		b.done.Broadcast()
		b.mu.Unlock()
	}()
	err := s.insertAudit(ctx, batch.entries)
	for i := range errs {
		errs[i] = err
	}
	if err != nil && len(batch.entries) > 1 {
		for i, e := range batch.entries {
			errs[i] = s.insertAudit(ctx, []*model.AuditEntry{e})
		}
	}
	return errs[mine]
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
