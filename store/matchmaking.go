package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// MaxCandidates bounds how many businesses a suggestion scores: those sharing the most with the need (APE code,
// keywords, then nearest), so a broad need in Nouméa does not score thousands of businesses.
const MaxCandidates = 500

// SupplierCandidates reads, in one statement, the businesses that could meet a need (same sector, APE code or
// prefix, or one of its keywords), with the facts the reasons of model.Suggest read: distance from the need's
// commune, matched keywords, invoices paid as a seller, public consultations won. Only ACTIVE businesses, listed
// in the directory unless the viewer is staff, never the viewer's own.
func (s *Store) SupplierCandidates(ctx context.Context, viewer model.Actor, n model.Need) ([]model.Candidate, error) {
	keywords := make([]string, 0, len(n.Keywords))
	for _, k := range n.Keywords {
		if k = strings.TrimSpace(k); k != "" {
			keywords = append(keywords, k)
		}
	}
	var prefixes []string
	for _, p := range n.APECodes {
		prefixes = append(prefixes, escapeLike(p)+"%")
	}
	var rows []struct {
		model.Enterprise `bun:",extend"`
		Km               *int     `bun:"km"`
		CommuneName      string   `bun:"commune_name"`
		NeedCommuneName  string   `bun:"need_commune_name"`
		Matched          []string `bun:"matched,array"`
		Paid             int      `bun:"paid"`
		LargestPaidHT    int64    `bun:"largest_paid_ht"`
		APEMatch         bool     `bun:"ape_match"`
		Won              int      `bun:"won"`
	}
	matched := "ARRAY(SELECT k FROM unnest(CAST(? AS text[])) WITH ORDINALITY AS kw(k, pos) " +
		"WHERE numnode(sudpro_word_query(k)) > 0 AND e.search_doc @@ sudpro_word_query(k) ORDER BY pos)"
	sel := s.readDB(ctx).NewSelect().Model((*model.Enterprise)(nil)).ColumnExpr("?TableColumns").
		ColumnExpr("d.km, c.name AS commune_name, coalesce(nc.name, '') AS need_commune_name").
		ColumnExpr(matched+" AS matched", pgdialect.Array(keywords)).
		ColumnExpr("e.ape_code LIKE ANY(CAST(? AS text[])) AS ape_match", pgdialect.Array(prefixes)).
		ColumnExpr("coalesce(t.paid, 0) AS paid, coalesce(t.largest, 0) AS largest_paid_ht, w.won").
		Join("JOIN communes c ON c.code = e.commune_code").
		Join("LEFT JOIN communes nc ON nc.code = ?", n.CommuneCode).
		Join("LEFT JOIN commune_distances d ON d.from_code = ? AND d.to_code = e.commune_code", n.CommuneCode).
		Join("LEFT JOIN LATERAL (SELECT count(*) AS paid, max(i.total_ht) AS largest FROM invoices i "+
			"WHERE i.seller_id = e.id AND i.status = 'PAID') t ON true").
		Join("LEFT JOIN LATERAL (SELECT count(*) AS won FROM consultation_awards ca WHERE ca.enterprise_id = e.id) w ON true").
		Where("e.status = 'ACTIVE'").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if len(n.SectorCodes) > 0 {
				q.WhereOr("e.sector_code = ANY(?)", pgdialect.Array(n.SectorCodes))
			}
			if len(prefixes) > 0 {
				q.WhereOr("e.ape_code LIKE ANY(CAST(? AS text[]))", pgdialect.Array(prefixes))
			}
			for _, k := range keywords {
				q.WhereOr("e.search_doc @@ sudpro_word_query(?)", k)
			}
			return q
		}).
		OrderExpr("ape_match DESC").
		Limit(MaxCandidates)
	if len(keywords) > 0 {
		terms := make([]string, len(keywords))
		args := make([]any, len(keywords))
		for i, k := range keywords {
			terms[i], args[i] = "sudpro_word_query(?)", k
		}
		sel.OrderExpr("ts_rank(e.search_doc, "+strings.Join(terms, " || ")+") DESC", args...)
	}
	sel.OrderExpr("d.km ASC NULLS LAST, e.id")
	if !viewer.IsStaff() {
		sel.Where("e.listed_in_directory")
	}
	if viewer.EnterpriseID != 0 {
		sel.Where("e.id <> ?", viewer.EnterpriseID)
	}
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("supplier candidates: %w", err)
	}
	out := make([]model.Candidate, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = model.Candidate{Enterprise: &r.Enterprise, Km: r.Km, CommuneName: r.CommuneName, NeedCommuneName: r.NeedCommuneName,
			MatchedKeywords: r.Matched, PaidInvoices: r.Paid, LargestPaidHT: model.XPF(r.LargestPaidHT), ConsultationsWon: r.Won}
	}
	return out, nil
}
