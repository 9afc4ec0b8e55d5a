package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"sudpro/dbtest"
	"sudpro/httpapi"
	"sudpro/metrics"
	"sudpro/model"
	"sudpro/pglocal"
	"sudpro/store"
)

// startNode serves the API over the database at dsn as one server process would: its own pool, its own LISTEN
// connection (store.Listener), its own handler.
func startNode(t *testing.T, dsn string, configure func(*httpapi.Config)) *api {
	t.Helper()
	db, err := store.Open(dsn, store.Options{StatementTimeout: 30 * time.Second, MaxOpenConns: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st := store.New(db)
	listener := store.Listen(dsn, testLogger(t))
	t.Cleanup(listener.Close)
	select {
	case <-listener.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the event listener did not start")
	}
	logs := &syncBuffer{}
	h := testHandler(t, st, logs, func(cfg *httpapi.Config) {
		cfg.Events = listener
		configure(cfg)
	})
	return serveAPI(t, st, logs, h)
}

func newRealtimeAPI(t *testing.T) *api {
	t.Helper()
	return startNode(t, dbtest.NewDSN(t), func(*httpapi.Config) {})
}

// subscriber is a subscription through one transport: next returns its next event (data and errors), or fails
// the test after the timeout.
type subscriber interface {
	next(timeout time.Duration) (response, bool)
}

type transportCase struct {
	name      string
	subscribe func(t *testing.T, a *api, token, query string, vars map[string]any) subscriber
}

var transports = []transportCase{{"websocket", subscribeWS}, {"sse", subscribeSSE}}

// wsClient is a graphql-transport-ws connection.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, a *api, subprotocols ...string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.url, "http")+"/graphql", &websocket.DialOptions{Subprotocols: subprotocols})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(msg map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(msg)
	if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next message, or the close status when the server closed the connection.
func (c *wsClient) read(timeout time.Duration) (map[string]any, websocket.StatusCode, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return nil, websocket.CloseStatus(err), err
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m, -1, nil
}

// init sends connection_init with the token and waits for connection_ack.
func (c *wsClient) init(token string) {
	c.t.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["Authorization"] = "Bearer " + token
	}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
	m, code, err := c.read(5 * time.Second)
	if err != nil || m["type"] != "connection_ack" {
		c.t.Fatalf("connection_init: %v %v (close %d)", m, err, code)
	}
}

// closedWith waits for the server to close the connection and returns its close code.
func (c *wsClient) closedWith(timeout time.Duration) websocket.StatusCode {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, code, err := c.read(time.Until(deadline))
		if err != nil {
			return code
		}
	}
	c.t.Fatal("the server did not close the connection")
	return 0
}

type wsSubscription struct {
	c  *wsClient
	id string
}

func subscribeWS(t *testing.T, a *api, token, query string, vars map[string]any) subscriber {
	t.Helper()
	c := dialWS(t, a, "graphql-transport-ws")
	c.init(token)
	c.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
	return &wsSubscription{c: c, id: "1"}
}

func (s *wsSubscription) next(timeout time.Duration) (response, bool) {
	deadline := time.Now().Add(timeout)
	for {
		m, _, err := s.c.read(time.Until(deadline))
		if err != nil {
			return response{}, false
		}
		switch m["type"] {
		case "next":
			raw, _ := json.Marshal(m["payload"])
			return decodeEvent(raw), true
		case "error":
			raw, _ := json.Marshal(map[string]any{"errors": m["payload"]})
			return decodeEvent(raw), true
		case "complete":
			return response{}, false
		}
	}
}

type sseSubscription struct {
	events chan response
}

func subscribeSSE(t *testing.T, a *api, token, query string, vars map[string]any) subscriber {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("SSE response: status %d, content type %q", res.StatusCode, ct)
	}
	s := &sseSubscription{events: make(chan response, 16)}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				s.events <- decodeEvent([]byte(data))
			}
		}
	}()
	return s
}

func (s *sseSubscription) next(timeout time.Duration) (response, bool) {
	select {
	case r, ok := <-s.events:
		return r, ok
	case <-time.After(timeout):
		return response{}, false
	}
}

func decodeEvent(raw []byte) response {
	r := response{Raw: string(raw), Status: http.StatusOK}
	var decoded struct {
		Data   map[string]any `json:"data"`
		Errors []gqlError     `json:"errors"`
	}
	_ = json.Unmarshal(raw, &decoded)
	r.Data, r.Errors = decoded.Data, decoded.Errors
	return r
}

// mustNext returns the subscription's next event, which must have data and no errors.
func mustNext(t *testing.T, s subscriber) map[string]any {
	t.Helper()
	r, ok := s.next(10 * time.Second)
	if !ok {
		t.Fatal("no event")
	}
	return r.mustData(t)
}

// testLogger discards: the listener may log after a test's end, when t.Log would panic.
func testLogger(*testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// settle gives subscriptions just made the time to reach the listener (the client has no signal of it), so that
// the change made next is seen.
func settle() { time.Sleep(300 * time.Millisecond) }

const invoiceSubscription = `subscription($id: ID) { invoiceUpdated(id: $id) { id status number seller { name } buyer { name } } }`

const envelopeSubscription = `subscription($id: ID!) { sessionEnvelope(id: $id) { total remaining reserved payable paid } }`

const consultationSubscription = `subscription($sectors: [ID!]) { consultationPublished(sectors: $sectors) { id reference status } }`

// Each subscription delivers its events through both transports, with the real database and listener.
func TestSubscriptionsDeliverEvents(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			a := newRealtimeAPI(t)
			fx := newCreditFixture(t, a, 1_000_000)
			id := fx.issue(t, a, "F-RT-1")

			mine := tr.subscribe(t, a, fx.buyerToken, invoiceSubscription, nil)
			one := tr.subscribe(t, a, fx.sellerToken, invoiceSubscription, map[string]any{"id": id})
			envelope := tr.subscribe(t, a, a.tokens["AGENT"], envelopeSubscription, map[string]any{"id": fx.sessionID})
			if got := get(mustNext(t, envelope), "sessionEnvelope"); get(got, "remaining") != float64(1_000_000) || get(got, "reserved") != float64(0) {
				t.Fatalf("first envelope = %v, want the current state", got)
			}
			// The seller's sector (fixture: the first business is in SERVICES) by default.
			consultations := tr.subscribe(t, a, fx.sellerToken, consultationSubscription, nil)
			settle()

			r := a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 100000}})
			if get(r.mustData(t), "confirmInvoice", "invoice", "status") != "CONFIRMED" {
				t.Fatalf("confirm: %s", r.Raw)
			}
			for name, s := range map[string]subscriber{"all of mine": mine, "by id": one} {
				inv := get(mustNext(t, s), "invoiceUpdated")
				if get(inv, "id") != id || get(inv, "status") != "CONFIRMED" || get(inv, "seller", "name") != fx.seller.Name {
					t.Errorf("%s: event %v, want the confirmed invoice with its seller", name, inv)
				}
			}
			got := get(mustNext(t, envelope), "sessionEnvelope")
			if get(got, "remaining") != float64(900_000) || get(got, "reserved") != float64(100_000) || get(got, "total") != float64(1_000_000) {
				t.Errorf("envelope after the confirmation = %v, want 100,000 reserved", got)
			}

			ref := "RT-" + tr.name
			cid := publishConsultation(t, a, ref, time.Now().Add(48*time.Hour))
			c := get(mustNext(t, consultations), "consultationPublished")
			if get(c, "id") != cid || get(c, "reference") != ref || get(c, "status") != "PUBLISHED" {
				t.Errorf("consultation event %v, want %s", c, ref)
			}
		})
	}
}

// An envelope moving many times in a burst reaches a subscriber at most 10 times a second, ending on the last state.
func TestSessionEnvelopeIsCoalesced(t *testing.T) {
	a := newRealtimeAPI(t)
	fx := newCreditFixture(t, a, 10_000_000)
	s := subscribeWS(t, a, a.tokens["ADMIN"], envelopeSubscription, map[string]any{"id": fx.sessionID})
	mustNext(t, s)
	const topUps = 30
	start := time.Now()
	for i := range topUps {
		r := a.query(a.tokens["ADMIN"], `mutation($s: ID!, $k: String) { topUpSession(input: {id: $s, amount: 1000, idempotencyKey: $k}) { userErrors { code message } } }`,
			map[string]any{"s": fx.sessionID, "k": "top-up-" + strconv.Itoa(i)})
		if errs := get(r.mustData(t), "topUpSession", "userErrors").([]any); len(errs) > 0 {
			t.Fatalf("topUpSession: %v", errs)
		}
	}
	elapsed := time.Since(start)
	updates := 0
	for {
		r, ok := s.next(time.Second)
		if !ok {
			break
		}
		updates++
		if get(r.mustData(t), "sessionEnvelope", "total") == float64(10_000_000+topUps*1000) {
			break
		}
	}
	if max := int(elapsed/httpapiEnvelopeInterval) + 2; updates > max || updates > topUps {
		t.Errorf("%d updates for %d top-ups in %v, want at most %d", updates, topUps, elapsed, max)
	}
	if updates == 0 {
		t.Error("the final envelope never came")
	}
}

const httpapiEnvelopeInterval = 100 * time.Millisecond

// Changes of a rolled-back transaction send nothing: the next event is the committed one.
func TestNoEventForRolledBackTransaction(t *testing.T) {
	a := newRealtimeAPI(t)
	f := seedFixture(t, a.store, 1)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := tr.subscribe(t, a, a.tokens["ADMIN"], invoiceSubscription, nil)
			settle()
			inv := func(number string) *model.Invoice {
				return &model.Invoice{SellerID: f.listed.ID, BuyerID: f.unlisted.ID, Number: number, Status: model.InvoiceIssued,
					IssuedAt: time.Now(), TotalHT: 1000, TotalTGC: 0, TotalTTC: 1000}
			}
			rollback := errors.New("roll back")
			err := a.store.InTx(context.Background(), func(tx *store.Store) error {
				if err := tx.InsertInvoice(context.Background(), inv("ROLLED-BACK-"+tr.name), nil); err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatalf("InTx: %v", err)
			}
			committed := inv("COMMITTED-" + tr.name)
			if err := a.store.InsertInvoice(context.Background(), committed, nil); err != nil {
				t.Fatal(err)
			}
			// Events of earlier changes may still arrive; none may be for the rolled-back invoice.
			for {
				got, _ := get(mustNext(t, s), "invoiceUpdated", "number").(string)
				if strings.HasPrefix(got, "ROLLED-BACK-") {
					t.Fatalf("an event for the rolled-back invoice %s", got)
				}
				if got == committed.Number {
					break
				}
			}
		})
	}
}

// A subscription the caller may not make is refused when it is made, with an error and no event.
func TestUnauthorizedSubscriptionsRefused(t *testing.T) {
	a := newRealtimeAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)
	id := fx.issue(t, a, "F-RT-2")
	// The fixture's unlisted business (seedFixture: RIDET 1000002001) is neither the seller nor the buyer.
	outsider := a.token(model.RoleEnterprise, model.RIDET("1000002001"))
	cases := []struct {
		name, token, query string
		vars               map[string]any
		code               string
	}{
		{"anonymous invoices", "", invoiceSubscription, nil, "FORBIDDEN"},
		{"chamber invoices", a.tokens["CHAMBER"], invoiceSubscription, nil, "FORBIDDEN"},
		{"another business's invoice", outsider, invoiceSubscription, map[string]any{"id": id}, "NOT_FOUND"},
		{"anonymous envelope", "", envelopeSubscription, map[string]any{"id": fx.sessionID}, "FORBIDDEN"},
		{"unknown session", a.tokens["AGENT"], envelopeSubscription, map[string]any{"id": model.GlobalIntID(model.TypeSession, 999999)}, "NOT_FOUND"},
		{"anonymous consultations", "", consultationSubscription, nil, "FORBIDDEN"},
	}
	for _, tr := range transports {
		for _, c := range cases {
			t.Run(tr.name+"/"+c.name, func(t *testing.T) {
				s := tr.subscribe(t, a, c.token, c.query, c.vars)
				r, ok := s.next(5 * time.Second)
				if !ok || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != c.code {
					t.Fatalf("got %v %s, want a %s error", ok, r.Raw, c.code)
				}
				if r, ok := s.next(500 * time.Millisecond); ok && r.Data != nil && len(r.Errors) == 0 {
					t.Errorf("an event after the refusal: %s", r.Raw)
				}
			})
		}
	}
	// A bad token in connection_init closes the connection with 4403.
	c := dialWS(t, a, "graphql-transport-ws")
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer not-a-token"}})
	if code := c.closedWith(5 * time.Second); code != 4403 {
		t.Errorf("bad token: close %d, want 4403", code)
	}
}

// Two server processes on one database: a mutation through one reaches the subscribers of the other.
func TestTwoProcessesShareEvents(t *testing.T) {
	dsn := dbtest.NewDSN(t)
	one := startNode(t, dsn, func(*httpapi.Config) {})
	two := startNode(t, dsn, func(*httpapi.Config) {})
	fx := newCreditFixture(t, one, 1_000_000)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := tr.subscribe(t, two, fx.buyerToken, invoiceSubscription, nil)
			settle()
			id := fx.issue(t, one, "F-"+tr.name)
			if got := get(mustNext(t, s), "invoiceUpdated", "id"); got != id {
				t.Errorf("event for %v, want the invoice issued through the other process (%s)", got, id)
			}
		})
	}
}

// The listener reconnects after the database restarts, and the subscriptions made before keep receiving.
func TestSubscriptionsSurviveDatabaseRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster")
	}
	dir := filepath.Join(t.TempDir(), "postgres")
	for _, p := range []string{filepath.Dir(dir), filepath.Dir(filepath.Dir(dir))} {
		_ = os.Chmod(p, 0o755)
	}
	ctx := context.Background()
	start := func() *pglocal.Cluster {
		c, err := pglocal.Start(ctx, pglocal.Options{Dir: dir, Logger: testLogger(t),
			Settings: map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}})
		if err != nil {
			t.Fatalf("start PostgreSQL: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	cluster := start()
	dsn := cluster.DSN("postgres")
	db, err := store.Open(dsn, store.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	a := startNode(t, dsn, func(*httpapi.Config) {})
	f := seedFixture(t, a.store, 1)
	subs := map[string]subscriber{}
	for _, tr := range transports {
		subs[tr.name] = tr.subscribe(t, a, a.tokens["ADMIN"], invoiceSubscription, nil)
	}
	settle()

	// A crash: the postmaster is killed, then started again on the same port.
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		t.Skipf("no postmaster.pid in %s: %v", dir, err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if restarted := start(); restarted.DSN("postgres") != dsn {
		t.Fatalf("restarted on %s, want %s", restarted.DSN("postgres"), dsn)
	}
	// Insert invoices until every subscriber has one (events of the gap, while the listener reconnects, are lost:
	// NOTIFY is not durable).
	done := make(chan struct{})
	inserted := make(chan error, 1)
	go func() {
		var err error
		for i := 0; ; i++ {
			select {
			case <-done:
				inserted <- err
				return
			case <-time.After(200 * time.Millisecond):
			}
			err = a.store.InsertInvoice(ctx, &model.Invoice{SellerID: f.listed.ID, BuyerID: f.unlisted.ID, Number: "AFTER-RESTART-" + strconv.Itoa(i),
				Status: model.InvoiceIssued, IssuedAt: time.Now(), TotalHT: 1000, TotalTTC: 1000}, nil)
		}
	}()
	for name, s := range subs {
		for {
			r, ok := s.next(30 * time.Second)
			if !ok {
				close(done)
				t.Fatalf("%s: no event after the restart (last insert: %v)", name, <-inserted)
			}
			if n, _ := get(r.mustData(t), "invoiceUpdated", "number").(string); strings.HasPrefix(n, "AFTER-RESTART-") {
				break
			}
		}
	}
	close(done)
	<-inserted
}

// The graphql-transport-ws protocol's errors close the connection with their codes.
func TestGraphQLWSProtocol(t *testing.T) {
	streams, closeStreams := context.WithCancel(context.Background())
	defer closeStreams()
	m := metrics.New()
	a := startNode(t, dbtest.NewDSN(t), func(cfg *httpapi.Config) {
		cfg.InitTimeout = 300 * time.Millisecond
		cfg.Streams = streams
		cfg.Metrics, cfg.ServeMetrics = m, true
	})
	gauge := func() string {
		res, err := http.Get(a.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "sudpro_subscriptions_open "); ok {
				return v
			}
		}
		return ""
	}
	sub := map[string]any{"id": "a", "type": "subscribe", "payload": map[string]any{"query": invoiceSubscription}}
	closes := []struct {
		name         string
		subprotocols []string
		token        string // "-": no connection_init
		send         []map[string]any
		code         websocket.StatusCode
	}{
		{"no connection_init in time", []string{"graphql-transport-ws"}, "-", nil, 4408},
		{"duplicate subscription id", []string{"graphql-transport-ws"}, a.tokens["ADMIN"], []map[string]any{sub, sub}, 4409},
		{"unknown message", []string{"graphql-transport-ws"}, a.tokens["ADMIN"], []map[string]any{{"type": "hello"}}, 4400},
		{"subscribe before connection_ack", []string{"graphql-transport-ws"}, "-", []map[string]any{sub}, 4401},
		{"second connection_init", []string{"graphql-transport-ws"}, "", []map[string]any{{"type": "connection_init"}}, 4429},
		{"no subprotocol", nil, "-", nil, 4406},
	}
	for _, c := range closes {
		t.Run(fmt.Sprintf("%s: %d", c.name, c.code), func(t *testing.T) {
			ws := dialWS(t, a, c.subprotocols...)
			if c.token != "-" {
				ws.init(c.token)
			}
			for _, m := range c.send {
				ws.send(m)
			}
			if code := ws.closedWith(5 * time.Second); code != c.code {
				t.Errorf("close %d, want %d", code, c.code)
			}
		})
	}
	t.Run("ping, pong, and a query over the socket is refused", func(t *testing.T) {
		c := dialWS(t, a, "graphql-transport-ws")
		c.init(a.tokens["ADMIN"])
		c.send(map[string]any{"type": "ping"})
		if m, _, err := c.read(5 * time.Second); err != nil || m["type"] != "pong" {
			t.Errorf("ping: %v %v, want pong", m, err)
		}
		c.send(map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{"query": "{ viewer { role } }"}})
		for {
			m, _, err := c.read(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if m["type"] == "next" || m["type"] == "error" {
				if raw, _ := json.Marshal(m); !strings.Contains(string(raw), "subscriptions") {
					t.Errorf("query over the socket: %s", raw)
				}
				break
			}
		}
	})
	t.Run("the drain closes open streams", func(t *testing.T) {
		ws := subscribeWS(t, a, a.tokens["ADMIN"], invoiceSubscription, nil)
		sse := subscribeSSE(t, a, a.tokens["ADMIN"], invoiceSubscription, nil)
		time.Sleep(200 * time.Millisecond)
		if got := gauge(); got != "2" {
			t.Errorf("subscriptions gauge = %q with two streams open, want 2", got)
		}
		closeStreams()
		for name, s := range map[string]subscriber{"websocket": ws, "sse": sse} {
			start := time.Now()
			for {
				if _, ok := s.next(5 * time.Second); !ok {
					break
				}
			}
			if time.Since(start) > 4*time.Second {
				t.Errorf("%s: the stream stayed open after the drain started", name)
			}
		}
		for i := 0; i < 50 && gauge() != "0"; i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if got := gauge(); got != "0" {
			t.Errorf("subscriptions gauge = %q after the drain, want 0", got)
		}
	})
}

// The role matrix of the Subscription root, from the schema's @auth: every role is refused at subscribe time
// where the schema says so, and accepted (the sessionEnvelope's first event, no error) elsewhere.
func TestSubscriptionRoleMatrix(t *testing.T) {
	a := newRealtimeAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)
	schema := loadSchema(t)
	args := map[string]map[string]any{
		"invoiceUpdated": nil, "consultationPublished": {"sectors": []string{"BTP"}}, "sessionEnvelope": {"id": fx.sessionID},
	}
	callers := map[string]string{"anonymous": "", "ENTERPRISE": fx.buyerToken, "CHAMBER": a.tokens["CHAMBER"],
		"AGENT": a.tokens["AGENT"], "ADMIN": a.tokens["ADMIN"]}
	for _, field := range schema.Subscription.Fields {
		vars, ok := args[field.Name]
		if !ok {
			t.Fatalf("Subscription.%s: teach the matrix which arguments to pass", field.Name)
		}
		var roles []string
		for _, r := range field.Directives.ForName("auth").ArgumentMap(nil)["requires"].([]any) {
			roles = append(roles, fmt.Sprint(r))
		}
		var params, pass []string
		for _, arg := range field.Arguments {
			params, pass = append(params, "$"+arg.Name+": "+arg.Type.String()), append(pass, arg.Name+": $"+arg.Name)
		}
		query := fmt.Sprintf("subscription(%s) { %s(%s) { __typename } }", strings.Join(params, ", "), field.Name, strings.Join(pass, ", "))
		for caller, token := range callers {
			t.Run(field.Name+"/"+caller, func(t *testing.T) {
				s := subscribeSSE(t, a, token, query, vars)
				r, ok := s.next(time.Second)
				forbidden := ok && len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "FORBIDDEN"
				if want := !slices.Contains(roles, caller); forbidden != want {
					t.Errorf("refused = %v, want %v (%v %s)", forbidden, want, ok, r.Raw)
				}
			})
		}
	}
}
