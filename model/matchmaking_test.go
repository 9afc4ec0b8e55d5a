package model_test

import (
	"slices"
	"testing"

	"sudpro/model"
)

func TestSuggestReasons(t *testing.T) {
	km := func(n int) *int { return &n }
	budget := model.XPF(1_000_000)
	need := model.Need{SectorCodes: []string{"BTP"}, APECodes: []string{"4332"}, CommuneCode: "98818", Keywords: []string{"menuiserie"}, BudgetHT: &budget}
	carpenter := &model.Enterprise{ID: 1, SectorCode: "BTP", APECode: "4332A", CommuneCode: "98818"}
	tests := []struct {
		name string
		c    model.Candidate
		want map[model.ReasonKind]int // kind → points
	}{
		{"a carpenter of the same commune", model.Candidate{Enterprise: carpenter, Km: km(0), MatchedKeywords: []string{"menuiserie"}},
			map[model.ReasonKind]int{model.ReasonAPE: 30, model.ReasonKeyword: 25, model.ReasonSector: 20, model.ReasonSameCommune: 20}},
		{"a neighbour 20 km away gets half the neighbour points",
			model.Candidate{Enterprise: &model.Enterprise{ID: 2, SectorCode: "BTP", APECode: "4322A", CommuneCode: "98821"}, Km: km(20)},
			map[model.ReasonKind]int{model.ReasonSector: 20, model.ReasonNeighbour: 7}},
		{"a commune beyond the neighbourhood earns nothing for its place",
			model.Candidate{Enterprise: &model.Enterprise{ID: 3, SectorCode: "BTP", APECode: "4322A", CommuneCode: "98803"}, Km: km(127)},
			map[model.ReasonKind]int{model.ReasonSector: 20}},
		{"track record is capped and the budget fits",
			model.Candidate{Enterprise: &model.Enterprise{ID: 4, SectorCode: "SERVICES", APECode: "8121Z", CommuneCode: "98803"}, Km: km(127),
				PaidInvoices: 9, LargestPaidHT: 600_000},
			map[model.ReasonKind]int{model.ReasonTrack: 10, model.ReasonBudget: 5}},
		{"consultations won add up to a cap",
			model.Candidate{Enterprise: &model.Enterprise{ID: 6, SectorCode: "SERVICES", APECode: "8121Z", CommuneCode: "98803"}, ConsultationsWon: 3},
			map[model.ReasonKind]int{model.ReasonWon: 10}},
		{"several keywords add up to a cap",
			model.Candidate{Enterprise: &model.Enterprise{ID: 5, SectorCode: "COMMERCE", APECode: "4673A", CommuneCode: "98803"},
				MatchedKeywords: []string{"a", "b", "c", "d", "e"}},
			map[model.ReasonKind]int{model.ReasonKeyword: 40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := model.Suggest(need, []model.Candidate{tt.c}, 10)
			if len(got) != 1 {
				t.Fatalf("Suggest() = %d suggestions, want 1", len(got))
			}
			kinds := map[model.ReasonKind]int{}
			sum := 0
			for _, r := range got[0].Reasons {
				kinds[r.Kind] = r.Points
				sum += r.Points
				if r.Detail == "" {
					t.Errorf("reason %s has no detail", r.Kind)
				}
			}
			if len(kinds) != len(tt.want) || sum != got[0].Score {
				t.Errorf("reasons = %v (score %d), want %v", kinds, got[0].Score, tt.want)
			}
			for k, p := range tt.want {
				if kinds[k] != p {
					t.Errorf("reason %s = %d points, want %d", k, kinds[k], p)
				}
			}
		})
	}
}

func TestSuggestOrderIsStable(t *testing.T) {
	need := model.Need{SectorCodes: []string{"BTP"}}
	var cands []model.Candidate
	for _, id := range []int64{9, 3, 7, 1} {
		cands = append(cands, model.Candidate{Enterprise: &model.Enterprise{ID: id, SectorCode: "BTP"}})
	}
	cands = append(cands, model.Candidate{Enterprise: &model.Enterprise{ID: 5, SectorCode: "SANTE"}})
	var ids []int64
	for _, s := range model.Suggest(need, cands, 3) {
		ids = append(ids, s.Enterprise.ID)
	}
	if want := []int64{1, 3, 7}; !slices.Equal(ids, want) {
		t.Errorf("Suggest() ids = %v, want %v (equal scores by id, no-reason candidates left out, limited)", ids, want)
	}
}

func TestNeedValidate(t *testing.T) {
	tests := []struct {
		name  string
		need  model.Need
		field string
	}{
		{"a need needs something to match", model.Need{CommuneCode: "98818"}, "need"},
		{"stop words alone are nothing to match", model.Need{Keywords: []string{" "}}, "need"},
		{"APE codes are checked", model.Need{APECodes: []string{"ABCD"}}, "need.apeCodes.0"},
		{"a budget is positive", model.Need{SectorCodes: []string{"BTP"}, BudgetHT: new(model.XPF)}, "need.budgetHt"},
		{"a sector is enough", model.Need{SectorCodes: []string{"BTP"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.need.Validate()
			e, _ := model.AsError(err)
			if (tt.field == "" && err != nil) || (tt.field != "" && (e == nil || e.Field != tt.field)) {
				t.Errorf("Validate() = %v, want an error on %q", err, tt.field)
			}
		})
	}
}

func TestSearchWords(t *testing.T) {
	got := model.SearchWords("  Électricité, PLOMBERIE-sanitaire électricité 2x ")
	want := []string{"électricité", "plomberie", "sanitaire", "2x"}
	if !slices.Equal(got, want) {
		t.Errorf("SearchWords() = %q, want %q", got, want)
	}
}

func TestNeedOfConsultation(t *testing.T) {
	c := &model.Consultation{Title: "Réfection des menuiseries de l'école", SectorCodes: []string{"BTP"}, APECodes: []string{"4332A"},
		CommuneCode: "98818", EstimatedAmountHT: 3_500_000}
	n := model.NeedOf(c)
	if !slices.Equal(n.SectorCodes, c.SectorCodes) || !slices.Equal(n.APECodes, c.APECodes) || n.CommuneCode != "98818" ||
		n.BudgetHT == nil || *n.BudgetHT != 3_500_000 || !slices.Contains(n.Keywords, "menuiseries") {
		t.Errorf("NeedOf = %+v (keywords %q)", n, n.Keywords)
	}
	if err := n.Validate(); err != nil {
		t.Errorf("a consultation's need is invalid: %v", err)
	}
}
