package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// searchAnswer is what a GraphQL search with counts shows: the page's names, the total and the facets.
func searchAnswer(t *testing.T, st *store.Store, ctx context.Context, q model.EnterpriseQuery) string {
	t.Helper()
	got, err := st.SearchEnterprises(ctx, q, model.Page{Limit: 20}, store.SearchCounts{Total: true, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	total, err := got.TotalCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%v total %d facets %s", names(got.EnterpriseConnection), total, facetsString(got.Facets))
}

// A search with counts is answered from the cache, with one statement reading the directory version, until a
// statement writes the businesses; then it is read again, once. A rolled-back write changes nothing, a viewer only
// gets answers read for what it may see, and a search the cache does not keep, or a caller asking for a fresh read,
// reads the businesses.
func TestSearchCacheAnswersUntilTheDirectoryChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, rec := recordedStore(t)
	es := seedDirectory(t, st, directoryFixture)
	anyone := model.EnterpriseQuery{Search: "bois"}
	ask := func(ctx context.Context, q model.EnterpriseQuery, wantStatements int, why string) string {
		t.Helper()
		rec.take()
		answer := searchAnswer(t, st, ctx, q)
		if got := rec.take(); len(got) != wantStatements {
			t.Errorf("%s: %d statements, want %d:\n%s", why, len(got), wantStatements, strings.Join(got, "\n"))
		}
		return answer
	}
	read := func(q model.EnterpriseQuery) string { return searchAnswer(t, store.New(st.DB()), ctx, q) } // a store with nothing kept

	first := ask(ctx, anyone, 2, "first search (its words, then the businesses)")
	if again := ask(ctx, anyone, 1, "same search again (the version)"); again != first {
		t.Errorf("kept answer %s, want %s", again, first)
	}

	late := *es["Menuiserie Tiaou"]
	late.ID, late.RIDET, late.Name = 0, "3999998001", "Bois Flotté Nouméa"
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{&late}); err != nil {
		t.Fatal(err)
	}
	afterInsert := ask(ctx, anyone, 3, "after a registration (the version, the words, the businesses)")
	if want := read(anyone); afterInsert != want || afterInsert == first {
		t.Errorf("after a registration: %s, want %s (before: %s)", afterInsert, want, first)
	}
	ask(ctx, anyone, 1, "again after the registration")

	if _, err := st.DB().NewUpdate().Table("enterprises").Set("name = ?", "Menuiserie Tiaou et Fils").
		Where("id = ?", es["Menuiserie Tiaou"].ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := ask(ctx, anyone, 3, "after a renaming"), read(anyone); got != want || !strings.Contains(got, "Tiaou et Fils") {
		t.Errorf("after a renaming: %s, want %s", got, want)
	}

	rolledBack := errors.New("rolled back")
	if err := st.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.DB().NewUpdate().Table("enterprises").Set("name = 'Ne Sera Pas'").Where("id = ?", es["Kaori Bois SARL"].ID).Exec(ctx); err != nil {
			return err
		}
		if in := searchAnswer(t, tx, ctx, anyone); !strings.Contains(in, "Ne Sera Pas") {
			t.Errorf("inside the transaction: %s, want its own renaming", in)
		}
		return rolledBack
	}); !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	if got := ask(ctx, anyone, 1, "after a rolled-back renaming"); strings.Contains(got, "Ne Sera Pas") {
		t.Errorf("a rolled-back renaming shows: %s", got)
	}

	fresh := ask(store.WithNoCache(ctx), anyone, 2, "Cache-Control: no-cache")
	if kept := ask(ctx, anyone, 1, "after a fresh read, which is kept"); kept != fresh {
		t.Errorf("after a fresh read: %s, want %s", kept, fresh)
	}

	// The owner of an unlisted business finds it; nobody else does, whoever searched first.
	owner := model.EnterpriseQuery{Search: "électricité", Viewer: model.Actor{Role: model.RoleEnterprise, EnterpriseID: es["Atelier Caché"].ID}}
	public := model.EnterpriseQuery{Search: "électricité", Viewer: model.Actor{Role: model.RoleChamber}}
	staff := model.EnterpriseQuery{Search: "électricité", Viewer: admin}
	for _, q := range []model.EnterpriseQuery{owner, public, staff, owner, public, staff} {
		got := searchAnswer(t, st, ctx, q)
		if want := read(q); got != want {
			t.Errorf("viewer %s: %s, want %s", q.Viewer.Role, got, want)
		}
		if hidden := strings.Contains(got, "Atelier Caché"); hidden == (q.Viewer.Role == model.RoleChamber) {
			t.Errorf("viewer %s: %s", q.Viewer.Role, got)
		}
	}

	used := true
	withInvoices := model.EnterpriseQuery{UsedCreditSud: &used}
	ask(ctx, withInvoices, 1, "usedCreditSud, no words (the businesses, never kept)")
	ask(ctx, withInvoices, 1, "usedCreditSud again (the businesses, never kept)")

	if got := st.SearchCacheCounts(); got.Hits < 5 || got.Misses < 3 || got.Stale != 2 || got.Bypassed != 3 {
		t.Errorf("counts %+v", got)
	}
}

// However the writes and the searches interleave, a search that starts after a write has committed shows it: an
// answer is kept with the version read in its own snapshot, never with a later one.
func TestSearchCacheNeverServesAnAnswerOlderThanACommittedWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	es := seedDirectory(t, st, directoryFixture)
	renamed := es["Kaori Bois SARL"].ID
	q := model.EnterpriseQuery{CommuneCodes: []string{"98821"}, Viewer: admin}
	var committed atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := int64(1); i <= 60 && !t.Failed(); i++ {
			if _, err := st.DB().NewUpdate().Table("enterprises").Set("name = ?", fmt.Sprintf("Kaori %03d", i)).
				Where("id = ?", renamed).Exec(ctx); err != nil {
				t.Error(err)
				return
			}
			committed.Store(i)
		}
	})
	for range 3 {
		wg.Go(func() {
			for committed.Load() < 60 && !t.Failed() {
				before := committed.Load()
				got, err := st.SearchEnterprises(ctx, q, model.Page{Limit: 20}, store.SearchCounts{Total: true})
				if err != nil {
					t.Error(err)
					return
				}
				i := slices.IndexFunc(got.Nodes(), func(e *model.Enterprise) bool { return e.ID == renamed })
				if i < 0 {
					t.Errorf("the renamed business is missing: %v", names(got.EnterpriseConnection))
					return
				}
				n, _ := strconv.ParseInt(strings.TrimPrefix(got.Nodes()[i].Name, "Kaori "), 10, 64)
				if name := got.Nodes()[i].Name; before > 0 && n < before {
					t.Errorf("searched after renaming %d had committed, got %q", before, name)
					return
				}
			}
		})
	}
	wg.Wait()
	if c := st.SearchCacheCounts(); c.Hits == 0 || c.Stale == 0 {
		t.Logf("counts %+v: the interleaving did not exercise both hits and stale answers", c)
	}
}

// The kept answer is the caller's: a second caller's answer carries its own query, not the first one's.
func TestSearchCacheAnswerCarriesTheCallersQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	seedDirectory(t, st, directoryFixture)
	first := model.EnterpriseQuery{Search: "bois", Viewer: model.Actor{Role: model.RoleChamber, Subject: "cci"}}
	second := first
	second.Viewer.Subject = "cma"
	for _, q := range []model.EnterpriseQuery{first, second} {
		got, err := st.SearchEnterprises(ctx, q, model.Page{Limit: 5}, store.SearchCounts{Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Query, q) {
			t.Errorf("answer's query %+v, want %+v", got.Query, q)
		}
	}
	if c := st.SearchCacheCounts(); c.Hits != 1 {
		t.Errorf("two chambers' same search: counts %+v, want one hit (same scope)", c)
	}
}

// An answer holding more than the cache's per-answer bound (long descriptions, a page of 100) is not kept, so the
// cache's memory stays bounded whatever the businesses write; a smaller page of the same search is.
func TestSearchCacheKeepsNoOversizedAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, rec := recordedStore(t)
	es := make([]*model.Enterprise, 40)
	for i := range es {
		es[i] = enterprise(i, fmt.Sprintf("Géant %02d", i))
		es[i].Description = strings.Repeat("Menuiserie ", 360) // 3,960 characters
	}
	if err := st.InsertEnterprises(ctx, es); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit int
		want  []int // statements of the first and the second same search
	}{{100, []int{2, 2}}, {5, []int{2, 1}}} {
		for i, want := range c.want {
			rec.take()
			got, err := st.SearchEnterprises(ctx, model.EnterpriseQuery{Search: "géant"}, model.Page{Limit: c.limit}, store.SearchCounts{Total: true})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(rec.take()); n != want || len(got.Nodes()) != min(c.limit, len(es)) {
				t.Errorf("page of %d, search %d: %d statements, %d businesses; want %d statements", c.limit, i+1, n, len(got.Nodes()), want)
			}
		}
	}
}

// registerAfterWords registers a business once, right after the first statement expanding a search's words: between
// that statement and the one reading the businesses.
type registerAfterWords struct {
	once sync.Once
	do   func()
}

func (r *registerAfterWords) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (r *registerAfterWords) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "sudpro_search_word_query") {
		r.once.Do(r.do)
	}
}

// A business registered after a search expanded its words, but before it read the businesses, is missing from that
// answer (a misspelt name finds it only once its words are in the lexicon), so the answer is kept under the
// version of the words' snapshot: the next same search reads it again and finds it.
func TestSearchCacheKeepsAnAnswerUnderItsOldestSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	plain := store.New(db)
	es := seedDirectory(t, plain, directoryFixture)
	late := *es["Snack Le Cagou"]
	late.ID, late.RIDET, late.Name, late.Description = 0, "3999997001", "Vannerie Wayenece", "Paniers tressés."
	hook := &registerAfterWords{do: func() {
		if err := plain.InsertEnterprises(ctx, []*model.Enterprise{&late}); err != nil {
			t.Error(err)
		}
	}}
	st := store.New(db.WithQueryHook(hook))
	q := model.EnterpriseQuery{Search: "wayenesse"}
	if first := searchAnswer(t, st, ctx, q); strings.Contains(first, "Wayenece") {
		t.Fatalf("first search, its words expanded before the registration: %s", first)
	}
	if again := searchAnswer(t, st, ctx, q); !strings.Contains(again, "Vannerie Wayenece") {
		t.Errorf("same search after the registration: %s, want Vannerie Wayenece", again)
	}
}
