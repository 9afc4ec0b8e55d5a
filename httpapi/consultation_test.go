package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sudpro/model"
	"sudpro/store"
)

const createConsultationMutation = `mutation($in: CreateConsultationInput!) { createConsultation(input: $in) {
	consultation { id reference status offerDeadline estimatedAmountHT } userErrors { field code message } } }`

const submitOfferMutation = `mutation($in: SubmitOfferInput!) { submitOffer(input: $in) {
	offer { id status amountHT amountTGC amountTTC result } userErrors { field code message } } }`

// consultationInput is a valid createConsultation input whose deadlines are d from now.
func consultationInput(ref string, d time.Duration) map[string]any {
	return consultationInputAt(ref, time.Now().Add(d))
}

// consultationInputAt is a valid createConsultation input with both deadlines at the given instant.
func consultationInputAt(ref string, at time.Time) map[string]any {
	deadline := at.Format(time.RFC3339Nano)
	return map[string]any{
		"reference": ref, "title": "Entretien des espaces verts", "buyerService": "DDDT", "type": "SERVICES",
		"estimatedAmountHT": 2_400_000, "sectors": []string{"BTP", "SERVICES"}, "apeCodes": []string{"8130Z"}, "commune": "98818",
		"questionDeadline": deadline, "offerDeadline": deadline,
		"documents": []map[string]any{{"name": "CCTP.pdf", "url": "https://www.province-sud.nc/cctp.pdf"}},
		"criteria":  []map[string]any{{"name": "Prix", "weight": 60}, {"name": "Valeur technique", "weight": 40}},
		"contact":   map[string]any{"name": "Sione Tuilagi", "email": "sione.tuilagi@province-sud.nc"},
	}
}

// publishConsultation creates and publishes a consultation as an agent, with both deadlines at the given
// instant, and returns its global ID.
func publishConsultation(t *testing.T, a *api, ref string, deadline time.Time) string {
	t.Helper()
	r := a.query(a.tokens["AGENT"], createConsultationMutation, map[string]any{"in": consultationInputAt(ref, deadline)})
	id, _ := get(r.mustData(t), "createConsultation", "consultation", "id").(string)
	if id == "" {
		t.Fatalf("createConsultation: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], `mutation($id: ID!) { publishConsultation(input: {id: $id}) { consultation { status } userErrors { code message } } }`,
		map[string]any{"id": id})
	if get(r.mustData(t), "publishConsultation", "consultation", "status") != "PUBLISHED" {
		t.Fatalf("publishConsultation: %s", r.Raw)
	}
	return id
}

func submitOffer(t *testing.T, a *api, token, consultation string, amount int, note string) string {
	t.Helper()
	r := a.query(token, submitOfferMutation, map[string]any{"in": map[string]any{"consultation": consultation,
		"terms": map[string]any{"amountHT": amount, "tgcRate": "NORMAL", "delayDays": 30, "technicalNote": note}}})
	id, _ := get(r.mustData(t), "submitOffer", "offer", "id").(string)
	if id == "" {
		t.Fatalf("submitOffer: %s", r.Raw)
	}
	return id
}

func TestCreateConsultationThroughTheAPI(t *testing.T) {
	a := newAPI(t)
	for _, tt := range []struct {
		amount    int
		wantField string
	}{{9_999_999, ""}, {10_000_000, "input.estimatedAmountHT"}} {
		in := consultationInput(fmt.Sprintf("PS-API-%d", tt.amount), time.Hour)
		in["estimatedAmountHT"] = tt.amount
		r := a.query(a.tokens["ADMIN"], createConsultationMutation, map[string]any{"in": in})
		data := r.mustData(t)
		field := get(data, "createConsultation", "userErrors", 0, "field")
		if tt.wantField == "" {
			deadline, _ := get(data, "createConsultation", "consultation", "offerDeadline").(string)
			if field != nil || get(data, "createConsultation", "consultation", "status") != "DRAFT" || !strings.HasSuffix(deadline, "+11:00") {
				t.Errorf("%d XPF: %s", tt.amount, r.Raw)
			}
			continue
		}
		if field != tt.wantField || get(data, "createConsultation", "userErrors", 0, "code") != "INVALID" || get(data, "createConsultation", "consultation") != nil {
			t.Errorf("%d XPF: userErrors = %v, want INVALID on %s (%s)", tt.amount, get(data, "createConsultation", "userErrors"), tt.wantField, r.Raw)
		}
	}
	// A business may not create a consultation.
	f := seedFixture(t, a.store, 1)
	r := a.query(a.token(model.RoleEnterprise, f.listed.RIDET), createConsultationMutation, map[string]any{"in": consultationInput("PS-API-BIZ", time.Hour)})
	if forbiddenAt(r.Errors, []any{"createConsultation"}) == nil {
		t.Errorf("a business created a consultation: %s", r.Raw)
	}
}

// Every query path, for every kind of caller, before the deadline, after it and after the award: nobody but the
// bidder learns anything of an offer before the deadline (AGENT and ADMIN included, the audit log included);
// after it staff see all; after the award the winner, amount and count are public.
func TestConsultationSealingByRole(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 2)
	deadline := time.Now().Add(1500 * time.Millisecond)
	consultation := publishConsultation(t, a, "PS-SEAL", deadline)
	bidderA, bidderB, outsider := f.listed, f.twins[0], f.twins[1]
	tokenA, tokenB := a.token(model.RoleEnterprise, bidderA.RIDET), a.token(model.RoleEnterprise, bidderB.RIDET)
	offerA := submitOffer(t, a, tokenA, consultation, 1_234_567, "NOTE-A-SECRET")
	offerB := submitOffer(t, a, tokenB, consultation, 7_654_321, "NOTE-B-SECRET")
	r := a.query(tokenB, `mutation($id: ID!) { reviseOffer(input: {id: $id, terms: {amountHT: 7654322, tgcRate: "NORMAL", delayDays: 20, technicalNote: "NOTE-B-SECRET"}}) {
		offer { amountHT revision } userErrors { code } } }`, map[string]any{"id": offerB})
	if get(r.mustData(t), "reviseOffer", "offer", "revision") != float64(2) {
		t.Fatalf("reviseOffer: %s", r.Raw)
	}
	secretsOf := map[string][]string{"A": {"1234567", "NOTE-A-SECRET", offerA}, "B": {"7654322", "7654321", "NOTE-B-SECRET", offerB}}
	callers := []struct {
		name, token, own string
		staff            bool
	}{
		{"anonymous", "", "", false}, {"CHAMBER", a.tokens["CHAMBER"], "", false},
		{"bidder A", tokenA, "A", false}, {"bidder B", tokenB, "B", false},
		{"a business without an offer", a.token(model.RoleEnterprise, outsider.RIDET), "", false},
		{"AGENT", a.tokens["AGENT"], "", true}, {"ADMIN", a.tokens["ADMIN"], "", true},
	}
	queries := map[string]string{
		"consultation.offers, offerCount, comparison": `query($c: ID!) { node(id: $c) { ... on Consultation { offerCount
			offers(first: 100) { totalCount nodes { id amountHT amountTTC technicalNote bidder { id } } } comparison { rank amountHT offer { id } } } } }`,
		"consultations list":                  `{ consultations(first: 100) { nodes { offerCount award { amountHT } offers { totalCount nodes { id amountHT } } } } }`,
		"node(id:) of each offer":             `query($a: ID!, $b: ID!) { a: node(id: $a) { id ... on Offer { amountHT technicalNote } } b: node(id: $b) { id ... on Offer { amountHT technicalNote } } }`,
		"nodes(ids:) of the offers":           `query($a: ID!, $b: ID!) { nodes(ids: [$a, $b]) { id ... on Offer { amountHT technicalNote consultation { offerCount } } } }`,
		"a business's matching consultations": `{ enterprises(first: 10) { nodes { matchingConsultations(first: 5) { nodes { offerCount offers(first: 5) { totalCount nodes { amountHT } } } } } } }`,
		"the audit log":                       `{ auditLog(first: 100) { nodes { operation input targetIds } } }`,
	}
	vars := map[string]any{"c": consultation, "a": offerA, "b": offerB}
	check := func(t *testing.T, phase string) {
		for _, c := range callers {
			for name, q := range queries {
				t.Run(c.name+" reading "+name, func(t *testing.T) {
					res := a.query(c.token, q, vars)
					if res.Status != 200 {
						t.Fatalf("status %d: %s", res.Status, res.Raw)
					}
					for _, e := range res.Errors {
						if e.Extensions["code"] != "FORBIDDEN" {
							t.Errorf("error %+v", e)
						}
					}
					for who, secrets := range secretsOf {
						// The audit log never has offer terms; offers are unsealed for staff after the deadline.
						mayKnow := who == c.own || (c.staff && phase != "before the deadline" && name != "the audit log")
						for _, s := range secrets {
							if s == offerA || s == offerB {
								if name == "the audit log" {
									continue // the audit log names the offers, never their terms
								}
							}
							if !mayKnow && strings.Contains(res.Raw, s) {
								t.Errorf("%s learns %q of bidder %s's offer: %s", c.name, s, who, res.Raw)
							}
						}
					}
					countKnown := c.staff && phase != "before the deadline" || phase == "after the award"
					if counted := strings.Contains(q, "offerCount") && !strings.Contains(q, "Offer {"); counted &&
						strings.Contains(res.Raw, `"offerCount":2`) != countKnown && !strings.Contains(name, "matching") {
						t.Errorf("%s: offer count known = %v in phase %s: %s", c.name, !countKnown, phase, res.Raw)
					}
				})
			}
		}
	}
	auditedOffers := func() int {
		r := a.query(a.tokens["ADMIN"], `{ a: auditLog(filter: {operation: "submitOffer"}) { totalCount nodes { id } }
			b: auditLog(filter: {operation: "reviseOffer"}) { totalCount } }`, nil)
		n := int(get(r.mustData(t), "a", "totalCount").(float64) + get(r.Data, "b", "totalCount").(float64))
		for _, e := range get(r.Data, "a", "nodes").([]any) {
			// node(id:) hides what the list hides.
			if node := a.query(a.tokens["ADMIN"], `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": get(e, "id")}); get(node.mustData(t), "node") == nil {
				t.Errorf("audit entry %v is listed but node(id:) hides it", get(e, "id"))
			}
		}
		return n
	}
	if n := auditedOffers(); n != 0 {
		t.Errorf("before the deadline, the audit log shows %d offer calls to ADMIN", n)
	}
	t.Run("before the deadline", func(t *testing.T) { check(t, "before the deadline") })
	time.Sleep(time.Until(deadline) + 100*time.Millisecond)
	t.Run("after the deadline", func(t *testing.T) { check(t, "after the deadline") })
	if n := auditedOffers(); n != 3 {
		t.Errorf("after the deadline, the audit log shows %d offer calls to ADMIN, want 3", n)
	}

	r = a.query(tokenA, `mutation($id: ID!) { withdrawOffer(input: {id: $id}) { offer { status } userErrors { code } } }`, map[string]any{"id": offerA})
	if get(r.mustData(t), "withdrawOffer", "userErrors", 0, "code") != "DEADLINE_PASSED" {
		t.Errorf("withdrawing after the deadline: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], `mutation($id: ID!) { markOffer(input: {id: $id, marks: [{criterion: "Prix", mark: 90}, {criterion: "Valeur technique", mark: 70}]}) {
		offer { marks { criterion mark } } userErrors { code message } } }`, map[string]any{"id": offerA})
	if len(get(r.mustData(t), "markOffer", "offer", "marks").([]any)) != 2 {
		t.Errorf("markOffer: %s", r.Raw)
	}
	r = a.query(a.tokens["AGENT"], `mutation($c: ID!, $o: ID!) { awardConsultation(input: {id: $c, offer: $o, justification: "Meilleure note."}) {
		consultation { status award { winnerName amountHT } } userErrors { code message } } }`, map[string]any{"c": consultation, "o": offerA})
	if get(r.mustData(t), "awardConsultation", "consultation", "status") != "AWARDED" {
		t.Fatalf("awardConsultation: %s", r.Raw)
	}
	secretsOf = map[string][]string{"B": {"7654322", "NOTE-B-SECRET"}} // the winning amount is public now
	t.Run("after the award", func(t *testing.T) { check(t, "after the award") })
	r = a.query("", `query($c: ID!) { node(id: $c) { ... on Consultation { status offerCount award { winnerName amountHT amountTTC winner { id } } } } }`, map[string]any{"c": consultation})
	if get(r.mustData(t), "node", "award", "amountHT") != float64(1_234_567) || get(r.Data, "node", "award", "winnerName") != bidderA.Name ||
		get(r.Data, "node", "offerCount") != float64(2) || get(r.Data, "node", "award", "winner", "id") != bidderA.NodeID() {
		t.Errorf("the award is not public: %s", r.Raw)
	}
	for token, want := range map[string]string{tokenA: "WON", tokenB: "LOST"} {
		r := a.query(token, `query($c: ID!) { node(id: $c) { ... on Consultation { offers { nodes { result } } } } }`, map[string]any{"c": consultation})
		if got := get(r.mustData(t), "node", "offers", "nodes", 0, "result"); got != want {
			t.Errorf("a bidder's own result = %v, want %s: %s", got, want, r.Raw)
		}
	}
}

// The statements of a page of consultations with every relation do not grow with the page size.
func TestConsultationStatementsDoNotGrowWithPageSize(t *testing.T) {
	a := newAPI(t)
	f := seedFixture(t, a.store, 3)
	deadline := time.Now().Add(4 * time.Second)
	for i := range 10 {
		id := publishConsultation(t, a, fmt.Sprintf("PS-N1-%02d", i), deadline)
		for j, b := range f.twins {
			submitOffer(t, a, a.token(model.RoleEnterprise, b.RIDET), id, 100_000*(j+1)+i, "note")
		}
		r := a.query(a.token(model.RoleEnterprise, f.listed.RIDET), `mutation($c: ID!) { askQuestion(input: {consultation: $c, question: "Visite ?"}) { question { id } userErrors { code } } }`,
			map[string]any{"c": id})
		if get(r.mustData(t), "askQuestion", "question", "id") == nil {
			t.Fatalf("askQuestion: %s", r.Raw)
		}
	}
	time.Sleep(time.Until(deadline) + 100*time.Millisecond)
	const q = `query($n: Int!) { consultations(first: $n) { nodes { reference status commune { name } sectors { code } offerCount
		award { winner { name } } questions { totalCount nodes { question answer } }
		offers { totalCount nodes { amountHT result bidder { name sector { code } } tgcRate { code } marks { mark } consultation { reference } } }
		comparison { rank score offer { id bidder { name } } } } } }`
	counts := map[int]int64{}
	for _, n := range []int{2, 10} {
		r := a.query(a.tokens["AGENT"], q, map[string]any{"n": n})
		nodes := get(r.mustData(t), "consultations", "nodes").([]any)
		if len(nodes) != n || get(nodes, n-1, "offers", "nodes", 2, "bidder", "name") == nil || get(nodes, n-1, "comparison", 2, "rank") != float64(3) {
			t.Fatalf("consultations(first: %d): %d nodes, %s", n, len(nodes), r.Raw[:min(600, len(r.Raw))])
		}
		counts[n] = r.Statements
	}
	if counts[2] <= 0 || counts[2] != counts[10] {
		t.Errorf("SQL statements: first 2 → %d, first 10 → %d; want equal and positive", counts[2], counts[10])
	}
	// A business's matching consultations, under a list of businesses.
	const m = `query($n: Int!) { enterprises(first: $n) { nodes { name matchingConsultations(first: 5) { totalCount nodes { reference commune { name } } } } } }`
	for _, n := range []int{2, 5} {
		r := a.query(a.tokens["AGENT"], m, map[string]any{"n": n})
		r.mustData(t)
		counts[n] = r.Statements
	}
	if counts[2] != counts[5] {
		t.Errorf("matchingConsultations: first 2 → %d statements, first 5 → %d", counts[2], counts[5])
	}
	t.Logf("a page of consultations with every relation: %d statements", counts[10])
}

const matrixOfferNote = "MATRIX-OFFER-NOTE"

// matrixConsultation records a consultation whose offer deadline passed an hour ago, with an offer of seller, and
// returns their global IDs.
func matrixConsultation(t *testing.T, a *api, seller *model.Enterprise) (string, string) {
	t.Helper()
	past := time.Now().Add(-time.Hour).UTC()
	published := past.Add(-7 * 24 * time.Hour)
	c := &model.Consultation{Reference: "MATRIX-C", Title: "Consultation de la matrice", BuyerService: "DDET",
		Type: model.ConsultationServices, EstimatedAmountHT: 1_000_000, SectorCodes: []string{"BTP"}, APECodes: []string{},
		CommuneCode: "98818", QuestionDeadline: past, OfferDeadline: past, Status: model.ConsultationPublished, PublishedAt: &published,
		Criteria: []model.EvaluationCriterion{{Name: "Prix", Weight: 100}}, Documents: []model.ConsultationDocument{}}
	o := &model.Offer{EnterpriseID: seller.ID, Status: model.OfferSubmitted, AmountHT: 900_000, TGCRateCode: "NORMAL",
		AmountTGC: 99_000, AmountTTC: 999_000, DelayDays: 30, TechnicalNote: matrixOfferNote, Documents: []model.ConsultationDocument{},
		Revision: 1, SubmittedAt: published, UpdatedAt: published}
	err := a.store.ImportConsultation(t.Context(), store.ConsultationHistory{Consultation: c, Offers: []*model.Offer{o},
		Marks: [][]model.OfferMark{{{Criterion: "Prix", Mark: 75, MarkedAt: past}}}, Awarded: -1})
	if err != nil {
		t.Fatalf("import the matrix consultation: %v", err)
	}
	return c.NodeID(), o.NodeID()
}
