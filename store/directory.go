package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// relevanceKeyset pages a directory search by relevance, best first; equal ranks are ordered by id, so pages never
// skip or repeat a business. The rank is an integer (millionths) so that a cursor carries it exactly.
var relevanceKeyset = keyset[*model.Enterprise]{
	order: "enterprise-relevance", column: "e.relevance", id: "e.id", sqlType: "bigint", desc: true,
	key:   func(e *model.Enterprise) string { return strconv.FormatInt(e.Relevance, 10) },
	rowID: func(e *model.Enterprise) int64 { return e.ID },
}

// searchTerms are the full-text queries of a directory search, as tsquery text: match requires every word, rank
// scores any of them. Both are empty when the search has no words, or only stop words ("de", "la"), which match
// everything. version is the directory version (search_cache.go) the words were expanded at, from the search
// lexicon; 0 when no statement ran.
type searchTerms struct {
	match, rank string
	version     int64
}

// searchTerms turns the words of a search into full-text queries, in one short statement without reading the
// businesses: each word matches its French stems, and a word long enough for typo tolerance also the directory's
// words that resemble it (sudpro_search_word_query in the search lexicon migration). The statements that read the
// businesses then carry the queries as constants, which PostgreSQL plans quickly and answers from the GIN index
// on search_doc alone.
func (s *Store) searchTerms(ctx context.Context, search string) (searchTerms, error) {
	words := model.SearchWords(search)
	if len(words) == 0 {
		return searchTerms{}, nil
	}
	fuzzy := make([]bool, len(words))
	for i, w := range words {
		fuzzy[i] = model.Fuzzy(w)
	}
	var queries []struct {
		Query   string `bun:"query"`
		Version int64  `bun:"version"`
	}
	err := s.readDB(ctx).NewRaw("SELECT coalesce(sudpro_search_word_query(t.w, t.fuzzy)::text, '') AS query, "+
		"(SELECT version FROM directory_version) AS version "+
		"FROM unnest(CAST(? AS text[]), CAST(? AS boolean[])) WITH ORDINALITY AS t(w, fuzzy, n) ORDER BY t.n",
		pgdialect.Array(words), pgdialect.Array(fuzzy)).Scan(ctx, &queries)
	if err != nil {
		return searchTerms{}, fmt.Errorf("search words: %w", err)
	}
	var kept []string
	var version int64
	for _, q := range queries {
		if q.Query != "" {
			kept = append(kept, "("+q.Query+")")
		}
		version = q.Version
	}
	return searchTerms{match: strings.Join(kept, " & "), rank: strings.Join(kept, " | "), version: version}, nil
}

// relevance is the rank of a business for the search, in millionths: the weighted full-text rank of its words
// (names weigh most, then keywords, the APE label, the description and commune). A misspelt name still comes
// first, since the name's own word joins the query of the misspelt one.
func (t searchTerms) relevance() (string, []any) {
	if t.rank == "" {
		return "CAST(0 AS bigint)", nil
	}
	return "CAST(round(1000000 * ts_rank(e.search_doc, CAST(? AS tsquery))) AS bigint)", []any{t.rank}
}

// directoryFilters applies the directory's own filters (search, headcount, eligibility, use of CréditSud).
func directoryFilters(sel *bun.SelectQuery, q model.EnterpriseQuery, t searchTerms) {
	if t.match != "" {
		sel.Where("e.search_doc @@ CAST(? AS tsquery)", t.match)
	}
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

// SearchCounts says what SearchEnterprises counts besides the page: the total (the connection's totalCount), the
// facets (which give the total too).
type SearchCounts struct{ Total, Facets bool }

// SearchEnterprises returns a page of the businesses matching q, in q's order. With counts, the same statement
// also counts them: the matches are found once, in a CTE that the page and the counts share, instead of once per
// statement. Such a search reads every match, so its answer is kept while the directory is unchanged
// (search_cache.go).
func (s *Store) SearchEnterprises(ctx context.Context, q model.EnterpriseQuery, page model.Page, counts SearchCounts) (*model.EnterpriseSearch, error) {
	if !counts.Total && !counts.Facets {
		f, err := s.enterpriseFilter(ctx, q)
		if err != nil {
			return nil, err
		}
		conn, err := s.listEnterprises(ctx, f, page)
		if err != nil {
			return nil, err
		}
		return &model.EnterpriseSearch{EnterpriseConnection: conn, Query: q}, nil
	}
	cache := s.searchCacheUse(ctx, q, page, counts)
	if cache.read {
		if answer, ok, err := s.cachedSearch(ctx, cache.key, q); ok || err != nil {
			return answer, err
		}
	}
	answer, version, err := s.countedSearch(ctx, q, page, counts)
	if err == nil && cache.keep {
		s.keepSearch(cache.key, version, answer)
	}
	return answer, err
}

// countedSearch is SearchEnterprises with counts, read from the businesses, with the directory version they were
// read at: the oldest snapshot of its statements (the search's words are expanded from the search lexicon in a
// statement of their own, before the businesses are read).
func (s *Store) countedSearch(ctx context.Context, q model.EnterpriseQuery, page model.Page, counts SearchCounts) (*model.EnterpriseSearch, int64, error) {
	f, err := s.enterpriseFilter(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	db := s.readDB(ctx)
	k := enterpriseKeyset(q)
	var rows *bun.SelectQuery
	if f.ranked() {
		// The page is cut from the ranked matches; only its businesses are then read in full.
		ids := k.apply(db.NewSelect().TableExpr("matches AS e").Column("e.id", "e.relevance"), page)
		rows = db.NewSelect().Model((*model.Enterprise)(nil)).ColumnExpr("?TableColumns").ColumnExpr("page.relevance").
			Join("JOIN (?) AS page ON page.id = e.id", ids)
	} else {
		rows = k.apply(f.matches(db), page)
	}
	var out []struct {
		model.Enterprise `bun:",extend"`
		matchStats
		Version int64 `bun:"directory_version,scanonly"`
	}
	// One row per business of the page, the first with the facets; a single row of NULL business columns when the
	// page is empty. The outer ORDER BY keeps the page's order through the joins. The directory version is read in
	// the statement's snapshot, the one its businesses are read in.
	order := k.orderExpr(page)
	err = withMatchStats(db, f, counts.Facets).Join("LEFT JOIN (?) AS e ON true", rows).
		ColumnExpr("e.*, stats.total").
		ColumnExpr("CASE WHEN row_number() OVER (ORDER BY "+order+") = 1 THEN stats.facets END AS facets").
		ColumnExpr("(SELECT version FROM directory_version) AS directory_version").
		OrderExpr(order).Scan(ctx, &out)
	if err != nil {
		return nil, 0, fmt.Errorf("search enterprises: %w", err)
	}
	if len(out) == 0 {
		return nil, 0, errors.New("search enterprises: no statistics row")
	}
	es := make([]*model.Enterprise, 0, len(out))
	for i := range out {
		if out[i].ID != 0 {
			es = append(es, &out[i].Enterprise)
		}
	}
	total := out[0].Total
	res := &model.EnterpriseSearch{Query: q,
		EnterpriseConnection: k.connection(es, page, func(context.Context) (int, error) { return total, nil })}
	if counts.Facets {
		if res.Facets, err = out[0].facets(); err != nil {
			return nil, 0, err
		}
	}
	// The answer is as old as the older of its two snapshots: the words' expansion may predate the businesses.
	version := out[0].Version
	if f.terms.version != 0 {
		version = min(version, f.terms.version)
	}
	return res, version, nil
}

// EnterpriseFacets counts the businesses matching q by sector, commune and legal form, in one statement; each
// list is by count, largest first, then code.
func (s *Store) EnterpriseFacets(ctx context.Context, q model.EnterpriseQuery) (*model.EnterpriseFacets, error) {
	f, err := s.enterpriseFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	var st matchStats
	if err := withMatchStats(s.readDB(ctx), f, true).ColumnExpr("stats.total, stats.facets").Scan(ctx, &st); err != nil {
		return nil, fmt.Errorf("enterprise facets: %w", err)
	}
	return st.facets()
}

// withMatchStats selects from the one-row table "stats" the counts of the businesses matching f (the CTE "matches"
// of their ids, the facets' columns, and relevance when ranked): their total and, with facets, a JSON list of their
// counts by sector, commune and legal form, largest first, then by code. GROUPING's bits say which of the three
// columns is NOT grouped: 0b011 = grouped by sector, and so on; 0b111 is the empty grouping set, the total.
func withMatchStats(db bun.IDB, f enterpriseFilter, facets bool) *bun.SelectQuery {
	stats := "SELECT count(*) AS total, '[]' AS facets FROM matches"
	if facets {
		stats = `SELECT coalesce(max(g.n) FILTER (WHERE g.grouping = 7), 0) AS total,
			coalesce(json_agg(json_build_object('grouping', g.grouping, 'code', g.code, 'n', g.n) ORDER BY g.n DESC, g.code)
				FILTER (WHERE g.grouping <> 7), '[]') AS facets
			FROM (SELECT GROUPING(sector_code, commune_code, legal_form) AS grouping,
					coalesce(sector_code, commune_code, legal_form, '') AS code, count(*) AS n
				FROM matches GROUP BY GROUPING SETS ((), (sector_code), (commune_code), (legal_form))) AS g`
	}
	return db.NewSelect().With("matches", f.matches(db, "e.id", "e.sector_code", "e.commune_code", "e.legal_form")).
		With("stats", db.NewRaw(stats)).TableExpr("stats")
}

// matchStats is a row of withMatchStats.
type matchStats struct {
	Total  int    `bun:"total,scanonly"`
	Facets string `bun:"facets,scanonly"`
}

func (m matchStats) facets() (*model.EnterpriseFacets, error) {
	var groups []struct {
		Grouping int    `json:"grouping"`
		Code     string `json:"code"`
		N        int    `json:"n"`
	}
	if err := json.Unmarshal([]byte(m.Facets), &groups); err != nil {
		return nil, fmt.Errorf("enterprise facets: %w", err)
	}
	f := &model.EnterpriseFacets{Sectors: []*model.SectorFacet{}, Communes: []*model.CommuneFacet{}, LegalForms: []*model.LegalFormFacet{}}
	for _, g := range groups {
		switch g.Grouping {
		case 0b011:
			f.Sectors = append(f.Sectors, &model.SectorFacet{SectorCode: g.Code, Count: g.N})
		case 0b101:
			f.Communes = append(f.Communes, &model.CommuneFacet{CommuneCode: g.Code, Count: g.N})
		case 0b110:
			f.LegalForms = append(f.LegalForms, &model.LegalFormFacet{LegalForm: model.LegalForm(g.Code), Count: g.N})
		}
	}
	return f, nil
}

// ExportPageSize is how many businesses EachEnterprise reads per statement.
const ExportPageSize = 1000

// EachEnterprise calls fn for every business matching q, in q's order, reading them a page at a time (keyset,
// one short statement per page) so that memory stays constant however many there are.
func (s *Store) EachEnterprise(ctx context.Context, q model.EnterpriseQuery, fn func(*model.Enterprise) error) error {
	f, err := s.enterpriseFilter(ctx, q)
	if err != nil {
		return err
	}
	page := model.Page{Limit: ExportPageSize}
	for {
		conn, err := s.listEnterprises(ctx, f, page)
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
