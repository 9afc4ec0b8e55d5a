package httpapi

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"sudpro/graph"
	"sudpro/metrics"
	"sudpro/model"
	"sudpro/store"
)

const tracerName = "sudpro/httpapi"

// handlerName is the bounded label of a request's path in metrics and span names.
func handlerName(path string) string {
	switch path {
	case "/graphql":
		return "graphql"
	case "/healthz", "/readyz", "/metrics":
		return path[1:]
	}
	if path == "/" || strings.HasPrefix(path, "/assets/") || strings.HasPrefix(path, "/graphiql") {
		return "graphiql"
	}
	return "other"
}

// withTracing starts a server span per request, continuing the caller's trace (W3C traceparent) when it sends one.
func withTracing(tp trace.TracerProvider, next http.Handler) http.Handler {
	tracer := tp.Tracer(tracerName)
	propagator := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+handlerName(r.URL.Path), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		if rec.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	})
}

// observe adds to the GraphQL server what operators see of each operation: metrics (operation, outcome,
// latency, error codes, SQL statements and time), tracing spans (the operation names the request span; root
// resolvers and dataloader batches get their own), and the primary-only reads of mutations.
func observe(srv *handler.Server, cfg Config) {
	var tracer trace.Tracer
	if cfg.Tracer != nil {
		tracer = cfg.Tracer.Tracer(tracerName)
	}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
			// A mutation reads what it is about to change, and its payload shows the result: all on the primary.
			ctx = store.WithPrimaryReads(ctx)
			if w := writesFrom(ctx); w != nil {
				w.mutated.Store(true)
			}
		}
		if tracer != nil && oc.Operation != nil {
			span := trace.SpanFromContext(ctx)
			span.SetName(string(oc.Operation.Operation) + " " + operationLabel(oc.Operation.Name))
			span.SetAttributes(attribute.String("graphql.operation.type", string(oc.Operation.Operation)),
				attribute.String("graphql.operation.name", oc.Operation.Name))
		}
		return next(ctx)
	})
	if tracer != nil {
		srv.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
			fc := graphql.GetRootFieldContext(ctx)
			object := fc.Object
			if fc.Field.ObjectDefinition != nil {
				object = fc.Field.ObjectDefinition.Name
			}
			ctx, span := tracer.Start(ctx, object+"."+fc.Field.Name, trace.WithAttributes(attribute.String("graphql.field.alias", fc.Field.Alias)))
			defer span.End()
			return next(ctx)
		})
	}
	if cfg.Metrics != nil {
		srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			resp := next(ctx)
			if resp != nil {
				cfg.Metrics.ObserveRequest(requestMetrics(ctx, cfg.Metrics, resp))
			}
			return resp
		})
	}
}

// operationLabel names an operation in span names: its name, or "anonymous".
func operationLabel(name string) string {
	if name == "" {
		return metrics.Anonymous
	}
	return name
}

// requestMetrics sums up one GraphQL response for the metrics.
func requestMetrics(ctx context.Context, m *metrics.Metrics, resp *graphql.Response) metrics.Request {
	r := metrics.Request{Operation: metrics.Invalid, Outcome: "ok"}
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil {
			r.Operation, r.Type = m.Operation(oc.Operation.Name), string(oc.Operation.Operation)
		}
		if !oc.Stats.OperationStart.IsZero() {
			r.Duration = time.Since(oc.Stats.OperationStart)
		}
	}
	if len(resp.Errors) > 0 {
		r.Outcome = "partial"
		if len(resp.Data) == 0 || string(resp.Data) == "null" {
			r.Outcome = "error"
		}
	}
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "NONE"
		}
		r.ErrorCodes = append(r.ErrorCodes, code)
	}
	if c := store.StatementCountFrom(ctx); c != nil {
		r.Statements, r.OnReplica, r.StatementTime = c.Load(), c.OnReplica(), c.Duration()
	}
	return r
}

// batchHook reports each dataloader batch to the metrics and, when tracing, as a span.
func batchHook(m *metrics.Metrics, tp trace.TracerProvider) graph.BatchHook {
	var tracer trace.Tracer
	if tp != nil {
		tracer = tp.Tracer(tracerName)
	}
	return func(ctx context.Context, loader string, keys int) (context.Context, func()) {
		if m != nil {
			m.ObserveBatch(loader, keys)
		}
		if tracer == nil {
			return ctx, func() {}
		}
		ctx, span := tracer.Start(ctx, "dataloader "+loader, trace.WithAttributes(attribute.Int("dataloader.keys", keys)))
		return ctx, func() { span.End() }
	}
}

// writes is one request's note that it ran a mutation, read when its response starts.
type writes struct{ mutated atomic.Bool }

type writesKey struct{}

func writesFrom(ctx context.Context) *writes {
	w, _ := ctx.Value(writesKey{}).(*writes)
	return w
}

// readYourWritesCookie carries, in milliseconds since the epoch, until when a browser's reads stay on the
// primary after its own write: another server process behind the load balancer honours it too.
const readYourWritesCookie = "sudpro_primary_until"

// recentWriters remembers, for a short window, the callers that have just written, so that their next reads go
// to the primary and show their write even when the replica lags. Bounded: past maxRecentWriters callers the
// expired ones are dropped, and if none has expired the new one is not remembered (its cookie still works).
type recentWriters struct {
	window time.Duration
	mu     sync.Mutex
	until  map[string]time.Time
}

const maxRecentWriters = 100_000

func newRecentWriters(window time.Duration) *recentWriters {
	return &recentWriters{window: window, until: map[string]time.Time{}}
}

func (rw *recentWriters) wrote(caller string, now time.Time) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.until) >= maxRecentWriters {
		for k, t := range rw.until {
			if now.After(t) {
				delete(rw.until, k)
			}
		}
		if len(rw.until) >= maxRecentWriters {
			return
		}
	}
	rw.until[caller] = now.Add(rw.window)
}

func (rw *recentWriters) recent(caller string, now time.Time) bool {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	t, ok := rw.until[caller]
	if ok && now.After(t) {
		delete(rw.until, caller)
		return false
	}
	return ok
}

// callerKey names the caller for read-your-writes: the API key, the person (role, subject, business) or, for
// an anonymous caller, the client address.
func callerKey(actor model.Actor, r *http.Request) string {
	switch {
	case actor.APIKeyID != 0:
		return "key:" + strconv.FormatInt(actor.APIKeyID, 10)
	case !actor.Anonymous():
		return string(actor.Role) + ":" + actor.Subject + ":" + strconv.FormatInt(actor.EnterpriseID, 10)
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return "ip:" + ip
}

// withReadRouting keeps a caller's reads on the primary for a window after its own mutation (remembered in this
// process and in a cookie); everything else may read from the replica. Without a window (no replica), it only
// marks mutations.
func withReadRouting(window time.Duration, next http.Handler) http.Handler {
	if window <= 0 {
		return next
	}
	writers := newRecentWriters(window)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		caller := callerKey(model.ActorFrom(r.Context()), r)
		ctx := r.Context()
		if until := cookieUntil(r); writers.recent(caller, now) || (until.After(now) && until.Before(now.Add(window+time.Second))) {
			ctx = store.WithPrimaryReads(ctx)
		}
		state := &writes{}
		ctx = context.WithValue(ctx, writesKey{}, state)
		next.ServeHTTP(&writeNoter{ResponseWriter: w, onHeader: func(h http.Header) {
			if !state.mutated.Load() {
				return
			}
			wroteAt := time.Now()
			writers.wrote(caller, wroteAt)
			until := wroteAt.Add(window)
			c := &http.Cookie{Name: readYourWritesCookie, Value: strconv.FormatInt(until.UnixMilli(), 10), Path: "/graphql",
				MaxAge: int((window + time.Second - 1) / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}
			h.Add("Set-Cookie", c.String())
		}}, r.WithContext(ctx))
	})
}

func cookieUntil(r *http.Request) time.Time {
	c, err := r.Cookie(readYourWritesCookie)
	if err != nil {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(c.Value, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// writeNoter calls onHeader once, just before the status line is written.
type writeNoter struct {
	http.ResponseWriter
	onHeader func(http.Header)
	done     bool
}

func (n *writeNoter) WriteHeader(code int) {
	if !n.done {
		n.done = true
		n.onHeader(n.Header())
	}
	n.ResponseWriter.WriteHeader(code)
}

func (n *writeNoter) Write(b []byte) (int, error) {
	if !n.done {
		n.WriteHeader(http.StatusOK)
	}
	return n.ResponseWriter.Write(b)
}

func (n *writeNoter) Unwrap() http.ResponseWriter { return n.ResponseWriter }
