package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"sudpro/dbtest"
	"sudpro/httpapi"
	"sudpro/model"
	"sudpro/store"
)

// TestBehindPgBouncerInTransactionMode runs the CréditSud flow, concurrent confirmations included, through a
// PgBouncer in transaction pooling mode with two server connections for ten client ones: nothing may depend on
// session state. The ledger is then checked on a direct connection.
func TestBehindPgBouncerInTransactionMode(t *testing.T) {
	dsn := dbtest.NewDSN(t)
	// The production settings behind PgBouncer: no statement_timeout startup parameter (set it on the role).
	db, err := store.Open(dbtest.PgBouncer(t, dsn), store.Options{MaxOpenConns: 10, ApplicationName: "sudpro"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st := store.New(db)
	logs := &syncBuffer{}
	srv := httptest.NewServer(testHandler(t, st, logs, func(*httpapi.Config) {}))
	t.Cleanup(srv.Close)
	a := &api{t: t, url: srv.URL, store: st, logs: logs, tokens: map[string]string{}}
	for _, role := range []model.Role{model.RoleAdmin, model.RoleAgent} {
		a.tokens[string(role)] = a.token(role, "")
	}
	fx := newCreditFixture(t, a, 200_000)
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = fx.issue(t, a, fmt.Sprintf("PGB-%d", i))
	}
	var wg sync.WaitGroup
	outcomes := make([]string, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			r := a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": id, "creditAmount": 50000, "idempotencyKey": "pgb-" + id}})
			if len(r.Errors) > 0 {
				outcomes[i] = "error " + r.Raw
				return
			}
			if code := get(r.Data, "confirmInvoice", "userErrors", 0, "code"); code != nil {
				outcomes[i] = code.(string)
				return
			}
			outcomes[i] = get(r.Data, "confirmInvoice", "invoice", "status").(string)
		})
	}
	wg.Wait()
	confirmed := 0
	for i, o := range outcomes {
		switch o {
		case "CONFIRMED":
			confirmed++
		case "BUDGET_EXHAUSTED", "INSUFFICIENT_CREDIT":
		default:
			t.Errorf("confirmation %d: %s", i, o)
		}
	}
	// 200,000 XPF of envelope and 250,000 of credit: four confirmations of 50,000 fit, not more.
	if confirmed != 4 {
		t.Errorf("confirmed = %d (%v), want 4", confirmed, outcomes)
	}
	direct, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	violations, err := store.New(direct).CheckLedger(context.Background())
	if err != nil || len(violations) > 0 {
		t.Errorf("ledger check after the run through PgBouncer: %v %v", violations, err)
	}
}
