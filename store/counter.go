package store

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// StatementCount counts the SQL statements run for one request and the time they took, so logs, metrics and
// tests can see N+1 patterns and where reads went.
type StatementCount struct {
	n, onReplica, nanos atomic.Int64
}

// Load returns the number of statements so far.
func (c *StatementCount) Load() int64 { return c.n.Load() }

// OnReplica returns how many of them ran on a read replica.
func (c *StatementCount) OnReplica() int64 { return c.onReplica.Load() }

// Duration returns the time spent in them, added up.
func (c *StatementCount) Duration() time.Duration { return time.Duration(c.nanos.Load()) }

type statementCountKey struct{}

// WithStatementCount returns a context in which every statement run through a store opened by Open is counted.
func WithStatementCount(ctx context.Context) (context.Context, *StatementCount) {
	c := &StatementCount{}
	return context.WithValue(ctx, statementCountKey{}, c), c
}

// StatementCountFrom returns the counter installed by WithStatementCount, nil when there is none.
func StatementCountFrom(ctx context.Context) *StatementCount {
	c, _ := ctx.Value(statementCountKey{}).(*StatementCount)
	return c
}

// statementCounter is the Bun query hook behind WithStatementCount; replica tags the statements of a database
// opened with Options.Replica, which is how tests see where a read went.
type statementCounter struct{ replica bool }

func (h statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if c := StatementCountFrom(ctx); c != nil {
		c.n.Add(1)
		if h.replica {
			c.onReplica.Add(1)
		}
	}
	return ctx
}

func (statementCounter) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if c := StatementCountFrom(ctx); c != nil {
		c.nanos.Add(int64(time.Since(e.StartTime)))
	}
}
