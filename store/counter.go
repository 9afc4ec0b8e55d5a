package store

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// StatementCount counts the SQL statements run for one request, so logs, metrics and tests can see N+1 patterns.
type StatementCount struct{ n atomic.Int64 }

// Load returns the number of statements so far.
func (c *StatementCount) Load() int64 { return c.n.Load() }

type statementCountKey struct{}

// WithStatementCount returns a context in which every statement run through a store opened by Open is counted.
func WithStatementCount(ctx context.Context) (context.Context, *StatementCount) {
	c := &StatementCount{}
	return context.WithValue(ctx, statementCountKey{}, c), c
}

// statementCounter is the Bun query hook behind WithStatementCount.
type statementCounter struct{}

func (statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if c, ok := ctx.Value(statementCountKey{}).(*StatementCount); ok {
		c.n.Add(1)
	}
	return ctx
}

func (statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}
