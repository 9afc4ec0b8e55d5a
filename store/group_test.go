package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// heldStatements counts the statements that start with prefix, and holds the first one until release is closed:
// the calls made meanwhile queue for a group's next statement.
type heldStatements struct {
	prefix  string
	n       atomic.Int64
	held    chan struct{} // closed when the first statement is being held
	release chan struct{}
	once    sync.Once
}

func holdFirst(prefix string) *heldStatements {
	return &heldStatements{prefix: prefix, held: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldStatements) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.HasPrefix(e.Query, h.prefix) {
		if h.n.Add(1) == 1 {
			h.once.Do(func() { close(h.held) })
			<-h.release
		}
	}
	return ctx
}

func (*heldStatements) AfterQuery(context.Context, *bun.QueryEvent) {}

// queueBehindHeld runs first, then, while first's statement is held, the others, and waits until queued reports
// them all queued before it releases the statement; it returns once every call returned.
func queueBehindHeld(t *testing.T, h *heldStatements, first func(), others []func(), queued func() int) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(first)
	<-h.held
	for _, f := range others {
		wg.Go(f)
	}
	for deadline := time.Now().Add(10 * time.Second); queued() < len(others); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", queued(), len(others))
		}
	}
	close(h.release)
	wg.Wait()
}

func auditEntry(i int, result model.AuditResult) *model.AuditEntry {
	return &model.AuditEntry{ActorRole: "ADMIN", ActorSubject: fmt.Sprintf("agent-%d", i), Operation: "test",
		Result: result, Input: []byte(`{}`), RequestID: fmt.Sprintf("req-%d", i)}
}

// TestAuditEntriesOfConcurrentCallsShareOneInsert holds the first audit write while 49 more calls arrive: they
// must all be written by one more INSERT, each call returning once its own entry is committed, with its id. An
// invalid entry among them fails its own call only: its batch is then written again entry by entry.
func TestAuditEntriesOfConcurrentCallsShareOneInsert(t *testing.T) {
	const calls = 50
	for _, c := range []struct {
		name    string
		invalid int // the entry whose result breaks the table's CHECK; -1 for none
		inserts int64
	}{
		{"valid entries", -1, 2},
		{"an invalid entry in the batch", 17, 2 + calls - 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			hook := holdFirst(`INSERT INTO "audit_log"`)
			st := store.New(dbtest.New(t).WithQueryHook(hook))
			ctx := context.Background()
			entries := make([]*model.AuditEntry, calls)
			errs := make([]error, calls)
			for i := range entries {
				entries[i] = auditEntry(i, model.AuditOK)
			}
			if c.invalid >= 0 {
				entries[c.invalid].Result = "MAYBE"
			}
			others := make([]func(), calls-1)
			for i := range others {
				others[i] = func() { errs[i+1] = st.InsertAudit(ctx, entries[i+1]) }
			}
			queueBehindHeld(t, hook, func() { errs[0] = st.InsertAudit(ctx, entries[0]) }, others,
				func() int { return store.AuditQueued(st) })

			if got := hook.n.Load(); got != c.inserts {
				t.Errorf("%d INSERTs, want %d", got, c.inserts)
			}
			written := 0
			for i, err := range errs {
				switch {
				case i == c.invalid && err == nil:
					t.Errorf("the invalid entry was written")
				case i != c.invalid && err != nil:
					t.Errorf("entry %d: %v", i, err)
				case i != c.invalid && entries[i].ID == 0:
					t.Errorf("entry %d has no id", i)
				case i != c.invalid:
					written++
				}
			}
			if got := count(t, st, "SELECT count(DISTINCT id) FROM audit_log WHERE operation = 'test'"); got != written {
				t.Errorf("%d entries in the log, want %d", got, written)
			}
		})
	}
}
