package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// sqlRecorder keeps the SQL text of the statements a store runs, for EXPLAIN.
type sqlRecorder struct {
	mu      sync.Mutex
	queries []string
}

func (r *sqlRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (r *sqlRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, e.Query)
}

func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// scaleTrades are the activities of the generated directory: a word people search, an APE code, a sector.
var scaleTrades = []struct{ word, ape, sector, desc string }{
	{"Menuiserie", "4332A", "BTP", "menuiserie bois et aluminium, terrasses, portes et fenêtres sur mesure"},
	{"Plomberie", "4322A", "BTP", "plomberie sanitaire, chauffe-eau solaires, recherche de fuites"},
	{"Électricité", "4321A", "BTP", "installations électriques, dépannage, mise aux normes"},
	{"Climatisation", "4322B", "BTP", "climatisation, froid commercial et entretien"},
	{"Maçonnerie", "4399C", "BTP", "maçonnerie générale, gros œuvre et rénovation"},
	{"Peinture", "4334Z", "BTP", "peinture intérieure et extérieure, vitrerie"},
	{"Nettoyage", "8121Z", "SERVICES", "nettoyage de bureaux et de locaux professionnels"},
	{"Jardins", "8130Z", "SERVICES", "entretien d'espaces verts, élagage et aménagement paysager"},
	{"Comptabilité", "6920Z", "SERVICES", "tenue de comptabilité, déclarations et conseil aux TPE"},
	{"Coiffure", "9602A", "SERVICES", "salon de coiffure mixte"},
	{"Taxi", "4932Z", "SERVICES", "transport de personnes, aéroport et navettes"},
	{"Garage", "4520A", "SERVICES", "mécanique automobile, entretien et réparation"},
	{"Boulangerie", "1071C", "ALIMENTATION", "pain, viennoiseries et pâtisseries"},
	{"Snack", "5610C", "ALIMENTATION", "restauration rapide, bougna et plats à emporter"},
	{"Informatique", "6202A", "NUMERIQUE", "conseil en systèmes informatiques et logiciels"},
	{"Développement web", "6201Z", "NUMERIQUE", "sites internet et applications"},
	{"Pêche", "0311Z", "AGRICULTURE_PECHE", "pêche en mer, poissons frais"},
	{"Maraîchage", "0113Z", "AGRICULTURE_PECHE", "légumes de saison et fruits locaux"},
	{"Épicerie", "4711B", "COMMERCE", "alimentation générale et produits locaux"},
	{"Quincaillerie", "4752A", "COMMERCE", "quincaillerie, outillage et peintures"},
	{"Imprimerie", "1812Z", "PRODUCTION_FABRICATION", "impression de documents et signalétique"},
	{"Gîte", "5520Z", "TOURISME", "hébergement touristique en tribu"},
	{"Infirmier", "8690D", "SANTE", "soins infirmiers à domicile"},
}

var scaleSurnames = []string{"Wamytan", "Tjibaou", "Dupont", "Nguyen", "Martin", "Gope", "Kasarhérou", "Lebrun", "Tein",
	"Bernard", "Ounou", "Wema", "Taputu", "Vanmai", "Cortot", "Leroux", "Poigoune", "Sako", "Tuia", "Boéné"}

// generateDirectory registers n businesses with a realistic spread: 78 % in Nouméa, the rest in the other
// communes; a third of them not listed in the directory.
func generateDirectory(t *testing.T, st *store.Store, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(26, 2025))
	communes := []string{"98805", "98821", "98817", "98832", "98809", "98829", "98802", "98813", "98828", "98806", "98816", "98803", "98827"}
	forms := []model.LegalForm{model.LegalFormPatente, model.LegalFormPatente, model.LegalFormSARL, model.LegalFormEURL, model.LegalFormSAS, model.LegalFormSASU}
	const batch = 5000
	for start := 0; start < n; start += batch {
		var es []*model.Enterprise
		for i := start; i < min(n, start+batch); i++ {
			tr := scaleTrades[r.IntN(len(scaleTrades))]
			commune := "98818"
			if r.IntN(100) >= 78 {
				commune = communes[r.IntN(len(communes))]
			}
			name := fmt.Sprintf("%s %s", tr.word, scaleSurnames[r.IntN(len(scaleSurnames))])
			if r.IntN(3) == 0 {
				name = fmt.Sprintf("%s %s %d", scaleSurnames[r.IntN(len(scaleSurnames))], tr.word, i)
			}
			es = append(es, &model.Enterprise{
				RIDET: model.RIDET(fmt.Sprintf("%07d001", 1000000+i)), Name: name, LegalForm: forms[r.IntN(len(forms))],
				APECode: tr.ape, SectorCode: tr.sector, CommuneCode: commune, Headcount: r.IntN(15),
				Status: model.EnterpriseActive, RegisteredAt: time.Date(2025, 4, 15, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
				Description: "Depuis " + fmt.Sprint(1990+r.IntN(35)) + " : " + tr.desc + ".", Keywords: strings.Fields(strings.ToLower(tr.word)),
				ListedInDirectory: r.IntN(3) > 0, ContactEmail: fmt.Sprintf("contact%d@pro.nc", i),
			})
		}
		if err := st.InsertEnterprises(context.Background(), es); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDirectorySearchAtScale measures a two-word directory search with filters and facets on 50,000 businesses:
// the median time of the three statements a GraphQL search with totalCount and facets runs, and their EXPLAIN
// ANALYZE plans (written to the file named by SUDPRO_EXPLAIN_OUT, if set). It takes about a minute, so it runs
// only with SUDPRO_SCALE_TEST=1:
//
//	SUDPRO_SCALE_TEST=1 go test ./store -run TestDirectorySearchAtScale -v
func TestDirectorySearchAtScale(t *testing.T) {
	if os.Getenv("SUDPRO_SCALE_TEST") == "" {
		t.Skip("set SUDPRO_SCALE_TEST=1 to generate 50,000 businesses and measure the directory search")
	}
	ctx := context.Background()
	rec := &sqlRecorder{}
	db := dbtest.New(t).WithQueryHook(rec)
	st := store.New(db)
	start := time.Now()
	generateDirectory(t, st, 50_000)
	if _, err := db.ExecContext(ctx, "ANALYZE enterprises"); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated 50,000 businesses in %v", time.Since(start).Round(time.Millisecond))

	small := true
	q := model.EnterpriseQuery{Search: "menuiserie bois", CommuneCodes: []string{"98818", "98821"}, Small: &small}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	search := func() (int, time.Duration) {
		t0 := time.Now()
		conn, err := st.ListEnterprises(ctx, q, model.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		total, err := conn.TotalCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.EnterpriseFacets(ctx, q); err != nil {
			t.Fatal(err)
		}
		return total, time.Since(t0)
	}
	rec.take()
	total, _ := search() // warm the cache
	statements := rec.take()
	var times []time.Duration
	for range 9 {
		_, d := search()
		times = append(times, d)
	}
	slices.Sort(times)
	t.Logf("search %q in communes %v, small businesses, first 20 + totalCount + facets: %d matches; median %v (min %v, max %v) over %d runs",
		q.Search, q.CommuneCodes, total, times[len(times)/2].Round(10*time.Microsecond), times[0].Round(10*time.Microsecond),
		times[len(times)-1].Round(10*time.Microsecond), len(times))

	var report strings.Builder
	for i, sql := range statements {
		var plan []string
		for range 5 { // the last plan, warm
			plan = plan[:0]
			rows, err := db.DB.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql)
			if err != nil {
				t.Fatalf("explain %s: %v", sql, err)
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			_ = rows.Close()
		}
		fmt.Fprintf(&report, "-- statement %d\n%s\n\n%s\n\n", i+1, sql, strings.Join(plan, "\n"))
		t.Logf("statement %d: %s", i+1, plan[len(plan)-1])
	}
	if out := os.Getenv("SUDPRO_EXPLAIN_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
