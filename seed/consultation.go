package seed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// The demo's consultations come with their history: questions and answers, sealed offers from businesses of the
// concerned sectors, the agents' marks and the award of the awarded one. The development ENTERPRISE token's
// business (the earliest registered active one) has an offer on the first open consultation, so that `make run`
// shows a sealed offer from both sides.

// demoOfferPlan says how many offers a demo consultation received, by reference; the first open one also gets
// the development business's offer.
var demoOfferPlan = map[string]int{
	"PS-2025-0042": 3, // awarded
	"PS-2025-0057": 3, // closed, marked
	"PS-2025-0081": 2, // closed
	"PS-2025-0063": 1, // open, plus the development business
	"PS-2025-0071": 2, // open
	"PS-2025-0085": 1, // cancelled before its deadline: sealed for ever
}

const demoFirstOpen = "PS-2025-0063"

// demoOfferFactors spread the offers around the estimate; demoOfferDelays are their delays in days.
var (
	demoOfferFactors = []int64{86, 94, 103, 91}
	demoOfferDelays  = []int{30, 45, 21, 35}
	demoTechnicalAt  = []int{80, 65, 90, 70} // the agents' mark of every criterion other than the price
)

// insertDemoConsultations writes the demo's consultations with their history, after the businesses (whose ids
// the offers need).
func insertDemoConsultations(ctx context.Context, tx *store.Store, cs []*model.Consultation, es []*model.Enterprise) error {
	rates, err := tx.TGCRates(ctx)
	if err != nil {
		return err
	}
	normal := rates[slices.IndexFunc(rates, func(r *model.TGCRate) bool { return r.Code == "NORMAL" })]
	devBusiness := earliestActive(es)
	for _, c := range cs {
		h := store.ConsultationHistory{Consultation: c, Awarded: -1}
		c.UpdatedAt = c.CreatedAt
		if c.PublishedAt != nil {
			c.UpdatedAt = *c.PublishedAt
			h.Questions = demoQuestions(c, es)
			bidders := demoBidders(c, es, demoOfferPlan[c.Reference], devBusiness)
			if c.Reference == demoFirstOpen && devBusiness != nil && !slices.Contains(bidders, devBusiness) {
				bidders = append(bidders, devBusiness)
			}
			for i, b := range bidders {
				o, err := demoOffer(c, b, i, normal)
				if err != nil {
					return fmt.Errorf("offer %d on %s: %w", i, c.Reference, err)
				}
				h.Offers = append(h.Offers, o)
			}
		}
		switch c.Status {
		case model.ConsultationCancelled:
			decided := c.OfferDeadline.Add(-9 * 24 * time.Hour)
			c.DecidedAt, c.UpdatedAt = &decided, decided
			c.DecisionReason = "L'événement est reporté à 2026 : la consultation sera relancée."
		case model.ConsultationAwarded:
			h.Marks = demoMarks(c, h.Offers)
			scores := model.CompareOffers(c.Criteria, h.Offers, marksByOffer(h.Offers, h.Marks))
			h.Awarded = slices.Index(h.Offers, scores[0].Offer)
			decided := c.OfferDeadline.Add(10 * 24 * time.Hour)
			c.DecidedAt, c.UpdatedAt = &decided, decided
			c.DecisionReason = fmt.Sprintf("Offre la mieux notée (%.1f/100) au regard des critères pondérés du règlement de la consultation.", scores[0].Score)
		case model.ConsultationPublished:
			if c.Reference == "PS-2025-0057" {
				h.Marks = demoMarks(c, h.Offers)
			}
		}
		if err := tx.ImportConsultation(ctx, h); err != nil {
			return fmt.Errorf("import consultation %s: %w", c.Reference, err)
		}
	}
	return nil
}

// earliestActive is the business the development ENTERPRISE token acts for: the earliest registered active one.
func earliestActive(es []*model.Enterprise) *model.Enterprise {
	var first *model.Enterprise
	for _, e := range es {
		if e.Status == model.EnterpriseActive && (first == nil || e.RegisteredAt.Before(first.RegisteredAt)) {
			first = e
		}
	}
	return first
}

// demoBidders are the first n active businesses of the consultation's sectors, other than skip, in register order.
func demoBidders(c *model.Consultation, es []*model.Enterprise, n int, skip *model.Enterprise) []*model.Enterprise {
	var out []*model.Enterprise
	for _, e := range es {
		if len(out) == n {
			break
		}
		if e != skip && e.Status == model.EnterpriseActive && slices.Contains(c.SectorCodes, e.SectorCode) {
			out = append(out, e)
		}
	}
	return out
}

// demoOffer is the i-th offer on c, submitted a few days after publication.
func demoOffer(c *model.Consultation, bidder *model.Enterprise, i int, rate *model.TGCRate) (*model.Offer, error) {
	at := c.PublishedAt.Add(time.Duration(4+3*i)*24*time.Hour + 2*time.Hour)
	o := &model.Offer{EnterpriseID: bidder.ID, Status: model.OfferSubmitted, Revision: 1, SubmittedAt: at, UpdatedAt: at}
	amount := int64(c.EstimatedAmountHT) * demoOfferFactors[i%len(demoOfferFactors)] / 100 / 1000 * 1000
	err := o.Apply("offer", model.OfferTerms{
		AmountHT: model.XPF(amount), TGCRateCode: rate.Code, DelayDays: demoOfferDelays[i%len(demoOfferDelays)],
		TechnicalNote: fmt.Sprintf("Mémoire technique de %s : moyens humains et matériels, planning d'exécution, références récentes en province Sud.", bidder.Name),
		Documents: []model.ConsultationDocument{{Name: "Mémoire technique.pdf",
			URL: fmt.Sprintf("https://documents.sudpro.nc/offres/%s/%s/memoire-technique.pdf", c.Reference, bidder.RIDET)}},
	}, rate, bidder.TGCFranchise)
	return o, err
}

// demoMarks are the agents' marks of the offers: the price criterion by the lowest amount over the offer's, the
// others from a fixed table.
func demoMarks(c *model.Consultation, offers []*model.Offer) [][]model.OfferMark {
	if len(offers) == 0 {
		return nil
	}
	lowest := offers[0].AmountHT
	for _, o := range offers {
		lowest = min(lowest, o.AmountHT)
	}
	marked := c.OfferDeadline.Add(3 * 24 * time.Hour)
	out := make([][]model.OfferMark, len(offers))
	for i, o := range offers {
		for _, cr := range c.Criteria {
			mark := demoTechnicalAt[i%len(demoTechnicalAt)]
			if cr.Name == "Prix" {
				mark = int(100 * lowest / o.AmountHT)
			}
			out[i] = append(out[i], model.OfferMark{Criterion: cr.Name, Mark: mark, MarkedAt: marked})
		}
	}
	return out
}

// marksByOffer indexes marks the way model.CompareOffers reads them (offers have no ids before their insert, so
// the index is the offer's position).
func marksByOffer(offers []*model.Offer, marks [][]model.OfferMark) map[int64][]*model.OfferMark {
	out := map[int64][]*model.OfferMark{}
	for i := range offers {
		offers[i].ID = int64(i + 1) // provisional: the insert replaces it
		for j := range marks[i] {
			out[offers[i].ID] = append(out[offers[i].ID], &marks[i][j])
		}
	}
	return out
}

// demoQuestions is one answered question from a business of the consultation's sectors.
func demoQuestions(c *model.Consultation, es []*model.Enterprise) []*model.Question {
	askers := demoBidders(c, es, 1, nil)
	if len(askers) == 0 {
		return nil
	}
	asked := c.PublishedAt.Add(3*24*time.Hour + 90*time.Minute)
	answered := asked.Add(26 * time.Hour)
	answer := "Oui : une visite est organisée à la demande, en contactant le référent indiqué dans le règlement de la consultation."
	return []*model.Question{{EnterpriseID: askers[0].ID, Text: "Une visite du site est-elle prévue avant la remise des offres ?",
		AskedAt: asked, Answer: &answer, AnsweredAt: &answered}}
}
