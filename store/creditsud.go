package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"sudpro/model"
)

// ProgrammeCursorOrder is the cursor tag of programme lists.
const ProgrammeCursorOrder = "programme-created"

var programmeKeyset = keyset[*model.Programme]{
	order: ProgrammeCursorOrder, column: "p.created_at", id: "p.id", sqlType: "timestamptz", desc: true,
	key:   func(p *model.Programme) string { return p.CreatedAt.UTC().Format(timeKeyLayout) },
	rowID: func(p *model.Programme) int64 { return p.ID },
}

// ProgrammesByIDs returns the programmes with the given ids, keyed by id.
func (s *Store) ProgrammesByIDs(ctx context.Context, ids []int64) (map[int64]*model.Programme, error) {
	return byKeys(ctx, s.db, "p.id", ids, func(p *model.Programme) int64 { return p.ID })
}

// ListProgrammes returns a page of programmes, most recent first.
func (s *Store) ListProgrammes(ctx context.Context, page model.Page) (*model.ProgrammeConnection, error) {
	conn, err := list(ctx, s.readDB(ctx).NewSelect().Model((*model.Programme)(nil)), programmeKeyset, page,
		func(ctx context.Context) (int, error) {
			n, err := s.readDB(ctx).NewSelect().Model((*model.Programme)(nil)).Count(ctx)
			return int(n), mapError(err, "count programmes")
		})
	if err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	return conn, nil
}

// InsertProgramme creates a programme and sets its id.
func (s *Store) InsertProgramme(ctx context.Context, p *model.Programme) error {
	_, err := s.db.NewInsert().Model(p).ExcludeColumn("id").Returning("id, created_at").Exec(ctx)
	return mapError(err, "programme")
}

// SessionCursorOrder is the cursor tag of session lists.
const SessionCursorOrder = "session-opens"

var sessionKeyset = keyset[*model.Session]{
	order: SessionCursorOrder, column: "s.opens_at", id: "s.id", sqlType: "timestamptz",
	key:   func(s *model.Session) string { return s.OpensAt.UTC().Format(timeKeyLayout) },
	rowID: func(s *model.Session) int64 { return s.ID },
}

// SessionsByIDs returns the sessions with the given ids, keyed by id.
func (s *Store) SessionsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Session, error) {
	return byKeys(ctx, s.db, "s.id", ids, func(s *model.Session) int64 { return s.ID })
}

// ListSessions returns a page of sessions by opening time, of one programme when programmeID is not 0.
func (s *Store) ListSessions(ctx context.Context, programmeID int64, page model.Page) (*model.SessionConnection, error) {
	conn, err := list(ctx, s.sessions(programmeID), sessionKeyset, page, func(ctx context.Context) (int, error) {
		n, err := s.sessions(programmeID).Count(ctx)
		return int(n), mapError(err, "count sessions")
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return conn, nil
}

// SessionsByProgrammes returns one page of sessions for each programme, in one statement (and their totals in
// one more when counted).
func (s *Store) SessionsByProgrammes(ctx context.Context, programmeIDs []int64, page model.Page, counted bool) (map[int64]*model.SessionConnection, error) {
	pp := parentPages[*model.Session, int64]{
		inner:    func() *bun.SelectQuery { return s.sessions(0).Where("s.programme_id = parent.id") },
		keyType:  "bigint",
		parentOf: func(s *model.Session) int64 { return s.ProgrammeID },
	}
	conns, err := pagesByParents(ctx, s.db, pp, sessionKeyset, programmeIDs, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list sessions by programme: %w", err)
	}
	return conns, nil
}

func (s *Store) sessions(programmeID int64) *bun.SelectQuery {
	sel := s.db.NewSelect().Model((*model.Session)(nil))
	if programmeID != 0 {
		sel.Where("s.programme_id = ?", programmeID)
	}
	return sel
}

// InsertSession creates a session and sets its id.
func (s *Store) InsertSession(ctx context.Context, sess *model.Session) error {
	_, err := s.db.NewInsert().Model(sess).ExcludeColumn("id").Returning("id, created_at").Exec(ctx)
	return mapError(err, "session")
}
