package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/httpapi"
	"sudpro/metrics"
	"sudpro/model"
	"sudpro/store"
)

// withMetrics serves /metrics with the same collectors server.go registers: the pool, the envelopes and the search
// cache.
func withMetrics(st *store.Store, cfg *httpapi.Config) *metrics.Metrics {
	m := metrics.New()
	cfg.Metrics, cfg.ServeMetrics = m, true
	if db, ok := st.DB().(*bun.DB); ok {
		_ = m.RegisterDB("primary", db.DB)
	}
	_ = m.RegisterEnvelopes(func(ctx context.Context) ([]metrics.Envelope, error) {
		list, err := st.OpenEnvelopes(ctx, 20)
		out := make([]metrics.Envelope, len(list))
		for i, e := range list {
			out[i] = metrics.Envelope{Programme: e.Programme, Session: e.Session, Envelope: int64(e.Envelope), Remaining: int64(e.Remaining)}
		}
		return out, err
	}, 2*time.Second, cfg.Logger)
	_ = m.RegisterSearchCache(func() metrics.SearchCacheCounts {
		n := st.SearchCacheCounts()
		return metrics.SearchCacheCounts{Hits: n.Hits, Misses: n.Misses, Stale: n.Stale, Bypassed: n.Bypassed}
	})
	return m
}

func (a *api) metrics() string {
	a.t.Helper()
	res, err := http.Get(a.url + "/metrics")
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET /metrics: %d %s", res.StatusCode, b)
	}
	return string(b)
}

func TestMetricsAfterRequests(t *testing.T) {
	var st *store.Store
	a := newAPIWith(t, func(cfg *httpapi.Config) {
		st = cfg.Store
		withMetrics(st, cfg)
		cfg.Budgets = map[model.Role]int{model.RoleChamber: 1}
	})
	fx := newCreditFixture(t, a, 1_000_000)
	a.query("", `query Directory { enterprises(first: 5) { nodes { name sector { name } commune { name } } }
		sectors { enterprises(first: 2) { nodes { name } } } }`, nil).mustData(t)
	a.query("", `query Broken { nope }`, nil)
	a.query("", `query Private { enterprises(first: 1) { nodes { representative { email } } } }`, nil)
	if r := a.query(a.tokens["CHAMBER"], `query Costly { enterprises(first: 100) { nodes { name } } }`, nil); r.Status != http.StatusTooManyRequests {
		t.Errorf("chamber request over its budget: status %d, want 429", r.Status)
	}
	for range 2 {
		a.query("", `query Search { enterprises(search: "plomberie", first: 2) { totalCount } }`, nil).mustData(t)
	}
	requestID := a.query("", `{ sectors { code } }`, nil).Header.Get("X-Request-ID")

	out := a.metrics()
	for _, want := range []string{
		`sudpro_graphql_requests_total{operation="Directory",outcome="ok",type="query"} 1`,
		`sudpro_graphql_requests_total{operation="anonymous",outcome="ok",type="query"} 1`,
		`sudpro_graphql_requests_total{operation="invalid",outcome="error",type="none"} 1`,
		`sudpro_graphql_requests_total{operation="Private",outcome="partial",type="query"} 1`,
		`sudpro_graphql_requests_total{operation="anonymous",outcome="ok",type="mutation"} 3`,
		`sudpro_graphql_requests_total{operation="Costly",outcome="error",type="query"} 1`,
		`sudpro_graphql_errors_total{code="FORBIDDEN"} 1`,
		`sudpro_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
		`sudpro_graphql_errors_total{code="RATE_LIMITED"} 1`,
		`sudpro_graphql_request_duration_seconds_bucket{operation="Directory",le="+Inf"} 1`,
		`sudpro_sql_statements_per_request_count{operation="Directory"} 1`,
		`sudpro_sql_seconds_per_request_count{operation="Directory"} 1`,
		`sudpro_dataloader_batch_size_count{loader="Connection[Enterprise]"}`,
		`sudpro_rate_limit_refusals_total{reason="budget"} 1`,
		`sudpro_rate_limit_refusals_total{reason="overloaded"} 0`,
		`sudpro_subscriptions_open 0`,
		`sudpro_sessions_open 1`,
		`sudpro_session_envelope_xpf{programme="CréditSud test",session="S1"} 1e+06`,
		`sudpro_session_envelope_remaining_xpf{programme="CréditSud test",session="S1"} 1e+06`,
		`sudpro_session_envelope_scrape_success 1`,
		`sudpro_http_requests_total{code="200",handler="graphql"}`,
		`sudpro_http_requests_total{code="429",handler="graphql"} 1`,
		`sudpro_directory_search_cache_total{result="hit"} 1`,
		`sudpro_directory_search_cache_total{result="miss"} 1`,
		`sudpro_directory_search_cache_total{result="stale"} 0`,
		`go_goroutines`,
		`go_sql_open_connections{db_name="primary"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The statement count of Directory is not more than a handful: the page (its count is not asked), the
	// sectors' pages, and the process's first read of the reference tables.
	if m := regexp.MustCompile(`sudpro_sql_statements_per_request_sum\{operation="Directory"\} (\d+)`).FindStringSubmatch(out); m == nil || m[1] == "0" {
		t.Errorf("Directory statements = %v, want a positive count", m)
	}

	// No label carries an ID: label names come from a fixed set, and no value is an ID, a RIDET or a request ID.
	allowed := []string{"operation", "type", "outcome", "code", "handler", "loader", "reason", "programme", "session", "le", "quantile", "db_name", "version", "result"}
	label := regexp.MustCompile(`([a-z_]+)="([^"]*)"`)
	forbidden := []string{requestID, fx.sessionID, fx.programmeID, fx.seller.RIDET.String(), string(fx.seller.RIDET)}
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "#") || !strings.Contains(line, "{") {
			continue
		}
		for _, m := range label.FindAllStringSubmatch(line, -1) {
			if !slices.Contains(allowed, m[1]) {
				t.Errorf("unexpected label %s in %s", m[1], line)
			}
			for _, id := range forbidden {
				if id != "" && strings.Contains(m[2], id) {
					t.Errorf("label %s=%q carries the ID %s", m[1], m[2], id)
				}
			}
		}
	}
}

func TestMetricsStayOffTheMainListenerUnlessAsked(t *testing.T) {
	a := newAPIWith(t, func(cfg *httpapi.Config) { cfg.Metrics = metrics.New() })
	res, err := http.Get(a.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Errorf("GET /metrics = %d on the API listener with ServeMetrics false", res.StatusCode)
	}
}
