package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/store"
)

// lockedBuffer collects a server's logs from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is one `sudpro serve` run in this test process, as a load balancer sees it.
type process struct {
	url  string
	stop context.CancelFunc // SIGTERM
	done chan struct{}      // closed when serve returns, with err
	err  error
	logs *lockedBuffer
}

// startServer runs `sudpro serve` on a free loopback port over dsn and waits until it is ready.
func startServer(t *testing.T, dsn string, vars map[string]string) *process {
	t.Helper()
	all := map[string]string{"DATABASE_URL": dsn, "SUDPRO_ADDR": "127.0.0.1:0", "SUDPRO_JWT_SECRET": "k3Yq9Lw2Xe7Rt5Up1Io8Pa4Sd6Fg0HjZ", "LOG_LEVEL": "info"}
	for k, v := range vars {
		all[k] = v
	}
	ctx, stop := context.WithCancel(context.Background())
	p := &process{stop: stop, done: make(chan struct{}), logs: &lockedBuffer{}}
	go func() {
		p.err = run(ctx, []string{"serve"}, env(all), io.Discard, p.logs)
		close(p.done)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for p.url == "" {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start; logs:\n%s", p.logs)
		}
		for line := range strings.SplitSeq(p.logs.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "serving" {
				p.url = "http://" + entry.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := p.ready(); code != http.StatusOK {
		t.Fatalf("new server /readyz = %d", code)
	}
	return p
}

func (p *process) ready() int {
	res, err := http.Get(p.url + "/readyz")
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func query(url, q string) (int, string, error) {
	body, _ := json.Marshal(map[string]string{"query": q})
	res, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

func TestShutdownTurnsReadinessOffThenDrainsInFlightRequests(t *testing.T) {
	dsn := dbtest.NewDSN(t)
	p := startServer(t, dsn, map[string]string{"SUDPRO_DRAIN_DELAY": "400ms"})

	// Hold a lock that the query needs, so it is in flight when SIGTERM comes.
	db, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE sectors IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	inFlight := make(chan result, 1)
	go func() {
		status, body, err := query(p.url, `{ sectors { code } }`)
		inFlight <- result{status, body, err}
	}()
	waitFor(t, "the query to wait for the lock", func() bool {
		var n int
		_ = db.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()").Scan(&n)
		return n > 0
	})

	p.stop() // SIGTERM
	waitFor(t, "/readyz to answer 503", func() bool { return p.ready() == http.StatusServiceUnavailable })
	// During the drain delay the listener still serves (requests the load balancer sent before it noticed).
	if status, body, err := query(p.url, `{ __typename }`); err != nil || status != http.StatusOK {
		t.Errorf("request during the drain delay: %d %s %v", status, body, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	r := <-inFlight
	if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"code":"BTP"`) {
		t.Errorf("in-flight request = %d %q %v, want 200 with the sectors", r.status, r.body, r.err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("serve returned %v", p.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not exit after draining")
	}
	if _, _, err := query(p.url, `{ __typename }`); err == nil {
		t.Error("the stopped server still answers")
	}
}

// TestRollingRestartDropsNoRequest restarts two processes one after the other behind a load balancer that
// routes to ready processes only (checking /readyz every 50 ms, like a real one), while a client keeps sending
// requests: every request must succeed.
func TestRollingRestartDropsNoRequest(t *testing.T) {
	dsn := dbtest.NewDSN(t)
	vars := map[string]string{"SUDPRO_DRAIN_DELAY": "300ms"}
	lb := &balancer{}
	lb.set(startServer(t, dsn, vars), startServer(t, dsn, vars))
	stopLB := lb.watch()
	defer stopLB()

	var sent, failed atomic.Int64
	var failures sync.Map
	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		deadline := time.Now().Add(20 * time.Second)
		for i := 0; lb.restarting.Load() || i < 20; i++ {
			if time.Now().After(deadline) || i > 5000 {
				return
			}
			url := lb.pick(i)
			status, body, err := query(url, `{ sectors { code } }`)
			sent.Add(1)
			if err != nil || status != http.StatusOK {
				failed.Add(1)
				failures.Store(i, fmt.Sprintf("%s: %d %v %.100s", url, status, err, body))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	lb.restarting.Store(true)
	for i := range 2 {
		old := lb.backends()[i]
		old.stop()
		next := startServer(t, dsn, vars)
		if <-old.done; old.err != nil {
			t.Errorf("process %d exited with %v", i, old.err)
		}
		lb.replace(i, next)
	}
	time.Sleep(100 * time.Millisecond)
	lb.restarting.Store(false)
	<-clientDone
	failures.Range(func(k, v any) bool {
		t.Errorf("request %v failed: %v", k, v)
		return true
	})
	if sent.Load() < 20 {
		t.Errorf("only %d requests sent", sent.Load())
	}
	t.Logf("%d requests during two restarts, %d failed", sent.Load(), failed.Load())
}

// balancer routes requests to the processes whose /readyz answered 200 at its last check.
type balancer struct {
	mu         sync.Mutex
	procs      []*process
	healthy    []bool
	restarting atomic.Bool
}

func (b *balancer) set(ps ...*process) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.procs, b.healthy = ps, make([]bool, len(ps))
	for i := range b.healthy {
		b.healthy[i] = true
	}
}

func (b *balancer) backends() []*process {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*process(nil), b.procs...)
}

func (b *balancer) replace(i int, p *process) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.procs[i], b.healthy[i] = p, true
}

func (b *balancer) pick(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.procs {
		if i := (n + k) % len(b.procs); b.healthy[i] {
			return b.procs[i].url
		}
	}
	return b.procs[0].url
}

func (b *balancer) watch() (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			for i, p := range b.backends() {
				ok := p.ready() == http.StatusOK
				b.mu.Lock()
				if b.procs[i] == p {
					b.healthy[i] = ok
				}
				b.mu.Unlock()
			}
		}
	}()
	return func() { close(done) }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestMetricsOnTheirOwnListener(t *testing.T) {
	p := startServer(t, dbtest.NewDSN(t), map[string]string{"SUDPRO_METRICS_ADDR": "127.0.0.1:0"})
	var metricsURL string
	for line := range strings.SplitSeq(p.logs.String(), "\n") {
		var entry struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "serving metrics" {
			metricsURL = entry.URL
		}
	}
	if metricsURL == "" {
		t.Fatalf("no metrics listener in the logs:\n%s", p.logs)
	}
	if _, _, err := query(p.url, `{ sectors { code } }`); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`sudpro_graphql_requests_total{operation="anonymous",outcome="ok",type="query"} 1`, `go_sql_open_connections{db_name="primary"}`, `sudpro_session_envelope_scrape_success 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics listener lacks %s", want)
		}
	}
	if res, err := http.Get(p.url + "/metrics"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("/metrics is also served on the API listener")
		}
	}
}

func TestTracesAreExportedOverOTLP(t *testing.T) {
	var posts atomic.Int64
	var path, contentType atomic.Value
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if len(body) > 0 {
			posts.Add(1)
			path.Store(r.URL.Path)
			contentType.Store(r.Header.Get("Content-Type"))
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	p := startServer(t, dbtest.NewDSN(t), map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	if status, body, err := query(p.url, `query Traced { sectors { code } }`); err != nil || status != http.StatusOK {
		t.Fatalf("query: %d %s %v", status, body, err)
	}
	p.stop() // the exporter flushes when the server stops
	<-p.done
	if posts.Load() == 0 {
		t.Fatal("no trace reached the collector")
	}
	if path.Load() != "/v1/traces" || contentType.Load() != "application/x-protobuf" {
		t.Errorf("export went to %v as %v, want /v1/traces as application/x-protobuf", path.Load(), contentType.Load())
	}
}
