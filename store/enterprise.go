package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

var enterpriseKeysets = map[model.EnterpriseOrder]keyset[*model.Enterprise]{
	model.EnterpriseOrderName: {
		order: "enterprise-name", column: "e.name", id: "e.id", sqlType: "text",
		key:   func(e *model.Enterprise) string { return e.Name },
		rowID: func(e *model.Enterprise) int64 { return e.ID },
	},
	model.EnterpriseOrderRegisteredAt: {
		order: "enterprise-registered", column: "e.registered_at", id: "e.id", sqlType: "timestamptz",
		key:   func(e *model.Enterprise) string { return e.RegisteredAt.UTC().Format(timeKeyLayout) },
		rowID: func(e *model.Enterprise) int64 { return e.ID },
	},
}

// EnterpriseCursorOrder is the cursor tag of an enterprise order, for model.ParsePage.
func EnterpriseCursorOrder(o model.EnterpriseOrder) string {
	if o == model.EnterpriseOrderRelevance {
		return relevanceKeyset.order
	}
	return enterpriseKeysets[orDefault(o)].order
}

// enterpriseKeyset is the keyset of q's order.
func enterpriseKeyset(q model.EnterpriseQuery) keyset[*model.Enterprise] {
	if q.OrderOrDefault() == model.EnterpriseOrderRelevance {
		return relevanceKeyset
	}
	return enterpriseKeysets[orDefault(q.OrderOrDefault())]
}

func orDefault(o model.EnterpriseOrder) model.EnterpriseOrder {
	if _, ok := enterpriseKeysets[o]; ok {
		return o
	}
	return model.EnterpriseOrderName
}

// EnterpriseByRIDET returns the business with this RIDET, or a NOT_FOUND error.
func (s *Store) EnterpriseByRIDET(ctx context.Context, ridet model.RIDET) (*model.Enterprise, error) {
	e := new(model.Enterprise)
	if err := s.db.NewSelect().Model(e).Where("e.ridet = ?", string(ridet)).Scan(ctx); err != nil {
		return nil, mapError(err, "enterprise")
	}
	return e, nil
}

// EnterpriseIDByRIDET returns the id of the business with this RIDET, or a NOT_FOUND error: the lookup behind a
// business user's token, which needs nothing else. A business's RIDET never changes and businesses are never
// deleted, so the ids found are kept in memory (the most recent enterpriseIDCacheSize), and a request with a
// known token sends no statement for it; a RIDET not found is asked again next time, since it may register.
func (s *Store) EnterpriseIDByRIDET(ctx context.Context, ridet model.RIDET) (int64, error) {
	if id, ok := s.enterpriseIDs.Get(ridet); ok {
		return id, nil
	}
	var id int64
	if err := s.db.NewRaw("SELECT id FROM enterprises WHERE ridet = ?", string(ridet)).Scan(ctx, &id); err != nil {
		return 0, mapError(err, "enterprise")
	}
	if !s.inTransaction() {
		s.enterpriseIDs.Add(ridet, id) // a transaction's row may still roll back
	}
	return id, nil
}

// enterpriseIDCacheSize bounds EnterpriseIDByRIDET's cache: about 3 MB, more than the Province's businesses.
const enterpriseIDCacheSize = 1 << 15

// EnterprisesByIDs returns the businesses with the given ids, keyed by id.
func (s *Store) EnterprisesByIDs(ctx context.Context, ids []int64) (map[int64]*model.Enterprise, error) {
	return byKeys(ctx, s.db, "e.id", ids, func(e *model.Enterprise) int64 { return e.ID })
}

// ListEnterprises returns a page of the businesses matching q, in q's order.
func (s *Store) ListEnterprises(ctx context.Context, q model.EnterpriseQuery, page model.Page) (*model.EnterpriseConnection, error) {
	f, err := s.enterpriseFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.listEnterprises(ctx, f, page)
}

func (s *Store) listEnterprises(ctx context.Context, f enterpriseFilter, page model.Page) (*model.EnterpriseConnection, error) {
	db := s.readDB(ctx)
	sel := f.matches(db)
	if f.ranked() {
		sel = rankedEnterprises(db, "(?) AS e", sel)
	}
	conn, err := list(ctx, sel, enterpriseKeyset(f.q), page, func(ctx context.Context) (int, error) {
		return s.countEnterprises(ctx, f)
	})
	if err != nil {
		return nil, fmt.Errorf("list enterprises: %w", err)
	}
	return conn, nil
}

// CountEnterprises counts the businesses matching q.
func (s *Store) CountEnterprises(ctx context.Context, q model.EnterpriseQuery) (int, error) {
	f, err := s.enterpriseFilter(ctx, q)
	if err != nil {
		return 0, err
	}
	return s.countEnterprises(ctx, f)
}

func (s *Store) countEnterprises(ctx context.Context, f enterpriseFilter) (int, error) {
	sel := s.readDB(ctx).NewSelect().Model((*model.Enterprise)(nil))
	f.apply(sel)
	n, err := sel.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count enterprises: %w", err)
	}
	return int(n), nil
}

// enterpriseFilter is an EnterpriseQuery ready to apply to selects of enterprises "e": its search already turned
// into full-text queries.
type enterpriseFilter struct {
	q     model.EnterpriseQuery
	terms searchTerms
}

// enterpriseFilter prepares q: one short statement for a search (searchTerms), none otherwise.
func (s *Store) enterpriseFilter(ctx context.Context, q model.EnterpriseQuery) (enterpriseFilter, error) {
	terms, err := s.searchTerms(ctx, q.Search)
	if err != nil {
		return enterpriseFilter{}, err
	}
	return enterpriseFilter{q: q, terms: terms}, nil
}

// ranked reports whether the list is ordered by relevance.
func (f enterpriseFilter) ranked() bool {
	return f.q.OrderOrDefault() == model.EnterpriseOrderRelevance
}

// matches selects the columns (all by default) of the businesses matching f, with their rank as relevance when
// the list is ordered by it.
func (f enterpriseFilter) matches(db bun.IDB, columns ...string) *bun.SelectQuery {
	sel := db.NewSelect().Model((*model.Enterprise)(nil))
	if len(columns) == 0 {
		sel.ColumnExpr("?TableColumns")
	} else {
		sel.Column(columns...)
	}
	if f.ranked() {
		rank, args := f.terms.relevance()
		sel.ColumnExpr(rank+" AS relevance", args...)
	}
	f.apply(sel)
	return sel
}

// rankedEnterprises selects the businesses and their relevance from table (matches with relevance, aliased e), so
// that the keyset can compare and order on e.relevance.
func rankedEnterprises(db bun.IDB, table string, args ...any) *bun.SelectQuery {
	return db.NewSelect().Model((*model.Enterprise)(nil)).ModelTableExpr(table, args...).
		ColumnExpr("?TableColumns").ColumnExpr("e.relevance")
}

func (f enterpriseFilter) apply(sel *bun.SelectQuery) {
	q := f.q
	if !q.Viewer.IsStaff() {
		// Everyone but Province staff sees the directory, plus a business user its own record.
		if q.Viewer.Role == model.RoleEnterprise && q.Viewer.EnterpriseID != 0 {
			sel.Where("((e.listed_in_directory AND e.status = 'ACTIVE') OR e.id = ?)", q.Viewer.EnterpriseID)
		} else {
			sel.Where("e.listed_in_directory AND e.status = 'ACTIVE'")
		}
	}
	whereIn(sel, "e.sector_code", q.SectorCodes)
	whereIn(sel, "e.commune_code", q.CommuneCodes)
	whereIn(sel, "e.legal_form", q.LegalForms)
	whereIn(sel, "e.status", q.Statuses)
	if q.APECodePrefix != "" {
		sel.Where("e.ape_code LIKE ?", q.APECodePrefix+"%")
	}
	whereBool(sel, "(e.legal_form = 'PATENTE' OR e.headcount <= "+strconv.Itoa(model.SmallBusinessMaxHeadcount)+")", q.Small)
	if q.NameContains != "" {
		// Accents and case ignored; answered from the trigram index on search_names.
		sel.Where("e.search_names LIKE sudpro_fold(?)", "%"+escapeLike(q.NameContains)+"%")
	}
	directoryFilters(sel, q, f.terms)
}

// whereIn restricts sel to the rows whose column holds one of values; no values, no restriction. A single value
// is compared with =, which PostgreSQL answers from an index on (column, the page's order) and stops after the
// page: with = ANY of a one-element array it walked the directory in name order instead, filtering every row on
// the way (shape A of the benchmark, a sector and a commune: 2,949 buffers read, against 230).
func whereIn[T any](sel *bun.SelectQuery, column string, values []T) {
	switch len(values) {
	case 0:
	case 1:
		sel.Where("? = ?", bun.Safe(column), values[0])
	default:
		sel.Where("? = ANY(?)", bun.Safe(column), pgdialect.Array(values))
	}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// EnterprisesByParents returns one page of the businesses matching q for each sector or commune code (by
// selects which), in one statement (and their totals in one more when counted).
func (s *Store) EnterprisesByParents(ctx context.Context, by EnterpriseParent, codes []string, q model.EnterpriseQuery, page model.Page, counted bool) (map[string]*model.EnterpriseConnection, error) {
	column, parentOf := "e.sector_code", func(e *model.Enterprise) string { return e.SectorCode }
	if by == ByCommune {
		column, parentOf = "e.commune_code", func(e *model.Enterprise) string { return e.CommuneCode }
	}
	f, err := s.enterpriseFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	pp := parentPages[*model.Enterprise, string]{
		inner: func() *bun.SelectQuery {
			sel := s.db.NewSelect().Model((*model.Enterprise)(nil)).Where(column + " = parent.id")
			f.apply(sel)
			return sel
		},
		keyType:  "text",
		parentOf: parentOf,
	}
	conns, err := pagesByParents(ctx, s.db, pp, enterpriseKeysets[orDefault(q.OrderOrDefault())], codes, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list enterprises by %s: %w", column, err)
	}
	return conns, nil
}

// EnterpriseParent says which reference list a nested enterprise list hangs from.
type EnterpriseParent int

// Parents of nested enterprise lists.
const (
	BySector EnterpriseParent = iota
	ByCommune
)

// InsertEnterprises registers businesses in one statement and sets their ids.
func (s *Store) InsertEnterprises(ctx context.Context, es []*model.Enterprise) error {
	if len(es) == 0 {
		return nil
	}
	if _, err := s.db.NewInsert().Model(&es).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return mapError(err, "enterprise")
	}
	return nil
}
