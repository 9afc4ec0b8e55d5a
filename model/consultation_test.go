package model_test

import (
	"fmt"
	"testing"
	"time"

	"sudpro/model"
)

func TestStatusAt(t *testing.T) {
	deadline := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		stored model.ConsultationStatus
		at     time.Time
		want   model.ConsultationStatus
	}{
		{model.ConsultationPublished, deadline.Add(-time.Microsecond), model.ConsultationPublished},
		{model.ConsultationPublished, deadline, model.ConsultationClosed},
		{model.ConsultationDraft, deadline.Add(time.Hour), model.ConsultationDraft},
		{model.ConsultationAwarded, deadline.Add(time.Hour), model.ConsultationAwarded},
	}
	for _, tt := range tests {
		c := &model.Consultation{Status: tt.stored, OfferDeadline: deadline}
		if got := c.StatusAt(tt.at); got != tt.want {
			t.Errorf("%s.StatusAt(deadline%+v) = %s, want %s", tt.stored, tt.at.Sub(deadline), got, tt.want)
		}
	}
}

func TestCheckCriteria(t *testing.T) {
	tests := []struct {
		name      string
		criteria  []model.EvaluationCriterion
		wantField string
	}{
		{"weights summing to 100", []model.EvaluationCriterion{{"Prix", 60}, {"Valeur technique", 40}}, ""},
		{"one criterion of 100", []model.EvaluationCriterion{{"Prix", 100}}, ""},
		{"weights summing to 99", []model.EvaluationCriterion{{"Prix", 60}, {"Valeur technique", 39}}, "input.criteria"},
		{"a zero weight", []model.EvaluationCriterion{{"Prix", 100}, {"Délai", 0}}, "input.criteria.1.weight"},
		{"a name twice", []model.EvaluationCriterion{{"Prix", 50}, {"prix", 50}}, "input.criteria.1.name"},
		{"no criteria", nil, "input.criteria"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := model.CheckCriteria("input.criteria", tt.criteria)
			got := ""
			if e, ok := model.AsError(err); ok {
				got = e.Field
			}
			if got != tt.wantField || (err == nil) != (tt.wantField == "") {
				t.Errorf("CheckCriteria(%v) = %v, want an error on %q", tt.criteria, err, tt.wantField)
			}
		})
	}
}

func TestCompareOffers(t *testing.T) {
	criteria := []model.EvaluationCriterion{{Name: "Prix", Weight: 60}, {Name: "Valeur technique", Weight: 40}}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	offers := []*model.Offer{
		{ID: 1, AmountHT: 900, SubmittedAt: at.Add(2 * time.Hour)},
		{ID: 2, AmountHT: 800, SubmittedAt: at.Add(time.Hour)},
		{ID: 3, AmountHT: 800, SubmittedAt: at},
		{ID: 4, AmountHT: 700, SubmittedAt: at},
	}
	marks := map[int64][]*model.OfferMark{
		1: {{Criterion: "Prix", Mark: 80}, {Criterion: "Valeur technique", Mark: 80}},  // 80
		2: {{Criterion: "Prix", Mark: 100}, {Criterion: "Valeur technique", Mark: 50}}, // 80, cheaper than 1, later than 3
		3: {{Criterion: "Prix", Mark: 100}, {Criterion: "Valeur technique", Mark: 50}}, // 80, the earliest of the cheaper
		4: {{Criterion: "Prix", Mark: 100}},                                            // 60, incomplete
	}
	var got []string
	for _, s := range model.CompareOffers(criteria, offers, marks) {
		got = append(got, fmt.Sprintf("%d:%d:%.0f:%v", s.Rank, s.Offer.ID, s.Score, s.Complete))
	}
	if want := "[1:3:80:true 2:2:80:true 3:1:80:true 4:4:60:false]"; fmt.Sprint(got) != want {
		t.Errorf("CompareOffers() = %v, want %s", got, want)
	}
}

func TestOfferApplyComputesTGCAsForAnInvoiceLine(t *testing.T) {
	normal := &model.TGCRate{Code: "NORMAL", BasisPoints: 1100}
	tests := []struct {
		amount    model.XPF
		franchise bool
		tgc       model.XPF
	}{{100_004, false, 11_000}, {100_005, false, 11_001}, {100_005, true, 0}}
	for _, tt := range tests {
		o := &model.Offer{}
		if err := o.Apply("input.terms", model.OfferTerms{AmountHT: tt.amount, TGCRateCode: "NORMAL", DelayDays: 10}, normal, tt.franchise); err != nil {
			t.Fatal(err)
		}
		if o.AmountTGC != tt.tgc || o.AmountTTC != tt.amount+tt.tgc || o.TGCNotApplicable != tt.franchise {
			t.Errorf("Apply(%d, franchise %v): TGC %d, TTC %d, want %d, %d", tt.amount, tt.franchise, o.AmountTGC, o.AmountTTC, tt.tgc, tt.amount+tt.tgc)
		}
	}
}
