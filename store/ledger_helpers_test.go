package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// Helpers shared by the ledger tests (ledger_*_test.go): a programme with an open session and granted
// businesses, actors, outcome classification, snapshots of everything a refused mutation must leave alone, and
// the ledger check.

var agent = model.Actor{Role: model.RoleAgent, Subject: "agent-1"}

// business is a business user acting for e.
func business(e *model.Enterprise) model.Actor {
	return model.Actor{Role: model.RoleEnterprise, Subject: fmt.Sprintf("user-%d", e.ID), EnterpriseID: e.ID}
}

func as(a model.Actor) model.Op { return model.Op{Actor: a} }

func withKey(a model.Actor, key string) model.Op { return model.Op{Actor: a, IdempotencyKey: key} }

// refusal returns the code of a refused mutation, "" when it succeeded; an error that is not a user error fails
// the test.
func refusal(t testing.TB) func(model.Outcome, error) model.ErrorCode {
	t.Helper()
	return func(out model.Outcome, err error) model.ErrorCode {
		t.Helper()
		return refusalOf(t, out, err)
	}
}

func refusalOf(t testing.TB, out model.Outcome, err error) model.ErrorCode {
	t.Helper()
	if err != nil {
		code := model.ErrorCodeOf(err)
		if code == "" {
			t.Fatalf("internal error, want an outcome or a user error: %v", err)
		}
		return code
	}
	if out.Err != nil {
		return out.Err.Code
	}
	return ""
}

// codeOf is refusal without a test: "" for success, the user error's code, or "internal: ..." for anything else.
func codeOf(out model.Outcome, err error) model.ErrorCode {
	if err != nil {
		if code := model.ErrorCodeOf(err); code != "" {
			return code
		}
		return model.ErrorCode("internal: " + err.Error())
	}
	if out.Err != nil {
		return out.Err.Code
	}
	return ""
}

// must fails the test unless a mutation succeeded, and returns its outcome.
func must(t testing.TB) func(model.Outcome, error) model.Outcome {
	t.Helper()
	return func(out model.Outcome, err error) model.Outcome {
		t.Helper()
		if code := refusalOf(t, out, err); code != "" {
			t.Fatalf("mutation refused with %s: %v %v", code, out.Err, err)
		}
		return out
	}
}

// ledgerFixture is a programme with one open session, a few granted businesses and the helpers to make invoices.
type ledgerFixture struct {
	t         testing.TB
	ctx       context.Context
	st        *store.Store
	programme *model.Programme
	session   *model.Session
	// Counters shared by every fixture of one database.
	numbers    *atomic.Int64
	nextID     *atomic.Int64 // enterprise index for new businesses
	programmes *atomic.Int64
}

// in returns the fixture reporting to t, for subtests.
func (f *ledgerFixture) in(t testing.TB) *ledgerFixture {
	g := *f
	g.t = t
	return &g
}

// fixtureOptions shape a fixture's programme and session.
type fixtureOptions struct {
	allocation model.XPF            // default 250,000
	envelope   model.XPF            // default 10,000,000
	session    func(*model.Session) // edits the session (opened an hour ago) before it is created
	noSession  bool
}

// newFixture is a fresh programme with an open session in st's database.
func newFixture(t testing.TB, st *store.Store, o fixtureOptions) *ledgerFixture {
	t.Helper()
	f := newWorld(t, st)
	f.open(o)
	return f
}

// newWorld is a fixture without a programme yet: call another for each world of the database.
func newWorld(t testing.TB, st *store.Store) *ledgerFixture {
	f := &ledgerFixture{t: t, ctx: context.Background(), st: st, numbers: new(atomic.Int64), nextID: new(atomic.Int64), programmes: new(atomic.Int64)}
	f.nextID.Store(100)
	return f
}

// another is a new programme (with its own session unless o says otherwise) in the same database, for tests that
// run several worlds in one database: businesses added from now on hold credit in this programme only (until a
// later programme grants them too), so their confirmations go to this programme's session.
func (f *ledgerFixture) another(t testing.TB, o fixtureOptions) *ledgerFixture {
	t.Helper()
	g := f.in(t)
	g.session = nil
	g.open(o)
	return g
}

// open creates the fixture's programme and session.
func (f *ledgerFixture) open(o fixtureOptions) {
	f.t.Helper()
	if o.allocation == 0 {
		o.allocation = model.DefaultAllocation
	}
	if o.envelope == 0 {
		o.envelope = 10_000_000
	}
	f.programme = &model.Programme{Name: fmt.Sprintf("CréditSud %d", f.programmes.Add(1)), AllocationAmount: o.allocation}
	must(f.t)(f.st.CreateProgramme(f.ctx, as(admin), f.programme))
	if !o.noSession {
		f.session = &model.Session{ProgrammeID: f.programme.ID, Name: "Phase 1", OpensAt: time.Now().Add(-time.Hour), Envelope: o.envelope}
		if o.session != nil {
			o.session(f.session)
		}
		must(f.t)(f.st.CreateSession(f.ctx, as(admin), f.session))
	}
}

// addBusinesses registers businesses (eligible BTP SARLs of one employee unless edit says otherwise), each of its
// own company.
func (f *ledgerFixture) addBusinesses(n int, edit func(i int, e *model.Enterprise)) []*model.Enterprise {
	f.t.Helper()
	es := make([]*model.Enterprise, n)
	for i := range es {
		idx := int(f.nextID.Add(1))
		es[i] = enterprise(idx, fmt.Sprintf("Entreprise %d", idx))
		if edit != nil {
			edit(i, es[i])
		}
	}
	for start := 0; start < n; start += 500 {
		if err := f.st.InsertEnterprises(f.ctx, es[start:min(n, start+500)]); err != nil {
			f.t.Fatalf("insert businesses: %v", err)
		}
	}
	return es
}

// grant grants the programme's allocation to every eligible business without one.
func (f *ledgerFixture) grant() model.Outcome {
	f.t.Helper()
	return must(f.t)(f.st.GrantAllocations(f.ctx, as(admin), f.programme.ID))
}

// lines is one line of ht XPF HT at the exempt TGC rate (TTC = HT), of category cat ("" for goods and services).
func lines(ht model.XPF, cat model.ExpenseCategory) []model.LineInput {
	return []model.LineInput{{Designation: "Prestation", Quantity: 1, UnitPriceHT: ht, TGCRateCode: "EXEMPT", ExpenseCategory: cat}}
}

func (f *ledgerFixture) number() string { return fmt.Sprintf("F-%04d", f.numbers.Add(1)) }

// issueRequest is a request for an invoice of ttc XPF (exempt of TGC) to buyer.
func (f *ledgerFixture) issueRequest(buyer *model.Enterprise, ttc model.XPF) store.IssueRequest {
	return store.IssueRequest{BuyerRIDET: buyer.RIDET, Number: f.number(), Lines: lines(ttc, "")}
}

// issue makes seller issue an invoice of ttc XPF to buyer and returns its id.
func (f *ledgerFixture) issue(seller, buyer *model.Enterprise, ttc model.XPF) int64 {
	f.t.Helper()
	out := must(f.t)(f.st.IssueInvoice(f.ctx, as(business(seller)), f.issueRequest(buyer, ttc)))
	return out.IDs[0]
}

// invoiceIn makes an invoice from seller to buyer of 100,000 XPF and walks it to status, with credit reserved
// when it went through confirmation.
func (f *ledgerFixture) invoiceIn(status model.InvoiceStatus, seller, buyer *model.Enterprise, credit model.XPF) int64 {
	f.t.Helper()
	id := f.issue(seller, buyer, 100_000)
	if status == model.InvoiceIssued {
		return id
	}
	must(f.t)(f.st.ConfirmInvoice(f.ctx, as(business(buyer)), id, credit))
	switch status {
	case model.InvoiceApproved, model.InvoicePaid:
		must(f.t)(f.st.ApproveInvoice(f.ctx, as(agent), id, "ok"))
		if status == model.InvoicePaid {
			must(f.t)(f.st.MarkInvoicesPaid(f.ctx, as(agent), []int64{id}))
		}
	case model.InvoiceReturned:
		must(f.t)(f.st.ReturnInvoice(f.ctx, as(agent), id, "the RIDET is missing"))
	case model.InvoiceRejected:
		must(f.t)(f.st.RejectInvoice(f.ctx, as(agent), id, model.RejectServiceNotPerformed, "not performed"))
	}
	return id
}

func (f *ledgerFixture) status(id int64) model.InvoiceStatus {
	f.t.Helper()
	invs, err := f.st.InvoicesByIDs(f.ctx, []int64{id})
	if err != nil {
		f.t.Fatal(err)
	}
	if invs[id] == nil {
		f.t.Fatalf("invoice %d not found", id)
	}
	return invs[id].Status
}

func (f *ledgerFixture) budget() model.SessionBudget {
	f.t.Helper()
	return budgetOf(f.t, f.st, f.session.ID)
}

func budgetOf(t testing.TB, st *store.Store, sessionID int64) model.SessionBudget {
	t.Helper()
	b, err := st.SessionBudgets(context.Background(), []int64{sessionID})
	if err != nil {
		t.Fatal(err)
	}
	return *b[sessionID]
}

func (f *ledgerFixture) credit(e *model.Enterprise) model.Credit {
	f.t.Helper()
	k := store.CreditKey{EnterpriseID: e.ID, ProgrammeID: f.programme.ID}
	cs, err := f.st.Credits(f.ctx, []store.CreditKey{k})
	if err != nil {
		f.t.Fatal(err)
	}
	if cs[k] == nil {
		return model.Credit{ProgrammeID: f.programme.ID}
	}
	return *cs[k]
}

// ledgerSnapshot is everything a refused mutation must leave as it was.
type ledgerSnapshot struct {
	Budgets  map[int64]model.SessionBudget
	Credits  map[int64]model.Credit
	Statuses map[int64]model.InvoiceStatus
	Invoices int
	Entries  int
	Postings int
	Balances string // every account's id and balance
}

// snapshot reads the budgets of every session, the credit of every business, every invoice's status and the size
// of the journal.
func snapshot(t testing.TB, st *store.Store) ledgerSnapshot {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	var sessionIDs, enterpriseIDs []int64
	if err := db.NewRaw("SELECT id FROM sessions ORDER BY id").Scan(ctx, &sessionIDs); err != nil {
		t.Fatal(err)
	}
	if err := db.NewRaw("SELECT id FROM enterprises ORDER BY id").Scan(ctx, &enterpriseIDs); err != nil {
		t.Fatal(err)
	}
	s := ledgerSnapshot{Budgets: map[int64]model.SessionBudget{}, Credits: map[int64]model.Credit{}, Statuses: map[int64]model.InvoiceStatus{}}
	if len(sessionIDs) > 0 {
		budgets, err := st.SessionBudgets(ctx, sessionIDs)
		if err != nil {
			t.Fatal(err)
		}
		for id, b := range budgets {
			s.Budgets[id] = *b
		}
	}
	var programmes int
	if err := db.NewRaw("SELECT count(*) FROM programmes").Scan(ctx, &programmes); err != nil {
		t.Fatal(err)
	}
	if len(enterpriseIDs) > 0 && programmes > 0 {
		keys := make([]store.CreditKey, len(enterpriseIDs))
		for i, id := range enterpriseIDs {
			keys[i] = store.CreditKey{EnterpriseID: id} // the latest programme; Balances covers the others
		}
		credits, err := st.Credits(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range credits {
			s.Credits[k.EnterpriseID] = *c
		}
	}
	var invoices []struct {
		ID     int64               `bun:"id"`
		Status model.InvoiceStatus `bun:"status"`
	}
	if err := db.NewRaw("SELECT id, status FROM invoices").Scan(ctx, &invoices); err != nil {
		t.Fatal(err)
	}
	for _, i := range invoices {
		s.Statuses[i.ID] = i.Status
	}
	s.Invoices = len(invoices)
	if err := db.NewRaw("SELECT (SELECT count(*) FROM journal_entries), (SELECT count(*) FROM postings)").Scan(ctx, &s.Entries, &s.Postings); err != nil {
		t.Fatal(err)
	}
	var balances []string
	if err := db.NewRaw("SELECT id || ':' || balance FROM accounts ORDER BY id").Scan(ctx, &balances); err != nil {
		t.Fatal(err)
	}
	s.Balances = strings.Join(balances, " ")
	return s
}

// unchanged fails the test when the ledger or an invoice moved between two snapshots.
func unchanged(t testing.TB, before, after ledgerSnapshot) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		t.Errorf("a refused mutation changed the ledger:\nbefore %s\nafter  %s", before, after)
	}
}

func (s ledgerSnapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invoices=%d entries=%d postings=%d budgets={", s.Invoices, s.Entries, s.Postings)
	for _, id := range sortedKeys(s.Budgets) {
		fmt.Fprintf(&b, "%d:%+v ", id, s.Budgets[id])
	}
	b.WriteString("} credits={")
	for _, id := range sortedKeys(s.Credits) {
		c := s.Credits[id]
		fmt.Fprintf(&b, "%d:%d/%d/%d ", id, c.Remaining, c.Reserved, c.Used)
	}
	b.WriteString("} statuses={")
	for _, id := range sortedKeys(s.Statuses) {
		fmt.Fprintf(&b, "%d:%s ", id, s.Statuses[id])
	}
	b.WriteString("} balances={" + s.Balances + "}")
	return b.String()
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// checkLedger fails the test on any broken ledger invariant.
func checkLedger(t testing.TB, st *store.Store) {
	t.Helper()
	violations, err := st.CheckLedger(context.Background())
	if err != nil {
		t.Fatalf("CheckLedger: %v", err)
	}
	for _, v := range violations {
		t.Errorf("ledger invariant %s broken: %s", v.Invariant, v.Detail)
	}
}

// count runs a counting query.
func count(t testing.TB, st *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func exec(t testing.TB, st *store.Store, query string, args ...any) {
	t.Helper()
	if _, err := st.DB().NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// waitForLockWaiters waits until n statements of the test's database wait for a lock, or fails with what.
func waitForLockWaiters(t testing.TB, st *store.Store, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for count(t, st, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") < n {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
