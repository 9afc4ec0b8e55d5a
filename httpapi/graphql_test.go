package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sudpro/bench/queries"
	"sudpro/httpapi"
	"sudpro/model"
)

// The number of SQL statements of a request must not depend on how many rows it returns: every relation goes
// through a per-request dataloader or a join.
func TestStatementCountDoesNotGrowWithPageSize(t *testing.T) {
	a := newAPI(t)
	seedFixture(t, a.store, 110)
	const q = `query($n: Int!) { enterprises(first: $n) { nodes {
		name sector { name } commune { name postalCode }
		invoices(first: 5) { nodes { number totalTTC buyer { name sector { code } } lines { designation tgcRate { percent } } } }
	} } }`
	a.leased(a.tokens["ADMIN"])
	counts := map[int]int64{}
	for _, n := range []int{10, 100} {
		r := a.query(a.tokens["ADMIN"], q, map[string]any{"n": n})
		data := r.mustData(t)
		nodes := get(data, "enterprises", "nodes").([]any)
		if len(nodes) != n {
			t.Fatalf("enterprises(first: %d) returned %d nodes", n, len(nodes))
		}
		if got := get(nodes, n-1, "invoices", "nodes", 0, "buyer", "name"); got == nil || got == "" {
			t.Fatalf("enterprises(first: %d): nested buyer not resolved: %s", n, r.Raw[:200])
		}
		counts[n] = r.Statements
	}
	if counts[10] <= 0 || counts[10] != counts[100] {
		t.Errorf("SQL statements: first 10 → %d, first 100 → %d; want equal and positive", counts[10], counts[100])
	}
}

// The benchmark's read shapes (bench/queries) run a fixed number of SQL statements, whatever their page sizes: A
// one (the page: sector and commune come from the reference cache), B three (the business, its invoices, their
// buyers), C two (the page, the invoices of all its businesses).
func TestReadShapesStatements(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 110)
	a.leased(a.tokens["ADMIN"])
	shapes := []struct {
		letter     string
		vars       map[string]any
		statements int64
		nodes      []any // the path to the list whose length the page size sets
	}{
		{"A", map[string]any{"sector": "BTP", "commune": "98818"}, 1, []any{"enterprises", "nodes"}},
		// The business, then its invoices with their buyers in the same statement.
		{"B", map[string]any{"ridet": string(f.twins[0].RIDET)}, 2, []any{"enterprise", "invoices", "nodes"}},
		{"C", map[string]any{"sector": "BTP"}, 2, []any{"enterprises", "nodes"}},
		// D's words, then its businesses (a page size is a search of its own for the search cache).
		{"D", map[string]any{"search": "plomberie dupont", "communes": []string{"98818"}}, 2, []any{"enterprises", "nodes"}},
	}
	for _, s := range shapes {
		t.Run(s.letter, func(t *testing.T) {
			doc, err := queries.Document(s.letter)
			if err != nil {
				t.Fatal(err)
			}
			// The same document with its page sizes cut to 2.
			small := regexp.MustCompile(`first: \d+`).ReplaceAllString(doc, "first: 2")
			var sizes []int
			for _, d := range []string{small, doc} {
				r := a.query(a.tokens["ADMIN"], d, s.vars)
				sizes = append(sizes, len(get(r.mustData(t), s.nodes...).([]any)))
				if r.Statements != s.statements {
					t.Errorf("shape %s with %d nodes: %d SQL statements, want %d", s.letter, sizes[len(sizes)-1], r.Statements, s.statements)
				}
			}
			if sizes[0] != 2 || sizes[1] <= 2 {
				t.Errorf("shape %s: %v nodes with the small and the real page sizes, want 2 and more", s.letter, sizes)
			}
		})
	}
}

// A page of a business's invoices shows each invoice's seller and buyer, read in the page's statement (the
// buyers of its sales, the sellers of its purchases, both for all its invoices), as the fixture made them.
func TestInvoicePagesShowTheirParties(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 3)
	a.leased(a.tokens["ADMIN"])
	ids := map[string]int64{}
	for _, e := range f.all {
		ids[e.RIDET.String()] = e.ID
	}
	made := map[string]bool{}
	for _, inv := range f.invoices {
		made[fmt.Sprint(inv.SellerID, inv.BuyerID, inv.Number)] = true
	}
	business := f.twins[1]
	for _, role := range []string{"SELLER", "BUYER", "null"} {
		r := a.query(a.tokens["ADMIN"], `query($ridet: String!) { enterprise(ridet: $ridet) { invoices(role: `+role+`, first: 20) {
			nodes { number seller { ridet } buyer { ridet name } } } } }`, map[string]any{"ridet": string(business.RIDET)})
		nodes := get(r.mustData(t), "enterprise", "invoices", "nodes").([]any)
		if len(nodes) == 0 || r.Statements != 2 {
			t.Fatalf("role %s: %d invoices, %d SQL statements, want some and 2", role, len(nodes), r.Statements)
		}
		for _, n := range nodes {
			seller, buyer := ids[get(n, "seller", "ridet").(string)], ids[get(n, "buyer", "ridet").(string)]
			mine := map[string]bool{"SELLER": seller == business.ID, "BUYER": buyer == business.ID, "null": seller == business.ID || buyer == business.ID}
			if !mine[role] || !made[fmt.Sprint(seller, buyer, get(n, "number"))] || get(n, "buyer", "name") == "" {
				t.Errorf("role %s: invoice %v is not one of %s's", role, n, business.RIDET)
			}
		}
	}
}

// A directory search with counts is answered again from the search cache with one statement (the directory's
// version), the same answer; Cache-Control: no-cache reads the businesses again; a registration is seen at once.
func TestDirectorySearchCacheOverHTTP(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 30)
	token := a.tokens["CHAMBER"]
	a.leased(token)
	doc, err := queries.Document("D")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"search": "plomberie dupont", "communes": []string{"98818"}}
	ask := func(header string, want int64, why string) string {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
		req, err := http.NewRequest(http.MethodPost, a.url+"/graphql", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if header != "" {
			req.Header.Set("Cache-Control", header)
		}
		r := a.do(req)
		data, _ := json.Marshal(r.mustData(t))
		if r.Statements != want {
			t.Errorf("%s: %d SQL statements, want %d", why, r.Statements, want)
		}
		return string(data)
	}
	first := ask("", 2, "first search")
	for _, c := range []struct {
		header     string
		statements int64
		why        string
	}{{"", 1, "same search"}, {"no-cache", 2, "Cache-Control: no-cache"}, {"max-age=0, No-Cache", 2, "no-cache among directives"}, {"max-age=60", 1, "other directives"}} {
		if got := ask(c.header, c.statements, c.why); got != first {
			t.Errorf("%s: %s, want %s", c.why, got, first)
		}
	}
	i := slices.IndexFunc(f.twins, func(e *model.Enterprise) bool { return e.CommuneCode == "98818" })
	late := *f.twins[i]
	late.ID, late.RIDET = 0, "1999999001"
	if err := a.store.InsertEnterprises(context.Background(), []*model.Enterprise{&late}); err != nil {
		t.Fatal(err)
	}
	if got := ask("", 3, "after a registration"); got == first || !strings.Contains(got, `"totalCount":`) {
		t.Errorf("after a registration: %s, the same as before", got)
	}
}

// A caller's points budget costs one SQL statement per lease of its points, not per request: once this process
// holds a lease, a read runs its own statements only.
func TestReadsRunNoBudgetStatementUnderALease(t *testing.T) {
	a := newAPI(t)
	const q = `{ programmes(first: 1) { totalCount } }`
	first := a.query(a.tokens["AGENT"], q, nil)
	first.mustData(t)
	for i := range 3 {
		r := a.query(a.tokens["AGENT"], q, nil)
		r.mustData(t)
		if r.Statements != first.Statements-1 || r.Statements <= 0 {
			t.Errorf("request %d: %d SQL statements, the first (which took the lease) %d; want one fewer", i+2, r.Statements, first.Statements)
		}
		if r.Header.Get("X-RateLimit-Used") != fmt.Sprint(2*(i+2)) { // 2 points a request (one root field)
			t.Errorf("request %d: X-RateLimit-Used %q, want the points spent so far", i+2, r.Header.Get("X-RateLimit-Used"))
		}
	}
}

// Paginating forward and backward over businesses with identical names visits each exactly once.
func TestPaginationOverIdenticalNames(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 23)
	want := map[string]bool{}
	for _, e := range f.twins {
		want[e.NodeID()] = true
	}
	const q = `query($first: Int, $after: String, $last: Int, $before: String) {
		enterprises(first: $first, after: $after, last: $last, before: $before, filter: {nameContains: "dupont"}) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name } } } }`
	collect := func(forward bool) []string {
		var ids []string
		vars := map[string]any{}
		for page := 0; page < 10; page++ {
			if forward {
				vars["first"] = 5
			} else {
				vars["last"] = 5
			}
			conn := get(a.query("", q, vars).mustData(t), "enterprises")
			if tc := get(conn, "totalCount"); tc != float64(len(f.twins)) {
				t.Fatalf("totalCount = %v, want %d", tc, len(f.twins))
			}
			edges := get(conn, "edges").([]any)
			var pageIDs []string
			for _, e := range edges {
				pageIDs = append(pageIDs, get(e, "node", "id").(string))
			}
			if forward {
				ids = append(ids, pageIDs...)
				if get(conn, "pageInfo", "hasNextPage") != true {
					return ids
				}
				vars["after"] = get(conn, "pageInfo", "endCursor")
			} else {
				ids = append(pageIDs, ids...)
				if get(conn, "pageInfo", "hasPreviousPage") != true {
					return ids
				}
				vars["before"] = get(conn, "pageInfo", "startCursor")
			}
		}
		t.Fatal("pagination did not end")
		return nil
	}
	forward, backward := collect(true), collect(false)
	for name, ids := range map[string][]string{"forward": forward, "backward": backward} {
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s: %s repeated", name, id)
			}
			seen[id] = true
			if !want[id] {
				t.Errorf("%s: unexpected %s", name, id)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("%s: visited %d businesses, want %d", name, len(seen), len(want))
		}
	}
	if strings.Join(forward, ",") != strings.Join(backward, ",") {
		t.Errorf("forward and backward orders differ:\n%v\n%v", forward, backward)
	}
}

func TestBadInput(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 1)
	tests := []struct {
		name       string
		token      string
		body       string
		wantStatus int
		wantCode   string
		wantField  string
		wantInMsg  string
	}{
		{name: "malformed JSON", body: `{"query": "{ sectors { name } "`, wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "JSON array batch", body: `[{"query": "{ sectors { name } }"}]`, wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "unknown field", body: `{"query": "{ sectors { name colour } }"}`, wantStatus: 400, wantInMsg: "colour"},
		{name: "syntax error", body: `{"query": "{ sectors { name }"}`, wantStatus: 400},
		{name: "page size over 100", body: `{"query": "{ enterprises(first: 1000) { nodes { name } } }"}`, wantStatus: 200, wantCode: "INVALID", wantField: "first"},
		{name: "page size zero", body: `{"query": "{ enterprises(last: 0) { nodes { name } } }"}`, wantStatus: 200, wantCode: "INVALID", wantField: "last"},
		{name: "garbage cursor", body: `{"query": "{ enterprises(after: \"nope\") { nodes { name } } }"}`, wantStatus: 200, wantCode: "INVALID", wantField: "after"},
		{name: "invalid RIDET", body: `{"query": "{ enterprise(ridet: \"12AB\") { name } }"}`, wantStatus: 200, wantCode: "INVALID", wantField: "ridet"},
		{name: "bad APE prefix", body: `{"query": "{ enterprises(filter: {apeCodePrefix: \"X%\"}) { nodes { name } } }"}`, wantStatus: 200, wantCode: "INVALID", wantField: "filter.apeCodePrefix"},
		{name: "bad token", token: "not-a-jwt", body: `{"query": "{ viewer { role } }"}`, wantStatus: 401, wantCode: "UNAUTHENTICATED"},
		{name: "too many node ids", body: `{"query": "{ nodes(ids: [` + strings.Repeat(`\"x\",`, 101) + `]) { id } }"}`, wantStatus: 200, wantCode: "INVALID", wantField: "ids"},
		{name: "repeated directive", body: `{"query": "{ sectors @include(if: true) @include(if: true) { code } }"}`, wantStatus: 400, wantInMsg: "include"},
		{name: "over 15,000 parser tokens", body: `{"query": "{ ` + strings.Repeat("sectors { name } ", 4000) + `}"}`, wantStatus: 400, wantInMsg: "token limit"},
		{name: "body over 1 MiB", body: `{"query": "{ sectors { name } }", "variables": {"x": "` + strings.Repeat("a", 1<<20) + `"}}`, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.post(tt.token, "application/json", tt.body)
			if r.Status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %.300s", r.Status, tt.wantStatus, r.Raw)
			}
			if len(r.Errors) == 0 {
				t.Fatalf("no error in %.300s", r.Raw)
			}
			e := r.Errors[0]
			if tt.wantCode != "" && e.Extensions["code"] != tt.wantCode {
				t.Errorf("code = %v, want %s (%s)", e.Extensions["code"], tt.wantCode, e.Message)
			}
			if tt.wantField != "" && e.Extensions["field"] != tt.wantField {
				t.Errorf("field = %v, want %s (%s)", e.Extensions["field"], tt.wantField, e.Message)
			}
			if tt.wantInMsg != "" && !strings.Contains(e.Message, tt.wantInMsg) {
				t.Errorf("message %q does not name %q", e.Message, tt.wantInMsg)
			}
			if r.Status >= 400 && r.Data != nil {
				t.Errorf("a request that did not execute has data: %s", r.Raw)
			}
			if r.Status >= 400 && r.Statements != 0 {
				t.Errorf("a refused request ran %d SQL statements", r.Statements)
			}
		})
	}
	_ = f
}

// Personal data never reaches anonymous or CHAMBER callers: the field is null with FORBIDDEN at its path.
func TestRepresentativeIsForbiddenToPublicAndChambers(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 1)
	q := fmt.Sprintf(`{ enterprise(ridet: %q) { name contactEmail representative { name email } isEligible invoices(first: 2) { totalCount } } }`, f.listed.RIDET.String())
	for _, role := range []string{"", "CHAMBER"} {
		t.Run("role "+role, func(t *testing.T) {
			r := a.query(a.tokens[role], q, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Raw)
			}
			if get(r.Data, "enterprise", "name") != f.listed.Name {
				t.Fatalf("public fields missing: %s", r.Raw)
			}
			for _, field := range []string{"representative", "isEligible", "invoices"} {
				if v := get(r.Data, "enterprise", field); v != nil {
					t.Errorf("%s = %v, want null", field, v)
				}
			}
			forbidden := map[string]bool{}
			for _, e := range r.Errors {
				if e.Extensions["code"] == "FORBIDDEN" && len(e.Path) == 2 {
					forbidden[e.Path[1].(string)] = true
				}
			}
			for _, field := range []string{"representative", "isEligible", "invoices"} {
				if !forbidden[field] {
					t.Errorf("no FORBIDDEN error at enterprise.%s: %+v", field, r.Errors)
				}
			}
			if strings.Contains(r.Raw, f.listed.RepresentativeEmail) || strings.Contains(r.Raw, f.listed.RepresentativeName) {
				t.Errorf("personal data leaked: %s", r.Raw)
			}
		})
	}
	t.Run("the business itself", func(t *testing.T) {
		r := a.query(a.token(model.RoleEnterprise, f.listed.RIDET), q, nil)
		data := r.mustData(t)
		if got := get(data, "enterprise", "representative", "email"); got != f.listed.RepresentativeEmail {
			t.Errorf("own representative email = %v, want %s", got, f.listed.RepresentativeEmail)
		}
	})
	t.Run("another business", func(t *testing.T) {
		r := a.query(a.token(model.RoleEnterprise, f.twins[0].RIDET), q, nil)
		if get(r.Data, "enterprise", "representative") != nil || len(r.Errors) == 0 {
			t.Errorf("another business read the representative: %s", r.Raw)
		}
	})
	t.Run("an agent", func(t *testing.T) {
		r := a.query(a.tokens["AGENT"], q, nil)
		if get(r.mustData(t), "enterprise", "representative", "name") != f.listed.RepresentativeName {
			t.Errorf("agent cannot read the representative: %s", r.Raw)
		}
	})
}

// Row visibility: the directory for the public, everything for staff, own records for a business.
func TestVisibilityByRole(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 3)
	count := func(token, query string, path ...any) any {
		t.Helper()
		return get(a.query(token, query, nil).mustData(t), path...)
	}
	const total = `{ enterprises { totalCount } }`
	listed := float64(len(f.all) - 1)
	if got := count("", total, "enterprises", "totalCount"); got != listed {
		t.Errorf("anonymous sees %v businesses, want %v (listed only)", got, listed)
	}
	if got := count(a.tokens["CHAMBER"], total, "enterprises", "totalCount"); got != listed {
		t.Errorf("chamber sees %v businesses, want %v", got, listed)
	}
	if got := count(a.tokens["AGENT"], total, "enterprises", "totalCount"); got != float64(len(f.all)) {
		t.Errorf("agent sees %v businesses, want %d", got, len(f.all))
	}
	unlistedToken := a.token(model.RoleEnterprise, f.unlisted.RIDET)
	if got := count(unlistedToken, total, "enterprises", "totalCount"); got != float64(len(f.all)) {
		t.Errorf("an unlisted business sees %v businesses, want %d (directory + itself)", got, len(f.all))
	}
	hidden := fmt.Sprintf(`{ enterprise(ridet: %q) { name } node(id: %q) { id } }`, f.unlisted.RIDET, f.unlisted.NodeID())
	if r := a.query("", hidden, nil); get(r.Data, "enterprise") != nil || get(r.Data, "node") != nil {
		t.Errorf("anonymous found an unlisted business: %s", r.Raw)
	}
	if r := a.query(unlistedToken, hidden, nil); get(r.mustData(t), "enterprise", "name") != f.unlisted.Name {
		t.Errorf("a business cannot find itself: %s", r.Raw)
	}

	// Invoices: a business sees only those it issued or received.
	mine := 0
	for _, inv := range f.invoices {
		if inv.SellerID == f.listed.ID || inv.BuyerID == f.listed.ID {
			mine++
		}
	}
	ownToken := a.token(model.RoleEnterprise, f.listed.RIDET)
	if got := count(ownToken, `{ invoices(first: 100) { totalCount } }`, "invoices", "totalCount"); got != float64(mine) {
		t.Errorf("business sees %v invoices, want its %d", got, mine)
	}
	if r := a.query("", `{ invoices { totalCount } }`, nil); get(r.Data, "invoices") != nil || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("anonymous invoices: %s", r.Raw)
	}
	var foreign *model.Invoice
	for _, inv := range f.invoices {
		if inv.SellerID != f.listed.ID && inv.BuyerID != f.listed.ID {
			foreign = inv
			break
		}
	}
	q := fmt.Sprintf(`{ node(id: %q) { id } }`, foreign.NodeID())
	if r := a.query(ownToken, q, nil); get(r.mustData(t), "node") != nil {
		t.Errorf("a business fetched another's invoice by node(id:): %s", r.Raw)
	}
	if r := a.query(a.tokens["AGENT"], q, nil); get(r.mustData(t), "node", "id") != foreign.NodeID() {
		t.Errorf("agent cannot fetch an invoice by node(id:): %s", r.Raw)
	}
}

func TestNodesRoundTrip(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 2)
	ids := []string{f.listed.NodeID(), model.GlobalID(model.TypeSector, "BTP"), model.GlobalID(model.TypeCommune, "98818"), "bm9wZTox", f.invoices[0].NodeID(),
		model.GlobalID(model.TypeTgcRate, "NORMAL"), model.GlobalID(model.TypeSector, "NOPE"), model.GlobalID(model.TypeCommune, "98899"), model.GlobalID(model.TypeTgcRate, "NOPE")}
	r := a.query(a.tokens["ADMIN"], `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Commune { name } } }`, map[string]any{"ids": ids})
	nodes := get(r.mustData(t), "nodes").([]any)
	if len(r.Errors) != 0 {
		t.Errorf("nodes(ids:) with unknown codes: errors %v, want none (an unknown node is null)", r.Errors)
	}
	wantTypes := []any{"Enterprise", "Sector", "Commune", nil, "Invoice", "TgcRate", nil, nil, nil}
	for i, want := range wantTypes {
		if got := get(nodes, i, "__typename"); got != want {
			t.Errorf("nodes[%d].__typename = %v, want %v", i, got, want)
		}
		if want != nil && get(nodes, i, "id") != ids[i] {
			t.Errorf("nodes[%d].id = %v, want %s", i, get(nodes, i, "id"), ids[i])
		}
	}
	if get(nodes, 2, "name") != "Nouméa" {
		t.Errorf("commune 98818 = %v, want Nouméa", get(nodes, 2, "name"))
	}
}

func TestReferenceDataAndViewer(t *testing.T) {
	a := newAPI(t)
	r := a.query("", `{ viewer { role } communes { code postalCode name } sectors { code name } tgcRates { code basisPoints percent } }`, nil)
	data := r.mustData(t)
	if got := len(get(data, "communes").([]any)); got != 14 {
		t.Errorf("communes = %d, want 14", got)
	}
	if got := len(get(data, "sectors").([]any)); got != 9 {
		t.Errorf("sectors = %d, want 9", got)
	}
	if got := get(data, "tgcRates", 3, "percent"); got != "11 %" {
		t.Errorf("tgcRates[3].percent = %v, want 11 %%", got)
	}
	if get(data, "viewer", "role") != nil {
		t.Errorf("anonymous viewer has a role: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], `{ viewer { role } }`, nil)
	if get(r.mustData(t), "viewer", "role") != "AGENT" {
		t.Errorf("viewer.role = %v, want AGENT", get(r.Data, "viewer", "role"))
	}
}

// An unexpected failure reaches the client as "internal error" with a request ID, never SQL text.
func TestInternalErrorsAreHidden(t *testing.T) {
	a := newAPI(t)
	if _, err := a.store.DB().ExecContext(t.Context(), "DROP TABLE consultations CASCADE"); err != nil {
		t.Fatal(err)
	}
	r := a.query("", `{ consultations { nodes { title } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Message != "internal error" || r.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Fatalf("errors = %+v, want one internal error", r.Errors)
	}
	if r.Errors[0].Extensions["requestId"] != r.Header.Get("X-Request-ID") {
		t.Errorf("error request ID %v, header %q", r.Errors[0].Extensions["requestId"], r.Header.Get("X-Request-ID"))
	}
	for _, leak := range []string{"relation", "does not exist", "SELECT", "SQLSTATE", "list consultations"} {
		if strings.Contains(r.Raw, leak) {
			t.Errorf("response leaks %q: %s", leak, r.Raw)
		}
	}
	if !strings.Contains(a.logs.String(), `relation \"consultations\" does not exist`) {
		t.Errorf("the real cause was not logged")
	}
}

func TestHealthAndGraphiQL(t *testing.T) {
	a := newAPI(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200} {
		res, err := http.Get(a.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
		}
		if res.Header.Get("X-Request-ID") == "" {
			t.Errorf("GET %s has no X-Request-ID", path)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, a.url+"/graphql?query=%7Bsectors%7Bname%7D%7D", nil)
	if r := a.do(req); r.Status != 200 || len(get(r.Data, "sectors").([]any)) != 9 {
		t.Errorf("GET query: %d %s", r.Status, r.Raw)
	}
}

func TestInvoiceFilters(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 5)
	byID := map[int64]*model.Enterprise{}
	for _, e := range f.all {
		byID[e.ID] = e
	}
	cut := f.invoices[len(f.invoices)/2].IssuedAt
	var wantBTP, wantBefore int
	for _, inv := range f.invoices {
		if byID[inv.SellerID].SectorCode == "BTP" {
			wantBTP++
		}
		if inv.IssuedAt.Before(cut) {
			wantBefore++
		}
	}
	q := `query($f: InvoiceFilter) { invoices(filter: $f) { totalCount } }`
	tests := []struct {
		name   string
		filter map[string]any
		want   int
	}{
		{"all", map[string]any{}, len(f.invoices)},
		{"seller in BTP", map[string]any{"sellerSectors": []string{"BTP"}}, wantBTP},
		{"issued before a time", map[string]any{"issuedBefore": cut.Format(time.RFC3339Nano)}, wantBefore},
		{"issued from a time", map[string]any{"issuedFrom": cut.Format(time.RFC3339Nano)}, len(f.invoices) - wantBefore},
		{"status CONFIRMED", map[string]any{"statuses": []string{"CONFIRMED"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.query(a.tokens["AGENT"], q, map[string]any{"f": tt.filter})
			if got := get(r.mustData(t), "invoices", "totalCount"); got != float64(tt.want) {
				t.Errorf("totalCount = %v, want %d", got, tt.want)
			}
		})
	}
}

// Abusive operations are refused before any resolver or SQL statement runs.
func TestAbuseLimits(t *testing.T) {
	a := newAPI(t)
	deep := "{ node(id: \"x\") { ... on Enterprise { sector { enterprises { nodes { commune { enterprises { nodes { invoices { nodes { seller { sector { enterprises { nodes { name } } } } } } } } } } } } } } }"
	costly := "{ enterprises(first: 100) { nodes { invoices(first: 100) { nodes { seller { invoices(first: 100) { nodes { number } } } } } } } }"
	var mutations strings.Builder
	mutations.WriteString("mutation {")
	for i := range 21 {
		fmt.Fprintf(&mutations, " m%d: createProgramme(input: {name: \"p%d\"}) { userErrors { code } }", i, i)
	}
	mutations.WriteString(" }")
	tests := []struct {
		name, query, limit string
	}{
		{"deeper than 12", deep, "depth"},
		{"more than 25,000 nodes", costly, "cost"},
		{"21 aliased mutations", mutations.String(), "mutationFields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.query(a.tokens["ADMIN"], tt.query, nil)
			if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Extensions["limit"] != tt.limit {
				t.Fatalf("status %d, body %.400s; want 400 naming the %s limit", r.Status, r.Raw, tt.limit)
			}
			if r.Data != nil {
				t.Errorf("a refused operation has data: %s", r.Raw)
			}
			if r.Statements != 0 {
				t.Errorf("%d SQL statements ran for a refused operation", r.Statements)
			}
		})
	}
	r := a.query(a.tokens["ADMIN"], `{ enterprises(first: 100) { nodes { invoices(first: 100) { nodes { number } } } } }`, nil)
	r.mustData(t) // 10,100 nodes: within the limit
}

func TestIntrospectionByCaller(t *testing.T) {
	a := newAPI(t) // development: public schema
	if r := a.query("", `{ __schema { queryType { name } } }`, nil); get(r.mustData(t), "__schema", "queryType", "name") != "Query" {
		t.Errorf("development introspection: %s", r.Raw)
	}
	prod := newAPIWith(t, func(c *httpapi.Config) { c.Introspection = false })
	if r := prod.query("", `{ __schema { queryType { name } } }`, nil); len(r.Errors) == 0 || get(r.Data, "__schema") != nil {
		t.Errorf("production: anonymous introspection allowed: %s", r.Raw)
	}
	if r := prod.query(prod.tokens["CHAMBER"], `{ __schema { queryType { name } } }`, nil); get(r.mustData(t), "__schema", "queryType", "name") != "Query" {
		t.Errorf("production: authenticated introspection refused: %s", r.Raw)
	}
}

// A chamber's API key is created once by an admin, authenticates as CHAMBER, is stored hashed and can be revoked.
func TestAPIKeys(t *testing.T) {
	a := newAPI(t)
	seedFixture(t, a.store, 1)
	r := a.query(a.tokens["ADMIN"], `mutation { createApiKey(input: {name: "CCI Nouvelle-Calédonie", scopes: [DIRECTORY, STATISTICS]}) {
		key apiKey { id prefix scopes lastUsedAt } userErrors { code } } }`, nil)
	data := r.mustData(t)
	key, _ := get(data, "createApiKey", "key").(string)
	id, _ := get(data, "createApiKey", "apiKey", "id").(string)
	prefix, _ := get(data, "createApiKey", "apiKey", "prefix").(string)
	if !strings.HasPrefix(key, "sudpro_ck_") || !strings.HasPrefix(key, prefix+"_") || len(key) < 50 {
		t.Fatalf("key %q (prefix %q) is not a recognisable random key", key, prefix)
	}
	r = a.query(key, `{ viewer { role subject } enterprises(first: 1) { nodes { name representative { email } } } }`, nil)
	if get(r.Data, "viewer", "role") != "CHAMBER" || get(r.Data, "enterprises", "nodes", 0, "representative") != nil {
		t.Errorf("the key does not act as CHAMBER: %s", r.Raw)
	}
	var stored int
	if err := a.store.DB().NewRaw("SELECT count(*) FROM api_keys WHERE key_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex') AND position(? IN key_hash) = 0", key, key).Scan(t.Context(), &stored); err != nil || stored != 1 {
		t.Errorf("the key is not stored as its SHA-256 hash only: %d, %v", stored, err)
	}
	for token, want := range map[string]any{a.tokens["ADMIN"]: id, a.tokens["AGENT"]: nil} {
		r := a.query(token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		if get(r.mustData(t), "node", "id") != want {
			t.Errorf("node(API key) = %s, want id %v", r.Raw, want)
		}
	}
	r = a.query(a.tokens["ADMIN"], `{ apiKeys { id name lastUsedAt revokedAt } }`, nil)
	if get(r.mustData(t), "apiKeys", 0, "lastUsedAt") == nil || strings.Contains(r.Raw, key) {
		t.Errorf("listing: %s", r.Raw)
	}
	if r := a.query(a.tokens["CHAMBER"], `{ apiKeys { id } }`, nil); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("a chamber listed the keys: %s", r.Raw)
	}
	if r := a.query(key[:len(key)-2]+"xx", `{ viewer { role } }`, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a wrong key = %d, want 401", r.Status)
	}
	r = a.query(a.tokens["ADMIN"], `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } userErrors { code } } }`, map[string]any{"id": id})
	if get(r.mustData(t), "revokeApiKey", "apiKey", "revokedAt") == nil {
		t.Fatalf("revoke: %s", r.Raw)
	}
	if r := a.query(key, `{ viewer { role } }`, nil); r.Status != http.StatusUnauthorized || !strings.Contains(r.Raw, "revoked") {
		t.Errorf("a revoked key = %d %s, want 401", r.Status, r.Raw)
	}
	// The audit log has both calls, and never the key.
	r = a.query(a.tokens["ADMIN"], `{ auditLog(filter: {operation: "createApiKey"}) { nodes { result input } } }`, nil)
	if get(r.mustData(t), "auditLog", "nodes", 0, "result") != "OK" || strings.Contains(r.Raw, key) {
		t.Errorf("audit of createApiKey: %s", r.Raw)
	}
}

// Each caller has an hourly points budget: headers and extensions report it, and a spent budget is 429 for that
// caller only.
func TestPointsBudget(t *testing.T) {
	a := newAPI(t)
	mkKey := func(name string) string {
		r := a.query(a.tokens["ADMIN"], `mutation($n: String!) { createApiKey(input: {name: $n, scopes: [DIRECTORY]}) { key } }`, map[string]any{"n": name})
		return get(r.mustData(t), "createApiKey", "key").(string)
	}
	small, other := mkKey("CMA"), mkKey("Chambre d'agriculture")
	if _, err := a.store.DB().ExecContext(t.Context(), "UPDATE api_keys SET hourly_budget = 9 WHERE name = 'CMA'"); err != nil {
		t.Fatal(err)
	}
	// Two root fields (2 × 100 nodes) and enterprises(first: 100) (100 nodes): 1 + 300/100 = 4 points.
	const q = `{ enterprises(first: 100) { totalCount } rateLimit { cost limit used remaining } }`
	r := a.query(small, q, nil)
	if got := fmt.Sprint(get(r.mustData(t), "rateLimit")); got != "map[cost:4 limit:9 remaining:5 used:4]" {
		t.Errorf("rateLimit = %s", got)
	}
	if r.Header.Get("X-RateLimit-Limit") != "9" || r.Header.Get("X-RateLimit-Remaining") != "5" || r.Header.Get("X-RateLimit-Reset") == "" {
		t.Errorf("headers = %v", r.Header)
	}
	if !strings.Contains(r.Raw, `"cost":{"actualQueryCost":4`) {
		t.Errorf("extensions.cost missing: %s", r.Raw)
	}
	a.query(small, q, nil) // 8 of 9 used
	r = a.query(small, q, nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.Data != nil || r.Errors[0].Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("spent budget = %d (Retry-After %q) %s, want 429", r.Status, r.Header.Get("Retry-After"), r.Raw)
	}
	if r := a.query(other, q, nil); r.Status != http.StatusOK || get(r.Data, "rateLimit", "limit") != float64(20_000) {
		t.Errorf("another key was affected: %d %s", r.Status, r.Raw)
	}
}

func TestCORSAndSecurityHeaders(t *testing.T) {
	closed := newAPI(t)
	req, _ := http.NewRequest(http.MethodGet, closed.url+"/graphql?query=%7Bsectors%7Bcode%7D%7D", nil)
	req.Header.Set("Origin", "https://evil.example")
	r := closed.do(req)
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS allowed with no origin configured: %v", r.Header)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("security headers missing: %v", r.Header)
	}

	open := newAPIWith(t, func(c *httpapi.Config) { c.CORSOrigins = []string{"https://dashboard.province-sud.nc"} })
	for origin, want := range map[string]string{"https://dashboard.province-sud.nc": "https://dashboard.province-sud.nc", "https://evil.example": ""} {
		req, _ := http.NewRequest(http.MethodOptions, open.url+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("preflight from %s: Allow-Origin %q, want %q", origin, got, want)
		}
		if want != "" && (res.StatusCode != http.StatusNoContent || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization")) {
			t.Errorf("preflight from %s = %d %v", origin, res.StatusCode, res.Header)
		}
	}
}
