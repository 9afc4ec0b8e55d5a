package store

import (
	"context"
	"errors"
	"sync"
)

// group is a group commit of a small independent statement that every request of a session-opening rush makes
// (the audit log's INSERT, committed synchronously): the first caller that finds no statement in
// flight runs one for its input and every input queued meanwhile; the others wait for their batch's statement, or
// for the current one to end and one of them to run theirs. Alone, a caller runs its statement at once; under load
// one statement serves many calls. Each call returns its own result and error once its batch's statement ended.
type group[In, Out any] struct {
	// run runs one statement for the inputs and returns one result and one error per input.
	run func(ctx context.Context, ins []In) ([]Out, []error)
	max int // inputs per statement

	mu      sync.Mutex
	ended   *sync.Cond // signalled when a statement ends
	running bool
	queued  *groupBatch[In, Out]
}

type groupBatch[In, Out any] struct {
	ins  []In
	outs []Out
	errs []error
	done bool
}

// errGroupAborted is the error of the inputs whose statement's runner panicked.
var errGroupAborted = errors.New("the grouped statement was aborted")

func newGroup[In, Out any](max int, run func(ctx context.Context, ins []In) ([]Out, []error)) *group[In, Out] {
	g := &group[In, Out]{run: run, max: max}
	g.ended = sync.NewCond(&g.mu)
	return g
}

// do runs in's statement, grouped with those of concurrent calls; the batch's statement runs with the values of
// the context of the call that runs it, whichever it is, but not its cancellation.
func (g *group[In, Out]) do(ctx context.Context, in In) (Out, error) {
	g.mu.Lock()
	if g.queued == nil || len(g.queued.ins) >= g.max {
		// A full batch stays with its callers, one of whom runs it; later inputs start another.
		g.queued = &groupBatch[In, Out]{}
	}
	batch, mine := g.queued, len(g.queued.ins)
	batch.ins = append(batch.ins, in)
	for g.running && !batch.done {
		g.ended.Wait()
	}
	if batch.done {
		defer g.mu.Unlock()
		return batch.outs[mine], batch.errs[mine]
	}
	// Nothing is running and this batch has not run: this call runs it, and no input joins it any more.
	g.running = true
	if g.queued == batch {
		g.queued = nil
	}
	g.mu.Unlock()
	outs, errs := make([]Out, len(batch.ins)), make([]error, len(batch.ins))
	for i := range errs {
		errs[i] = errGroupAborted
	}
	defer func() {
		g.mu.Lock()
		batch.outs, batch.errs, batch.done, g.running = outs, errs, true, false
		g.ended.Broadcast()
		g.mu.Unlock()
	}()
	// The statement serves the other callers too: the one that runs it giving up must not fail theirs.
	outs, errs = g.run(context.WithoutCancel(ctx), batch.ins)
	return outs[mine], errs[mine]
}
