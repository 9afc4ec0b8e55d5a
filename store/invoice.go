package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// InvoiceCursorOrder is the cursor tag of invoice lists (latest first).
const InvoiceCursorOrder = "invoice-issued"

var invoiceKeyset = keyset[*model.Invoice]{
	order: InvoiceCursorOrder, column: "i.issued_at", id: "i.id", sqlType: "timestamptz", desc: true,
	key:   func(i *model.Invoice) string { return i.IssuedAt.UTC().Format(timeKeyLayout) },
	rowID: func(i *model.Invoice) int64 { return i.ID },
}

// InvoicesByIDs returns the invoices with the given ids, keyed by id.
func (s *Store) InvoicesByIDs(ctx context.Context, ids []int64) (map[int64]*model.Invoice, error) {
	return byKeys(ctx, s.db, "i.id", ids, func(i *model.Invoice) int64 { return i.ID })
}

// ListInvoices returns a page of the invoices matching q, latest first.
func (s *Store) ListInvoices(ctx context.Context, q model.InvoiceQuery, page model.Page) (*model.InvoiceConnection, error) {
	conn, err := list(ctx, s.invoices(q), invoiceKeyset, page, func(ctx context.Context) (int, error) {
		return s.CountInvoices(ctx, q)
	})
	if err != nil {
		return nil, fmt.Errorf("list invoices: %w", err)
	}
	return conn, nil
}

// CountInvoices counts the invoices matching q.
func (s *Store) CountInvoices(ctx context.Context, q model.InvoiceQuery) (int, error) {
	n, err := s.invoices(q).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count invoices: %w", err)
	}
	return int(n), nil
}

// InvoicesByEnterprises returns one page of invoices for each business (as seller, buyer or both: party is
// "SELLER", "BUYER" or ""), latest first, in one statement (and their totals in one more when counted).
func (s *Store) InvoicesByEnterprises(ctx context.Context, enterpriseIDs []int64, party string, page model.Page, counted bool) (map[int64]*model.InvoiceConnection, error) {
	pp := parentPages[*model.Invoice, int64]{
		inner: func() *bun.SelectQuery {
			return s.db.NewSelect().Model((*model.Invoice)(nil)).Where(partyCondition(party, "parent.id"))
		},
		keyType:  "bigint",
		multi:    true, // an invoice is in its seller's and its buyer's pages
		parentOf: func(i *model.Invoice) int64 { return i.ListParentID },
	}
	conns, err := pagesByParents(ctx, s.db, pp, invoiceKeyset, enterpriseIDs, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list invoices by enterprise: %w", err)
	}
	return conns, nil
}

// invoiceWithParties is an invoice and the parties read with it, joined in its page's statement: Bun scans
// the parties' columns (seller__*, buyer__*) into them as it scans the invoice's; a party not read is nil.
// (A first version read each party as row_to_json and decoded it with encoding/json: a seventh of shape B's
// server CPU.)
type invoiceWithParties struct {
	model.Invoice `bun:",extend"`
	Seller        *model.Enterprise `bun:"rel:belongs-to,join:seller_id=id"`
	Buyer         *model.Enterprise `bun:"rel:belongs-to,join:buyer_id=id"`
}

var invoiceWithPartiesKeyset = keyset[*invoiceWithParties]{
	order: invoiceKeyset.order, column: invoiceKeyset.column, id: invoiceKeyset.id, sqlType: invoiceKeyset.sqlType, desc: invoiceKeyset.desc,
	key:   func(r *invoiceWithParties) string { return invoiceKeyset.key(&r.Invoice) },
	rowID: func(r *invoiceWithParties) int64 { return r.ID },
}

// InvoicesAndPartiesByEnterprises is InvoicesByEnterprises that also reads, in the same statement, the invoices'
// parties other than the business whose page they are in (the buyers of a SELLER page, the sellers of a BUYER
// page, both otherwise): whole rows, keyed by id, as EnterprisesByIDs would return them. A page that shows its
// invoices' buyers (bench shape B) then costs one statement instead of two.
func (s *Store) InvoicesAndPartiesByEnterprises(ctx context.Context, enterpriseIDs []int64, party string, page model.Page, counted bool) (map[int64]*model.InvoiceConnection, map[int64]*model.Enterprise, error) {
	pp := parentPages[*invoiceWithParties, int64]{
		inner: func() *bun.SelectQuery {
			return s.db.NewSelect().Model((*invoiceWithParties)(nil)).Where(partyCondition(party, "parent.id"))
		},
		// The joins are on primary keys, after the page's rows are chosen in its index order: PostgreSQL stops at
		// the page's end and joins its rows only.
		rows: func(q *bun.SelectQuery) *bun.SelectQuery {
			if party != "SELLER" {
				q.Relation("Seller")
			}
			if party != "BUYER" {
				q.Relation("Buyer")
			}
			return q
		},
		keyType:  "bigint",
		multi:    true,
		parentOf: func(r *invoiceWithParties) int64 { return r.ListParentID },
	}
	pages, err := pagesByParents(ctx, s.db, pp, invoiceWithPartiesKeyset, enterpriseIDs, page, counted)
	if err != nil {
		return nil, nil, fmt.Errorf("list invoices and parties by enterprise: %w", err)
	}
	conns := make(map[int64]*model.InvoiceConnection, len(pages))
	parties := map[int64]*model.Enterprise{}
	for parent, c := range pages {
		for _, r := range c.Nodes() {
			for _, e := range []*model.Enterprise{r.Seller, r.Buyer} {
				if e != nil {
					parties[e.ID] = e
				}
			}
		}
		conns[parent] = model.MapConnection(c, func(r *invoiceWithParties) *model.Invoice { return &r.Invoice })
	}
	return conns, parties, nil
}

// partyCondition is the SQL condition "the invoice's seller/buyer/either is <ref>"; ref is SQL, never user input.
func partyCondition(party, ref string) string {
	switch party {
	case "SELLER":
		return "i.seller_id = " + ref
	case "BUYER":
		return "i.buyer_id = " + ref
	default:
		return "(i.seller_id = " + ref + " OR i.buyer_id = " + ref + ")"
	}
}

func (s *Store) invoices(q model.InvoiceQuery) *bun.SelectQuery {
	sel := s.db.NewSelect().Model((*model.Invoice)(nil))
	if !q.Viewer.IsStaff() {
		// A business sees only its own invoices; anyone else none (the schema refuses them earlier anyway).
		sel.Where("(i.seller_id = ? OR i.buyer_id = ?)", q.Viewer.EnterpriseID, q.Viewer.EnterpriseID)
	}
	if len(q.Statuses) > 0 {
		sel.Where("i.status = ANY(?)", pgdialect.Array(q.Statuses))
	}
	if q.SessionID != 0 {
		sel.Where("i.session_id = ?", q.SessionID)
	}
	if q.SellerID != 0 {
		sel.Where("i.seller_id = ?", q.SellerID)
	}
	if q.BuyerID != 0 {
		sel.Where("i.buyer_id = ?", q.BuyerID)
	}
	if q.PartyID != 0 {
		sel.Where(partyCondition(q.Party, "?0"), q.PartyID)
	}
	if len(q.SellerSectors) > 0 {
		sel.Where("EXISTS (SELECT 1 FROM enterprises se WHERE se.id = i.seller_id AND se.sector_code = ANY(?))", pgdialect.Array(q.SellerSectors))
	}
	if len(q.BuyerSectors) > 0 {
		sel.Where("EXISTS (SELECT 1 FROM enterprises be WHERE be.id = i.buyer_id AND be.sector_code = ANY(?))", pgdialect.Array(q.BuyerSectors))
	}
	if q.IssuedFrom != nil {
		sel.Where("i.issued_at >= ?", *q.IssuedFrom)
	}
	if q.IssuedBefore != nil {
		sel.Where("i.issued_at < ?", *q.IssuedBefore)
	}
	return sel
}

// LinesByInvoiceIDs returns the lines of each invoice, in order, in one statement.
func (s *Store) LinesByInvoiceIDs(ctx context.Context, invoiceIDs []int64) (map[int64][]*model.InvoiceLine, error) {
	var rows []*model.InvoiceLine
	err := s.db.NewSelect().Model(&rows).Where("l.invoice_id = ANY(?)", pgdialect.Array(invoiceIDs)).
		OrderExpr("l.invoice_id, l.position").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load invoice lines: %w", err)
	}
	out := make(map[int64][]*model.InvoiceLine, len(invoiceIDs))
	for _, l := range rows {
		out[l.InvoiceID] = append(out[l.InvoiceID], l)
	}
	return out, nil
}

// InsertInvoice records an invoice with its lines, whose amounts and totals must already be computed
// (model.ComputeLine, model.Totals); the database checks that they add up.
func (s *Store) InsertInvoice(ctx context.Context, inv *model.Invoice, lines []*model.InvoiceLine) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.NewInsert().Model(inv).ExcludeColumn("id").Returning("id, issued_at, updated_at").Exec(ctx); err != nil {
			return mapError(err, "invoice")
		}
		for i, l := range lines {
			l.InvoiceID = inv.ID
			l.Position = i + 1
		}
		if len(lines) > 0 {
			if _, err := tx.db.NewInsert().Model(&lines).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
				return mapError(err, "invoice line")
			}
		}
		return nil
	})
}
