package seed

import (
	"context"
	"testing"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

func TestDemoDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	if _, err := Run(ctx, st, "demo", 2025); err != nil {
		t.Fatalf("Run(demo) error = %v", err)
	}
	staff := model.Actor{Role: model.RoleAdmin}
	counts := map[model.ContactRequestStatus]int{}
	for _, status := range []model.ContactRequestStatus{model.ContactSent, model.ContactAccepted, model.ContactDeclined} {
		conn, err := st.ListContactRequests(ctx, staff, status, model.Page{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if counts[status], err = conn.TotalCount(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if counts[model.ContactSent] < 10 || counts[model.ContactAccepted] < 10 || counts[model.ContactDeclined] < 10 {
		t.Errorf("contact requests by status = %v, want at least 10 of each", counts)
	}
	total, err := st.BusinessDone(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total.PrivateOrderCount < 5 || total.InvoiceCount == 0 || total.Total() <= total.PrivateOrders {
		t.Errorf("business done = %+v, want invoices and at least 5 private orders", total)
	}
	// The development ENTERPRISE token's business has a request to answer.
	first, err := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: staff, Statuses: []model.EnterpriseStatus{model.EnterpriseActive},
		Order: model.EnterpriseOrderRegisteredAt}, model.Page{Limit: 1})
	if err != nil || len(first.Edges) != 1 {
		t.Fatalf("first business: %v", err)
	}
	me := model.Actor{Role: model.RoleEnterprise, EnterpriseID: first.Edges[0].Node.ID}
	mine, err := st.ListContactRequests(ctx, me, model.ContactSent, model.Page{Limit: 10})
	if err != nil || len(mine.Edges) == 0 {
		t.Errorf("the development business has no request to answer (%v)", err)
	}
}
