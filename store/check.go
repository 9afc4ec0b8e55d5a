package store

import (
	"context"
	"fmt"
)

// Violation is one broken ledger invariant: which one and the rows behind it.
type Violation struct {
	Invariant string
	Detail    string
}

// ledgerChecks are architecture.md's invariants 1–6 as queries (7 is checkDashboard, in dashboard_check.go) that return one row per violation.
var ledgerChecks = []struct {
	invariant string
	query     string
}{
	{"1. every journal entry sums to zero and has postings",
		`SELECT 'entry ' || j.id || ' sums to ' || coalesce(sum(p.amount), 0) || ' over ' || count(p.id) || ' postings'
		 FROM journal_entries j LEFT JOIN postings p ON p.entry_id = j.id
		 GROUP BY j.id HAVING coalesce(sum(p.amount), 0) <> 0 OR count(p.id) < 2`},
	{"2. no balance with a floor is below it",
		`SELECT 'account ' || id || ' (' || kind || ') balance ' || balance || ' below floor ' || floor
		 FROM accounts WHERE floor IS NOT NULL AND balance < floor`},
	{"3. per session, reserved + owed + paid never exceed the envelope",
		`WITH funded AS (
			SELECT j.session_id, sum(p.amount) AS total FROM journal_entries j JOIN postings p ON p.entry_id = j.id
			JOIN accounts a ON a.id = p.account_id AND a.kind = 'SESSION_AVAILABLE'
			WHERE j.kind = 'ENVELOPE_FUNDING' GROUP BY j.session_id),
		 spent AS (
			SELECT session_id, sum(balance) FILTER (WHERE kind IN ('SESSION_RESERVED', 'SELLER_PAYABLE', 'SESSION_PAID')) AS used,
			       sum(balance) AS held FROM accounts WHERE session_id IS NOT NULL GROUP BY session_id)
		 SELECT 'session ' || s.id || ': reserved + owed + paid ' || coalesce(sp.used, 0) || ', envelope ' || coalesce(f.total, 0) ||
		        ', held in its accounts ' || coalesce(sp.held, 0)
		 FROM sessions s LEFT JOIN funded f ON f.session_id = s.id LEFT JOIN spent sp ON sp.session_id = s.id
		 WHERE coalesce(sp.used, 0) > coalesce(f.total, 0) OR coalesce(sp.held, 0) <> coalesce(f.total, 0)`},
	{"4. each account's balance equals the sum of its postings",
		`SELECT 'account ' || a.id || ' (' || a.kind || ') balance ' || a.balance || ', postings ' || coalesce(sum(p.amount), 0)
		 FROM accounts a LEFT JOIN postings p ON p.account_id = a.id
		 GROUP BY a.id HAVING a.balance <> coalesce(sum(p.amount), 0)`},
	{"5. each invoice moved money once per step, as its status says",
		`WITH steps AS (
			SELECT i.id, i.status, i.credit_amount,
			       count(*) FILTER (WHERE j.kind = 'RESERVATION') AS reserved,
			       count(*) FILTER (WHERE j.kind = 'APPROVAL') AS approved,
			       count(*) FILTER (WHERE j.kind = 'PAYMENT') AS paid,
			       count(*) FILTER (WHERE j.kind IN ('RETURN_RELEASE', 'REJECTION_RELEASE')) AS released,
			       bool_and(j.id IS NULL OR (SELECT sum(abs(p.amount)) FROM postings p WHERE p.entry_id = j.id) =
			                 CASE WHEN j.kind = 'PAYMENT' THEN 2 ELSE 4 END * i.credit_amount) AS amounts_ok
			FROM invoices i LEFT JOIN journal_entries j ON j.invoice_id = i.id
			GROUP BY i.id)
		 SELECT 'invoice ' || id || ' is ' || status || ' with ' || reserved || ' reservation(s), ' || approved || ' approval(s), ' ||
		        paid || ' payment(s), ' || released || ' release(s)' || CASE WHEN amounts_ok THEN '' ELSE ', amounts differ from its credit' END
		 FROM steps
		 WHERE NOT amounts_ok OR concat_ws('/', reserved, approved, paid, released) <> CASE
			WHEN credit_amount = 0 THEN '0/0/0/0'
			WHEN status = 'CONFIRMED' THEN '1/0/0/0'
			WHEN status = 'APPROVED' THEN '1/1/0/0'
			WHEN status = 'PAID' THEN '1/1/1/0'
			WHEN status IN ('RETURNED', 'REJECTED') THEN '1/0/0/1'
			ELSE '0/0/0/0' END`},
	{"6. an idempotency key maps to exactly one effect",
		`SELECT 'idempotency key ' || k.id || ' (' || k.operation || ') has entries from ' || count(DISTINCT j.tx_id) ||
		        ' transaction(s), one of them not its own'
		 FROM idempotency_keys k JOIN journal_entries j ON j.idempotency_key_id = k.id
		 GROUP BY k.id HAVING count(DISTINCT j.tx_id) > 1 OR bool_or(j.tx_id <> k.tx_id)
		 UNION ALL
		 SELECT 'idempotency key ' || id || ' (' || operation || ') has no recorded outcome' FROM idempotency_keys WHERE response IS NULL`},
}

// CheckLedger verifies the ledger's invariants on the whole database, in one snapshot, and returns every
// violation (none means the ledger is sound).
func (s *Store) CheckLedger(ctx context.Context) ([]Violation, error) {
	var out []Violation
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); err != nil {
			return fmt.Errorf("start a snapshot: %w", err)
		}
		for _, c := range ledgerChecks {
			var details []string
			if err := tx.db.NewRaw(c.query).Scan(ctx, &details); err != nil {
				return fmt.Errorf("check %q: %w", c.invariant, err)
			}
			for _, d := range details {
				out = append(out, Violation{Invariant: c.invariant, Detail: d})
			}
		}
		found, err := tx.checkDashboard(ctx)
		out = append(out, found...)
		return err
	})
	return out, err
}
