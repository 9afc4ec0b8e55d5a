package httpapi_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"sudpro/httpapi"
	"sudpro/model"
	"sudpro/store"
)

const directorySearchQuery = `query($s: String, $n: Int, $f: EnterpriseFilter) {
  enterprises(search: $s, first: $n, filter: $f) {
    totalCount
    nodes { name sector { name } commune { name } }
    facets {
      sectors { sector { code name } count }
      communes { commune { code name } count }
      legalForms { legalForm count }
    }
  }
}`

// exportCSV downloads the directory export with a token ("" for anonymous).
func (a *api) exportCSV(token string, params url.Values) (int, string) {
	a.t.Helper()
	return a.download("/export/directory.csv", token, params)
}

// download GETs path with the URL parameters and a token ("" for anonymous), and returns the status and body.
func (a *api) download(path, token string, params url.Values) (int, string) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.url+path+"?"+params.Encode(), nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestDirectorySearchVisibilityPerRole(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 5)
	owner := a.token(model.RoleEnterprise, f.unlisted.RIDET)
	other := a.token(model.RoleEnterprise, f.listed.RIDET)
	tests := []struct {
		name         string
		token        string
		seesUnlisted bool
		staff        bool
	}{
		{"anonymous", "", false, false},
		{"CHAMBER", a.tokens["CHAMBER"], false, false},
		{"ENTERPRISE (another business)", other, false, false},
		{"ENTERPRISE (the unlisted business itself)", owner, true, false},
		{"AGENT", a.tokens["AGENT"], true, true},
		{"ADMIN", a.tokens["ADMIN"], true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name+" sees the directory it may see, facets included", func(t *testing.T) {
			data := a.query(tt.token, directorySearchQuery, map[string]any{"s": "plomberie", "n": 100}).mustData(t)
			conn := get(data, "enterprises")
			total := int(get(conn, "totalCount").(float64))
			var names []string
			for _, n := range get(conn, "nodes").([]any) {
				names = append(names, get(n, "name").(string))
			}
			want := len(f.all) - 1
			if tt.seesUnlisted {
				want = len(f.all)
			}
			if total != want || len(names) != want || slices.Contains(names, f.unlisted.Name) != tt.seesUnlisted {
				t.Errorf("totalCount %d, %d nodes (unlisted among them: %v), want %d (unlisted: %v)", total, len(names),
					slices.Contains(names, f.unlisted.Name), want, tt.seesUnlisted)
			}
			for _, facet := range []string{"sectors", "communes", "legalForms"} {
				sum := 0
				for _, v := range get(conn, "facets", facet).([]any) {
					sum += int(get(v, "count").(float64))
				}
				if sum != total {
					t.Errorf("facet %s counts sum to %d, want totalCount %d", facet, sum, total)
				}
			}
		})
		t.Run(tt.name+" exports the same rows as CSV", func(t *testing.T) {
			status, body := a.exportCSV(tt.token, url.Values{"search": {"plomberie"}})
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if !strings.HasPrefix(body, "\uFEFF") {
				t.Errorf("the export does not start with a UTF-8 BOM: %q", body[:min(20, len(body))])
			}
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
			r.Comma = ';'
			rows, err := r.ReadAll()
			if err != nil {
				t.Fatalf("read the CSV: %v", err)
			}
			want := len(f.all)
			if !tt.seesUnlisted {
				want--
			}
			if len(rows) != want+1 {
				t.Errorf("%d rows, want a header and %d businesses", len(rows), want)
			}
			hasUnlisted := strings.Contains(body, f.unlisted.Name)
			hasRepresentative := slices.Contains(rows[0], "Représentant") || strings.Contains(body, f.listed.RepresentativeEmail)
			if hasUnlisted != tt.seesUnlisted || hasRepresentative != tt.staff {
				t.Errorf("unlisted business in the export: %v, want %v; representative: %v, want %v", hasUnlisted, tt.seesUnlisted, hasRepresentative, tt.staff)
			}
		})
	}
	t.Run("financial filters are for staff only", func(t *testing.T) {
		r := a.query(a.tokens["CHAMBER"], directorySearchQuery, map[string]any{"f": map[string]any{"eligible": true}})
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("eligible filter as CHAMBER: %s", r.Raw)
		}
		if status, _ := a.exportCSV(a.tokens["CHAMBER"], url.Values{"hasUsedCreditSud": {"true"}}); status != http.StatusForbidden {
			t.Errorf("hasUsedCreditSud export as CHAMBER: status %d, want 403", status)
		}
		if status, body := a.exportCSV("", url.Values{"headcountMin": {"many"}}); status != http.StatusBadRequest || !strings.Contains(body, "headcountMin") {
			t.Errorf("bad headcountMin: status %d %s, want 400 naming the parameter", status, body)
		}
	})
}

func TestDirectoryExportStreamsManyRows(t *testing.T) {
	a := newAPI(t)
	const n = 2*store.ExportPageSize + 500 // more than two export pages
	es := make([]*model.Enterprise, n)
	for i := range es {
		es[i] = &model.Enterprise{RIDET: model.RIDET(fmt.Sprintf("%07d001", 4000000+i)), Name: "Plomberie Dupont",
			LegalForm: model.LegalFormPatente, APECode: "4322A", SectorCode: "BTP", CommuneCode: "98818",
			Status: model.EnterpriseActive, ListedInDirectory: true, Description: "=1+1 ; \"guillemets\""}
	}
	if err := a.store.InsertEnterprises(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	status, body := a.exportCSV(a.tokens["AGENT"], url.Values{"search": {"plomberie"}})
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
	}
	if lines != n+1 {
		t.Errorf("%d lines, want a header and %d businesses", lines, n)
	}
	if !strings.Contains(body, `;"'=1+1 ; ""guillemets""";`) {
		t.Errorf("a cell starting with = is not neutralised and quoted: %s", body[:min(len(body), 600)])
	}
}

func TestDirectorySearchStatementsDoNotGrowWithPageSize(t *testing.T) {
	a := newAPI(t)
	seedFixture(t, a.store, 40)
	a.leased(a.tokens["CHAMBER"])
	counts := map[int]int64{}
	for _, n := range []int{2, 30} {
		r := a.query(a.tokens["CHAMBER"], directorySearchQuery, map[string]any{"s": "plomberie dupont", "n": n})
		data := r.mustData(t)
		if got := len(get(data, "enterprises", "nodes").([]any)); got != n {
			t.Fatalf("first %d: %d nodes", n, got)
		}
		counts[n] = r.Statements
	}
	if counts[2] <= 0 || counts[2] != counts[30] {
		t.Errorf("SQL statements per search: %v, want the same for every page size", counts)
	}
	// The search words' queries, and the page with its totalCount and facets; the nested sectors and communes come
	// from the reference cache.
	if counts[2] > 2 {
		t.Errorf("SQL statements per search: %v, want at most 2", counts)
	}
	t.Logf("statements per search request with facets and nested sector and commune: %v", counts)
}

func TestContactRequestsAndPrivateOrders(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 2)
	buyer, seller, third := f.twins[0], f.twins[1], f.listed
	buyerToken, sellerToken := a.token(model.RoleEnterprise, buyer.RIDET), a.token(model.RoleEnterprise, seller.RIDET)
	const send = `mutation($in: SendContactRequestInput!) { sendContactRequest(input: $in) {
	  contactRequest { id status sender { name } recipient { name } } userErrors { field code message } } }`
	const accept = `mutation($id: ID!) { acceptContactRequest(input: {id: $id}) { contactRequest { id status answeredAt } userErrors { field code } } }`
	const decline = `mutation($id: ID!) { declineContactRequest(input: {id: $id}) { contactRequest { status } userErrors { field code } } }`
	const order = `mutation($in: RecordPrivateOrderInput!) { recordPrivateOrder(input: $in) {
	  privateOrder { id amountHt amountTtc buyer { id } seller { id } contactRequest { status } } userErrors { field code } } }`
	errCode := func(r response, path ...any) any { return get(r.mustData(t), append(path, "userErrors", 0, "code")...) }

	r := a.query(buyerToken, send, map[string]any{"in": map[string]any{"recipient": seller.RIDET.String(), "message": "Devis ?"}})
	id, _ := get(r.mustData(t), "sendContactRequest", "contactRequest", "id").(string)
	if id == "" || get(r.Data, "sendContactRequest", "contactRequest", "status") != "SENT" {
		t.Fatalf("send: %s", r.Raw)
	}
	for _, tt := range []struct {
		name, token, want string
		in                map[string]any
	}{
		{"a second open request for the same pair is refused", buyerToken, "CONFLICT", map[string]any{"recipient": seller.NodeID()}},
		{"the other way round too", sellerToken, "CONFLICT", map[string]any{"recipient": buyer.NodeID()}},
		{"an unlisted business cannot be contacted", buyerToken, "NOT_FOUND", map[string]any{"recipient": f.unlisted.NodeID()}},
		{"a business cannot contact itself", buyerToken, "INVALID", map[string]any{"recipient": buyer.NodeID()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := errCode(a.query(tt.token, send, map[string]any{"in": tt.in}), "sendContactRequest"); got != tt.want {
				t.Errorf("code %v, want %s", got, tt.want)
			}
		})
	}
	in := map[string]any{"contactRequest": id, "amountHt": 100000, "amountTtc": 106000, "orderedOn": "2025-08-01", "description": "Terrasse"}
	if got := errCode(a.query(buyerToken, order, map[string]any{"in": in}), "recordPrivateOrder"); got != "ILLEGAL_TRANSITION" {
		t.Errorf("an order against a SENT request: %v, want ILLEGAL_TRANSITION", got)
	}
	if got := errCode(a.query(buyerToken, accept, map[string]any{"id": id}), "acceptContactRequest"); got != "FORBIDDEN" {
		t.Errorf("the sender accepting its own request: %v, want FORBIDDEN", got)
	}
	if got := get(a.query(sellerToken, accept, map[string]any{"id": id}).mustData(t), "acceptContactRequest", "contactRequest", "status"); got != "ACCEPTED" {
		t.Fatalf("accept: %v", got)
	}
	if got := errCode(a.query(sellerToken, decline, map[string]any{"id": id}), "declineContactRequest"); got != "ILLEGAL_TRANSITION" {
		t.Errorf("declining an accepted request: %v, want ILLEGAL_TRANSITION", got)
	}
	bad := map[string]any{"contactRequest": id, "amountHt": 100000, "amountTtc": 90000, "orderedOn": "2025-08-01"}
	r = a.query(buyerToken, order, map[string]any{"in": bad})
	if get(r.mustData(t), "recordPrivateOrder", "userErrors", 0, "field") != "input.amountTtc" {
		t.Errorf("TTC below HT: %s", r.Raw)
	}
	thirdToken := a.token(model.RoleEnterprise, third.RIDET)
	if got := errCode(a.query(thirdToken, order, map[string]any{"in": in}), "recordPrivateOrder"); got != "NOT_FOUND" {
		t.Errorf("a third business recording an order: %v, want NOT_FOUND", got)
	}
	in["idempotencyKey"] = "order-1"
	for range 2 { // a replay records nothing more
		r = a.query(sellerToken, order, map[string]any{"in": in})
		if get(r.mustData(t), "recordPrivateOrder", "privateOrder", "buyer", "id") != buyer.NodeID() {
			t.Fatalf("record: %s", r.Raw)
		}
	}
	const done = `query($ridet: String!) { enterprise(ridet: $ridet) { businessDone { privateOrders privateOrderCount total } } }`
	r = a.query(buyerToken, done, map[string]any{"ridet": buyer.RIDET.String()})
	if got := get(r.mustData(t), "enterprise", "businessDone"); get(got, "privateOrders") != 106000.0 || get(got, "privateOrderCount") != 1.0 {
		t.Errorf("buyer's business done: %s", r.Raw)
	}
	r = a.query(a.tokens["CHAMBER"], `{ businessDone { privateOrders invoicedOutsideCreditSud creditSud total } }`, nil)
	if get(r.mustData(t), "businessDone", "privateOrders") != 106000.0 {
		t.Errorf("platform business done: %s", r.Raw)
	}
	r = a.query(sellerToken, `{ contactRequests(first: 10) { totalCount nodes { status sender { name } } } }`, nil)
	if get(r.mustData(t), "contactRequests", "totalCount") != 1.0 {
		t.Errorf("the seller's requests: %s", r.Raw)
	}
	if r = a.query(thirdToken, `{ contactRequests(first: 10) { totalCount } }`, nil); get(r.mustData(t), "contactRequests", "totalCount") != 0.0 {
		t.Errorf("a third business sees others' requests: %s", r.Raw)
	}
	if r = a.query("", fmt.Sprintf(`{ node(id: %q) { id } }`, id), nil); get(r.mustData(t), "node") != nil {
		t.Errorf("an anonymous caller reads a contact request: %s", r.Raw)
	}
}

func TestSuggestSuppliersThroughTheAPI(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 6)
	me := f.twins[0]
	q := `query($need: SupplierNeed!) { suggestSuppliers(need: $need, first: 50) { score enterprise { id name commune { name } } reasons { kind points detail } } }`
	need := map[string]any{"sectors": []string{"BTP"}, "keywords": []string{"plomberie"}, "commune": "98818"}
	r := a.query(a.token(model.RoleEnterprise, me.RIDET), q, map[string]any{"need": need})
	list := get(r.mustData(t), "suggestSuppliers").([]any)
	if len(list) == 0 {
		t.Fatalf("no suggestion: %s", r.Raw)
	}
	prev := 1 << 30
	for _, s := range list {
		if get(s, "enterprise", "id") == me.NodeID() || get(s, "enterprise", "name") == f.unlisted.Name {
			t.Errorf("suggested the caller itself or an unlisted business: %s", r.Raw)
		}
		score := int(get(s, "score").(float64))
		sum := 0
		for _, reason := range get(s, "reasons").([]any) {
			sum += int(get(reason, "points").(float64))
		}
		if len(get(s, "reasons").([]any)) == 0 || sum != score || score > prev {
			t.Errorf("suggestion %v: score %d, reasons sum %d, previous score %d", get(s, "enterprise", "name"), score, sum, prev)
		}
		prev = score
	}
	r = a.query(a.tokens["CHAMBER"], q, map[string]any{"need": map[string]any{"commune": "98818"}})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID" {
		t.Errorf("a need without sector, APE or keyword: %s", r.Raw)
	}
}

// suggestSuppliersForConsultation suggests for a consultation's need, explained, and hides drafts from chambers.
func TestSuggestSuppliersForConsultation(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 3)
	q := `query($id: ID!) { suggestSuppliersForConsultation(id: $id, first: 50) { score enterprise { id sector { id } } reasons { kind points } } }`
	published := publishConsultation(t, a, "PS-SUGGEST-1", time.Now().Add(time.Hour))
	for _, role := range []string{"AGENT", "CHAMBER"} {
		r := a.query(a.tokens[role], q, map[string]any{"id": published})
		list := get(r.mustData(t), "suggestSuppliersForConsultation").([]any)
		if len(list) == 0 {
			t.Fatalf("%s: no suggestion for a BTP and services consultation in Nouméa: %s", role, r.Raw)
		}
		for _, s := range list {
			kinds := map[any]bool{}
			for _, reason := range get(s, "reasons").([]any) {
				kinds[get(reason, "kind")] = true
			}
			if !kinds["SECTOR_MATCH"] && !kinds["APE_MATCH"] && !kinds["KEYWORD_MATCH"] {
				t.Errorf("%s: suggestion without a sector, APE or keyword reason: %v", role, s)
			}
			if role == "CHAMBER" && get(s, "enterprise", "id") == f.unlisted.NodeID() {
				t.Errorf("a chamber was suggested an unlisted business")
			}
		}
	}
	r := a.query(a.tokens["AGENT"], createConsultationMutation, map[string]any{"in": consultationInput("PS-SUGGEST-2", time.Hour)})
	draft := get(r.mustData(t), "createConsultation", "consultation", "id").(string)
	r = a.query(a.tokens["CHAMBER"], q, map[string]any{"id": draft})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("a chamber asking for suggestions on a draft: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], q, map[string]any{"id": draft})
	if len(r.Errors) != 0 {
		t.Errorf("an agent asking for suggestions on a draft: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], q, map[string]any{"id": f.listed.NodeID()})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID" {
		t.Errorf("a business ID as a consultation ID: %s", r.Raw)
	}
}

// An export is charged to the caller's hourly budget like a query of as many nodes as rows, and refused with 429
// once the budget is spent.
func TestDirectoryExportIsChargedToTheBudget(t *testing.T) {
	a := newAPIWith(t, func(c *httpapi.Config) { c.AnonymousBudget = 30 })
	es := make([]*model.Enterprise, 2_450) // 1 + 24 points an export
	for i := range es {
		es[i] = &model.Enterprise{RIDET: model.RIDET(fmt.Sprintf("%07d001", 5000000+i)), Name: "Menuiserie Wamytan",
			LegalForm: model.LegalFormPatente, APECode: "4332A", SectorCode: "BTP", CommuneCode: "98818",
			Status: model.EnterpriseActive, ListedInDirectory: true}
	}
	if err := a.store.InsertEnterprises(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	get := func() *http.Response {
		res, err := http.Get(a.url + "/export/directory.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	first := get()
	if first.StatusCode != http.StatusOK || first.Header.Get("X-RateLimit-Used") != "25" || first.Header.Get("X-RateLimit-Limit") != "30" {
		t.Errorf("first export: status %d, used %q of %q; want 200, 25 of 30", first.StatusCode,
			first.Header.Get("X-RateLimit-Used"), first.Header.Get("X-RateLimit-Limit"))
	}
	second := get()
	if second.StatusCode != http.StatusTooManyRequests || second.Header.Get("Retry-After") == "" {
		t.Errorf("second export: status %d, Retry-After %q; want 429 with Retry-After", second.StatusCode, second.Header.Get("Retry-After"))
	}
}
