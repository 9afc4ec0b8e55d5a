package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sudpro/auth"
	"sudpro/dbtest"
	"sudpro/httpapi"
	"sudpro/model"
	"sudpro/store"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// api is a running API on a fresh database, reached through the real HTTP handler and middleware.
type api struct {
	t      *testing.T
	url    string
	store  *store.Store
	logs   *syncBuffer
	tokens map[string]string // by role, plus "ENTERPRISE:<ridet>"
}

func newAPI(t *testing.T) *api {
	t.Helper()
	return newAPIWith(t, func(*httpapi.Config) {})
}

// newAPIWith is newAPI with a changed configuration.
func newAPIWith(t *testing.T, configure func(*httpapi.Config)) *api {
	t.Helper()
	db := dbtest.New(t)
	st := store.New(db)
	logs := &syncBuffer{}
	return serveAPI(t, st, logs, testHandler(t, st, logs, configure))
}

// serveAPI serves h, the API's handler over st, to the test, with a token for each staff role.
func serveAPI(t *testing.T, st *store.Store, logs *syncBuffer, h http.Handler) *api {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	a := &api{t: t, url: srv.URL, store: st, logs: logs, tokens: map[string]string{}}
	for _, role := range []model.Role{model.RoleAdmin, model.RoleAgent, model.RoleChamber} {
		a.tokens[string(role)] = a.token(role, "")
	}
	return a
}

func (a *api) token(role model.Role, ridet model.RIDET) string {
	a.t.Helper()
	tok, err := auth.Issue(testSecret, auth.DefaultIssuer, auth.DefaultAudience, "test", role, ridet, time.Hour, time.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// testHandler is the API's real handler over st for tests: development tokens signed with testSecret, chamber
// API keys, JSON logs into logs; configure may change the configuration.
func testHandler(tb testing.TB, st *store.Store, logs io.Writer, configure func(*httpapi.Config)) http.Handler {
	tb.Helper()
	logger := slog.New(httpapi.WithRequestIDs(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	authenticator, err := auth.New(tb.Context(), auth.Options{
		HS256Secret: testSecret, Issuer: auth.DefaultIssuer, Audience: auth.DefaultAudience, APIKeys: st.APIKeyActor,
		Lookup: st.EnterpriseIDByRIDET})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := httpapi.Config{
		Store: st, Auth: authenticator, Logger: logger, Introspection: true,
		Ready: func(ctx context.Context) error { return st.Ping(ctx) },
	}
	configure(&cfg)
	return httpapi.New(cfg)
}

// response is a decoded GraphQL response.
type response struct {
	Status     int
	Header     http.Header
	Raw        string
	Data       map[string]any
	Errors     []gqlError
	Statements int64
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// query posts a GraphQL request with the given token ("" for anonymous).
func (a *api) query(token, query string, vars map[string]any) response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return a.post(token, "application/json", string(body))
}

func (a *api) post(token, contentType, body string) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.url+"/graphql", strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.do(req)
}

func (a *api) do(req *http.Request) response {
	a.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw), Statements: -1}
	var decoded struct {
		Data   map[string]any `json:"data"`
		Errors []gqlError     `json:"errors"`
	}
	if json.Unmarshal(raw, &decoded) == nil {
		r.Data, r.Errors = decoded.Data, decoded.Errors
	}
	r.Statements = a.statementsOf(res.Header.Get("X-Request-ID"))
	return r
}

// leased makes token's first request of the hour, which takes this process's lease of the caller's points
// budget (one SQL statement, graph.Budget) and, the process's first use of the reference tables, reads them into
// its reference cache (one statement per table, store.References), so that the statements of the requests that
// follow are theirs alone.
func (a *api) leased(token string) {
	a.t.Helper()
	a.query(token, `{ rateLimit { used } sectors { code } }`, nil).mustData(a.t)
}

// statementsOf reads the SQL statement count of a request from the request log line.
func (a *api) statementsOf(requestID string) int64 {
	if n, ok := a.requestLog(requestID)["sql_statements"].(float64); ok {
		return int64(n)
	}
	return -1
}

// requestLog returns the fields of a request's log line, nil if it never appears.
func (a *api) requestLog(requestID string) map[string]any {
	for range 50 {
		sc := bufio.NewScanner(strings.NewReader(a.logs.String()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "request" && line["request_id"] == requestID {
				return line
			}
		}
		time.Sleep(10 * time.Millisecond) // the log line is written just after the response
	}
	return nil
}

// mustData fails the test when the response has errors.
func (r response) mustData(t *testing.T) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors %+v, body %s", r.Status, r.Errors, r.Raw)
	}
	return r.Data
}

// get walks a decoded JSON value along a path of keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

// fixture is a small, known data set.
type fixture struct {
	listed, unlisted *model.Enterprise
	twins            []*model.Enterprise // same name, for pagination
	all              []*model.Enterprise
	invoices         []*model.Invoice
}

// seedFixture registers businesses (some listed, one not, many with the same name) and invoices between them.
func seedFixture(t testing.TB, st *store.Store, twins int) fixture {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	var es []*model.Enterprise
	mk := func(i int, name string, listed bool) *model.Enterprise {
		sectors := []string{"BTP", "SERVICES", "COMMERCE", "NUMERIQUE"}
		communes := []string{"98818", "98805", "98821"}
		return &model.Enterprise{
			RIDET: model.RIDET(fmt.Sprintf("%07d001", 1000000+i)), Name: name, LegalForm: model.LegalFormPatente,
			APECode: "4322A", SectorCode: sectors[i%len(sectors)], CommuneCode: communes[i%len(communes)],
			Headcount: i % 4, Status: model.EnterpriseActive, RegisteredAt: base.Add(time.Duration(i%5) * time.Hour),
			ListedInDirectory: listed, ContactEmail: fmt.Sprintf("contact%d@pro.nc", i), ContactPhone: "+687 27 00 00",
			RepresentativeName: fmt.Sprintf("Personne %d", i), RepresentativeEmail: fmt.Sprintf("secret.person%d@private.nc", i),
			RepresentativePhone: "+687 79 00 00", Keywords: []string{"plomberie"},
		}
	}
	es = append(es, mk(1, "Électricité Kanak Services", true), mk(2, "Atelier Caché", false))
	for i := range twins {
		es = append(es, mk(100+i, "Plomberie Dupont", true))
	}
	if err := st.InsertEnterprises(ctx, es); err != nil {
		t.Fatalf("insert enterprises: %v", err)
	}
	f := fixture{listed: es[0], unlisted: es[1], twins: es[2:], all: es}
	rate := &model.TGCRate{Code: "NORMAL", BasisPoints: 1100}
	for i, seller := range es {
		for j := range 7 {
			buyer := es[(i+j+1)%len(es)]
			if buyer.ID == seller.ID {
				continue
			}
			line := &model.InvoiceLine{Designation: "Dépannage", Quantity: int64(j + 1), UnitPriceHT: 10_000, TGCRateCode: "NORMAL", ExpenseCategory: model.DefaultExpenseCategory}
			model.ComputeLine(line, rate, false)
			totals := model.Totals([]*model.InvoiceLine{line})
			inv := &model.Invoice{SellerID: seller.ID, BuyerID: buyer.ID, Number: fmt.Sprintf("F-%03d", j), Status: model.InvoiceIssued,
				IssuedAt: base.Add(time.Duration(i*10+j) * time.Minute), TotalHT: totals.HT, TotalTGC: totals.TGC, TotalTTC: totals.TTC}
			if err := st.InsertInvoice(ctx, inv, []*model.InvoiceLine{line}); err != nil {
				t.Fatalf("insert invoice: %v", err)
			}
			f.invoices = append(f.invoices, inv)
		}
	}
	return f
}
