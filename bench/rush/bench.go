package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"sudpro/model"
	"sudpro/store"
)

// bench holds what every phase needs: the options, the cluster, the server binary, where logs go.
type bench struct {
	opts      options
	pg        *postgres
	serverBin string
	logDir    string
	jwtSecret string
	stdout    io.Writer
}

// phaseResult is everything measured in one phase of one run.
type phaseResult struct {
	Run          int             `json:"run"`
	Load         load            `json:"load"`
	SetupSeconds float64         `json:"setup_s"`
	Probe        loadStats       `json:"probe"`
	ProbeCPU     cpuUse          `json:"probe_cpu"`
	ProbeSQL     []statement     `json:"probe_statements,omitempty"`
	Attack       loadStats       `json:"attack"`
	AttackSQL    []statement     `json:"attack_statements,omitempty"`
	CPU          cpuUse          `json:"cpu"`
	DB           dbCounters      `json:"db"`
	Activity     activityProfile `json:"activity"`
	Budget       struct {
		Envelope  model.XPF `json:"envelope"`
		Reserved  model.XPF `json:"reserved"`
		Remaining model.XPF `json:"remaining"`
		Confirmed int       `json:"confirmed_invoices"` // CONFIRMED invoices of the session in the ledger
	} `json:"budget"`
	LedgerViolations int `json:"ledger_violations"`
}

// run is the whole benchmark: build, cluster, runs × phases, report.
func run(ctx context.Context, opts options, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	began := time.Now()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	dataDir := resolve(root, opts.dataDir)
	logDir := filepath.Join(root, ".data", "bench")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", logDir, err)
	}
	tmp, err := os.MkdirTemp("", "sudpro-bench-")
	if err != nil {
		return fmt.Errorf("temporary folder: %w", err)
	}
	defer os.RemoveAll(tmp)

	bin := opts.serverBin
	if bin == "" {
		fmt.Fprintln(stdout, "building sudpro…")
		if bin, err = buildServer(ctx, root, tmp); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "starting PostgreSQL in %s (fsync %s)…\n", dataDir, onOff(opts.durable))
	pg, err := startPostgres(ctx, dataDir, opts.durable, opts.statements, logger)
	if err != nil {
		return err
	}
	defer pg.Close()
	if opts.statements && !pg.statements {
		fmt.Fprintln(stdout, "note: pg_stat_statements is not loaded; statement counts are left out")
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	b := &bench{opts: opts, pg: pg, serverBin: bin, logDir: logDir, jwtSecret: hex.EncodeToString(secret), stdout: stdout}

	if opts.peerDir != "" {
		b.opts.peerDir = resolve(root, opts.peerDir)
	}
	var scale *scaleResults
	if opts.shapes {
		if scale, err = b.shapes(ctx); err != nil {
			return fmt.Errorf("query shapes: %w", err)
		}
	}
	loads := []load{{Name: fmt.Sprintf("max-%d", opts.workers), Workers: opts.workers}}
	for _, r := range opts.rates {
		loads = append(loads, load{Name: fmt.Sprintf("rate-%d", r), Rate: r})
	}
	var results []*phaseResult
	for runNo := 1; runNo <= opts.runs && opts.rush; runNo++ {
		for _, l := range loads {
			res, err := b.phase(ctx, runNo, l)
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", runNo, l.title(), err)
			}
			results = append(results, res)
			a := res.Attack
			fmt.Fprintf(stdout, "run %d %-8s %6.0f req/s  %6.0f reservations/s  p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  "+
				"confirmed %d  exhausted %d  errors %d  (setup %.1f s)\n",
				runNo, l.Name, a.RequestsPerSecond, a.ReservationsPerSec, a.All.P50, a.All.P99, a.All.Max,
				a.Confirmed+res.Probe.Confirmed, a.Exhausted, a.Errors+res.Probe.Errors, res.SetupSeconds)
		}
	}

	machine := describeMachine(ctx, root, pg)
	rep := report{opts: b.opts, machine: machine, loads: loads, results: results, took: time.Since(began), scale: scale}
	if opts.jsonOut != "" {
		if err := writeJSON(resolve(root, opts.jsonOut), machine, results, scale); err != nil {
			return err
		}
	}
	if opts.out != "" {
		path := resolve(root, opts.out)
		if err := os.WriteFile(path, []byte(rep.markdown()), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	fmt.Fprint(stdout, rep.summary())
	return nil
}

// phase runs one load on fresh data: database, data, server, warm-up, probes, attack, checks.
func (b *bench) phase(ctx context.Context, runNo int, l load) (*phaseResult, error) {
	res := &phaseResult{Run: runNo, Load: l}
	started := time.Now()
	db, err := b.pg.freshDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	fx, err := buildFixture(ctx, db, fixtureSpec{
		buyers: b.opts.buyers, sellers: b.opts.sellers, envelope: model.XPF(b.opts.envelope),
		minAsk: model.XPF(b.opts.minAsk), maxAsk: model.XPF(b.opts.maxAsk), seed: b.opts.seed,
		tag: fmt.Sprintf("r%d-%s", runNo, l.Name), jwtSecret: []byte(b.jwtSecret),
	})
	if err != nil {
		return nil, fmt.Errorf("set up data: %w", err)
	}
	if err := settle(ctx, db); err != nil {
		return nil, err
	}
	res.SetupSeconds = time.Since(started).Seconds()

	srv, err := startServer(ctx, serverConfig{bin: b.serverBin, databaseURL: withParams(b.pg.DSN(), b.opts.dsnParams), jwtSecret: b.jwtSecret,
		dbConns: b.opts.dbConns, logPath: filepath.Join(b.logDir, fmt.Sprintf("sudpro-run%d-%s.log", runNo, l.Name))})
	if err != nil {
		return nil, err
	}
	defer func() { _ = srv.stop() }()
	if err := warmUp(ctx, srv.url, fx.sessionID, b.opts.workers, b.opts.warmup); err != nil {
		return nil, err
	}

	// Probes: a few confirmations one at a time, with the statements each one runs.
	probes, rush := fx.confirms[:b.opts.probes], fx.confirms[b.opts.probes:]
	if err := b.resetStats(ctx, db); err != nil {
		return nil, err
	}
	cpu0 := takeCPUSnapshot(srv.pid(), b.pg.postmaster)
	probeOut, err := probe(ctx, srv.url, probes)
	if err != nil {
		return nil, err
	}
	res.ProbeCPU = cpuBetween(cpu0, takeCPUSnapshot(srv.pid(), b.pg.postmaster))
	res.Probe = summarize(probeOut)
	if res.ProbeSQL, err = b.statements(ctx, db); err != nil {
		return nil, err
	}

	// The rush.
	if err := b.resetStats(ctx, db); err != nil {
		return nil, err
	}
	before, err := readCounters(ctx, db)
	if err != nil {
		return nil, err
	}
	stopSampling := func() activityProfile { return activityProfile{} }
	if b.opts.statements {
		stopSampling = sampleActivity(ctx, b.pg.admin, 20*time.Millisecond)
	}
	cpu0 = takeCPUSnapshot(srv.pid(), b.pg.postmaster)
	outs := attack(ctx, srv.url, rush, l)
	cpu1 := takeCPUSnapshot(srv.pid(), b.pg.postmaster)
	res.Activity = stopSampling()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res.CPU = cpuBetween(cpu0, cpu1)
	res.Attack = summarize(outs)
	if res.AttackSQL, err = b.statements(ctx, db); err != nil {
		return nil, err
	}
	time.Sleep(1100 * time.Millisecond) // PostgreSQL publishes backend statistics at most a second late
	after, err := readCounters(ctx, db)
	if err != nil {
		return nil, err
	}
	res.DB = after.minus(before)
	if err := srv.stop(); err != nil {
		return nil, err
	}
	if err := b.check(ctx, db, fx, res); err != nil {
		return nil, err
	}
	return res, nil
}

// silentReservations are the confirmations the ledger recorded although their buyers were answered with an error.
func (r *phaseResult) silentReservations() (count int, amount model.XPF) {
	return r.Budget.Confirmed - r.Probe.Confirmed - r.Attack.Confirmed, r.Budget.Reserved - r.Probe.Reserved - r.Attack.Reserved
}

func (b *bench) resetStats(ctx context.Context, db *bun.DB) error {
	if !b.pg.statements {
		return nil
	}
	return resetStatements(ctx, db)
}

func (b *bench) statements(ctx context.Context, db *bun.DB) ([]statement, error) {
	if !b.pg.statements {
		return nil, nil
	}
	return readStatements(ctx, db)
}

// check fails the phase unless the ledger is sound and agrees with what the clients were told: no violation of
// the ledger's invariants, the envelope intact and not overspent, and exactly the confirmed amounts reserved.
func (b *bench) check(ctx context.Context, db *bun.DB, fx *fixture, res *phaseResult) error {
	st := store.New(db)
	violations, err := st.CheckLedger(ctx)
	if err != nil {
		return fmt.Errorf("ledger check: %w", err)
	}
	res.LedgerViolations = len(violations)
	if len(violations) > 0 {
		var lines []string
		for i, v := range violations {
			if i == 20 {
				lines = append(lines, fmt.Sprintf("… and %d more", len(violations)-20))
				break
			}
			lines = append(lines, v.Invariant+": "+v.Detail)
		}
		return fmt.Errorf("ledger check found %d violations:\n%s", len(violations), strings.Join(lines, "\n"))
	}
	budgets, err := st.SessionBudgets(ctx, []int64{fx.sessionID})
	if err != nil {
		return err
	}
	bud := budgets[fx.sessionID]
	res.Budget.Envelope, res.Budget.Reserved, res.Budget.Remaining = bud.Total, bud.Reserved, bud.Remaining
	envelope := model.XPF(b.opts.envelope)
	if bud.Total != envelope || bud.Reserved+bud.Payable+bud.Paid > envelope {
		return fmt.Errorf("session budget %+v: the envelope of %d XPF is not intact or is overspent", *bud, envelope)
	}
	var confirmed int
	if err := db.NewRaw("SELECT count(*) FROM invoices WHERE status = 'CONFIRMED' AND session_id = ?", fx.sessionID).Scan(ctx, &confirmed); err != nil {
		return fmt.Errorf("count confirmed invoices: %w", err)
	}
	res.Budget.Confirmed = confirmed
	told := res.Probe.Reserved + res.Attack.Reserved
	toldCount := res.Probe.Confirmed + res.Attack.Confirmed
	unknown := res.Probe.Errors + res.Attack.Errors // a request answered with an error may still have committed
	if unknown == 0 && (bud.Reserved != told || confirmed != toldCount) {
		return fmt.Errorf("the ledger reserved %d XPF for %d invoices, the clients were told %d XPF for %d", bud.Reserved, confirmed, told, toldCount)
	}
	if bud.Reserved < told || confirmed < toldCount {
		return fmt.Errorf("the ledger reserved %d XPF for %d invoices, less than the %d XPF for %d the clients were told", bud.Reserved, confirmed, told, toldCount)
	}
	return nil
}

// writeJSON saves the raw results, for comparisons between commits.
func writeJSON(path string, m machineInfo, results []*phaseResult, scale *scaleResults) error {
	b, err := json.MarshalIndent(map[string]any{"machine": m, "results": results, "shapes": scale}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// withParams adds URL query parameters ("a=b&c=d") to a connection URL.
func withParams(dsn, params string) string {
	if params == "" {
		return dsn
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&" + params
	}
	return dsn + "?" + params
}

func resolve(root, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(root, path)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
