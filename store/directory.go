package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"sudpro/model"
)

// relevanceKeyset pages a directory search by relevance, best first; equal ranks are ordered by id, so pages never
// skip or repeat a business. The rank is an integer (millionths) so that a cursor carries it exactly.
var relevanceKeyset = keyset[*model.Enterprise]{
	order: "enterprise-relevance", column: "e.relevance", id: "e.id", sqlType: "bigint", desc: true,
	key:   func(e *model.Enterprise) string { return strconv.FormatInt(e.Relevance, 10) },
	rowID: func(e *model.Enterprise) int64 { return e.ID },
}

// wordQuery is the full-text query of one search word (see sudpro_word_query in the directory migration).
const wordQuery = "sudpro_word_query(?)"

// searchCondition restricts sel to the businesses matching every word of the search: each word matches the
// French full-text document (accents, plurals and inflections ignored) or, for words long enough, a word of the
// business with pg_trgm word similarity (typos). A stop word ("de", "la") matches everything.
func searchCondition(sel *bun.SelectQuery, words []string) {
	for _, w := range words {
		if model.Fuzzy(w) {
			sel.Where("(numnode("+wordQuery+") = 0 OR e.search_doc @@ "+wordQuery+" OR sudpro_fold(?) <% e.search_words)", w, w, w)
		} else {
			sel.Where("(numnode("+wordQuery+") = 0 OR e.search_doc @@ "+wordQuery+")", w, w)
		}
	}
}

// relevance is the rank of a business for the search words, in millionths: the weighted full-text rank of any
// of the words (names weigh most, then keywords, the APE label, the description and commune), plus how closely
// the whole search resembles the names (so that a misspelt name still comes first).
func relevance(words []string) (string, []any) {
	if len(words) == 0 {
		return "CAST(0 AS bigint)", nil
	}
	parts := make([]string, len(words))
	args := make([]any, 0, len(words)+1)
	for i, w := range words {
		parts[i] = wordQuery
		args = append(args, w)
	}
	args = append(args, strings.Join(words, " "))
	return "CAST(round(1000000 * (ts_rank(e.search_doc, " + strings.Join(parts, " || ") + ")" +
		" + 0.5 * word_similarity(sudpro_fold(?), e.search_names))) AS bigint)", args
}

// directoryFilters applies the directory's own filters (search, headcount, eligibility, use of CréditSud).
func directoryFilters(sel *bun.SelectQuery, q model.EnterpriseQuery) {
	searchCondition(sel, model.SearchWords(q.Search))
	if q.HeadcountMin != nil {
		sel.Where("e.headcount >= ?", *q.HeadcountMin)
	}
	if q.HeadcountMax != nil {
		sel.Where("e.headcount <= ?", *q.HeadcountMax)
	}
	whereBool(sel, "(e.status = 'ACTIVE' AND (e.legal_form = 'PATENTE' OR e.headcount <= "+strconv.Itoa(model.CreditSudMaxHeadcount)+"))", q.Eligible)
	// Used = CréditSud reserved or spent on an invoice it bought (the ledger's CREDIT_RESERVED and CREDIT_USED).
	whereBool(sel, "EXISTS (SELECT 1 FROM invoices i WHERE i.buyer_id = e.id AND i.credit_amount > 0 AND i.status IN ('CONFIRMED','APPROVED','PAID'))", q.UsedCreditSud)
}

// whereBool restricts sel to the rows where cond is *want; nothing when want is nil.
func whereBool(sel *bun.SelectQuery, cond string, want *bool) {
	switch {
	case want == nil:
	case *want:
		sel.Where(cond)
	default:
		sel.Where("NOT " + cond)
	}
}

// searchEnterprises is the select of a directory search ranked by relevance: the filtered businesses with
// their rank as e.relevance, wrapped so that the keyset can compare and order on it.
func (s *Store) searchEnterprises(ctx context.Context, q model.EnterpriseQuery) *bun.SelectQuery {
	rank, args := relevance(model.SearchWords(q.Search))
	db := s.readDB(ctx)
	inner := db.NewSelect().Model((*model.Enterprise)(nil)).ColumnExpr("?TableColumns").ColumnExpr(rank+" AS relevance", args...)
	filterEnterprises(inner, q)
	return db.NewSelect().Model((*model.Enterprise)(nil)).ModelTableExpr("(?) AS e", inner).
		ColumnExpr("?TableColumns").ColumnExpr("e.relevance")
}

// EnterpriseFacets counts the businesses matching q by sector, commune and legal form, in one statement; each
// list is by count, largest first, then code.
func (s *Store) EnterpriseFacets(ctx context.Context, q model.EnterpriseQuery) (*model.EnterpriseFacets, error) {
	var rows []struct {
		Sector    string `bun:"sector_code"`
		Commune   string `bun:"commune_code"`
		LegalForm string `bun:"legal_form"`
		Grouping  int    `bun:"grouping"`
		N         int    `bun:"n"`
	}
	sel := s.readDB(ctx).NewSelect().Model((*model.Enterprise)(nil)).
		ColumnExpr("coalesce(e.sector_code, '') AS sector_code, coalesce(e.commune_code, '') AS commune_code").
		ColumnExpr("coalesce(e.legal_form, '') AS legal_form").
		ColumnExpr("GROUPING(e.sector_code, e.commune_code, e.legal_form) AS grouping, count(*) AS n").
		GroupExpr("GROUPING SETS ((e.sector_code), (e.commune_code), (e.legal_form))").
		OrderExpr("n DESC, 1, 2, 3")
	filterEnterprises(sel, q)
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("enterprise facets: %w", err)
	}
	f := &model.EnterpriseFacets{Sectors: []*model.SectorFacet{}, Communes: []*model.CommuneFacet{}, LegalForms: []*model.LegalFormFacet{}}
	// GROUPING's bits say which of the three columns is NOT grouped: 0b011 = grouped by sector, and so on.
	for _, r := range rows {
		switch r.Grouping {
		case 0b011:
			f.Sectors = append(f.Sectors, &model.SectorFacet{SectorCode: r.Sector, Count: r.N})
		case 0b101:
			f.Communes = append(f.Communes, &model.CommuneFacet{CommuneCode: r.Commune, Count: r.N})
		case 0b110:
			f.LegalForms = append(f.LegalForms, &model.LegalFormFacet{LegalForm: model.LegalForm(r.LegalForm), Count: r.N})
		}
	}
	return f, nil
}

// ExportPageSize is how many businesses EachEnterprise reads per statement.
const ExportPageSize = 1000

// EachEnterprise calls fn for every business matching q, in q's order, reading them a page at a time (keyset,
// one short statement per page) so that memory stays constant however many there are.
func (s *Store) EachEnterprise(ctx context.Context, q model.EnterpriseQuery, fn func(*model.Enterprise) error) error {
	page := model.Page{Limit: ExportPageSize}
	for {
		conn, err := s.ListEnterprises(ctx, q, page)
		if err != nil {
			return err
		}
		for _, e := range conn.Edges {
			if err := fn(e.Node); err != nil {
				return err
			}
		}
		if !conn.PageInfo.HasNextPage || len(conn.Edges) == 0 {
			return nil
		}
		last := conn.Edges[len(conn.Edges)-1].Node
		c := enterpriseKeyset(q).cursor(last)
		page.After = &c
	}
}

// APELabels returns the label of every APE code the platform knows, keyed by code (a small reference table).
func (s *Store) APELabels(ctx context.Context) (map[string]string, error) {
	var rows []struct {
		Code  string `bun:"code"`
		Label string `bun:"label"`
	}
	if err := s.db.NewSelect().Table("ape_codes").Column("code", "label").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("APE labels: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Label
	}
	return out, nil
}
