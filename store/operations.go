package store

import (
	"context"
	"fmt"

	"sudpro/model"
)

// Envelope is what remains of an open session's envelope, for the operators' metrics.
type Envelope struct {
	Programme string    `bun:"programme"`
	Session   string    `bun:"session"`
	Envelope  model.XPF `bun:"envelope"`
	Remaining model.XPF `bun:"remaining"`
}

// OpenEnvelopes returns the envelopes of the sessions open now (at most limit, the latest opened first), read
// from the ledger in one statement.
func (s *Store) OpenEnvelopes(ctx context.Context, limit int) ([]Envelope, error) {
	var out []Envelope
	err := s.readDB(ctx).NewRaw(`SELECT p.name AS programme, s.name AS session, s.envelope,
			coalesce(sum(a.balance) FILTER (WHERE a.kind = ?), 0) AS remaining
		FROM sessions s JOIN programmes p ON p.id = s.programme_id LEFT JOIN accounts a ON a.session_id = s.id
		WHERE s.opens_at <= now() AND (s.closes_at IS NULL OR s.closes_at > now())
		GROUP BY s.id, p.name ORDER BY s.opens_at DESC, s.id DESC LIMIT ?`,
		model.AccountSessionAvailable, limit).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read open envelopes: %w", err)
	}
	return out, nil
}
