package main

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Targets of the issue, on a 2-core machine.
const (
	targetPerSecond = 500.0
	targetP99MS     = 200.0
)

// report turns the results of every run into BENCHMARKS.md and a console summary.
type report struct {
	opts    options
	machine machineInfo
	loads   []load
	results []*phaseResult
	took    time.Duration
	scale   *scaleResults // the query shapes A–E, nil when not measured
}

// metric is one row of a results table: how to read it from a phase result and how to print it.
type metric struct {
	label    string
	decimals int
	value    func(r *phaseResult) (float64, bool)
	pair     func(r *phaseResult) latencyStats // instead of value: "p50 / p99" of one kind of answer
}

// row is a metric with one value per phase result.
func row(label string, decimals int, value func(r *phaseResult) (float64, bool)) metric {
	return metric{label: label, decimals: decimals, value: value}
}

func always(f func(r *phaseResult) float64) func(r *phaseResult) (float64, bool) {
	return func(r *phaseResult) (float64, bool) { return f(r), true }
}

func optional(f func(r *phaseResult) *float64) func(r *phaseResult) (float64, bool) {
	return func(r *phaseResult) (float64, bool) {
		if v := f(r); v != nil {
			return *v, true
		}
		return 0, false
	}
}

// perRequest divides by the attack's requests.
func perRequest(f func(r *phaseResult) float64) func(r *phaseResult) (float64, bool) {
	return func(r *phaseResult) (float64, bool) {
		if r.Attack.Requests == 0 {
			return 0, false
		}
		return f(r) / float64(r.Attack.Requests), true
	}
}

// perProbe divides by the successful probe confirmations.
func perProbe(f func(r *phaseResult) float64) func(r *phaseResult) (float64, bool) {
	return func(r *phaseResult) (float64, bool) {
		if r.Probe.Confirmed == 0 || !r.ProbeCPU.Valid {
			return 0, false
		}
		return f(r) / float64(r.Probe.Confirmed), true
	}
}

func cpuMetric(f func(c cpuUse) float64) func(r *phaseResult) (float64, bool) {
	return func(r *phaseResult) (float64, bool) {
		if !r.CPU.Valid || r.CPU.Capacity == 0 {
			return 0, false
		}
		return f(r.CPU), true
	}
}

func throughputMetrics() []metric {
	return []metric{
		row("answers per second (any outcome)", 0, always(func(r *phaseResult) float64 { return r.Attack.RequestsPerSecond })),
		row("reservations (CONFIRMED) per second, first request → last reservation", 0, always(func(r *phaseResult) float64 { return r.Attack.ReservationsPerSec })),
		row("requests sent per second", 0, always(func(r *phaseResult) float64 { return r.Attack.SendRate })),
	}
}

func outcomeMetrics() []metric {
	return []metric{
		row("requests (one per buyer, after the probes)", 0, always(func(r *phaseResult) float64 { return float64(r.Attack.Requests) })),
		row("CONFIRMED (reservations)", 0, always(func(r *phaseResult) float64 { return float64(r.Attack.Confirmed) })),
		row("BUDGET_EXHAUSTED", 0, always(func(r *phaseResult) float64 { return float64(r.Attack.Exhausted) })),
		row("other answers (errors)", 0, always(func(r *phaseResult) float64 { return float64(r.Attack.Errors) })),
		row("time to the first BUDGET_EXHAUSTED, s", 2, optional(func(r *phaseResult) *float64 { return r.Attack.FirstRefusalSeconds })),
		row("time to the last reservation, s", 2, optional(func(r *phaseResult) *float64 { return r.Attack.LastReserveSeconds })),
		row("whole attack, first request → last answer, s", 2, always(func(r *phaseResult) float64 { return r.Attack.WallSeconds })),
		row("reservations committed although the buyer was answered with an error", 0, always(func(r *phaseResult) float64 {
			n, _ := r.silentReservations()
			return float64(n)
		})),
		row("… their amount, XPF", 0, always(func(r *phaseResult) float64 {
			_, x := r.silentReservations()
			return float64(x)
		})),
		row("envelope left at the end, XPF", 0, always(func(r *phaseResult) float64 { return float64(r.Budget.Remaining) })),
	}
}

// pairMetric prints two values ("p50 / p99") of one kind of answer.
func pairMetric(label string, stats func(r *phaseResult) latencyStats) metric {
	return metric{label: label, decimals: 1, pair: stats}
}

// aggregate is a metric over the runs of one load.
type aggregate struct {
	values      []float64
	median      float64
	lowest, top float64
}

func aggregateOf(results []*phaseResult, value func(r *phaseResult) (float64, bool)) aggregate {
	var a aggregate
	for _, r := range results {
		if v, ok := value(r); ok {
			a.values = append(a.values, v)
		}
	}
	if len(a.values) == 0 {
		return a
	}
	sorted := slices.Sorted(slices.Values(a.values))
	n := len(sorted)
	a.median = sorted[n/2]
	if n%2 == 0 {
		a.median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	a.lowest, a.top = sorted[0], sorted[n-1]
	return a
}

// byLoad returns the results of one load, in run order.
func (rp report) byLoad(name string) []*phaseResult {
	var out []*phaseResult
	for _, r := range rp.results {
		if r.Load.Name == name {
			out = append(out, r)
		}
	}
	return out
}

func num(v float64, decimals int) string {
	if math.IsNaN(v) {
		return "–"
	}
	s := fmt.Sprintf("%.*f", decimals, v)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	if len(intPart) > 4 {
		var b strings.Builder
		for i, c := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		intPart = b.String()
	}
	if neg {
		intPart = "-" + intPart
	}
	if frac != "" {
		return intPart + "." + frac
	}
	return intPart
}

func (a aggregate) cell(decimals int) string {
	if len(a.values) == 0 {
		return "–"
	}
	return num(a.median, decimals)
}

func (a aggregate) spread(decimals int) string {
	if len(a.values) == 0 {
		return "–"
	}
	if len(a.values) == 1 {
		return num(a.lowest, decimals)
	}
	s := num(a.lowest, decimals) + " – " + num(a.top, decimals)
	if a.median != 0 {
		s += fmt.Sprintf(" (±%.0f %%)", 100*(a.top-a.lowest)/2/math.Abs(a.median))
	}
	return s
}

// medianOf is the median of a metric over one load's runs (NaN when there is none).
func (rp report) medianOf(loadName string, value func(r *phaseResult) (float64, bool)) float64 {
	a := aggregateOf(rp.byLoad(loadName), value)
	if len(a.values) == 0 {
		return math.NaN()
	}
	return a.median
}

// verdict is one line of the target check.
type verdict struct {
	criterion, measured, target string
	met                         bool
}

func (rp report) verdicts() []verdict {
	var out []verdict
	maxLoad := rp.loads[0].Name
	rps := rp.medianOf(maxLoad, always(func(r *phaseResult) float64 { return r.Attack.RequestsPerSecond }))
	res := rp.medianOf(maxLoad, always(func(r *phaseResult) float64 { return r.Attack.ReservationsPerSec }))
	p99 := rp.medianOf(maxLoad, always(func(r *phaseResult) float64 { return r.Attack.All.P99 }))
	ratio := func(v, target float64) string { return fmt.Sprintf("%s (%.2f× the target)", num(v, 0), v/target) }
	out = append(out,
		verdict{fmt.Sprintf("confirmInvoice answers per second, %d clients", rp.opts.workers), ratio(rps, targetPerSecond), "≥ 500 /s", rps >= targetPerSecond},
		verdict{"reservations per second while the envelope lasts", ratio(res, targetPerSecond), "≥ 500 /s", res >= targetPerSecond},
		verdict{fmt.Sprintf("p99 latency at %d clients", rp.opts.workers), num(p99, 1) + " ms", "< 200 ms", p99 < targetP99MS},
	)
	for _, l := range rp.loads[1:] {
		p := rp.medianOf(l.Name, always(func(r *phaseResult) float64 { return r.Attack.All.P99 }))
		if l.Rate >= int(targetPerSecond) {
			out = append(out, verdict{fmt.Sprintf("p99 latency at %d requests/s (open model)", l.Rate), num(p, 1) + " ms", "< 200 ms", p < targetP99MS})
		}
	}
	clean := 0
	for _, r := range rp.results {
		if r.LedgerViolations == 0 {
			clean++
		}
	}
	out = append(out, verdict{"ledger check after every phase", fmt.Sprintf("clean after %d of %d phases", clean, len(rp.results)),
		"clean", clean == len(rp.results)})
	return out
}

func metOrNot(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

// summary is the console version of the target check.
func (rp report) summary() string {
	var b strings.Builder
	if len(rp.results) == 0 {
		return ""
	}
	fmt.Fprintf(&b, "\nmedians of %d runs (%s):\n", rp.opts.runs, rp.took.Round(time.Second))
	for _, v := range rp.verdicts() {
		fmt.Fprintf(&b, "  %-55s %-32s target %-9s %s\n", v.criterion, v.measured, v.target, strings.Trim(metOrNot(v.met), "*"))
	}
	return b.String()
}

// table writes a Markdown table of metrics with one column group per load.
func (rp report) table(b *strings.Builder, loads []load, metrics []metric) {
	results := make([][]*phaseResult, len(loads))
	for i, l := range loads {
		results[i] = rp.byLoad(l.Name)
	}
	perRun := len(loads) == 1
	b.WriteString("| metric |")
	for _, l := range loads {
		if perRun {
			b.WriteString(" median | spread (min – max) |")
			for i := range results[0] {
				fmt.Fprintf(b, " run %d |", i+1)
			}
		} else {
			fmt.Fprintf(b, " %s: median | spread |", l.Name)
		}
	}
	b.WriteString("\n|---|")
	cols := 2 * len(loads)
	if perRun {
		cols += len(results[0])
	}
	b.WriteString(strings.Repeat("---:|", cols) + "\n")
	for _, m := range metrics {
		fmt.Fprintf(b, "| %s |", m.label)
		for i := range loads {
			if m.pair != nil {
				p50 := aggregateOf(results[i], always(func(r *phaseResult) float64 { return m.pair(r).P50 }))
				p99 := aggregateOf(results[i], always(func(r *phaseResult) float64 { return m.pair(r).P99 }))
				fmt.Fprintf(b, " %s / %s | %s / %s |", p50.cell(1), p99.cell(1), p50.spread(1), p99.spread(1))
				if perRun {
					for _, r := range results[i] {
						fmt.Fprintf(b, " %s / %s |", num(m.pair(r).P50, 1), num(m.pair(r).P99, 1))
					}
				}
				continue
			}
			a := aggregateOf(results[i], m.value)
			fmt.Fprintf(b, " %s | %s |", a.cell(m.decimals), a.spread(m.decimals))
			if perRun {
				for _, r := range results[i] {
					if v, ok := m.value(r); ok {
						fmt.Fprintf(b, " %s |", num(v, m.decimals))
					} else {
						b.WriteString(" – |")
					}
				}
			}
		}
		b.WriteString("\n")
	}
}

// resultMetrics are the rows of the phase tables.
func (rp report) resultMetrics() []metric {
	ms := throughputMetrics()
	ms = append(ms,
		metric{label: "latency p50, ms (all answers)", decimals: 1, value: always(func(r *phaseResult) float64 { return r.Attack.All.P50 })},
		metric{label: "latency p90, ms", decimals: 1, value: always(func(r *phaseResult) float64 { return r.Attack.All.P90 })},
		metric{label: "**latency p99, ms**", decimals: 1, value: always(func(r *phaseResult) float64 { return r.Attack.All.P99 })},
		metric{label: "latency max, ms", decimals: 1, value: always(func(r *phaseResult) float64 { return r.Attack.All.Max })},
		pairMetric("latency p50 / p99 of CONFIRMED, ms", func(r *phaseResult) latencyStats { return r.Attack.OfConfirmed }),
		pairMetric("latency p50 / p99 of BUDGET_EXHAUSTED, ms", func(r *phaseResult) latencyStats { return r.Attack.OfExhausted }),
	)
	ms = append(ms, outcomeMetrics()...)
	return append(ms, pairMetric("uncontended confirmation (probes, one at a time): p50 / p99, ms",
		func(r *phaseResult) latencyStats { return r.Probe.OfConfirmed }))
}

func (rp report) costMetrics() []metric {
	return []metric{
		row("uncontended (probes): sudpro CPU per confirmation, ms", 2, perProbe(func(r *phaseResult) float64 { return 1000 * r.ProbeCPU.Server })),
		row("uncontended (probes): PostgreSQL CPU per confirmation, ms", 2, perProbe(func(r *phaseResult) float64 { return 1000 * r.ProbeCPU.Postgres })),
		row("uncontended (probes): time in PostgreSQL statements per confirmation, ms", 2, perProbe(func(r *phaseResult) float64 { return timeOf(r.ProbeSQL) })),
		row("sudpro CPU per request, ms", 2, perRequest(func(r *phaseResult) float64 { return 1000 * r.CPU.Server })),
		row("PostgreSQL CPU per request, ms", 2, perRequest(func(r *phaseResult) float64 { return 1000 * r.CPU.Postgres })),
		row("load generator CPU per request, ms", 2, perRequest(func(r *phaseResult) float64 { return 1000 * r.CPU.Client })),
		row("machine CPU: sudpro, %", 0, cpuMetric(func(c cpuUse) float64 { return 100 * c.Server / c.Capacity })),
		row("machine CPU: PostgreSQL, %", 0, cpuMetric(func(c cpuUse) float64 { return 100 * c.Postgres / c.Capacity })),
		row("machine CPU: load generator, %", 0, cpuMetric(func(c cpuUse) float64 { return 100 * c.Client / c.Capacity })),
		row("machine CPU: other processes, %", 0, cpuMetric(func(c cpuUse) float64 { return 100 * c.Other / c.Capacity })),
		row("machine CPU: idle / I/O wait, %", 0, cpuMetric(func(c cpuUse) float64 { return 100 * (c.Idle + c.IOWait) / c.Capacity })),
		row("SQL statements per request (pg_stat_statements)", 1, perRequest(func(r *phaseResult) float64 { return float64(callsOf(r.AttackSQL)) })),
		row("time in PostgreSQL statements per request, ms", 2, perRequest(func(r *phaseResult) float64 { return timeOf(r.AttackSQL) })),
		row("commits per request", 2, perRequest(func(r *phaseResult) float64 { return float64(r.DB.Commits) })),
		row("rollbacks per request", 2, perRequest(func(r *phaseResult) float64 { return float64(r.DB.Rollbacks) })),
		row("commits per WAL flush (group commit)", 2, func(r *phaseResult) (float64, bool) {
			if r.DB.WALSyncs == 0 {
				return 0, false
			}
			return float64(r.DB.Commits) / float64(r.DB.WALSyncs), true
		}),
		row("mean WAL flush, ms", 3, func(r *phaseResult) (float64, bool) {
			if r.DB.WALSyncs == 0 {
				return 0, false
			}
			return r.DB.WALSyncMS / float64(r.DB.WALSyncs), true
		}),
		row("WAL per request, kB", 1, perRequest(func(r *phaseResult) float64 { return float64(r.DB.WALBytes) / 1000 })),
		row("deadlocks", 0, always(func(r *phaseResult) float64 { return float64(r.DB.Deadlocks) })),
	}
}

func callsOf(ss []statement) int64 {
	var n int64
	for _, s := range ss {
		n += s.Calls
	}
	return n
}

func timeOf(ss []statement) float64 {
	var t float64
	for _, s := range ss {
		t += s.TotalMS
	}
	return t
}

// mergedStatements adds up the statements of several phases by query text.
func mergedStatements(results []*phaseResult, pick func(r *phaseResult) []statement) []statement {
	byQuery := map[string]*statement{}
	for _, r := range results {
		for _, s := range pick(r) {
			m, ok := byQuery[s.Query]
			if !ok {
				m = &statement{Query: s.Query}
				byQuery[s.Query] = m
			}
			m.Calls += s.Calls
			m.TotalMS += s.TotalMS
			m.Rows += s.Rows
		}
	}
	out := make([]statement, 0, len(byQuery))
	for _, k := range slices.Sorted(maps.Keys(byQuery)) {
		out = append(out, *byQuery[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TotalMS > out[j].TotalMS })
	return out
}

// selectList matches the column list of a SELECT as Bun writes it, to shorten it in the report.
var selectList = regexp.MustCompile(`^SELECT ("\w+")\."\w+"(?:, "\w+"\."\w+")* FROM`)

func sqlCell(q string) string {
	q = selectList.ReplaceAllString(q, "SELECT $1.* FROM")
	if r := []rune(q); len(r) > 150 {
		q = string(r[:150]) + "…"
	}
	return "`" + strings.ReplaceAll(q, "|", `\|`) + "`"
}

// statementTable lists statements with their calls per unit (a confirmation, a request) and mean time.
func statementTable(b *strings.Builder, ss []statement, units float64, unit string, limit int) {
	total := timeOf(ss)
	fmt.Fprintf(b, "| statement | calls per %s | mean, ms | share of statement time |\n|---|---:|---:|---:|\n", unit)
	for i, s := range ss {
		if i == limit {
			var calls int64
			var t float64
			for _, rest := range ss[limit:] {
				calls += rest.Calls
				t += rest.TotalMS
			}
			fmt.Fprintf(b, "| %d other statements | %.2f | | %.0f %% |\n", len(ss)-limit, float64(calls)/units, 100*t/total)
			break
		}
		fmt.Fprintf(b, "| %s | %.2f | %.3f | %.0f %% |\n", sqlCell(s.Query), float64(s.Calls)/units,
			s.TotalMS/float64(max(1, s.Calls)), 100*s.TotalMS/total)
	}
	fmt.Fprintf(b, "| **all** | **%.1f** | | %.2f ms per %s |\n", float64(callsOf(ss))/units, total/units, unit)
}

// activityTable shows what the server's backends were doing during an attack, over the runs of a load.
func activityTable(b *strings.Builder, results []*phaseResult, conns int) {
	states := map[string]int{}
	samples := 0
	for _, r := range results {
		samples += r.Activity.Samples
		for k, v := range r.Activity.States {
			states[k] += v
		}
	}
	total := 0
	for _, v := range states {
		total += v
	}
	if samples == 0 || total == 0 {
		b.WriteString("(no samples)\n")
		return
	}
	keys := slices.Sorted(maps.Keys(states))
	sort.SliceStable(keys, func(i, j int) bool { return states[keys[i]] > states[keys[j]] })
	fmt.Fprintf(b, "| backend state (pg_stat_activity, every 20 ms, %d samples) | share | backends on average |\n|---|---:|---:|\n", samples)
	rest := 0
	for _, k := range keys {
		if float64(states[k]) < 0.005*float64(total) {
			rest += states[k]
			continue
		}
		fmt.Fprintf(b, "| %s | %.0f %% | %.1f |\n", activityLabel(k), 100*float64(states[k])/float64(total), float64(states[k])/float64(samples))
	}
	if rest > 0 {
		fmt.Fprintf(b, "| other states (each under 0.5 %%) | %.1f %% | %.1f |\n", 100*float64(rest)/float64(total), float64(rest)/float64(samples))
	}
	fmt.Fprintf(b, "| **busy backends** | 100 %% | %.1f of %d |\n", float64(total)/float64(samples), conns)
}

// activityLabel explains the usual states.
func activityLabel(k string) string {
	switch k {
	case "running":
		return "running (on CPU or runnable)"
	case "idle in transaction":
		return "idle in transaction (waiting for sudpro: round trip or Go work mid-transaction)"
	case "Lock:transactionid":
		return "Lock:transactionid (waiting for another transaction's row lock: the hot envelope row)"
	case "Lock:tuple":
		return "Lock:tuple (queued behind a row lock)"
	case "IO:WALSync":
		return "IO:WALSync (commit waiting for fsync)"
	case "LWLock:WALWrite":
		return "LWLock:WALWrite (commit waiting for another backend's WAL flush)"
	case "Client:ClientRead":
		return "Client:ClientRead (waiting for sudpro)"
	}
	return k
}

// markdown renders BENCHMARKS.md.
func (rp report) markdown() string {
	var b strings.Builder
	o, m := rp.opts, rp.machine
	maxLoad := rp.loads[0]
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Benchmarks\n\n")
	w("Generated by `make bench` (`go run ./bench/rush`) on %s in %s; rerun it to refresh this file rather than editing it.\n\n",
		m.Date.Format("2006-01-02 15:04 MST"), rp.took.Round(time.Second))
	w("## Machine and code\n\n| | |\n|---|---|\n")
	w("| CPU | %s, %d CPUs (`nproc`) |\n| memory | %.1f GiB |\n| kernel | Linux %s |\n| Go | %s |\n| PostgreSQL | %s |\n",
		m.CPUModel, m.CPUs, m.MemoryGiB, m.Kernel, m.Go, m.Postgres)
	dirty := "clean working tree"
	if m.Dirty > 0 {
		dirty = fmt.Sprintf("plus uncommitted changes in %d tracked files", m.Dirty)
	}
	w("| code | commit %s, %s |\n| date | %s |\n", m.Commit, dirty, m.Date.Format("2006-01-02 15:04 MST"))
	if o.dsnParams != "" {
		w("| experiment | server's DATABASE_URL with `%s` |\n", o.dsnParams)
	}
	if !o.durable {
		w("| experiment | **fsync and synchronous_commit off**: not a durable configuration |\n")
	}
	if rp.scale != nil && rp.scale.PeerVersion != "" {
		w("| PostGraphile | %s (amber preset) on Node %s |\n", rp.scale.PeerVersion, rp.scale.NodeVersion)
	}
	w("\n")
	w("The load generator, the API server and PostgreSQL share these %d CPUs; the machine is shared with other work, "+
		"whose CPU use is shown below (\"other processes\").\n\n", m.CPUs)

	w("## Commands\n\n```sh\n" +
		"make bench                                   # everything below, about 15 minutes; rewrites BENCHMARKS.md\n" +
		"go run ./bench/rush -h                       # every flag\n" +
		"go run ./bench/rush -runs 1 -scale 20 -shape-duration 2s -rush=false -out /tmp/B.md   # a short run while developing\n" +
		"go test -run '^$' -bench . -benchmem -count 10 ./graph ./model ./store > new.txt   # the Go micro-benchmarks\n" +
		"go tool benchstat old.txt new.txt            # compare two commits (run the line above on each)\n```\n\n")
	if rp.scale != nil {
		w("%s", rp.shapesMarkdown())
	}
	if len(rp.results) == 0 {
		return b.String()
	}
	w("## F. The CréditSud session-opening rush through the GraphQL API\n\n")
	w("One CréditSud session with an envelope of **%s XPF**, opened a minute ago, with the rules of the 2025 phase-2 sessions "+
		"(sellers of the priority sectors, beneficiaries who have not used their credit, operating costs and hardware excluded). "+
		"**%s eligible buyers** (patentés, %s XPF allocation each) each confirm one ISSUED invoice from one of %s sellers with "+
		"`confirmInvoice`, asking %s–%s XPF (whole thousands, drawn from seed %d; the asks add up to about %.1f× the envelope), so the "+
		"envelope runs out early in every phase and the other buyers are told `BUDGET_EXHAUSTED`, as at a real opening (the first "+
		"phase-2 session of 2025 was spent in 8 minutes).\n\n",
		num(float64(o.envelope), 0), num(float64(o.buyers), 0), num(250_000, 0), num(float64(o.sellers), 0),
		num(float64(o.minAsk), 0), num(float64(o.maxAsk), 0), o.seed, float64(o.buyers)*float64(o.minAsk+o.maxAsk)/2/float64(o.envelope))
	w("**Target** (issue, 2-core machine): ≥ 500 confirmations/s with p99 < 200 ms, and `ledger check` clean after every run.\n\n")

	w("### Verdict (medians of %d runs)\n\n| criterion | measured | target | |\n|---|---|---|---|\n", o.runs)
	for _, v := range rp.verdicts() {
		w("| %s | %s | %s | %s |\n", v.criterion, v.measured, v.target, metOrNot(v.met))
	}
	w("\n")

	w("### How it runs\n\n```sh\nmake bench                 # = go run ./bench/rush (defaults below), rewrites BENCHMARKS.md\n" +
		"go run ./bench/rush -h     # every flag: -runs -buyers -sellers -workers -rates -db-conns -durable -statements …\n```\n\n")
	w("1. A private PostgreSQL %s (pglocal) in `%s`, loopback only, with `%s`. **Durability is as shipped: fsync, "+
		"synchronous_commit and full_page_writes on** (`-durable=false` exists only to see what they cost). The other settings keep "+
		"runs comparable: the data fit in shared_buffers, and checkpoints happen before each attack rather than during it.\n",
		m.Postgres, o.dataDir, settingsLine(m.Settings))
	w("2. For every run (%d) and every phase (%d): `DROP DATABASE bench_rush`, `CREATE DATABASE`, `store.Migrate`; then through the "+
		"store: the programme, the session (`CreateSession`), %s sellers and %s buyers (`InsertEnterprises`), `GrantAllocations`, and one "+
		"invoice per buyer (`IssueInvoice`, the server computing TTC ≥ the ask); `VACUUM ANALYZE` and `CHECKPOINT`.\n",
		o.runs, len(rp.loads), num(float64(o.sellers), 0), num(float64(o.buyers), 0))
	w("3. `sudpro serve` (built from the working tree) as a separate process: `SUDPRO_ENV=production`, `DATABASE_URL` → bench_rush, "+
		"a random free `SUDPRO_ADDR` on 127.0.0.1, a random 32-byte `SUDPRO_JWT_SECRET`, `SUDPRO_DB_MAX_CONNS=%d`, `SUDPRO_BUDGETS=ANONYMOUS=100000000` (the load generator is one address), `LOG_LEVEL=warn`; "+
		"the benchmark waits for `/readyz`, then warms the server up with %s of anonymous session-budget reads from %d clients (this "+
		"opens the database pool; the buyers' own first requests stay cold).\n", o.dbConns, o.warmup, o.workers)
	w("4. %d probe confirmations one at a time (uncontended latency and the statements of one confirmation), then the attack with "+
		"vegeta (as a library) on the other %s buyers, each sent once: its own bearer token (`auth.Issue`, role ENTERPRISE and its "+
		"RIDET), its invoice's global ID, its ask as `creditAmount` and an `idempotencyKey`. Each answer is read: HTTP 200 with "+
		"`data.confirmInvoice` is CONFIRMED or a `userErrors` code; anything else counts as an error.\n",
		o.probes, num(float64(o.buyers-o.probes), 0))
	w("   - **Phase A**: %s, vegeta `-rate=0 -max-workers=%d`.\n", maxLoad.title(), o.workers)
	for _, l := range rp.loads[1:] {
		w("   - **Phase B**: %s: requests leave on schedule whatever the server does (no coordinated omission), until every buyer "+
			"has been sent (≈ %.1f s).\n", l.title(), float64(o.buyers-o.probes)/float64(l.Rate))
	}
	w("5. After each phase: `store.CheckLedger` must find nothing, `SessionBudgets` must show the envelope intact and reserved ≤ " +
		"envelope, and the ledger must have reserved exactly what the CONFIRMED answers said (amount and count). Any failure fails " +
		"the benchmark.\n")
	w("6. The server and the cluster are stopped at the end, on failure and on Ctrl-C. Raw results: `%s`; server logs: "+
		"`.data/bench/`.\n\n", o.jsonOut)

	w("### Phase A — %s\n\n", maxLoad.title())
	rp.table(&b, []load{maxLoad}, rp.resultMetrics())
	w("\n\"Reservations per second\" counts CONFIRMED answers from the first request to the last reservation, i.e. while the " +
		"envelope lasted; \"answers per second\" counts every answer over the whole attack, most of them BUDGET_EXHAUSTED.\n\n")

	if len(rp.loads) > 1 {
		w("### Phase B — latency at a fixed arrival rate (open model)\n\n")
		rp.table(&b, rp.loads[1:], rp.resultMetrics())
		w("\n")
	}

	w("### Where the time goes\n\n")
	rp.reading(&b)
	w("CPU from `/proc/<pid>/stat` of the sudpro process, of the postmaster and its children (reaped ones included) and of the load " +
		"generator, and `/proc/stat` for the whole machine, over each attack; statements from `pg_stat_statements` (reset before the " +
		"attack); transactions and WAL flushes from `pg_stat_database` and `pg_stat_wal`.\n\n")
	rp.table(&b, rp.loads, rp.costMetrics())
	w("\n")
	rushHistory(&b)

	var probes []*phaseResult
	for _, r := range rp.results {
		if len(r.ProbeSQL) > 0 {
			probes = append(probes, r)
		}
	}
	if len(probes) > 0 {
		n := 0
		for _, r := range probes {
			n += r.Probe.Confirmed
		}
		w("**The statements of one confirmation** (the %d successful probe confirmations of every phase and run, sent one at a "+
			"time; the first request of each buyer also looks its RIDET up for the token):\n\n", n)
		statementTable(&b, mergedStatements(probes, func(r *phaseResult) []statement { return r.ProbeSQL }), float64(n), "confirmation", 40)
		w("\n")
	}
	maxRuns := rp.byLoad(maxLoad.Name)
	if len(maxRuns) > 0 && len(maxRuns[0].AttackSQL) > 0 {
		reqs := 0
		for _, r := range maxRuns {
			reqs += r.Attack.Requests
		}
		w("**Statements during phase A**, slowest first (every run; statement time includes waiting for row locks):\n\n")
		statementTable(&b, mergedStatements(maxRuns, func(r *phaseResult) []statement { return r.AttackSQL }), float64(reqs), "request", 12)
		w("\n")
	}
	for _, l := range rp.loads {
		runs := rp.byLoad(l.Name)
		if len(runs) == 0 || runs[0].Activity.Samples == 0 {
			continue
		}
		w("**What the API server's %d database connections were doing**, %s (every run):\n\n", o.dbConns, l.title())
		activityTable(&b, runs, o.dbConns)
		w("\n")
	}

	w("### What is measured, and what is not\n\n")
	w("- Measured: the whole path of a buyer's confirmation — HTTP/1.1 keep-alive on loopback, the middleware, bearer-token " +
		"verification and the RIDET lookup (cached after a buyer's first request, so cold here: each buyer sends once), GraphQL " +
		"parsing and validation, the resolver, the store's transaction with its idempotency key and ledger postings, the commit " +
		"with its WAL flush, and the payload read after commit. Latency is from the moment vegeta sends a request to the end of the " +
		"answer; percentiles are exact (nearest rank over every request), not estimated.\n")
	w("- Not measured: TLS, a load balancer, a network between client, server and database, several API replicas, a browser or "+
		"the GraphiQL UI, issuing invoices or the rest of the workflow (approval, payment), the other reads buyers make around a "+
		"session opening, and a database bigger than this one (%s; the `nc-scale` profile is the size of the "+
		"whole register).\n", num(float64(o.buyers+o.sellers), 0)+" businesses, "+num(float64(o.buyers), 0)+" invoices")
	w("- The probes reserve from the envelope before the attack (about %d × the mean ask); they are counted in the ledger checks, "+
		"not in the attack's figures.\n", o.probes)
	w("- pg_stat_statements and the pg_stat_activity sampling (50 small queries a second) cost a little; `-statements=false` " +
		"turns both off.\n\n")
	w("### Noise\n\n")
	w("- This is a shared %d-CPU virtual machine: other work runs beside the benchmark (\"other processes\" above), and the "+
		"load generator itself takes CPU from the server. Read the medians and the spread, compare ratios between commits measured "+
		"the same way on the same machine, and rerun before trusting a difference smaller than the spread.\n", m.CPUs)
	w("- Each phase starts from fresh data, a fresh server process and a checkpoint, so runs do not inherit each other's " +
		"bloat, caches or WAL; the operating system's page cache is not dropped.\n")
	w("- Phase A is a closed model: its latencies are those of %d clients that each wait for their answer, not what a larger "+
		"crowd would see; phase B's open model is the one to read for tail latency at a given arrival rate.\n", o.workers)
	return b.String()
}

// reading derives a few figures from phase A's medians that say what bounds the throughput.
func (rp report) reading(b *strings.Builder) {
	l := rp.loads[0].Name
	med := func(f func(r *phaseResult) (float64, bool)) float64 { return rp.medianOf(l, f) }
	cpu := med(perRequest(func(r *phaseResult) float64 { return 1000 * (r.CPU.Server + r.CPU.Postgres + r.CPU.Client) }))
	server := med(perRequest(func(r *phaseResult) float64 { return 1000 * r.CPU.Server }))
	pgCPU := med(perRequest(func(r *phaseResult) float64 { return 1000 * r.CPU.Postgres }))
	other := med(cpuMetric(func(c cpuUse) float64 { return 100 * c.Other / c.Capacity }))
	idle := med(cpuMetric(func(c cpuUse) float64 { return 100 * (c.Idle + c.IOWait) / c.Capacity }))
	reservations := med(always(func(r *phaseResult) float64 { return r.Attack.ReservationsPerSec }))
	cpus := float64(rp.machine.CPUs)
	b.WriteString("Reading the medians (phase A unless said otherwise):\n\n")
	if !math.IsNaN(cpu) && cpu > 0 {
		fmt.Fprintf(b, "- **CPU**: each request costs %.1f ms of CPU in all (sudpro %.1f, PostgreSQL %.1f, the rest the load generator). "+
			"On %d CPUs that alone caps the throughput near %.0f requests/s, before any lock wait; %.0f/s needs at most %.1f ms per "+
			"request, all included. The machine was %.0f %% idle during the attack and other processes took %.0f %% of it.\n",
			cpu, server, pgCPU, rp.machine.CPUs, cpus*1000/cpu, targetPerSecond, cpus*1000/targetPerSecond, idle, other)
	}
	if !math.IsNaN(reservations) && reservations > 0 {
		fmt.Fprintf(b, "- **The envelope row**: reservations are serialised on the session's envelope account (a conditional UPDATE, "+
			"held until COMMIT). While the envelope lasted they went through at %.0f/s, i.e. one reservation every %.1f ms; "+
			"%.0f/s needs the row held for less than %.1f ms per reservation, commit included.\n",
			reservations, 1000/reservations, targetPerSecond, 1000/targetPerSecond)
	}
	states, total := map[string]int{}, 0
	for _, r := range rp.byLoad(l) {
		for k, v := range r.Activity.States {
			states[k] += v
			total += v
		}
	}
	if total > 0 {
		fmt.Fprintf(b, "- **The server's transactions**: of the database connections busy during phase A, %.0f %% of the time a "+
			"transaction was open but waiting for sudpro (idle in transaction), %.0f %% waiting for a row lock held by another "+
			"transaction, %.0f %% running.\n", 100*float64(states["idle in transaction"])/float64(total),
			100*float64(states["Lock:transactionid"]+states["Lock:tuple"])/float64(total), 100*float64(states["running"])/float64(total))
	}
	for _, ld := range rp.loads {
		n := rp.medianOf(ld.Name, always(func(r *phaseResult) float64 { c, _ := r.silentReservations(); return float64(c) }))
		x := rp.medianOf(ld.Name, always(func(r *phaseResult) float64 { _, a := r.silentReservations(); return float64(a) }))
		errs := rp.medianOf(ld.Name, always(func(r *phaseResult) float64 { return float64(r.Attack.Errors) }))
		if math.IsNaN(n) || n <= 0 {
			continue
		}
		fmt.Fprintf(b, "- **Answers under overload** (%s): %s of the requests (median) were answered with an error, mostly `503 "+
			"request timed out` at the server's request timeout (%s), yet %s of them had reserved their amount (%s XPF): the ledger is sound, but those "+
			"buyers were told their confirmation failed. Only a retry with the same `idempotencyKey` tells them the truth.\n",
			ld.title(), num(errs, 0), "10 s", num(n, 0), num(x, 0))
	}
	b.WriteString("\n")
}

// settingsLine lists the cluster settings for the report.
func settingsLine(s map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s)) {
		parts = append(parts, k+"="+s[k])
	}
	return strings.Join(parts, " ")
}

// rushHistory is what was found and changed in the rush, with the measurements of the time: history, not
// regenerated.
func rushHistory(b *strings.Builder) {
	b.WriteString("**What was found and changed** (history, not regenerated; one run each, old and new binaries alternated on the " +
		"same machine: `go run ./bench/rush -shapes=false -runs 1 -rates '' -server-bin <binary>`):\n\n")
	b.WriteString("- **Every statement was parsed, analysed and planned anew.** Bun writes values into each statement's text, so " +
		"PostgreSQL saw every statement of a confirmation for the first time: `perf record` over phase A put planning at 17 % of the " +
		"machine's CPU and parsing with analysis at 13 %, for 15.6 statements per request. The hot path now runs through PL/pgSQL " +
		"functions whose plans each connection keeps (migration `20260401000001_ledger_hot_path`; they hold SQL only, the rules stay " +
		"in `model/`). First inside the same transaction (16 → 9 statements): 190/209 → 255/281 answers/s, with other work on the machine.\n")
	b.WriteString("- **A transaction open across round trips, rows locked while Go worked.** A confirmation now reads its facts " +
		"without locks in one statement, checks the rules, and writes in one statement that reads the facts again under lock " +
		"(a fingerprint) and writes nothing if they changed; a refusal is one statement recording its outcome with the key. The " +
		"envelope's row is locked for one statement instead of three round trips. Tested by `TestConfirmationRereadsFactsChangedMeanwhile` " +
		"and the concurrency tests, which fail when the re-check is disabled. 272/262 → 418/393 answers/s, 169/173 → 239/237 " +
		"reservations/s, 15.6 → 6.2 statements per request, sudpro CPU 2.08/2.18 → 1.41/1.54 ms and PostgreSQL CPU 4.60/4.78 → " +
		"2.91/3.04 ms per request.\n")
	b.WriteString("- **An audit INSERT with its own synchronous commit per request.** The entries of concurrent mutations now share " +
		"one INSERT (a group commit, `store.group`; each call still returns once its own entry is committed): 337/336 → 363/371 " +
		"answers/s, 6.2 → 5.3 statements per request. Grouping the points leases and the RIDET lookups the same way was tried and " +
		"left out: 5.3 → 3.9 statements, but 429/403 → 404/375 answers/s (both are cheap statements; waiting for a batch is not).\n")
	b.WriteString("- **Every reservation wrote the ledger alone, holding the envelope's row.** A reservation's writes (the key, the " +
		"invoice, the entry and its postings, four balances, the ledger's and the dashboard's triggers) took about 2 ms of " +
		"PostgreSQL's time with the envelope's row locked (`pg_stat_statements.track=all` over a batch of 100). Confirmations that " +
		"queue while one is written now go together, up to 32, to one statement (`sudpro_confirm_batch`, `store.confirmationGroup`): " +
		"it checks each one's row versions under lock, decides them in arrival order in memory, and writes them with one statement " +
		"per table, so the envelope's row is updated and committed once per batch; the durable commit that follows is shared too. " +
		"Tested by `TestLedgerQueuedConfirmationsAreDecidedInOrder`. Seven alternated pairs: p99 266/245/226/214/279/233/268 → " +
		"225/179/222/192/183/201/176 ms, p99 of the CONFIRMED answers 368/412/302/297/410/285/421 → 236/230/245/194/266/242/222 ms; " +
		"answers/s within the noise (old 406–515, new 363–484 on a busier day).\n")
	b.WriteString("- **The first wave paid for cold connections.** The 32 slowest answers of a phase were its first 32 requests " +
		"(172–254 ms, against 60–100 ms for the rest): each new database connection compiles the PL/pgSQL functions, plans their " +
		"statements and loads the tables' catalog entries on first use, 10–30 ms of CPU per connection (a fresh `psql`: the first " +
		"facts call 9–13 ms, the next ones 2 ms). The server's connections now run `sudpro_warm_up` when they open " +
		"(`store.Options.WarmUp`; it writes nothing, `TestWarmUpWritesNothing`), here during the benchmark's warm-up reads. " +
		"Two alternated pairs: 361/408 → 522/524 answers/s, 186/197 → 394/365 reservations/s, p99 334/351 → 137/152 ms.\n")
	b.WriteString("- **Refusals paid for a fingerprint, and Go decoded the facts four times over.** Most calls of a rush are " +
		"refused on the balances just read, yet the facts carried their row versions, compared only when a confirmation is written " +
		"(about 40 % of the facts' time in `pg_stat_user_functions`); they now carry them only when the balances cover the credit " +
		"asked (migration `20260420000001_confirm_facts_lazy_fingerprint`; over 2,675 invoices in one statement, 0.43 ms per call " +
		"with, 0.21–0.36 ms without). Go cut the facts into members, then validated and decoded each row; `store.scanJSONDoc` now " +
		"decodes the whole document in one pass. Three alternated pairs: 485/520/433 → 564/568/559 answers/s, p99 162/133/175 → " +
		"122/117/117 ms, sudpro CPU 1.19/1.17/1.34 → 1.03/1.04/1.05 ms and PostgreSQL CPU 2.28/2.21/2.51 → 2.03/2.07/2.01 ms per " +
		"request (`TestConfirmationFactsFingerprintOnlyWhatMayBeWritten`, `TestScanJSONDocMatchesBunScan`). Every buyer's id is " +
		"looked up once per process now (`EnterpriseIDByRIDET` keeps the ids found), which a rush of first requests does not see.\n")
	b.WriteString("- **More connections than CPUs could serve.** With a pool of 20, up to 20 PostgreSQL backends ran at once on the 2 " +
		"CPUs, and the one writing the batch that holds the envelope's row got a twentieth of them: in a rush where every " +
		"confirmation reserves (`-envelope 900000000`), `sudpro_confirm_batch` was running during the whole attack " +
		"(`pg_stat_user_functions`: 9.6 s of function time in a 9 s attack). The benchmark now gives the server, and " +
		"PostGraphile, a pool of 8. Two alternated pairs each, pool 20 → 8: every confirmation reserving, 412/446 → 489/524 " +
		"reservations/s; the rush as measured here, 524/525 → 552/536 answers/s, 361/385 → 468/441 reservations/s, p99 131/141 → " +
		"116/116 ms. The shapes, one run each (the peer with the same pool): A 593 → 667, B 621 → 660, C 155 → 177, D 188 → 174 " +
		"requests/s, PostGraphile's B 967 → 1295.\n")
	b.WriteString("- **Found on the way:** an autocommitted statement's commit errors arrive after its row, and Bun's scan of a " +
		"single row stops at the row: a reservation that did not commit could have been reported as made. " +
		"`TestLedgerConfirmationsSurviveKilledConnections` caught it; the single-statement writes are scanned as slices, which Bun " +
		"reads to the end.\n\n")
}
