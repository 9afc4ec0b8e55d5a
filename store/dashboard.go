package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"

	"sudpro/model"
)

// The Province's dashboard (schema/dashboard.graphqls). Every amount is a sum of ledger postings for the scope,
// and every figure has a record set (a drill-down) listed with the very predicate the figure counts: each
// figure's query and its drill-down share the SQL below, so a figure and its records cannot disagree.

// noumeaDay is the Nouméa calendar day (UTC+11, no daylight saving) of a timestamptz column, as YYYY-MM-DD.
func noumeaDay(column string) string {
	return "to_char((" + column + " AT TIME ZONE 'UTC') + interval '11 hours', 'YYYY-MM-DD')"
}

// smallSQL is model.Enterprise.IsSmallBusiness on the business aliased alias (the function sudpro_small_business,
// which the rollup of the CréditSud spent uses too; TestSmallBusinessSQL keeps it in step).
func smallSQL(alias string) string {
	return "sudpro_small_business(" + alias + ".legal_form, " + alias + ".headcount)"
}

// entriesIn restricts journal entries j to the scope's programme and session, recorded from from (when given)
// until the end of the window.
func entriesIn(q *bun.SelectQuery, sc model.DashboardScope, from *time.Time) *bun.SelectQuery {
	if sc.ProgrammeID != 0 {
		q.Where("j.programme_id = ?", sc.ProgrammeID)
	}
	if sc.SessionID != 0 {
		q.Where("j.session_id = ?", sc.SessionID)
	}
	if from != nil {
		q.Where("j.created_at >= ?", *from)
	}
	if sc.Until != nil {
		q.Where("j.created_at < ?", *sc.Until)
	}
	return q
}

// spentQuery selects (invoice_id, amount): the CréditSud spent on each invoice by the entries of the scope
// recorded from from until the end of the window, i.e. minus their postings on envelopes' available accounts
// (a reservation takes, a release gives back; approval and payment do not touch it). Zero amounts are left out.
// (Its handle only formats the subquery: the outer query, on the replica when there is one, runs it.)
func (s *Store) spentQuery(sc model.DashboardScope, from *time.Time) *bun.SelectQuery {
	q := s.db.NewSelect().TableExpr("journal_entries AS j").
		Join("JOIN postings AS p ON p.entry_id = j.id").
		Join("JOIN accounts AS a ON a.id = p.account_id AND a.kind = 'SESSION_AVAILABLE'").
		ColumnExpr("j.invoice_id").ColumnExpr("-sum(p.amount) AS amount").
		Where("j.invoice_id IS NOT NULL")
	return entriesIn(q, sc, from).GroupExpr("j.invoice_id").Having("sum(p.amount) <> 0")
}

// invoicesIn restricts invoices i (the table, or its rollup dashboard_invoice_rollup) to the scope's programme or
// session (through the session the invoice was confirmed in) and to the window on column: an instant (issued_at,
// confirmed_at), or a Nouméa day of the rollup (issued_on, confirmed_on) when days is true.
func invoicesIn(q *bun.SelectQuery, sc model.DashboardScope, column string, days bool) *bun.SelectQuery {
	switch {
	case sc.SessionID != 0:
		q.Where("i.session_id = ?", sc.SessionID)
	case sc.ProgrammeID != 0:
		q.Where("i.session_id IN (SELECT id FROM sessions WHERE programme_id = ?)", sc.ProgrammeID)
	}
	bound := func(t time.Time) any { return t }
	if days {
		bound = func(t time.Time) any { return bun.SafeQuery("CAST(? AS date)", noumeaDate(t)) }
	}
	if sc.From != nil {
		q.Where("? >= ?", bun.Safe(column), bound(*sc.From))
	}
	if sc.Until != nil {
		q.Where("? < ?", bun.Safe(column), bound(*sc.Until))
	}
	return q
}

// ---------------------------------------------------------------------------------------------------------------
// Businesses

// businessFigures are the dashboard's business counts as conditions on a business e registered before the end of
// the window, by key.
func (s *Store) businessFigures(sc model.DashboardScope) (base schema.QueryWithArgs, byKey map[string]schema.QueryWithArgs) {
	base = bun.SafeQuery("TRUE")
	if sc.Until != nil {
		base = bun.SafeQuery("e.registered_at < ?", *sc.Until)
	}
	// Uncorrelated subqueries, which PostgreSQL hashes once rather than running per business.
	allocated := s.db.NewSelect().TableExpr("journal_entries AS j").ColumnExpr("j.enterprise_id").Where("j.kind = 'ALLOCATION'")
	if sc.ProgrammeID != 0 {
		allocated.Where("j.programme_id = ?", sc.ProgrammeID)
	}
	if sc.Until != nil {
		allocated.Where("j.created_at < ?", *sc.Until)
	}
	supported := bun.SafeQuery("e.id IN (?)", allocated)
	used := bun.SafeQuery("e.id IN (SELECT ui.buyer_id FROM invoices AS ui JOIN (?) AS sp ON sp.invoice_id = ui.id)", s.spentQuery(sc, nil))
	return base, map[string]schema.QueryWithArgs{
		model.BusinessesRegistered:     bun.SafeQuery("TRUE"),
		model.BusinessesEligible:       bun.SafeQuery(eligibleSQL),
		model.BusinessesSupported:      supported,
		model.BusinessesProjectsFunded: bun.SafeQuery("? AND ?", supported, used),
		model.BusinessesNotUsedYet:     bun.SafeQuery("? AND NOT ?", supported, used),
	}
}

var businessKeys = []string{model.BusinessesRegistered, model.BusinessesEligible, model.BusinessesSupported,
	model.BusinessesProjectsFunded, model.BusinessesNotUsedYet}

// DashboardBusinesses counts the businesses registered, eligible, supported, that used their credit and that
// have not yet, at the end of the scope's window, in one statement: from the rollups when the window runs until
// now, from the ledger otherwise.
func (s *Store) DashboardBusinesses(ctx context.Context, sc model.DashboardScope) (*model.DashboardBusinesses, error) {
	source := fromLedger
	if sc.Until == nil {
		source = fromRollups
	}
	return s.dashboardBusinesses(ctx, sc, source)
}

func (s *Store) dashboardBusinesses(ctx context.Context, sc model.DashboardScope, source dashboardSource) (*model.DashboardBusinesses, error) {
	counts := make([]int, len(businessKeys))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	var q *bun.SelectQuery
	if source == fromRollups {
		// Now: the beneficiaries holding CréditSud on an invoice (every one of them was granted an allocation
		// first, the only way to credit), and the allocations from journal_entries_allocation_key.
		allocated := s.db.NewSelect().TableExpr("journal_entries AS j").ColumnExpr("count(DISTINCT j.enterprise_id)").Where("j.kind = 'ALLOCATION'")
		holding := s.db.NewSelect().TableExpr("dashboard_buyer_rollup AS r").ColumnExpr("r.enterprise_id").
			GroupExpr("r.enterprise_id").Having("sum(r.holding) > 0")
		if sc.ProgrammeID != 0 {
			allocated.Where("j.programme_id = ?", sc.ProgrammeID)
			holding.Where("r.programme_id = ?", sc.ProgrammeID)
		}
		if sc.SessionID != 0 {
			holding.Where("r.session_id = ?", sc.SessionID)
		}
		q = s.readDB(ctx).NewSelect().TableExpr("dashboard_enterprise_rollup AS r").
			ColumnExpr("coalesce(sum(r.enterprises), 0), coalesce(sum(r.enterprises) FILTER (WHERE r.eligible), 0)").
			ColumnExpr("(?) AS supported", allocated).
			ColumnExpr("(SELECT count(*) FROM (?) AS h) AS funded", holding)
		dest = dest[:4]
	} else {
		base, byKey := s.businessFigures(sc)
		q = s.readDB(ctx).NewSelect().TableExpr("enterprises AS e").Where("?", base)
		for i, k := range businessKeys {
			q.ColumnExpr("count(*) FILTER (WHERE ?) AS ?", byKey[k], bun.Ident("n"+strconv.Itoa(i)))
		}
	}
	if err := q.Scan(ctx, dest...); err != nil {
		return nil, fmt.Errorf("count dashboard businesses: %w", err)
	}
	if source == fromRollups {
		counts[4] = counts[2] - counts[3]
	}
	figure := func(i int) *model.DashboardCount {
		return &model.DashboardCount{Count: counts[i], Drill: model.Drill{Scope: sc, Set: model.DrillBusinesses, Key: businessKeys[i]}}
	}
	return &model.DashboardBusinesses{Registered: figure(0), Eligible: figure(1), Supported: figure(2),
		ProjectsFunded: figure(3), NotUsedYet: figure(4)}, nil
}

// ---------------------------------------------------------------------------------------------------------------
// Sums of postings, from the ledger or from its rollup

// postingSum is a figure summed over postings: a column alias, what it sums ("amount" or "postings") and the
// postings it keeps, as SQL over %[1]s (the account's kind) and %[2]s (the entry's kind).
type postingSum struct {
	alias, of, where string
}

// envelopeSums are the budget's figures per session.
var envelopeSums = []postingSum{
	{"engaged", "amount", "%[1]s = 'SESSION_AVAILABLE' AND %[2]s = 'ENVELOPE_FUNDING'"},
	{"reserved", "amount", "%[1]s = 'SESSION_RESERVED'"},
	{"payable", "amount", "%[1]s = 'SELLER_PAYABLE'"},
	{"paid", "amount", "%[1]s = 'SESSION_PAID'"},
	{"remaining", "amount", "%[1]s = 'SESSION_AVAILABLE'"},
}

// dailySums are the daily series' figures per day.
var dailySums = []postingSum{
	{"confirmations", "postings", "%[2]s = 'RESERVATION' AND %[1]s = 'SESSION_RESERVED'"},
	{"confirmed", "amount", "%[2]s = 'RESERVATION' AND %[1]s = 'SESSION_RESERVED'"},
	{"released", "amount", "%[2]s IN ('RETURN_RELEASE', 'REJECTION_RELEASE') AND %[1]s = 'SESSION_AVAILABLE'"},
	{"paid", "amount", "%[2]s = 'PAYMENT' AND %[1]s = 'SESSION_PAID'"},
}

// postingSums adds the figures to q, a query over postings (the ledger's, one row each, postings being "1") or over
// the ledger's rollup (one row per day and kinds, postings being its count), given the SQL of each row's account
// kind, entry kind, amount and number of postings: both sources compute a figure from one definition.
func postingSums(q *bun.SelectQuery, accountKind, entryKind, amount, postings string, figures []postingSum) *bun.SelectQuery {
	for _, f := range figures {
		of := amount
		if f.of == "postings" {
			of = postings
		}
		q.ColumnExpr(fmt.Sprintf("coalesce(sum(%s) FILTER (WHERE %s), 0) AS %s", of, fmt.Sprintf(f.where, accountKind, entryKind), f.alias))
	}
	return q
}

// ---------------------------------------------------------------------------------------------------------------
// Budget

// DashboardBudget returns the envelopes of the programmes and sessions in scope as the ledger had them at the end
// of the window (postings on the sessions' accounts), with when each envelope was first exhausted, in one
// statement. Programmes are the sums of their sessions, most recent programme first.
func (s *Store) DashboardBudget(ctx context.Context, sc model.DashboardScope) ([]*model.DashboardProgrammeBudget, error) {
	return s.dashboardBudget(ctx, sc, sourceFor(sc))
}

func (s *Store) dashboardBudget(ctx context.Context, sc model.DashboardScope, source dashboardSource) ([]*model.DashboardProgrammeBudget, error) {
	var sums, exhausted *bun.SelectQuery
	if source == fromRollups {
		sums = s.readDB(ctx).NewSelect().TableExpr("dashboard_ledger_rollup AS r").ColumnExpr("r.session_id").
			GroupExpr("r.session_id")
		postingSums(sums, "r.account_kind", "r.entry_kind", "r.amount", "r.postings", envelopeSums)
		rollupDays(sums, nil, sc.Until)
		exhausted = s.readDB(ctx).NewSelect().TableExpr("session_exhaustion AS x").ColumnExpr("x.session_id, x.exhausted_at")
		if sc.Until != nil {
			exhausted.Where("x.exhausted_at < ?", *sc.Until)
		}
	} else {
		sums = entriesIn(s.readDB(ctx).NewSelect().TableExpr("postings AS p").
			Join("JOIN accounts AS a ON a.id = p.account_id").
			Join("JOIN journal_entries AS j ON j.id = p.entry_id").
			ColumnExpr("a.session_id").
			Where("a.session_id IS NOT NULL"), sc, nil).
			GroupExpr("a.session_id")
		postingSums(sums, "a.kind", "j.kind", "p.amount", "1", envelopeSums)
		// The available balance after each entry, in ledger order; the first entry leaving nothing exhausts it.
		running := entriesIn(s.readDB(ctx).NewSelect().TableExpr("postings AS p").
			Join("JOIN accounts AS a ON a.id = p.account_id AND a.kind = 'SESSION_AVAILABLE'").
			Join("JOIN journal_entries AS j ON j.id = p.entry_id").
			ColumnExpr("a.session_id, j.id AS entry_id, j.created_at, p.amount").
			ColumnExpr("sum(p.amount) OVER (PARTITION BY a.session_id ORDER BY j.id, p.id) AS balance"), sc, nil)
		exhausted = s.readDB(ctx).NewSelect().TableExpr("(?) AS r", running).
			DistinctOn("r.session_id").ColumnExpr("r.session_id, r.created_at AS exhausted_at").
			Where("r.amount < 0 AND r.balance <= 0").OrderExpr("r.session_id, r.entry_id")
	}
	q := s.readDB(ctx).NewSelect().TableExpr("sessions AS s").
		Join("LEFT JOIN (?) AS b ON b.session_id = s.id", sums).
		Join("LEFT JOIN (?) AS x ON x.session_id = s.id", exhausted).
		ColumnExpr("s.id AS session_id, s.programme_id, s.opens_at, x.exhausted_at").
		ColumnExpr("coalesce(b.engaged, 0) AS engaged, coalesce(b.reserved, 0) AS reserved, coalesce(b.payable, 0) AS payable").
		ColumnExpr("coalesce(b.paid, 0) AS paid, coalesce(b.remaining, 0) AS remaining").
		OrderExpr("s.programme_id DESC, s.opens_at, s.id")
	if sc.ProgrammeID != 0 {
		q.Where("s.programme_id = ?", sc.ProgrammeID)
	}
	if sc.SessionID != 0 {
		q.Where("s.id = ?", sc.SessionID)
	}
	var rows []struct {
		SessionID   int64      `bun:"session_id"`
		ProgrammeID int64      `bun:"programme_id"`
		OpensAt     time.Time  `bun:"opens_at"`
		ExhaustedAt *time.Time `bun:"exhausted_at"`
		Engaged     model.XPF  `bun:"engaged"`
		Reserved    model.XPF  `bun:"reserved"`
		Payable     model.XPF  `bun:"payable"`
		Paid        model.XPF  `bun:"paid"`
		Remaining   model.XPF  `bun:"remaining"`
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read dashboard budget: %w", err)
	}
	var out []*model.DashboardProgrammeBudget
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ProgrammeID != r.ProgrammeID {
			out = append(out, &model.DashboardProgrammeBudget{ProgrammeID: r.ProgrammeID,
				Drill: model.Drill{Scope: sc, Set: model.DrillProgrammeEntries, Key: strconv.FormatInt(r.ProgrammeID, 10)}})
		}
		p := out[len(out)-1]
		b := &model.DashboardSessionBudget{SessionID: r.SessionID, ProgrammeID: r.ProgrammeID, OpensAt: r.OpensAt, ExhaustedAt: r.ExhaustedAt,
			EnvelopeFigures: model.EnvelopeFigures{Engaged: r.Engaged, Reserved: r.Reserved, Payable: r.Payable, Paid: r.Paid, Remaining: r.Remaining},
			Drill:           model.Drill{Scope: sc, Set: model.DrillSessionEntries, Key: strconv.FormatInt(r.SessionID, 10)}}
		p.Sessions = append(p.Sessions, b)
		p.Add(b.EnvelopeFigures)
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------------------------
// CréditSud spent

// spentGroups are the breakdowns of DashboardSpent: a column of the spent invoices' parties, and its drill-down
// condition on an invoice i given a key.
var spentGroups = []struct {
	set       model.DrillSet
	column    string // in DashboardSpent's query
	condition string // on invoice i, ?0 being the key
}{
	{model.DrillSpentBySellerSector, "se.sector_code", "EXISTS (SELECT 1 FROM enterprises AS de WHERE de.id = i.seller_id AND de.sector_code = ?0)"},
	{model.DrillSpentByBuyerSector, "be.sector_code", "EXISTS (SELECT 1 FROM enterprises AS de WHERE de.id = i.buyer_id AND de.sector_code = ?0)"},
	{model.DrillSpentBySellerCommune, "se.commune_code", "EXISTS (SELECT 1 FROM enterprises AS de WHERE de.id = i.seller_id AND de.commune_code = ?0)"},
	{model.DrillSpentByBuyerCommune, "be.commune_code", "EXISTS (SELECT 1 FROM enterprises AS de WHERE de.id = i.buyer_id AND de.commune_code = ?0)"},
	{model.DrillSpentSmallBusiness, "CASE WHEN " + smallSQL("se") + " AND " + smallSQL("be") + " THEN 'SMALL' ELSE '' END",
		"?0 = 'SMALL' AND EXISTS (SELECT 1 FROM enterprises AS se, enterprises AS be WHERE se.id = i.seller_id AND be.id = i.buyer_id AND " +
			smallSQL("se") + " AND " + smallSQL("be") + ")"},
}

// DashboardSpent breaks the CréditSud spent within the window down by the seller's and the buyer's sector and
// commune and by whether both parties are small businesses, in one statement. Every sector and commune of the
// reference tables has a row, zero included.
func (s *Store) DashboardSpent(ctx context.Context, sc model.DashboardScope) (*model.DashboardSpent, error) {
	return s.dashboardSpent(ctx, sc, sourceFor(sc))
}

// spentRow is one figure of the CréditSud spent: a breakdown's set (” for the total) and key, the amount and how
// many invoices it was spent on.
type spentRow struct {
	Set    string    `bun:"set"`
	Key    string    `bun:"key"`
	Amount model.XPF `bun:"amount"`
	Count  int       `bun:"n"`
}

func (s *Store) dashboardSpent(ctx context.Context, sc model.DashboardScope, source dashboardSource) (*model.DashboardSpent, error) {
	var q *bun.SelectQuery
	if source == fromRollups {
		// The invoices whose CréditSud spent within the window is not zero: the takes and the gives of the window,
		// less the invoices taken and given back within it (see the dashboard_spent_rollup table).
		both := bun.SafeQuery("TRUE")
		if sc.From != nil {
			both = bun.SafeQuery("r.reserved_on >= ?", noumeaDate(*sc.From))
		}
		q = rollupDays(s.readDB(ctx).NewSelect().TableExpr("dashboard_spent_rollup AS r").
			ColumnExpr("r.dimension AS set, r.key, sum(r.amount) AS amount").
			ColumnExpr("sum(r.takes) + sum(r.gives) - 2 * coalesce(sum(r.gives) FILTER (WHERE ?), 0) AS n", both).
			GroupExpr("r.dimension, r.key"), sc.From, sc.Until)
		rollupScope(q, sc)
	} else {
		// GROUPING SETS over the spent invoices.
		spent := s.readDB(ctx).NewSelect().TableExpr("(?) AS sp", s.spentQuery(sc, sc.From)).
			Join("JOIN invoices AS i ON i.id = sp.invoice_id").
			Join("JOIN enterprises AS se ON se.id = i.seller_id").
			Join("JOIN enterprises AS be ON be.id = i.buyer_id").
			ColumnExpr("sp.amount")
		var sets, groups, keys []string
		for n, g := range spentGroups {
			spent.ColumnExpr("? AS ?", bun.Safe(g.column), bun.Ident("g"+strconv.Itoa(n)))
			sets = append(sets, fmt.Sprintf("WHEN grouping(g%d) = 0 THEN '%s'", n, g.set))
			groups = append(groups, fmt.Sprintf("(g%d)", n))
			keys = append(keys, "g"+strconv.Itoa(n))
		}
		q = s.readDB(ctx).NewSelect().TableExpr("(?) AS x", spent).
			ColumnExpr("CASE " + strings.Join(sets, " ") + " ELSE '' END AS set").
			ColumnExpr("coalesce(" + strings.Join(keys, ", ") + ", '') AS key").
			ColumnExpr("sum(x.amount) AS amount, count(*) AS n").
			GroupExpr("GROUPING SETS (" + strings.Join(groups, ", ") + ", ())")
	}
	var rows []spentRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read dashboard CréditSud spent: %w", err)
	}
	type figure struct {
		amount model.XPF
		count  int
	}
	found := map[model.DrillSet]map[string]figure{}
	var total figure
	for _, r := range rows {
		if r.Set == "" {
			total = figure{r.Amount, r.Count}
			continue
		}
		set := model.DrillSet(r.Set)
		if found[set] == nil {
			found[set] = map[string]figure{}
		}
		found[set][r.Key] = figure{r.Amount, r.Count}
	}
	sectors, err := s.Sectors(ctx)
	if err != nil {
		return nil, err
	}
	communes, err := s.Communes(ctx)
	if err != nil {
		return nil, err
	}
	amounts := func(set model.DrillSet, codes []string) []*model.DashboardAmount {
		out := make([]*model.DashboardAmount, len(codes))
		for i, code := range codes {
			f := found[set][code]
			out[i] = &model.DashboardAmount{Code: code, Amount: f.amount, InvoiceCount: f.count, Drill: model.Drill{Scope: sc, Set: set, Key: code}}
		}
		return out
	}
	var sectorCodes, communeCodes []string
	for _, sector := range sectors {
		sectorCodes = append(sectorCodes, sector.Code)
	}
	for _, commune := range communes {
		communeCodes = append(communeCodes, commune.Code)
	}
	out := &model.DashboardSpent{
		BySellerSector:  amounts(model.DrillSpentBySellerSector, sectorCodes),
		ByBuyerSector:   amounts(model.DrillSpentByBuyerSector, sectorCodes),
		BySellerCommune: amounts(model.DrillSpentBySellerCommune, communeCodes),
		ByBuyerCommune:  amounts(model.DrillSpentByBuyerCommune, communeCodes),
	}
	small := found[model.DrillSpentSmallBusiness]["SMALL"]
	out.SmallBusiness = &model.DashboardSmallBusinessShare{SmallBusinessAmount: small.amount, Total: total.amount, InvoiceCount: small.count,
		Drill: model.Drill{Scope: sc, Set: model.DrillSpentSmallBusiness, Key: "SMALL"}}
	return out, nil
}

// ---------------------------------------------------------------------------------------------------------------
// Invoices

// DashboardInvoices counts the invoices issued within the window by status and the rejected ones by reason, in
// one statement. Every status and reason has a row, zero included.
func (s *Store) DashboardInvoices(ctx context.Context, sc model.DashboardScope) (*model.DashboardInvoices, error) {
	return s.dashboardInvoices(ctx, sc, sourceFor(sc))
}

func (s *Store) dashboardInvoices(ctx context.Context, sc model.DashboardScope, source dashboardSource) (*model.DashboardInvoices, error) {
	var rows []struct {
		Status   model.InvoiceStatus    `bun:"status"`
		Reason   *model.RejectionReason `bun:"rejection_reason"`
		Count    int                    `bun:"n"`
		TotalTTC model.XPF              `bun:"total_ttc"`
	}
	var q *bun.SelectQuery
	if source == fromRollups {
		q = invoicesIn(s.readDB(ctx).NewSelect().TableExpr("dashboard_invoice_rollup AS i"), sc, "i.issued_on", true).
			ColumnExpr("i.status, i.rejection_reason, sum(i.invoices) AS n, sum(i.total_ttc) AS total_ttc")
	} else {
		q = invoicesIn(s.readDB(ctx).NewSelect().TableExpr("invoices AS i"), sc, "i.issued_at", false).
			ColumnExpr("i.status, i.rejection_reason, count(*) AS n, sum(i.total_ttc) AS total_ttc")
	}
	q.GroupExpr("i.status, i.rejection_reason")
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count dashboard invoices: %w", err)
	}
	drill := func(set model.DrillSet, key string) model.Drill { return model.Drill{Scope: sc, Set: set, Key: key} }
	out := &model.DashboardInvoices{Rejected: &model.DashboardRejections{Drill: drill(model.DrillRejected, "")}}
	byStatus := map[model.InvoiceStatus]*model.DashboardInvoiceStatusCount{}
	for _, st := range model.AllInvoiceStatuses {
		byStatus[st] = &model.DashboardInvoiceStatusCount{Status: st, Drill: drill(model.DrillInvoiceStatus, string(st))}
		out.ByStatus = append(out.ByStatus, byStatus[st])
	}
	byReason := map[model.RejectionReason]*model.DashboardRejectionReasonCount{}
	for _, r := range model.AllRejectionReasons {
		byReason[r] = &model.DashboardRejectionReasonCount{Reason: r, Drill: drill(model.DrillRejected, string(r))}
		out.Rejected.ByReason = append(out.Rejected.ByReason, byReason[r])
	}
	for _, r := range rows {
		if f := byStatus[r.Status]; f != nil {
			f.Count += r.Count
			f.TotalTTC += r.TotalTTC
		}
		if r.Status != model.InvoiceRejected {
			continue
		}
		out.Rejected.Count += r.Count
		out.Rejected.TotalTTC += r.TotalTTC
		if r.Reason != nil && byReason[*r.Reason] != nil {
			byReason[*r.Reason].Count += r.Count
			byReason[*r.Reason].TotalTTC += r.TotalTTC
		}
	}
	return out, nil
}

// businessDoneCondition selects the invoices counted as business done: confirmed and not sent back.
const businessDoneCondition = "i.status IN ('CONFIRMED', 'APPROVED', 'PAID')"

// DashboardBusinessDone sums the business done through the platform: the TTC of invoices confirmed within the
// window that are confirmed, approved or paid now, and the CréditSud spent on them (from the ledger); and the
// private orders of the window (see privateOrdersIn), in one statement.
func (s *Store) DashboardBusinessDone(ctx context.Context, sc model.DashboardScope) (*model.DashboardBusinessDone, error) {
	return s.dashboardBusinessDone(ctx, sc, sourceFor(sc))
}

func (s *Store) dashboardBusinessDone(ctx context.Context, sc model.DashboardScope, source dashboardSource) (*model.DashboardBusinessDone, error) {
	out := &model.DashboardBusinessDone{Drill: model.Drill{Scope: sc, Set: model.DrillBusinessDone},
		OrdersDrill: model.Drill{Scope: sc, Set: model.DrillPrivateOrders}}
	var invoices *bun.SelectQuery
	if source == fromRollups {
		// The CréditSud of a confirmed, approved or paid invoice is its credit amount, reserved by its
		// confirmation and never released (sudpro ledger check compares it with the ledger).
		invoices = invoicesIn(s.readDB(ctx).NewSelect().TableExpr("dashboard_invoice_rollup AS i"), sc, "i.confirmed_on", true).
			ColumnExpr("coalesce(sum(i.invoices), 0) AS n, coalesce(sum(i.total_ttc), 0) AS total, coalesce(sum(i.credit_amount), 0) AS credit").
			Where(businessDoneCondition)
	} else {
		// The CréditSud of each of these invoices: its entries of every time (a confirmed invoice is never released).
		ledger := sc
		ledger.Until = nil
		invoices = invoicesIn(s.readDB(ctx).NewSelect().TableExpr("invoices AS i"), sc, "i.confirmed_at", false).
			Join("LEFT JOIN (?) AS sp ON sp.invoice_id = i.id", s.spentQuery(ledger, nil)).
			ColumnExpr("count(*) AS n, coalesce(sum(i.total_ttc), 0) AS total, coalesce(sum(sp.amount), 0) AS credit").
			Where(businessDoneCondition)
	}
	orders := privateOrdersIn(s.readDB(ctx).NewSelect().TableExpr("private_orders AS po"), sc).
		ColumnExpr("count(*) AS n, coalesce(sum(po.amount_ttc), 0) AS total")
	q := s.readDB(ctx).NewSelect().TableExpr("(?) AS inv, (?) AS ord", invoices, orders).
		ColumnExpr("inv.n, inv.total, inv.credit, ord.n, ord.total")
	if err := q.Scan(ctx, &out.InvoiceCount, &out.InvoicedTotal, &out.CreditSud, &out.PrivateOrderCount, &out.PrivateOrders); err != nil {
		return nil, fmt.Errorf("sum dashboard business done: %w", err)
	}
	return out, nil
}

// privateOrdersIn restricts private orders po to those ordered on a Nouméa day of the window. They belong to no
// programme (they are paid outside CréditSud), so a scope with a programme or a session has none.
func privateOrdersIn(q *bun.SelectQuery, sc model.DashboardScope) *bun.SelectQuery {
	if sc.ProgrammeID != 0 || sc.SessionID != 0 {
		return q.Where("FALSE")
	}
	if sc.From != nil {
		q.Where("po.ordered_on >= CAST(? AS date)", sc.From.In(model.Noumea).Format(time.DateOnly))
	}
	if sc.Until != nil {
		q.Where("po.ordered_on < CAST(? AS date)", sc.Until.In(model.Noumea).Format(time.DateOnly))
	}
	return q
}

// ---------------------------------------------------------------------------------------------------------------
// Public consultations

// inWindow restricts q to the rows whose column (an instant) is within the scope's window. Consultations belong
// to no programme: the programme and session of the scope do not restrict them.
func inWindow(q *bun.SelectQuery, sc model.DashboardScope, column string) *bun.SelectQuery {
	if sc.From != nil {
		q.Where("? >= ?", bun.Safe(column), *sc.From)
	}
	if sc.Until != nil {
		q.Where("? < ?", bun.Safe(column), *sc.Until)
	}
	return q
}

// publishedConsultations selects the ids of the consultations published within the window.
func (s *Store) publishedConsultations(sc model.DashboardScope) *bun.SelectQuery {
	return inWindow(s.db.NewSelect().TableExpr("consultations AS pc").ColumnExpr("pc.id").
		Where("pc.published_at IS NOT NULL"), sc, "pc.published_at")
}

// receivedOffers selects the ids of the standing offers first submitted within the window, read only through
// the view consultation_offers_unsealed: an offer still under seal counts nowhere, not even in a number.
func (s *Store) receivedOffers(sc model.DashboardScope) *bun.SelectQuery {
	return inWindow(s.db.NewSelect().TableExpr("consultation_offers_unsealed AS u").ColumnExpr("u.id").
		Where("u.status = 'SUBMITTED'"), sc, "u.submitted_at")
}

// awardsIn selects the awards (view consultation_awards) decided within the window.
func (s *Store) awardsIn(sc model.DashboardScope) *bun.SelectQuery {
	return inWindow(s.db.NewSelect().TableExpr("consultation_awards AS aw"), sc, "aw.awarded_at")
}

// DashboardConsultations counts the consultations published within the window, the offers received within it
// and the awards decided within it with their amounts, in one statement.
func (s *Store) DashboardConsultations(ctx context.Context, sc model.DashboardScope) (*model.DashboardConsultations, error) {
	out := &model.DashboardConsultations{
		PublishedDrill: model.Drill{Scope: sc, Set: model.DrillConsultationsPublished},
		OffersDrill:    model.Drill{Scope: sc, Set: model.DrillOffersReceived},
		AwardsDrill:    model.Drill{Scope: sc, Set: model.DrillConsultationsAwarded},
	}
	awards := s.awardsIn(sc).ColumnExpr("count(*) AS n, coalesce(sum(aw.amount_ht), 0) AS ht, coalesce(sum(aw.amount_ttc), 0) AS ttc")
	err := s.readDB(ctx).NewSelect().TableExpr("(?) AS a", awards).
		ColumnExpr("(SELECT count(*) FROM (?) AS p)", s.publishedConsultations(sc)).
		ColumnExpr("(SELECT count(*) FROM (?) AS o)", s.receivedOffers(sc)).
		ColumnExpr("a.n, a.ht, a.ttc").
		Scan(ctx, &out.Published, &out.OffersReceived, &out.Awarded, &out.AwardedAmountHT, &out.AwardedAmountTTC)
	if err != nil {
		return nil, fmt.Errorf("count dashboard consultations: %w", err)
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------------------------
// Daily series

// DashboardDaily returns, for each Nouméa day of the window with CréditSud movement on invoices, the
// confirmations with CréditSud and the amounts reserved, released and paid, oldest first, in one statement.
func (s *Store) DashboardDaily(ctx context.Context, sc model.DashboardScope) ([]*model.DashboardDay, error) {
	return s.dashboardDaily(ctx, sc, sourceFor(sc))
}

func (s *Store) dashboardDaily(ctx context.Context, sc model.DashboardScope, source dashboardSource) ([]*model.DashboardDay, error) {
	var rows []struct {
		Day           string    `bun:"day"`
		Confirmations int       `bun:"confirmations"`
		Confirmed     model.XPF `bun:"confirmed"`
		Released      model.XPF `bun:"released"`
		Paid          model.XPF `bun:"paid"`
	}
	var q *bun.SelectQuery
	if source == fromRollups {
		// Every entry of an invoice moves a session's account, so the rollup of those accounts has every day.
		q = rollupDays(s.readDB(ctx).NewSelect().TableExpr("dashboard_ledger_rollup AS r").
			ColumnExpr("to_char(r.day, 'YYYY-MM-DD') AS day").
			Where("r.entry_kind IN (?)", bun.List(invoiceEntryKinds)), sc.From, sc.Until)
		rollupScope(q, sc).GroupExpr("r.day").OrderExpr("r.day")
		postingSums(q, "r.account_kind", "r.entry_kind", "r.amount", "r.postings", dailySums)
	} else {
		q = entriesIn(s.readDB(ctx).NewSelect().TableExpr("journal_entries AS j").
			Join("JOIN postings AS p ON p.entry_id = j.id").
			Join("JOIN accounts AS a ON a.id = p.account_id").
			ColumnExpr(noumeaDay("j.created_at")+" AS day").
			Where("j.invoice_id IS NOT NULL"), sc, sc.From).
			GroupExpr("day").OrderExpr("day")
		postingSums(q, "a.kind", "j.kind", "p.amount", "1", dailySums)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read dashboard daily series: %w", err)
	}
	out := make([]*model.DashboardDay, len(rows))
	for i, r := range rows {
		day, err := time.ParseInLocation(time.DateOnly, r.Day, model.Noumea)
		if err != nil {
			return nil, fmt.Errorf("read dashboard day %q: %w", r.Day, err)
		}
		out[i] = &model.DashboardDay{Day: day, Confirmations: r.Confirmations, ConfirmedAmount: r.Confirmed,
			ReleasedAmount: r.Released, PaidAmount: r.Paid, Drill: model.Drill{Scope: sc, Set: model.DrillDayEntries, Key: r.Day}}
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------------------------
// Drill-down

// drillCondition is a drill-down set's condition on a record given the SQL expression of its key (a column
// never compares the key as a value, so one condition serves every key of a batch).
type drillCondition func(key schema.QueryWithArgs) schema.QueryWithArgs

// drillPages lists one page of records for each key of a drill-down set, in one statement (a LATERAL join on
// the keys' positions), with their totals in one more when counted.
func drillPages[T any](ctx context.Context, db bun.IDB, k keyset[T], base func() *bun.SelectQuery, cond drillCondition,
	parentOf func(T) int64, keys []string, page model.Page, counted bool) (map[string]*model.Connection[T], error) {
	// The key of the parent at position parent.id.
	where := cond(bun.SafeQuery("(CAST(? AS text[]))[parent.id]", pgdialect.Array(keys)))
	positions := make([]int64, len(keys))
	for i := range keys {
		positions[i] = int64(i + 1)
	}
	pp := parentPages[T, int64]{
		inner:    func() *bun.SelectQuery { return base().Where("?", where) },
		keyType:  "bigint",
		multi:    true,
		parentOf: parentOf,
	}
	conns, err := pagesByParents(ctx, db, pp, k, positions, page, counted)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*model.Connection[T], len(keys))
	for i, key := range keys {
		out[key] = conns[positions[i]]
	}
	return out, nil
}

// DashboardEnterprises lists the businesses behind business figures of one scope (keys: model.Businesses*), one
// page per key, by name.
func (s *Store) DashboardEnterprises(ctx context.Context, sc model.DashboardScope, keys []string, page model.Page, counted bool) (map[string]*model.EnterpriseConnection, error) {
	base, byKey := s.businessFigures(sc)
	conns, err := drillPages(ctx, s.readDB(ctx), enterpriseKeysets[model.EnterpriseOrderName],
		func() *bun.SelectQuery {
			return s.readDB(ctx).NewSelect().Model((*model.Enterprise)(nil)).Where("?", base)
		},
		func(key schema.QueryWithArgs) schema.QueryWithArgs {
			// One branch per figure asked for (an OR, which PostgreSQL plans with hashed subqueries; a CASE is not).
			var parts []string
			var args []any
			for _, k := range businessKeys {
				if slices.Contains(keys, k) {
					parts = append(parts, "(? = ? AND ?)")
					args = append(args, key, k, byKey[k])
				}
			}
			if len(parts) == 0 {
				return bun.SafeQuery("FALSE")
			}
			return bun.SafeQuery(strings.Join(parts, " OR "), args...)
		},
		func(e *model.Enterprise) int64 { return e.ListParentID }, keys, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list dashboard businesses: %w", err)
	}
	return conns, nil
}

// DashboardInvoiceRecords lists the invoices behind invoice figures of one scope and set, one page per key, latest
// first.
func (s *Store) DashboardInvoiceRecords(ctx context.Context, sc model.DashboardScope, set model.DrillSet, keys []string, page model.Page, counted bool) (map[string]*model.InvoiceConnection, error) {
	base := func() *bun.SelectQuery { return s.readDB(ctx).NewSelect().Model((*model.Invoice)(nil)) }
	var cond drillCondition
	switch set {
	case model.DrillInvoiceStatus:
		base = func() *bun.SelectQuery {
			return invoicesIn(s.readDB(ctx).NewSelect().Model((*model.Invoice)(nil)), sc, "i.issued_at", false)
		}
		cond = func(key schema.QueryWithArgs) schema.QueryWithArgs { return bun.SafeQuery("i.status = ?", key) }
	case model.DrillRejected:
		base = func() *bun.SelectQuery {
			return invoicesIn(s.readDB(ctx).NewSelect().Model((*model.Invoice)(nil)), sc, "i.issued_at", false).Where("i.status = 'REJECTED'")
		}
		cond = func(key schema.QueryWithArgs) schema.QueryWithArgs {
			return bun.SafeQuery("(?0 = '' OR i.rejection_reason = ?0)", key) // "": every reason
		}
	case model.DrillBusinessDone:
		base = func() *bun.SelectQuery {
			return invoicesIn(s.readDB(ctx).NewSelect().Model((*model.Invoice)(nil)), sc, "i.confirmed_at", false).Where(businessDoneCondition)
		}
		cond = everyKey
	default:
		for _, g := range spentGroups {
			if g.set != set {
				continue
			}
			base = func() *bun.SelectQuery {
				return s.readDB(ctx).NewSelect().Model((*model.Invoice)(nil)).
					Where("i.id IN (SELECT sp.invoice_id FROM (?) AS sp)", s.spentQuery(sc, sc.From))
			}
			cond = func(key schema.QueryWithArgs) schema.QueryWithArgs { return bun.SafeQuery(g.condition, key) }
		}
	}
	if cond == nil {
		return nil, fmt.Errorf("no invoices behind dashboard set %q", set)
	}
	conns, err := drillPages(ctx, s.readDB(ctx), invoiceKeyset, base, cond, func(i *model.Invoice) int64 { return i.ListParentID }, keys, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list dashboard invoices (%s): %w", set, err)
	}
	return conns, nil
}

// DashboardEntries lists the journal entries behind budget and daily figures of one scope and set (keys: a
// programme's or session's id, a day), one page per key, latest first.
func (s *Store) DashboardEntries(ctx context.Context, sc model.DashboardScope, set model.DrillSet, keys []string, page model.Page, counted bool) (map[string]*model.LedgerEntryConnection, error) {
	var base func() *bun.SelectQuery
	var cond drillCondition
	switch set {
	case model.DrillProgrammeEntries:
		base = func() *bun.SelectQuery {
			return entriesIn(s.readDB(ctx).NewSelect().Model((*model.JournalEntry)(nil)), sc, nil).Where("j.session_id IS NOT NULL")
		}
		cond = func(key schema.QueryWithArgs) schema.QueryWithArgs {
			return bun.SafeQuery("j.programme_id = CAST(? AS bigint)", key)
		}
	case model.DrillSessionEntries:
		base = func() *bun.SelectQuery {
			return entriesIn(s.readDB(ctx).NewSelect().Model((*model.JournalEntry)(nil)), sc, nil)
		}
		cond = func(key schema.QueryWithArgs) schema.QueryWithArgs {
			return bun.SafeQuery("j.session_id = CAST(? AS bigint)", key)
		}
	case model.DrillDayEntries:
		base = func() *bun.SelectQuery {
			return entriesIn(s.readDB(ctx).NewSelect().Model((*model.JournalEntry)(nil)), sc, sc.From).
				Where("j.kind = 'RESERVATION' AND j.invoice_id IS NOT NULL")
		}
		// The Nouméa day as a range of instants (UTC+11: from 13:00 UTC the day before), which the index on
		// created_at serves.
		cond = func(key schema.QueryWithArgs) schema.QueryWithArgs {
			return bun.SafeQuery("j.created_at >= (CAST(?0 AS timestamp) - interval '11 hours') AT TIME ZONE 'UTC' AND "+
				"j.created_at < (CAST(?0 AS timestamp) + interval '13 hours') AT TIME ZONE 'UTC'", key)
		}
	default:
		return nil, fmt.Errorf("no ledger entries behind dashboard set %q", set)
	}
	conns, err := drillPages(ctx, s.readDB(ctx), entryKeyset, base, cond, func(j *model.JournalEntry) int64 { return j.ListParentID }, keys, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list dashboard ledger entries (%s): %w", set, err)
	}
	return conns, nil
}

// everyKey is the condition of a drill-down set with no key: every record of the set.
func everyKey(schema.QueryWithArgs) schema.QueryWithArgs { return bun.SafeQuery("TRUE") }

// DashboardConsultationRecords lists the consultations behind the consultation figures of one scope (published
// within the window, or awarded within it), latest offer deadline first.
func (s *Store) DashboardConsultationRecords(ctx context.Context, sc model.DashboardScope, set model.DrillSet, keys []string, page model.Page, counted bool) (map[string]*model.ConsultationConnection, error) {
	staff := model.ConsultationQuery{Viewer: model.Actor{Role: model.RoleAdmin}}
	var ids *bun.SelectQuery
	switch set {
	case model.DrillConsultationsPublished:
		ids = s.publishedConsultations(sc)
	case model.DrillConsultationsAwarded:
		ids = s.awardsIn(sc).ColumnExpr("aw.consultation_id")
	default:
		return nil, fmt.Errorf("no consultations behind dashboard set %q", set)
	}
	conns, err := drillPages(ctx, s.readDB(ctx), consultationKeyset,
		func() *bun.SelectQuery {
			// The consultations with their derived status, as a table (a count replaces the columns).
			return s.readDB(ctx).NewSelect().Model((*model.Consultation)(nil)).
				ModelTableExpr("(?) AS c", s.consultations(staff).Where("c.id IN (?)", ids))
		}, everyKey,
		func(c *model.Consultation) int64 { return c.ListParentID }, keys, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list dashboard consultations (%s): %w", set, err)
	}
	return conns, nil
}

// DashboardOfferRecords lists the offers behind the offers received of one scope, in submission order.
func (s *Store) DashboardOfferRecords(ctx context.Context, sc model.DashboardScope, set model.DrillSet, keys []string, page model.Page, counted bool) (map[string]*model.OfferConnection, error) {
	if set != model.DrillOffersReceived {
		return nil, fmt.Errorf("no offers behind dashboard set %q", set)
	}
	conns, err := drillPages(ctx, s.readDB(ctx), offerKeyset,
		func() *bun.SelectQuery {
			return s.readDB(ctx).NewSelect().Model((*model.Offer)(nil)).Where("o.id IN (?)", s.receivedOffers(sc))
		}, everyKey,
		func(o *model.Offer) int64 { return o.ListParentID }, keys, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list dashboard offers: %w", err)
	}
	return conns, nil
}

// PrivateOrderCursorOrder is the cursor tag of the dashboard's private order lists (latest recorded first).
const PrivateOrderCursorOrder = "private-order-id"

var privateOrderKeyset = keyset[*model.PrivateOrder]{
	order: PrivateOrderCursorOrder, column: "po.id", id: "po.id", sqlType: "bigint", desc: true,
	key:   func(o *model.PrivateOrder) string { return strconv.FormatInt(o.ID, 10) },
	rowID: func(o *model.PrivateOrder) int64 { return o.ID },
}

// DashboardPrivateOrderRecords lists the private orders behind the business done of one scope, latest first.
func (s *Store) DashboardPrivateOrderRecords(ctx context.Context, sc model.DashboardScope, set model.DrillSet, keys []string, page model.Page, counted bool) (map[string]*model.PrivateOrderConnection, error) {
	if set != model.DrillPrivateOrders {
		return nil, fmt.Errorf("no private orders behind dashboard set %q", set)
	}
	conns, err := drillPages(ctx, s.readDB(ctx), privateOrderKeyset,
		func() *bun.SelectQuery {
			return privateOrdersIn(s.readDB(ctx).NewSelect().Model((*model.PrivateOrder)(nil)), sc)
		}, everyKey,
		func(o *model.PrivateOrder) int64 { return o.ListParentID }, keys, page, counted)
	if err != nil {
		return nil, fmt.Errorf("list dashboard private orders: %w", err)
	}
	return conns, nil
}
