package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"sudpro/model"
)

// SessionBudgets returns the envelope of each session from its ledger accounts, in one statement.
func (s *Store) SessionBudgets(ctx context.Context, sessionIDs []int64) (map[int64]*model.SessionBudget, error) {
	var rows []struct {
		SessionID int64             `bun:"session_id"`
		Kind      model.AccountKind `bun:"kind"`
		Balance   model.XPF         `bun:"balance"`
	}
	err := s.db.NewRaw(`SELECT session_id, kind, sum(balance) AS balance FROM accounts
		WHERE session_id = ANY(CAST(? AS bigint[])) GROUP BY session_id, kind`, pgIDs(sessionIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read session budgets: %w", err)
	}
	out := make(map[int64]*model.SessionBudget, len(sessionIDs))
	for _, id := range sessionIDs {
		out[id] = &model.SessionBudget{}
	}
	for _, r := range rows {
		b := out[r.SessionID]
		switch r.Kind {
		case model.AccountSessionAvailable:
			b.Remaining = r.Balance
		case model.AccountSessionReserved:
			b.Reserved = r.Balance
		case model.AccountSellerPayable:
			b.Payable = r.Balance
		case model.AccountSessionPaid:
			b.Paid = r.Balance
		}
	}
	for _, b := range out {
		b.Total = b.Remaining + b.Reserved + b.Payable + b.Paid
	}
	return out, nil
}

// CreditKey names a beneficiary's credit in a programme.
type CreditKey struct {
	EnterpriseID int64
	ProgrammeID  int64 // 0: the most recent programme
}

// Credits returns the CréditSud of each beneficiary in a programme from the ledger, in one statement.
func (s *Store) Credits(ctx context.Context, keys []CreditKey) (map[CreditKey]*model.Credit, error) {
	ids := make([]int64, len(keys))
	programmes := make([]int64, len(keys))
	for i, k := range keys {
		ids[i], programmes[i] = k.EnterpriseID, k.ProgrammeID
	}
	var rows []struct {
		EnterpriseID int64             `bun:"enterprise_id"`
		Asked        int64             `bun:"asked"`
		ProgrammeID  int64             `bun:"programme_id"`
		Kind         model.AccountKind `bun:"kind"`
		Balance      model.XPF         `bun:"balance"`
	}
	err := s.db.NewRaw(`
		WITH k AS (
			SELECT k.enterprise_id, k.asked,
			       CASE WHEN k.asked = 0 THEN (SELECT max(id) FROM programmes) ELSE k.asked END AS programme_id
			FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[])) AS k(enterprise_id, asked)
		)
		SELECT k.enterprise_id, k.asked, k.programme_id, a.kind, a.balance
		FROM k LEFT JOIN accounts a ON a.enterprise_id = k.enterprise_id AND a.programme_id = k.programme_id
			AND a.kind IN ('CREDIT_AVAILABLE', 'CREDIT_RESERVED', 'CREDIT_USED')`,
		pgIDs(ids), pgIDs(programmes)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read credits: %w", err)
	}
	out := make(map[CreditKey]*model.Credit, len(keys))
	for _, r := range rows {
		key := CreditKey{r.EnterpriseID, r.Asked}
		c, ok := out[key]
		if !ok {
			c = &model.Credit{ProgrammeID: r.ProgrammeID}
			out[key] = c
		}
		switch r.Kind {
		case model.AccountCreditAvailable:
			c.Remaining = r.Balance
		case model.AccountCreditReserved:
			c.Reserved = r.Balance
		case model.AccountCreditUsed:
			c.Used = r.Balance
		}
		c.Allocated = c.Remaining + c.Reserved + c.Used
	}
	return out, nil
}

// AccountsByIDs returns the accounts with the given ids, keyed by id.
func (s *Store) AccountsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Account, error) {
	return byKeys(ctx, s.db, "a.id", ids, func(a *model.Account) int64 { return a.ID })
}

// EntriesByIDs returns the journal entries with the given ids, keyed by id.
func (s *Store) EntriesByIDs(ctx context.Context, ids []int64) (map[int64]*model.JournalEntry, error) {
	return byKeys(ctx, s.db, "j.id", ids, func(j *model.JournalEntry) int64 { return j.ID })
}

// PostingsByEntryIDs returns each entry's postings, in one statement.
func (s *Store) PostingsByEntryIDs(ctx context.Context, entryIDs []int64) (map[int64][]*model.Posting, error) {
	var rows []*model.Posting
	if err := s.db.NewSelect().Model(&rows).Where("po.entry_id = ANY(?)", pgIDs(entryIDs)).OrderExpr("po.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load postings: %w", err)
	}
	out := make(map[int64][]*model.Posting, len(entryIDs))
	for _, p := range rows {
		out[p.EntryID] = append(out[p.EntryID], p)
	}
	return out, nil
}

// EntriesByInvoiceIDs returns each invoice's journal entries, oldest first, in one statement.
func (s *Store) EntriesByInvoiceIDs(ctx context.Context, invoiceIDs []int64) (map[int64][]*model.JournalEntry, error) {
	var rows []*model.JournalEntry
	if err := s.db.NewSelect().Model(&rows).Where("j.invoice_id = ANY(?)", pgIDs(invoiceIDs)).OrderExpr("j.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load invoice entries: %w", err)
	}
	out := make(map[int64][]*model.JournalEntry, len(invoiceIDs))
	for _, j := range rows {
		out[*j.InvoiceID] = append(out[*j.InvoiceID], j)
	}
	return out, nil
}

// EntryCursorOrder is the cursor tag of journal entry lists (latest first).
const EntryCursorOrder = "entry-id"

var entryKeyset = keyset[*model.JournalEntry]{
	order: EntryCursorOrder, column: "j.id", id: "j.id", sqlType: "bigint", desc: true,
	key:   func(j *model.JournalEntry) string { return fmt.Sprint(j.ID) },
	rowID: func(j *model.JournalEntry) int64 { return j.ID },
}

// ListEntries returns a page of journal entries, latest first, of one invoice and/or one account when given.
func (s *Store) ListEntries(ctx context.Context, invoiceID, accountID int64, page model.Page) (*model.Connection[*model.JournalEntry], error) {
	query := func() *bun.SelectQuery {
		sel := s.db.NewSelect().Model((*model.JournalEntry)(nil))
		if invoiceID != 0 {
			sel.Where("j.invoice_id = ?", invoiceID)
		}
		if accountID != 0 {
			sel.Where("EXISTS (SELECT 1 FROM postings po WHERE po.entry_id = j.id AND po.account_id = ?)", accountID)
		}
		return sel
	}
	conn, err := list(ctx, query(), entryKeyset, page, func(ctx context.Context) (int, error) {
		n, err := query().Count(ctx)
		return int(n), mapError(err, "count entries")
	})
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	return conn, nil
}
