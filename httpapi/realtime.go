package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"sudpro/graph"
	"sudpro/model"
)

// DefaultInitTimeout is how long a WebSocket client has to send connection_init before it is closed with 4408.
const DefaultInitTimeout = 10 * time.Second

// graphql-transport-ws close codes (github.com/enisdenjo/graphql-ws, PROTOCOL.md).
const (
	closeBadRequest       = 4400
	closeUnauthorized     = 4401
	closeForbidden        = 4403
	closeSubprotocol      = 4406
	closeInitTimeout      = 4408
	closeDuplicateID      = 4409
	closeTooManyInits     = 4429
	closeInternal         = 4500
	graphqlTransportWS    = "graphql-transport-ws"
	streamPingInterval    = 30 * time.Second
	streamsOnlySubscribe  = "the WebSocket and SSE transports carry subscriptions; send queries and mutations with POST (or GET for queries)"
	subscriptionsOnStream = "subscriptions need a streaming transport: WebSocket (graphql-transport-ws) or Server-Sent Events (POST with Accept: text/event-stream)"
)

type streamKey struct{}

// isStream reports whether a request asks for a streaming transport: a WebSocket upgrade or Server-Sent Events.
func isStream(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// addStreamTransports adds the WebSocket and SSE transports (before GET and POST, which would take their requests)
// and the rules that keep streams for subscriptions and give each event fresh dataloaders.
func addStreamTransports(srv *handler.Server, cfg Config) {
	initTimeout := cfg.InitTimeout
	if initTimeout <= 0 {
		initTimeout = DefaultInitTimeout
	}
	srv.AddTransport(transport.Websocket{
		Implementation:   guardedWebsocket{initTimeout: initTimeout, origins: originPatterns(cfg.CORSOrigins)},
		InitFunc:         websocketInit(cfg.Auth),
		PingPongInterval: streamPingInterval,
	})
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: streamPingInterval})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx).Operation
		onStream := ctx.Value(streamKey{}) != nil
		switch {
		case op == nil:
		case onStream && op.Operation != ast.Subscription:
			return graphql.OneShot(graphql.ErrorResponse(ctx, streamsOnlySubscribe))
		case !onStream && op.Operation == ast.Subscription:
			return graphql.OneShot(graphql.ErrorResponse(ctx, subscriptionsOnStream))
		}
		return next(ctx)
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		// Each event of a subscription is a request of its own for the dataloaders: nothing cached from the last.
		if !graphql.HasOperationContext(ctx) { // a request that did not parse
			return next(ctx)
		}
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
			ctx = graph.WithBatchHook(graph.WithLoaders(ctx, graph.NewLoaders(cfg.Store)), batchHook(cfg.Metrics, cfg.Tracer))
		}
		return next(ctx)
	})
}

// streams serves WebSocket and SSE requests: no request timeout or admission slot (a stream lasts), no write or
// read deadline, a context that ends when the server starts draining (cfg.Streams), a rate state so that each
// subscription is charged like a query, and for SSE the Authorization header (WebSocket clients authenticate in
// connection_init).
func streams(cfg Config, srv http.Handler) http.Handler {
	sse := withActor(cfg.Auth, withBodyCheck(srv))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		ctx, cancel := context.WithCancel(context.WithValue(r.Context(), streamKey{}, true))
		defer cancel()
		if cfg.Streams != nil {
			stop := context.AfterFunc(cfg.Streams, cancel)
			defer stop()
		}
		ctx, _ = graph.WithRateState(ctx, clientIP(r))
		r = r.WithContext(ctx)
		if r.Header.Get("Upgrade") != "" {
			srv.ServeHTTP(w, r)
			return
		}
		sse.ServeHTTP(flushWriter{w}, r)
	})
}

// flushWriter gives gqlgen's SSE transport the http.Flusher it asserts, through the middleware's writers.
type flushWriter struct{ http.ResponseWriter }

func (f flushWriter) Flush() { _ = http.NewResponseController(f.ResponseWriter).Flush() }

func (f flushWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// websocketInit authenticates a WebSocket connection from connection_init's payload {"Authorization": "Bearer …"}
// with the HTTP authenticator; a bad token closes it with 4403.
func websocketInit(a Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		actor, err := a.Authenticate(ctx, payload.Authorization())
		if err != nil {
			if model.ErrorCodeOf(err) != model.CodeUnauthenticated {
				loggerFrom(ctx).ErrorContext(ctx, "authentication failed", "error", err.Error())
				return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, closeInternal), "Authentication is unavailable"),
					nil, errors.New("authentication is unavailable, try again")
			}
			return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, closeForbidden), "Forbidden"), nil, err
		}
		return model.WithActor(ctx, actor), nil, nil
	}
}

// originPatterns are the hosts of the CORS origins, whose browser pages may open WebSockets too.
func originPatterns(origins []string) []string {
	var hosts []string
	for _, o := range origins {
		if u, err := url.Parse(strings.TrimSpace(o)); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}

// guardedWebsocket accepts only the graphql-transport-ws subprotocol and enforces what gqlgen's transport leaves
// out of it: 4408 when connection_init does not come in time, 4409 for a subscription id already in use, 4400 for
// a message that is not of the protocol, 4401 for a subscribe before the acknowledgement, 4429 for a second
// connection_init.
type guardedWebsocket struct {
	initTimeout time.Duration
	origins     []string
}

func (g guardedWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	opts.Subprotocols = []string{graphqlTransportWS}
	inner := transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{OriginPatterns: g.origins}}
	conn, err := inner.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	c := &guardedConn{WebsocketConn: conn, active: map[string]bool{}}
	if conn.Subprotocol() != graphqlTransportWS {
		c.closeWith(closeSubprotocol, "Subprotocol not acceptable")
		return c, nil
	}
	c.initTimer = time.AfterFunc(g.initTimeout, func() {
		c.mu.Lock()
		inited := c.inited
		c.mu.Unlock()
		if !inited {
			c.closeWith(closeInitTimeout, "Connection initialisation timeout")
		}
	})
	return c, nil
}

type guardedConn struct {
	transport.WebsocketConn
	initTimer *time.Timer

	mu     sync.Mutex
	inited bool            // connection_init received
	acked  bool            // connection_ack sent
	active map[string]bool // subscription ids in use
	closed bool
}

// closeWith closes the connection with a protocol close code, once.
func (c *guardedConn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	if c.initTimer != nil {
		c.initTimer.Stop()
	}
	_ = c.WebsocketConn.WriteClose(code, reason)
}

type wsMessage struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// NextReader checks each client message against the protocol before gqlgen's transport reads it.
func (c *guardedConn) NextReader() (int, io.Reader, error) {
	typ, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		return typ, r, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return typ, nil, err
	}
	var m wsMessage
	code, reason := 0, ""
	c.mu.Lock()
	switch {
	case json.Unmarshal(data, &m) != nil:
		code, reason = closeBadRequest, "Invalid message received"
	case m.Type == "connection_init" && c.inited:
		code, reason = closeTooManyInits, "Too many initialisation requests"
	case m.Type == "connection_init":
		c.inited = true
	case m.Type == "subscribe" && !c.acked:
		code, reason = closeUnauthorized, "Unauthorized"
	case m.Type == "subscribe" && m.ID == "":
		code, reason = closeBadRequest, "Invalid message received"
	case m.Type == "subscribe" && c.active[m.ID]:
		code, reason = closeDuplicateID, "Subscriber for "+m.ID+" already exists"
	case m.Type == "subscribe":
		c.active[m.ID] = true
	case m.Type == "complete":
		delete(c.active, m.ID)
	case m.Type == "ping" || m.Type == "pong":
	default:
		code, reason = closeBadRequest, "Invalid message received"
	}
	c.mu.Unlock()
	if code != 0 {
		c.closeWith(code, reason)
		return typ, nil, transport.ErrWebsocketClosed
	}
	return typ, bytes.NewReader(data), nil
}

// WriteJSON notes the acknowledgement and the ids the server completes, then sends the message.
func (c *guardedConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m wsMessage
	if json.Unmarshal(data, &m) == nil {
		c.mu.Lock()
		switch m.Type {
		case "connection_ack":
			c.acked = true
		case "complete", "error":
			delete(c.active, m.ID)
		}
		c.mu.Unlock()
	}
	return c.WebsocketConn.WriteJSON(json.RawMessage(data))
}

// WriteClose maps gqlgen's generic protocol error (1002) to graphql-transport-ws's 4400.
func (c *guardedConn) WriteClose(code int, reason string) error {
	if code == transport.WebsocketCloseProtocolError {
		code = closeBadRequest
	}
	c.closeWith(code, reason)
	return nil
}

func (c *guardedConn) Close() error {
	if c.initTimer != nil {
		c.initTimer.Stop()
	}
	return c.WebsocketConn.Close()
}

// SetReadLimit and SetReadDeadline pass through to the coder/websocket adapter.
func (c *guardedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *guardedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
