package httpapi_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sudpro/model"
)

// csvTables reads a dashboard CSV export into its tables: rows by table name, without the header rows.
func csvTables(t *testing.T, body string) (map[string][][]string, []string) {
	t.Helper()
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Fatalf("the CSV does not start with a UTF-8 BOM: %q", body[:min(20, len(body))])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
	r.Comma, r.FieldsPerRecord = ';', -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read the CSV: %v", err)
	}
	out := map[string][][]string{}
	var order []string
	for _, rec := range records {
		switch {
		case len(rec) == 1 && rec[0] == "":
		case rec[0] == "Tableau":
			order = append(order, "")
		default:
			if order[len(order)-1] == "" {
				order[len(order)-1] = rec[0]
			}
			out[rec[0]] = append(out[rec[0]], rec[1:])
		}
	}
	return out, order
}

// figure finds an indicator's value in the key figures table.
func figure(rows [][]string, label string) string {
	for _, r := range rows {
		if r[0] == label {
			return r[1]
		}
	}
	return "missing"
}

func TestDashboardExportContent(t *testing.T) {
	a := demoAPI(t)
	r := a.query(a.tokens["ADMIN"], `{ dashboard(to: "2025-12-31") {
		businesses { registered { count } supported { count } projectsFunded { count } }
		budget { engaged sessions { engaged } }
		creditSudBySellerSector { sector { code } amount }
		rejectedInvoices { count totalTTC }
		businessThroughPlatform { total privateOrders }
		consultations { published awardedAmountTTC }
	} }`, nil)
	d := get(r.mustData(t), "dashboard")
	num := func(path ...any) string { return strconv.FormatFloat(get(d, path...).(float64), 'f', 0, 64) }
	params := url.Values{"to": {"2025-12-31"}}

	status, body := a.download("/export/dashboard.csv", a.tokens["ADMIN"], params)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	tables, order := csvTables(t, body)
	want := []string{"Chiffres clés", "Enveloppes", "Par secteur du vendeur", "Par secteur de l'acheteur", "Par commune du vendeur",
		"Par commune de l'acheteur", "Factures par statut", "Rejets par motif", "Série quotidienne", "Factures rejetées"}
	if !slices.Equal(order, want) {
		t.Errorf("CSV tables = %v, want %v", order, want)
	}
	key := tables["Chiffres clés"]
	for label, value := range map[string]string{
		"Entreprises inscrites":                            num("businesses", "registered", "count"),
		"Entreprises soutenues (allocation CréditSud)":     num("businesses", "supported", "count"),
		"Projets financés (crédit utilisé)":                num("businesses", "projectsFunded", "count"),
		"Factures rejetées":                                num("rejectedInvoices", "count"),
		"Factures rejetées, total TTC (XPF)":               num("rejectedInvoices", "totalTTC"),
		"Affaires réalisées : total TTC (XPF)":             num("businessThroughPlatform", "total"),
		"Affaires réalisées : commandes privées TTC (XPF)": num("businessThroughPlatform", "privateOrders"),
		"Consultations publiées":                           num("consultations", "published"),
		"Montant attribué TTC (XPF)":                       num("consultations", "awardedAmountTTC"),
	} {
		if got := figure(key, label); got != value {
			t.Errorf("CSV %q = %s, want %s as the query says", label, got, value)
		}
	}
	if rows := tables["Enveloppes"]; len(rows) != 6 || rows[5][1] != "Total" || rows[5][3] != num("budget", 0, "engaged") || rows[0][3] != "1200000000" {
		t.Errorf("CSV envelopes = %v", rows)
	}
	for i, row := range tables["Par secteur du vendeur"] {
		if row[0] != get(d, "creditSudBySellerSector", i, "sector", "code") || row[2] != num("creditSudBySellerSector", i, "amount") {
			t.Errorf("CSV seller sector row %d = %v", i, row)
		}
	}
	if n := len(tables["Factures rejetées"]); strconv.Itoa(n) != num("rejectedInvoices", "count") || n == 0 {
		t.Errorf("%d rejected invoices listed, figure %s", n, num("rejectedInvoices", "count"))
	}

	status, body = a.download("/export/dashboard.xlsx", a.tokens["AGENT"], params)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	if v, _ := f.GetCellValue("Chiffres clés", "B2"); v != num("businesses", "registered", "count") {
		t.Errorf("workbook registered = %q, want %s", v, num("businesses", "registered", "count"))
	}
	if rows, _ := f.GetRows("Factures rejetées"); strconv.Itoa(len(rows)-1) != num("rejectedInvoices", "count") {
		t.Errorf("workbook lists %d rejected invoices", len(rows)-1)
	}
}

// Anonymous callers and businesses get no export; a chamber gets the aggregate tables and nothing that names a
// business, in either format.
func TestDashboardExportPermissions(t *testing.T) {
	a := demoAPI(t)
	admin := a.query(a.tokens["ADMIN"], `{ enterprises(first: 100) { nodes { name ridet } } }`, nil)
	nodes := get(admin.mustData(t), "enterprises", "nodes").([]any)
	ridet, err := model.ParseRIDET(get(nodes[0], "ridet").(string))
	if err != nil {
		t.Fatal(err)
	}
	_, staffCSV := a.download("/export/dashboard.csv", a.tokens["ADMIN"], nil)
	for _, path := range []string{"/export/dashboard.csv", "/export/dashboard.xlsx"} {
		tests := []struct {
			name   string
			token  string
			status int
		}{
			{"anonymous", "", http.StatusUnauthorized},
			{"ENTERPRISE", a.token(model.RoleEnterprise, ridet), http.StatusForbidden},
			{"CHAMBER", a.tokens["CHAMBER"], http.StatusOK},
			{"AGENT", a.tokens["AGENT"], http.StatusOK},
		}
		for _, tt := range tests {
			t.Run(path+" "+tt.name, func(t *testing.T) {
				status, body := a.download(path, tt.token, nil)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %.200s", status, tt.status, body)
				}
				if tt.name != "CHAMBER" {
					return
				}
				text := body
				if strings.HasSuffix(path, ".xlsx") {
					f, err := excelize.OpenReader(strings.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if slices.Contains(f.GetSheetList(), "Factures rejetées") {
						t.Errorf("the chamber's workbook has the rejected invoices")
					}
					var all []string
					for _, sheet := range f.GetSheetList() {
						rows, _ := f.GetRows(sheet)
						for _, r := range rows {
							all = append(all, strings.Join(r, ";"))
						}
					}
					text = strings.Join(all, "\n")
				} else if _, order := csvTables(t, body); slices.Contains(order, "Factures rejetées") {
					t.Errorf("the chamber's CSV has the rejected invoices")
				}
				if !strings.Contains(text, "Entreprises inscrites") {
					t.Errorf("the chamber's export lacks the key figures")
				}
				for _, n := range nodes {
					name, ridet := get(n, "name").(string), get(n, "ridet").(string)
					if strings.Contains(text, name) || strings.Contains(text, ridet) {
						t.Errorf("the chamber's export names %q (%s)", name, ridet)
					}
				}
			})
		}
	}
	// The staff's CSV does name businesses: the check above would catch a chamber's.
	if !slices.ContainsFunc(nodes, func(n any) bool { return strings.Contains(staffCSV, get(n, "ridet").(string)) }) {
		t.Errorf("the staff's CSV names none of the first businesses")
	}
}

// A bad parameter is a 400 whose error names it, and nothing is exported.
func TestDashboardExportBadParameters(t *testing.T) {
	a := newAPI(t)
	tests := []struct {
		params url.Values
		field  string
	}{
		{url.Values{"from": {"2025-13-01"}}, "from"},
		{url.Values{"to": {"31/12/2025"}}, "to"},
		{url.Values{"from": {"2025-06-01"}, "to": {"2025-05-01"}}, "to"},
		{url.Values{"programme": {"nope"}}, "programme"},
		{url.Values{"session": {model.GlobalIntID(model.TypeSession, 999)}}, "session"},
		{url.Values{"programme": {"a", "b"}}, "programme"},
		{url.Values{"sector": {"BTP"}}, "sector"},
	}
	for _, tt := range tests {
		for _, path := range []string{"/export/dashboard.csv", "/export/dashboard.xlsx"} {
			status, body := a.download(path, a.tokens["AGENT"], tt.params)
			if status != http.StatusBadRequest || !strings.Contains(body, `"message":"`+tt.field+`: `) || !strings.Contains(body, `"INVALID"`) {
				t.Errorf("%s?%s = %d %s, want 400 INVALID naming %s", path, tt.params.Encode(), status, body, tt.field)
			}
		}
	}
}
