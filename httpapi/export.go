package httpapi

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"sudpro/graph"
	"sudpro/model"
	"sudpro/store"
)

// utf8BOM starts the file so that Excel reads it as UTF-8 (accents intact).
const utf8BOM = "\uFEFF"

// exportDirectory serves GET /export/directory.csv: the businesses of a directory search, with the same search,
// filters and visibility as the enterprises query, as CSV for French Excel (UTF-8 with BOM, `;` separator). Rows
// are read a page at a time and written as they come, so memory stays constant whatever the number of rows.
//
// Parameters: search, sectors, communes, legalForms, statuses (comma-separated), apeCodePrefix, nameContains,
// headcountMin, headcountMax, isSmallBusiness, eligible, hasUsedCreditSud (true or false), orderBy (RELEVANCE,
// NAME, REGISTERED_AT).
func exportDirectory(st *store.Store, budget *graph.Budget) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q, err := exportQuery(r, model.ActorFrom(ctx))
		if err != nil {
			e := model.UserErrorOf(err)
			status := http.StatusBadRequest
			if e.Code == model.CodeForbidden {
				status = http.StatusForbidden
			}
			writeError(w, status, string(e.Code), e.Error())
			return
		}
		// Charged like a query of as many nodes as rows (withRateHeaders turns a refusal into 429 and its headers).
		rows, err := st.CountEnterprises(ctx, q)
		if err != nil {
			loggerFrom(ctx).ErrorContext(ctx, "directory export failed", "error", err.Error())
			writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error")
			return
		}
		if refused := budget.Charge(ctx, graph.Points(rows, 0)); refused != nil {
			writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", refused.Message)
			return
		}
		sectors, err := st.Sectors(ctx)
		var communes []*model.Commune
		if err == nil {
			communes, err = st.Communes(ctx)
		}
		var labels map[string]string
		if err == nil {
			labels, err = st.APELabels(ctx)
		}
		if err != nil {
			loggerFrom(ctx).ErrorContext(ctx, "directory export failed", "error", err.Error())
			writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error")
			return
		}
		sectorName := map[string]string{}
		for _, s := range sectors {
			sectorName[s.Code] = s.Name
		}
		communeOf := map[string]*model.Commune{}
		for _, c := range communes {
			communeOf[c.Code] = c
		}
		staff := q.Viewer.IsStaff()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="annuaire-sudpro.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		buf := bufio.NewWriter(w)
		_, _ = buf.WriteString(utf8BOM)
		out := csv.NewWriter(buf)
		out.Comma = ';'
		out.UseCRLF = true
		_ = out.Write(exportHeader(staff))
		err = st.EachEnterprise(ctx, q, func(e *model.Enterprise) error {
			c := communeOf[e.CommuneCode]
			row := []string{e.RIDET.String(), e.Name, e.TradeName, string(e.LegalForm), e.APECode, labels[e.APECode],
				sectorName[e.SectorCode], c.Name, c.PostalCode, strconv.Itoa(e.Headcount), yesNo(e.IsSmallBusiness()),
				e.Description, strings.Join(e.Keywords, ", "), e.ContactEmail, e.ContactPhone,
				e.RegisteredAt.In(graph.Noumea).Format("2006-01-02")}
			if staff {
				row = append(row, string(e.Status), yesNo(e.ListedInDirectory), yesNo(e.IsEligible()),
					e.RepresentativeName, e.RepresentativeEmail, e.RepresentativePhone)
			}
			for i := range row {
				row[i] = spreadsheetSafe(row[i])
			}
			return out.Write(row)
		})
		out.Flush()
		if err == nil {
			err = out.Error()
		}
		if err == nil {
			err = buf.Flush()
		}
		if err != nil {
			// The header is gone: the client sees a truncated file; the log says why.
			loggerFrom(ctx).ErrorContext(ctx, "directory export interrupted", "error", err.Error())
		}
	})
}

func exportHeader(staff bool) []string {
	h := []string{"RIDET", "Raison sociale", "Enseigne", "Forme juridique", "Code APE", "Libellé APE", "Secteur",
		"Commune", "Code postal", "Effectif", "TPE", "Activité", "Mots-clés", "Email professionnel",
		"Téléphone professionnel", "Inscrite le"}
	if staff {
		h = append(h, "Statut", "Dans l'annuaire", "Éligible CréditSud", "Représentant", "Email du représentant",
			"Téléphone du représentant")
	}
	return h
}

func yesNo(b bool) string {
	if b {
		return "oui"
	}
	return "non"
}

// spreadsheetSafe keeps a spreadsheet from reading a cell as a formula (CSV injection): a text starting with
// = + - @ or a tab is prefixed with an apostrophe, which Excel hides.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportQuery reads the directory search of an export from the URL's parameters.
func exportQuery(r *http.Request, viewer model.Actor) (model.EnterpriseQuery, error) {
	p := r.URL.Query()
	list := func(name string) []string {
		var out []string
		for _, v := range p[name] {
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					out = append(out, item)
				}
			}
		}
		return out
	}
	q := model.EnterpriseQuery{Viewer: viewer, Search: p.Get("search"), APECodePrefix: p.Get("apeCodePrefix"),
		NameContains: p.Get("nameContains"), Order: model.EnterpriseOrder(p.Get("orderBy"))}
	for _, s := range list("sectors") {
		q.SectorCodes = append(q.SectorCodes, model.ParseCodeID("sectors", model.TypeSector, s))
	}
	for _, c := range list("communes") {
		q.CommuneCodes = append(q.CommuneCodes, model.ParseCodeID("communes", model.TypeCommune, c))
	}
	for _, f := range list("legalForms") {
		if !model.LegalForm(f).IsValid() {
			return q, model.Invalid("legalForms", "%q is not a legal form", f)
		}
		q.LegalForms = append(q.LegalForms, model.LegalForm(f))
	}
	for _, s := range list("statuses") {
		if !model.EnterpriseStatus(s).IsValid() {
			return q, model.Invalid("statuses", "%q is not a status", s)
		}
		q.Statuses = append(q.Statuses, model.EnterpriseStatus(s))
	}
	switch q.Order {
	case "", model.EnterpriseOrderRelevance, model.EnterpriseOrderName, model.EnterpriseOrderRegisteredAt:
	default:
		return q, model.Invalid("orderBy", "%q is not RELEVANCE, NAME or REGISTERED_AT", q.Order)
	}
	for _, f := range []struct {
		name string
		dst  **int
	}{{"headcountMin", &q.HeadcountMin}, {"headcountMax", &q.HeadcountMax}} {
		if v := p.Get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return q, model.Invalid(f.name, "%q is not a whole number", v)
			}
			*f.dst = &n
		}
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"isSmallBusiness", &q.Small}, {"eligible", &q.Eligible}, {"hasUsedCreditSud", &q.UsedCreditSud}} {
		if v := p.Get(f.name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return q, model.Invalid(f.name, "%q is not true or false", v)
			}
			*f.dst = &b
		}
	}
	return q, q.Validate()
}
