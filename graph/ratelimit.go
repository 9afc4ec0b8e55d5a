package graph

import (
	"context"
	"strconv"
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
type Budget struct {
	PerRole   map[model.Role]int // points per hour by role
	Anonymous int                // points per hour per client address
	Spend     func(ctx context.Context, caller string, limit, points int, now time.Time) (int, time.Time, bool, error)
	KeyBudget func(ctx context.Context, keyID int64) (int, error) // a chamber key's own budget, 0 when none
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
	if b == nil || b.Spend == nil || state == nil {
		return nil
	}
	actor := model.ActorFrom(ctx)
	caller, limit := "ip:"+state.ClientIP, b.Anonymous
	if !actor.Anonymous() {
		caller = string(actor.Role) + ":" + actor.Subject + ":" + strconv.FormatInt(actor.EnterpriseID, 10)
		limit = b.PerRole[actor.Role]
	}
	if actor.APIKeyID != 0 && b.KeyBudget != nil {
		if own, err := b.KeyBudget(ctx, actor.APIKeyID); err == nil && own > 0 {
			limit = own
		}
		caller = "key:" + strconv.FormatInt(actor.APIKeyID, 10)
	}
	used, resetAt, ok, err := b.Spend(ctx, caller, limit, points, time.Now())
	if err != nil {
		// The budget is a protection, not a dependency: if it cannot be read, serve the request.
		return nil
	}
	*state = RateState{ClientIP: state.ClientIP, Checked: true, Points: points, Limit: limit, Used: used, ResetAt: resetAt, Throttled: !ok}
	if ok {
		return nil
	}
	err2 := &gqlerror.Error{
		Message: "the hourly points budget is spent: retry after " + resetAt.Format(time.RFC3339),
		Extensions: map[string]any{"cost": points, "limit": limit, "remaining": state.Remaining(),
			"resetAt": resetAt.Format(time.RFC3339)},
	}
	errcode.Set(err2, "RATE_LIMITED")
	return err2
}
