package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"sudpro/model"
)

// Outcome kinds besides the userErrors codes of confirmInvoice.
const (
	kindConfirmed  = "CONFIRMED"
	kindExhausted  = string(model.CodeBudgetExhausted)
	kindTransport  = "TRANSPORT_ERROR" // no HTTP response (timeout, connection refused or reset)
	kindHTTP       = "HTTP_ERROR"      // a status other than 200
	kindGraphQL    = "GRAPHQL_ERROR"   // top-level GraphQL errors, no payload
	kindUnexpected = "UNEXPECTED"      // a 200 answer this benchmark cannot read
)

// requestTimeout is the load generator's patience; the server gives up on a request after 10 s.
const requestTimeout = 15 * time.Second

// load is one way of sending the confirmations: a closed model with a fixed number of workers at unlimited rate,
// or an open model at a fixed arrival rate.
type load struct {
	Name    string `json:"name"`
	Workers int    `json:"workers,omitempty"` // closed model
	Rate    int    `json:"rate,omitempty"`    // open model, requests per second
}

func (l load) title() string {
	if l.Workers > 0 {
		return fmt.Sprintf("maximum throughput, %d concurrent clients (closed model)", l.Workers)
	}
	return fmt.Sprintf("%d requests/s (open model)", l.Rate)
}

// outcome is one answered (or failed) confirmInvoice request.
type outcome struct {
	start   time.Time
	latency time.Duration
	kind    string
	credit  model.XPF // reserved, for a CONFIRMED answer
	detail  string    // what went wrong, for errors
}

// confirmResponse is the part of confirmInvoice's answer the benchmark reads.
type confirmResponse struct {
	Data *struct {
		ConfirmInvoice *struct {
			Invoice *struct {
				Status       string    `json:"status"`
				CreditAmount model.XPF `json:"creditAmount"`
			} `json:"invoice"`
			UserErrors []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"userErrors"`
		} `json:"confirmInvoice"`
	} `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// classify reads one answer: HTTP 200 with data.confirmInvoice is CONFIRMED or a userErrors code; anything else
// is an error.
func classify(status int, body []byte, transportErr string) (kind string, credit model.XPF, detail string) {
	if status == 0 {
		return kindTransport, 0, transportErr
	}
	if status != http.StatusOK {
		return kindHTTP, 0, fmt.Sprintf("HTTP %d: %.200s", status, body)
	}
	var r confirmResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return kindUnexpected, 0, fmt.Sprintf("%v: %.200s", err, body)
	}
	if len(r.Errors) > 0 {
		return kindGraphQL, 0, fmt.Sprintf("%v %s", r.Errors[0].Extensions["code"], r.Errors[0].Message)
	}
	if r.Data == nil || r.Data.ConfirmInvoice == nil {
		return kindUnexpected, 0, fmt.Sprintf("no confirmInvoice payload: %.200s", body)
	}
	p := r.Data.ConfirmInvoice
	switch {
	case len(p.UserErrors) > 0:
		return p.UserErrors[0].Code, 0, p.UserErrors[0].Message
	case p.Invoice != nil && p.Invoice.Status == kindConfirmed:
		return kindConfirmed, p.Invoice.CreditAmount, ""
	}
	return kindUnexpected, 0, fmt.Sprintf("neither an invoice nor user errors: %.200s", body)
}

// limitPacer stops an attack after a number of hits: each buyer is sent once.
type limitPacer struct {
	vegeta.Pacer
	hits uint64
}

func (p limitPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.hits {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// confirmTargeter hands out each request once, in order, then ErrNoTargets.
func confirmTargeter(url string, reqs []confirmRequest) vegeta.Targeter {
	var next atomic.Int64
	return func(t *vegeta.Target) error {
		i := next.Add(1) - 1
		if i >= int64(len(reqs)) {
			return vegeta.ErrNoTargets
		}
		t.Method, t.URL, t.Body, t.Header = http.MethodPost, url, reqs[i].body, reqs[i].header
		return nil
	}
}

// attack sends every request once with vegeta under the given load and returns the outcomes.
func attack(ctx context.Context, apiURL string, reqs []confirmRequest, l load) []outcome {
	opts := []func(*vegeta.Attacker){vegeta.Timeout(requestTimeout), vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow)}
	pacer := limitPacer{hits: uint64(len(reqs))}
	if l.Workers > 0 {
		// vegeta -rate=0 -workers=N -max-workers=N: each worker sends its next request when the last one is answered.
		opts = append(opts, vegeta.Workers(uint64(l.Workers)), vegeta.MaxWorkers(uint64(l.Workers)), vegeta.Connections(l.Workers))
		pacer.Pacer = vegeta.ConstantPacer{}
	} else {
		// Open model: requests leave on schedule whatever the server does; vegeta adds workers when all are busy.
		opts = append(opts, vegeta.Workers(uint64(min(l.Rate/10+1, 64))))
		pacer.Pacer = vegeta.ConstantPacer{Freq: l.Rate, Per: time.Second}
	}
	attacker := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stop()
	out := make([]outcome, 0, len(reqs))
	for res := range attacker.Attack(confirmTargeter(apiURL+"/graphql", reqs), pacer, 0, l.Name) {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue
		}
		kind, credit, detail := classify(int(res.Code), res.Body, res.Error)
		out = append(out, outcome{start: res.Timestamp, latency: res.Latency, kind: kind, credit: credit, detail: detail})
	}
	return out
}

// probe sends requests one at a time: the latency of a confirmation nobody competes with.
func probe(ctx context.Context, apiURL string, reqs []confirmRequest) ([]outcome, error) {
	client := &http.Client{Timeout: requestTimeout}
	out := make([]outcome, 0, len(reqs))
	for _, r := range reqs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+"/graphql", bytes.NewReader(r.body))
		if err != nil {
			return nil, fmt.Errorf("probe request: %w", err)
		}
		req.Header = r.header.Clone()
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			out = append(out, outcome{start: start, latency: time.Since(start), kind: kindTransport, detail: err.Error()})
			continue
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		latency := time.Since(start)
		status := res.StatusCode
		if err != nil {
			status = 0
		}
		kind, credit, detail := classify(status, body, fmt.Sprint(err))
		out = append(out, outcome{start: start, latency: latency, kind: kind, credit: credit, detail: detail})
	}
	return out, nil
}

// warmUp sends anonymous reads of the session's budget from as many clients as the phase-A workers for d, so the
// server's database pool is open and its query cache filled before the measured load; the buyers' own first
// requests (token check, RIDET lookup) stay cold, as at a real session opening.
func warmUp(ctx context.Context, apiURL string, sessionID int64, workers int, d time.Duration) error {
	body, err := json.Marshal(map[string]any{
		"query":     `query Budget($id: ID!) { node(id: $id) { ... on Session { name budget { remaining } } } }`,
		"variables": map[string]any{"id": model.GlobalIntID(model.TypeSession, sessionID)},
	})
	if err != nil {
		return fmt.Errorf("encode warm-up query: %w", err)
	}
	target := vegeta.Target{Method: http.MethodPost, URL: apiURL + "/graphql", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}}
	attacker := vegeta.NewAttacker(vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)), vegeta.Timeout(requestTimeout))
	stop := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stop()
	failed, total := 0, 0
	for res := range attacker.Attack(vegeta.NewStaticTargeter(target), vegeta.ConstantPacer{}, d, "warm-up") {
		total++
		if res.Code != http.StatusOK {
			failed++
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if failed > 0 {
		return fmt.Errorf("warm-up: %d of %d reads failed", failed, total)
	}
	return nil
}

// latencyStats are latency percentiles in milliseconds (nearest rank, exact: every latency is kept).
type latencyStats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func latencies(outs []outcome, keep func(outcome) bool) latencyStats {
	var ds []time.Duration
	for _, o := range outs {
		if keep(o) {
			ds = append(ds, o.latency)
		}
	}
	if len(ds) == 0 {
		return latencyStats{}
	}
	slices.Sort(ds)
	rank := func(p float64) float64 {
		i := max(0, int(math.Ceil(p*float64(len(ds))))-1)
		return float64(ds[i].Microseconds()) / 1000
	}
	return latencyStats{N: len(ds), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: rank(1)}
}

// loadStats summarise the outcomes of an attack.
type loadStats struct {
	Requests  int            `json:"requests"`
	Counts    map[string]int `json:"counts"`
	Confirmed int            `json:"confirmed"`
	Exhausted int            `json:"budget_exhausted"`
	Errors    int            `json:"errors"` // anything but CONFIRMED and BUDGET_EXHAUSTED
	ErrorHint []string       `json:"error_samples,omitempty"`
	// Seconds from the first request sent.
	WallSeconds         float64      `json:"wall_s"`          // to the last answer
	SendSeconds         float64      `json:"send_s"`          // to the last request sent
	FirstRefusalSeconds *float64     `json:"first_refusal_s"` // to the first BUDGET_EXHAUSTED answer
	LastReserveSeconds  *float64     `json:"last_reservation_s"`
	RequestsPerSecond   float64      `json:"requests_per_s"`     // answers per second of wall time
	SendRate            float64      `json:"send_rate_per_s"`    // requests sent per second
	ReservationsPerSec  float64      `json:"reservations_per_s"` // CONFIRMED per second, up to the last one
	Reserved            model.XPF    `json:"reserved_xpf"`       // Σ creditAmount of CONFIRMED answers
	All                 latencyStats `json:"latency_all"`
	OfConfirmed         latencyStats `json:"latency_confirmed"`
	OfExhausted         latencyStats `json:"latency_budget_exhausted"`
}

func summarize(outs []outcome) loadStats {
	s := loadStats{Requests: len(outs), Counts: map[string]int{}}
	if len(outs) == 0 {
		return s
	}
	first, lastStart, lastEnd := outs[0].start, outs[0].start, outs[0].start
	for _, o := range outs {
		if o.start.Before(first) {
			first = o.start
		}
	}
	var firstRefusal, lastReserve time.Time
	for _, o := range outs {
		end := o.start.Add(o.latency)
		if o.start.After(lastStart) {
			lastStart = o.start
		}
		if end.After(lastEnd) {
			lastEnd = end
		}
		s.Counts[o.kind]++
		switch o.kind {
		case kindConfirmed:
			s.Confirmed++
			s.Reserved += o.credit
			if end.After(lastReserve) {
				lastReserve = end
			}
		case kindExhausted:
			s.Exhausted++
			if firstRefusal.IsZero() || end.Before(firstRefusal) {
				firstRefusal = end
			}
		default:
			s.Errors++
			if len(s.ErrorHint) < 5 {
				s.ErrorHint = append(s.ErrorHint, o.kind+": "+o.detail)
			}
		}
	}
	s.WallSeconds = lastEnd.Sub(first).Seconds()
	s.SendSeconds = lastStart.Sub(first).Seconds()
	if s.WallSeconds > 0 {
		s.RequestsPerSecond = float64(s.Requests) / s.WallSeconds
	}
	if s.SendSeconds > 0 {
		s.SendRate = float64(s.Requests-1) / s.SendSeconds
	}
	if !firstRefusal.IsZero() {
		v := firstRefusal.Sub(first).Seconds()
		s.FirstRefusalSeconds = &v
	}
	if !lastReserve.IsZero() {
		v := lastReserve.Sub(first).Seconds()
		s.LastReserveSeconds = &v
		if v > 0 {
			s.ReservationsPerSec = float64(s.Confirmed) / v
		}
	}
	s.All = latencies(outs, func(outcome) bool { return true })
	s.OfConfirmed = latencies(outs, func(o outcome) bool { return o.kind == kindConfirmed })
	s.OfExhausted = latencies(outs, func(o outcome) bool { return o.kind == kindExhausted })
	return s
}
