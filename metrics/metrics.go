// Package metrics holds Sud Pro's Prometheus metrics: what the HTTP and GraphQL layers count, the database
// pools' statistics and the CréditSud envelopes read at scrape time. Every label has a bounded set of values:
// operation names beyond a cap are grouped, and no label carries an ID.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Operation label values that are not an operation's own name.
const (
	Anonymous = "anonymous" // an operation without a name
	Other     = "other"     // a name seen after the first MaxOperationNames
	Invalid   = "invalid"   // a request that did not parse or validate
)

// MaxOperationNames caps the operation names that get their own label value; later ones count as Other.
const MaxOperationNames = 200

// Metrics are the collectors of one server process, on their own registry (no global state).
type Metrics struct {
	registry *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	errors        *prometheus.CounterVec
	sqlStatements *prometheus.HistogramVec
	sqlSeconds    *prometheus.HistogramVec
	replicaReads  prometheus.Counter
	batchSizes    *prometheus.HistogramVec
	subscriptions prometheus.Gauge
	refusals      *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]bool
}

// New returns the metrics with the Go runtime and process collectors registered.
func New() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry(), names: map[string]bool{}}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sudpro_http_requests_total", Help: "HTTP requests by handler and status code.",
	}, []string{"handler", "code"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sudpro_graphql_requests_total",
		Help: "GraphQL operations by operation name (anonymous, other and invalid grouped), type and outcome (ok, partial: data with errors, error: no data).",
	}, []string{"operation", "type", "outcome"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sudpro_graphql_request_duration_seconds", Help: "Time from the start of a GraphQL operation to its response, by operation name.",
		Buckets: []float64{.005, .01, .025, .05, .1, .2, .3, .5, 1, 2.5, 5, 10},
	}, []string{"operation"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sudpro_graphql_errors_total", Help: "GraphQL errors in responses, by extensions.code.",
	}, []string{"code"})
	m.sqlStatements = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sudpro_sql_statements_per_request", Help: "SQL statements run for one GraphQL operation, by operation name.",
		Buckets: []float64{0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100},
	}, []string{"operation"})
	m.sqlSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sudpro_sql_seconds_per_request", Help: "Time spent in SQL statements for one GraphQL operation (added up), by operation name.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"operation"})
	m.replicaReads = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sudpro_sql_replica_statements_total", Help: "SQL statements of GraphQL operations that ran on the read replica (DATABASE_READ_URL).",
	})
	m.batchSizes = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sudpro_dataloader_batch_size", Help: "Keys per dataloader batch, by loader (the type it loads).",
		Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
	}, []string{"loader"})
	m.subscriptions = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sudpro_subscriptions_open", Help: "GraphQL subscriptions open on this process.",
	})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sudpro_rate_limit_refusals_total",
		Help: "Requests refused before they ran: budget (429, the hourly points budget is spent) or overloaded (503, no execution slot within the admission wait).",
	}, []string{"reason"})
	for _, reason := range []string{"budget", "overloaded"} {
		m.refusals.WithLabelValues(reason)
	}
	m.registry.MustRegister(m.httpRequests, m.requests, m.latency, m.errors, m.sqlStatements, m.sqlSeconds,
		m.replicaReads, m.batchSizes, m.subscriptions, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Register adds a collector (a database pool's statistics, the envelopes).
func (m *Metrics) Register(c prometheus.Collector) error { return m.registry.Register(c) }

// RegisterDB reports a connection pool's statistics as go_sql_* series labelled db_name=name.
func (m *Metrics) RegisterDB(name string, db *sql.DB) error {
	return m.registry.Register(collectors.NewDBStatsCollector(db, name))
}

// Operation returns the label value of an operation name: the name itself among the first MaxOperationNames
// seen, Other after that, Anonymous for an unnamed operation.
func (m *Metrics) Operation(name string) string {
	if name == "" {
		return Anonymous
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= MaxOperationNames {
		return Other
	}
	m.names[name] = true
	return name
}

// Request is what the GraphQL layer knows about one operation when it answers.
type Request struct {
	Operation     string // label value from Operation, or Invalid
	Type          string // query, mutation, subscription, or "" when the request did not parse
	Outcome       string // ok, partial or error
	Duration      time.Duration
	ErrorCodes    []string
	Statements    int64
	OnReplica     int64
	StatementTime time.Duration
}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,39}$`)

// ObserveRequest records one GraphQL operation.
func (m *Metrics) ObserveRequest(r Request) {
	typ := r.Type
	if typ == "" {
		typ = "none"
	}
	m.requests.WithLabelValues(r.Operation, typ, r.Outcome).Inc()
	m.latency.WithLabelValues(r.Operation).Observe(r.Duration.Seconds())
	for _, code := range r.ErrorCodes {
		if !codePattern.MatchString(code) {
			code = "OTHER"
		}
		m.errors.WithLabelValues(code).Inc()
	}
	m.sqlStatements.WithLabelValues(r.Operation).Observe(float64(r.Statements))
	m.sqlSeconds.WithLabelValues(r.Operation).Observe(r.StatementTime.Seconds())
	m.replicaReads.Add(float64(r.OnReplica))
}

// ObserveHTTP records one HTTP response; handler is one of a fixed set of names (graphql, graphiql, healthz…).
func (m *Metrics) ObserveHTTP(handler string, status int) {
	m.httpRequests.WithLabelValues(handler, statusText(status)).Inc()
}

func statusText(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	const digits = "0123456789"
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}

// ObserveBatch records the size of one dataloader batch.
func (m *Metrics) ObserveBatch(loader string, keys int) {
	m.batchSizes.WithLabelValues(loader).Observe(float64(keys))
}

// Refused records a request refused before it ran: reason is "budget" or "overloaded".
func (m *Metrics) Refused(reason string) { m.refusals.WithLabelValues(reason).Inc() }

// SubscriptionOpened counts an open subscription until the returned function is called (once, when it ends).
func (m *Metrics) SubscriptionOpened() (closed func()) {
	m.subscriptions.Inc()
	var once sync.Once
	return func() { once.Do(m.subscriptions.Dec) }
}

// EnvelopeReader reads the open sessions' envelopes (store.Store.OpenEnvelopes).
type EnvelopeReader func(ctx context.Context) ([]Envelope, error)

// Envelope is one open session's envelope in XPF.
type Envelope struct {
	Programme, Session  string
	Envelope, Remaining int64
}

// envelopes is a collector reading the envelopes at scrape time, with a timeout so a slow database never
// stalls a scrape.
type envelopes struct {
	read                   EnvelopeReader
	timeout                time.Duration
	logger                 *slog.Logger
	remaining, total, open *prometheus.Desc
	up                     *prometheus.Desc
}

// RegisterEnvelopes adds the session envelope gauges, read by read at each scrape within timeout.
func (m *Metrics) RegisterEnvelopes(read EnvelopeReader, timeout time.Duration, logger *slog.Logger) error {
	labels := []string{"programme", "session"}
	return m.registry.Register(&envelopes{read: read, timeout: timeout, logger: logger,
		remaining: prometheus.NewDesc("sudpro_session_envelope_remaining_xpf", "What remains of an open CréditSud session's envelope (XPF), read from the ledger at scrape time.", labels, nil),
		total:     prometheus.NewDesc("sudpro_session_envelope_xpf", "An open CréditSud session's envelope (XPF).", labels, nil),
		open:      prometheus.NewDesc("sudpro_sessions_open", "CréditSud sessions open now (at most the number reported by the envelope series).", nil, nil),
		up:        prometheus.NewDesc("sudpro_session_envelope_scrape_success", "1 when the envelopes could be read at this scrape, 0 otherwise.", nil, nil),
	})
}

func (e *envelopes) Describe(ch chan<- *prometheus.Desc) {
	ch <- e.remaining
	ch <- e.total
	ch <- e.open
	ch <- e.up
}

func (e *envelopes) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	list, err := e.read(ctx)
	if err != nil {
		e.logger.Warn("metrics: read session envelopes", "error", err.Error())
		ch <- prometheus.MustNewConstMetric(e.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(e.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(e.open, prometheus.GaugeValue, float64(len(list)))
	seen := map[[2]string]bool{}
	for _, v := range list {
		key := [2]string{v.Programme, v.Session}
		if seen[key] {
			continue // two open sessions of one name in one programme: one series, the latest opened
		}
		seen[key] = true
		ch <- prometheus.MustNewConstMetric(e.remaining, prometheus.GaugeValue, float64(v.Remaining), v.Programme, v.Session)
		ch <- prometheus.MustNewConstMetric(e.total, prometheus.GaugeValue, float64(v.Envelope), v.Programme, v.Session)
	}
}

// SearchCacheCounts are what the API's cache of directory searches did since the process started.
type SearchCacheCounts struct{ Hits, Misses, Stale, Bypassed uint64 }

// searchCache is a collector reading the search cache's counts at scrape time.
type searchCache struct {
	read func() SearchCacheCounts
	desc *prometheus.Desc
}

// RegisterSearchCache adds sudpro_directory_search_cache_total, by result, read by read at each scrape.
func (m *Metrics) RegisterSearchCache(read func() SearchCacheCounts) error {
	return m.registry.Register(&searchCache{read: read, desc: prometheus.NewDesc("sudpro_directory_search_cache_total",
		"Directory searches with counts (totalCount, facets) by how the API's cache answered them: hit (kept answer, directory unchanged), miss (none kept), stale (the directory changed since), bypass (Cache-Control: no-cache, or a search the cache does not keep).",
		[]string{"result"}, nil)})
}

func (c *searchCache) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *searchCache) Collect(ch chan<- prometheus.Metric) {
	n := c.read()
	for _, r := range []struct {
		result string
		count  uint64
	}{{"hit", n.Hits}, {"miss", n.Misses}, {"stale", n.Stale}, {"bypass", n.Bypassed}} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(r.count), r.result)
	}
}
