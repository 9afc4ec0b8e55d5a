package store

import (
	"context"
	"fmt"
	"time"

	"sudpro/model"
)

// ImportInvoice records an invoice of the past and replays its workflow up to its status through the ledger,
// with the session and times it had rather than the clock's: for loading history (seed data, a migration from
// the previous platform). inv carries the final status, session, credit amount and rejection reason; every money
// movement goes through the same entries and checks as the live mutations, so the ledger stays sound.
func (s *Store) ImportInvoice(ctx context.Context, op model.Op, inv *model.Invoice, lines []*model.InvoiceLine) error {
	return s.InTx(ctx, func(tx *Store) error {
		final, credit, sessionID, reason, note := inv.Status, inv.CreditAmount, inv.SessionID, inv.RejectionReason, inv.ControlNote
		inv.Status, inv.CreditAmount, inv.SessionID, inv.RejectionReason, inv.ControlNote = model.InvoiceIssued, 0, nil, nil, ""
		if err := tx.InsertInvoice(ctx, inv, lines); err != nil {
			return err
		}
		if final == model.InvoiceIssued {
			return nil
		}
		if sessionID == nil || credit <= 0 {
			return fmt.Errorf("import invoice %s: a %s invoice needs a session and a credit amount", inv.Number, final)
		}
		sess := new(model.Session)
		if err := tx.db.NewSelect().Model(sess).Where("s.id = ?", *sessionID).Scan(ctx); err != nil {
			return mapError(err, "session")
		}
		at := inv.IssuedAt.Add(time.Hour)
		buyer, err := tx.accounts(ctx, sess.ProgrammeID, 0, inv.BuyerID, model.AccountCreditAvailable, model.AccountCreditReserved)
		if err != nil {
			return err
		}
		session, err := tx.accounts(ctx, sess.ProgrammeID, sess.ID, 0, model.AccountSessionAvailable, model.AccountSessionReserved)
		if err != nil {
			return err
		}
		inv.Status, inv.SessionID, inv.CreditAmount, inv.ConfirmedAt = model.InvoiceConfirmed, &sess.ID, credit, &at
		if _, err := tx.db.NewUpdate().Model(inv).WherePK().Column("status", "session_id", "credit_amount", "confirmed_at").Exec(ctx); err != nil {
			return mapError(err, "invoice")
		}
		e := entry(op, model.EntryReservation, sess.ProgrammeID, nil)
		e.SessionID, e.InvoiceID, e.CreatedAt = &sess.ID, &inv.ID, at
		err = tx.post(ctx, e, reservationPostings(credit, buyer, session))
		if err != nil {
			return fmt.Errorf("import invoice %s: %w", inv.Number, err)
		}
		var path []model.InvoiceStatus
		switch final {
		case model.InvoiceApproved:
			path = []model.InvoiceStatus{model.InvoiceApproved}
		case model.InvoicePaid:
			path = []model.InvoiceStatus{model.InvoiceApproved, model.InvoicePaid}
		case model.InvoiceReturned, model.InvoiceRejected:
			path = []model.InvoiceStatus{final}
		}
		for _, to := range path {
			at = at.Add(72 * time.Hour)
			stepAt := at
			err := tx.transitionAt(ctx, op, inv, to, stepAt, func(inv *model.Invoice) error {
				if to == model.InvoiceRejected {
					inv.RejectionReason = reason
				}
				if to == model.InvoiceRejected || to == model.InvoiceReturned {
					inv.ControlNote = note
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("import invoice %s: %w", inv.Number, err)
			}
		}
		return nil
	})
}
