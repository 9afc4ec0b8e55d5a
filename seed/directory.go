package seed

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// demoContactRequests is how many contact requests the demo has; every third is still SENT, every third
// DECLINED, the others ACCEPTED, and every other accepted request led to a private order.
const demoContactRequests = 45

// insertDirectoryDemo adds the directory's demo data: contact requests between listed businesses and private
// orders after the accepted ones. The development ENTERPRISE token's business (the first one registered) has a
// request waiting for its answer and an accepted one with an order. Deterministic: it depends on the businesses
// only.
func insertDirectoryDemo(ctx context.Context, tx *store.Store, es []*model.Enterprise) error {
	var listed []*model.Enterprise
	for _, e := range es {
		if e.ListedInDirectory && e.Status == model.EnterpriseActive {
			listed = append(listed, e)
		}
	}
	if len(listed) < 3 {
		return nil
	}
	// The development token's business: the first active one registered.
	inactive := func(e *model.Enterprise) bool { return e.Status != model.EnterpriseActive }
	featured := slices.MinFunc(es, func(a, b *model.Enterprise) int {
		return cmp.Or(compareBool(inactive(a), inactive(b)), a.RegisteredAt.Compare(b.RegisteredAt), cmp.Compare(a.ID, b.ID))
	})
	type pair struct{ a, b int64 }
	used := map[pair]bool{}
	var crs []*model.ContactRequest
	add := func(sender, recipient *model.Enterprise, status model.ContactRequestStatus, k int) {
		p := pair{min(sender.ID, recipient.ID), max(sender.ID, recipient.ID)}
		if sender.ID == recipient.ID || used[p] {
			return
		}
		used[p] = true
		sent := nc(2025, time.September, 1+k%28, 8+k%9, (k*7)%60)
		cr := &model.ContactRequest{SenderID: sender.ID, RecipientID: recipient.ID, Status: status, SentAt: sent,
			Message: demoMessages[k%len(demoMessages)]}
		if status != model.ContactSent {
			answered := sent.Add(time.Duration(6+k%40) * time.Hour)
			cr.AnsweredAt = &answered
		}
		crs = append(crs, cr)
	}
	add(listed[1], featured, model.ContactSent, 0)
	add(featured, listed[2], model.ContactAccepted, 1)
	statuses := []model.ContactRequestStatus{model.ContactSent, model.ContactAccepted, model.ContactDeclined}
	for k := range demoContactRequests {
		add(listed[(k*7+3)%len(listed)], listed[(k*13+11)%len(listed)], statuses[k%3], k+2)
	}
	if err := tx.ImportContactRequests(ctx, crs); err != nil {
		return fmt.Errorf("insert contact requests: %w", err)
	}
	var orders []*model.PrivateOrder
	accepted := 0
	for k, cr := range crs {
		if cr.Status != model.ContactAccepted {
			continue
		}
		accepted++
		if accepted%2 == 0 {
			continue
		}
		ht := model.XPF(40_000 + 15_000*(k%20))
		orders = append(orders, &model.PrivateOrder{ContactRequestID: cr.ID, BuyerID: cr.SenderID, SellerID: cr.RecipientID,
			Description: demoOrderLines[k%len(demoOrderLines)], AmountHT: ht, AmountTTC: ht + (ht*6+50)/100, // TGC 6 %, half-up
			OrderedOn: cr.AnsweredAt.Add(72 * time.Hour).Truncate(24 * time.Hour), RecordedAt: cr.AnsweredAt.Add(96 * time.Hour)})
	}
	if err := tx.ImportPrivateOrders(ctx, orders); err != nil {
		return fmt.Errorf("insert private orders: %w", err)
	}
	return nil
}

var demoMessages = []string{
	"Bonjour, nous cherchons un prestataire pour un chantier à venir. Pouvez-vous nous recontacter ?",
	"Bonjour, pourriez-vous nous faire un devis ? Merci d'avance.",
	"Nous avons vu votre fiche dans l'annuaire Sud Pro : êtes-vous disponible le mois prochain ?",
	"Bonjour, nous souhaiterions travailler avec une entreprise locale pour nos fournitures.",
}

var demoOrderLines = []string{
	"Prestation sur devis accepté",
	"Fournitures livrées",
	"Intervention et main-d'œuvre",
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
