package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sudpro/model"
)

// creditFixture is a programme with an open session and two eligible businesses, as the API builds them.
type creditFixture struct {
	seller, buyer *model.Enterprise
	programmeID   string
	sessionID     string
	sellerToken   string
	buyerToken    string
}

func newCreditFixture(t *testing.T, a *api, envelope int) creditFixture {
	t.Helper()
	f := seedFixture(t, a.store, 2)
	fx := creditFixture{seller: f.listed, buyer: f.twins[0]}
	admin := a.tokens["ADMIN"]
	r := a.query(admin, `mutation { createProgramme(input: {name: "CréditSud test"}) { programme { id allocationAmount } userErrors { code } } }`, nil)
	fx.programmeID = get(r.mustData(t), "createProgramme", "programme", "id").(string)
	opens := time.Now().Add(-time.Hour).Format(time.RFC3339)
	r = a.query(admin, `mutation($p: ID!, $opens: DateTime!, $env: XPF!) { createSession(input: {programme: $p, name: "S1", opensAt: $opens, envelope: $env}) {
		session { id status budget { total remaining } } userErrors { code field message } } }`,
		map[string]any{"p": fx.programmeID, "opens": opens, "env": envelope})
	data := r.mustData(t)
	if errs := get(data, "createSession", "userErrors").([]any); len(errs) > 0 {
		t.Fatalf("createSession: %v", errs)
	}
	fx.sessionID = get(data, "createSession", "session", "id").(string)
	if got := get(data, "createSession", "session", "status"); got != "OPEN" {
		t.Errorf("new session status = %v, want OPEN", got)
	}
	r = a.query(admin, `mutation($p: ID!) { grantAllocations(input: {programme: $p}) { granted amount userErrors { code } } }`, map[string]any{"p": fx.programmeID})
	if got := get(r.mustData(t), "grantAllocations", "granted"); got.(float64) < 2 {
		t.Fatalf("granted = %v, want at least the two businesses", got)
	}
	fx.sellerToken = a.token(model.RoleEnterprise, fx.seller.RIDET)
	fx.buyerToken = a.token(model.RoleEnterprise, fx.buyer.RIDET)
	return fx
}

const issueMutation = `mutation($in: IssueInvoiceInput!) { issueInvoice(input: $in) {
	invoice { id status number totalHT totalTGC totalTTC tgcBreakdown { rate { code } baseHT amount } lines { amountHT tgcAmount } }
	userErrors { field code message } } }`

// confirmStatements is what one confirmInvoice with an idempotency key may cost (see TestIssueConfirmApprovePay).
const confirmStatements = 17

const confirmMutation = `mutation($in: ConfirmInvoiceInput!) { confirmInvoice(input: $in) {
	invoice { id status creditAmount session { id } } userErrors { field code message } } }`

func (fx creditFixture) issue(t *testing.T, a *api, number string) string {
	t.Helper()
	r := a.query(fx.sellerToken, issueMutation, map[string]any{"in": map[string]any{
		"buyerRidet": fx.buyer.RIDET.String(), "number": number,
		"lines": []map[string]any{
			{"designation": "Pose tableau électrique", "quantity": 1, "unitPriceHT": 145000, "tgcRate": "NORMAL"},
			{"designation": "Câble 2,5 mm² (m)", "quantity": 30, "unitPriceHT": 133, "tgcRate": "REDUCED"},
		}}})
	data := r.mustData(t)
	if errs := get(data, "issueInvoice", "userErrors").([]any); len(errs) > 0 {
		t.Fatalf("issueInvoice: %v", errs)
	}
	return get(data, "issueInvoice", "invoice", "id").(string)
}

// The server computes every amount: per line, TGC half-up to the franc; a declared total must match.
func TestIssueComputesTotals(t *testing.T) {
	a := newAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)
	lines := []map[string]any{
		{"designation": "Pose tableau électrique", "quantity": 1, "unitPriceHT": 145000, "tgcRate": "NORMAL"},
		{"designation": "Câble 2,5 mm² (m)", "quantity": 30, "unitPriceHT": 133, "tgcRate": "REDUCED"},
	}
	// 145,000 at 11 % = 15,950; 30 × 133 = 3,990 at 3 % = 119.7 → 120: HT 148,990, TGC 16,070, TTC 165,060.
	r := a.query(fx.sellerToken, issueMutation, map[string]any{"in": map[string]any{
		"buyerRidet": fx.buyer.RIDET.String(), "number": "F-0001", "declaredTotalTTC": 165045, "lines": lines}})
	e := get(r.mustData(t), "issueInvoice", "userErrors", 0)
	if get(e, "code") != "NON_COMPLIANT" || get(e, "field") != "input.declaredTotalTTC" || get(r.Data, "issueInvoice", "invoice") != nil {
		t.Errorf("declared TTC off by 15 XPF: %s", r.Raw)
	}
	r = a.query(fx.sellerToken, issueMutation, map[string]any{"in": map[string]any{
		"buyerRidet": fx.buyer.RIDET.String(), "number": "F-0001", "declaredTotalTTC": 165060, "lines": lines}})
	inv := get(r.mustData(t), "issueInvoice", "invoice")
	if got := fmt.Sprintf("%v %v %v %v", get(inv, "status"), get(inv, "totalHT"), get(inv, "totalTGC"), get(inv, "totalTTC")); got != "ISSUED 148990 16070 165060" {
		t.Fatalf("issued invoice = %s, want ISSUED 148990 16070 165060 (%s)", got, r.Raw)
	}
	var breakdown []string
	for _, b := range get(inv, "tgcBreakdown").([]any) {
		breakdown = append(breakdown, fmt.Sprint(get(b, "rate", "code"), ":", get(b, "baseHT"), "/", get(b, "amount")))
	}
	if got := strings.Join(breakdown, " "); got != "NORMAL:145000/15950 REDUCED:3990/120" {
		t.Errorf("TGC breakdown = %s", got)
	}
}

func TestIssueConfirmApprovePay(t *testing.T) {
	a := newAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)
	id := fx.issue(t, a, "F-0002")

	// Only the buyer confirms; the seller gets FORBIDDEN, a chamber cannot even call the mutation.
	r := a.query(fx.sellerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 100000}})
	if get(r.mustData(t), "confirmInvoice", "userErrors", 0, "code") != "FORBIDDEN" {
		t.Errorf("seller confirming: %s", r.Raw)
	}
	r = a.query(a.tokens["CHAMBER"], confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 100000}})
	if r.Data != nil && get(r.Data, "confirmInvoice") != nil || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("chamber confirming: %s", r.Raw)
	}
	// Above the TTC: a user error naming the field, nothing reserved.
	r = a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 999999}})
	if e := get(r.mustData(t), "confirmInvoice", "userErrors", 0); get(e, "field") != "input.creditAmount" || get(e, "code") != "INVALID" {
		t.Errorf("credit above TTC: %s", r.Raw)
	}
	r = a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 100000, "idempotencyKey": "confirm-F-0002"}})
	inv := get(r.mustData(t), "confirmInvoice", "invoice")
	if get(inv, "status") != "CONFIRMED" || get(inv, "creditAmount") != float64(100000) || get(inv, "session", "id") != fx.sessionID {
		t.Fatalf("confirmed invoice: %s", r.Raw)
	}
	// The rush's hot path stays short: the rate-limit budget, BEGIN, asynchronous commit, the idempotency key,
	// the invoice, its parties, lines and session, the accounts, the invoice update, the entry with its postings,
	// the key's outcome, the balance moves, COMMIT, the wait for the disk, the audit entry and the payload's
	// session (its invoice comes from the update).
	if r.Statements > confirmStatements {
		t.Errorf("a confirmation took %d SQL statements, want at most %d", r.Statements, confirmStatements)
	}
	// A replay with the same key returns the same result and reserves nothing more.
	r = a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 100000, "idempotencyKey": "confirm-F-0002"}})
	if len(get(r.mustData(t), "confirmInvoice", "userErrors").([]any)) != 0 {
		t.Errorf("replay: %s", r.Raw)
	}
	budget := func() string {
		r := a.query("", `query($id: ID!) { node(id: $id) { ... on Session { status budget { total reserved payable paid remaining } } } }`, map[string]any{"id": fx.sessionID})
		b := get(r.mustData(t), "node", "budget")
		return fmt.Sprint(get(b, "total"), get(b, "reserved"), get(b, "payable"), get(b, "paid"), get(b, "remaining"))
	}
	if got := budget(); got != "1e+06 100000 0 0 900000" {
		t.Errorf("budget after confirmation = %s", got)
	}
	credit := func() string {
		r := a.query(fx.buyerToken, `{ viewer { enterprise { credit { allocated reserved used remaining } } } }`, nil)
		c := get(r.mustData(t), "viewer", "enterprise", "credit")
		return fmt.Sprint(get(c, "allocated"), get(c, "reserved"), get(c, "used"), get(c, "remaining"))
	}
	if got := credit(); got != "250000 100000 0 150000" {
		t.Errorf("buyer credit after confirmation = %s", got)
	}

	const approve = `mutation($id: ID!) { approveInvoice(input: {id: $id}) { invoice { status } userErrors { code } } }`
	r = a.query(fx.buyerToken, approve, map[string]any{"id": id})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("a business approving: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], approve, map[string]any{"id": id})
	if get(r.mustData(t), "approveInvoice", "invoice", "status") != "APPROVED" {
		t.Fatalf("approve: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], approve, map[string]any{"id": id})
	if get(r.mustData(t), "approveInvoice", "userErrors", 0, "code") != "ILLEGAL_TRANSITION" {
		t.Errorf("approving twice: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], `mutation($ids: [ID!]!) { markInvoicesPaid(input: {ids: $ids}) { invoices { status } userErrors { code field } } }`, map[string]any{"ids": []string{id}})
	if get(r.mustData(t), "markInvoicesPaid", "invoices", 0, "status") != "PAID" {
		t.Fatalf("pay: %s", r.Raw)
	}
	if got := budget(); got != "1e+06 0 0 100000 900000" {
		t.Errorf("budget after payment = %s", got)
	}
	if got := credit(); got != "250000 0 100000 150000" {
		t.Errorf("buyer credit after payment = %s", got)
	}

	// The journal: three balanced entries, visible to agents only.
	r = a.query(a.tokens["AGENT"], `query($id: ID!) { node(id: $id) { ... on Invoice { ledgerEntries { kind postings { amount account { kind } } } } } }`, map[string]any{"id": id})
	entries := get(r.mustData(t), "node", "ledgerEntries").([]any)
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, get(e, "kind").(string))
		sum := 0.0
		for _, p := range get(e, "postings").([]any) {
			sum += get(p, "amount").(float64)
		}
		if sum != 0 {
			t.Errorf("entry %v does not balance", e)
		}
	}
	if got := strings.Join(kinds, ","); got != "RESERVATION,APPROVAL,PAYMENT" {
		t.Errorf("entries = %s", got)
	}
	r = a.query(fx.buyerToken, `query($id: ID!) { node(id: $id) { ... on Invoice { status ledgerEntries { kind } } } }`, map[string]any{"id": id})
	if get(r.Data, "node", "status") != "PAID" || get(r.Data, "node", "ledgerEntries") != nil || len(r.Errors) == 0 {
		t.Errorf("buyer reading the journal: %s", r.Raw)
	}
	if v, err := a.store.CheckLedger(t.Context()); err != nil || len(v) > 0 {
		t.Errorf("CheckLedger = %v, %v", v, err)
	}
}

func TestConfirmationRefusalsThroughTheAPI(t *testing.T) {
	a := newAPI(t)
	fx := newCreditFixture(t, a, 50_000)
	id := fx.issue(t, a, "F-0003")
	r := a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 60000}})
	e := get(r.mustData(t), "confirmInvoice", "userErrors", 0)
	if get(e, "code") != "BUDGET_EXHAUSTED" {
		t.Errorf("60,000 from a 50,000 envelope: %s", r.Raw)
	}
	if get(r.Data, "confirmInvoice", "invoice") != nil {
		t.Errorf("a refused confirmation returned an invoice: %s", r.Raw)
	}
	other := fx.issue(t, a, "F-0004")
	r = a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": other, "creditAmount": 40000}})
	if get(r.mustData(t), "confirmInvoice", "invoice", "status") != "CONFIRMED" {
		t.Fatalf("40,000 from a 50,000 envelope: %s", r.Raw)
	}
	r = a.query(fx.buyerToken, issueMutation, map[string]any{"in": map[string]any{
		"buyerRidet": "12AB", "number": "X", "lines": []map[string]any{{"designation": "x", "quantity": 1, "unitPriceHT": 1, "tgcRate": "NORMAL"}}}})
	if get(r.mustData(t), "issueInvoice", "userErrors", 0, "field") != "input.buyerRidet" {
		t.Errorf("bad buyer RIDET: %s", r.Raw)
	}
	r = a.query(fx.sellerToken, issueMutation, map[string]any{"in": map[string]any{
		"buyerRidet": fx.buyer.RIDET.String(), "number": "F-0003", "lines": []map[string]any{{"designation": "x", "quantity": 1, "unitPriceHT": 1, "tgcRate": "NORMAL"}}}})
	if get(r.mustData(t), "issueInvoice", "userErrors", 0, "code") != "DUPLICATE" {
		t.Errorf("duplicate number: %s", r.Raw)
	}
	r = a.query(fx.sellerToken, issueMutation, map[string]any{"in": map[string]any{
		"buyerRidet": fx.buyer.RIDET.String(), "number": "F-0009", "lines": []map[string]any{{"designation": "x", "quantity": 0, "unitPriceHT": 1, "tgcRate": "NORMAL"}}}})
	if get(r.mustData(t), "issueInvoice", "userErrors", 0, "field") != "input.lines.0.quantity" {
		t.Errorf("quantity 0: %s", r.Raw)
	}
}

// A mutation sent with GET is refused with 405 and Allow: POST, and does not run.
func TestMutationOverGET(t *testing.T) {
	a := newAPI(t)
	req, _ := http.NewRequest(http.MethodGet, a.url+"/graphql?query="+url.QueryEscape(`mutation { createProgramme(input: {name: "x"}) { userErrors { code } } }`), nil)
	req.Header.Set("Authorization", "Bearer "+a.tokens["ADMIN"])
	r := a.do(req)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
		t.Errorf("GET mutation = %d (Allow %q), want 405 with Allow: POST", r.Status, r.Header.Get("Allow"))
	}
	if got := get(a.query(a.tokens["ADMIN"], `{ programmes { totalCount } }`, nil).mustData(t), "programmes", "totalCount"); got != float64(0) {
		t.Errorf("the GET mutation ran: %v programmes", got)
	}
}

// Every mutation call is in the audit log, refused ones included, and the log cannot be changed.
func TestAuditLog(t *testing.T) {
	a := newAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)                                                                             // createProgramme, createSession, grantAllocations: 3 calls by ADMIN
	id := fx.issue(t, a, "F-0100")                                                                                      // 1 call by the seller
	a.query(fx.sellerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 1000}})      // refused: FORBIDDEN user error
	a.query(a.tokens["CHAMBER"], confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 1000}}) // refused by @auth
	a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 1000, "idempotencyKey": "k-100"}})

	r := a.query(a.tokens["ADMIN"], `{ auditLog(first: 100) { totalCount nodes { operation actorRole actorSubject result errorCodes targetIds input requestId } } }`, nil)
	data := r.mustData(t)
	if got := get(data, "auditLog", "totalCount"); got != float64(7) {
		t.Fatalf("audit entries = %v, want 7: %s", got, r.Raw)
	}
	var lines []string
	for _, n := range get(data, "auditLog", "nodes").([]any) {
		lines = append(lines, fmt.Sprintf("%v %v %v %v", get(n, "operation"), get(n, "actorRole"), get(n, "result"), get(n, "errorCodes")))
		if get(n, "requestId") == "" {
			t.Errorf("entry without request ID: %v", n)
		}
	}
	want := []string{
		"confirmInvoice ENTERPRISE OK []",
		"confirmInvoice CHAMBER REFUSED [FORBIDDEN]",
		"confirmInvoice ENTERPRISE REFUSED [FORBIDDEN]",
		"issueInvoice ENTERPRISE OK []",
		"grantAllocations ADMIN OK []",
		"createSession ADMIN OK []",
		"createProgramme ADMIN OK []",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	first := get(data, "auditLog", "nodes", 0)
	if targets := get(first, "targetIds").([]any); len(targets) != 1 || targets[0] != id {
		t.Errorf("confirmInvoice targets = %v, want [%s]", targets, id)
	}
	if !strings.Contains(get(first, "input").(string), `"creditAmount": 1000`) {
		t.Errorf("recorded input = %v", get(first, "input"))
	}
	if r := a.query(a.tokens["AGENT"], `{ auditLog { totalCount } }`, nil); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("an agent read the audit log: %s", r.Raw)
	}
	for _, stmt := range []string{"UPDATE audit_log SET result = 'OK'", "DELETE FROM audit_log"} {
		if _, err := a.store.DB().ExecContext(t.Context(), stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", stmt, err)
		}
	}
}
