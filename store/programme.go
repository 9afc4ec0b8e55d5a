package store

import (
	"context"
	"fmt"
	"time"

	"sudpro/model"
)

// ProgrammeChanges are the fields of a programme to change; nil keeps a field.
type ProgrammeChanges struct {
	Name             *string
	Description      *string
	AllocationAmount *model.XPF
}

// CreateProgramme creates a programme.
func (s *Store) CreateProgramme(ctx context.Context, op model.Op, p *model.Programme) (model.Outcome, error) {
	return s.once(ctx, op, "createProgramme", p, func(tx *Store, _ *int64) (model.Outcome, error) {
		if err := validateProgramme(p.Name, p.AllocationAmount); err != nil {
			return model.Outcome{}, err
		}
		if err := tx.InsertProgramme(ctx, p); err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{p.ID}}, nil
	})
}

func validateProgramme(name string, allocation model.XPF) error {
	switch {
	case len(name) == 0 || len(name) > 200:
		return model.Invalid("input.name", "a name of 1 to 200 characters is required")
	case allocation <= 0 || allocation > 100_000_000:
		return model.Invalid("input.allocationAmount", "the allocation must be between 1 and 100,000,000 XPF, got %d", allocation)
	}
	return nil
}

// UpdateProgramme changes a programme; allocations already granted keep their amount.
func (s *Store) UpdateProgramme(ctx context.Context, op model.Op, id int64, ch ProgrammeChanges) (model.Outcome, error) {
	return s.once(ctx, op, "updateProgramme", ch, func(tx *Store, _ *int64) (model.Outcome, error) {
		p := new(model.Programme)
		if err := tx.db.NewSelect().Model(p).Where("p.id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return model.Outcome{}, mapError(err, "programme")
		}
		if ch.Name != nil {
			p.Name = *ch.Name
		}
		if ch.Description != nil {
			p.Description = *ch.Description
		}
		if ch.AllocationAmount != nil {
			p.AllocationAmount = *ch.AllocationAmount
		}
		if err := validateProgramme(p.Name, p.AllocationAmount); err != nil {
			return model.Outcome{}, err
		}
		if _, err := tx.db.NewUpdate().Model(p).Column("name", "description", "allocation_amount").WherePK().Exec(ctx); err != nil {
			return model.Outcome{}, mapError(err, "programme")
		}
		return model.Outcome{IDs: []int64{id}}, nil
	})
}

// SessionChanges are the fields of a session to change; nil keeps a field.
type SessionChanges struct {
	Name                      *string
	OpensAt                   *time.Time
	ClosesAt                  *time.Time
	SectorCodes               *[]string
	SectorRuleAppliesTo       *model.SectorRuleParty
	ExcludedExpenseCategories *[]model.ExpenseCategory
	OnlyUnusedBeneficiaries   *bool
}

func validateSession(sess *model.Session) error {
	switch {
	case len(sess.Name) == 0 || len(sess.Name) > 200:
		return model.Invalid("input.name", "a name of 1 to 200 characters is required")
	case sess.ClosesAt != nil && !sess.ClosesAt.After(sess.OpensAt):
		return model.Invalid("input.closesAt", "a session closes after it opens")
	case sess.Envelope <= 0:
		return model.Invalid("input.envelope", "the envelope must be positive, got %d", sess.Envelope)
	case !sess.SectorRuleAppliesTo.IsValid():
		return model.Invalid("input.sectorRuleAppliesTo", "%q is not SELLER, BUYER or BOTH", sess.SectorRuleAppliesTo)
	}
	return nil
}

// CreateSession creates a session and funds its envelope with a ledger entry from the programme's funding.
func (s *Store) CreateSession(ctx context.Context, op model.Op, sess *model.Session) (model.Outcome, error) {
	return s.once(ctx, op, "createSession", sess, func(tx *Store, keyID *int64) (model.Outcome, error) {
		if sess.SectorRuleAppliesTo == "" {
			sess.SectorRuleAppliesTo = model.SectorRuleSeller
		}
		if err := validateSession(sess); err != nil {
			return model.Outcome{}, err
		}
		if err := tx.checkSectors(ctx, "input.sectors", sess.SectorCodes); err != nil {
			return model.Outcome{}, err
		}
		if err := tx.InsertSession(ctx, sess); err != nil {
			if model.ErrorCodeOf(err) == model.CodeInvalid {
				return model.Outcome{}, model.Invalid("input.programme", "no such programme")
			}
			return model.Outcome{}, err
		}
		if err := tx.fundSession(ctx, op, sess, sess.Envelope, keyID); err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{sess.ID}, Amount: sess.Envelope}, nil
	})
}

// fundSession moves amount from the programme's funding to the session's available envelope.
func (s *Store) fundSession(ctx context.Context, op model.Op, sess *model.Session, amount model.XPF, keyID *int64) error {
	accts, err := s.accounts(ctx, sess.ProgrammeID, sess.ID, 0,
		model.AccountSessionAvailable, model.AccountSessionReserved, model.AccountSessionPaid)
	if err != nil {
		return err
	}
	funding, err := s.account(ctx, model.AccountProgrammeFunding, sess.ProgrammeID, 0, 0)
	if err != nil {
		return err
	}
	e := entry(op, model.EntryEnvelopeFunding, sess.ProgrammeID, keyID)
	e.SessionID = &sess.ID
	return s.post(ctx, e, []posting{{funding, -amount}, {accts[model.AccountSessionAvailable], amount}})
}

// UpdateSession changes a session's window or rules; its envelope only grows, through TopUpSession.
func (s *Store) UpdateSession(ctx context.Context, op model.Op, id int64, ch SessionChanges) (model.Outcome, error) {
	return s.once(ctx, op, "updateSession", ch, func(tx *Store, _ *int64) (model.Outcome, error) {
		sess := new(model.Session)
		if err := tx.db.NewSelect().Model(sess).Where("s.id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return model.Outcome{}, mapError(err, "session")
		}
		if ch.Name != nil {
			sess.Name = *ch.Name
		}
		if ch.OpensAt != nil {
			sess.OpensAt = *ch.OpensAt
		}
		if ch.ClosesAt != nil {
			sess.ClosesAt = ch.ClosesAt
		}
		if ch.SectorCodes != nil {
			if err := tx.checkSectors(ctx, "input.sectors", *ch.SectorCodes); err != nil {
				return model.Outcome{}, err
			}
			sess.SectorCodes = *ch.SectorCodes
		}
		if ch.SectorRuleAppliesTo != nil {
			sess.SectorRuleAppliesTo = *ch.SectorRuleAppliesTo
		}
		if ch.ExcludedExpenseCategories != nil {
			sess.ExcludedExpenseCategories = *ch.ExcludedExpenseCategories
		}
		if ch.OnlyUnusedBeneficiaries != nil {
			sess.OnlyUnusedBeneficiaries = *ch.OnlyUnusedBeneficiaries
		}
		if err := validateSession(sess); err != nil {
			return model.Outcome{}, err
		}
		_, err := tx.db.NewUpdate().Model(sess).WherePK().
			Column("name", "opens_at", "closes_at", "sector_codes", "sector_rule_applies_to", "excluded_expense_categories", "only_unused_beneficiaries").
			Exec(ctx)
		if err != nil {
			return model.Outcome{}, mapError(err, "session")
		}
		return model.Outcome{IDs: []int64{id}}, nil
	})
}

// TopUpSession adds money to a session's envelope with a ledger entry.
func (s *Store) TopUpSession(ctx context.Context, op model.Op, id int64, amount model.XPF) (model.Outcome, error) {
	input := struct {
		ID     int64
		Amount model.XPF
	}{id, amount}
	return s.once(ctx, op, "topUpSession", input, func(tx *Store, keyID *int64) (model.Outcome, error) {
		if amount <= 0 || amount > 100_000_000_000 {
			return model.Outcome{}, model.Invalid("input.amount", "a top-up must be between 1 and 100,000,000,000 XPF, got %d", amount)
		}
		sess := new(model.Session)
		if err := tx.db.NewSelect().Model(sess).Where("s.id = ?", id).Scan(ctx); err != nil {
			return model.Outcome{}, mapError(err, "session")
		}
		if err := tx.fundSession(ctx, op, sess, amount, keyID); err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{id}, Amount: amount}, nil
	})
}

// checkSectors refuses unknown sector codes.
func (s *Store) checkSectors(ctx context.Context, field string, codes []string) error {
	known, err := s.SectorsByCodes(ctx, codes)
	if err != nil {
		return err
	}
	for _, c := range codes {
		if _, ok := known[c]; !ok {
			return model.Invalid(field, "%q is not a sector", c)
		}
	}
	return nil
}

// eligibleSQL is model.Enterprise.Eligibility as SQL (the function sudpro_eligible, which the dashboard's rollup
// of businesses uses too), for set-based grants; TestGrantAllocationsMatchesEligibility keeps the two in step.
const eligibleSQL = "sudpro_eligible(e.status, e.commune_code, e.legal_form, e.headcount)"

// historyAt is the time a mutation loading history dates its entries with, nil for a live one (now).
func historyAt(op model.Op) *time.Time {
	if op.At.IsZero() {
		return nil
	}
	return &op.At
}

// GrantAllocations credits the programme's allocation to every eligible business that has none yet: one ledger
// entry each, written set-based so that 10,000 grants are a handful of statements. Loading history (op.At set), a
// business registered after op.At is granted when it registered.
func (s *Store) GrantAllocations(ctx context.Context, op model.Op, programmeID int64) (model.Outcome, error) {
	return s.once(ctx, op, "grantAllocations", programmeID, func(tx *Store, keyID *int64) (model.Outcome, error) {
		p := new(model.Programme)
		// Locking the programme serialises concurrent grants of the same programme.
		if err := tx.db.NewSelect().Model(p).Where("p.id = ?", programmeID).For("UPDATE").Scan(ctx); err != nil {
			return model.Outcome{}, mapError(err, "programme")
		}
		source, err := tx.account(ctx, model.AccountProgrammeAllocations, programmeID, 0, 0)
		if err != nil {
			return model.Outcome{}, err
		}
		var granted []int64
		err = tx.db.NewRaw(`SELECT e.id FROM enterprises e WHERE `+eligibleSQL+`
			AND NOT EXISTS (SELECT 1 FROM journal_entries j WHERE j.kind = 'ALLOCATION' AND j.programme_id = ? AND j.enterprise_id = e.id)
			ORDER BY e.id`, programmeID).Scan(ctx, &granted)
		if err != nil {
			return model.Outcome{}, fmt.Errorf("find eligible businesses: %w", err)
		}
		if len(granted) == 0 {
			return model.Outcome{IDs: []int64{programmeID}}, nil
		}
		amount := p.AllocationAmount
		ids := pgIDs(granted)
		if _, err := tx.db.NewRaw(`INSERT INTO accounts (kind, programme_id, enterprise_id, floor)
			SELECT k, ?, id, 0 FROM unnest(CAST(? AS bigint[])) AS id
			CROSS JOIN (VALUES ('CREDIT_AVAILABLE'), ('CREDIT_RESERVED'), ('CREDIT_USED')) AS kinds(k)
			ON CONFLICT ON CONSTRAINT accounts_identity DO NOTHING`, programmeID, ids).Exec(ctx); err != nil {
			return model.Outcome{}, fmt.Errorf("open credit accounts: %w", err)
		}
		_, err = tx.db.NewRaw(`
			WITH entries AS (
				INSERT INTO journal_entries (kind, programme_id, enterprise_id, idempotency_key_id, actor, request_id, created_at)
				SELECT 'ALLOCATION', ?, e.id, ?, ?, ?, CASE WHEN CAST(? AS timestamptz) IS NULL THEN now() ELSE greatest(CAST(? AS timestamptz), e.registered_at) END
				FROM unnest(CAST(? AS bigint[])) AS granted(id) JOIN enterprises AS e ON e.id = granted.id
				RETURNING id, enterprise_id
			)
			INSERT INTO postings (entry_id, account_id, amount)
			SELECT entries.id, ?, -CAST(? AS bigint) FROM entries
			UNION ALL
			SELECT entries.id, a.id, ? FROM entries
			JOIN accounts a ON a.kind = 'CREDIT_AVAILABLE' AND a.programme_id = ? AND a.enterprise_id = entries.enterprise_id`,
			programmeID, keyID, op.Actor.Subject, op.RequestID, historyAt(op), historyAt(op), ids,
			source.ID, int64(amount), int64(amount), programmeID).Exec(ctx)
		if err != nil {
			return model.Outcome{}, fmt.Errorf("record allocations: %w", err)
		}
		if _, err := tx.db.NewRaw(`UPDATE accounts SET balance = balance + ? WHERE kind = 'CREDIT_AVAILABLE' AND programme_id = ? AND enterprise_id = ANY(CAST(? AS bigint[]))`,
			int64(amount), programmeID, ids).Exec(ctx); err != nil {
			return model.Outcome{}, fmt.Errorf("credit allocations: %w", err)
		}
		total := amount * model.XPF(len(granted))
		if err := tx.move(ctx, source, -total); err != nil {
			return model.Outcome{}, err
		}
		return model.Outcome{IDs: []int64{programmeID}, Count: len(granted), Amount: total}, nil
	})
}
