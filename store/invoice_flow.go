package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sudpro/model"
)

// IssueRequest is a new invoice from the actor's business.
type IssueRequest struct {
	BuyerRIDET  model.RIDET
	Number      string
	Lines       []model.LineInput
	DeclaredTTC *model.XPF
	Replaces    int64 // reissueInvoice: the RETURNED invoice this one corrects
}

// IssueInvoice records an invoice from the actor's business after the automatic checks at issue; the server
// computes every amount.
func (s *Store) IssueInvoice(ctx context.Context, op model.Op, req IssueRequest) (model.Outcome, error) {
	return s.once(ctx, op, "issueInvoice", req, func(tx *Store, _ *int64) (model.Outcome, error) {
		seller, err := tx.actorEnterprise(ctx, op.Actor)
		if err != nil {
			return model.Outcome{}, err
		}
		buyer, err := tx.EnterpriseByRIDET(ctx, req.BuyerRIDET)
		if model.ErrorCodeOf(err) == model.CodeNotFound {
			return model.Outcome{}, model.Errorf(model.CodeSellerNotActive, "input.buyerRidet", "no business is registered with RIDET %s", req.BuyerRIDET)
		}
		if err != nil {
			return model.Outcome{}, err
		}
		inv, err := tx.issue(ctx, seller, buyer, req)
		if err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{inv.ID}}, nil
	})
}

func (s *Store) issue(ctx context.Context, seller, buyer *model.Enterprise, req IssueRequest) (*model.Invoice, error) {
	number := strings.TrimSpace(req.Number)
	if number == "" || len(number) > 50 {
		return nil, model.Invalid("input.number", "an invoice number of 1 to 50 characters is required")
	}
	rates, err := s.tgcRateMap(ctx)
	if err != nil {
		return nil, err
	}
	lines, err := model.BuildLines("input.lines", req.Lines, rates, seller.TGCFranchise)
	if err != nil {
		return nil, err
	}
	totals := model.Totals(lines)
	if err := model.CheckIssue(seller, buyer, totals, req.DeclaredTTC); err != nil {
		return nil, err
	}
	inv := &model.Invoice{SellerID: seller.ID, BuyerID: buyer.ID, Number: number, Status: model.InvoiceIssued,
		TotalHT: totals.HT, TotalTGC: totals.TGC, TotalTTC: totals.TTC, TGCNotApplicable: seller.TGCFranchise,
		ReplacesID: nullable(req.Replaces)}
	if err := s.InsertInvoice(ctx, inv, lines); err != nil {
		if model.ErrorCodeOf(err) == model.CodeConflict {
			return nil, model.Errorf(model.CodeDuplicate, "input.number", "invoice number %q was already issued by this seller", number)
		}
		return nil, err
	}
	return inv, nil
}

func (s *Store) tgcRateMap(ctx context.Context) (map[string]*model.TGCRate, error) {
	rates, err := s.TGCRates(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*model.TGCRate, len(rates))
	for _, r := range rates {
		out[r.Code] = r
	}
	return out, nil
}

// actorEnterprise is the business a business user acts for.
func (s *Store) actorEnterprise(ctx context.Context, a model.Actor) (*model.Enterprise, error) {
	if a.Role != model.RoleEnterprise || a.EnterpriseID == 0 {
		return nil, model.Errorf(model.CodeForbidden, "", "only a business user may do this")
	}
	es, err := s.EnterprisesByIDs(ctx, []int64{a.EnterpriseID})
	if err != nil {
		return nil, err
	}
	e, ok := es[a.EnterpriseID]
	if !ok {
		return nil, model.Errorf(model.CodeForbidden, "", "the caller's business is not registered")
	}
	return e, nil
}

// lockInvoice reads an invoice for update, as the actor may see it: a business user only its own invoices.
func (s *Store) lockInvoice(ctx context.Context, a model.Actor, id int64) (*model.Invoice, error) {
	inv := new(model.Invoice)
	err := s.db.NewSelect().Model(inv).Where("i.id = ?", id).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.CodeNotFound, "input.id", "no such invoice")
	}
	if err != nil {
		// A lock or statement timeout, a deadlock: not the user's doing, never recorded as the outcome.
		return nil, fmt.Errorf("lock invoice %d: %w", id, err)
	}
	if !inv.VisibleTo(a) {
		return nil, model.Errorf(model.CodeNotFound, "input.id", "no such invoice")
	}
	return inv, nil
}

// ConfirmInvoice is the buyer's confirmation: the credit amount is reserved atomically from the buyer's credit and
// the open session's envelope, first come, first served, or nothing happens and the error says why.
//
// It is the hot path of a session-opening rush, so it holds no transaction open across round trips and no row lock
// while Go works (optimistic concurrency). It reads everything the rules need in one statement, without locks
// (sudpro_confirmation_facts), and checks the rules (model.CheckConfirmation). A refusal then records its outcome
// with the idempotency key in one statement (nothing else is written; none at all without a key). A confirmation
// is written by one statement (sudpro_confirm_batch), shared with the confirmations of concurrent calls
// (confirmationGroup): under lock, in the ledger's lock order, it compares the facts' row versions and writes
// nothing if they changed meanwhile, and the call starts over; else it records the key, confirms the invoice, posts the
// reservation and moves the balances, holding the envelope's row for that statement only, and commits without
// waiting for the disk; a synchronous commit (shared too) then makes it durable before the answer.
func (s *Store) ConfirmInvoice(ctx context.Context, op model.Op, invoiceID int64, credit model.XPF) (model.Outcome, error) {
	const operation = "confirmInvoice"
	hash, err := inputHash(struct {
		ID     int64
		Credit model.XPF
	}{invoiceID, credit})
	if err != nil {
		return model.Outcome{}, err
	}
	nested := s.inTransaction()
	const attempts = 5
	for range attempts {
		f, err := s.confirmationFacts(ctx, invoiceID, op.Actor, credit)
		if err != nil {
			return model.Outcome{}, err
		}
		c, accts, err := s.confirmation(ctx, op.Actor, f, credit)
		if err != nil {
			return model.Outcome{}, err
		}
		if c.Refusal != nil {
			return s.recordRefusal(ctx, op, operation, hash, c.Refusal, nested)
		}
		if accts == nil {
			continue // accounts were missing and are now open: read the facts again
		}
		var out model.Outcome
		var stale bool
		write := func(st *Store) error {
			out, stale, err = st.confirm(ctx, op, operation, hash, f, c.Confirmation, accts, !nested)
			return err
		}
		if nested {
			err = s.InTx(ctx, write) // a savepoint: a failed write must not abort the caller's transaction
		} else {
			err = write(s)
		}
		if typed, ok := model.AsError(err); ok && out.Err == nil {
			// The money went meanwhile (a floor), or the key is not valid: nothing was written.
			return s.recordRefusal(ctx, op, operation, hash, typed, nested)
		}
		if err != nil && !isRetryable(err) {
			return model.Outcome{}, err
		}
		if err == nil && !stale {
			if !nested {
				if err := s.awaitDurable(ctx); err != nil {
					return model.Outcome{}, err
				}
			}
			return out, nil
		}
	}
	return model.Outcome{}, fmt.Errorf("confirm invoice %d: its facts kept changing over %d attempts", invoiceID, attempts)
}

// confirmationFacts is what sudpro_confirmation_facts gathers for a confirmation (see its migration).
type confirmationFacts struct {
	Invoice  *model.Invoice
	Parties  map[int64]*model.Enterprise
	Lines    []*model.InvoiceLine
	Session  *model.Session
	AnyOpen  bool // no session of the buyer's programmes is open, but another is
	Accounts map[model.AccountKind]*model.Account
	// Fingerprint is the facts' row versions but the envelope's (sudpro_confirmation_version), compared under lock
	// when the confirmation is written; "" when the balances read cannot cover the credit, which is then refused.
	Fingerprint string
}

// confirmationFacts reads, in one round trip and without locks, what the confirmation's rules need: only the
// invoice unless it is ISSUED and the actor is its buyer.
func (s *Store) confirmationFacts(ctx context.Context, invoiceID int64, a model.Actor, credit model.XPF) (confirmationFacts, error) {
	var f confirmationFacts
	var buyerID int64
	if a.Role == model.RoleEnterprise {
		buyerID = a.EnterpriseID
	}
	var raw []byte
	if err := s.db.NewRaw("SELECT sudpro_confirmation_facts(?, ?, ?)", invoiceID, buyerID, int64(credit)).Scan(ctx, &raw); err != nil {
		return f, fmt.Errorf("read the confirmation's facts of invoice %d: %w", invoiceID, err)
	}
	var rows struct {
		Invoice         *model.Invoice       `json:"invoice"`
		Parties         []*model.Enterprise  `json:"parties"`
		Lines           []*model.InvoiceLine `json:"lines"`
		Session         *model.Session       `json:"session"`
		AnyOpen         bool                 `json:"any_open"`
		BuyerAccounts   []*model.Account     `json:"buyer_accounts"`
		SessionAccounts []*model.Account     `json:"session_accounts"`
		Fingerprint     string               `json:"fingerprint"`
	}
	if err := scanJSONDoc(s.db, &rows, raw); err != nil {
		return f, fmt.Errorf("decode the confirmation's facts: %w", err)
	}
	f.Invoice, f.Session, f.Lines, f.AnyOpen, f.Fingerprint = rows.Invoice, rows.Session, rows.Lines, rows.AnyOpen, rows.Fingerprint
	parties, accounts := rows.Parties, append(rows.BuyerAccounts, rows.SessionAccounts...)
	f.Parties = make(map[int64]*model.Enterprise, len(parties))
	for _, e := range parties {
		f.Parties[e.ID] = e
	}
	f.Accounts = make(map[model.AccountKind]*model.Account, len(accounts))
	for _, a := range accounts {
		f.Accounts[a.Kind] = a
	}
	return f, nil
}

// checkedConfirmation is a confirmation's verdict on its facts: a refusal, or what to reserve.
type checkedConfirmation struct {
	model.Confirmation
	Refusal *model.Error
}

// confirmation checks a confirmation's rules on its facts, in the order a caller expects to hear of them, and
// returns the accounts the reservation moves; none (and no refusal) when some were missing and have just been
// opened, the facts then being out of date.
func (s *Store) confirmation(ctx context.Context, a model.Actor, f confirmationFacts, credit model.XPF) (checkedConfirmation, map[model.AccountKind]*model.Account, error) {
	var c checkedConfirmation
	refuse := func(err error) (checkedConfirmation, map[model.AccountKind]*model.Account, error) {
		typed, ok := model.AsError(err)
		if !ok {
			return c, nil, err
		}
		c.Refusal = typed
		return c, nil, nil
	}
	inv := f.Invoice
	if inv == nil || !inv.VisibleTo(a) {
		return refuse(model.Errorf(model.CodeNotFound, "input.id", "no such invoice"))
	}
	if !a.ActsFor(inv.BuyerID) {
		return refuse(model.Errorf(model.CodeForbidden, "input.id", "only the buyer confirms an invoice"))
	}
	if err := model.CheckTransition(inv.Status, model.InvoiceConfirmed); err != nil {
		return refuse(err)
	}
	c.Confirmation = model.Confirmation{Invoice: inv, CreditAmount: credit, Seller: f.Parties[inv.SellerID], Buyer: f.Parties[inv.BuyerID],
		Lines: f.Lines, Session: f.Session}
	if c.Seller == nil || c.Buyer == nil {
		return c, nil, fmt.Errorf("invoice %d: its parties were not read", inv.ID)
	}
	if c.Session == nil && f.AnyOpen {
		return refuse(model.Errorf(model.CodeNotEligible, "", "the buyer was granted no CréditSud in the programme of the open session"))
	}
	accts := f.Accounts
	if c.Session != nil && len(accts) < len(reservationKinds) {
		// Accounts missing (granted before every account was opened at once) are opened, the slow way.
		return c, nil, s.openReservationAccounts(ctx, c.Session, inv.BuyerID)
	}
	if c.Session != nil {
		c.BuyerHasUsedCredit = accts[model.AccountCreditReserved].Balance+accts[model.AccountCreditUsed].Balance > 0
	}
	if err := model.CheckConfirmation(c.Confirmation); err != nil {
		return refuse(err)
	}
	// Refuse at once what the balances just read cannot cover: once the envelope is spent, most calls of a rush
	// end here, writing nothing. Money that is there is still only taken by the conditional moves.
	if available := accts[model.AccountCreditAvailable].Balance; available < credit {
		return refuse(model.Errorf(model.CodeInsufficientCredit, "input.creditAmount", "the buyer's remaining CréditSud (%d XPF) cannot cover %d XPF", available, credit))
	}
	if accts[model.AccountSessionAvailable].Balance < credit {
		return refuse(model.Errorf(model.CodeBudgetExhausted, "input.creditAmount", "the session's envelope cannot cover %d XPF", credit))
	}
	if f.Fingerprint == "" {
		return c, nil, fmt.Errorf("invoice %d: the facts of a confirmation the balances cover came without a fingerprint", inv.ID)
	}
	return c, accts, nil
}

// reservationKinds are the accounts a reservation moves: the buyer's three credit accounts and the session's
// available and reserved envelope.
var reservationKinds = []model.AccountKind{model.AccountCreditAvailable, model.AccountCreditReserved, model.AccountCreditUsed,
	model.AccountSessionAvailable, model.AccountSessionReserved}

// openReservationAccounts opens the accounts a reservation moves that the buyer and the session lack (granted
// before every account was opened at once); the confirmation then reads its facts again.
func (s *Store) openReservationAccounts(ctx context.Context, sess *model.Session, buyerID int64) error {
	if _, err := s.accounts(ctx, sess.ProgrammeID, 0, buyerID, reservationKinds[:3]...); err != nil {
		return err
	}
	_, err := s.accounts(ctx, sess.ProgrammeID, sess.ID, 0, reservationKinds[3:]...)
	return err
}

// confirm writes a checked confirmation (sudpro_confirm_batch): with async, in the statement of the
// confirmations that concurrent calls write meanwhile (confirmationGroup), committed without waiting for the disk;
// else alone, in the caller's transaction. It reports that the facts changed meanwhile (stale: nothing written).
func (s *Store) confirm(ctx context.Context, op model.Op, operation, hash string, f confirmationFacts, c model.Confirmation,
	accts map[model.AccountKind]*model.Account, async bool) (out model.Outcome, stale bool, err error) {
	inv, sess, credit := c.Invoice, c.Session, c.CreditAmount
	out = model.Outcome{IDs: []int64{inv.ID}, Amount: credit}
	response, err := json.Marshal(out.Recorded())
	if err != nil {
		return out, false, fmt.Errorf("encode outcome: %w", err)
	}
	postings := reservationPostings(credit, accts, accts)
	w := &confirmationWrite{Fingerprint: f.Fingerprint, InvoiceID: inv.ID, BuyerID: inv.BuyerID, SessionID: sess.ID,
		ProgrammeID: sess.ProgrammeID, Credit: int64(credit), Scope: scopeOf(op.Actor), Key: op.IdempotencyKey,
		Operation: operation, Hash: hash, Response: response, Actor: op.Actor.Subject, RequestID: op.RequestID,
		CreatedAt: nullableTime(op.At), Channel: SessionEnvelopeChannel}
	for _, p := range postings {
		w.AccountIDs, w.Amounts = append(w.AccountIDs, p.account.ID), append(w.Amounts, int64(p.amount))
	}
	moved, moveIDs, moveAmounts := orderedMoves(postings)
	w.MoveIDs, w.MoveAmounts, w.Payload = moveIDs, moveAmounts, sessionsPayload(moved)
	for _, kind := range reservationKinds {
		w.locks = append(w.locks, accts[kind])
	}
	var answer json.RawMessage
	if async {
		answer, err = s.groups.confirm.do(ctx, w)
	} else {
		var answers []json.RawMessage
		if answers, err = s.writeConfirmations(ctx, []*confirmationWrite{w}, false); err == nil {
			answer = answers[0]
		}
	}
	if err != nil {
		return out, false, err
	}
	var result struct {
		Stale   bool           `json:"stale"`
		Failed  int            `json:"failed"`
		Invoice *model.Invoice `json:"invoice"`
		Prior   *struct {
			Operation   string          `json:"operation"`
			RequestHash string          `json:"request_hash"`
			Response    json.RawMessage `json:"response"`
		} `json:"prior"`
	}
	if err := scanJSONDoc(s.db, &result, answer); err != nil {
		return out, false, fmt.Errorf("decode the confirmation: %w", err)
	}
	switch {
	case result.Stale:
		return out, true, nil
	case result.Failed >= 1 && result.Failed <= len(moved):
		return out, false, belowFloor(moved[result.Failed-1].account, moved[result.Failed-1].amount)
	case result.Failed != 0:
		return out, false, fmt.Errorf("confirmation: move %d of %d failed", result.Failed, len(moved))
	case result.Prior != nil:
		prior, err := priorOutcome(operation, hash, result.Prior.Operation, result.Prior.RequestHash, result.Prior.Response)
		if typed, ok := model.AsError(err); ok {
			return model.Outcome{Err: typed}, false, nil // the key was used for another request: CONFLICT
		}
		if err != nil {
			return out, false, err
		}
		return *prior, false, nil
	}
	if result.Invoice == nil {
		return out, false, fmt.Errorf("confirmation of invoice %d: the answer has no invoice", inv.ID)
	}
	out.Invoice = result.Invoice
	return out, false, nil
}

// control moves a CONFIRMED or APPROVED invoice to its next status with the entry that goes with it.
func (s *Store) control(ctx context.Context, op model.Op, operation string, invoiceID int64, to model.InvoiceStatus,
	input any, apply func(inv *model.Invoice) error) (model.Outcome, error) {
	return s.once(ctx, op, operation, input, func(tx *Store, keyID *int64) (model.Outcome, error) {
		if !op.Actor.IsStaff() {
			return model.Outcome{}, model.Errorf(model.CodeForbidden, "", "only Province agents control invoices")
		}
		inv, err := tx.lockInvoice(ctx, op.Actor, invoiceID)
		if err != nil {
			return model.Outcome{}, err
		}
		if err := tx.transition(ctx, op, inv, to, keyID, apply); err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{inv.ID}, Amount: inv.CreditAmount}, nil
	})
}

// transition applies a control transition to a locked invoice: status, fields and the ledger entry.
func (s *Store) transition(ctx context.Context, op model.Op, inv *model.Invoice, to model.InvoiceStatus, keyID *int64, apply func(*model.Invoice) error) error {
	return s.record(ctx, op, inv, to, keyID, time.Time{}, apply)
}

// transitionAt is transition at a given time, for imported history.
func (s *Store) transitionAt(ctx context.Context, op model.Op, inv *model.Invoice, to model.InvoiceStatus, at time.Time, apply func(*model.Invoice) error) error {
	return s.record(ctx, op, inv, to, nil, at, apply)
}

// record applies a transition; a zero at means now.
func (s *Store) record(ctx context.Context, op model.Op, inv *model.Invoice, to model.InvoiceStatus, keyID *int64, at time.Time, apply func(*model.Invoice) error) error {
	if err := model.CheckTransition(inv.Status, to); err != nil {
		return err
	}
	if apply != nil {
		if err := apply(inv); err != nil {
			return err
		}
	}
	inv.Status = to
	upd := s.db.NewUpdate().Model(inv).WherePK().Column("status", "rejection_reason", "control_note")
	if at.IsZero() {
		upd.Set("updated_at = now()")
	} else {
		upd.Set("updated_at = ?", at)
	}
	if _, err := upd.Exec(ctx); err != nil {
		return mapError(err, "invoice")
	}
	if inv.SessionID == nil || inv.CreditAmount == 0 {
		return nil // nothing was reserved
	}
	sess := new(model.Session)
	if err := s.db.NewSelect().Model(sess).Where("s.id = ?", *inv.SessionID).Scan(ctx); err != nil {
		return fmt.Errorf("read the invoice's session: %w", err)
	}
	kind, postings, err := s.transitionPostings(ctx, inv, sess, to)
	if err != nil {
		return err
	}
	e := entry(op, kind, sess.ProgrammeID, keyID)
	e.SessionID, e.InvoiceID, e.CreatedAt = &sess.ID, &inv.ID, at
	return s.post(ctx, e, postings)
}

func (s *Store) transitionPostings(ctx context.Context, inv *model.Invoice, sess *model.Session, to model.InvoiceStatus) (model.EntryKind, []posting, error) {
	buyer, err := s.accounts(ctx, sess.ProgrammeID, 0, inv.BuyerID, model.AccountCreditAvailable, model.AccountCreditReserved, model.AccountCreditUsed)
	if err != nil {
		return "", nil, err
	}
	session, err := s.accounts(ctx, sess.ProgrammeID, sess.ID, 0, model.AccountSessionAvailable, model.AccountSessionReserved, model.AccountSessionPaid)
	if err != nil {
		return "", nil, err
	}
	payable, err := s.account(ctx, model.AccountSellerPayable, sess.ProgrammeID, sess.ID, inv.SellerID)
	if err != nil {
		return "", nil, err
	}
	return controlPostings(to, inv.CreditAmount, buyer, session, payable)
}

// reservationPostings is the ledger rule of a confirmation: x moves from the buyer's available credit and the
// session's available envelope to their reserved accounts. ConfirmInvoice, ImportInvoice and ImportInvoices share it.
func reservationPostings(x model.XPF, buyer, session map[model.AccountKind]*model.Account) []posting {
	return []posting{
		{buyer[model.AccountCreditAvailable], -x}, {buyer[model.AccountCreditReserved], x},
		{session[model.AccountSessionAvailable], -x}, {session[model.AccountSessionReserved], x},
	}
}

// controlPostings is the ledger rule of a control step of an invoice holding x of credit: the entry's kind and
// postings when it becomes to (approval, payment, return, rejection).
func controlPostings(to model.InvoiceStatus, x model.XPF, buyer, session map[model.AccountKind]*model.Account, payable *model.Account) (model.EntryKind, []posting, error) {
	release := []posting{
		{buyer[model.AccountCreditReserved], -x}, {buyer[model.AccountCreditAvailable], x},
		{session[model.AccountSessionReserved], -x}, {session[model.AccountSessionAvailable], x},
	}
	switch to {
	case model.InvoiceApproved:
		return model.EntryApproval, []posting{
			{buyer[model.AccountCreditReserved], -x}, {buyer[model.AccountCreditUsed], x},
			{session[model.AccountSessionReserved], -x}, {payable, x},
		}, nil
	case model.InvoicePaid:
		return model.EntryPayment, []posting{{payable, -x}, {session[model.AccountSessionPaid], x}}, nil
	case model.InvoiceReturned:
		return model.EntryReturnRelease, release, nil
	case model.InvoiceRejected:
		return model.EntryRejectionRelease, release, nil
	}
	return "", nil, fmt.Errorf("no ledger entry for an invoice becoming %s", to)
}

// ApproveInvoice approves a CONFIRMED invoice: its reservation becomes owed to the seller and used credit.
func (s *Store) ApproveInvoice(ctx context.Context, op model.Op, invoiceID int64, note string) (model.Outcome, error) {
	return s.control(ctx, op, "approveInvoice", invoiceID, model.InvoiceApproved, []any{invoiceID, note}, func(inv *model.Invoice) error {
		inv.ControlNote = note
		return nil
	})
}

// ReturnInvoice sends a CONFIRMED invoice back to its seller; the reservation is released.
func (s *Store) ReturnInvoice(ctx context.Context, op model.Op, invoiceID int64, note string) (model.Outcome, error) {
	return s.control(ctx, op, "returnInvoice", invoiceID, model.InvoiceReturned, []any{invoiceID, note}, func(inv *model.Invoice) error {
		if strings.TrimSpace(note) == "" {
			return model.Invalid("input.note", "say what the seller must fix")
		}
		inv.ControlNote = note
		return nil
	})
}

// RejectInvoice rejects a CONFIRMED invoice with a reason; the reservation is released.
func (s *Store) RejectInvoice(ctx context.Context, op model.Op, invoiceID int64, reason model.RejectionReason, note string) (model.Outcome, error) {
	return s.control(ctx, op, "rejectInvoice", invoiceID, model.InvoiceRejected, []any{invoiceID, reason, note}, func(inv *model.Invoice) error {
		if !reason.IsValid() {
			return model.Invalid("input.reason", "%q is not a rejection reason", reason)
		}
		inv.RejectionReason, inv.ControlNote = &reason, note
		return nil
	})
}

// MarkInvoicesPaid records the payment of APPROVED invoices, all or nothing.
func (s *Store) MarkInvoicesPaid(ctx context.Context, op model.Op, invoiceIDs []int64) (model.Outcome, error) {
	return s.once(ctx, op, "markInvoicesPaid", invoiceIDs, func(tx *Store, keyID *int64) (model.Outcome, error) {
		if !op.Actor.IsStaff() {
			return model.Outcome{}, model.Errorf(model.CodeForbidden, "", "only Province agents record payments")
		}
		if len(invoiceIDs) == 0 || len(invoiceIDs) > 100 {
			return model.Outcome{}, model.Invalid("input.ids", "give 1 to 100 invoices, got %d", len(invoiceIDs))
		}
		// Lock every invoice first, in id order, like every other batch, so two batches never deadlock.
		var locked []int64
		if err := tx.db.NewRaw("SELECT id FROM invoices WHERE id = ANY(CAST(? AS bigint[])) ORDER BY id FOR UPDATE",
			pgIDs(invoiceIDs)).Scan(ctx, &locked); err != nil {
			return model.Outcome{}, fmt.Errorf("lock invoices: %w", err)
		}
		var total model.XPF
		for i, id := range invoiceIDs {
			inv, err := tx.lockInvoice(ctx, op.Actor, id)
			if err == nil {
				err = tx.transition(ctx, op, inv, model.InvoicePaid, keyID, nil)
			}
			if e, ok := model.AsError(err); ok {
				return model.Outcome{}, &model.Error{Code: e.Code, Field: fmt.Sprintf("input.ids.%d", i), Message: e.Message}
			}
			if err != nil {
				return model.Outcome{}, err
			}
			total += inv.CreditAmount
		}
		return model.Outcome{IDs: invoiceIDs, Count: len(invoiceIDs), Amount: total}, nil
	})
}

// ReissueInvoice issues a corrected invoice replacing a RETURNED one of the actor's business.
func (s *Store) ReissueInvoice(ctx context.Context, op model.Op, returnedID int64, req IssueRequest) (model.Outcome, error) {
	req.Replaces = returnedID
	return s.once(ctx, op, "reissueInvoice", req, func(tx *Store, _ *int64) (model.Outcome, error) {
		old, err := tx.lockInvoice(ctx, op.Actor, returnedID)
		if err != nil {
			return model.Outcome{}, err
		}
		if !op.Actor.ActsFor(old.SellerID) {
			return model.Outcome{}, model.Errorf(model.CodeForbidden, "input.id", "only the seller reissues an invoice")
		}
		if old.Status != model.InvoiceReturned {
			return model.Outcome{}, model.Errorf(model.CodeIllegalTransition, "input.id", "only a RETURNED invoice can be reissued; this one is %s", old.Status)
		}
		var replaced bool
		if err := tx.db.NewRaw("SELECT EXISTS (SELECT 1 FROM invoices WHERE replaces_id = ?)", old.ID).Scan(ctx, &replaced); err != nil {
			return model.Outcome{}, fmt.Errorf("look for a reissue: %w", err)
		}
		if replaced {
			return model.Outcome{}, model.Errorf(model.CodeIllegalTransition, "input.id", "this invoice was already reissued")
		}
		parties, err := tx.EnterprisesByIDs(ctx, []int64{old.SellerID, old.BuyerID})
		if err != nil {
			return model.Outcome{}, err
		}
		if strings.TrimSpace(req.Number) == "" {
			req.Number = old.Number + "-R"
		}
		inv, err := tx.issue(ctx, parties[old.SellerID], parties[old.BuyerID], req)
		if err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{inv.ID}}, nil
	})
}
