package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// posting is one movement to write: an account and a signed amount.
type posting struct {
	account *model.Account
	amount  model.XPF
}

// post records a balanced journal entry and moves the balances, in the caller's transaction (inside once, the
// moves wait for the end of the transaction, see settle). Balances move by
// conditional updates that never take an account below its floor; zero rows updated means the money is not
// there, and the error says whose (INSUFFICIENT_CREDIT for a beneficiary, BUDGET_EXHAUSTED for an envelope).
// Accounts are locked in one fixed order for everyone, so two transactions never deadlock: the beneficiary's and
// seller's accounts first (uncontended), then the session's (the hot rows of a rush, held for the shortest time),
// then the programme's, each group by id.
func (s *Store) post(ctx context.Context, entry *model.JournalEntry, postings []posting) error {
	var sum model.XPF
	for _, p := range postings {
		sum += p.amount
	}
	if sum != 0 || len(postings) < 2 {
		return fmt.Errorf("journal entry %s does not balance (%d postings, sum %d)", entry.Kind, len(postings), sum)
	}
	accountIDs, amounts := make([]int64, len(postings)), make([]int64, len(postings))
	for i, p := range postings {
		accountIDs[i], amounts[i] = p.account.ID, int64(p.amount)
	}
	// The entry and its postings in one round trip, with plans the connection keeps (sudpro_post_entry).
	err := s.db.NewRaw(`SELECT entry_id, entry_created_at FROM sudpro_post_entry(?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS timestamptz), CAST(? AS bigint[]), CAST(? AS bigint[]))`,
		entry.Kind, entry.ProgrammeID, entry.SessionID, entry.InvoiceID, entry.EnterpriseID, entry.IdempotencyKeyID,
		entry.Actor, entry.RequestID, nullableTime(entry.CreatedAt), pgIDs(accountIDs), pgIDs(amounts)).Scan(ctx, &entry.ID, &entry.CreatedAt)
	if err != nil {
		return mapError(err, "journal entry")
	}
	return s.moveBalances(ctx, postings)
}

// moveBalances moves the balances of postings now, or when once settles the transaction (inside once).
func (s *Store) moveBalances(ctx context.Context, postings []posting) error {
	if s.deferred != nil {
		*s.deferred = append(*s.deferred, postings...)
		return nil
	}
	_, err := s.settle(ctx, nil, nil, postings, false)
	return err
}

// orderedMoves nets postings per account and orders them in the fixed lock order, leaving out those that net to
// zero: the balance moves of a transaction, as move_balances takes them.
func orderedMoves(postings []posting) (moved []posting, accountIDs, amounts []int64) {
	index := make(map[int64]int, len(postings))
	var ordered []posting
	for _, p := range postings {
		if i, ok := index[p.account.ID]; ok {
			ordered[i].amount += p.amount
			continue
		}
		index[p.account.ID] = len(ordered)
		ordered = append(ordered, p)
	}
	slices.SortStableFunc(ordered, func(a, b posting) int { return lockOrder(a.account, b.account) })
	for _, p := range ordered {
		if p.amount != 0 {
			moved = append(moved, p)
			accountIDs, amounts = append(accountIDs, p.account.ID), append(amounts, int64(p.amount))
		}
	}
	return moved, accountIDs, amounts
}

// settle ends a mutation's writes in one statement (sudpro_settle): the outcome recorded with the idempotency key
// when keyID is set, then the balances of postings moved, netted per account, in the fixed lock order. The
// sessions whose envelope moves are told in the same statement (no extra round trip in a rush): one NOTIFY per
// transaction's moves, delivered at COMMIT only (store/events.go). With syncUnlessMoved, a transaction that moves
// no balance commits synchronously again (it holds none of the envelope's hot rows, so it may wait for the disk
// at COMMIT, and saves once's separate wait); settle reports whether balances moved.
func (s *Store) settle(ctx context.Context, keyID *int64, outcome *model.Outcome, postings []posting, syncUnlessMoved bool) (bool, error) {
	moved, accountIDs, amounts := orderedMoves(postings)
	var response *string
	if keyID != nil {
		b, err := json.Marshal(outcome.Recorded())
		if err != nil {
			return false, fmt.Errorf("encode outcome: %w", err)
		}
		response = new(string(b))
	}
	syncCommit := syncUnlessMoved && len(moved) == 0
	if response == nil && len(moved) == 0 && !syncCommit {
		return false, nil
	}
	var failed int
	err := s.db.NewRaw("SELECT sudpro_settle(?, CAST(? AS jsonb), CAST(? AS bigint[]), CAST(? AS bigint[]), ?, ?, ?)",
		keyID, response, pgIDs(accountIDs), pgIDs(amounts), SessionEnvelopeChannel, sessionsPayload(moved), syncCommit).Scan(ctx, &failed)
	if err != nil {
		return false, fmt.Errorf("settle: %w", err)
	}
	if failed == 0 {
		return len(moved) > 0, nil
	}
	// The moves before it were applied: the caller's transaction rolls back on this error.
	return false, belowFloor(moved[failed-1].account, moved[failed-1].amount)
}

// lockOrder compares accounts in the ledger's fixed lock order: by lockGroup, then by id. Every transaction that
// locks several accounts locks them in this order, so no two of them deadlock.
func lockOrder(a, b *model.Account) int {
	return cmp.Or(cmp.Compare(lockGroup(a.Kind), lockGroup(b.Kind)), cmp.Compare(a.ID, b.ID))
}

func lockGroup(k model.AccountKind) int {
	switch k {
	case model.AccountCreditAvailable, model.AccountCreditReserved, model.AccountCreditUsed, model.AccountSellerPayable:
		return 0
	case model.AccountSessionAvailable, model.AccountSessionReserved, model.AccountSessionPaid:
		return 1
	default:
		return 2
	}
}

// move changes one balance; a debit only happens if the balance stays at or above the account's floor.
func (s *Store) move(ctx context.Context, a *model.Account, amount model.XPF) error {
	var balance model.XPF
	err := s.db.NewRaw(`UPDATE accounts SET balance = balance + ? WHERE id = ? AND (floor IS NULL OR balance + ? >= floor) RETURNING balance`,
		int64(amount), a.ID, int64(amount)).Scan(ctx, &balance)
	if errors.Is(err, sql.ErrNoRows) {
		return belowFloor(a, amount)
	}
	if err != nil {
		return fmt.Errorf("move %d on account %d: %w", amount, a.ID, err)
	}
	a.Balance = balance
	return nil
}

// belowFloor is the error of a debit the account cannot cover: INSUFFICIENT_CREDIT for a beneficiary,
// BUDGET_EXHAUSTED for an envelope.
func belowFloor(a *model.Account, amount model.XPF) error {
	switch a.Kind {
	case model.AccountCreditAvailable:
		return model.Errorf(model.CodeInsufficientCredit, "input.creditAmount", "the buyer's remaining CréditSud cannot cover %d XPF", -amount)
	case model.AccountSessionAvailable:
		return model.Errorf(model.CodeBudgetExhausted, "input.creditAmount", "the session's envelope cannot cover %d XPF", -amount)
	}
	return fmt.Errorf("account %d (%s) would go below its floor by moving %d", a.ID, a.Kind, amount)
}

// nullableTime is NULL for the zero time (the database then stamps the row), else t: the seed writes history.
func nullableTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullable(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// account returns an account, creating it on first use.
func (s *Store) account(ctx context.Context, kind model.AccountKind, programmeID, sessionID, enterpriseID int64) (*model.Account, error) {
	a := &model.Account{Kind: kind, ProgrammeID: programmeID, SessionID: nullable(sessionID), EnterpriseID: nullable(enterpriseID)}
	if kind != model.AccountProgrammeFunding && kind != model.AccountProgrammeAllocations {
		zero := model.XPF(0)
		a.Floor = &zero
	}
	err := s.accountQuery(a).Scan(ctx, a)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = s.db.NewInsert().Model(a).ExcludeColumn("id", "balance").On("CONFLICT ON CONSTRAINT accounts_identity DO NOTHING").Exec(ctx)
		if err == nil {
			err = s.accountQuery(a).Scan(ctx, a)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", kind, err)
	}
	return a, nil
}

func (s *Store) accountQuery(a *model.Account) *bun.SelectQuery {
	sel := s.db.NewSelect().Model((*model.Account)(nil)).Where("a.kind = ? AND a.programme_id = ?", a.Kind, a.ProgrammeID)
	return ownedBy(sel, a.SessionID, a.EnterpriseID)
}

// ownedBy restricts an account query to a session and a business, NULL meaning none; written with = and IS NULL
// rather than IS NOT DISTINCT FROM, which no index serves.
func ownedBy(sel *bun.SelectQuery, sessionID, enterpriseID *int64) *bun.SelectQuery {
	if sessionID == nil {
		sel.Where("a.session_id IS NULL")
	} else {
		sel.Where("a.session_id = ?", *sessionID)
	}
	if enterpriseID == nil {
		sel.Where("a.enterprise_id IS NULL")
	} else {
		sel.Where("a.enterprise_id = ?", *enterpriseID)
	}
	return sel
}

// accounts returns several accounts of one owner set at once (one statement when they all exist, the usual
// case), creating missing ones.
func (s *Store) accounts(ctx context.Context, programmeID, sessionID, enterpriseID int64, kinds ...model.AccountKind) (map[model.AccountKind]*model.Account, error) {
	var rows []*model.Account
	sel := s.db.NewSelect().Model(&rows).Where("a.kind = ANY(?) AND a.programme_id = ?", pgdialect.Array(kinds), programmeID)
	err := ownedBy(sel, nullable(sessionID), nullable(enterpriseID)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	out := make(map[model.AccountKind]*model.Account, len(kinds))
	for _, a := range rows {
		out[a.Kind] = a
	}
	for _, k := range kinds {
		if out[k] != nil {
			continue
		}
		a, err := s.account(ctx, k, programmeID, sessionID, enterpriseID)
		if err != nil {
			return nil, err
		}
		out[k] = a
	}
	return out, nil
}

// scopeOf keeps idempotency keys of different callers apart.
func scopeOf(a model.Actor) string {
	return string(a.Role) + ":" + a.Subject + ":" + strconv.FormatInt(a.EnterpriseID, 10)
}

// once runs a mutation in one transaction. With an idempotency key, the first call records its outcome with the
// key: an effect in the same transaction as the effect itself; a user error, after everything the attempt did was
// rolled back, in a second short transaction. fn may also return an outcome carrying a user error and a nil
// error when it refuses before writing anything (the common refusals of a rush): the refusal is then recorded
// and committed in the same transaction, which saves the rollback and the second transaction. The transaction
// commits without waiting for the disk and once waits for it afterwards (see claimKey). A replay returns that outcome without running again, and the same
// key with different input is a CONFLICT. Concurrent calls with one key wait for the first to commit, so a key
// maps to exactly one effect.
func (s *Store) once(ctx context.Context, op model.Op, operation string, input any, fn func(tx *Store, keyID *int64) (model.Outcome, error)) (model.Outcome, error) {
	// Hash the input before the first attempt: fn may fill the input in (ids, defaults) and a retry must not
	// record the key with a different hash.
	hash, err := inputHash(input)
	if err != nil {
		return model.Outcome{}, err
	}
	var out model.Outcome
	var mustAwaitDurable bool
	nested := s.inTransaction()
	err = s.InTx(ctx, func(tx *Store) error {
		var moves []posting
		tx.deferred = &moves
		// One statement starts the mutation: the commit made asynchronous (not when nested in a caller's
		// transaction, which decides) and the key claimed.
		id, prior, err := tx.claimKey(ctx, op, operation, hash, !nested, nil)
		if err != nil {
			return err
		}
		if prior != nil {
			// The first call may have committed without waiting for the disk and still be waiting for it.
			out, mustAwaitDurable = *prior, !nested
			return nil
		}
		var keyID *int64
		if op.IdempotencyKey != "" {
			keyID = &id
		}
		res, err := fn(tx, keyID)
		if err != nil {
			return err
		}
		if res.Err != nil && len(moves) > 0 {
			return fmt.Errorf("%s refused with %s after posting entries", operation, res.Err.Code)
		}
		// One statement ends it, just before COMMIT: the outcome recorded with the key, then the balances
		// moved, so the session's hot envelope row is held for that statement and the commit, not for the rest
		// of the transaction.
		tx.deferred = nil
		moved, err := tx.settle(ctx, keyID, &res, moves, !nested)
		if err != nil {
			return err
		}
		out, mustAwaitDurable = res, moved && !nested
		return nil
	})
	if err == nil && mustAwaitDurable {
		err = s.awaitDurable(ctx)
	}
	typed, isUserError := model.AsError(err)
	switch {
	case err == nil:
		return out, nil
	case !isUserError:
		return model.Outcome{}, err
	case op.IdempotencyKey == "":
		return model.Outcome{Err: typed}, nil
	}
	// Everything the attempt did was rolled back; the refusal is still the key's outcome, unless a concurrent call
	// with the same key has recorded one meanwhile, which then wins.
	return s.recordRefusal(ctx, op, operation, hash, typed, nested)
}

// recordRefusal answers a refused mutation that wrote nothing: with an idempotency key, the refusal becomes the
// key's outcome in one statement committed synchronously, unless the key already holds an outcome, which is then
// the answer (a replay, or a concurrent call with the same key that won).
func (s *Store) recordRefusal(ctx context.Context, op model.Op, operation, hash string, refusal *model.Error, nested bool) (model.Outcome, error) {
	out := model.Outcome{Err: refusal}
	if op.IdempotencyKey == "" {
		return out, nil
	}
	b, err := json.Marshal(out.Recorded())
	if err != nil {
		return model.Outcome{}, fmt.Errorf("encode outcome: %w", err)
	}
	var prior *model.Outcome
	claim := func(st *Store) (err error) {
		_, prior, err = st.claimKey(ctx, op, operation, hash, false, b)
		return err
	}
	if nested {
		err = s.InTx(ctx, claim) // a savepoint: a key the table refuses must not abort the caller's transaction
	} else {
		err = claim(s)
	}
	if typed, ok := model.AsError(err); ok {
		return model.Outcome{Err: typed}, nil
	}
	if err != nil {
		return model.Outcome{}, fmt.Errorf("record the refusal: %w", err)
	}
	if prior == nil {
		return out, nil
	}
	if !nested {
		// The first call may have committed without waiting for the disk and still be waiting for it.
		if err := s.awaitDurable(ctx); err != nil {
			return model.Outcome{}, err
		}
	}
	return *prior, nil
}

// awaitDurable returns once every transaction committed before it is on disk. Concurrent calls share one
// statement (durableGroup) and one fsync; no lock is held meanwhile.
func (s *Store) awaitDurable(ctx context.Context) error {
	_, err := s.groups.durable.do(ctx, struct{}{})
	return err
}

// commitDurably commits a transaction of its own synchronously (an xid gives it a commit record to flush): the WAL
// is flushed in order, so the flush covers every earlier commit record.
func (s *Store) commitDurably(ctx context.Context) error {
	if _, err := s.db.NewRaw("SELECT set_config('synchronous_commit', 'on', true), txid_current()").Exec(ctx); err != nil {
		return fmt.Errorf("wait for the commit to be durable: %w", err)
	}
	return nil
}

// inputHash is the digest of a mutation's input recorded with its idempotency key: the same key with another
// input is a CONFLICT.
func inputHash(input any) (string, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("hash input: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// priorOutcome is the outcome an idempotency key already holds, or the CONFLICT of a key used for another request.
func priorOutcome(operation, hash, priorOperation, priorHash string, response json.RawMessage) (*model.Outcome, error) {
	if priorOperation != operation || priorHash != hash {
		return nil, model.Errorf(model.CodeConflict, "input.idempotencyKey", "this idempotency key was already used for another request")
	}
	var out model.Outcome
	if err := json.Unmarshal(response, &out); err != nil {
		return nil, fmt.Errorf("decode stored outcome: %w", err)
	}
	return &out, nil
}

// claimKey starts a mutation's transaction in one statement (sudpro_claim_key): with async, its commit will not
// wait for the WAL to reach the disk, so its row locks (the session's envelope rows, in a rush) are released at
// COMMIT rather than after an fsync, and once calls awaitDurable before it answers, so no caller is ever told of an
// effect that a crash could undo. With the operation's idempotency key, it records the key, with response when the
// outcome is already known (nil otherwise), or returns the outcome already recorded with it.
func (s *Store) claimKey(ctx context.Context, op model.Op, operation, hash string, async bool, response []byte) (int64, *model.Outcome, error) {
	// A slice, which Bun reads to the end: outside a transaction the statement's commit is part of its answer.
	var claims []struct {
		KeyID          *int64          `bun:"key_id"`
		PriorOperation string          `bun:"prior_operation"`
		PriorHash      string          `bun:"prior_hash"`
		PriorResponse  json.RawMessage `bun:"prior_response"`
	}
	var recorded *string
	if response != nil {
		recorded = new(string(response))
	}
	err := s.db.NewRaw("SELECT * FROM sudpro_claim_key(?, ?, ?, ?, ?, CAST(? AS jsonb))", scopeOf(op.Actor), op.IdempotencyKey,
		operation, hash, async, recorded).Scan(ctx, &claims)
	if err == nil && len(claims) != 1 {
		err = fmt.Errorf("%d answers", len(claims))
	}
	switch {
	case err != nil:
		return 0, nil, mapError(err, "idempotency key")
	case op.IdempotencyKey == "":
		return 0, nil, nil
	case claims[0].KeyID != nil:
		return *claims[0].KeyID, nil, nil
	case claims[0].PriorOperation == "":
		return 0, nil, fmt.Errorf("idempotency key %q neither recorded nor found", op.IdempotencyKey)
	}
	prior, err := priorOutcome(operation, hash, claims[0].PriorOperation, claims[0].PriorHash, claims[0].PriorResponse)
	return 0, prior, err
}

// entry starts a journal entry for op.
func entry(op model.Op, kind model.EntryKind, programmeID int64, keyID *int64) *model.JournalEntry {
	return &model.JournalEntry{Kind: kind, ProgrammeID: programmeID, Actor: op.Actor.Subject, RequestID: op.RequestID, IdempotencyKeyID: keyID,
		CreatedAt: op.At}
}
