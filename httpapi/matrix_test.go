package httpapi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"sudpro/model"
)

// The role × field matrix: every field of the schema carrying @auth, read by every kind of caller through the
// real HTTP handler. The rules come from the schema itself, so a new protected field is in the matrix as soon as
// it is in the schema (and the test fails until the matrix knows how to reach an object of its type).

// protectedField is a field of an object type of the schema with an @auth directive.
type protectedField struct {
	typeName   string
	def        *ast.FieldDefinition
	requires   []model.Role
	allowOwner bool
}

func (p protectedField) String() string { return p.typeName + "." + p.def.Name }

// loadSchema parses the schema files the server is generated from (the same globs as gqlgen.yml).
func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	paths, err := filepath.Glob("../schema/*.graphqls")
	if err != nil {
		t.Fatalf("list schema files: %v", err)
	}
	var sources []*ast.Source
	for _, path := range append([]string{"../schema.graphqls"}, paths...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read schema: %v", err)
		}
		sources = append(sources, &ast.Source{Name: filepath.Base(path), Input: string(src)})
	}
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	return s
}

// protectedFields lists the fields with @auth of every object type, the Query root included and the Mutation and
// Subscription roots excluded (subscriptions have their own matrix, over their transports: realtime_test.go), in a
// stable order.
func protectedFields(t *testing.T, s *ast.Schema) []protectedField {
	t.Helper()
	var names []string
	for name, def := range s.Types {
		if def.Kind != ast.Object || def.BuiltIn || (s.Mutation != nil && name == s.Mutation.Name) ||
			(s.Subscription != nil && name == s.Subscription.Name) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var out []protectedField
	for _, name := range names {
		for _, fd := range s.Types[name].Fields {
			d := fd.Directives.ForName("auth")
			if d == nil {
				continue
			}
			if d.Definition == nil {
				t.Fatalf("%s.%s: @auth has no definition in the schema", name, fd.Name)
			}
			args := d.ArgumentMap(nil)
			p := protectedField{typeName: name, def: fd}
			roles, ok := args["requires"].([]any)
			if !ok || len(roles) == 0 {
				t.Fatalf("%s: @auth without requires roles: %v", p, args)
			}
			for _, r := range roles {
				p.requires = append(p.requires, model.Role(fmt.Sprint(r)))
			}
			p.allowOwner, _ = args["allowOwner"].(bool)
			for _, arg := range fd.Arguments {
				if arg.Type.NonNull && arg.DefaultValue == nil && matrixArgs[p.String()] == "" {
					t.Fatalf("%s has a required argument %s: teach the matrix which value to pass", p, arg.Name)
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// selectionOf is a selection set of the leaf fields of a type (and of the nodes of a connection), so that an
// allowed read returns real data and a forbidden one would show any leak. Nested protected fields are left out:
// each is a row of its own in the matrix.
func selectionOf(s *ast.Schema, typ *ast.Type, nested bool) string {
	def := s.Types[typ.Name()]
	if def == nil || (def.Kind != ast.Object && def.Kind != ast.Interface) {
		return ""
	}
	parts := []string{"__typename"}
	for _, fd := range def.Fields {
		if strings.HasPrefix(fd.Name, "__") || fd.Directives.ForName("auth") != nil || hasRequiredArgs(fd) {
			continue
		}
		inner := s.Types[fd.Type.Name()]
		switch {
		case inner == nil:
		case inner.Kind == ast.Scalar || inner.Kind == ast.Enum:
			parts = append(parts, fd.Name)
		case fd.Name == "nodes" && !nested:
			parts = append(parts, fd.Name+" { "+selectionOf(s, fd.Type, true)+" }")
		}
	}
	return strings.Join(parts, " ")
}

func hasRequiredArgs(fd *ast.FieldDefinition) bool {
	for _, a := range fd.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// matrixArgs are the arguments the matrix passes to protected fields with required arguments; {consultation}
// stands for the world's consultation ID.
var matrixArgs = map[string]string{
	"Query.suggestSuppliers":                `(need: {sectors: ["BTP", "SERVICES", "COMMERCE", "NUMERIQUE"]})`,
	"Query.suggestSuppliersForConsultation": `(id: "{consultation}")`,
}

// fieldSelection selects a protected field with what is under it.
func fieldSelection(s *ast.Schema, p protectedField) string {
	name := p.def.Name + matrixArgs[p.String()]
	if sub := selectionOf(s, p.def.Type, false); sub != "" {
		return name + " { " + sub + " }"
	}
	return name
}

// business is one of the fixture's businesses, as the API shows it to an admin.
type business struct {
	label    string // seller, buyer, unlisted, other
	id       string
	ridet    string
	repName  string
	repEmail string
	listed   bool
	token    string
}

// matrixWorld is the data the matrix reads: the credit fixture's programme and open session; a seller (the listed
// business), a buyer, an unlisted business and another one trading with everyone; an invoice from the seller to
// the buyer confirmed with CréditSud (so it has ledger entries); a chamber API key; the audit log of all that.
type matrixWorld struct {
	a                                 *api
	seller, buyer, unlisted, other    *business
	all                               []*business
	invoiceID, programmeID, sessionID string
	consultationID, offerID           string // a consultation past its offer deadline and the seller's offer on it
	// secrets are strings of the fixture that only a caller allowed to read a protected field may ever receive.
	secrets []string
}

const matrixInvoiceNumber = "MATRIX-0001"

func newMatrixWorld(t *testing.T) *matrixWorld {
	t.Helper()
	a := newAPI(t)
	fx := newCreditFixture(t, a, 1_000_000)
	w := &matrixWorld{a: a, programmeID: fx.programmeID, sessionID: fx.sessionID}
	w.invoiceID = fx.issue(t, a, matrixInvoiceNumber)
	w.consultationID, w.offerID = matrixConsultation(t, a, fx.seller)
	r := a.query(fx.buyerToken, confirmMutation, map[string]any{"in": map[string]any{"id": w.invoiceID, "creditAmount": 12345}})
	if get(r.mustData(t), "confirmInvoice", "invoice", "status") != "CONFIRMED" {
		t.Fatalf("confirm the matrix invoice: %s", r.Raw)
	}
	r = a.query(a.tokens["ADMIN"], `mutation { createApiKey(input: {name: "CCI Matrice", scopes: [DIRECTORY]}) { apiKey { prefix } userErrors { code } } }`, nil)
	prefix, _ := get(r.mustData(t), "createApiKey", "apiKey", "prefix").(string)
	if prefix == "" {
		t.Fatalf("create an API key: %s", r.Raw)
	}
	r = a.query(a.tokens["ADMIN"], `{ enterprises(first: 100) { nodes { id ridet listedInDirectory representative { name email } } } }`, nil)
	for _, n := range get(r.mustData(t), "enterprises", "nodes").([]any) {
		b := &business{id: get(n, "id").(string), ridet: get(n, "ridet").(string), listed: get(n, "listedInDirectory") == true,
			repName: get(n, "representative", "name").(string), repEmail: get(n, "representative", "email").(string)}
		ridet, err := model.ParseRIDET(b.ridet)
		if err != nil {
			t.Fatalf("RIDET %q from the API: %v", b.ridet, err)
		}
		b.token = a.token(model.RoleEnterprise, ridet)
		switch {
		case b.ridet == fx.seller.RIDET.String():
			b.label, w.seller = "seller", b
		case b.ridet == fx.buyer.RIDET.String():
			b.label, w.buyer = "buyer", b
		case !b.listed:
			b.label, w.unlisted = "unlisted", b
		default:
			b.label, w.other = "other", b
		}
		w.all = append(w.all, b)
		w.secrets = append(w.secrets, b.repEmail, b.repName)
	}
	if w.seller == nil || w.buyer == nil || w.unlisted == nil || w.other == nil {
		t.Fatalf("fixture businesses: seller %v, buyer %v, unlisted %v, other %v", w.seller, w.buyer, w.unlisted, w.other)
	}
	w.secrets = append(w.secrets, matrixInvoiceNumber, matrixOfferNote, prefix, "CCI Matrice", "createProgramme", "grantAllocations", "RESERVATION", "ALLOCATION")
	return w
}

// client is the API bound to a subtest, so that a transport failure fails the subtest that saw it.
func (w *matrixWorld) client(t *testing.T) *api {
	c := *w.a
	c.t = t
	return &c
}

// reach says how to get an object of a type from the fixture: a query with SELECTION where the object's fields
// go, its variables, the path of the object in the response, the businesses owning it (for allowOwner) and who
// may see the object at all (row visibility, decided before any field rule).
type reach struct {
	name     string
	query    string
	vars     map[string]any
	path     []any
	owners   []*business
	others   []*business // business users not owning it
	visible  func(c matrixCaller) bool
	typeName string
	// listed: the object is the first row of a list, whose every row gets its own FORBIDDEN error.
	listed bool
}

func (r reach) build(selection string) string {
	return strings.Replace(r.query, "SELECTION", selection, 1)
}

// reachers is the explicit map from a type to the ways of reaching an object of that type. A type with a
// protected field must have an entry: add one when the schema protects a field of a new type.
func (w *matrixWorld) reachers() map[string][]reach {
	everyone := func(matrixCaller) bool { return true }
	staffOr := func(owners ...*business) func(matrixCaller) bool {
		return func(c matrixCaller) bool { return c.staff() || slices.Contains(owners, c.business) }
	}
	node := func(typeName, what, id string, owners, others []*business, visible func(matrixCaller) bool) reach {
		return reach{name: "node(id:) of " + what, typeName: typeName,
			query: `query($id: ID!) { node(id: $id) { __typename ... on ` + typeName + ` { SELECTION } } }`,
			vars:  map[string]any{"id": id}, path: []any{"node"}, owners: owners, others: others, visible: visible}
	}
	byRIDET := func(what string, b *business, others []*business, visible func(matrixCaller) bool) reach {
		return reach{name: "enterprise(ridet:) of " + what, typeName: "Enterprise",
			query: `query($ridet: String!) { enterprise(ridet: $ridet) { __typename SELECTION } }`,
			vars:  map[string]any{"ridet": b.ridet}, path: []any{"enterprise"}, owners: []*business{b}, others: others, visible: visible}
	}
	out := map[string][]reach{
		"Query": {{name: "the query root", typeName: "Query", query: `{ SELECTION }`, others: []*business{w.seller, w.other}, visible: everyone}},
		"Enterprise": {
			node("Enterprise", "the listed seller", w.seller.id, []*business{w.seller}, []*business{w.other}, everyone),
			byRIDET("the listed seller", w.seller, []*business{w.other}, everyone),
			node("Enterprise", "the unlisted business", w.unlisted.id, []*business{w.unlisted}, []*business{w.other}, staffOr(w.unlisted)),
			byRIDET("the unlisted business", w.unlisted, []*business{w.other}, staffOr(w.unlisted)),
		},
		"Invoice": {
			node("Invoice", "the seller's invoice to the buyer", w.invoiceID, []*business{w.seller, w.buyer}, []*business{w.other}, staffOr(w.seller, w.buyer)),
		},
		"Credit": {{name: "the seller's credit", typeName: "Credit",
			query: `query($ridet: String!) { enterprise(ridet: $ridet) { credit { SELECTION } } }`, vars: map[string]any{"ridet": w.seller.ridet},
			path: []any{"enterprise", "credit"}, owners: []*business{w.seller}, others: []*business{w.other}, visible: staffOr(w.seller)}},
		"Session":      {node("Session", "the open session", w.sessionID, nil, []*business{w.other}, everyone)},
		"Consultation": {node("Consultation", "a consultation past its offer deadline", w.consultationID, nil, []*business{w.other}, everyone)},
		"Offer":        {node("Offer", "the seller's offer, after the deadline", w.offerID, []*business{w.seller}, []*business{w.other}, staffOr(w.seller))},
		"Programme":    {node("Programme", "the programme", w.programmeID, nil, []*business{w.other}, everyone)},
	}
	for typeName, path := range dashboardFigures {
		out[typeName] = []reach{w.dashboardReach(typeName, path)}
	}
	return out
}

// dashboardFigures are the dashboard's figure types with a drill-down and where the dashboard has one (the
// fixture's confirmed invoice gives each list a first row).
var dashboardFigures = map[string][]any{
	"DashboardCount":                {"businesses", "registered"},
	"DashboardProgrammeBudget":      {"budget", 0},
	"DashboardSessionBudget":        {"budget", 0, "sessions", 0},
	"DashboardSectorAmount":         {"creditSudBySellerSector", 0},
	"DashboardCommuneAmount":        {"creditSudByBuyerCommune", 0},
	"DashboardInvoiceStatusCount":   {"invoicesByStatus", 0},
	"DashboardRejections":           {"rejectedInvoices"},
	"DashboardRejectionReasonCount": {"rejectedInvoices", "byReason", 0},
	"DashboardSmallBusinessShare":   {"smallBusinessShare"},
	"DashboardBusinessDone":         {"businessThroughPlatform"},
	"DashboardConsultations":        {"consultations"},
	"DashboardDay":                  {"daily", 0},
}

// dashboardReach reaches a dashboard figure: the dashboard is for staff and chambers, its drill-downs for staff.
func (w *matrixWorld) dashboardReach(typeName string, path []any) reach {
	query := "SELECTION"
	for i := len(path) - 1; i >= 0; i-- {
		if name, ok := path[i].(string); ok {
			query = name + " { " + query + " }"
		}
	}
	return reach{name: "the dashboard's " + fmt.Sprint(path...), typeName: typeName,
		query: "{ dashboard { __typename " + query + " } }", path: append([]any{"dashboard"}, path...),
		others: []*business{w.seller}, visible: func(c matrixCaller) bool { return c.staff() || c.role == model.RoleChamber },
		listed: slices.ContainsFunc(path, func(p any) bool { _, ok := p.(int); return ok })}
}

// matrixCaller is one kind of caller: anonymous, a role, or a business user.
type matrixCaller struct {
	name     string
	role     model.Role // "" when anonymous
	token    string
	business *business
}

func (c matrixCaller) staff() bool { return c.role == model.RoleAdmin || c.role == model.RoleAgent }

// callers are the callers of a reach: anonymous, CHAMBER, each owner, each business user not owning it, AGENT,
// ADMIN.
func (w *matrixWorld) callers(r reach) []matrixCaller {
	out := []matrixCaller{{name: "anonymous"}, {name: "CHAMBER", role: model.RoleChamber, token: w.a.tokens["CHAMBER"]}}
	for _, b := range r.owners {
		out = append(out, matrixCaller{name: "ENTERPRISE owner (" + b.label + ")", role: model.RoleEnterprise, token: b.token, business: b})
	}
	for _, b := range r.others {
		name := "ENTERPRISE non-owner (" + b.label + ")"
		if r.typeName == "Query" {
			name = "ENTERPRISE (" + b.label + ")"
		}
		out = append(out, matrixCaller{name: name, role: model.RoleEnterprise, token: b.token, business: b})
	}
	return append(out,
		matrixCaller{name: "AGENT", role: model.RoleAgent, token: w.a.tokens["AGENT"]},
		matrixCaller{name: "ADMIN", role: model.RoleAdmin, token: w.a.tokens["ADMIN"]})
}

// allowed is the rule of the @auth directive as the schema documents it.
func (p protectedField) allowed(r reach, c matrixCaller) bool {
	if c.role != "" && slices.Contains(p.requires, c.role) {
		return true
	}
	return p.allowOwner && c.role == model.RoleEnterprise && slices.Contains(r.owners, c.business)
}

// forbiddenAt returns the FORBIDDEN error whose path is exactly path, if any.
func forbiddenAt(errs []gqlError, path []any) *gqlError {
	for i, e := range errs {
		if e.Extensions["code"] == "FORBIDDEN" && fmt.Sprint(e.Path) == fmt.Sprint(path) {
			return &errs[i]
		}
	}
	return nil
}

func TestAuthMatrix(t *testing.T) {
	schema := loadSchema(t)
	fields := protectedFields(t, schema)
	if len(fields) == 0 {
		t.Fatal("no field of the schema carries @auth")
	}
	w := newMatrixWorld(t)
	reachers := w.reachers()

	// Every entry of the map reaches an object of its type (so the map does not rot).
	for typeName, rs := range reachers {
		for _, r := range rs {
			res := w.client(t).query(w.a.tokens["ADMIN"], r.build("__typename"), r.vars)
			if got := get(res.mustData(t), append(slices.Clone(r.path), "__typename")...); got != typeName {
				t.Errorf("reach %q of %s: __typename = %v (%s)", r.name, typeName, got, res.Raw)
			}
		}
	}

	cases := 0
	for _, p := range fields {
		rs, ok := reachers[p.typeName]
		if !ok || len(rs) == 0 {
			t.Errorf("%s is protected by @auth(requires: %v, allowOwner: %v) but the matrix cannot reach a %s: add an entry to reachers",
				p, p.requires, p.allowOwner, p.typeName)
			continue
		}
		sel := strings.ReplaceAll(fieldSelection(schema, p), "{consultation}", w.consultationID)
		t.Run(p.String(), func(t *testing.T) {
			for _, r := range rs {
				q := r.build(sel)
				fieldPath := append(slices.Clone(r.path), p.def.Name)
				t.Run("via "+r.name, func(t *testing.T) {
					for _, c := range w.callers(r) {
						allowed := p.allowed(r, c)
						visible := r.visible(c)
						verdict := "is forbidden"
						switch {
						case !visible:
							verdict = "is forbidden (object hidden)"
						case allowed:
							verdict = "is allowed"
						}
						cases++
						t.Run(fmt.Sprintf("%s as %s %s", p, c.name, verdict), func(t *testing.T) {
							res := w.client(t).query(c.token, q, r.vars)
							if res.Status != 200 {
								t.Fatalf("status %d: %s", res.Status, res.Raw)
							}
							for _, e := range res.Errors {
								if e.Extensions["code"] == "INTERNAL" {
									t.Errorf("internal error: %s", res.Raw)
								}
							}
							value := get(res.Data, fieldPath...)
							forbidden := forbiddenAt(res.Errors, fieldPath)
							switch {
							case !visible:
								// A caller who may not see the object does not get it at all: the field rule is never reached.
								if len(r.path) == 0 || get(res.Data, r.path...) != nil {
									t.Errorf("the object is visible to a caller who may not see it: %s", res.Raw)
								}
							case allowed:
								if forbidden != nil || len(res.Errors) > 0 {
									t.Errorf("allowed read has errors: %s", res.Raw)
								}
								if value == nil {
									t.Errorf("allowed read is null where the fixture has a value: %s", res.Raw)
								}
								if p.def.Name == "representative" && get(value, "email") != ownerOf(r).repEmail {
									t.Errorf("representative.email = %v, want %s", get(value, "email"), ownerOf(r).repEmail)
								}
							default:
								if value != nil {
									t.Errorf("forbidden field has a value: %s", res.Raw)
								}
								if forbidden == nil {
									t.Errorf("no FORBIDDEN error at %v: %s", fieldPath, res.Raw)
								}
								if len(res.Errors) != 1 && !(r.listed && forbiddenOnly(res.Errors, p.def.Name)) {
									t.Errorf("want exactly one error (FORBIDDEN at %v): %s", fieldPath, res.Raw)
								}
							}
							if !visible || !allowed {
								for _, s := range w.secrets {
									if strings.Contains(res.Raw, s) {
										t.Errorf("the response leaks %q: %s", s, res.Raw)
									}
								}
							}
						})
					}
				})
			}
		})
	}
	t.Logf("%d protected fields, %d cases (field × reach × caller)", len(fields), cases)
}

// forbiddenOnly reports whether every error is a FORBIDDEN error on a field named field (of a list's rows).
func forbiddenOnly(errs []gqlError, field string) bool {
	for _, e := range errs {
		if e.Extensions["code"] != "FORBIDDEN" || len(e.Path) == 0 || e.Path[len(e.Path)-1] != field {
			return false
		}
	}
	return true
}

// ownerOf is the business an Enterprise reach is about.
func ownerOf(r reach) *business {
	if len(r.owners) == 0 {
		return &business{}
	}
	return r.owners[0]
}

// A business user can never read another business's invoices or credit, whatever the path: node(id:), nodes(ids:),
// the invoices list and its filters, another business's fields, an invoice's counterparty, lists of businesses,
// the journal, or a mutation's payload.
func TestAuthMatrixNoPathAround(t *testing.T) {
	w := newMatrixWorld(t)
	me := w.other
	admin := w.a.tokens["ADMIN"]
	r := w.client(t).query(admin, `{ invoices(first: 100) { totalCount nodes { id status seller { id } buyer { id } } } }`, nil)
	data := r.mustData(t)
	var mine, foreign []string
	var foreignIssued, boughtByMe, soldByMe string
	for _, n := range get(data, "invoices", "nodes").([]any) {
		id, seller, buyer := get(n, "id").(string), get(n, "seller", "id"), get(n, "buyer", "id")
		switch {
		case seller == me.id:
			mine, soldByMe = append(mine, id), id
		case buyer == me.id:
			mine, boughtByMe = append(mine, id), id
		default:
			foreign = append(foreign, id)
			if get(n, "status") == "ISSUED" {
				foreignIssued = id
			}
		}
	}
	if total := get(data, "invoices", "totalCount"); total != float64(len(mine)+len(foreign)) || len(mine) == 0 || len(foreign) == 0 ||
		foreignIssued == "" || boughtByMe == "" || soldByMe == "" {
		t.Fatalf("fixture: %d invoices, %d mine, %d foreign (%s)", len(mine)+len(foreign), len(mine), len(foreign), r.Raw)
	}
	if !slices.Contains(foreign, w.invoiceID) {
		t.Fatalf("the matrix invoice is not foreign to %s", me.label)
	}
	// noLeak fails when a response names another business's invoice or personal data.
	noLeak := func(t *testing.T, r response) {
		t.Helper()
		if r.Status != 200 {
			t.Errorf("status %d: %s", r.Status, r.Raw)
		}
		for _, id := range foreign {
			if strings.Contains(r.Raw, `"`+id+`"`) {
				t.Errorf("the response names another business's invoice %s: %s", id, r.Raw)
			}
		}
		for _, b := range w.all {
			if b != me && strings.Contains(r.Raw, b.repEmail) {
				t.Errorf("the response has %s's representative: %s", b.label, r.Raw)
			}
		}
		for _, s := range []string{matrixInvoiceNumber, "RESERVATION"} {
			if strings.Contains(r.Raw, s) {
				t.Errorf("the response leaks %q: %s", s, r.Raw)
			}
		}
		for _, e := range r.Errors {
			if e.Extensions["code"] == "INTERNAL" {
				t.Errorf("internal error: %s", r.Raw)
			}
		}
	}
	query := func(t *testing.T, q string, vars map[string]any) response {
		t.Helper()
		r := w.client(t).query(me.token, q, vars)
		noLeak(t, r)
		return r
	}
	// expectForbidden checks that every path is null with a FORBIDDEN error exactly there.
	expectForbidden := func(t *testing.T, r response, paths ...[]any) {
		t.Helper()
		for _, p := range paths {
			if v := get(r.Data, p...); v != nil {
				t.Errorf("%v = %v, want null", p, v)
			}
			if forbiddenAt(r.Errors, p) == nil {
				t.Errorf("no FORBIDDEN error at %v: %s", p, r.Raw)
			}
		}
	}

	t.Run("node(id:) of another's invoice is null", func(t *testing.T) {
		for _, id := range foreign {
			r := query(t, `query($id: ID!) { node(id: $id) { id ... on Invoice { number totalTTC seller { id } } } }`, map[string]any{"id": id})
			if get(r.Data, "node") != nil || len(r.Errors) != 0 {
				t.Errorf("node(%s) = %s, want null without error", id, r.Raw)
			}
		}
	})
	t.Run("the invoices list has only its own", func(t *testing.T) {
		r := query(t, `{ invoices(first: 100) { totalCount nodes { id } } }`, nil)
		var got []string
		for _, n := range get(r.mustData(t), "invoices", "nodes").([]any) {
			got = append(got, get(n, "id").(string))
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(mine))
		if !slices.Equal(got, want) || get(r.Data, "invoices", "totalCount") != float64(len(mine)) {
			t.Errorf("invoices = %v (totalCount %v), want its own %v", got, get(r.Data, "invoices", "totalCount"), want)
		}
	})
	t.Run("filters on other businesses find nothing", func(t *testing.T) {
		for _, f := range []map[string]any{
			{"seller": w.seller.id, "buyer": w.buyer.id},
			{"seller": w.seller.id},
			{"buyer": w.buyer.id},
			{"session": w.sessionID},
		} {
			r := query(t, `query($f: InvoiceFilter) { invoices(first: 100, filter: $f) { nodes { id seller { id } buyer { id } } } }`, map[string]any{"f": f})
			for _, n := range get(r.mustData(t), "invoices", "nodes").([]any) {
				if get(n, "seller", "id") != me.id && get(n, "buyer", "id") != me.id {
					t.Errorf("filter %v returned another's invoice: %s", f, r.Raw)
				}
			}
		}
	})
	t.Run("another business's invoices and credit are forbidden", func(t *testing.T) {
		for _, b := range []*business{w.seller, w.buyer} {
			r := query(t, `query($ridet: String!, $p: ID) { enterprise(ridet: $ridet) { id
				invoices { totalCount nodes { id number } } sold: invoices(role: SELLER) { totalCount } credit { remaining used }
				credit2: credit(programme: $p) { remaining } eligibility { eligible } representative { email } isEligible } }`,
				map[string]any{"ridet": b.ridet, "p": w.programmeID})
			if get(r.Data, "enterprise", "id") != b.id {
				t.Fatalf("%s is listed: its public fields must be readable: %s", b.label, r.Raw)
			}
			expectForbidden(t, r, []any{"enterprise", "invoices"}, []any{"enterprise", "sold"}, []any{"enterprise", "credit"},
				[]any{"enterprise", "credit2"}, []any{"enterprise", "eligibility"}, []any{"enterprise", "representative"}, []any{"enterprise", "isEligible"})
		}
		r := query(t, `query($ridet: String!, $id: ID!) { enterprise(ridet: $ridet) { id invoices { totalCount } credit { remaining } }
			node(id: $id) { id ... on Enterprise { invoices { totalCount } credit { remaining } } } }`,
			map[string]any{"ridet": w.unlisted.ridet, "id": w.unlisted.id})
		if get(r.Data, "enterprise") != nil || get(r.Data, "node") != nil {
			t.Errorf("an unlisted business is visible to another business: %s", r.Raw)
		}
	})
	t.Run("nodes(ids:) mixing its own and others' invoices", func(t *testing.T) {
		ids := append(slices.Clone(mine[:2]), foreign...)
		ids = append(ids, mine[2:]...)
		r := query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Invoice { number seller { id } buyer { id } } } }`, map[string]any{"ids": ids})
		nodes := get(r.mustData(t), "nodes").([]any)
		if len(nodes) != len(ids) {
			t.Fatalf("nodes = %d, want %d", len(nodes), len(ids))
		}
		for i, id := range ids {
			own := slices.Contains(mine, id)
			if got := get(nodes, i, "id"); own && got != id || !own && nodes[i] != nil {
				t.Errorf("nodes[%d] (%s, own %v) = %v", i, id, own, nodes[i])
			}
		}
	})
	t.Run("an invoice's counterparty's invoices and credit are forbidden", func(t *testing.T) {
		const q = `query($id: ID!) { node(id: $id) { id ... on Invoice {
			seller { id invoices { totalCount nodes { id } } credit { remaining } representative { email } }
			buyer { id invoices { totalCount nodes { id } } credit { remaining } representative { email } } } } }`
		r := query(t, q, map[string]any{"id": boughtByMe})
		if get(r.Data, "node", "buyer", "id") != me.id || get(r.Data, "node", "buyer", "invoices", "totalCount") != float64(len(mine)) {
			t.Errorf("the buyer cannot read its own invoices through its invoice: %s", r.Raw)
		}
		expectForbidden(t, r, []any{"node", "seller", "invoices"}, []any{"node", "seller", "credit"}, []any{"node", "seller", "representative"})
		r = query(t, q, map[string]any{"id": soldByMe})
		if get(r.Data, "node", "seller", "id") != me.id || get(r.Data, "node", "seller", "credit") == nil {
			t.Errorf("the seller cannot read its own credit through its invoice: %s", r.Raw)
		}
		expectForbidden(t, r, []any{"node", "buyer", "invoices"}, []any{"node", "buyer", "credit"}, []any{"node", "buyer", "representative"})
	})
	t.Run("lists of businesses show only its own invoices and credit", func(t *testing.T) {
		for name, q := range map[string]string{
			"enterprises": `{ enterprises(first: 100) { nodes { id invoices { totalCount nodes { id } } credit { remaining } } } }`,
			"sectors":     `{ sectors { enterprises(first: 100) { nodes { id invoices { totalCount nodes { id } } credit { remaining } } } } }`,
			"communes":    `{ communes { enterprises(first: 100) { nodes { id invoices { totalCount nodes { id } } credit { remaining } } } } }`,
			"own invoices' counterparties": `{ viewer { enterprise { invoices(first: 100) { nodes {
				seller { id invoices { totalCount nodes { id } } credit { remaining } } buyer { id invoices { totalCount nodes { id } } credit { remaining } } } } } } }`,
		} {
			t.Run(name, func(t *testing.T) {
				r := query(t, q, nil)
				forbidden := 0
				for _, e := range r.Errors {
					if e.Extensions["code"] != "FORBIDDEN" {
						t.Errorf("unexpected error %+v", e)
					}
					forbidden++
				}
				if forbidden == 0 {
					t.Errorf("no FORBIDDEN error: the list shows no other business? %s", r.Raw)
				}
				if !strings.Contains(r.Raw, me.id) {
					t.Errorf("its own business is missing: %s", r.Raw)
				}
			})
		}
	})
	t.Run("the journal of another's invoice is forbidden", func(t *testing.T) {
		r := query(t, `query($id: ID) { ledgerEntries(invoice: $id) { totalCount nodes { id kind } } }`, map[string]any{"id": w.invoiceID})
		expectForbidden(t, r, []any{"ledgerEntries"})
	})
	t.Run("mutations on another's invoice return no invoice", func(t *testing.T) {
		r := query(t, confirmMutation, map[string]any{"in": map[string]any{"id": foreignIssued, "creditAmount": 1000}})
		// NOT_FOUND, as node(id:) says: to another business the invoice does not exist.
		if get(r.mustData(t), "confirmInvoice", "invoice") != nil || get(r.Data, "confirmInvoice", "userErrors", 0, "code") != "NOT_FOUND" {
			t.Errorf("confirming another's invoice: %s", r.Raw)
		}
		r = query(t, `mutation($in: ReissueInvoiceInput!) { reissueInvoice(input: $in) { invoice { id number } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"id": w.invoiceID, "lines": []map[string]any{{"designation": "x", "quantity": 1, "unitPriceHT": 1, "tgcRate": "NORMAL"}}}})
		if get(r.mustData(t), "reissueInvoice", "invoice") != nil || get(r.Data, "reissueInvoice", "userErrors", 0, "code") != "NOT_FOUND" {
			t.Errorf("reissuing another's invoice: %s", r.Raw)
		}
		r = w.client(t).query(admin, `query($id: ID!) { node(id: $id) { ... on Invoice { status creditAmount } } }`, map[string]any{"id": foreignIssued})
		if get(r.mustData(t), "node", "status") != "ISSUED" {
			t.Errorf("another business changed the invoice: %s", r.Raw)
		}
	})
}
