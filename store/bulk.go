package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// InBulkTx runs fn in one transaction, like InTx, on a connection of its own whose raw pgx connection fn's store
// can reach for PostgreSQL's COPY (CopyFrom, ImportInvoices): for loading a large data set (the nc-scale seed).
// It is not retried (a bulk load runs on an empty database, alone) and has no statement timeout.
func (s *Store) InBulkTx(ctx context.Context, fn func(tx *Store) error) error {
	db, ok := s.db.(*bun.DB)
	if !ok {
		return errors.New("a bulk load needs a store over the database, not one inside a transaction")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("reserve a connection for the bulk load: %w", err)
	}
	defer conn.Close()
	return conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// A bulk load's statements (COPY of 500,000 rows) take longer than the API's statement timeout allows.
		if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return fmt.Errorf("lift the statement timeout for the bulk load: %w", err)
		}
		t := s.inTx(tx)
		t.conn = &conn
		return fn(t)
	})
}

// CopyFrom writes rows into table's columns with COPY, inside the InBulkTx transaction. Values are plain Go
// values pgx encodes (int64, string, bool, time.Time, []string, nil). COPY writes identity columns it is given,
// as INSERT … OVERRIDING SYSTEM VALUE does: ids come from ReserveIDs. Triggers and constraints apply as for INSERT.
func (s *Store) CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) error {
	if s.conn == nil {
		return fmt.Errorf("copy into %s: COPY needs a store from InBulkTx", table)
	}
	if len(rows) == 0 {
		return nil
	}
	err := s.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: the connection is a %T, not pgx's", table, driverConn)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		if err != nil {
			return mapError(fmt.Errorf("copy into %s: %w", table, err), table)
		}
		if n != int64(len(rows)) {
			return fmt.Errorf("copy into %s: %d rows written of %d", table, n, len(rows))
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Statistics of the new rows at once: the foreign-key checks of the next COPY (invoices naming businesses)
	// are planned once per connection, and planned on an "empty" table they scan it for every row.
	if _, err := s.db.ExecContext(ctx, "ANALYZE "+pgx.Identifier{table}.Sanitize()); err != nil {
		return fmt.Errorf("analyze %s: %w", table, err)
	}
	return nil
}

// ReserveIDs takes n consecutive values of table's id sequence and returns the first, for rows written with
// their ids by CopyFrom (so that other rows can name them before they exist).
func (s *Store) ReserveIDs(ctx context.Context, table string, n int) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	var last int64
	err := s.db.NewRaw("SELECT setval(pg_get_serial_sequence(?, 'id'), nextval(pg_get_serial_sequence(?, 'id')) + ? - 1)",
		table, table, n).Scan(ctx, &last)
	if err != nil {
		return 0, fmt.Errorf("reserve %d ids of %s: %w", n, table, err)
	}
	return last - int64(n) + 1, nil
}

// ImportedInvoice is one invoice of the past for ImportInvoices, as for ImportInvoice: Invoice carries its
// parties, final status, session, credit amount, rejection reason, control note and UpdatedAt (when it reached
// its status, which must be set); Lines its computed lines.
type ImportedInvoice struct {
	Invoice *model.Invoice
	Lines   []*model.InvoiceLine
}

// accountKey is an account's identity (kind and owners; 0 for no session or no business).
type accountKey struct {
	kind                             model.AccountKind
	programmeID, sessionID, business int64
}

func keyOf(a *model.Account) accountKey {
	k := accountKey{kind: a.Kind, programmeID: a.ProgrammeID}
	if a.SessionID != nil {
		k.sessionID = *a.SessionID
	}
	if a.EnterpriseID != nil {
		k.business = *a.EnterpriseID
	}
	return k
}

// ImportInvoices is ImportInvoice for many invoices at once, with COPY, inside InBulkTx: the same rows, entries,
// postings, accounts and balances as calling ImportInvoice on each invoice in order (ids aside), which the store's
// tests check, but in a handful of statements. The ledger rules are the same functions (reservationPostings,
// controlPostings, CheckTransition), and the balances are replayed in Go in the same order, so an invoice the
// money would not have covered fails the whole import as ImportInvoice would. Invoices get their ids in order.
func (s *Store) ImportInvoices(ctx context.Context, op model.Op, invs []ImportedInvoice) error {
	sessions, err := s.importSessions(ctx, invs)
	if err != nil {
		return err
	}
	accounts, err := s.importAccounts(ctx, invs, sessions)
	if err != nil {
		return err
	}
	firstInvoice, err := s.ReserveIDs(ctx, "invoices", len(invs))
	if err != nil {
		return err
	}
	entries := 0
	for _, ii := range invs {
		entries += len(importPath(ii.Invoice.Status))
	}
	nextEntry, err := s.ReserveIDs(ctx, "journal_entries", entries)
	if err != nil {
		return err
	}
	var invoiceRows, lineRows, entryRows, postingRows [][]any
	moved := map[int64]model.XPF{}
	balances := map[int64]model.XPF{}
	for _, a := range accounts {
		balances[a.ID] = a.Balance
	}
	for i, ii := range invs {
		inv := ii.Invoice
		inv.ID = firstInvoice + int64(i)
		if inv.UpdatedAt.IsZero() || inv.IssuedAt.IsZero() {
			return fmt.Errorf("import invoice %s: a bulk import needs its issue and update times", inv.Number)
		}
		updated := inv.UpdatedAt
		path := importPath(inv.Status)
		if len(path) > 0 {
			if inv.SessionID == nil || inv.CreditAmount <= 0 {
				return fmt.Errorf("import invoice %s: a %s invoice needs a session and a credit amount", inv.Number, inv.Status)
			}
			sess := sessions[*inv.SessionID]
			acct := func(kind model.AccountKind, sessionID, business int64) *model.Account {
				return accounts[accountKey{kind, sess.ProgrammeID, sessionID, business}]
			}
			buyer := map[model.AccountKind]*model.Account{}
			session := map[model.AccountKind]*model.Account{}
			for _, k := range []model.AccountKind{model.AccountCreditAvailable, model.AccountCreditReserved, model.AccountCreditUsed} {
				buyer[k] = acct(k, 0, inv.BuyerID)
			}
			for _, k := range []model.AccountKind{model.AccountSessionAvailable, model.AccountSessionReserved, model.AccountSessionPaid} {
				session[k] = acct(k, sess.ID, 0)
			}
			payable := acct(model.AccountSellerPayable, sess.ID, inv.SellerID)
			at := inv.IssuedAt.Add(time.Hour)
			confirmed := at
			inv.ConfirmedAt = &confirmed
			from := model.InvoiceIssued
			for _, to := range path {
				if err := model.CheckTransition(from, to); err != nil {
					return fmt.Errorf("import invoice %s: %w", inv.Number, err)
				}
				kind, postings := model.EntryReservation, reservationPostings(inv.CreditAmount, buyer, session)
				if to != model.InvoiceConfirmed {
					at = at.Add(72 * time.Hour)
					updated = at
					if kind, postings, err = controlPostings(to, inv.CreditAmount, buyer, session, payable); err != nil {
						return err
					}
				}
				for _, p := range postings {
					if p.account == nil {
						return fmt.Errorf("import invoice %s: an account of its %s entry is missing", inv.Number, kind)
					}
					balance := balances[p.account.ID] + p.amount
					if p.account.Floor != nil && balance < *p.account.Floor {
						return fmt.Errorf("import invoice %s: %w", inv.Number, belowFloor(p.account, p.amount))
					}
					balances[p.account.ID] = balance
					moved[p.account.ID] += p.amount
					postingRows = append(postingRows, []any{nextEntry, p.account.ID, int64(p.amount)})
				}
				entryRows = append(entryRows, []any{nextEntry, string(kind), sess.ProgrammeID, sess.ID, inv.ID,
					op.Actor.Subject, op.RequestID, at})
				nextEntry++
				from = to
			}
		}
		var reason any
		if inv.RejectionReason != nil {
			reason = string(*inv.RejectionReason)
		}
		var confirmedAt any
		if inv.ConfirmedAt != nil {
			confirmedAt = *inv.ConfirmedAt
		}
		invoiceRows = append(invoiceRows, []any{inv.ID, inv.SellerID, inv.BuyerID, nullableID(inv.SessionID), inv.Number,
			string(inv.Status), inv.IssuedAt, int64(inv.TotalHT), int64(inv.TotalTGC), int64(inv.TotalTTC),
			int64(inv.CreditAmount), reason, inv.ControlNote, nullableID(inv.ReplacesID), inv.TGCNotApplicable, confirmedAt, updated})
		inv.UpdatedAt = updated
		for p, l := range ii.Lines {
			l.InvoiceID, l.Position = inv.ID, p+1
			lineRows = append(lineRows, []any{l.InvoiceID, l.Position, l.Designation, l.Quantity, int64(l.UnitPriceHT),
				l.TGCRateCode, string(l.ExpenseCategory), int64(l.AmountHT), int64(l.TGCAmount)})
		}
	}
	copies := []struct {
		table   string
		columns []string
		rows    [][]any
	}{
		{"invoices", []string{"id", "seller_id", "buyer_id", "session_id", "number", "status", "issued_at", "total_ht",
			"total_tgc", "total_ttc", "credit_amount", "rejection_reason", "control_note", "replaces_id", "tgc_not_applicable",
			"confirmed_at", "updated_at"}, invoiceRows},
		{"invoice_lines", []string{"invoice_id", "position", "designation", "quantity", "unit_price_ht", "tgc_rate_code",
			"expense_category", "amount_ht", "tgc_amount"}, lineRows},
		{"journal_entries", []string{"id", "kind", "programme_id", "session_id", "invoice_id", "actor", "request_id", "created_at"}, entryRows},
		{"postings", []string{"entry_id", "account_id", "amount"}, postingRows},
	}
	for _, c := range copies {
		if err := s.CopyFrom(ctx, c.table, c.columns, c.rows); err != nil {
			return err
		}
	}
	var ids, amounts []int64
	for id, amount := range moved {
		if amount != 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		amounts = append(amounts, int64(moved[id]))
	}
	if len(ids) == 0 {
		return nil
	}
	var failed int
	if err := s.db.NewRaw("SELECT move_balances(CAST(? AS bigint[]), CAST(? AS bigint[]))", pgIDs(ids), pgIDs(amounts)).Scan(ctx, &failed); err != nil {
		return fmt.Errorf("move balances: %w", err)
	}
	if failed != 0 {
		return fmt.Errorf("move balances: account %d would go below its floor", ids[failed-1])
	}
	return nil
}

// importPath is the statuses an imported invoice goes through after ISSUED, as ImportInvoice replays them.
func importPath(final model.InvoiceStatus) []model.InvoiceStatus {
	switch final {
	case model.InvoiceConfirmed:
		return []model.InvoiceStatus{model.InvoiceConfirmed}
	case model.InvoiceApproved:
		return []model.InvoiceStatus{model.InvoiceConfirmed, model.InvoiceApproved}
	case model.InvoicePaid:
		return []model.InvoiceStatus{model.InvoiceConfirmed, model.InvoiceApproved, model.InvoicePaid}
	case model.InvoiceReturned, model.InvoiceRejected:
		return []model.InvoiceStatus{model.InvoiceConfirmed, final}
	}
	return nil
}

func nullableID(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}

// importSessions reads the sessions the invoices name.
func (s *Store) importSessions(ctx context.Context, invs []ImportedInvoice) (map[int64]*model.Session, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, ii := range invs {
		if id := ii.Invoice.SessionID; id != nil && !seen[*id] {
			seen[*id] = true
			ids = append(ids, *id)
		}
	}
	sessions, err := s.SessionsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if sessions[id] == nil {
			return nil, model.Errorf(model.CodeNotFound, "", "session %d not found", id)
		}
	}
	return sessions, nil
}

// importAccounts opens the accounts ImportInvoice would open for these invoices (a reservation's four, and
// every account of a control step once an invoice has one) and returns every account of their programmes.
func (s *Store) importAccounts(ctx context.Context, invs []ImportedInvoice, sessions map[int64]*model.Session) (map[accountKey]*model.Account, error) {
	need := map[accountKey]bool{}
	var order []accountKey
	add := func(k accountKey) {
		if !need[k] {
			need[k] = true
			order = append(order, k)
		}
	}
	programmes := map[int64]bool{}
	var programmeIDs []int64
	for _, ii := range invs {
		inv := ii.Invoice
		path := importPath(inv.Status)
		if len(path) == 0 || inv.SessionID == nil {
			continue
		}
		sess := sessions[*inv.SessionID]
		if !programmes[sess.ProgrammeID] {
			programmes[sess.ProgrammeID] = true
			programmeIDs = append(programmeIDs, sess.ProgrammeID)
		}
		p := sess.ProgrammeID
		add(accountKey{model.AccountCreditAvailable, p, 0, inv.BuyerID})
		add(accountKey{model.AccountCreditReserved, p, 0, inv.BuyerID})
		add(accountKey{model.AccountSessionAvailable, p, sess.ID, 0})
		add(accountKey{model.AccountSessionReserved, p, sess.ID, 0})
		if len(path) > 1 {
			add(accountKey{model.AccountCreditUsed, p, 0, inv.BuyerID})
			add(accountKey{model.AccountSessionPaid, p, sess.ID, 0})
			add(accountKey{model.AccountSellerPayable, p, sess.ID, inv.SellerID})
		}
	}
	load := func() (map[accountKey]*model.Account, error) {
		var rows []*model.Account
		if len(programmeIDs) > 0 {
			if err := s.db.NewSelect().Model(&rows).Where("a.programme_id = ANY(?)", pgIDs(programmeIDs)).Scan(ctx); err != nil {
				return nil, fmt.Errorf("read the imported invoices' accounts: %w", err)
			}
		}
		out := make(map[accountKey]*model.Account, len(rows))
		for _, a := range rows {
			out[keyOf(a)] = a
		}
		return out, nil
	}
	existing, err := load()
	if err != nil {
		return nil, err
	}
	// Only the missing ones, in order of first use: ImportInvoice opens them one by one (and an INSERT … ON
	// CONFLICT would use up ids on the existing ones), so the ids come out the same.
	var kinds []string
	var progs, sess, businesses []int64
	for _, k := range order {
		if existing[k] == nil {
			kinds, progs, sess, businesses = append(kinds, string(k.kind)), append(progs, k.programmeID), append(sess, k.sessionID), append(businesses, k.business)
		}
	}
	if len(kinds) == 0 {
		return existing, nil
	}
	_, err = s.db.NewRaw(`INSERT INTO accounts (kind, programme_id, session_id, enterprise_id, floor)
		SELECT k, p, nullif(s, 0), nullif(b, 0), 0
		FROM unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[])) WITH ORDINALITY AS x (k, p, s, b, n)
		ORDER BY n`, pgdialect.Array(kinds), pgIDs(progs), pgIDs(sess), pgIDs(businesses)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("open the imported invoices' accounts: %w", err)
	}
	return load()
}
