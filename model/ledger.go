package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Account is a CréditSud ledger account. Its balance equals the sum of its postings; Floor, when set, is the
// lowest balance the database accepts.
type Account struct {
	bun.BaseModel `bun:"table:accounts,alias:a"`

	ID           int64       `bun:"id,pk,autoincrement"`
	Kind         AccountKind `bun:"kind"`
	ProgrammeID  int64       `bun:"programme_id"`
	SessionID    *int64      `bun:"session_id"`
	EnterpriseID *int64      `bun:"enterprise_id"`
	Balance      XPF         `bun:"balance"`
	Floor        *XPF        `bun:"floor"`
}

// NodeID is the account's global ID.
func (a *Account) NodeID() string { return GlobalIntID(TypeAccount, a.ID) }

// JournalEntry is one balanced movement of money; entries are never changed.
type JournalEntry struct {
	bun.BaseModel `bun:"table:journal_entries,alias:j"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Kind             EntryKind `bun:"kind"`
	ProgrammeID      int64     `bun:"programme_id"`
	SessionID        *int64    `bun:"session_id"`
	InvoiceID        *int64    `bun:"invoice_id"`
	EnterpriseID     *int64    `bun:"enterprise_id"`
	IdempotencyKeyID *int64    `bun:"idempotency_key_id"`
	Actor            string    `bun:"actor"`
	RequestID        string    `bun:"request_id"`
	CreatedAt        time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`

	// ListParentID is filled only by batched nested lists: the parent this row was fetched for.
	ListParentID int64 `bun:"list_parent_id,scanonly" json:"-"`
}

// NodeID is the entry's global ID.
func (j *JournalEntry) NodeID() string { return GlobalIntID(TypeLedgerEntry, j.ID) }

// Posting is one signed movement of an entry on one account.
type Posting struct {
	bun.BaseModel `bun:"table:postings,alias:po"`

	ID        int64 `bun:"id,pk,autoincrement"`
	EntryID   int64 `bun:"entry_id"`
	AccountID int64 `bun:"account_id"`
	Amount    XPF   `bun:"amount"`
}

// Credit is a beneficiary's CréditSud in one programme: Allocated = Remaining + Reserved + Used.
type Credit struct {
	ProgrammeID int64
	Allocated   XPF
	Reserved    XPF
	Used        XPF
	Remaining   XPF
}

// SessionBudget is a session's envelope: Total = Remaining + Reserved + Payable + Paid.
type SessionBudget struct {
	Total     XPF
	Reserved  XPF
	Payable   XPF
	Paid      XPF
	Remaining XPF
}

// Eligibility says whether a business may receive CréditSud and, when not, why.
type Eligibility struct {
	Eligible bool
	Reasons  []string
}

// StatusAt derives a session's status at now from its window and remaining envelope.
func (s *Session) StatusAt(now time.Time, remaining XPF) SessionStatus {
	switch {
	case now.Before(s.OpensAt):
		return SessionScheduled
	case s.ClosesAt != nil && !now.Before(*s.ClosesAt):
		return SessionClosed
	case remaining <= 0:
		return SessionExhausted
	default:
		return SessionOpen
	}
}

// OpenAt reports whether the session's window contains now.
func (s *Session) OpenAt(now time.Time) bool {
	return !now.Before(s.OpensAt) && (s.ClosesAt == nil || now.Before(*s.ClosesAt))
}

// Op is who performs a mutation and how to make it safe to retry.
type Op struct {
	Actor          Actor
	RequestID      string
	IdempotencyKey string // optional: a replay with the same key returns the first outcome
	// At dates the ledger entries of a mutation loading history (seed data, a migration from the previous
	// platform); zero, as for every live mutation, means now.
	At time.Time
}

// Outcome is what a money-moving mutation did, stored with its idempotency key so a replay returns it again.
type Outcome struct {
	IDs    []int64 `json:"ids,omitempty"`    // the objects affected (an invoice, a session, a programme…)
	Count  int     `json:"count,omitempty"`  // how many were affected, e.g. allocations granted
	Amount XPF     `json:"amount,omitempty"` // money moved, e.g. total allocations
	Err    *Error  `json:"error,omitempty"`  // the user error the first attempt ended with
	// Invoice is the invoice as the mutation left it, when it wrote one, so the answer needs no second read; not
	// recorded with an idempotency key (a replay reads the invoice afresh).
	Invoice *Invoice `json:"-"`
}

// Recorded is the outcome as an idempotency key records it and a replay returns it.
func (o Outcome) Recorded() Outcome {
	o.Invoice = nil
	return o
}
