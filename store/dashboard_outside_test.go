package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// outsideWorld adds to the dashboard's world what lives outside the ledger, dated relative to now:
//
//	K1  published 10 days ago, deadline 2 days ago (unsealed); offers from A and B submitted 5 days ago, one
//	    from C withdrawn; awarded yesterday to A's offer (1,000,000 HT, 1,110,000 TTC)
//	K2  published yesterday, deadline in 5 days (sealed): offers from A and B submitted today
//	K3  a draft, never published
//	O1  private order B → A after an accepted contact request, 200,000 TTC, ordered 5 days ago
//	O2  private order C → D, 50,000 TTC, ordered today
type outsideWorld struct {
	*dashboardWorld
	k1, k2         int64
	k1Offers       []int64
	order1, order2 int64
}

func newOutsideWorld(t *testing.T) *outsideWorld {
	t.Helper()
	w := &outsideWorld{dashboardWorld: newDashboardWorld(t)}
	st, ctx := w.f1.st, context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	days := func(n int) time.Time { return now.AddDate(0, 0, n) }
	offer := func(e *model.Enterprise, ht model.XPF, at time.Time, withdrawn bool) *model.Offer {
		o := &model.Offer{EnterpriseID: e.ID, Status: model.OfferSubmitted, AmountHT: ht, TGCRateCode: "NORMAL",
			AmountTGC: ht * 11 / 100, AmountTTC: ht + ht*11/100, DelayDays: 30, Revision: 1, SubmittedAt: at, UpdatedAt: at}
		if withdrawn {
			o.Status, o.WithdrawnAt = model.OfferWithdrawn, &at
		}
		return o
	}
	consultation := func(ref string, published *time.Time, deadline time.Time) *model.Consultation {
		c := draft(ref, 0)
		c.QuestionDeadline, c.OfferDeadline, c.PublishedAt = deadline, deadline, published
		c.Status = model.ConsultationDraft
		if published != nil {
			c.Status, c.UpdatedAt = model.ConsultationPublished, *published
		}
		return c
	}
	awarded := days(-1)
	k1 := consultation("DASH-K1", ptr(days(-10)), days(-2))
	k1.Status, k1.DecidedAt, k1.DecisionReason = model.ConsultationAwarded, &awarded, "Mieux-disant."
	h1 := store.ConsultationHistory{Consultation: k1, Awarded: 0, Offers: []*model.Offer{
		offer(w.a, 1_000_000, days(-5), false), offer(w.b, 1_200_000, days(-5), false), offer(w.c, 900_000, days(-5), true)}}
	k2 := consultation("DASH-K2", ptr(days(-1)), days(5))
	h2 := store.ConsultationHistory{Consultation: k2, Awarded: -1, Offers: []*model.Offer{
		offer(w.a, 500_000, now, false), offer(w.b, 600_000, now, false)}}
	h3 := store.ConsultationHistory{Consultation: consultation("DASH-K3", nil, days(20)), Awarded: -1}
	for _, h := range []store.ConsultationHistory{h1, h2, h3} {
		if err := st.ImportConsultation(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	w.k1, w.k2 = k1.ID, k2.ID
	w.k1Offers = []int64{h1.Offers[0].ID, h1.Offers[1].ID}

	answered := days(-6)
	crs := []*model.ContactRequest{
		{SenderID: w.b.ID, RecipientID: w.a.ID, Status: model.ContactAccepted, Message: "Devis ?", SentAt: days(-7), AnsweredAt: &answered},
		{SenderID: w.c.ID, RecipientID: w.d.ID, Status: model.ContactAccepted, Message: "Devis ?", SentAt: days(-7), AnsweredAt: &answered},
	}
	if err := st.ImportContactRequests(ctx, crs); err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(model.Noumea)
	orders := []*model.PrivateOrder{
		{ContactRequestID: crs[0].ID, BuyerID: w.b.ID, SellerID: w.a.ID, AmountHT: 180_000, AmountTTC: 200_000, OrderedOn: dayOf(today.AddDate(0, 0, -5))},
		{ContactRequestID: crs[1].ID, BuyerID: w.c.ID, SellerID: w.d.ID, AmountHT: 45_000, AmountTTC: 50_000, OrderedOn: dayOf(today)},
	}
	if err := st.ImportPrivateOrders(ctx, orders); err != nil {
		t.Fatal(err)
	}
	w.order1, w.order2 = orders[0].ID, orders[1].ID
	return w
}

func ptr[T any](v T) *T { return &v }

// dayOf is the calendar day of t (a Nouméa time) as a date column reads it.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// untilDaysAgo is the scope of every programme until the end of the Nouméa day n days ago.
func untilDaysAgo(t *testing.T, n int) model.DashboardScope {
	t.Helper()
	d := time.Now().In(model.Noumea).AddDate(0, 0, -n)
	to := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, model.Noumea)
	sc, err := model.NewDashboardScope(0, 0, nil, &to)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestDashboardConsultationsByHand(t *testing.T) {
	w := newOutsideWorld(t)
	st, ctx := w.f1.st, context.Background()
	type figures struct {
		Published, Offers, Awarded int
		HT, TTC                    model.XPF
	}
	tests := []struct {
		name  string
		scope model.DashboardScope
		want  figures
	}{
		// K2's offers are sealed: they count nowhere; K3 was never published.
		{"everything", model.DashboardScope{}, figures{2, 2, 1, 1_000_000, 1_110_000}},
		// Consultations belong to no programme: a programme does not restrict them.
		{"programme 1", scopeOf(w.f1), figures{2, 2, 1, 1_000_000, 1_110_000}},
		// Until three days ago: K1 was published and its offers were in, not yet awarded.
		{"until three days ago", untilDaysAgo(t, 3), figures{1, 2, 0, 0, 0}},
		{"until eleven days ago", untilDaysAgo(t, 11), figures{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := st.DashboardConsultations(ctx, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			got := figures{c.Published, c.OffersReceived, c.Awarded, c.AwardedAmountHT, c.AwardedAmountTTC}
			if diff := differs(tt.want, got); diff != "" {
				t.Errorf("DashboardConsultations(%s) = %s", tt.name, diff)
			}
			for set, want := range map[model.DrillSet]int{model.DrillConsultationsPublished: c.Published, model.DrillConsultationsAwarded: c.Awarded} {
				conns, err := st.DashboardConsultationRecords(ctx, tt.scope, set, []string{""}, model.Page{Limit: 10}, true)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := conns[""].TotalCount(ctx); n != want || len(conns[""].Edges) != want {
					t.Errorf("drill-down %s: totalCount %d, %d rows, want %d", set, n, len(conns[""].Edges), want)
				}
			}
			offers, err := st.DashboardOfferRecords(ctx, tt.scope, model.DrillOffersReceived, []string{""}, model.Page{Limit: 10}, true)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := offers[""].TotalCount(ctx); n != c.OffersReceived || len(offers[""].Edges) != c.OffersReceived {
				t.Errorf("offers drill-down: totalCount %d, %d rows, want %d", n, len(offers[""].Edges), c.OffersReceived)
			}
		})
	}
	offers, err := st.DashboardOfferRecords(ctx, model.DashboardScope{}, model.DrillOffersReceived, []string{""}, model.Page{Limit: 10}, false)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range offers[""].Nodes() {
		ids = append(ids, o.ID)
	}
	if !reflect.DeepEqual(ids, w.k1Offers) {
		t.Errorf("offers received = %v, want K1's standing offers %v (none of K2's sealed ones)", ids, w.k1Offers)
	}
	awards, err := st.DashboardConsultationRecords(ctx, model.DashboardScope{}, model.DrillConsultationsAwarded, []string{""}, model.Page{Limit: 10}, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := awards[""].Nodes(); len(n) != 1 || n[0].ID != w.k1 || n[0].Status != model.ConsultationAwarded {
		t.Errorf("awarded consultations = %+v, want K1", n)
	}
	checkLedger(t, st)
}

func TestDashboardPrivateOrdersByHand(t *testing.T) {
	w := newOutsideWorld(t)
	st, ctx := w.f1.st, context.Background()
	type figures struct {
		Invoices, Orders                       int
		Invoiced, Private, Total, Credit, Rest model.XPF
	}
	tests := []struct {
		name   string
		scope  model.DashboardScope
		want   figures
		orders []int64
	}{
		// Invoices: #1, #2, #3 of programme 1 (300,000, CréditSud 180,000) and programme 2's 100,000 (60,000).
		{"everything", model.DashboardScope{}, figures{4, 2, 400_000, 250_000, 650_000, 240_000, 410_000}, []int64{w.order2, w.order1}},
		// Private orders belong to no programme.
		{"programme 1", scopeOf(w.f1), figures{3, 0, 300_000, 0, 300_000, 180_000, 120_000}, nil},
		// The invoices were confirmed today; O1 was ordered five days ago.
		{"until three days ago", untilDaysAgo(t, 3), figures{0, 1, 0, 200_000, 200_000, 0, 200_000}, []int64{w.order1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := st.DashboardBusinessDone(ctx, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			got := figures{d.InvoiceCount, d.PrivateOrderCount, d.InvoicedTotal, d.PrivateOrders, d.Total(), d.CreditSud, d.OutsideCreditSud()}
			if diff := differs(tt.want, got); diff != "" {
				t.Errorf("DashboardBusinessDone(%s) = %s", tt.name, diff)
			}
			conns, err := st.DashboardPrivateOrderRecords(ctx, tt.scope, model.DrillPrivateOrders, []string{""}, model.Page{Limit: 10}, true)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			var sum model.XPF
			for _, o := range conns[""].Nodes() {
				ids, sum = append(ids, o.ID), sum+o.AmountTTC
			}
			n, _ := conns[""].TotalCount(ctx)
			if !reflect.DeepEqual(ids, tt.orders) || n != d.PrivateOrderCount || sum != d.PrivateOrders {
				t.Errorf("private orders drill-down = %v (total %d, %d XPF), want %v (%d, %d XPF)", ids, n, sum, tt.orders, d.PrivateOrderCount, d.PrivateOrders)
			}
		})
	}
	checkLedger(t, st)
}
