package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// directoryBusiness is a business of the directory tests.
type directoryBusiness struct {
	name, trade, ape, sector, commune string
	form                              model.LegalForm
	headcount                         int
	description                       string
	keywords                          []string
	listed                            bool
}

// seedDirectory registers the businesses and returns them by name.
func seedDirectory(t *testing.T, st *store.Store, bs []directoryBusiness) map[string]*model.Enterprise {
	t.Helper()
	es := make([]*model.Enterprise, len(bs))
	for i, b := range bs {
		es[i] = &model.Enterprise{
			RIDET: model.RIDET(fmt.Sprintf("%07d001", 3000000+i)), Name: b.name, TradeName: b.trade, LegalForm: b.form,
			APECode: b.ape, SectorCode: b.sector, CommuneCode: b.commune, Headcount: b.headcount,
			Status: model.EnterpriseActive, RegisteredAt: time.Date(2025, 5, 5, 0, 0, i, 0, time.UTC),
			Description: b.description, Keywords: b.keywords, ListedInDirectory: b.listed,
			ContactEmail: fmt.Sprintf("contact%d@pro.nc", i),
		}
		if es[i].LegalForm == "" {
			es[i].LegalForm = model.LegalFormSARL
		}
	}
	if err := st.InsertEnterprises(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	out := map[string]*model.Enterprise{}
	for _, e := range es {
		out[e.Name] = e
	}
	return out
}

// directoryFixture is a small directory with the words people type in mind.
var directoryFixture = []directoryBusiness{
	{name: "Électricité Générale du Sud", ape: "4321A", sector: "BTP", commune: "98818", form: model.LegalFormPatente, headcount: 0,
		description: "Installations électriques, dépannage et mise aux normes.", keywords: []string{"électricien", "dépannage"}, listed: true},
	{name: "Menuiserie Tiaou", ape: "4332A", sector: "BTP", commune: "98818", headcount: 3,
		description: "Portes, fenêtres et terrasses en bois.", keywords: []string{"bois", "terrasse"}, listed: true},
	{name: "Kaori Bois SARL", trade: "Menuiserie du Kaori", ape: "4332A", sector: "BTP", commune: "98821", headcount: 5,
		description: "Fabrication et pose sur mesure.", keywords: []string{"deck"}, listed: true},
	{name: "Plomberie Dumbéa", ape: "4322A", sector: "BTP", commune: "98805", headcount: 2,
		description: "Recherche de fuites et chauffe-eau solaires.", keywords: []string{"plombier", "sanitaire"}, listed: true},
	{name: "SARL Wamytan", ape: "4322A", sector: "BTP", commune: "98818", headcount: 12,
		description: "Réseaux d'eau et de gaz.", listed: true},
	{name: "Snack Le Cagou", ape: "5610C", sector: "ALIMENTATION", commune: "98818", form: model.LegalFormPatente,
		description: "Bougna, sandwichs et plats à emporter.", keywords: []string{"restauration"}, listed: true},
	{name: "Atelier Caché", ape: "4321A", sector: "BTP", commune: "98818", form: model.LegalFormPatente,
		description: "Électricité, non listé.", keywords: []string{"électricité"}, listed: false},
	{name: "Conseil Informatique Païta", ape: "6202A", sector: "NUMERIQUE", commune: "98821", form: model.LegalFormSASU, headcount: 1,
		description: "Logiciels et réseaux pour les TPE.", listed: true},
}

func search(t *testing.T, st *store.Store, q model.EnterpriseQuery, page model.Page) *model.EnterpriseConnection {
	t.Helper()
	if page.Limit == 0 {
		page.Limit = 100
	}
	if err := q.Validate(); err != nil {
		t.Fatalf("query %+v: %v", q, err)
	}
	conn, err := st.ListEnterprises(context.Background(), q, page)
	if err != nil {
		t.Fatalf("search %q: %v", q.Search, err)
	}
	return conn
}

func names(conn *model.EnterpriseConnection) []string {
	var out []string
	for _, e := range conn.Nodes() {
		out = append(out, e.Name)
	}
	return out
}

func TestDirectorySearchRelevance(t *testing.T) {
	st := newStore(t)
	seedDirectory(t, st, directoryFixture)
	tests := []struct {
		name, search string
		first        string   // expected first result ("" when only membership is checked)
		want         []string // each must be on the first page
		not          []string // none may be
	}{
		{"accents do not matter", "electricite", "Électricité Générale du Sud", nil, []string{"Atelier Caché"}},
		{"case and accents in the query do not matter", "ÉLECTRICITÉ", "Électricité Générale du Sud", nil, nil},
		{"an inflection finds the trade", "menuisier", "", []string{"Menuiserie Tiaou", "Kaori Bois SARL"}, []string{"Plomberie Dumbéa"}},
		{"a plural finds the singular", "terrasses", "Menuiserie Tiaou", nil, nil},
		{"a typo in a trade is tolerated", "plombrie", "Plomberie Dumbéa", nil, []string{"Menuiserie Tiaou"}},
		{"a typo in a commune is tolerated", "Nouma", "", []string{"Électricité Générale du Sud", "Menuiserie Tiaou", "Snack Le Cagou"}, []string{"Plomberie Dumbéa"}},
		{"several words narrow the result", "menuiserie paita", "Kaori Bois SARL", nil, []string{"Menuiserie Tiaou", "Conseil Informatique Païta"}},
		{"the trade name is searched", "kaori", "Kaori Bois SARL", nil, nil},
		{"the APE label is searched", "travaux installation eau gaz", "", []string{"Plomberie Dumbéa", "SARL Wamytan"}, []string{"Menuiserie Tiaou"}},
		{"keywords are searched", "sanitaire", "Plomberie Dumbéa", nil, nil},
		{"stop words are ignored", "plats à emporter", "Snack Le Cagou", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := names(search(t, st, model.EnterpriseQuery{Search: tt.search}, model.Page{Limit: 20}))
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("search %q = %v, want %q first", tt.search, got, tt.first)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("search %q = %v, want %q in it", tt.search, got, w)
				}
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Errorf("search %q = %v, want no %q", tt.search, got, n)
				}
			}
		})
	}
}

func TestDirectoryFacetsMatchFilteredCounts(t *testing.T) {
	st := newStore(t)
	seedDirectory(t, st, directoryFixture)
	ctx := context.Background()
	for _, viewer := range []model.Actor{{}, admin} {
		for _, s := range []string{"", "bois", "nouméa", "plombrie"} {
			q := model.EnterpriseQuery{Search: s, Viewer: viewer}
			total, f := counts(t, st, q)
			check := func(kind, value string, n int, narrow func(*model.EnterpriseQuery)) {
				nq := q
				narrow(&nq)
				want, err := st.CountEnterprises(ctx, nq)
				if err != nil {
					t.Fatal(err)
				}
				if n != want {
					t.Errorf("viewer %q, search %q: facet %s %s = %d, want totalCount with that filter = %d", viewer.Role, s, kind, value, n, want)
				}
			}
			sum := 0
			for _, sf := range f.Sectors {
				sum += sf.Count
				check("sector", sf.SectorCode, sf.Count, func(q *model.EnterpriseQuery) { q.SectorCodes = []string{sf.SectorCode} })
			}
			for _, cf := range f.Communes {
				check("commune", cf.CommuneCode, cf.Count, func(q *model.EnterpriseQuery) { q.CommuneCodes = []string{cf.CommuneCode} })
			}
			for _, lf := range f.LegalForms {
				check("legal form", string(lf.LegalForm), lf.Count, func(q *model.EnterpriseQuery) { q.LegalForms = []model.LegalForm{lf.LegalForm} })
			}
			if sum != total {
				t.Errorf("viewer %q, search %q: sector facets sum to %d, want totalCount %d", viewer.Role, s, sum, total)
			}
		}
	}
}

// counts returns the total and the facets of q, each from its own statement.
func counts(t *testing.T, st *store.Store, q model.EnterpriseQuery) (int, *model.EnterpriseFacets) {
	t.Helper()
	total, err := st.CountEnterprises(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	f, err := st.EnterpriseFacets(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return total, f
}

func TestDirectoryPaginationOverTies(t *testing.T) {
	st := newStore(t)
	var bs []directoryBusiness
	for i := range 23 {
		// Same name, same words: equal relevance and equal names.
		bs = append(bs, directoryBusiness{name: "Plomberie Dupont", ape: "4322A", sector: "BTP", commune: "98818",
			description: fmt.Sprintf("Plombier n°%d", i%2), listed: true})
	}
	seedDirectory(t, st, bs)
	for _, order := range []model.EnterpriseOrder{model.EnterpriseOrderRelevance, model.EnterpriseOrderName, model.EnterpriseOrderRegisteredAt} {
		for _, backward := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s backward=%v", order, backward), func(t *testing.T) {
				q := model.EnterpriseQuery{Search: "plomberie", Order: order}
				seen := map[int64]bool{}
				page := model.Page{Limit: 4, Backward: backward}
				for range 20 {
					conn := search(t, st, q, page)
					for _, e := range conn.Nodes() {
						if seen[e.ID] {
							t.Fatalf("business %d repeated", e.ID)
						}
						seen[e.ID] = true
					}
					if backward {
						if !conn.PageInfo.HasPreviousPage {
							break
						}
						c := decode(t, *conn.PageInfo.StartCursor())
						page.Before = &c
					} else {
						if !conn.PageInfo.HasNextPage {
							break
						}
						c := decode(t, *conn.PageInfo.EndCursor())
						page.After = &c
					}
				}
				if len(seen) != len(bs) {
					t.Errorf("pages saw %d businesses, want %d", len(seen), len(bs))
				}
			})
		}
	}
}

// decode parses a cursor the way the API does.
func decode(t *testing.T, cursor string) model.Cursor {
	t.Helper()
	for _, o := range []model.EnterpriseOrder{model.EnterpriseOrderRelevance, model.EnterpriseOrderName, model.EnterpriseOrderRegisteredAt} {
		if p, err := model.ParsePage(model.PageArgs{After: &cursor}, store.EnterpriseCursorOrder(o)); err == nil {
			return *p.After
		}
	}
	t.Fatalf("cursor %q does not parse", cursor)
	return model.Cursor{}
}

func TestDirectoryVisibilityAndFilters(t *testing.T) {
	st := newStore(t)
	es := seedDirectory(t, st, directoryFixture)
	owner := model.Actor{Role: model.RoleEnterprise, EnterpriseID: es["Atelier Caché"].ID}
	small, yes := true, true
	two := 2
	tests := []struct {
		name string
		q    model.EnterpriseQuery
		want []string
	}{
		{"anonymous callers do not see unlisted businesses", model.EnterpriseQuery{Search: "électricité"}, []string{"Électricité Générale du Sud"}},
		{"CHAMBER callers do not see them either", model.EnterpriseQuery{Search: "électricité", Viewer: model.Actor{Role: model.RoleChamber}}, []string{"Électricité Générale du Sud"}},
		{"a business sees its own unlisted record", model.EnterpriseQuery{Search: "électricité", Viewer: owner}, []string{"Atelier Caché", "Électricité Générale du Sud"}},
		{"staff see every business", model.EnterpriseQuery{Search: "électricité", Viewer: admin}, []string{"Atelier Caché", "Électricité Générale du Sud"}},
		{"headcount range", model.EnterpriseQuery{HeadcountMin: &two, HeadcountMax: &two}, []string{"Plomberie Dumbéa"}},
		{"APE prefix and small businesses", model.EnterpriseQuery{APECodePrefix: "4322", Small: &small}, []string{"Plomberie Dumbéa"}},
		{"eligible (staff)", model.EnterpriseQuery{Eligible: &yes, SectorCodes: []string{"BTP"}, Viewer: admin}, []string{"Atelier Caché", "Plomberie Dumbéa", "Électricité Générale du Sud"}},
		{"name contains, accents ignored", model.EnterpriseQuery{NameContains: "electricite"}, []string{"Électricité Générale du Sud"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := names(search(t, st, tt.q, model.Page{}))
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%+v = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
	q := model.EnterpriseQuery{Eligible: &yes}
	if err := q.Validate(); model.ErrorCodeOf(err) != model.CodeForbidden {
		t.Errorf("eligible filter for an anonymous caller: %v, want FORBIDDEN", err)
	}
}

func TestSupplierSuggestions(t *testing.T) {
	st := newStore(t)
	es := seedDirectory(t, st, []directoryBusiness{
		{name: "Menuiserie Païta", ape: "4332A", sector: "BTP", commune: "98821", description: "Menuisier, terrasses en bois.", keywords: []string{"menuiserie"}, listed: true},
		{name: "Plomberie Nouméa", ape: "4322A", sector: "BTP", commune: "98818", description: "Plombier.", keywords: []string{"plomberie"}, listed: true},
		{name: "Menuiserie Nouméa", ape: "4332A", sector: "BTP", commune: "98818", description: "Menuisier, portes et fenêtres.", keywords: []string{"menuiserie"}, listed: true},
		{name: "Menuiserie Bourail", ape: "4332A", sector: "BTP", commune: "98803", description: "Menuisier.", listed: true},
		{name: "Menuiserie cachée", ape: "4332A", sector: "BTP", commune: "98818", description: "Menuisier.", listed: false},
	})
	need := model.Need{SectorCodes: []string{"BTP"}, APECodes: []string{"4332"}, CommuneCode: "98818", Keywords: []string{"menuiserie", "terrasse"}}
	if err := need.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	viewer := model.Actor{Role: model.RoleChamber}
	var first []string
	for run := range 3 {
		cands, err := st.SupplierCandidates(ctx, viewer, need)
		if err != nil {
			t.Fatal(err)
		}
		got := model.Suggest(need, cands, 10)
		var order []string
		for _, s := range got {
			order = append(order, s.Enterprise.Name)
			if len(s.Reasons) == 0 {
				t.Errorf("%s has no reasons", s.Enterprise.Name)
			}
		}
		if run == 0 {
			first = order
			t.Logf("suggestions: %v", order)
			for _, s := range got {
				for _, r := range s.Reasons {
					t.Logf("  %s %d: %s %d %s", s.Enterprise.Name, s.Score, r.Kind, r.Points, r.Detail)
				}
			}
		} else if !slices.Equal(order, first) {
			t.Errorf("run %d order %v, want the same as run 0: %v", run, order, first)
		}
	}
	pos := func(name string) int { return slices.Index(first, name) }
	if !(pos("Menuiserie Nouméa") == 0 && pos("Menuiserie Païta") == 1 && pos("Plomberie Nouméa") > pos("Menuiserie Païta")) {
		t.Errorf("order %v: want the Nouméa carpenter, then the Païta carpenter, above the Nouméa plumber", first)
	}
	if pos("Menuiserie cachée") >= 0 {
		t.Errorf("an unlisted business was suggested to a chamber: %v", first)
	}
	_ = es
}

func TestOneOpenContactRequestPerPairUnderConcurrency(t *testing.T) {
	st := newStore(t)
	es := seedDirectory(t, st, directoryFixture[:2])
	a, b := es[directoryFixture[0].name], es[directoryFixture[1].name]
	ctx := context.Background()
	const senders = 8
	results := make(chan error, senders)
	for i := range senders {
		from, to := a, b
		if i%2 == 1 {
			from, to = b, a
		}
		go func() {
			op := model.Op{Actor: model.Actor{Role: model.RoleEnterprise, EnterpriseID: from.ID}}
			out, err := st.SendContactRequest(ctx, op, "", to.ID, "Bonjour")
			if err == nil && out.Err != nil {
				err = out.Err
			}
			results <- err
		}()
	}
	sent, conflicts := 0, 0
	for range senders {
		switch err := <-results; model.ErrorCodeOf(err) {
		case "":
			if err != nil {
				t.Fatal(err)
			}
			sent++
		case model.CodeConflict:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if sent != 1 || conflicts != senders-1 {
		t.Errorf("%d requests sent and %d conflicts, want 1 and %d", sent, conflicts, senders-1)
	}
}

// A search's page, totalCount and facets counted in one statement (SearchEnterprises with counts, as a GraphQL
// search asking for them) are those of the separate statements, for every viewer, search, order, page (the empty
// page after the last one included) and choice of counts.
func TestDirectorySearchWithCountsMatchesSeparateStatements(t *testing.T) {
	st := newStore(t)
	es := seedDirectory(t, st, directoryFixture)
	ctx := context.Background()
	owner := model.Actor{Role: model.RoleEnterprise, EnterpriseID: es["Atelier Caché"].ID}
	for _, viewer := range []model.Actor{{}, owner, admin} {
		for _, s := range []string{"", "bois", "électricité", "plombrie", "de la", "introuvable"} {
			for _, order := range []model.EnterpriseOrder{"", model.EnterpriseOrderName, model.EnterpriseOrderRegisteredAt} {
				q := model.EnterpriseQuery{Search: s, Viewer: viewer, Order: order}
				wantTotal, wantFacets := counts(t, st, q)
				page := model.Page{Limit: 2}
				for n := 0; ; n++ {
					want := search(t, st, q, page)
					for _, c := range []store.SearchCounts{{Total: true}, {Facets: true}, {Total: true, Facets: true}} {
						got, err := st.SearchEnterprises(ctx, q, page, c)
						if err != nil {
							t.Fatal(err)
						}
						total, _ := got.TotalCount(ctx)
						facets := wantFacets
						if !c.Facets {
							facets = nil
						}
						if !slices.Equal(names(got.EnterpriseConnection), names(want)) || got.PageInfo.HasNextPage != want.PageInfo.HasNextPage ||
							total != wantTotal || !reflect.DeepEqual(got.Facets, facets) {
							t.Fatalf("viewer %q, search %q, order %q, page %d, %+v: %v (more: %v), total %d, facets %s; want %v (more: %v), total %d, facets %s",
								viewer.Role, s, order, n, c, names(got.EnterpriseConnection), got.PageInfo.HasNextPage, total, facetsString(got.Facets),
								names(want), want.PageInfo.HasNextPage, wantTotal, facetsString(facets))
						}
					}
					if len(want.Edges) == 0 {
						break
					}
					c := decode(t, *want.PageInfo.EndCursor())
					page.After = &c
				}
			}
		}
	}
}

func facetsString(f *model.EnterpriseFacets) string {
	if f == nil {
		return "nil"
	}
	var b strings.Builder
	for _, s := range f.Sectors {
		fmt.Fprintf(&b, "%s:%d ", s.SectorCode, s.Count)
	}
	for _, c := range f.Communes {
		fmt.Fprintf(&b, "%s:%d ", c.CommuneCode, c.Count)
	}
	for _, l := range f.LegalForms {
		fmt.Fprintf(&b, "%s:%d ", l.LegalForm, l.Count)
	}
	return b.String()
}

// Typo tolerance knows the words of businesses registered or renamed after the others: the search lexicon
// follows the enterprises table.
func TestDirectoryTypoToleranceKnowsNewWords(t *testing.T) {
	st := newStore(t)
	es := seedDirectory(t, st, directoryFixture)
	ctx := context.Background()
	find := func(s string) []string { return names(search(t, st, model.EnterpriseQuery{Search: s}, model.Page{})) }
	if got := find("wayenesse"); len(got) != 0 {
		t.Fatalf("wayenesse before any business is called so: %v", got)
	}
	late := *es["Snack Le Cagou"]
	late.ID, late.RIDET, late.Name, late.Description = 0, "3999999001", "Vannerie Wayenece", "Paniers tressés."
	if err := st.InsertEnterprises(ctx, []*model.Enterprise{&late}); err != nil {
		t.Fatal(err)
	}
	if got := find("wayenesse"); !slices.Equal(got, []string{"Vannerie Wayenece"}) {
		t.Errorf("typo of a registered business's name: %v, want [Vannerie Wayenece]", got)
	}
	if got := find("hnatalo"); len(got) != 0 {
		t.Fatalf("hnatalo before the renaming: %v", got)
	}
	if _, err := st.DB().NewUpdate().Table("enterprises").Set("name = ?", "SARL Wamytan Hnathalo").
		Where("id = ?", es["SARL Wamytan"].ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find("hnatalo"); !slices.Equal(got, []string{"SARL Wamytan Hnathalo"}) {
		t.Errorf("typo of a renamed business's name: %v, want [SARL Wamytan Hnathalo]", got)
	}
}
