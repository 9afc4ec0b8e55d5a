package model

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Supplier suggestions: a Need (from the suggestSuppliers input, or a consultation's: NeedOf) is matched
// against Candidates read by the store, and every reason rule below scores one aspect. Adding a reason is adding
// one function to reasonRules; adding a source of needs is one function returning a Need.

// Need is what a business looks for.
type Need struct {
	SectorCodes []string
	APECodes    []string // full codes or prefixes ("4332A", "43")
	CommuneCode string   // "" when the place does not matter
	Keywords    []string
	BudgetHT    *XPF
}

// NeedOf is what a consultation looks for: its sectors, APE codes, commune of execution, the words of its title and
// its estimated amount as the budget.
func NeedOf(c *Consultation) Need {
	budget := c.EstimatedAmountHT
	return Need{SectorCodes: c.SectorCodes, APECodes: c.APECodes, CommuneCode: c.CommuneCode, Keywords: SearchWords(c.Title), BudgetHT: &budget}
}

// Suggestion limits.
const (
	DefaultSuggestions = 10
	MaxSuggestions     = 50
	// NeighbourKm is the farthest a commune is "neighbouring" (straight line between main towns).
	NeighbourKm = 40
)

// Validate checks a need; field names are relative to the need argument.
func (n Need) Validate() error {
	if len(n.SectorCodes) == 0 && len(n.APECodes) == 0 && len(SearchWords(strings.Join(n.Keywords, " "))) == 0 {
		return Invalid("need", "give at least one sector, APE code or keyword")
	}
	for i, code := range n.APECodes {
		if !ValidAPEPrefix(code) {
			return Invalid(fmt.Sprintf("need.apeCodes.%d", i), "%q is not an APE code or prefix (e.g. 4332A or 43)", code)
		}
	}
	if len(n.Keywords) > 20 || len(strings.Join(n.Keywords, " ")) > MaxSearchLength {
		return Invalid("need.keywords", "at most 20 keywords and %d characters", MaxSearchLength)
	}
	if n.BudgetHT != nil && *n.BudgetHT <= 0 {
		return Invalid("need.budgetHt", "must be more than 0")
	}
	return nil
}

// Candidate is a business the store found for a need, with the facts the reasons read.
type Candidate struct {
	Enterprise *Enterprise
	// Km is the straight-line distance from the need's commune; nil when the need has no commune.
	Km *int
	// CommuneName and NeedCommuneName name the two communes, for the reasons' wording.
	CommuneName, NeedCommuneName string
	// MatchedKeywords are the need's keywords found in the business's name, keywords, activity or APE label.
	MatchedKeywords []string
	// PaidInvoices is how many invoices it was paid as a seller on Sud Pro; LargestPaidHT the largest of them.
	PaidInvoices  int
	LargestPaidHT XPF
	// ConsultationsWon is how many public consultations were awarded to it.
	ConsultationsWon int
}

// ReasonKind is a kind of suggestion reason (the schema's SuggestionReasonKind).
type ReasonKind string

// Reason kinds.
const (
	ReasonSector      ReasonKind = "SECTOR_MATCH"
	ReasonAPE         ReasonKind = "APE_MATCH"
	ReasonSameCommune ReasonKind = "SAME_COMMUNE"
	ReasonNeighbour   ReasonKind = "NEIGHBOURING_COMMUNE"
	ReasonKeyword     ReasonKind = "KEYWORD_MATCH"
	ReasonTrack       ReasonKind = "TRACK_RECORD"
	ReasonBudget      ReasonKind = "BUDGET_FIT"
	ReasonWon         ReasonKind = "CONSULTATIONS_WON"
)

// Reason is one reason behind a suggestion and the points it adds.
type Reason struct {
	Kind   ReasonKind
	Points int
	Detail string
}

// Suggestion is a ranked candidate.
type Suggestion struct {
	Enterprise *Enterprise
	Score      int
	Reasons    []*Reason
}

// reasonRule scores one aspect of a candidate for a need; nil when it does not apply.
type reasonRule func(Need, Candidate) *Reason

// reasonRules are every reason, applied in this order. Points: what the business does (APE, keywords, sector)
// weighs more than where it is, which weighs more than its history on the platform.
var reasonRules = []reasonRule{apeReason, keywordReason, sectorReason, communeReason, trackRecordReason, consultationsWonReason, budgetReason}

func sectorReason(n Need, c Candidate) *Reason {
	if !slices.Contains(n.SectorCodes, c.Enterprise.SectorCode) {
		return nil
	}
	return &Reason{ReasonSector, 20, "sector " + c.Enterprise.SectorCode}
}

func apeReason(n Need, c Candidate) *Reason {
	for _, code := range n.APECodes {
		if strings.HasPrefix(c.Enterprise.APECode, code) {
			return &Reason{ReasonAPE, 30, "APE code " + c.Enterprise.APECode}
		}
	}
	return nil
}

// communeReason gives 20 points in the need's commune, and up to 15 for a neighbouring one, fewer the farther.
func communeReason(n Need, c Candidate) *Reason {
	if n.CommuneCode == "" || c.Km == nil {
		return nil
	}
	if c.Enterprise.CommuneCode == n.CommuneCode {
		return &Reason{ReasonSameCommune, 20, "in " + c.NeedCommuneName}
	}
	if *c.Km > NeighbourKm {
		return nil
	}
	points := 15 * (NeighbourKm - *c.Km) / NeighbourKm
	return &Reason{ReasonNeighbour, max(points, 1), fmt.Sprintf("%s is %d km from %s", c.CommuneName, *c.Km, c.NeedCommuneName)}
}

// keywordReason gives 25 points for the first matched keyword and 5 for each other one, up to 40.
func keywordReason(_ Need, c Candidate) *Reason {
	if len(c.MatchedKeywords) == 0 {
		return nil
	}
	points := min(25+5*(len(c.MatchedKeywords)-1), 40)
	return &Reason{ReasonKeyword, points, "matches " + strings.Join(c.MatchedKeywords, ", ")}
}

// trackRecordReason gives 2 points per invoice paid as a seller, up to 10.
func trackRecordReason(_ Need, c Candidate) *Reason {
	if c.PaidInvoices == 0 {
		return nil
	}
	return &Reason{ReasonTrack, min(2*c.PaidInvoices, 10), fmt.Sprintf("%d invoice(s) paid as a seller on Sud Pro", c.PaidInvoices)}
}

// consultationsWonReason gives 5 points per public consultation won, up to 10.
func consultationsWonReason(_ Need, c Candidate) *Reason {
	if c.ConsultationsWon == 0 {
		return nil
	}
	return &Reason{ReasonWon, min(5*c.ConsultationsWon, 10), fmt.Sprintf("won %d public consultation(s) of the Province", c.ConsultationsWon)}
}

func budgetReason(n Need, c Candidate) *Reason {
	if n.BudgetHT == nil || c.PaidInvoices == 0 || 2*c.LargestPaidHT < *n.BudgetHT {
		return nil
	}
	return &Reason{ReasonBudget, 5, "was paid on Sud Pro for an invoice of at least half this budget"}
}

// Suggest scores every candidate and returns the best limit of them: by score, then by id, so the same data
// always gives the same order. Candidates no reason applies to are left out.
func Suggest(n Need, candidates []Candidate, limit int) []*Suggestion {
	out := make([]*Suggestion, 0, len(candidates))
	for _, c := range candidates {
		s := &Suggestion{Enterprise: c.Enterprise, Reasons: []*Reason{}}
		for _, rule := range reasonRules {
			if r := rule(n, c); r != nil {
				s.Reasons = append(s.Reasons, r)
				s.Score += r.Points
			}
		}
		if s.Score == 0 {
			continue
		}
		slices.SortStableFunc(s.Reasons, func(a, b *Reason) int { return cmp.Compare(b.Points, a.Points) })
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Enterprise.ID, b.Enterprise.ID))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
