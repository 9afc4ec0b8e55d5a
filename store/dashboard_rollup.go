package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"sudpro/model"
)

// The dashboard reads its figures from the rollups of migration 20260301000001_dashboard_rollups (a few thousand
// rows by Nouméa day, kept by triggers in the ledger's own transactions) whenever they can answer exactly, and
// otherwise sums the ledger itself. Both ways are kept: the ledger's is the reference that `sudpro ledger check`
// compares the rollups with (checkRollups).

// dashboardSource says where a dashboard figure is read from.
type dashboardSource int

const (
	fromRollups dashboardSource = iota // the rollups: windows of whole Nouméa days
	fromLedger                         // sums of the ledger's postings and the invoices themselves: any window
)

// invoiceEntryKinds are the journal entries of an invoice's life (the daily series' entries).
var invoiceEntryKinds = []model.EntryKind{model.EntryReservation, model.EntryApproval, model.EntryPayment,
	model.EntryReturnRelease, model.EntryRejectionRelease}

// sourceFor is where the movements and positions of a scope are read from: the rollups when its window is made
// of whole Nouméa days (always, through the API), the ledger otherwise.
func sourceFor(sc model.DashboardScope) dashboardSource {
	if noumeaMidnight(sc.From) && noumeaMidnight(sc.Until) {
		return fromRollups
	}
	return fromLedger
}

// noumeaMidnight reports whether t is unset or the start of a Nouméa day.
func noumeaMidnight(t *time.Time) bool {
	if t == nil {
		return true
	}
	h, m, s := t.In(model.Noumea).Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// noumeaDate is the Nouméa day of t, as the rollups' date columns hold it.
func noumeaDate(t time.Time) string { return t.In(model.Noumea).Format(time.DateOnly) }

// rollupDays restricts the rollup r to the days from from (included) until until (excluded), both Nouméa
// midnights or nil.
func rollupDays(q *bun.SelectQuery, from, until *time.Time) *bun.SelectQuery {
	if from != nil {
		q.Where("r.day >= CAST(? AS date)", noumeaDate(*from))
	}
	if until != nil {
		q.Where("r.day < CAST(? AS date)", noumeaDate(*until))
	}
	return q
}

// rollupScope restricts the rollup r to the scope's programme and session.
func rollupScope(q *bun.SelectQuery, sc model.DashboardScope) *bun.SelectQuery {
	if sc.ProgrammeID != 0 {
		q.Where("r.programme_id = ?", sc.ProgrammeID)
	}
	if sc.SessionID != 0 {
		q.Where("r.session_id = ?", sc.SessionID)
	}
	return q
}

// CompactDashboard merges the rollups' rows of each key (the triggers append one row per change) and returns
// how many rows it merged away. Safe to run at any time, from several processes at once; the server runs it
// every minute and the seed at its end.
func (s *Store) CompactDashboard(ctx context.Context) (int64, error) {
	var merged int64
	if err := s.db.NewRaw("SELECT dashboard_compact()").Scan(ctx, &merged); err != nil {
		return 0, fmt.Errorf("compact the dashboard's rollups: %w", err)
	}
	return merged, nil
}

// KeepDashboardCompact runs CompactDashboard every interval until ctx ends, logging what it merged.
func (s *Store) KeepDashboardCompact(ctx context.Context, every time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		merged, err := s.CompactDashboard(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("compacting the dashboard's rollups failed", "err", err)
		case merged > 0:
			logger.Debug("compacted the dashboard's rollups", "rows_merged", merged)
		}
	}
}
