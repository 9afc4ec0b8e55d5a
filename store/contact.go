package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"sudpro/model"
)

// ContactCursorOrder is the cursor tag of contact request lists (latest first).
const ContactCursorOrder = "contact-sent"

var contactKeyset = keyset[*model.ContactRequest]{
	order: ContactCursorOrder, column: "cr.sent_at", id: "cr.id", sqlType: "timestamptz", desc: true,
	key:   func(c *model.ContactRequest) string { return c.SentAt.UTC().Format(timeKeyLayout) },
	rowID: func(c *model.ContactRequest) int64 { return c.ID },
}

// ContactRequestsByIDs returns the contact requests with the given ids, keyed by id.
func (s *Store) ContactRequestsByIDs(ctx context.Context, ids []int64) (map[int64]*model.ContactRequest, error) {
	return byKeys(ctx, s.db, "cr.id", ids, func(c *model.ContactRequest) int64 { return c.ID })
}

// PrivateOrdersByIDs returns the private orders with the given ids, keyed by id.
func (s *Store) PrivateOrdersByIDs(ctx context.Context, ids []int64) (map[int64]*model.PrivateOrder, error) {
	return byKeys(ctx, s.db, "po.id", ids, func(o *model.PrivateOrder) int64 { return o.ID })
}

// ListContactRequests returns a page of the contact requests the viewer may see (staff: all; a business: those
// it sent or received), latest first.
func (s *Store) ListContactRequests(ctx context.Context, viewer model.Actor, status model.ContactRequestStatus, page model.Page) (*model.ContactRequestConnection, error) {
	filter := func() *bun.SelectQuery {
		sel := s.readDB(ctx).NewSelect().Model((*model.ContactRequest)(nil))
		if !viewer.IsStaff() {
			sel.Where("(cr.sender_id = ? OR cr.recipient_id = ?)", viewer.EnterpriseID, viewer.EnterpriseID)
		}
		if status != "" {
			sel.Where("cr.status = ?", status)
		}
		return sel
	}
	conn, err := list(ctx, filter(), contactKeyset, page, func(ctx context.Context) (int, error) {
		n, err := filter().Count(ctx)
		return int(n), err
	})
	if err != nil {
		return nil, fmt.Errorf("list contact requests: %w", err)
	}
	return conn, nil
}

// SendContactRequest records a request from the actor's business to recipient, which must be active and listed
// in the directory. A second open request between the same two businesses is a CONFLICT.
func (s *Store) SendContactRequest(ctx context.Context, op model.Op, recipient model.RIDET, recipientID int64, message string) (model.Outcome, error) {
	input := struct {
		Recipient   model.RIDET
		RecipientID int64
		Message     string
	}{recipient, recipientID, message}
	return s.once(ctx, op, "sendContactRequest", input, func(tx *Store, _ *int64) (model.Outcome, error) {
		if len(message) > model.MaxContactMessage {
			return model.Outcome{}, model.Invalid("input.message", "at most %d characters", model.MaxContactMessage)
		}
		to := new(model.Enterprise)
		sel := tx.db.NewSelect().Model(to)
		if recipientID != 0 {
			sel.Where("e.id = ?", recipientID)
		} else {
			sel.Where("e.ridet = ?", string(recipient))
		}
		if err := sel.Scan(ctx); err != nil || !(to.ListedInDirectory && to.Status == model.EnterpriseActive) {
			return model.Outcome{}, model.Errorf(model.CodeNotFound, "input.recipient", "no active business listed in the directory has this identifier")
		}
		if to.ID == op.Actor.EnterpriseID {
			return model.Outcome{}, model.Invalid("input.recipient", "a business cannot send a contact request to itself")
		}
		var active bool
		if err := tx.db.NewRaw("SELECT EXISTS (SELECT 1 FROM enterprises WHERE id = ? AND status = 'ACTIVE')", op.Actor.EnterpriseID).Scan(ctx, &active); err != nil {
			return model.Outcome{}, fmt.Errorf("read the sender's status: %w", err)
		}
		if !active {
			return model.Outcome{}, model.Errorf(model.CodeForbidden, "", "only an ACTIVE business may send contact requests")
		}
		cr := &model.ContactRequest{SenderID: op.Actor.EnterpriseID, RecipientID: to.ID, Status: model.ContactSent, Message: message}
		if _, err := tx.db.NewInsert().Model(cr).ExcludeColumn("id", "answered_at").Returning("id, sent_at").Exec(ctx); err != nil {
			if e, ok := model.AsError(mapError(err, "contact request")); ok && e.Code == model.CodeConflict {
				return model.Outcome{}, model.Errorf(model.CodeConflict, "input.recipient", "an open contact request already exists between these two businesses")
			}
			return model.Outcome{}, mapError(err, "contact request")
		}
		return model.Outcome{IDs: []int64{cr.ID}}, nil
	})
}

// AnswerContactRequest accepts or declines a SENT request addressed to the actor's business.
func (s *Store) AnswerContactRequest(ctx context.Context, op model.Op, id int64, to model.ContactRequestStatus) (model.Outcome, error) {
	operation := "acceptContactRequest"
	if to == model.ContactDeclined {
		operation = "declineContactRequest"
	}
	return s.once(ctx, op, operation, id, func(tx *Store, _ *int64) (model.Outcome, error) {
		cr := new(model.ContactRequest)
		if err := tx.db.NewSelect().Model(cr).Where("cr.id = ?", id).For("UPDATE").Scan(ctx); err != nil || !cr.VisibleTo(op.Actor) {
			return model.Outcome{}, model.Errorf(model.CodeNotFound, "input.id", "contact request not found")
		}
		if err := cr.Answer(op.Actor, to, time.Now()); err != nil {
			return model.Outcome{}, err
		}
		if _, err := tx.db.NewUpdate().Model(cr).Column("status", "answered_at").WherePK().Exec(ctx); err != nil {
			return model.Outcome{}, mapError(err, "contact request")
		}
		return model.Outcome{IDs: []int64{cr.ID}}, nil
	})
}

// RecordPrivateOrder records an order against an ACCEPTED request one of whose businesses is the actor's; the
// request's sender is the buyer.
func (s *Store) RecordPrivateOrder(ctx context.Context, op model.Op, o *model.PrivateOrder) (model.Outcome, error) {
	return s.once(ctx, op, "recordPrivateOrder", o, func(tx *Store, _ *int64) (model.Outcome, error) {
		if err := o.Validate(); err != nil {
			return model.Outcome{}, err
		}
		cr := new(model.ContactRequest)
		if err := tx.db.NewSelect().Model(cr).Where("cr.id = ?", o.ContactRequestID).For("SHARE").Scan(ctx); err != nil || !cr.VisibleTo(op.Actor) {
			return model.Outcome{}, model.Errorf(model.CodeNotFound, "input.contactRequest", "contact request not found")
		}
		if cr.Status != model.ContactAccepted {
			return model.Outcome{}, model.Errorf(model.CodeIllegalTransition, "input.contactRequest", "the contact request is %s: only an ACCEPTED request can lead to an order", cr.Status)
		}
		o.BuyerID, o.SellerID = cr.SenderID, cr.RecipientID
		if _, err := tx.db.NewInsert().Model(o).ExcludeColumn("id").Returning("id, recorded_at").Exec(ctx); err != nil {
			return model.Outcome{}, mapError(err, "private order")
		}
		return model.Outcome{IDs: []int64{o.ID}}, nil
	})
}

// businessDoneSQL sums the business done through the platform by the businesses in ?::bigint[] (as seller or
// buyer), or by everyone when the array is NULL (each invoice and order once).
const businessDoneSQL = `
WITH who AS (SELECT unnest(CAST(? AS bigint[])) AS id),
inv AS (
    SELECT w.id, sum(i.credit_amount) AS credit, sum(i.total_ttc - i.credit_amount) AS outside, count(*) AS n
    FROM who w JOIN invoices i ON (i.seller_id = w.id OR i.buyer_id = w.id)
    WHERE i.status IN ('CONFIRMED','APPROVED','PAID')
    GROUP BY w.id),
ord AS (
    SELECT w.id, sum(o.amount_ttc) AS amount, count(*) AS n
    FROM who w JOIN private_orders o ON (o.seller_id = w.id OR o.buyer_id = w.id)
    GROUP BY w.id)
SELECT w.id, coalesce(inv.credit, 0) AS credit_sud, coalesce(inv.outside, 0) AS invoiced_outside,
       coalesce(ord.amount, 0) AS private_orders, coalesce(inv.n, 0) AS invoice_count, coalesce(ord.n, 0) AS private_order_count
FROM who w LEFT JOIN inv ON inv.id = w.id LEFT JOIN ord ON ord.id = w.id`

// BusinessDoneByEnterprises returns the business done by each business, keyed by id, in one statement.
func (s *Store) BusinessDoneByEnterprises(ctx context.Context, ids []int64) (map[int64]*model.BusinessDone, error) {
	var rows []struct {
		ID int64 `bun:"id"`
		model.BusinessDone
	}
	if err := s.db.NewRaw(businessDoneSQL, pgIDs(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("business done by enterprises: %w", err)
	}
	out := make(map[int64]*model.BusinessDone, len(rows))
	for i := range rows {
		out[rows[i].ID] = &rows[i].BusinessDone
	}
	return out, nil
}

// BusinessDone returns the business done through the whole platform.
func (s *Store) BusinessDone(ctx context.Context) (*model.BusinessDone, error) {
	b := new(model.BusinessDone)
	err := s.db.NewRaw(`SELECT
	    (SELECT coalesce(sum(credit_amount), 0) FROM invoices WHERE status IN ('CONFIRMED','APPROVED','PAID')) AS credit_sud,
	    (SELECT coalesce(sum(total_ttc - credit_amount), 0) FROM invoices WHERE status IN ('CONFIRMED','APPROVED','PAID')) AS invoiced_outside,
	    (SELECT count(*) FROM invoices WHERE status IN ('CONFIRMED','APPROVED','PAID')) AS invoice_count,
	    (SELECT coalesce(sum(amount_ttc), 0) FROM private_orders) AS private_orders,
	    (SELECT count(*) FROM private_orders) AS private_order_count`).Scan(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("business done: %w", err)
	}
	return b, nil
}

// ImportContactRequests inserts contact requests as they are (dates and statuses included), for seed data, in
// one statement, and sets their ids.
func (s *Store) ImportContactRequests(ctx context.Context, crs []*model.ContactRequest) error {
	return importRows(ctx, s.db, crs, "contact request")
}

// ImportPrivateOrders inserts private orders as they are, for seed data, in one statement, and sets their ids.
func (s *Store) ImportPrivateOrders(ctx context.Context, os []*model.PrivateOrder) error {
	return importRows(ctx, s.db, os, "private order")
}

// importRows inserts rows in one statement and sets their ids.
func importRows[T any](ctx context.Context, db bun.IDB, rows []*T, what string) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := db.NewInsert().Model(&rows).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return mapError(err, what)
	}
	return nil
}
