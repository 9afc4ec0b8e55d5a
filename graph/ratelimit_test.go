package graph_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sudpro/dbtest"
	"sudpro/graph"
	"sudpro/model"
	"sudpro/store"
)

var admin = model.Actor{Role: model.RoleAdmin, Subject: "budget-test"}

// charge charges points to actor's budget as one request does, and returns the request's rate state.
func charge(b *graph.Budget, actor model.Actor, points int) (*graph.RateState, bool) {
	ctx, state := graph.WithRateState(model.WithActor(context.Background(), actor), "192.0.2.1")
	refused := b.Charge(ctx, points)
	return state, refused == nil
}

// countingLease is st.Lease counting its calls.
func countingLease(st *store.Store, calls *atomic.Int64) func(context.Context, string, int, int, int, time.Time) (int, int, time.Time, error) {
	return func(ctx context.Context, caller string, limit, need, chunk int, now time.Time) (int, int, time.Time, error) {
		calls.Add(1)
		return st.Lease(ctx, caller, limit, need, chunk, now)
	}
}

// Two processes (two Budgets on one database) spending one caller's budget from many goroutines at once never
// spend more than the limit together, hold back less than a request's points each once their callers are
// refused, and take a lease (one SQL statement) for many requests.
func TestBudgetLeasesNeverOverspendAcrossProcesses(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	const limit, maxPoints = 5_000, 5
	var leases atomic.Int64
	processes := []*graph.Budget{
		{PerRole: map[model.Role]int{model.RoleAdmin: limit}, Lease: countingLease(st, &leases)},
		{PerRole: map[model.Role]int{model.RoleAdmin: limit}, Lease: countingLease(st, &leases)},
	}
	var spent, requests atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		b := processes[i%2]
		points := 1 + i%maxPoints
		wg.Go(func() {
			for {
				requests.Add(1)
				state, ok := charge(b, admin, points)
				if !ok {
					if !state.Throttled || state.Limit != limit {
						t.Errorf("refusal state %+v", state)
					}
					return
				}
				spent.Add(int64(points))
			}
		})
	}
	wg.Wait()
	if spent.Load() > limit || spent.Load() <= limit-3*maxPoints {
		t.Errorf("the two processes spent %d points of %d; want at most the limit, and less than 3 requests' points short", spent.Load(), limit)
	}
	var used int
	if err := st.DB().NewRaw("SELECT used FROM rate_limit_windows WHERE caller LIKE 'ADMIN:%'").Scan(t.Context(), &used); err != nil || used > limit {
		t.Errorf("the window's used: %d (%v), want at most %d", used, err, limit)
	}
	if leases.Load()*10 > requests.Load() {
		t.Errorf("%d leases for %d requests; want at most one per 10 requests", leases.Load(), requests.Load())
	}
}

// One process: the caller's requests are counted exactly, the request over the budget is refused with nothing
// spent, and the next hour starts afresh, the past hour's leases evicted.
func TestBudgetRefusesOnceSpentAndStartsAfreshEachHour(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	now := time.Date(2026, 11, 27, 1, 59, 0, 0, time.UTC)
	var leases atomic.Int64
	b := &graph.Budget{PerRole: map[model.Role]int{model.RoleAdmin: 100, model.RoleAgent: 50_000}, Anonymous: 10,
		Lease: countingLease(st, &leases), Now: func() time.Time { return now }}
	for i := 1; i <= 10; i++ {
		state, ok := charge(b, admin, 10)
		if !ok || state.Used != 10*i || state.Remaining() != 100-10*i || state.Limit != 100 || state.Points != 10 {
			t.Fatalf("request %d: accepted %v, state %+v; want used %d of 100", i, ok, state, 10*i)
		}
		if want := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC); !state.ResetAt.Equal(want) {
			t.Errorf("reset at %v, want %v", state.ResetAt, want)
		}
	}
	state, ok := charge(b, admin, 1)
	if ok || !state.Throttled || state.Used != 100 || state.Remaining() != 0 {
		t.Errorf("a request over the spent budget: accepted %v, state %+v", ok, state)
	}
	// A large budget: a lease of a fiftieth of it, but the state counts this request stream's points only.
	agent := model.Actor{Role: model.RoleAgent, Subject: "agent"}
	for i := 1; i <= 3; i++ {
		if state, ok := charge(b, agent, 7); !ok || state.Used != 7*i || state.Remaining() != 50_000-7*i {
			t.Errorf("agent request %d: accepted %v, state %+v; want used %d", i, ok, state, 7*i)
		}
	}
	var leased int
	if err := st.DB().NewRaw("SELECT used FROM rate_limit_windows WHERE caller LIKE 'AGENT:%'").Scan(t.Context(), &leased); err != nil || leased != 50_000/graph.LeaseChunk {
		t.Errorf("agent's window: %d (%v), want one lease of %d", leased, err, 50_000/graph.LeaseChunk)
	}
	if b.Leases() != 2 {
		t.Errorf("%d leases held, want 2", b.Leases())
	}
	now = now.Add(time.Minute) // 02:00, a new hour
	if state, ok := charge(b, admin, 10); !ok || state.Used != 10 || state.Remaining() != 90 {
		t.Errorf("first request of the next hour: accepted %v, state %+v; want used 10 of 100", ok, state)
	}
	if b.Leases() != 1 {
		t.Errorf("%d leases held after the hour changed, want 1 (the past hour's evicted)", b.Leases())
	}
	// Anonymous callers have their budget per address; a request over the whole limit is refused outright.
	if state, ok := charge(b, model.Actor{}, 11); ok || state.Limit != 10 || state.Used != 0 {
		t.Errorf("anonymous request over the limit: accepted %v, state %+v", ok, state)
	}
}

// An API key's own budget is read when a lease is taken, not on every request.
func TestBudgetReadsAKeysBudgetPerLease(t *testing.T) {
	t.Parallel()
	st := store.New(dbtest.New(t))
	var leases, reads atomic.Int64
	b := &graph.Budget{PerRole: map[model.Role]int{model.RoleChamber: 20_000}, Lease: countingLease(st, &leases),
		KeyBudget: func(context.Context, int64) (int, error) { reads.Add(1); return 1_000, nil }}
	key := model.Actor{Role: model.RoleChamber, Subject: "CMA", APIKeyID: 7}
	for range 40 {
		if state, ok := charge(b, key, 1); !ok || state.Limit != 1_000 {
			t.Fatalf("accepted %v, state %+v; want the key's limit 1000", ok, state)
		}
	}
	if leases.Load() != 2 || reads.Load() != 2 { // 1000/50 = 20 points a lease
		t.Errorf("40 requests of 1 point: %d leases, %d budget reads; want 2 and 2", leases.Load(), reads.Load())
	}
}

// BenchmarkBudgetCharge is a request's charge when its process holds a lease of the caller's budget (the lease's
// statement left out: one every LeaseChunk-th of the limit), from concurrent requests of one caller.
//
//	go test -run '^$' -bench BudgetCharge -benchmem ./graph
func BenchmarkBudgetCharge(b *testing.B) {
	budget := &graph.Budget{PerRole: map[model.Role]int{model.RoleAdmin: 1 << 30},
		Lease: func(_ context.Context, _ string, limit, need, chunk int, now time.Time) (int, int, time.Time, error) {
			return max(need, chunk), 0, now, nil
		}}
	ctx := model.WithActor(context.Background(), admin)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rctx, _ := graph.WithRateState(ctx, "192.0.2.1")
			if budget.Charge(rctx, 2) != nil {
				b.Fatal("refused")
			}
		}
	})
}
