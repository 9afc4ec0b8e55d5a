// Package httpapi is Sud Pro's HTTP surface: the GraphQL endpoint with its middleware (request IDs, logs,
// recovery, limits, authentication, per-request dataloaders), GraphiQL, and health checks.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"sudpro/graph"
	"sudpro/graphiql"
	"sudpro/metrics"
	"sudpro/model"
	"sudpro/store"
)

// Limits of the baseline (architecture.md, Limits).
const (
	MaxBodyBytes      = 1 << 20 // 1 MiB
	MaxParserTokens   = 15_000
	MaxDepth          = 12
	MaxCost           = 25_000 // nodes an operation may return: enterprises(first: 100) { invoices(first: 100) } costs 10,100
	MaxMutationFields = 20
	DefaultTimeout    = 10 * time.Second
	queryCacheEntries = 1000
	// PersistedQueryEntries bounds the Automatic Persisted Queries cache (query texts by hash, least recently used
	// out first).
	PersistedQueryEntries = 1000
	// DefaultMaxInFlight keeps the requests in progress near what the database pool can serve, so that under
	// overload requests wait before they start, not half-way through a transaction.
	DefaultMaxInFlight   = 64
	DefaultAdmissionWait = 2 * time.Second
	// DefaultAnonymousBudget is the hourly points of one anonymous client address.
	DefaultAnonymousBudget = 1_000
)

// DefaultBudgets are the hourly points of each role (the schema's RateLimit description says the same).
var DefaultBudgets = map[model.Role]int{model.RoleEnterprise: 10_000, model.RoleChamber: 20_000,
	model.RoleAgent: 50_000, model.RoleAdmin: 50_000}

// Authenticator turns an Authorization header into an actor.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (model.Actor, error)
}

// Config is what the HTTP surface needs; server.go fills it.
type Config struct {
	Store          *store.Store
	Auth           Authenticator
	Logger         *slog.Logger
	RequestTimeout time.Duration // 0 means DefaultTimeout
	Introspection  bool          // anonymous callers may introspect (development); authenticated callers always may
	// Budgets are the points per hour of each role; AnonymousBudget those of an anonymous client address (zero
	// values take DefaultBudgets and DefaultAnonymousBudget).
	Budgets         map[model.Role]int
	AnonymousBudget int
	// CORSOrigins are the browser origins allowed to call the API (e.g. the Province's dashboard); none by default.
	CORSOrigins []string
	// MaxInFlight caps the GraphQL requests executing at once (0: DefaultMaxInFlight); others wait up to
	// AdmissionWait (0: DefaultAdmissionWait) for a place, then get 503 without anything having run.
	MaxInFlight   int
	AdmissionWait time.Duration
	// Ready reports whether the service can take traffic (database reachable, migrations at head).
	Ready func(context.Context) error
	// Metrics, when set, counts requests, operations, errors, SQL statements, batches and refusals; with
	// ServeMetrics, /metrics serves them on this handler (otherwise the server serves them on its own address).
	Metrics      *metrics.Metrics
	ServeMetrics bool
	// Tracer, when set, gives each request, root resolver and dataloader batch an OpenTelemetry span; nil costs
	// nothing.
	Tracer trace.TracerProvider
	// ReadYourWrites is how long a caller's reads stay on the primary after its own mutation, when the store
	// has a read replica (0: no tracking, for a store without one).
	ReadYourWrites time.Duration
	// Events, when set, feeds the subscriptions (a store.Listener); Metrics counts them in its subscriptions gauge.
	Events graph.Events
	// Streams ends every WebSocket and SSE stream when it is cancelled (the server's drain: http.Server.Shutdown
	// does not wait for them); nil: streams end with their client.
	Streams context.Context
	// InitTimeout is how long a WebSocket client has to send connection_init (0: DefaultInitTimeout).
	InitTimeout time.Duration
	// PersistedOnlyRoles are the roles whose callers may run only registered operations (persisted_operations),
	// as API keys with persisted_only may.
	PersistedOnlyRoles []model.Role
	// LocalProfiling opens the Go profiles under /debug/pprof/ to every caller (local mode); without it they are
	// for ADMIN tokens only.
	LocalProfiling bool
}

// New returns the HTTP handler of the whole API.
func New(cfg Config) http.Handler {
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultTimeout
	}
	budgets := maps.Clone(DefaultBudgets)
	maps.Copy(budgets, cfg.Budgets)
	cfg.Budgets = budgets
	if cfg.AnonymousBudget == 0 {
		cfg.AnonymousBudget = DefaultAnonymousBudget
	}
	mux := http.NewServeMux()
	budget := budgetOf(cfg) // one per process: its point leases serve GraphQL and exports alike
	mux.Handle("/graphql", graphQL(cfg, budget))
	// Exports are charged to the same hourly budget as GraphQL: 1 point plus 1 per 100 rows.
	mux.Handle("GET /export/directory.csv", withRateHeaders(cfg.Metrics, withActor(cfg.Auth, exportDirectory(cfg.Store, budget))))
	mux.Handle("GET /export/dashboard.csv", withActor(cfg.Auth, exportDashboard(cfg.Store, false)))
	mux.Handle("GET /export/dashboard.xlsx", withActor(cfg.Auth, exportDashboard(cfg.Store, true)))
	mux.Handle("/debug/pprof/", profiling(cfg.Auth, cfg.LocalProfiling))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := cfg.Ready(r.Context()); err != nil {
			cfg.Logger.WarnContext(r.Context(), "not ready", "error", err.Error())
			writeText(w, http.StatusServiceUnavailable, "not ready\n")
			return
		}
		writeText(w, http.StatusOK, "ready\n")
	})
	if cfg.Metrics != nil && cfg.ServeMetrics {
		mux.Handle("GET /metrics", cfg.Metrics.Handler())
	}
	explorer := graphiql.Handler("Sud Pro API", "/graphql")
	mux.Handle("/", explorer)
	h := withRequestLog(cfg.Logger, cfg.Metrics, withRecover(cfg.Logger, withSecurityHeaders(withCORS(cfg.CORSOrigins, mux))))
	if cfg.Tracer != nil {
		h = withTracing(cfg.Tracer, h)
	}
	return h
}

// withSecurityHeaders sets the headers every response should carry; GraphiQL adds its own CSP.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		if r.URL.Path == "/graphql" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// withCORS lets browsers on the configured origins call the API; with none configured (the default), no CORS
// header is ever sent, so browsers keep other sites' pages from reading responses.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.TrimRight(strings.TrimSpace(o), "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !allowed[origin] {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Reset, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// budgetOf is the hourly points budget of cfg's callers.
func budgetOf(cfg Config) *graph.Budget {
	return &graph.Budget{PerRole: cfg.Budgets, Anonymous: cfg.AnonymousBudget, Lease: cfg.Store.Lease, KeyBudget: cfg.Store.APIKeyBudget}
}

// graphQL builds the gqlgen server behind the GraphQL middleware, charging operations to budget.
func graphQL(cfg Config, budget *graph.Budget) http.Handler {
	resolver := graph.NewResolver(cfg.Store, cfg.Logger, RequestID)
	schema := graph.NewExecutableSchema(graph.Config{
		Resolvers:  resolver,
		Directives: graph.DirectiveRoot{Auth: graph.Auth},
	})
	var opened func() func()
	if cfg.Metrics != nil {
		opened = cfg.Metrics.SubscriptionOpened
	}
	resolver.WithEvents(cfg.Events, opened)
	srv := handler.New(schema)
	addStreamTransports(srv, cfg)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{UseGrapQLResponseJsonByDefault: true})
	srv.AddTransport(transport.POST{UseGrapQLResponseJsonByDefault: true})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheEntries))
	// Automatic Persisted Queries (Apollo's protocol): a client may send only its query's SHA-256; the server keeps
	// the texts it has seen in a bounded LRU cache and asks for the text (PERSISTED_QUERY_NOT_FOUND) on a miss.
	srv.Use(graph.Allowlist{Roles: cfg.PersistedOnlyRoles, Lookup: cfg.Store.PersistedQuery})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](PersistedQueryEntries)})
	srv.SetParserTokenLimit(MaxParserTokens)
	srv.Use(graph.MutationAudit{Resolver: resolver}) // the audit, as a field middleware of mutation operations only
	srv.SetErrorPresenter(graph.ErrorPresenter(cfg.Logger, RequestID))
	srv.SetRecoverFunc(graph.RecoverFunc(cfg.Logger, RequestID))
	observe(srv, cfg)
	srv.Use(graph.Limits{MaxDepth: MaxDepth, MaxCost: MaxCost, MaxMutationFields: MaxMutationFields, PublicSchema: cfg.Introspection,
		Budget: budget})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil && resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		if resp != nil {
			resp.Extensions["requestId"] = RequestID(ctx)
			if state := graph.RateStateFrom(ctx); state != nil && state.Checked {
				resp.Extensions["cost"] = map[string]any{
					"requestedQueryCost": state.Points, "actualQueryCost": state.Points,
					"throttleStatus": map[string]any{"maximumAvailable": state.Limit, "currentlyAvailable": state.Remaining(),
						"resetAt": state.ResetAt.Format(time.RFC3339)},
				}
			}
		}
		return resp
	})
	var h http.Handler = srv
	h = withLoaders(cfg.Store, batchHook(cfg.Metrics, cfg.Tracer), h)
	h = withReadRouting(cfg.ReadYourWrites, h)
	h = withCacheControl(h)
	h = withRateHeaders(cfg.Metrics, h)
	h = withActor(cfg.Auth, h)
	h = withBodyCheck(h)
	h = withQueriesOnlyOverGET(h)
	h = withoutDataOnFailure(h)
	h = http.TimeoutHandler(h, cfg.RequestTimeout, `{"errors":[{"message":"request timed out","extensions":{"code":"TIMEOUT"}}]}`)
	h = withAdmission(cfg.MaxInFlight, cfg.AdmissionWait, cfg.Metrics, h)
	stream := streams(cfg, srv)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStream(r) {
			stream.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// withCacheControl honours a request's Cache-Control: no-cache: its directory searches are read from the
// businesses, not from the API's cache of searches (store.WithNoCache). Kept answers are exact (the cache checks
// the directory's version), so this is for measuring and for the wary, never needed for freshness.
func withCacheControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if noCache(r.Header) {
			r = r.WithContext(store.WithNoCache(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}

// noCache reports whether h's Cache-Control has the no-cache directive (RFC 9111 §5.2.1.4).
func noCache(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			if d = strings.ToLower(strings.TrimSpace(d)); d == "no-cache" {
				return true
			}
		}
	}
	return false
}

// withAdmission lets at most max requests execute at once. A request that finds no place within wait is
// refused with 503 and Retry-After before anything runs: under overload a client is told early and can retry,
// instead of timing out after its mutation committed.
func withAdmission(max int, wait time.Duration, m *metrics.Metrics, next http.Handler) http.Handler {
	if max <= 0 {
		max = DefaultMaxInFlight
	}
	if wait <= 0 {
		wait = DefaultAdmissionWait
	}
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		case <-timer.C:
			if m != nil {
				m.Refused("overloaded")
			}
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "OVERLOADED", "the server is busy: retry in a moment (with the same idempotency key for a mutation)")
		case <-r.Context().Done():
		}
	})
}

// clientIP is the address the request came from (the anonymous callers' budget is per address).
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// withRateHeaders gives each request a rate state and, once the budget has been charged, reports it in
// x-ratelimit-* headers; a refused request becomes 429 with Retry-After.
func withRateHeaders(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, state := graph.WithRateState(r.Context(), clientIP(r))
		next.ServeHTTP(&rateWriter{ResponseWriter: w, state: state, metrics: m}, r.WithContext(ctx))
	})
}

type rateWriter struct {
	http.ResponseWriter
	state   *graph.RateState
	metrics *metrics.Metrics
	written bool
}

func (rw *rateWriter) WriteHeader(code int) {
	if !rw.written {
		rw.written = true
		if s := rw.state; s.Checked {
			h := rw.Header()
			h.Set("X-RateLimit-Limit", strconv.Itoa(s.Limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(s.Remaining()))
			h.Set("X-RateLimit-Used", strconv.Itoa(s.Used))
			h.Set("X-RateLimit-Reset", strconv.FormatInt(s.ResetAt.Unix(), 10))
			if s.Throttled {
				h.Set("Retry-After", strconv.Itoa(max(1, int(time.Until(s.ResetAt).Seconds()))))
				code = http.StatusTooManyRequests
				if rw.metrics != nil {
					rw.metrics.Refused("budget")
				}
			}
		}
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *rateWriter) Write(b []byte) (int, error) {
	if !rw.written {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriter.Write(b)
}

func (rw *rateWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// withLoaders gives each request a fresh set of dataloaders, whose batches report to hook.
func withLoaders(st *store.Store, hook graph.BatchHook, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := graph.WithBatchHook(graph.WithLoaders(r.Context(), graph.NewLoaders(st)), hook)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withActor authenticates the caller; a bad or expired token is 401, never silently anonymous.
func withActor(a Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if model.ErrorCodeOf(err) != model.CodeUnauthenticated {
				loggerFrom(r.Context()).ErrorContext(r.Context(), "authentication failed", "error", err.Error())
				writeError(w, http.StatusServiceUnavailable, "INTERNAL", "authentication is unavailable, try again")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="sudpro", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, string(model.CodeUnauthenticated), err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(model.WithActor(r.Context(), actor)))
	})
}

// withBodyCheck refuses, before GraphQL sees them, bodies over MaxBodyBytes (413), bodies that are not JSON
// (400, without echoing them) and JSON arrays (batching is not supported).
func withBodyCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", fmt.Sprintf("request body over %d bytes", MaxBodyBytes))
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "could not read the request body")
			return
		}
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		switch {
		case len(trimmed) > 0 && trimmed[0] == '[':
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "batched (array) requests are not supported; send one operation per request")
			return
		case isJSON(r) && !json.Valid(body):
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "the request body is not valid JSON")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// withoutDataOnFailure removes the "data": null that gqlgen writes into 4xx responses: a request that could not
// be executed has no data key at all (GraphQL over HTTP).
func withoutDataOnFailure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fw := &failureWriter{ResponseWriter: w}
		next.ServeHTTP(fw, r)
		fw.flush()
	})
}

// failureWriter holds back the body of a 4xx response to rewrite it; other responses pass straight through.
type failureWriter struct {
	http.ResponseWriter
	status int
	held   bytes.Buffer
}

func (f *failureWriter) WriteHeader(code int) {
	if f.status != 0 {
		return
	}
	f.status = code
	if code < 400 || code >= 500 {
		f.ResponseWriter.WriteHeader(code)
	}
}

func (f *failureWriter) Write(b []byte) (int, error) {
	if f.status == 0 {
		f.WriteHeader(http.StatusOK)
	}
	if f.status >= 400 && f.status < 500 {
		return f.held.Write(b)
	}
	return f.ResponseWriter.Write(b)
}

func (f *failureWriter) flush() {
	if f.status < 400 || f.status >= 500 {
		return
	}
	body := f.held.Bytes()
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		if _, ok := top["data"]; ok {
			delete(top, "data")
			if b, err := json.Marshal(top); err == nil {
				body = append(b, '\n')
			}
		}
	}
	f.ResponseWriter.Header().Del("Content-Length")
	f.ResponseWriter.WriteHeader(f.status)
	_, _ = f.ResponseWriter.Write(body)
}

func (f *failureWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// withQueriesOnlyOverGET answers a mutation sent with GET with 405 and "Allow: POST", as the GraphQL-over-HTTP
// specification asks (gqlgen's GET transport says 406); the mutation never runs.
func withQueriesOnlyOverGET(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w = &getStatusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

type getStatusWriter struct{ http.ResponseWriter }

func (g *getStatusWriter) WriteHeader(code int) {
	if code == http.StatusNotAcceptable {
		g.Header().Set("Allow", http.MethodPost)
		code = http.StatusMethodNotAllowed
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *getStatusWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func isJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return ct == "" || bytes.HasPrefix([]byte(ct), []byte("application/json"))
}

// withRecover turns a panic anywhere below into a 500 with the request ID, logging the stack.
func withRecover(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error (request "+RequestID(r.Context())+")")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// writeError writes a GraphQL-shaped error response with no data key: execution never started.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
