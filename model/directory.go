package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Directory search limits.
const (
	MaxSearchLength = 200 // characters of the search text
	MaxSearchWords  = 8   // words kept from it; more only slow the query down
	// MinFuzzyWordLength is the shortest word matched with trigram typo tolerance: shorter words ("bois") have too
	// few trigrams to tell a typo from another word, and match a large part of the directory.
	MinFuzzyWordLength = 5
)

// SearchWords splits a directory search into the words that must all match: letters and digits, lower case,
// duplicates dropped, at most MaxSearchWords. Accents are kept; the database folds them.
func SearchWords(search string) []string {
	fields := strings.FieldsFunc(strings.ToLower(search), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var words []string
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f] || len(words) == MaxSearchWords {
			continue
		}
		seen[f] = true
		words = append(words, f)
	}
	return words
}

// Fuzzy reports whether a search word is long enough for typo tolerance.
func Fuzzy(word string) bool { return utf8.RuneCountInString(word) >= MinFuzzyWordLength }

// OrderOrDefault is the query's order, or RELEVANCE for a search and NAME for a plain list.
func (q *EnterpriseQuery) OrderOrDefault() EnterpriseOrder {
	switch {
	case q.Order != "":
		return q.Order
	case len(SearchWords(q.Search)) > 0:
		return EnterpriseOrderRelevance
	}
	return EnterpriseOrderName
}

// validateSearch checks the directory part of a query. Eligibility and the use of CréditSud are financial data:
// only Province staff may filter on them.
func (q *EnterpriseQuery) validateSearch() error {
	if utf8.RuneCountInString(q.Search) > MaxSearchLength {
		return Invalid("search", "at most %d characters", MaxSearchLength)
	}
	if q.HeadcountMin != nil && *q.HeadcountMin < 0 {
		return Invalid("filter.headcount.min", "must be 0 or more")
	}
	if q.HeadcountMin != nil && q.HeadcountMax != nil && *q.HeadcountMax < *q.HeadcountMin {
		return Invalid("filter.headcount.max", "must be at least min (%d)", *q.HeadcountMin)
	}
	if !q.Viewer.IsStaff() {
		if q.Eligible != nil {
			return Errorf(CodeForbidden, "filter.eligible", "only ADMIN and AGENT may filter on CréditSud eligibility")
		}
		if q.UsedCreditSud != nil {
			return Errorf(CodeForbidden, "filter.hasUsedCreditSud", "only ADMIN and AGENT may filter on the use of CréditSud")
		}
	}
	return nil
}

// EnterpriseSearch is a page of a directory search with what is needed to compute its facets.
type EnterpriseSearch struct {
	*EnterpriseConnection
	Query EnterpriseQuery
	// Facets, when not nil, were counted with the page (the request asked for them); otherwise they are counted
	// from Query when asked for.
	Facets *EnterpriseFacets
}

// EnterpriseFacets count the businesses of a search (with its filters, as the caller may see them) by sector,
// commune and legal form; values with no business are left out.
type EnterpriseFacets struct {
	Sectors    []*SectorFacet
	Communes   []*CommuneFacet
	LegalForms []*LegalFormFacet
}

// SectorFacet is the number of businesses of a search in one sector.
type SectorFacet struct {
	SectorCode string
	Count      int
}

// CommuneFacet is the number of businesses of a search in one commune.
type CommuneFacet struct {
	CommuneCode string
	Count       int
}

// LegalFormFacet is the number of businesses of a search with one legal form.
type LegalFormFacet struct {
	LegalForm LegalForm
	Count     int
}
