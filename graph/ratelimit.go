package graph

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"sudpro/model"
)

// RateState is one request's standing against its caller's hourly points budget, filled in before execution
// and read by the HTTP layer (headers, 429) and the rateLimit field.
type RateState struct {
	ClientIP  string // budget key of anonymous callers
	Checked   bool
	Points    int // what this request costs
	Limit     int
	Used      int
	ResetAt   time.Time
	Throttled bool
}

// Remaining is what the caller may still spend this hour.
func (s *RateState) Remaining() int { return max(0, s.Limit-s.Used) }

type rateStateKey struct{}

// WithRateState returns a context carrying a fresh rate state for a request from clientIP.
func WithRateState(ctx context.Context, clientIP string) (context.Context, *RateState) {
	s := &RateState{ClientIP: clientIP}
	return context.WithValue(ctx, rateStateKey{}, s), s
}

// RateStateFrom returns the request's rate state, nil outside a request.
func RateStateFrom(ctx context.Context) *RateState {
	s, _ := ctx.Value(rateStateKey{}).(*RateState)
	return s
}

// Budget charges operations against an hourly points budget per caller (GitHub's and Shopify's model): a
// query costs 1 point plus 1 per 100 nodes it may return (its static cost), a mutation 10 points per field.
//
// The budget lives in the database, shared by every process, but a request does not touch it: a process takes
// points from the caller's hourly window in chunks (point leases, Lease: one statement grants at least what the
// request needs and up to LeaseChunk of the limit) and spends them locally until the lease is used up or the
// hour changes. The window's used never exceeds the limit, whatever the number of processes; points a process
// leased but did not spend lapse with the window. So a process holds back at most one chunk per caller: a caller
// may be refused by one process while another still holds part of a chunk (at most LeaseChunk of the limit early
// per other process), never allowed to spend more than the limit.
//
// What a response reports as used is the window's used when this process last leased, minus what this process
// still holds unspent: exact with one process (the points this caller's requests actually spent), and with
// several, it counts the other processes' leases as spent (they are no longer available here) and lags behind
// their spending until the next lease. Remaining is then exactly what this process could still grant.
//
// A Budget must not be copied after first use.
type Budget struct {
	PerRole   map[model.Role]int // points per hour by role
	Anonymous int                // points per hour per client address
	// Lease takes points from a caller's window of the hour (store.Lease): at least need and up to chunk, never
	// past limit. It returns the points granted (0: refused), the window's used afterwards and its end.
	Lease     func(ctx context.Context, caller string, limit, need, chunk int, now time.Time) (granted, used int, resetAt time.Time, err error)
	KeyBudget func(ctx context.Context, keyID int64) (int, error) // a chamber key's own budget, 0 when none
	Now       func() time.Time                                    // the clock; time.Now when nil

	leases sync.Map     // leaseKey → *lease, for the current hour (and the last, until the first charge of this one)
	swept  atomic.Int64 // the hour (Unix seconds) whose earlier leases have been evicted
}

// LeaseChunk is the share of a caller's hourly limit a process leases at once (1/50): a caller making requests
// of a few points triggers one SQL statement every few dozen requests, and a process holds back at most 2 % of
// the limit.
const LeaseChunk = 50

type leaseKey struct {
	caller string
	window int64 // start of the hour, Unix seconds
}

// lease is what one process holds of one caller's window.
type lease struct {
	mu    sync.Mutex
	limit int // the caller's limit when the lease was last taken
	left  int // leased points not spent yet
	taken int // the window's used (every process's leases) when the lease was last taken
}

// Points is what an operation of the given static cost and mutation fields costs.
func Points(cost, mutationFields int) int { return 1 + cost/100 + 10*mutationFields }

// Charge spends the points of a request outside GraphQL (an export), or refuses it like charge does.
func (b *Budget) Charge(ctx context.Context, points int) *gqlerror.Error {
	return b.charge(ctx, points)
}

// charge spends an operation's points, or refuses it: a RATE_LIMITED error turned into HTTP 429 by the server.
func (b *Budget) charge(ctx context.Context, points int) *gqlerror.Error {
	state := RateStateFrom(ctx)
	if b == nil || b.Lease == nil || state == nil {
		return nil
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	at := now()
	window := at.UTC().Truncate(time.Hour)
	actor := model.ActorFrom(ctx)
	caller, limit := "ip:"+state.ClientIP, b.Anonymous
	if !actor.Anonymous() {
		caller = string(actor.Role) + ":" + actor.Subject + ":" + strconv.FormatInt(actor.EnterpriseID, 10)
		limit = b.PerRole[actor.Role]
	}
	if actor.APIKeyID != 0 {
		caller = "key:" + strconv.FormatInt(actor.APIKeyID, 10)
	}
	l := b.leaseOf(caller, window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if points > l.left {
		// The lease is short: take more from the window (other requests of this caller wait for it here, rather
		// than each taking a lease). A key's own budget is read then, not on every request.
		if actor.APIKeyID != 0 && b.KeyBudget != nil {
			if own, err := b.KeyBudget(ctx, actor.APIKeyID); err == nil && own > 0 {
				limit = own
			}
		}
		granted, used, _, err := b.Lease(ctx, caller, limit, points-l.left, limit/LeaseChunk, at)
		if err != nil {
			// The budget is a protection, not a dependency: if it cannot be read, serve the request.
			return nil
		}
		l.limit, l.taken, l.left = limit, used, l.left+granted
	}
	ok := points <= l.left
	if ok {
		l.left -= points
	}
	resetAt := window.Add(time.Hour)
	*state = RateState{ClientIP: state.ClientIP, Checked: true, Points: points, Limit: l.limit, Used: l.taken - l.left, ResetAt: resetAt, Throttled: !ok}
	if ok {
		return nil
	}
	err := &gqlerror.Error{
		Message: "the hourly points budget is spent: retry after " + resetAt.Format(time.RFC3339),
		Extensions: map[string]any{"cost": points, "limit": l.limit, "remaining": state.Remaining(),
			"resetAt": resetAt.Format(time.RFC3339)},
	}
	errcode.Set(err, "RATE_LIMITED")
	return err
}

// leaseOf returns this process's lease of caller's window, evicting the leases of past hours the first time an
// hour is seen: memory holds the callers of the current hour (and of the last, until then).
func (b *Budget) leaseOf(caller string, window time.Time) *lease {
	hour := window.Unix()
	if swept := b.swept.Load(); swept < hour && b.swept.CompareAndSwap(swept, hour) {
		b.leases.Range(func(k, _ any) bool {
			if k.(leaseKey).window < hour {
				b.leases.Delete(k)
			}
			return true
		})
	}
	key := leaseKey{caller: caller, window: hour}
	if l, ok := b.leases.Load(key); ok {
		return l.(*lease)
	}
	l, _ := b.leases.LoadOrStore(key, &lease{})
	return l.(*lease)
}

// Leases is the number of caller windows this process holds leases of (for tests and metrics).
func (b *Budget) Leases() int {
	n := 0
	b.leases.Range(func(any, any) bool { n++; return true })
	return n
}
