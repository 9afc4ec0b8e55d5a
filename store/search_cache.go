package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"sudpro/model"
)

// searchCacheSize bounds the directory searches kept, and maxKeptAnswerBytes the size of each (an answer whose
// businesses' texts are larger is not kept): 256 × 128 KB, 32 MB at worst; a page of 20 ordinary businesses is
// about 20 KB.
const (
	searchCacheSize    = 256
	maxKeptAnswerBytes = 128 << 10
)

// searchCache keeps the answers of directory searches that count their matches (totalCount, facets), each with the
// directory version (migration 20260427000001) of its oldest snapshot (countedSearch). An answer is served
// only while that version is still the directory's: every statement writing enterprises bumps it in its own
// transaction, so a kept answer is exactly what the search would read again. Such a search reads every business
// it matches (thousands for a common word in Nouméa); checking the version is one small statement.
type searchCache struct {
	answers *lru.Cache[string, keptSearch]
	// What the cache did, for /metrics (SearchCacheCounts).
	hits, misses, stale, bypassed atomic.Uint64
}

// keptSearch is a kept answer and the directory version it was read at.
type keptSearch struct {
	version int64
	answer  *model.EnterpriseSearch
}

func newSearchCache() *searchCache {
	answers, err := lru.New[string, keptSearch](searchCacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &searchCache{answers: answers}
}

// SearchCacheCounts are what the directory search cache did since the process started.
type SearchCacheCounts struct {
	Hits     uint64 // answered from the cache
	Misses   uint64 // no answer kept: read from the businesses
	Stale    uint64 // an answer kept, but the directory changed since: read again
	Bypassed uint64 // the caller asked for a fresh read (Cache-Control: no-cache) or the search is not kept
}

// SearchCacheCounts returns what the directory search cache did (zero for a store without one).
func (s *Store) SearchCacheCounts() SearchCacheCounts {
	if s.searches == nil {
		return SearchCacheCounts{}
	}
	c := s.searches
	return SearchCacheCounts{Hits: c.hits.Load(), Misses: c.misses.Load(), Stale: c.stale.Load(), Bypassed: c.bypassed.Load()}
}

type noCacheKey struct{}

// WithNoCache returns a context whose directory searches are read from the businesses rather than from the cache
// (the request's Cache-Control: no-cache); what they read is kept for the next searches.
func WithNoCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, noCacheKey{}, true)
}

// searchKey is what a search's answer depends on besides the directory: the query without its viewer, which
// counts only through what the viewer may see (scope), the page and the counts asked for. ok is false for a
// search the cache does not keep: one that depends on more than the businesses (usedCreditSud reads invoices).
func searchKey(q model.EnterpriseQuery, page model.Page, counts SearchCounts) (key string, ok bool) {
	if q.UsedCreditSud != nil {
		return "", false
	}
	scope := "directory"
	switch {
	case q.Viewer.IsStaff():
		scope = "staff"
	case q.Viewer.Role == model.RoleEnterprise && q.Viewer.EnterpriseID != 0:
		scope = "directory+" + strconv.FormatInt(q.Viewer.EnterpriseID, 10)
	}
	q.Viewer = model.Actor{}
	b, err := json.Marshal(struct {
		Scope  string
		Query  model.EnterpriseQuery
		Page   model.Page
		Counts SearchCounts
	}{scope, q, page, counts})
	if err != nil {
		return "", false
	}
	return string(b), true
}

// searchCacheUse says how a search uses the cache: whether it may answer from it, and whether it keeps what it
// reads, under key.
type searchCacheUse struct {
	key        string
	read, keep bool
}

func (s *Store) searchCacheUse(ctx context.Context, q model.EnterpriseQuery, page model.Page, counts SearchCounts) searchCacheUse {
	if s.searches == nil {
		return searchCacheUse{} // a transaction's store: its own writes may yet roll back
	}
	key, ok := searchKey(q, page, counts)
	if !ok || ctx.Value(noCacheKey{}) != nil {
		s.searches.bypassed.Add(1)
		return searchCacheUse{key: key, keep: ok} // a fresh read is still kept for the next searches
	}
	return searchCacheUse{key: key, read: true, keep: true}
}

// cachedSearch returns the kept answer of key when the directory has not changed since it was read; ok is false
// when there is none or the directory changed, and the caller reads the businesses.
func (s *Store) cachedSearch(ctx context.Context, key string, q model.EnterpriseQuery) (answer *model.EnterpriseSearch, ok bool, err error) {
	c := s.searches
	kept, found := c.answers.Get(key)
	if !found {
		c.misses.Add(1)
		return nil, false, nil
	}
	var version int64
	if err := s.readDB(ctx).NewRaw("SELECT version FROM directory_version").Scan(ctx, &version); err != nil {
		return nil, false, fmt.Errorf("directory version: %w", err)
	}
	if version != kept.version {
		c.stale.Add(1)
		return nil, false, nil
	}
	c.hits.Add(1)
	a := *kept.answer
	a.Query = q // the caller's viewer, for what is resolved from the answer later
	return &a, true, nil
}

// keepSearch keeps answer, read at the directory's version, for the next searches of key, unless it is too large.
func (s *Store) keepSearch(key string, version int64, answer *model.EnterpriseSearch) {
	if answerBytes(answer) > maxKeptAnswerBytes {
		return
	}
	kept := *answer
	kept.Query = model.EnterpriseQuery{}
	s.searches.answers.Add(key, keptSearch{version: version, answer: &kept})
}

// answerBytes estimates the memory an answer holds: its businesses' texts plus a fixed part per business and per
// facet (descriptions of up to 4,000 characters make the texts what varies).
func answerBytes(a *model.EnterpriseSearch) int {
	const perBusiness, perFacet = 512, 64
	n := 0
	for _, e := range a.Nodes() {
		n += perBusiness + len(e.Name) + len(e.TradeName) + len(e.Description) + len(e.ContactEmail) + len(e.ContactPhone) +
			len(e.RepresentativeName) + len(e.RepresentativeEmail) + len(e.RepresentativePhone)
		for _, k := range e.Keywords {
			n += len(k) + 16
		}
	}
	if f := a.Facets; f != nil {
		n += perFacet * (len(f.Sectors) + len(f.Communes) + len(f.LegalForms))
	}
	return n
}
