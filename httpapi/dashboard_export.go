package httpapi

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"sudpro/model"
	"sudpro/store"
)

// The dashboard's exports: GET /export/dashboard.csv and GET /export/dashboard.xlsx, with the `dashboard` query's
// parameters (programme, session: global IDs; from, to: YYYY-MM-DD Nouméa days) and permissions: AGENT and ADMIN
// get every table; CHAMBER the aggregate tables only, never a table that names a business (the staff tables);
// anonymous callers 401, businesses 403. Both formats carry the same tables:
//
//   - the CSV (UTF-8 with BOM, `;` separator, CRLF, for French Excel) is one file: each table starts with a header
//     row whose first cell is "Tableau", every row of the table has the table's name in its first column, and a
//     blank line separates tables (filter column A to get one table);
//   - the XLSX workbook has one sheet per table, named after it, amounts as numbers.

// exportTable is one table of the dashboard's exports.
type exportTable struct {
	name   string // sheet name and first CSV column, at most 31 characters
	header []string
	rows   [][]any // string, int, int64, model.XPF, float64 or nil (empty)
}

// exportDashboard serves the dashboard as CSV (xlsx false) or as an XLSX workbook.
func exportDashboard(st *store.Store, xlsx bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		actor := model.ActorFrom(ctx)
		switch {
		case actor.Role == "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="sudpro"`)
			writeError(w, http.StatusUnauthorized, string(model.CodeUnauthenticated), "the dashboard's exports need a bearer token")
			return
		case !actor.IsStaff() && actor.Role != model.RoleChamber:
			writeError(w, http.StatusForbidden, string(model.CodeForbidden), "the dashboard's exports are for ADMIN, AGENT and CHAMBER")
			return
		}
		sc, err := dashboardExportScope(ctx, st, r)
		if e, ok := model.AsError(err); ok {
			writeError(w, http.StatusBadRequest, string(e.Code), e.Error())
			return
		}
		var tables []exportTable
		if err == nil {
			tables, err = dashboardTables(ctx, st, sc, actor.IsStaff())
		}
		if err != nil {
			loggerFrom(ctx).ErrorContext(ctx, "dashboard export failed", "error", err.Error())
			writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if xlsx {
			err = writeDashboardXLSX(w, tables)
		} else {
			err = writeDashboardCSV(w, tables)
		}
		if err != nil {
			loggerFrom(ctx).ErrorContext(ctx, "dashboard export interrupted", "error", err.Error())
		}
	})
}

// dashboardExportScope reads the dashboard's scope from the URL's parameters, validated as the query validates
// its arguments; a parameter given twice or not understood is an INVALID error naming it.
func dashboardExportScope(ctx context.Context, st *store.Store, r *http.Request) (model.DashboardScope, error) {
	p := r.URL.Query()
	param := func(name string) (*string, error) {
		switch vs := p[name]; len(vs) {
		case 0:
			return nil, nil
		case 1:
			return &vs[0], nil
		default:
			return nil, model.Invalid(name, "given %d times", len(vs))
		}
	}
	day := func(name string) (*time.Time, error) {
		v, err := param(name)
		if v == nil || err != nil {
			return nil, err
		}
		t, err := time.ParseInLocation(time.DateOnly, *v, model.Noumea)
		if err != nil {
			return nil, model.Invalid(name, "must be a date YYYY-MM-DD, got %q", *v)
		}
		return &t, nil
	}
	for name := range p {
		switch name {
		case "programme", "session", "from", "to":
		default:
			return model.DashboardScope{}, model.Invalid(name, "unknown parameter (use programme, session, from, to)")
		}
	}
	programme, err := param("programme")
	if err != nil {
		return model.DashboardScope{}, err
	}
	session, err := param("session")
	if err != nil {
		return model.DashboardScope{}, err
	}
	from, err := day("from")
	if err != nil {
		return model.DashboardScope{}, err
	}
	to, err := day("to")
	if err != nil {
		return model.DashboardScope{}, err
	}
	return model.ResolveDashboardScope(programme, session, from, to,
		func(id int64) (bool, error) {
			ps, err := st.ProgrammesByIDs(ctx, []int64{id})
			return ps[id] != nil, err
		},
		func(id int64) (int64, bool, error) {
			ss, err := st.SessionsByIDs(ctx, []int64{id})
			if err != nil || ss[id] == nil {
				return 0, false, err
			}
			return ss[id].ProgrammeID, true, nil
		})
}

// dashboardTables computes the dashboard's tables for a scope from the same store functions as the query; the
// tables naming businesses only for staff.
func dashboardTables(ctx context.Context, st *store.Store, sc model.DashboardScope, staff bool) ([]exportTable, error) {
	businesses, err := st.DashboardBusinesses(ctx, sc)
	if err != nil {
		return nil, err
	}
	budget, err := st.DashboardBudget(ctx, sc)
	if err != nil {
		return nil, err
	}
	spent, err := st.DashboardSpent(ctx, sc)
	if err != nil {
		return nil, err
	}
	invoices, err := st.DashboardInvoices(ctx, sc)
	if err != nil {
		return nil, err
	}
	done, err := st.DashboardBusinessDone(ctx, sc)
	if err != nil {
		return nil, err
	}
	consultations, err := st.DashboardConsultations(ctx, sc)
	if err != nil {
		return nil, err
	}
	days, err := st.DashboardDaily(ctx, sc)
	if err != nil {
		return nil, err
	}
	names, err := referenceNames(ctx, st, budget)
	if err != nil {
		return nil, err
	}

	small := spent.SmallBusiness
	var percent any
	if p := small.Percent(); p != nil {
		percent = *p
	}
	figures := exportTable{name: "Chiffres clés", header: []string{"Indicateur", "Valeur"}, rows: [][]any{
		{"Entreprises inscrites", businesses.Registered.Count},
		{"Entreprises éligibles", businesses.Eligible.Count},
		{"Entreprises soutenues (allocation CréditSud)", businesses.Supported.Count},
		{"Projets financés (crédit utilisé)", businesses.ProjectsFunded.Count},
		{"Bénéficiaires n'ayant pas encore utilisé leur crédit", businesses.NotUsedYet.Count},
		{"Factures rejetées", invoices.Rejected.Count},
		{"Factures rejetées, total TTC (XPF)", invoices.Rejected.TotalTTC},
		{"CréditSud dépensé (XPF)", small.Total},
		{"CréditSud dépensé entre TPE (XPF)", small.SmallBusinessAmount},
		{"Part des bonifications entre TPE (%)", percent},
		{"Affaires réalisées : factures", done.InvoiceCount},
		{"Affaires réalisées : total facturé TTC (XPF)", done.InvoicedTotal},
		{"Affaires réalisées : commandes privées", done.PrivateOrderCount},
		{"Affaires réalisées : commandes privées TTC (XPF)", done.PrivateOrders},
		{"Affaires réalisées : total TTC (XPF)", done.Total()},
		{"Affaires réalisées : part CréditSud (XPF)", done.CreditSud},
		{"Affaires réalisées : hors CréditSud (XPF)", done.OutsideCreditSud()},
		{"Consultations publiées", consultations.Published},
		{"Offres reçues", consultations.OffersReceived},
		{"Consultations attribuées", consultations.Awarded},
		{"Montant attribué HT (XPF)", consultations.AwardedAmountHT},
		{"Montant attribué TTC (XPF)", consultations.AwardedAmountTTC},
	}}
	envelopes := exportTable{name: "Enveloppes", header: []string{"Programme", "Session", "Ouverture", "Engagé (XPF)",
		"Réservé (XPF)", "À payer (XPF)", "Payé (XPF)", "Dépensé (XPF)", "Restant (XPF)", "Épuisée le", "Secondes jusqu'à épuisement"}}
	for _, p := range budget {
		for _, s := range p.Sessions {
			var exhausted, seconds any
			if s.ExhaustedAt != nil {
				exhausted, seconds = s.ExhaustedAt.In(model.Noumea).Format("2006-01-02 15:04:05"), *s.SecondsToExhaustion()
			}
			envelopes.rows = append(envelopes.rows, []any{names.programmes[p.ProgrammeID], names.sessions[s.SessionID],
				s.OpensAt.In(model.Noumea).Format("2006-01-02 15:04"), s.Engaged, s.Reserved, s.Payable, s.Paid, s.Spent(), s.Remaining, exhausted, seconds})
		}
		envelopes.rows = append(envelopes.rows, []any{names.programmes[p.ProgrammeID], "Total", nil, p.Engaged, p.Reserved,
			p.Payable, p.Paid, p.Spent(), p.Remaining, nil, nil})
	}
	breakdown := func(name, what string, rows []*model.DashboardAmount, label map[string]string) exportTable {
		t := exportTable{name: name, header: []string{"Code", what, "CréditSud dépensé (XPF)", "Factures"}}
		for _, a := range rows {
			t.rows = append(t.rows, []any{a.Code, label[a.Code], a.Amount, a.InvoiceCount})
		}
		return t
	}
	byStatus := exportTable{name: "Factures par statut", header: []string{"Statut", "Factures", "Total TTC (XPF)"}}
	for _, s := range invoices.ByStatus {
		byStatus.rows = append(byStatus.rows, []any{string(s.Status), s.Count, s.TotalTTC})
	}
	byReason := exportTable{name: "Rejets par motif", header: []string{"Motif", "Factures", "Total TTC (XPF)"}}
	for _, r := range invoices.Rejected.ByReason {
		byReason.rows = append(byReason.rows, []any{string(r.Reason), r.Count, r.TotalTTC})
	}
	daily := exportTable{name: "Série quotidienne", header: []string{"Jour", "Confirmations", "CréditSud réservé (XPF)",
		"CréditSud rendu (XPF)", "CréditSud payé (XPF)"}}
	for _, d := range days {
		daily.rows = append(daily.rows, []any{d.Day.In(model.Noumea).Format(time.DateOnly), d.Confirmations, d.ConfirmedAmount,
			d.ReleasedAmount, d.PaidAmount})
	}
	tables := []exportTable{figures, envelopes,
		breakdown("Par secteur du vendeur", "Secteur", spent.BySellerSector, names.sectors),
		breakdown("Par secteur de l'acheteur", "Secteur", spent.ByBuyerSector, names.sectors),
		breakdown("Par commune du vendeur", "Commune", spent.BySellerCommune, names.communes),
		breakdown("Par commune de l'acheteur", "Commune", spent.ByBuyerCommune, names.communes),
		byStatus, byReason, daily}
	if staff {
		rejected, err := rejectedInvoicesTable(ctx, st, sc)
		if err != nil {
			return nil, err
		}
		tables = append(tables, rejected)
	}
	return tables, nil
}

// exportNames are the names the tables show beside codes and ids.
type exportNames struct {
	programmes, sessions map[int64]string
	sectors, communes    map[string]string
}

func referenceNames(ctx context.Context, st *store.Store, budget []*model.DashboardProgrammeBudget) (exportNames, error) {
	n := exportNames{programmes: map[int64]string{}, sessions: map[int64]string{}, sectors: map[string]string{}, communes: map[string]string{}}
	var programmeIDs, sessionIDs []int64
	for _, p := range budget {
		programmeIDs = append(programmeIDs, p.ProgrammeID)
		for _, s := range p.Sessions {
			sessionIDs = append(sessionIDs, s.SessionID)
		}
	}
	programmes, err := st.ProgrammesByIDs(ctx, programmeIDs)
	if err != nil {
		return n, err
	}
	for id, p := range programmes {
		n.programmes[id] = p.Name
	}
	sessions, err := st.SessionsByIDs(ctx, sessionIDs)
	if err != nil {
		return n, err
	}
	for id, s := range sessions {
		n.sessions[id] = s.Name
	}
	sectors, err := st.Sectors(ctx)
	if err != nil {
		return n, err
	}
	for _, s := range sectors {
		n.sectors[s.Code] = s.Name
	}
	communes, err := st.Communes(ctx)
	if err != nil {
		return n, err
	}
	for _, c := range communes {
		n.communes[c.Code] = c.Name
	}
	return n, nil
}

// rejectedInvoicesTable lists the rejected invoices behind the figure (the drill-down), with their parties: a
// staff table. Read by pages of the drill-down's keyset.
func rejectedInvoicesTable(ctx context.Context, st *store.Store, sc model.DashboardScope) (exportTable, error) {
	t := exportTable{name: "Factures rejetées", header: []string{"Numéro", "Émise le", "RIDET vendeur",
		"Vendeur", "RIDET acheteur", "Acheteur", "Total TTC (XPF)", "CréditSud demandé (XPF)", "Motif"}}
	first := 100
	page, err := model.ParsePage(model.PageArgs{First: &first}, store.InvoiceCursorOrder)
	if err != nil {
		return t, err
	}
	for {
		conns, err := st.DashboardInvoiceRecords(ctx, sc, model.DrillRejected, []string{""}, page, false)
		if err != nil {
			return t, err
		}
		conn := conns[""]
		invs := conn.Nodes()
		var ids []int64
		for _, i := range invs {
			ids = append(ids, i.SellerID, i.BuyerID)
		}
		firms, err := st.EnterprisesByIDs(ctx, ids)
		if err != nil {
			return t, err
		}
		for _, i := range invs {
			seller, buyer := firms[i.SellerID], firms[i.BuyerID]
			reason := ""
			if i.RejectionReason != nil {
				reason = string(*i.RejectionReason)
			}
			t.rows = append(t.rows, []any{i.Number, i.IssuedAt.In(model.Noumea).Format(time.DateOnly), seller.RIDET.String(), seller.Name,
				buyer.RIDET.String(), buyer.Name, i.TotalTTC, i.CreditAmount, reason})
		}
		if !conn.PageInfo.HasNextPage || len(conn.Edges) == 0 {
			return t, nil
		}
		last := conn.Edges[len(conn.Edges)-1].Cursor()
		if page, err = model.ParsePage(model.PageArgs{First: &first, After: &last}, store.InvoiceCursorOrder); err != nil {
			return t, err
		}
	}
}

// exportCell is a cell as CSV text: numbers plain (XPF in whole francs), a percentage with a decimal comma.
func exportCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return spreadsheetSafe(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case model.XPF:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strings.Replace(strconv.FormatFloat(x, 'f', 2, 64), ".", ",", 1)
	default:
		return fmt.Sprint(x)
	}
}

func writeDashboardCSV(w http.ResponseWriter, tables []exportTable) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tableau-de-bord-sudpro.csv"`)
	buf := bufio.NewWriter(w)
	_, _ = buf.WriteString(utf8BOM)
	out := csv.NewWriter(buf)
	out.Comma = ';'
	out.UseCRLF = true
	for i, t := range tables {
		if i > 0 {
			_ = out.Write([]string{""})
		}
		_ = out.Write(append([]string{"Tableau"}, t.header...))
		for _, row := range t.rows {
			cells := []string{t.name}
			for _, v := range row {
				cells = append(cells, exportCell(v))
			}
			_ = out.Write(cells)
		}
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return err
	}
	return buf.Flush()
}

func writeDashboardXLSX(w http.ResponseWriter, tables []exportTable) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, t := range tables {
		sheet := t.name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		header := make([]any, len(t.header))
		for k, h := range t.header {
			header[k] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetRow("A1", header); err != nil {
			return err
		}
		for r, row := range t.rows {
			cells := make([]any, len(row))
			for k, v := range row {
				switch x := v.(type) {
				case model.XPF:
					cells[k] = int64(x)
				case string:
					cells[k] = spreadsheetSafe(x)
				default:
					cells[k] = x
				}
			}
			cell, err := excelize.CoordinatesToCellName(1, r+2)
			if err != nil {
				return err
			}
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="tableau-de-bord-sudpro.xlsx"`)
	return f.Write(w)
}
