package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/uptrace/bun"

	"sudpro/auth"
	"sudpro/bench/queries"
	"sudpro/model"
	"sudpro/seed"
	"sudpro/store"
)

// The query shapes A–E at New Caledonia scale: the nc-scale profile in its own database, the API under load
// for each shape (maximum throughput at a fixed concurrency, then latency at a fixed arrival rate), the peer
// (PostGraphile v5, amber preset, on the same database) on A–C, and the ceiling (pgbench running the equivalent
// SQL of A–C).
const scaleDatabase = "bench_scale"

// shapeRun is one measurement: one target (sudpro, postgraphile, pgbench), one shape, one load, one run.
type shapeRun struct {
	Run      int     `json:"run"`
	Shape    string  `json:"shape"`
	Target   string  `json:"target"`
	Load     string  `json:"load"` // "max", "rate" or "one" (one client, one request at a time)
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	ErrHint  string  `json:"error_sample,omitempty"`
	RPS      float64 `json:"requests_per_s"`
	P50      float64 `json:"p50_ms"`
	P90      float64 `json:"p90_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
	CPU      cpuUse  `json:"cpu"`
	RSSMB    float64 `json:"server_rss_mb"` // the server's resident set at the end of the attack
	// Statements per request, from pg_stat_statements (0 when it is not loaded).
	Statements float64 `json:"statements_per_request"`
}

// shapeTarget is what one shape sends: request bodies to cycle through, per target.
type shapeTarget struct {
	letter string
	// maxOnly measures only the maximum throughput (the floor: its latencies say nothing of the shapes').
	maxOnly bool
	// header is added to the API's requests (D-nocache: Cache-Control: no-cache).
	header http.Header
	bodies [][]byte // sudpro
	peer   [][]byte // PostGraphile, nil when it cannot express the shape
	sql    string   // pgbench script, "" when not measured
}

// scaleResults are the shapes' measurements and how the data set was made.
type scaleResults struct {
	Size        string       `json:"size"`
	SeedSeconds float64      `json:"seed_s"`
	Counts      seed.Summary `json:"counts"`
	Runs        []*shapeRun  `json:"runs"`
	PeerVersion string       `json:"postgraphile_version"`
	PeerNote    string       `json:"postgraphile_note"`
	NodeVersion string       `json:"node_version"`
	PGBench     string       `json:"pgbench"`
	PGBenchNote string       `json:"pgbench_note"`
	// Profiles are the API server's CPU profiles of the first maximum-throughput attack of each shape, as
	// `go tool pprof -top -cum` prints them (the profiles themselves are in .data/bench/cpu-<shape>.pprof).
	Profiles map[string]string `json:"profiles"`
	// Failures are the shapes the API failed during the warm-up, with its first failing answer.
	Failures map[string]string `json:"failures"`
}

// scaleDB creates and fills the shapes' database (nc-scale, divided by opts.scaleDiv) and settles it.
func (b *bench) scaleDB(ctx context.Context, res *scaleResults) (*bun.DB, error) {
	if _, err := b.pg.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+scaleDatabase+" WITH (FORCE)"); err != nil {
		return nil, fmt.Errorf("drop database %s: %w", scaleDatabase, err)
	}
	if _, err := b.pg.admin.ExecContext(ctx, "CREATE DATABASE "+scaleDatabase); err != nil {
		return nil, fmt.Errorf("create database %s: %w", scaleDatabase, err)
	}
	db, err := store.Open(b.pg.cluster.DSN(scaleDatabase), store.Options{MaxOpenConns: 8, ApplicationName: "sudpro-bench-setup"})
	if err != nil {
		return nil, err
	}
	if _, err := store.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	if b.pg.statements {
		if _, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	size := seed.NCScaleSize.Divided(b.opts.scaleDiv)
	res.Size = fmt.Sprintf("%+v", size)
	fmt.Fprintf(b.stdout, "seeding nc-scale / %d (%d businesses, %d invoices)…\n", b.opts.scaleDiv, size.Enterprises, size.Invoices)
	started := time.Now()
	sum, err := seed.RunScale(ctx, store.New(db), 1, size)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("seed nc-scale: %w", err)
	}
	res.SeedSeconds, res.Counts = time.Since(started).Seconds(), sum
	fmt.Fprintf(b.stdout, "seeded in %.0f s: %+v\n", res.SeedSeconds, sum)
	violations, err := store.New(db).CheckLedger(ctx)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	if len(violations) > 0 {
		_ = db.Close()
		return nil, fmt.Errorf("ledger check after the nc-scale seed: %d violations, first %s: %s", len(violations), violations[0].Invariant, violations[0].Detail)
	}
	return db, settle(ctx, db)
}

// shapeTargets builds the requests of A–E (and their PostGraphile and pgbench twins for A–C) from the data.
func shapeTargets(ctx context.Context, db *bun.DB) ([]shapeTarget, error) {
	docs := map[string]string{}
	shapes, err := queries.Shapes()
	if err != nil {
		return nil, err
	}
	for _, s := range shapes {
		docs[s.Letter] = s.Document
	}
	encode := func(doc string, vars map[string]any) []byte {
		body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
		return body
	}
	var pairs []struct {
		Sector  string `bun:"sector_code"`
		Commune string `bun:"commune_code"`
	}
	if err := db.NewRaw(`SELECT sector_code, commune_code FROM enterprises GROUP BY 1, 2 HAVING count(*) >= 20 ORDER BY 1, 2`).Scan(ctx, &pairs); err != nil {
		return nil, fmt.Errorf("pick A's filters: %w", err)
	}
	var sellers []string
	if err := db.NewRaw(`SELECT e.ridet FROM enterprises e JOIN invoices i ON i.seller_id = e.id
		GROUP BY e.id HAVING count(*) >= 10 ORDER BY e.id LIMIT 500`).Scan(ctx, &sellers); err != nil {
		return nil, fmt.Errorf("pick B's businesses: %w", err)
	}
	var sectors []string
	if err := db.NewRaw(`SELECT code FROM sectors ORDER BY code`).Scan(ctx, &sectors); err != nil {
		return nil, err
	}
	var searches []struct {
		Words   string `bun:"words"`
		Commune string `bun:"commune_code"`
	}
	if err := db.NewRaw(`SELECT keywords[1] || ' ' || keywords[2] AS words, commune_code FROM enterprises
		WHERE listed_in_directory AND status = 'ACTIVE' AND cardinality(keywords) >= 2 ORDER BY id LIMIT 200`).Scan(ctx, &searches); err != nil {
		return nil, fmt.Errorf("pick D's searches: %w", err)
	}
	if len(pairs) == 0 || len(sellers) == 0 || len(searches) == 0 {
		return nil, fmt.Errorf("the data set is too small for the shapes (%d filter pairs, %d sellers, %d searches)", len(pairs), len(sellers), len(searches))
	}
	quote := func(xs []string) string {
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
		}
		return "ARRAY[" + strings.Join(q, ",") + "]"
	}
	a, b, c, d, e := shapeTarget{letter: "A"}, shapeTarget{letter: "B"}, shapeTarget{letter: "C"}, shapeTarget{letter: "D"}, shapeTarget{letter: "E"}
	var pairSectors, pairCommunes []string
	for _, p := range pairs {
		a.bodies = append(a.bodies, encode(docs["A"], map[string]any{"sector": p.Sector, "commune": p.Commune}))
		a.peer = append(a.peer, encode(peerA, map[string]any{"sector": p.Sector, "commune": p.Commune}))
		pairSectors, pairCommunes = append(pairSectors, p.Sector), append(pairCommunes, p.Commune)
	}
	a.sql = fmt.Sprintf(`\set i random(1, %d)
SELECT e.ridet, e.name, s.code, s.name, c.code, c.name FROM enterprises e
JOIN sectors s ON s.code = e.sector_code JOIN communes c ON c.code = e.commune_code
WHERE e.sector_code = (%s)[:i] AND e.commune_code = (%s)[:i] ORDER BY e.name, e.id LIMIT 21;
`, len(pairs), quote(pairSectors), quote(pairCommunes))
	for _, r := range sellers {
		b.bodies = append(b.bodies, encode(docs["B"], map[string]any{"ridet": r}))
		b.peer = append(b.peer, encode(peerB, map[string]any{"ridet": r}))
	}
	b.sql = fmt.Sprintf(`\set i random(1, %d)
SELECT e.ridet, e.name, x.number, x.issued_at, x.total_ttc, x.buyer FROM enterprises e
LEFT JOIN LATERAL (SELECT i.number, i.issued_at, i.total_ttc, b.name AS buyer FROM invoices i JOIN enterprises b ON b.id = i.buyer_id
  WHERE i.seller_id = e.id ORDER BY i.issued_at DESC, i.id DESC LIMIT 10) x ON true
WHERE e.ridet = (%s)[:i];
`, len(sellers), quote(sellers))
	for _, s := range sectors {
		c.bodies = append(c.bodies, encode(docs["C"], map[string]any{"sector": s}))
		c.peer = append(c.peer, encode(peerC, map[string]any{"sector": s}))
	}
	c.sql = fmt.Sprintf(`\set i random(1, %d)
SELECT e.ridet, e.name, s.code, s.name, x.number, x.issued_at, x.total_ttc
FROM (SELECT * FROM enterprises WHERE sector_code = (%s)[:i] ORDER BY name, id LIMIT 50) e
JOIN sectors s ON s.code = e.sector_code
LEFT JOIN LATERAL (SELECT number, issued_at, total_ttc FROM invoices i WHERE i.seller_id = e.id ORDER BY issued_at DESC, id DESC LIMIT 5) x ON true
ORDER BY e.name, e.id;
`, len(sectors), quote(sectors))
	for _, s := range searches {
		d.bodies = append(d.bodies, encode(docs["D"], map[string]any{"search": s.Words, "communes": []string{s.Commune}}))
	}
	e.bodies = [][]byte{encode(docs["E"], nil)}
	// D as the API serves it, from its search cache when the directory is unchanged, and D read from the
	// businesses every time, as a never-seen search is.
	uncached := shapeTarget{letter: "D-nocache", bodies: d.bodies, header: http.Header{"Cache-Control": {"no-cache"}}}
	// The floor: what a request costs the API and the peer before any data, the same document to both.
	floor := shapeTarget{letter: floorShape, maxOnly: true, bodies: [][]byte{encode(floorDocument, nil)}, peer: [][]byte{encode(floorDocument, nil)}}
	return []shapeTarget{a, b, c, d, uncached, e, floor}, nil
}

// The floor shape: a document that reads nothing, so a request costs only HTTP, the token, parsing, validation,
// the operation's middleware and the JSON answer. Both servers answer it; its CPU per request is the least any
// shape can cost.
const (
	floorShape    = "floor"
	floorDocument = `query Floor { __typename }`
)

// The PostGraphile twins of A–C, in the names its amber preset gives the same tables, with keyset (cursor)
// pagination as the API's.
const (
	peerA = `query A($sector: String!, $commune: String!) {
  allEnterprises(first: 20, condition: { sectorCode: $sector, communeCode: $commune }, orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) {
    nodes { ridet name sectorBySectorCode { code name } communeByCommuneCode { code name } }
    pageInfo { hasNextPage endCursor }
  }
}`
	peerB = `query B($ridet: String!) {
  enterprisByRidet(ridet: $ridet) {
    ridet name
    invoicesBySellerId(first: 10, orderBy: [ISSUED_AT_DESC, PRIMARY_KEY_DESC]) {
      nodes { number issuedAt totalTtc enterprisByBuyerId { name } }
    }
  }
}`
	peerC = `query C($sector: String!) {
  allEnterprises(first: 50, condition: { sectorCode: $sector }, orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) {
    nodes {
      ridet name sectorBySectorCode { code name }
      invoicesBySellerId(first: 5, orderBy: [ISSUED_AT_DESC, PRIMARY_KEY_DESC]) { nodes { number issuedAt totalTtc } }
    }
  }
}`
)

// graphqlAttack sends bodies round-robin to url for at most d (and at most maxRequests), closed model with
// workers clients when rate is 0, else open model at rate requests per second. An answer is an error unless it
// is HTTP 200 with data and no errors.
func graphqlAttack(ctx context.Context, url string, header http.Header, bodies [][]byte, workers, rate int, d time.Duration, maxRequests int) []outcome {
	var next atomic.Int64
	targeter := func(t *vegeta.Target) error {
		i := next.Add(1) - 1
		t.Method, t.URL, t.Body, t.Header = http.MethodPost, url, bodies[int(i)%len(bodies)], header
		return nil
	}
	opts := []func(*vegeta.Attacker){vegeta.Timeout(requestTimeout), vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow)}
	pacer := limitPacer{hits: uint64(maxRequests)}
	if rate == 0 {
		opts = append(opts, vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)), vegeta.Connections(workers))
		pacer.Pacer = vegeta.ConstantPacer{}
	} else {
		opts = append(opts, vegeta.Workers(uint64(min(rate/10+1, 64))))
		pacer.Pacer = vegeta.ConstantPacer{Freq: rate, Per: time.Second}
	}
	attacker := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stop()
	var out []outcome
	for res := range attacker.Attack(vegeta.Targeter(targeter), pacer, d, "shape") {
		kind, detail := "OK", ""
		switch {
		case res.Code == 0:
			kind, detail = kindTransport, res.Error
		case res.Code != http.StatusOK:
			kind, detail = kindUnexpected, fmt.Sprintf("HTTP %d: %.300s", res.Code, res.Body)
		case bytes.Contains(res.Body, []byte(`"errors"`)) || !bytes.Contains(res.Body, []byte(`"data"`)):
			kind, detail = kindUnexpected, fmt.Sprintf("%.300s", res.Body)
		}
		out = append(out, outcome{start: res.Timestamp, latency: res.Latency, kind: kind, detail: detail})
	}
	return out
}

// measure runs one attack and fills a shapeRun with its throughput, latencies, errors, CPU and statements.
func (b *bench) measure(ctx context.Context, db *bun.DB, run int, shape, target, loadName string, pid int,
	attackFn func() []outcome) (*shapeRun, error) {
	if b.pg.statements {
		if err := resetStatements(ctx, db); err != nil {
			return nil, err
		}
	}
	cpu0 := takeCPUSnapshot(pid, b.pg.postmaster)
	outs := attackFn()
	cpu1 := takeCPUSnapshot(pid, b.pg.postmaster)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r := &shapeRun{Run: run, Shape: shape, Target: target, Load: loadName, CPU: cpuBetween(cpu0, cpu1), RSSMB: rssMB(pid)}
	s := summarize(outs)
	r.Requests, r.RPS = s.Requests, s.RequestsPerSecond
	lat := latencies(outs, func(outcome) bool { return true })
	r.P50, r.P90, r.P99, r.Max = lat.P50, lat.P90, lat.P99, lat.Max
	for _, o := range outs {
		if o.kind != "OK" {
			r.Errors++
			if r.ErrHint == "" {
				r.ErrHint = o.detail
			}
		}
	}
	if b.pg.statements && r.Requests > 0 {
		ss, err := readStatements(ctx, db)
		if err != nil {
			return nil, err
		}
		r.Statements = float64(callsOf(ss)) / float64(r.Requests)
	}
	if target == "pgbench" {
		return r, nil // its numbers are read from its output afterwards, and printed then (b.pgbench)
	}
	fmt.Fprintf(b.stdout, "run %d %s %-12s %-4s %7.0f req/s  p50 %6.1f ms  p99 %6.1f ms  errors %d  server %.2f ms/req  postgres %.2f ms/req  rss %.0f MB  %.1f statements/req\n",
		run, shape, target, loadName, r.RPS, r.P50, r.P99, r.Errors, r.cpuPerRequest(r.CPU.Server), r.cpuPerRequest(r.CPU.Postgres), r.RSSMB, r.Statements)
	if r.Errors > 0 {
		fmt.Fprintf(b.stdout, "  first error: %.300s\n", r.ErrHint)
	}
	return r, nil
}

func (r *shapeRun) cpuPerRequest(seconds float64) float64 {
	if r.Requests == 0 {
		return 0
	}
	return seconds * 1000 / float64(r.Requests)
}

// rssMB is a process's resident set size in MB (VmRSS), 0 when unknown.
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// shapes is the whole shapes benchmark: data, the API, the peer, the ceiling, opts.runs times each.
func (b *bench) shapes(ctx context.Context) (*scaleResults, error) {
	res := &scaleResults{Profiles: map[string]string{}, Failures: map[string]string{}}
	db, err := b.scaleDB(ctx, res)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	targets, err := shapeTargets(ctx, db)
	if err != nil {
		return nil, err
	}
	token, err := auth.Issue([]byte(b.jwtSecret), auth.DefaultIssuer, auth.DefaultAudience, "bench-admin", model.RoleAdmin, "", 2*time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	admin := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
	headerOf := func(t shapeTarget) http.Header {
		h := admin.Clone()
		for k, v := range t.header {
			h[k] = v
		}
		return h
	}
	o := b.opts

	srv, err := startServer(ctx, serverConfig{bin: b.serverBin, databaseURL: b.pg.cluster.DSN(scaleDatabase), jwtSecret: b.jwtSecret,
		dbConns: o.dbConns, logPath: filepath.Join(b.logDir, "sudpro-shapes.log")})
	if err != nil {
		return nil, err
	}
	defer func() { _ = srv.stop() }()
	// Warm-up, also the check that every document runs without errors: a shape the API fails at this scale is
	// reported as failing (with the server's answer) and not measured, rather than stopping the benchmark.
	var working []shapeTarget
	for _, t := range targets {
		outs := graphqlAttack(ctx, srv.url+"/graphql", headerOf(t), t.bodies, 4, 0, time.Second, 4*len(t.bodies)+8)
		failed := ""
		for _, out := range outs {
			if out.kind != "OK" && failed == "" {
				failed = out.detail
			}
		}
		if failed != "" {
			res.Failures[t.letter] = failed
			fmt.Fprintf(b.stdout, "shape %s fails on the API at this scale, not measured: %.300s\n", t.letter, failed)
			continue
		}
		working = append(working, t)
	}
	targets = working
	peer, note := b.startPeer(ctx)
	res.PeerNote = note
	if peer != nil {
		defer peer.stop()
		res.PeerVersion, res.NodeVersion = peer.version, peer.node
		for _, t := range targets {
			if t.peer == nil {
				continue
			}
			outs := graphqlAttack(ctx, peer.url, http.Header{"Content-Type": {"application/json"}}, t.peer, 4, 0, time.Second, 2*len(t.peer)+8)
			for _, out := range outs {
				if out.kind != "OK" {
					res.PeerNote = fmt.Sprintf("PostGraphile failed shape %s: %.300s", t.letter, out.detail)
					peer.stop()
					peer = nil
					break
				}
			}
			if peer == nil {
				break
			}
		}
	}
	pgbench, pgbenchNote := findPGBench()
	res.PGBench, res.PGBenchNote = pgbench, pgbenchNote
	scriptDir, err := os.MkdirTemp("", "sudpro-pgbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scriptDir)

	for run := 1; run <= o.runs; run++ {
		for _, t := range targets {
			add := func(r *shapeRun, err error) error {
				if err != nil {
					return fmt.Errorf("run %d shape %s: %w", run, t.letter, err)
				}
				res.Runs = append(res.Runs, r)
				return nil
			}
			maxN := o.shapeWorkers * 2000
			header := headerOf(t)
			var profiled chan string
			if run == 1 {
				profiled = make(chan string, 1)
				go func() { profiled <- b.profile(ctx, srv.url, header, t.letter) }()
			}
			if err := add(b.measure(ctx, db, run, t.letter, "sudpro", "max", srv.pid(), func() []outcome {
				return graphqlAttack(ctx, srv.url+"/graphql", header, t.bodies, o.shapeWorkers, 0, o.shapeDuration, maxN)
			})); err != nil {
				return nil, err
			}
			if profiled != nil {
				res.Profiles[t.letter] = <-profiled
			}
			// At a fixed arrival rate, then one client, one request at a time: how long a request takes when it
			// waits for no other. The floor is measured at maximum throughput only.
			latencyLoads := []struct {
				name   string
				attack func() []outcome
			}{
				{"rate", func() []outcome {
					return graphqlAttack(ctx, srv.url+"/graphql", header, t.bodies, 0, o.shapeRate, o.shapeDuration, o.shapeRate*int(o.shapeDuration.Seconds()+1))
				}},
				{"one", func() []outcome {
					return graphqlAttack(ctx, srv.url+"/graphql", header, t.bodies, 1, 0, o.shapeDuration, maxN)
				}},
			}
			if t.maxOnly {
				latencyLoads = nil
			}
			for _, l := range latencyLoads {
				if err := add(b.measure(ctx, db, run, t.letter, "sudpro", l.name, srv.pid(), l.attack)); err != nil {
					return nil, err
				}
			}
			if peer != nil && t.peer != nil {
				if err := add(b.measure(ctx, db, run, t.letter, "postgraphile", "max", peer.pid(), func() []outcome {
					return graphqlAttack(ctx, peer.url, http.Header{"Content-Type": {"application/json"}}, t.peer, o.shapeWorkers, 0, o.shapeDuration, maxN)
				})); err != nil {
					return nil, err
				}
			}
			if pgbench != "" && t.sql != "" {
				script := filepath.Join(scriptDir, t.letter+".sql")
				if err := os.WriteFile(script, []byte(t.sql), 0o644); err != nil {
					return nil, err
				}
				if err := add(b.pgbench(ctx, db, run, t.letter, pgbench, script)); err != nil {
					return nil, err
				}
			}
		}
	}
	return res, nil
}

// profile takes a CPU profile of the API server (through its ADMIN-only /debug/pprof/) while an attack runs, and
// returns its top functions by cumulative time, or why there is none.
func (b *bench) profile(ctx context.Context, url string, header http.Header, letter string) string {
	seconds := max(1, int(b.opts.shapeDuration.Seconds())-1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", url, seconds), nil)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", header.Get("Authorization"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Sprintf("profile: HTTP %d", res.StatusCode)
	}
	path := filepath.Join(b.logDir, "cpu-"+letter+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return err.Error()
	}
	if _, err := f.ReadFrom(res.Body); err != nil {
		_ = f.Close()
		return err.Error()
	}
	_ = f.Close()
	out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=30", b.serverBin, path).Output()
	if err != nil {
		return fmt.Sprintf("go tool pprof: %v", err)
	}
	return string(out)
}

// findPGBench finds PostgreSQL's pgbench next to the server binaries.
func findPGBench() (string, string) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, ""
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(matches) > 0 {
		return matches[len(matches)-1], ""
	}
	return "", "pgbench not found (PATH, /usr/lib/postgresql/*/bin): the ceiling is left out"
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
var latencyLine = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
var txLine = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)

// pgbench runs the equivalent SQL of a shape with as many connections as the API's clients, for the same time.
func (b *bench) pgbench(ctx context.Context, db *bun.DB, run int, shape, bin, script string) (*shapeRun, error) {
	var out []byte
	var runErr error
	r, err := b.measure(ctx, db, run, shape, "pgbench", "max", 0, func() []outcome {
		jobs := min(b.opts.shapeWorkers, 2)
		cmd := exec.CommandContext(ctx, bin, "-n", "-M", "simple", "-c", strconv.Itoa(b.opts.shapeWorkers), "-j", strconv.Itoa(jobs),
			"-T", strconv.Itoa(int(b.opts.shapeDuration.Seconds())), "-f", script, b.pg.cluster.DSN(scaleDatabase))
		out, runErr = cmd.CombinedOutput()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, fmt.Errorf("pgbench: %w\n%s", runErr, out)
	}
	m := tpsLine.FindSubmatch(out)
	n := txLine.FindSubmatch(out)
	if m == nil || n == nil {
		return nil, fmt.Errorf("pgbench output not understood:\n%s", out)
	}
	r.RPS, _ = strconv.ParseFloat(string(m[1]), 64)
	r.Requests, _ = strconv.Atoi(string(n[1]))
	if l := latencyLine.FindSubmatch(out); l != nil {
		r.P50, _ = strconv.ParseFloat(string(l[1]), 64) // pgbench reports the mean only
	}
	r.P99, r.Max, r.P90 = 0, 0, 0
	if b.pg.statements && r.Requests > 0 {
		ss, err := readStatements(ctx, db)
		if err != nil {
			return nil, err
		}
		r.Statements = float64(callsOf(ss)) / float64(r.Requests)
	}
	fmt.Fprintf(b.stdout, "  pgbench %s: %.0f tps, postgres %.2f ms/tx\n", shape, r.RPS, r.cpuPerRequest(r.CPU.Postgres))
	return r, nil
}
