package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"sudpro/model"
)

// confirmationWrite is one checked confirmation as sudpro_confirm_batch takes it (JSON names are its fields').
type confirmationWrite struct {
	Fingerprint string          `json:"fingerprint"`
	InvoiceID   int64           `json:"invoice_id"`
	BuyerID     int64           `json:"buyer_id"`
	SessionID   int64           `json:"session_id"`
	ProgrammeID int64           `json:"programme_id"`
	Credit      int64           `json:"credit"`
	Scope       string          `json:"scope"`
	Key         string          `json:"key"`
	Operation   string          `json:"operation"`
	Hash        string          `json:"hash"`
	Response    json.RawMessage `json:"response"`
	Actor       string          `json:"actor"`
	RequestID   string          `json:"request_id"`
	CreatedAt   *time.Time      `json:"created_at"`
	AccountIDs  []int64         `json:"account_ids"`
	Amounts     []int64         `json:"amounts"`
	MoveIDs     []int64         `json:"move_ids"`
	MoveAmounts []int64         `json:"move_amounts"`
	Channel     string          `json:"channel"`
	Payload     string          `json:"payload"`

	// locks are the accounts whose rows the write locks: the buyer's credit accounts (their balances are part of
	// the facts' fingerprint) and the session's envelope accounts it moves.
	locks []*model.Account
}

// writeConfirmations writes checked confirmations in one statement (sudpro_confirm_batch, which says what each
// answer holds) and returns one answer per confirmation, in order. With async it commits without waiting for the
// disk; the caller then waits for durability (awaitDurable) before it tells anyone.
func (s *Store) writeConfirmations(ctx context.Context, writes []*confirmationWrite, async bool) ([]json.RawMessage, error) {
	items, err := json.Marshal(writes)
	if err != nil {
		return nil, fmt.Errorf("encode confirmations: %w", err)
	}
	var locks []*model.Account
	for _, w := range writes {
		locks = append(locks, w.locks...)
	}
	slices.SortFunc(locks, lockOrder)
	lockIDs := make([]int64, 0, len(locks))
	for _, a := range locks {
		if n := len(lockIDs); n == 0 || lockIDs[n-1] != a.ID {
			lockIDs = append(lockIDs, a.ID)
		}
	}
	// Scanned as a slice, which makes Bun read the whole answer: the statement commits on its own, and an error
	// at its commit (a deferred constraint, a terminated connection) arrives after its row. Bun's scan of a single
	// row stops at the row, so a reservation that did not commit could pass for one that did.
	var rows []json.RawMessage
	err = s.db.NewRaw("SELECT sudpro_confirm_batch(CAST(? AS jsonb), CAST(? AS bigint[]), ?)",
		string(items), pgIDs(lockIDs), async).Scan(ctx, &rows)
	if err == nil && len(rows) != 1 {
		err = fmt.Errorf("%d rows", len(rows))
	}
	if err != nil {
		return nil, mapError(err, "confirmation")
	}
	var answers []json.RawMessage
	if err := json.Unmarshal(rows[0], &answers); err != nil {
		return nil, fmt.Errorf("decode the confirmations: %w", err)
	}
	if len(answers) != len(writes) {
		return nil, fmt.Errorf("%d answers to %d confirmations", len(answers), len(writes))
	}
	return answers, nil
}

// confirmationGroup writes the confirmations of concurrent calls in one statement. In a session-opening rush
// every reservation moves the session's envelope row, so reservations run one after the other whatever the number
// of connections: a batch locks that row once, for one commit, instead of once per reservation. A batch that
// fails is written again one confirmation at a time, so that one bad confirmation fails its own call only.
func confirmationGroup(s *Store) *group[*confirmationWrite, json.RawMessage] {
	// 32 keeps a batch's hold on the envelope row to a few milliseconds.
	return newGroup(32, func(ctx context.Context, writes []*confirmationWrite) ([]json.RawMessage, []error) {
		errs := make([]error, len(writes))
		answers, err := s.writeConfirmations(ctx, writes, true)
		if err == nil {
			return answers, errs
		}
		answers = make([]json.RawMessage, len(writes))
		for i, w := range writes {
			var one []json.RawMessage
			if one, errs[i] = s.writeConfirmations(ctx, []*confirmationWrite{w}, true); errs[i] == nil {
				answers[i] = one[0]
			}
		}
		return answers, errs
	})
}

// durableGroup runs one awaitDurable for the calls that wait meanwhile: any synchronous commit that starts after a
// call's own commit covers it, so one statement serves them all.
func durableGroup(s *Store) *group[struct{}, struct{}] {
	return newGroup(1000, func(ctx context.Context, ins []struct{}) ([]struct{}, []error) {
		err := s.commitDurably(ctx)
		errs := make([]error, len(ins))
		for i := range errs {
			errs[i] = err
		}
		return make([]struct{}, len(ins)), errs
	})
}
