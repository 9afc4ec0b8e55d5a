package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"sudpro/model"
	"sudpro/seed"
)

// dashboardQuery asks for every figure of the dashboard and, with $n > 0 records each, every drill-down.
const dashboardQuery = `query($programme: ID, $session: ID, $from: Date, $to: Date, $n: Int) {
  dashboard(programme: $programme, session: $session, from: $from, to: $to) {
    scope { programme { name } session { name } from to }
    businesses {
      registered { count enterprises(first: $n) { totalCount nodes { name sector { code } } } }
      eligible { count enterprises(first: $n) { totalCount nodes { name } } }
      supported { count enterprises(first: $n) { totalCount nodes { name } } }
      projectsFunded { count enterprises(first: $n) { totalCount nodes { name } } }
      notUsedYet { count enterprises(first: $n) { totalCount nodes { name } } }
    }
    budget {
      programme { name } engaged reserved payable paid spent remaining
      ledgerEntries(first: $n) { totalCount nodes { kind postings { amount account { kind } } } }
      sessions {
        session { name opensAt envelope } engaged reserved payable paid spent remaining exhaustedAt secondsToExhaustion
        ledgerEntries(first: $n) { totalCount nodes { kind invoice { number } } }
      }
    }
    creditSudBySellerSector { sector { code } amount invoiceCount invoices(first: $n) { totalCount nodes { number creditAmount seller { sector { code } } } } }
    creditSudByBuyerSector { sector { code } amount invoiceCount invoices(first: $n) { totalCount nodes { creditAmount buyer { sector { code } } } } }
    creditSudBySellerCommune { commune { code } amount invoiceCount invoices(first: $n) { totalCount nodes { creditAmount } } }
    creditSudByBuyerCommune { commune { code } amount invoiceCount invoices(first: $n) { totalCount nodes { creditAmount } } }
    invoicesByStatus { status count totalTTC invoices(first: $n) { totalCount nodes { status totalTTC session { name } } } }
    rejectedInvoices {
      count totalTTC invoices(first: $n) { totalCount nodes { rejectionReason totalTTC } }
      byReason { reason count totalTTC invoices(first: $n) { totalCount nodes { totalTTC } } }
    }
    smallBusinessShare { smallBusinessAmount total percent invoiceCount invoices(first: $n) { totalCount nodes { creditAmount } } }
    businessThroughPlatform {
      invoiceCount invoicedTotal privateOrderCount privateOrders total creditSud outsideCreditSud
      invoices(first: $n) { totalCount nodes { totalTTC } }
      orders(first: $n) { totalCount nodes { amountTtc orderedOn buyer { name } seller { name } } }
    }
    consultations {
      published offersReceived awarded awardedAmountHT awardedAmountTTC
      consultations(first: $n) { totalCount nodes { reference status commune { name } } }
      offers(first: $n) { totalCount nodes { amountTTC bidder { name } consultation { reference } } }
      awards(first: $n) { totalCount nodes { reference award { winnerName amountHT amountTTC } } }
    }
    daily { day confirmations confirmedAmount releasedAmount paidAmount ledgerEntries(first: $n) { totalCount nodes { kind createdAt } } }
  }
}`

// demoAPI is the API over the demo data set (the CréditSud 2025 programme and its five sessions).
func demoAPI(t *testing.T) *api {
	t.Helper()
	a := newAPI(t)
	if _, err := seed.Run(context.Background(), a.store, "demo", 7); err != nil {
		t.Fatalf("seed the demo: %v", err)
	}
	return a
}

func sum(t *testing.T, rows any, field string) float64 {
	t.Helper()
	var total float64
	for _, r := range rows.([]any) {
		total += get(r, field).(float64)
	}
	return total
}

func TestDashboardOnTheDemo(t *testing.T) {
	a := demoAPI(t)
	r := a.query(a.tokens["AGENT"], dashboardQuery, map[string]any{"n": 100})
	d := get(r.mustData(t), "dashboard")
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %v", r.Errors)
	}

	t.Run("the 2025 programme's envelopes are the published ones", func(t *testing.T) {
		budget := get(d, "budget").([]any)
		if len(budget) != 1 {
			t.Fatalf("%d programmes, want 1", len(budget))
		}
		p := budget[0]
		if got := get(p, "engaged"); got != float64(1_680_000_000) {
			t.Errorf("engaged = %v, want 1,680,000,000 (1.2 bn for phase 1, 4 × 120 M)", got)
		}
		sessions := get(p, "sessions").([]any)
		want := []float64{1_200_000_000, 120_000_000, 120_000_000, 120_000_000, 120_000_000}
		if len(sessions) != len(want) {
			t.Fatalf("%d sessions, want 5", len(sessions))
		}
		for i, s := range sessions {
			if got := get(s, "engaged"); got != want[i] {
				t.Errorf("session %v engaged %v, want %v", get(s, "session", "name"), got, want[i])
			}
			parts := get(s, "reserved").(float64) + get(s, "payable").(float64) + get(s, "paid").(float64)
			if get(s, "spent") != parts || get(s, "engaged") != parts+get(s, "remaining").(float64) {
				t.Errorf("session %v does not add up: %v", get(s, "session", "name"), s)
			}
		}
		if get(p, "spent") != sum(t, sessions, "spent") {
			t.Errorf("programme spent %v, sessions %v", get(p, "spent"), sum(t, sessions, "spent"))
		}
	})

	t.Run("every breakdown adds up to the CréditSud spent", func(t *testing.T) {
		total := get(d, "smallBusinessShare", "total").(float64)
		if spent := get(d, "budget", 0, "spent"); total <= 0 || total != spent {
			t.Fatalf("total spent %v, budget spent %v", total, spent)
		}
		for _, f := range []string{"creditSudBySellerSector", "creditSudByBuyerSector", "creditSudBySellerCommune", "creditSudByBuyerCommune"} {
			if got := sum(t, get(d, f), "amount"); got != total {
				t.Errorf("%s sums to %v, want %v", f, got, total)
			}
		}
		var net float64
		for _, day := range get(d, "daily").([]any) {
			net += get(day, "confirmedAmount").(float64) - get(day, "releasedAmount").(float64)
		}
		if net != total {
			t.Errorf("daily confirmed − released = %v, want %v", net, total)
		}
		if got := get(d, "businessThroughPlatform", "creditSud"); got != total {
			t.Errorf("business done's CréditSud = %v, want %v", got, total)
		}
		done := get(d, "businessThroughPlatform")
		if get(done, "total").(float64) != get(done, "creditSud").(float64)+get(done, "outsideCreditSud").(float64) ||
			get(done, "total").(float64) != get(done, "invoicedTotal").(float64)+get(done, "privateOrders").(float64) {
			t.Errorf("business done does not add up: %v", done)
		}
	})

	t.Run("each drill-down has the figure's count and sum", func(t *testing.T) {
		done := get(d, "businessThroughPlatform")
		if n := get(done, "privateOrderCount").(float64); n == 0 || get(done, "orders", "totalCount") != n ||
			n <= 100 && sum(t, get(done, "orders", "nodes"), "amountTtc") != get(done, "privateOrders") {
			t.Errorf("private orders: %v", done)
		}
		c := get(d, "consultations")
		for figure, list := range map[string]string{"published": "consultations", "offersReceived": "offers", "awarded": "awards"} {
			if n := get(c, figure).(float64); n == 0 || get(c, list, "totalCount") != n {
				t.Errorf("consultations %s = %v, drill-down %s totalCount %v", figure, n, list, get(c, list, "totalCount"))
			}
		}
		var awarded float64
		for _, n := range get(c, "awards", "nodes").([]any) {
			awarded += get(n, "award", "amountTTC").(float64)
		}
		if awarded != get(c, "awardedAmountTTC") {
			t.Errorf("awards sum to %v TTC, figure %v", awarded, get(c, "awardedAmountTTC"))
		}
		for _, f := range []string{"creditSudBySellerSector", "creditSudByBuyerSector", "creditSudBySellerCommune", "creditSudByBuyerCommune"} {
			for _, row := range get(d, f).([]any) {
				conn := get(row, "invoices")
				if get(conn, "totalCount") != get(row, "invoiceCount") {
					t.Errorf("%s %v: totalCount %v, invoiceCount %v", f, row, get(conn, "totalCount"), get(row, "invoiceCount"))
				}
				if n := get(row, "invoiceCount").(float64); n <= 100 && sum(t, get(conn, "nodes"), "creditAmount") != get(row, "amount") {
					t.Errorf("%s %v: drill-down sums to %v", f, get(row, "sector"), sum(t, get(conn, "nodes"), "creditAmount"))
				}
			}
		}
		for _, row := range get(d, "invoicesByStatus").([]any) {
			if get(row, "invoices", "totalCount") != get(row, "count") {
				t.Errorf("status %v: totalCount %v, count %v", get(row, "status"), get(row, "invoices", "totalCount"), get(row, "count"))
			}
		}
		rejected := get(d, "rejectedInvoices")
		if n := get(rejected, "count").(float64); n == 0 || n != sum(t, get(rejected, "byReason"), "count") || get(rejected, "invoices", "totalCount") != n {
			t.Errorf("rejected invoices do not add up: %v", rejected)
		}
		if get(rejected, "totalTTC") != sum(t, get(rejected, "invoices", "nodes"), "totalTTC") {
			t.Errorf("rejected invoices' TTC %v, drill-down %v", get(rejected, "totalTTC"), sum(t, get(rejected, "invoices", "nodes"), "totalTTC"))
		}
		for _, f := range []string{"registered", "eligible", "supported", "projectsFunded", "notUsedYet"} {
			if get(d, "businesses", f, "enterprises", "totalCount") != get(d, "businesses", f, "count") {
				t.Errorf("businesses %s: totalCount %v, count %v", f, get(d, "businesses", f, "enterprises", "totalCount"), get(d, "businesses", f, "count"))
			}
		}
		for _, day := range get(d, "daily").([]any) {
			if get(day, "ledgerEntries", "totalCount") != get(day, "confirmations") {
				t.Errorf("day %v: %v entries, %v confirmations", get(day, "day"), get(day, "ledgerEntries", "totalCount"), get(day, "confirmations"))
			}
		}
	})

	t.Run("businesses are plausible", func(t *testing.T) {
		b := get(d, "businesses")
		registered, eligible := get(b, "registered", "count").(float64), get(b, "eligible", "count").(float64)
		supported, funded, unused := get(b, "supported", "count").(float64), get(b, "projectsFunded", "count").(float64), get(b, "notUsedYet", "count").(float64)
		if registered != 500 || eligible > registered || supported != eligible || funded+unused != supported || funded == 0 || unused == 0 {
			t.Errorf("registered %v, eligible %v, supported %v, funded %v, not used %v", registered, eligible, supported, funded, unused)
		}
		t.Logf("registered %v, eligible %v, supported %v, funded %v, not used %v", registered, eligible, supported, funded, unused)
	})

	t.Run("phase 2 sessions bought nothing from commerce", func(t *testing.T) {
		for _, s := range get(d, "budget", 0, "sessions").([]any)[1:] {
			name := get(s, "session", "name").(string)
			r := a.query(a.tokens["AGENT"], `query($s: ID) { dashboard(session: $s) { creditSudBySellerSector { sector { code } amount } smallBusinessShare { total } } }`,
				map[string]any{"s": sessionIDByName(t, a, name)})
			rows := get(r.mustData(t), "dashboard", "creditSudBySellerSector").([]any)
			for _, row := range rows {
				if get(row, "sector", "code") == "COMMERCE" && get(row, "amount") != float64(0) {
					t.Errorf("%s: %v XPF spent with commerce", name, get(row, "amount"))
				}
			}
			if got, want := get(r.Data, "dashboard", "smallBusinessShare", "total"), get(s, "spent"); got != want {
				t.Errorf("%s: spent %v by the session's dashboard, %v by the programme's", name, got, want)
			}
		}
	})

	t.Run("windows read the seeded history", func(t *testing.T) {
		// Phase 1 opened on 5 May 2025 with 1.0 bn, topped up by 200 M ten days later; phase 2's sessions are
		// funded ten days before each opens (the first on 31 July).
		for _, tt := range []struct {
			to      string
			engaged []float64
		}{
			{"2025-05-10", []float64{1_000_000_000, 0, 0, 0, 0}},
			{"2025-05-31", []float64{1_200_000_000, 0, 0, 0, 0}},
			{"2025-08-01", []float64{1_200_000_000, 120_000_000, 0, 0, 0}},
		} {
			r := a.query(a.tokens["AGENT"], `query($to: Date) { dashboard(to: $to) { businesses { supported { count } projectsFunded { count } }
				budget { sessions { engaged remaining } } } }`, map[string]any{"to": tt.to})
			sessions := get(r.mustData(t), "dashboard", "budget", 0, "sessions").([]any)
			for i, s := range sessions {
				if get(s, "engaged") != tt.engaged[i] || get(s, "remaining").(float64) < 0 {
					t.Errorf("to %s, session %d: %v, want engaged %v and nothing negative", tt.to, i+1, s, tt.engaged[i])
				}
			}
			b := get(r.Data, "dashboard", "businesses")
			if get(b, "supported", "count").(float64) < get(b, "projectsFunded", "count").(float64) || get(b, "projectsFunded", "count") == float64(0) {
				t.Errorf("to %s: businesses %v", tt.to, b)
			}
		}
	})

	t.Run("the ledger check holds on the demo", func(t *testing.T) {
		violations, err := a.store.CheckLedger(context.Background())
		if err != nil || len(violations) > 0 {
			t.Errorf("ledger check: %v %v", violations, err)
		}
	})

	t.Logf("demo: %d bytes of dashboard, %d SQL statements", len(r.Raw), r.Statements)
}

func sessionIDByName(t *testing.T, a *api, name string) string {
	t.Helper()
	r := a.query("", `{ sessions(first: 10) { nodes { id name } } }`, nil)
	for _, s := range get(r.mustData(t), "sessions", "nodes").([]any) {
		if get(s, "name") == name {
			return get(s, "id").(string)
		}
	}
	t.Fatalf("no session %q", name)
	return ""
}

// The whole dashboard, every drill-down included, is one request whose number of SQL statements is bounded and
// does not grow with the page size of the drill-downs or the number of rows behind the figures.
func TestDashboardStatementCount(t *testing.T) {
	a := demoAPI(t)
	counts := map[int]int64{}
	for _, n := range []int{1, 100} {
		r := a.query(a.tokens["ADMIN"], dashboardQuery, map[string]any{"n": n})
		if len(r.Errors) > 0 {
			t.Fatalf("errors: %s", r.Raw)
		}
		if got := len(get(r.Data, "dashboard", "creditSudBySellerSector", 0, "invoices", "nodes").([]any)); n == 100 && got < 2 {
			t.Fatalf("first: 100 returned %d invoices for the first sector", got)
		}
		counts[n] = r.Statements
	}
	// About 60 statements: a handful for the figures, two per drill-down field (a page of every figure of the field
	// and their counts) and one per relation under them. Single keys may or may not meet in a loader's time window,
	// hence a tolerance of a few statements between runs; a relation resolved per record would add hundreds.
	if counts[1] <= 0 || counts[1] > 75 || counts[100] > 75 || counts[100] > counts[1]+3 {
		t.Errorf("SQL statements: first 1 → %d, first 100 → %d; want at most 75 either way", counts[1], counts[100])
	}
	t.Logf("the full dashboard with every drill-down: %d SQL statements", counts[1])
	r := a.query(a.tokens["ADMIN"], dashboardQuery, map[string]any{"n": nil})
	if strings.Contains(r.Raw, `"errors"`) {
		t.Fatalf("errors: %s", r.Raw)
	}
}

// A chamber reads the aggregate figures but no business's records: every drill-down is null and FORBIDDEN, and
// nothing that names a business or an invoice is in the response.
func TestDashboardChamberSeesAggregatesOnly(t *testing.T) {
	a := demoAPI(t)
	r := a.query(a.tokens["CHAMBER"], dashboardQuery, map[string]any{"n": 5})
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	if get(r.Data, "dashboard", "businesses", "registered", "count") != float64(500) {
		t.Errorf("a chamber does not get the aggregate figures: %s", r.Raw[:min(400, len(r.Raw))])
	}
	if get(r.Data, "dashboard", "businesses", "registered", "enterprises") != nil ||
		get(r.Data, "dashboard", "creditSudBySellerSector", 0, "invoices") != nil ||
		get(r.Data, "dashboard", "budget", 0, "ledgerEntries") != nil {
		t.Errorf("a chamber reads a drill-down")
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "FORBIDDEN" {
			t.Errorf("error other than FORBIDDEN: %v", e)
		}
	}
	for _, leak := range []string{`"number"`, "rejectionReason", "postings", "representative"} {
		if strings.Contains(r.Raw, leak) {
			t.Errorf("the chamber's response contains %s", leak)
		}
	}
	// The only names in a chamber's dashboard are the programme's and its sessions'.
	admin := a.query(a.tokens["ADMIN"], `{ enterprises(first: 100) { nodes { name ridet } } }`, nil)
	for _, n := range get(admin.mustData(t), "enterprises", "nodes").([]any) {
		if name := get(n, "name").(string); strings.Contains(r.Raw, `"`+name+`"`) {
			t.Errorf("the chamber's dashboard names the business %q", name)
		}
	}
	ridet, err := model.ParseRIDET(get(admin.Data, "enterprises", "nodes", 0, "ridet").(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"", "ENTERPRISE"} {
		token := ""
		if role == "ENTERPRISE" {
			token = a.token(model.RoleEnterprise, ridet)
		}
		r := a.query(token, `{ dashboard { businesses { registered { count } } } }`, nil)
		if get(r.Data, "dashboard") != nil || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("role %q reads the dashboard: %s", role, r.Raw)
		}
	}
}

// Bad arguments are INVALID errors naming the argument, and run nothing else.
func TestDashboardArguments(t *testing.T) {
	a := newAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)
	other := a.query(a.tokens["ADMIN"], `mutation { createProgramme(input: {name: "Autre"}) { programme { id } } }`, nil)
	otherID := get(other.mustData(t), "createProgramme", "programme", "id")
	tests := []struct {
		name  string
		vars  map[string]any
		field string
	}{
		{"a window ending before it starts", map[string]any{"from": "2025-07-31", "to": "2025-07-30"}, "to"},
		{"a date that is not one", map[string]any{"from": "2025-02-30"}, "from"},
		{"a session of another programme", map[string]any{"programme": otherID, "session": fx.sessionID}, "session"},
		{"a programme's ID given as a session", map[string]any{"session": fx.programmeID}, "session"},
		{"an unknown programme", map[string]any{"programme": "UHJvZ3JhbW1lOjk5OTk5"}, "programme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.query(a.tokens["ADMIN"], `query($programme: ID, $session: ID, $from: Date, $to: Date) {
				dashboard(programme: $programme, session: $session, from: $from, to: $to) { businesses { registered { count } } } }`, tt.vars)
			if len(r.Errors) != 1 || get(r.Data, "dashboard") != nil {
				t.Fatalf("want one error and no dashboard: %s", r.Raw)
			}
			if code := r.Errors[0].Extensions["code"]; code != "INVALID" && code != "BAD_USER_INPUT" && code != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("code %v, want INVALID: %s", code, r.Raw)
			}
			if !strings.Contains(r.Raw, tt.field) {
				t.Errorf("the error does not name %s: %s", tt.field, r.Raw)
			}
		})
	}
	t.Run("a session alone scopes its programme", func(t *testing.T) {
		r := a.query(a.tokens["ADMIN"], `query($s: ID) { dashboard(session: $s) { scope { programme { id } session { id } } } }`, map[string]any{"s": fx.sessionID})
		if get(r.mustData(t), "dashboard", "scope", "programme", "id") != fx.programmeID {
			t.Errorf("scope = %s", r.Raw)
		}
	})
}
