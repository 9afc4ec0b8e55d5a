package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sudpro/model"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
		credit model.XPF
	}{
		{200, `{"data":{"confirmInvoice":{"invoice":{"id":"x","status":"CONFIRMED","creditAmount":40000},"userErrors":[]}}}`, kindConfirmed, 40000},
		{200, `{"data":{"confirmInvoice":{"invoice":null,"userErrors":[{"field":"input.creditAmount","code":"BUDGET_EXHAUSTED","message":"no"}]}}}`, kindExhausted, 0},
		{200, `{"data":{"confirmInvoice":{"invoice":null,"userErrors":[{"code":"NOT_ELIGIBLE","message":"no"}]}}}`, "NOT_ELIGIBLE", 0},
		{200, `{"errors":[{"message":"boom","extensions":{"code":"INTERNAL"}}],"data":null}`, kindGraphQL, 0},
		{200, `{"data":{"confirmInvoice":{"invoice":{"status":"ISSUED"},"userErrors":[]}}}`, kindUnexpected, 0},
		{200, `not json`, kindUnexpected, 0},
		{503, `{"errors":[{"message":"request timed out"}]}`, kindHTTP, 0},
		{0, ``, kindTransport, 0},
	}
	for _, c := range cases {
		kind, credit, _ := classify(c.status, []byte(c.body), "dial tcp: refused")
		if kind != c.want || credit != c.credit {
			t.Errorf("classify(%d, %s) = %s %d, want %s %d", c.status, c.body, kind, credit, c.want, c.credit)
		}
	}
}

func TestSummarize(t *testing.T) {
	start := time.Unix(1000, 0)
	var outs []outcome
	for i := range 100 {
		kind, credit := kindConfirmed, model.XPF(1000)
		if i >= 50 {
			kind, credit = kindExhausted, 0
		}
		outs = append(outs, outcome{start: start.Add(time.Duration(i) * 10 * time.Millisecond),
			latency: time.Duration(i+1) * time.Millisecond, kind: kind, credit: credit})
	}
	s := summarize(outs)
	if s.Confirmed != 50 || s.Exhausted != 50 || s.Errors != 0 || s.Reserved != 50_000 {
		t.Fatalf("counts = %+v", s)
	}
	if s.All.P50 != 50 || s.All.P99 != 99 || s.All.Max != 100 || s.OfConfirmed.Max != 50 {
		t.Errorf("latencies = %+v / %+v", s.All, s.OfConfirmed)
	}
	// The last reservation ends at 49 × 10 ms + 50 ms; the first refusal at 50 × 10 ms + 51 ms.
	if *s.LastReserveSeconds != 0.54 || *s.FirstRefusalSeconds != 0.551 {
		t.Errorf("times = %v, %v", *s.LastReserveSeconds, *s.FirstRefusalSeconds)
	}
}

func TestAsksAreDeterministicWholeThousandsInRange(t *testing.T) {
	a, b := asks(500, 40_000, 250_000, 7), asks(500, 40_000, 250_000, 7)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different asks")
	}
	for _, x := range a {
		if x < 40_000 || x > 250_000 || x%1000 != 0 {
			t.Fatalf("ask %d out of range or not whole thousands", x)
		}
	}
}

func TestInvoiceLinesCoverTheAsk(t *testing.T) {
	rates := map[string]*model.TGCRate{}
	for _, r := range []struct {
		code string
		bp   int64
	}{{"NORMAL", 1100}, {"REDUCED", 300}} {
		rates[r.code] = &model.TGCRate{Code: r.code, BasisPoints: r.bp}
	}
	for i, ask := range []model.XPF{40_000, 250_000, 123_000} {
		lines, err := model.BuildLines("lines", invoiceLines(i, ask), rates, false)
		if err != nil {
			t.Fatal(err)
		}
		if ttc := model.Totals(lines).TTC; ttc < ask {
			t.Errorf("invoice %d: TTC %d below the ask %d", i, ttc, ask)
		}
	}
}

func TestFormatting(t *testing.T) {
	for v, want := range map[float64]string{120_000_000: "120,000,000", 4000: "4000", 12345.678: "12,345.7", -25000: "-25,000"} {
		if got := num(v, map[bool]int{true: 1, false: 0}[v != float64(int64(v))]); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
	q := `SELECT "i"."id", "i"."status" FROM "invoices" AS "i" WHERE (i.id = $1) FOR UPDATE`
	if got := sqlCell(q); got != "`SELECT \"i\".* FROM \"invoices\" AS \"i\" WHERE (i.id = $1) FOR UPDATE`" {
		t.Errorf("sqlCell = %s", got)
	}
}

// The 2× PostGraphile budget is the CPUs' time divided by twice the peer's rate, less the ceiling's PostgreSQL time
// and the load generator's: A at 750 requests/s on 2 CPUs leaves 2000/1500 - 0.9 - 0.2 ms for the server.
func TestDoublePeerBudget(t *testing.T) {
	run := func(target string, rps float64, requests int, server, postgres, client float64) *shapeRun {
		return &shapeRun{Shape: "A", Target: target, Load: "max", RPS: rps, Requests: requests,
			CPU: cpuUse{Server: server, Postgres: postgres, Client: client}}
	}
	rp := report{machine: machineInfo{CPUs: 2}, scale: &scaleResults{Runs: []*shapeRun{
		run("postgraphile", 750, 3750, 3.75, 3.4, 0.8),
		run("pgbench", 1800, 9000, 0, 8.1, 0),   // 0.90 ms/tx of PostgreSQL
		run("sudpro", 700, 3500, 5.0, 3.2, 0.7), // 1.43 ms/req of server CPU, 0.20 of the load generator
	}}}
	var lines []string
	rp.doublePeerBudget(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) })
	want := "| A | 1500 | 1.33 | 0.90 | 0.20 | 0.23 | 1.43 | — |\n" // pgbench's PostgreSQL CPU is the least; no floor measured
	if !slices.Contains(lines, want) {
		t.Errorf("rows %q, want %q", lines, want)
	}
	rp.scale.Runs[0] = run("postgraphile", 750, 3750, 3.75, 1.5, 0.8) // 0.40 ms/req of PostgreSQL, less than pgbench's
	floor := run("sudpro", 2000, 10000, 3.0, 0, 2.0)                  // the floor: 0.30 ms/req of server CPU
	floor.Shape = floorShape
	rp.scale.Runs = append(rp.scale.Runs, floor)
	lines = nil
	rp.doublePeerBudget(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) })
	if want := "| A | 1500 | 1.33 | 0.40 | 0.20 | 0.73 | 1.43 | 0.30 |\n"; !slices.Contains(lines, want) {
		t.Errorf("rows %q, want %q", lines, want)
	}
	if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "already more than") }) {
		t.Errorf("the floor (0.30 ms) is within A's budget (0.73 ms), yet reported beyond it: %q", lines)
	}
	floor.CPU.Server = 8.0 // 0.80 ms/req: more than A's budget
	lines = nil
	rp.doublePeerBudget(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) })
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "0.80 ms") && strings.Contains(l, "A (0.73 ms left)") }) {
		t.Errorf("the floor beyond A's budget is not reported: %q", lines)
	}
	rp.scale.Runs = rp.scale.Runs[1:] // no peer: no table
	lines = nil
	rp.doublePeerBudget(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) })
	if len(lines) != 0 {
		t.Errorf("without the peer: %q, want nothing", lines)
	}
}

// A backend reaped while the live ones are read is in neither the reaped total nor the live sum: postgresCPU reads
// again rather than lose it (which would count its whole life in the next interval).
func TestPostgresCPUReadsAgainWhenAChildIsReapedMeanwhile(t *testing.T) {
	const postmaster, backend = 100, 101
	reaped := false // the backend exits and is reaped while the first pass lists the live children
	reads := 0
	read := func(pid int) (procTimes, error) {
		reads++
		switch {
		case pid == postmaster && reaped:
			return procTimes{own: time.Second, children: 3 * time.Second}, nil // cutime now has the backend's 2 s
		case pid == postmaster:
			return procTimes{own: time.Second, children: time.Second}, nil
		case pid == backend && !reaped:
			reaped = true // read too late: it is gone
			return procTimes{}, fmt.Errorf("no such process")
		}
		return procTimes{}, fmt.Errorf("no such process")
	}
	cpu, ok := postgresCPU(postmaster, read, func() []int { return []int{backend} })
	if !ok || cpu != 4*time.Second {
		t.Errorf("postgresCPU = %v, %v; want 4s (1 s own, 3 s reaped, the backend counted once)", cpu, ok)
	}
	if reads < 5 {
		t.Errorf("%d reads: the reading was not repeated after the reaping", reads)
	}
	if _, ok := postgresCPU(0, read, func() []int { return nil }); ok {
		t.Error("no postmaster: a reading anyway")
	}
}
