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

// recordedStore is a store over a fresh test database whose statements rec records.
func recordedStore(t *testing.T) (st *store.Store, rec *sqlRecorder) {
	t.Helper()
	rec = &sqlRecorder{}
	return store.New(dbtest.New(t).WithQueryHook(rec)), rec
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

// searchRequest runs the statements of a GraphQL directory search asking for the first 20, totalCount and facets,
// and returns the total. It reads the businesses every time, as a search never seen does (the search cache would
// answer a repeated one with one small statement).
func searchRequest(t *testing.T, st *store.Store, q model.EnterpriseQuery) int {
	t.Helper()
	ctx := store.WithNoCache(context.Background())
	res, err := st.SearchEnterprises(ctx, q, model.Page{Limit: 20}, store.SearchCounts{Total: true, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	total, err := res.TotalCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Facets == nil {
		t.Fatal("no facets counted with the page")
	}
	return total
}

// TestDirectorySearchAtScale measures a two-word directory search with filters and facets on 50,000 businesses:
// the median time of the statements a GraphQL search with totalCount and facets runs, and their EXPLAIN
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
	// As autovacuum would: statistics, and the GIN indexes' pending lists merged (each search would read them in full).
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE enterprises"); err != nil {
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
		total := searchRequest(t, st, q)
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

// TestDirectorySearchOnScaleDatabase measures bench shape D (bench/queries/D.graphql, variables as
// bench/rush/shapes.go draws them) on an existing database, such as one seeded with `sudpro seed --profile
// nc-scale`: for each of the first searches the bench draws, the statements of a GraphQL request (a page of 20,
// totalCount and facets, as ADMIN), timed end to end and by PostgreSQL (EXPLAIN ANALYZE without per-node timing:
// planning + execution). It reads only; it runs with SUDPRO_SCALE_TEST=1 and SUDPRO_SCALE_DSN set:
//
//	SUDPRO_SCALE_TEST=1 SUDPRO_SCALE_DSN='postgres://postgres@/scale?host=/tmp&port=5499' \
//	  SUDPRO_EXPLAIN_OUT=/tmp/d-explain.txt go test ./store -run TestDirectorySearchOnScaleDatabase -v
func TestDirectorySearchOnScaleDatabase(t *testing.T) {
	dsn := os.Getenv("SUDPRO_SCALE_DSN")
	if os.Getenv("SUDPRO_SCALE_TEST") == "" || dsn == "" {
		t.Skip("set SUDPRO_SCALE_TEST=1 and SUDPRO_SCALE_DSN to measure shape D on a seeded database")
	}
	ctx := context.Background()
	db, err := store.Open(dsn, store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := &sqlRecorder{}
	st := store.New(db.WithQueryHook(rec))
	var searches []struct {
		Words   string `bun:"words"`
		Commune string `bun:"commune_code"`
	}
	const sample = 20
	if err := db.NewRaw(`SELECT keywords[1] || ' ' || keywords[2] AS words, commune_code FROM enterprises
		WHERE listed_in_directory AND status = 'ACTIVE' AND cardinality(keywords) >= 2 ORDER BY id LIMIT ?`, sample).Scan(ctx, &searches); err != nil {
		t.Fatal(err)
	}
	small := true
	queries := make([]model.EnterpriseQuery, len(searches))
	for i, s := range searches {
		queries[i] = model.EnterpriseQuery{Search: s.Words, CommuneCodes: []string{s.Commune}, Small: &small, Viewer: model.Actor{Role: model.RoleAdmin}}
		if err := queries[i].Validate(); err != nil {
			t.Fatal(err)
		}
	}
	request := func(q model.EnterpriseQuery) int { return searchRequest(t, st, q) }
	// The statements of each search, recorded once (warming the cache).
	statements := make([][]string, len(queries))
	totals := make([]int, len(queries))
	rec.take()
	for i, q := range queries {
		totals[i] = request(q)
		statements[i] = rec.take()
	}
	// Wall time per request: the median over 9 rounds of a round's mean; and the CPU time of the PostgreSQL
	// backend serving them (from /proc, when the server is on this machine), which waiting for a shared CPU does
	// not inflate.
	var backend int
	if err := db.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &backend); err != nil {
		t.Fatal(err)
	}
	cpu0, cpuErr := processCPU(backend)
	var rounds []time.Duration
	for range 9 {
		t0 := time.Now()
		for _, q := range queries {
			request(q)
		}
		rounds = append(rounds, time.Since(t0)/time.Duration(len(queries)))
	}
	slices.Sort(rounds)
	if cpu1, err := processCPU(backend); cpuErr == nil && err == nil {
		t.Logf("PostgreSQL backend CPU: %.2f ms per request (%d requests)", float64((cpu1-cpu0).Microseconds())/1000/float64(9*len(queries)), 9*len(queries))
		// The same for each statement of a request on its own, rerun from its recorded text.
		for j := range statements[0] {
			cpu0, _ := processCPU(backend)
			for range 9 {
				for i := range queries {
					if _, err := db.ExecContext(ctx, statements[i][j]); err != nil {
						t.Fatal(err)
					}
				}
			}
			cpu1, _ := processCPU(backend)
			t.Logf("  statement %d: %.2f ms", j+1, float64((cpu1-cpu0).Microseconds())/1000/float64(9*len(queries)))
		}
	}
	// PostgreSQL time per request: planning + execution of each statement, median of 9 per statement.
	server := func(sql string) (planning, execution float64) {
		var plans, execs []float64
		for range 9 {
			var lines []string
			if err := db.NewRaw("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) "+sql).Scan(ctx, &lines); err != nil {
				t.Fatalf("explain %s: %v", sql, err)
			}
			for _, l := range lines {
				var ms float64
				if _, err := fmt.Sscanf(l, "Planning Time: %f ms", &ms); err == nil {
					plans = append(plans, ms)
				} else if _, err := fmt.Sscanf(l, "Execution Time: %f ms", &ms); err == nil {
					execs = append(execs, ms)
				}
			}
		}
		slices.Sort(plans)
		slices.Sort(execs)
		return plans[len(plans)/2], execs[len(execs)/2]
	}
	var planning, execution float64
	var perStatement []string
	for i := range queries {
		var line strings.Builder
		fmt.Fprintf(&line, "%q in %v, %d matches:", queries[i].Search, queries[i].CommuneCodes, totals[i])
		for j, sql := range statements[i] {
			p, e := server(sql)
			planning, execution = planning+p, execution+e
			fmt.Fprintf(&line, " statement %d planning %.2f ms, execution %.2f ms;", j+1, p, e)
		}
		perStatement = append(perStatement, line.String())
	}
	n := float64(len(queries))
	t.Logf("shape D on %d searches (e.g. %q in %v: %d matches): %d statements per request; wall median %v (min %v, max %v); PostgreSQL planning %.2f ms + execution %.2f ms = %.2f ms per request",
		len(queries), queries[0].Search, queries[0].CommuneCodes, totals[0], len(statements[0]), rounds[len(rounds)/2].Round(10*time.Microsecond),
		rounds[0].Round(10*time.Microsecond), rounds[len(rounds)-1].Round(10*time.Microsecond), planning/n, execution/n, (planning+execution)/n)
	for _, s := range perStatement {
		t.Log(s)
	}
	if out := os.Getenv("SUDPRO_EXPLAIN_OUT"); out != "" {
		var report strings.Builder
		for _, sql := range slices.Concat(statements...) {
			var plan []string
			if err := db.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+sql).Scan(ctx, &plan); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&report, "-- %s\n\n%s\n\n", sql, strings.Join(plan, "\n"))
		}
		if err := os.WriteFile(out, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// processCPU is the user + system CPU time of a process of this machine, from /proc/<pid>/stat (in clock ticks of
// 10 ms, the USER_HZ of Linux on x86 and arm64).
func processCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (in parentheses, which may hold spaces): utime and stime are the 12th and 13th.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var utime, stime int64
	if _, err := fmt.Sscan(fields[11]+" "+fields[12], &utime, &stime); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
