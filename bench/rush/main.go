// Command rush is `make bench`: the query shapes A–E at New Caledonia scale beside PostGraphile and pgbench
// (shapes.go), then F, the CréditSud session-opening rush, into one BENCHMARKS.md.
//
// F benchmarks the CréditSud session-opening rush through the GraphQL API: thousands of eligible
// buyers confirming their invoices at once against one session envelope of 120,000,000 XPF.
//
// For every run and every load pattern it creates a fresh bench_rush database on a private PostgreSQL
// (pglocal, in .data/postgres-bench), fills it with a programme, one session opened a minute ago, sellers, eligible
// buyers with their allocations and one ISSUED invoice per buyer, starts `sudpro serve` as a separate process on a
// free loopback port, and attacks it with vegeta: first at a fixed concurrency and unlimited rate (closed model,
// the maximum throughput), then at fixed arrival rates (open model, so a slow server cannot hide its tail
// latency). After each phase the ledger is checked (store.CheckLedger must find nothing, the envelope must not be
// overspent, and the ledger must agree with what the clients were told). It stops the server and the cluster at
// the end, on failure and on Ctrl-C, and writes BENCHMARKS.md from the medians of the runs.
//
// Usage (make bench runs it with its defaults):
//
//	go run ./bench/rush [-runs 3] [-scale 1] [-shape-duration 5s] [-buyers 3500] [-workers 32] [-rates 300,600] [-out BENCHMARKS.md]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	opts, err := parseOptions(os.Args[1:], os.Stderr)
	if err == nil {
		err = run(ctx, opts, os.Stdout)
	}
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rush:", err)
		}
		os.Exit(1)
	}
}

// options are the benchmark's settings, all from flags.
type options struct {
	runs       int           // repetitions of every phase; the report shows medians
	buyers     int           // eligible buyers, each confirming one invoice (the probes included)
	sellers    int           // sellers issuing those invoices
	envelope   int64         // the session's envelope in XPF
	minAsk     int64         // smallest CréditSud amount a buyer asks for, XPF
	maxAsk     int64         // largest, XPF (at most the allocation)
	seed       uint64        // seed of the buyers' asks
	probes     int           // sequential confirmations before each attack (uncontended latency, statements)
	workers    int           // phase A: concurrent clients at unlimited rate
	rates      []int         // phase B: arrival rates, requests per second
	dbConns    int           // SUDPRO_DB_MAX_CONNS of the server
	dsnParams  string        // extra query parameters of the server's DATABASE_URL (experiments)
	serverBin  string        // a prebuilt sudpro to measure instead of the working tree's ("" builds it)
	warmup     time.Duration // anonymous read load before each attack, to open the server's connection pool
	dataDir    string        // private PostgreSQL data folder
	durable    bool          // fsync and synchronous_commit on (the honest default)
	statements bool          // pg_stat_statements and pg_stat_activity sampling
	out        string        // Markdown report to write ("" for none)
	jsonOut    string        // raw results as JSON ("" for none)
	timeout    time.Duration // the whole benchmark stops after this
	// The query shapes A–E (shapes.go).
	shapes        bool          // measure A–E at New Caledonia scale
	rush          bool          // measure F, the rush
	scaleDiv      int           // nc-scale divided by this (1: the full profile)
	shapeWorkers  int           // clients of the maximum-throughput attacks
	shapeRate     int           // arrival rate of the latency attacks
	shapeDuration time.Duration // length of each attack
	peerDir       string        // PostGraphile's npm cache folder ("" leaves the peer out)
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rush", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.runs, "runs", 3, "repetitions of every phase; the report shows medians and spread")
	fs.IntVar(&o.buyers, "buyers", 3500, "eligible buyers, one invoice and one confirmation each (3,317 had not used their credit before phase 2)")
	fs.IntVar(&o.sellers, "sellers", 1000, "sellers issuing the buyers' invoices")
	fs.Int64Var(&o.envelope, "envelope", 120_000_000, "session envelope in XPF")
	fs.Int64Var(&o.minAsk, "min-ask", 40_000, "smallest CréditSud amount a buyer asks for, XPF")
	fs.Int64Var(&o.maxAsk, "max-ask", 250_000, "largest CréditSud amount a buyer asks for, XPF (at most the 250,000 allocation)")
	fs.Uint64Var(&o.seed, "seed", 2025, "seed of the buyers' asks (same seed, same asks)")
	fs.IntVar(&o.probes, "probes", 20, "confirmations sent one at a time before each attack")
	fs.IntVar(&o.workers, "workers", 32, "phase A: concurrent clients at unlimited rate (vegeta -rate=0 -max-workers)")
	rates := fs.String("rates", "300,600", "phase B: arrival rates in requests per second, comma-separated")
	fs.IntVar(&o.dbConns, "db-conns", 8, "SUDPRO_DB_MAX_CONNS of the server under test, and PostGraphile's pool (8: about 4 per CPU of this machine, where PostgreSQL shares the CPUs)")
	fs.StringVar(&o.serverBin, "server-bin", "", "measure this prebuilt sudpro binary instead of building the working tree (to compare two commits on one machine; the database schema is the working tree's)")
	fs.StringVar(&o.dsnParams, "dsn-params", "", "extra parameters of the server's DATABASE_URL, e.g. default_query_exec_mode=simple_protocol (experiments)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "anonymous read load before each attack")
	fs.StringVar(&o.dataDir, "data", ".data/postgres-bench", "data folder of the private PostgreSQL")
	fs.BoolVar(&o.durable, "durable", true, "keep fsync and synchronous_commit on (false only to see what durability costs)")
	fs.BoolVar(&o.statements, "statements", true, "collect pg_stat_statements and sample pg_stat_activity")
	fs.StringVar(&o.out, "out", "BENCHMARKS.md", "Markdown report to write (empty: none)")
	fs.StringVar(&o.jsonOut, "json", ".data/bench/rush.json", "raw results as JSON (empty: none)")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Minute, "the whole benchmark gives up after this")
	fs.BoolVar(&o.shapes, "shapes", true, "measure the query shapes A–E on the nc-scale data, with PostGraphile and pgbench")
	fs.BoolVar(&o.rush, "rush", true, "measure F, the session-opening rush")
	fs.IntVar(&o.scaleDiv, "scale", 1, "divide the nc-scale profile by this for a short run (1: 50,000 businesses, 500,000 invoices)")
	fs.IntVar(&o.shapeWorkers, "shape-workers", 32, "shapes: concurrent clients of the maximum-throughput attacks (and pgbench connections)")
	fs.IntVar(&o.shapeRate, "shape-rate", 300, "shapes: requests per second of the latency attacks (open model)")
	fs.DurationVar(&o.shapeDuration, "shape-duration", 5*time.Second, "shapes: length of each attack")
	fs.StringVar(&o.peerDir, "postgraphile", ".data/bench/postgraphile", "npm folder where PostGraphile v5 is (or gets) installed; empty leaves the peer out")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.rates, err = parseRates(*rates); err != nil {
		return o, err
	}
	switch {
	case o.runs < 1:
		return o, errors.New("-runs must be at least 1")
	case o.sellers < 1:
		return o, errors.New("-sellers must be at least 1")
	case o.probes < 0 || o.buyers < o.probes+o.workers:
		return o, fmt.Errorf("-buyers (%d) must cover the probes (%d) and at least one request per worker (%d)", o.buyers, o.probes, o.workers)
	case o.buyers > 999_999:
		return o, errors.New("-buyers must be below 1,000,000 (RIDETs are numbered)")
	case o.minAsk < 1 || o.maxAsk < o.minAsk || o.maxAsk > 250_000:
		return o, errors.New("asks must satisfy 1 <= -min-ask <= -max-ask <= 250,000 (the allocation)")
	case o.envelope < 1:
		return o, errors.New("-envelope must be positive")
	case o.scaleDiv < 1 || o.shapeWorkers < 1 || o.shapeRate < 1 || o.shapeDuration < time.Second:
		return o, errors.New("-scale, -shape-workers and -shape-rate must be positive and -shape-duration at least 1s")
	case !o.shapes && !o.rush:
		return o, errors.New("-shapes=false and -rush=false leave nothing to measure")
	case o.workers < 1 || o.dbConns < 1:
		return o, errors.New("-workers and -db-conns must be positive")
	}
	return o, nil
}

func parseRates(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-rates: %q is not a positive number of requests per second", part)
		}
		out = append(out, n)
	}
	return out, nil
}
