package model_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sudpro/model"
)

// tgcRates is the tgc_rates table as the tests use it.
func tgcRates() map[string]*model.TGCRate {
	return map[string]*model.TGCRate{
		"EXEMPT":   {Code: "EXEMPT", BasisPoints: 0},
		"REDUCED":  {Code: "REDUCED", BasisPoints: 300},
		"SPECIFIC": {Code: "SPECIFIC", BasisPoints: 600},
		"NORMAL":   {Code: "NORMAL", BasisPoints: 1100},
		"HIGH":     {Code: "HIGH", BasisPoints: 2200},
	}
}

// checkError fails the test unless err carries wantCode on wantField; an empty wantCode means err must be nil.
func checkError(t *testing.T, call string, err error, wantCode model.ErrorCode, wantField string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Errorf("%s = %v, want nil", call, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s = nil, want a %s error on field %q", call, wantCode, wantField)
	}
	if got := model.ErrorCodeOf(err); got != wantCode {
		t.Errorf("%s error code = %q, want %q (error %v)", call, got, wantCode, err)
	}
	e, ok := model.AsError(err)
	if !ok {
		t.Fatalf("%s = %v, want a *model.Error", call, err)
	}
	if e.Field != wantField {
		t.Errorf("%s error field = %q, want %q (error %v)", call, e.Field, wantField, err)
	}
}

func TestBuildLines(t *testing.T) {
	tests := []struct {
		name      string
		inputs    []model.LineInput
		franchise bool
		want      []model.InvoiceLine
	}{
		{
			name:   "11 % on 1,045 XPF rounds 114.95 up to 115",
			inputs: []model.LineInput{{Designation: "Repas", Quantity: 1, UnitPriceHT: 1045, TGCRateCode: "NORMAL"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Repas", Quantity: 1, UnitPriceHT: 1045, TGCRateCode: "NORMAL",
				ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 1045, TGCAmount: 115}},
		},
		{
			name:   "11 % on 1,040 XPF rounds 114.4 down to 114",
			inputs: []model.LineInput{{Designation: "Repas", Quantity: 1, UnitPriceHT: 1040, TGCRateCode: "NORMAL"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Repas", Quantity: 1, UnitPriceHT: 1040, TGCRateCode: "NORMAL",
				ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 1040, TGCAmount: 114}},
		},
		{
			name:   "3 % on 50 XPF rounds the half franc 1.5 up to 2",
			inputs: []model.LineInput{{Designation: "Pain", Quantity: 1, UnitPriceHT: 50, TGCRateCode: "REDUCED"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Pain", Quantity: 1, UnitPriceHT: 50, TGCRateCode: "REDUCED",
				ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 50, TGCAmount: 2}},
		},
		{
			name:   "the amount is quantity times unit price and TGC is computed on it",
			inputs: []model.LineInput{{Designation: "Heure de main-d'œuvre", Quantity: 3, UnitPriceHT: 4_350, TGCRateCode: "SPECIFIC"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Heure de main-d'œuvre", Quantity: 3, UnitPriceHT: 4_350,
				TGCRateCode: "SPECIFIC", ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 13_050, TGCAmount: 783}},
		},
		{
			name:   "22 % on 2 × 999 XPF rounds 439.56 up to 440",
			inputs: []model.LineInput{{Designation: "Tabac", Quantity: 2, UnitPriceHT: 999, TGCRateCode: "HIGH"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Tabac", Quantity: 2, UnitPriceHT: 999, TGCRateCode: "HIGH",
				ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 1998, TGCAmount: 440}},
		},
		{
			name:   "an exempt line has no TGC",
			inputs: []model.LineInput{{Designation: "Consultation médicale", Quantity: 1, UnitPriceHT: 5_500, TGCRateCode: "EXEMPT"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Consultation médicale", Quantity: 1, UnitPriceHT: 5_500,
				TGCRateCode: "EXEMPT", ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 5_500, TGCAmount: 0}},
		},
		{
			name:   "a free line is accepted",
			inputs: []model.LineInput{{Designation: "Devis offert", Quantity: 1, UnitPriceHT: 0, TGCRateCode: "NORMAL"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Devis offert", Quantity: 1, UnitPriceHT: 0, TGCRateCode: "NORMAL",
				ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 0, TGCAmount: 0}},
		},
		{
			name: "a seller under the franchise charges no TGC whatever the rate",
			inputs: []model.LineInput{
				{Designation: "Repas", Quantity: 1, UnitPriceHT: 1045, TGCRateCode: "NORMAL"},
				{Designation: "Tabac", Quantity: 2, UnitPriceHT: 999, TGCRateCode: "HIGH"},
				{Designation: "Pain", Quantity: 1, UnitPriceHT: 50, TGCRateCode: "REDUCED"},
			},
			franchise: true,
			want: []model.InvoiceLine{
				{Position: 1, Designation: "Repas", Quantity: 1, UnitPriceHT: 1045, TGCRateCode: "NORMAL",
					ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 1045, TGCAmount: 0},
				{Position: 2, Designation: "Tabac", Quantity: 2, UnitPriceHT: 999, TGCRateCode: "HIGH",
					ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 1998, TGCAmount: 0},
				{Position: 3, Designation: "Pain", Quantity: 1, UnitPriceHT: 50, TGCRateCode: "REDUCED",
					ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 50, TGCAmount: 0},
			},
		},
		{
			name: "lines are numbered from 1 and keep their given expense category",
			inputs: []model.LineInput{
				{Designation: "Gazole", Quantity: 40, UnitPriceHT: 150, TGCRateCode: "NORMAL", ExpenseCategory: model.ExpenseFuel},
				{Designation: "Ordinateur portable", Quantity: 1, UnitPriceHT: 120_000, TGCRateCode: "NORMAL", ExpenseCategory: model.ExpenseHardware},
				{Designation: "Loyer", Quantity: 1, UnitPriceHT: 85_000, TGCRateCode: "SPECIFIC", ExpenseCategory: model.ExpenseRent},
			},
			want: []model.InvoiceLine{
				{Position: 1, Designation: "Gazole", Quantity: 40, UnitPriceHT: 150, TGCRateCode: "NORMAL",
					ExpenseCategory: model.ExpenseFuel, AmountHT: 6_000, TGCAmount: 660},
				{Position: 2, Designation: "Ordinateur portable", Quantity: 1, UnitPriceHT: 120_000, TGCRateCode: "NORMAL",
					ExpenseCategory: model.ExpenseHardware, AmountHT: 120_000, TGCAmount: 13_200},
				{Position: 3, Designation: "Loyer", Quantity: 1, UnitPriceHT: 85_000, TGCRateCode: "SPECIFIC",
					ExpenseCategory: model.ExpenseRent, AmountHT: 85_000, TGCAmount: 5_100},
			},
		},
		{
			name:   "a missing expense category defaults to goods and services",
			inputs: []model.LineInput{{Designation: "Fournitures", Quantity: 1, UnitPriceHT: 1_000, TGCRateCode: "NORMAL", ExpenseCategory: ""}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Fournitures", Quantity: 1, UnitPriceHT: 1_000, TGCRateCode: "NORMAL",
				ExpenseCategory: model.DefaultExpenseCategory, AmountHT: 1_000, TGCAmount: 110}},
		},
		{
			name:   "the designation is trimmed",
			inputs: []model.LineInput{{Designation: "  Fournitures\t", Quantity: 1, UnitPriceHT: 1_000, TGCRateCode: "EXEMPT"}},
			want: []model.InvoiceLine{{Position: 1, Designation: "Fournitures", Quantity: 1, UnitPriceHT: 1_000, TGCRateCode: "EXEMPT",
				ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 1_000, TGCAmount: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := model.BuildLines("input.lines", tt.inputs, tgcRates(), tt.franchise)
			if err != nil {
				t.Fatalf("BuildLines(%+v, franchise %v) error = %v, want nil", tt.inputs, tt.franchise, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("BuildLines(%+v, franchise %v) = %d lines, want %d", tt.inputs, tt.franchise, len(got), len(tt.want))
			}
			for i, w := range tt.want {
				if *got[i] != w {
					t.Errorf("BuildLines(%+v, franchise %v) line %d = %+v, want %+v", tt.inputs, tt.franchise, i, *got[i], w)
				}
			}
		})
	}
}

// lineInputs returns n valid lines.
func lineInputs(n int) []model.LineInput {
	in := make([]model.LineInput, n)
	for i := range in {
		in[i] = model.LineInput{Designation: fmt.Sprintf("Article %d", i+1), Quantity: 1, UnitPriceHT: 1_000, TGCRateCode: "NORMAL"}
	}
	return in
}

func TestBuildLinesRejectsInvalidInput(t *testing.T) {
	tests := []struct {
		name      string
		inputs    []model.LineInput
		edit      func(l *model.LineInput) // applied to the second line when inputs is nil
		wantField string
	}{
		{name: "no line", inputs: []model.LineInput{}, wantField: "input.lines"},
		{name: "101 lines", inputs: lineInputs(model.MaxInvoiceLines + 1), wantField: "input.lines"},
		{name: "an empty designation", edit: func(l *model.LineInput) { l.Designation = "" }, wantField: "input.lines.1.designation"},
		{name: "a designation of blanks", edit: func(l *model.LineInput) { l.Designation = " \t " }, wantField: "input.lines.1.designation"},
		{name: "a designation of 501 characters", edit: func(l *model.LineInput) { l.Designation = strings.Repeat("a", 501) }, wantField: "input.lines.1.designation"},
		{name: "a quantity of 0", edit: func(l *model.LineInput) { l.Quantity = 0 }, wantField: "input.lines.1.quantity"},
		{name: "a negative quantity", edit: func(l *model.LineInput) { l.Quantity = -1 }, wantField: "input.lines.1.quantity"},
		{name: "a quantity above a million", edit: func(l *model.LineInput) { l.Quantity = 1_000_001 }, wantField: "input.lines.1.quantity"},
		{name: "a negative unit price", edit: func(l *model.LineInput) { l.UnitPriceHT = -1 }, wantField: "input.lines.1.unitPriceHT"},
		{name: "a unit price above ten billion", edit: func(l *model.LineInput) { l.UnitPriceHT = 10_000_000_001 }, wantField: "input.lines.1.unitPriceHT"},
		{name: "an unknown TGC rate", edit: func(l *model.LineInput) { l.TGCRateCode = "SEVEN" }, wantField: "input.lines.1.tgcRate"},
		{name: "no TGC rate", edit: func(l *model.LineInput) { l.TGCRateCode = "" }, wantField: "input.lines.1.tgcRate"},
		{name: "an unknown expense category", edit: func(l *model.LineInput) { l.ExpenseCategory = "FOOD" }, wantField: "input.lines.1.expenseCategory"},
		{name: "a lowercase expense category", edit: func(l *model.LineInput) { l.ExpenseCategory = "fuel" }, wantField: "input.lines.1.expenseCategory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs := tt.inputs
			if inputs == nil {
				inputs = lineInputs(3)
				tt.edit(&inputs[1])
			}
			got, err := model.BuildLines("input.lines", inputs, tgcRates(), false)
			checkError(t, fmt.Sprintf("BuildLines(%d lines)", len(inputs)), err, model.CodeInvalid, tt.wantField)
			if got != nil {
				t.Errorf("BuildLines(%d lines) = %d lines, want none with an error", len(inputs), len(got))
			}
		})
	}
}

func TestBuildLinesLimits(t *testing.T) {
	tests := []struct {
		name string
		edit func(l *model.LineInput)
	}{
		{"a designation of 500 characters is accepted", func(l *model.LineInput) { l.Designation = strings.Repeat("a", 500) }},
		{"a quantity of a million is accepted", func(l *model.LineInput) { l.Quantity = 1_000_000 }},
		{"a unit price of ten billion is accepted", func(l *model.LineInput) { l.UnitPriceHT = 10_000_000_000; l.TGCRateCode = "EXEMPT" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs := lineInputs(1)
			tt.edit(&inputs[0])
			if _, err := model.BuildLines("input.lines", inputs, tgcRates(), false); err != nil {
				t.Errorf("BuildLines(%+v) error = %v, want nil", inputs, err)
			}
		})
	}
	t.Run("100 lines are accepted", func(t *testing.T) {
		got, err := model.BuildLines("input.lines", lineInputs(model.MaxInvoiceLines), tgcRates(), false)
		if err != nil {
			t.Fatalf("BuildLines(%d lines) error = %v, want nil", model.MaxInvoiceLines, err)
		}
		if len(got) != model.MaxInvoiceLines || got[len(got)-1].Position != model.MaxInvoiceLines {
			t.Errorf("BuildLines(%d lines) = %d lines, want %d numbered 1 to %d", model.MaxInvoiceLines, len(got),
				model.MaxInvoiceLines, model.MaxInvoiceLines)
		}
	})
}

func TestTotals(t *testing.T) {
	line := func(rate string, ht, tgc model.XPF) *model.InvoiceLine {
		return &model.InvoiceLine{TGCRateCode: rate, AmountHT: ht, TGCAmount: tgc}
	}
	tests := []struct {
		name  string
		lines []*model.InvoiceLine
		want  model.InvoiceTotals
	}{
		{
			name:  "no line gives zero totals",
			lines: nil,
			want:  model.InvoiceTotals{},
		},
		{
			name:  "one line",
			lines: []*model.InvoiceLine{line("NORMAL", 1045, 115)},
			want: model.InvoiceTotals{HT: 1045, TGC: 115, TTC: 1160,
				PerRate: []model.TGCAmount{{RateCode: "NORMAL", BaseHT: 1045, Amount: 115}}},
		},
		{
			name:  "the TGC of lines at one rate is the sum of their rounded TGC, 2 + 2 rather than 3 % of 100",
			lines: []*model.InvoiceLine{line("REDUCED", 50, 2), line("REDUCED", 50, 2)},
			want: model.InvoiceTotals{HT: 100, TGC: 4, TTC: 104,
				PerRate: []model.TGCAmount{{RateCode: "REDUCED", BaseHT: 100, Amount: 4}}},
		},
		{
			name: "lines at several rates are broken down per rate, ordered by rate code",
			lines: []*model.InvoiceLine{
				line("NORMAL", 1045, 115),
				line("REDUCED", 50, 2),
				line("HIGH", 1998, 440),
				line("NORMAL", 1040, 114),
				line("EXEMPT", 5_500, 0),
			},
			want: model.InvoiceTotals{HT: 9_633, TGC: 671, TTC: 10_304,
				PerRate: []model.TGCAmount{
					{RateCode: "EXEMPT", BaseHT: 5_500, Amount: 0},
					{RateCode: "HIGH", BaseHT: 1998, Amount: 440},
					{RateCode: "NORMAL", BaseHT: 2085, Amount: 229},
					{RateCode: "REDUCED", BaseHT: 50, Amount: 2},
				}},
		},
		{
			name:  "lines of a seller under the franchise have TTC equal to HT",
			lines: []*model.InvoiceLine{line("NORMAL", 1045, 0), line("HIGH", 1998, 0)},
			want: model.InvoiceTotals{HT: 3043, TGC: 0, TTC: 3043,
				PerRate: []model.TGCAmount{{RateCode: "HIGH", BaseHT: 1998}, {RateCode: "NORMAL", BaseHT: 1045}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := model.Totals(tt.lines)
			if got.HT != tt.want.HT || got.TGC != tt.want.TGC || got.TTC != tt.want.TTC || !slices.Equal(got.PerRate, tt.want.PerRate) {
				t.Errorf("Totals(%d lines) = %+v, want %+v", len(tt.lines), got, tt.want)
			}
			if got.TTC != got.HT+got.TGC {
				t.Errorf("Totals(%d lines) TTC = %d, want HT %d + TGC %d", len(tt.lines), got.TTC, got.HT, got.TGC)
			}
			var base, tgc model.XPF
			for _, r := range got.PerRate {
				base += r.BaseHT
				tgc += r.Amount
			}
			if base != got.HT || tgc != got.TGC {
				t.Errorf("Totals(%d lines) per rate adds up to HT %d TGC %d, want %d %d", len(tt.lines), base, tgc, got.HT, got.TGC)
			}
		})
	}
}

func TestTotalsOfBuiltLines(t *testing.T) {
	lines, err := model.BuildLines("input.lines", []model.LineInput{
		{Designation: "Pain", Quantity: 1, UnitPriceHT: 50, TGCRateCode: "REDUCED"},
		{Designation: "Pain", Quantity: 1, UnitPriceHT: 50, TGCRateCode: "REDUCED"},
		{Designation: "Repas", Quantity: 1, UnitPriceHT: 1045, TGCRateCode: "NORMAL"},
	}, tgcRates(), false)
	if err != nil {
		t.Fatalf("BuildLines() error = %v", err)
	}
	// TGC is rounded per line: 1.5 → 2 twice makes 4, where 3 % of the 100 XPF base would make 3.
	want := model.InvoiceTotals{HT: 1145, TGC: 119, TTC: 1264, PerRate: []model.TGCAmount{
		{RateCode: "NORMAL", BaseHT: 1045, Amount: 115},
		{RateCode: "REDUCED", BaseHT: 100, Amount: 4},
	}}
	got := model.Totals(lines)
	if got.HT != want.HT || got.TGC != want.TGC || got.TTC != want.TTC || !slices.Equal(got.PerRate, want.PerRate) {
		t.Errorf("Totals(BuildLines(2 × 50 at 3 %%, 1,045 at 11 %%)) = %+v, want %+v", got, want)
	}
}

// activeEnterprise returns an active, eligible business.
func activeEnterprise(id int64, ridet model.RIDET) *model.Enterprise {
	return &model.Enterprise{ID: id, RIDET: ridet, Name: fmt.Sprintf("Entreprise %d", id), LegalForm: model.LegalFormSARL,
		SectorCode: "SERVICES", CommuneCode: "98818", Headcount: 2, Status: model.EnterpriseActive}
}

func TestCheckIssue(t *testing.T) {
	ttc := func(x model.XPF) *model.XPF { return &x }
	totals := model.InvoiceTotals{HT: 10_000, TGC: 1_100, TTC: 11_100}
	tests := []struct {
		name      string
		seller    *model.Enterprise
		buyer     *model.Enterprise
		declared  *model.XPF
		wantCode  model.ErrorCode
		wantField string
	}{
		{
			name:   "two active businesses of different companies may trade",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(2, "7654321001"),
		},
		{
			name:   "a declared TTC that matches the lines is accepted",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(2, "7654321001"), declared: ttc(11_100),
		},
		{
			name:   "companies whose numbers differ only in the last digit are not linked",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(2, "1234568001"),
		},
		{
			name:   "a business invoicing itself is self-invoicing",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(1, "1234567001"),
			wantCode: model.CodeLinkedParties, wantField: "input.buyerRidet",
		},
		{
			name:   "two establishments of the same company are linked parties",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(2, "1234567002"),
			wantCode: model.CodeLinkedParties, wantField: "input.buyerRidet",
		},
		{
			name:   "a pending seller may not invoice",
			seller: withStatus(activeEnterprise(1, "1234567001"), model.EnterprisePending), buyer: activeEnterprise(2, "7654321001"),
			wantCode: model.CodeSellerNotActive, wantField: "",
		},
		{
			name:   "a suspended seller may not invoice",
			seller: withStatus(activeEnterprise(1, "1234567001"), model.EnterpriseSuspended), buyer: activeEnterprise(2, "7654321001"),
			wantCode: model.CodeSellerNotActive, wantField: "",
		},
		{
			name:   "a closed buyer may not be invoiced",
			seller: activeEnterprise(1, "1234567001"), buyer: withStatus(activeEnterprise(2, "7654321001"), model.EnterpriseClosed),
			wantCode: model.CodeSellerNotActive, wantField: "input.buyerRidet",
		},
		{
			name:   "a pending buyer may not be invoiced",
			seller: activeEnterprise(1, "1234567001"), buyer: withStatus(activeEnterprise(2, "7654321001"), model.EnterprisePending),
			wantCode: model.CodeSellerNotActive, wantField: "input.buyerRidet",
		},
		{
			name:   "a declared TTC one franc off is non-compliant",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(2, "7654321001"), declared: ttc(11_101),
			wantCode: model.CodeNonCompliant, wantField: "input.declaredTotalTTC",
		},
		{
			name:   "a declared TTC equal to the HT is non-compliant",
			seller: activeEnterprise(1, "1234567001"), buyer: activeEnterprise(2, "7654321001"), declared: ttc(10_000),
			wantCode: model.CodeNonCompliant, wantField: "input.declaredTotalTTC",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := model.CheckIssue(tt.seller, tt.buyer, totals, tt.declared)
			call := fmt.Sprintf("CheckIssue(seller %s %s, buyer %s %s, declared %v)", tt.seller.RIDET, tt.seller.Status,
				tt.buyer.RIDET, tt.buyer.Status, tt.declared)
			checkError(t, call, err, tt.wantCode, tt.wantField)
		})
	}
}

func withStatus(e *model.Enterprise, s model.EnterpriseStatus) *model.Enterprise {
	e.Status = s
	return e
}

// phase2Confirmation returns a confirmation that passes every check: a phase-2 session (priority sectors for the
// seller, operating costs and hardware excluded, only for beneficiaries who have not used their credit), an
// invoice issued an hour after the opening by a services business to an eligible commerce.
func phase2Confirmation() model.Confirmation {
	nc := time.FixedZone("Pacific/Noumea", 11*3600)
	opens := time.Date(2025, time.July, 31, 8, 0, 0, 0, nc)
	closes := opens.Add(7 * 24 * time.Hour)
	seller := activeEnterprise(1, "1234567001")
	buyer := activeEnterprise(2, "7654321001")
	buyer.SectorCode = "COMMERCE"
	return model.Confirmation{
		Invoice: &model.Invoice{ID: 10, SellerID: 1, BuyerID: 2, Number: "F-2025-001", Status: model.InvoiceIssued,
			IssuedAt: opens.Add(time.Hour), TotalHT: 10_000, TotalTGC: 1_100, TotalTTC: 11_100},
		Lines: []*model.InvoiceLine{{Position: 1, Designation: "Nettoyage des bureaux", Quantity: 1, UnitPriceHT: 10_000,
			TGCRateCode: "NORMAL", ExpenseCategory: model.ExpenseGoodsAndServices, AmountHT: 10_000, TGCAmount: 1_100}},
		Seller: seller,
		Buyer:  buyer,
		Session: &model.Session{ID: 2, Name: "Phase 2 — session 1", OpensAt: opens, ClosesAt: &closes, Envelope: 120_000_000,
			SectorCodes:         []string{"BTP", "PRODUCTION", "SERVICES", model.SectorNumerique, "AGRICULTURE"},
			SectorRuleAppliesTo: model.SectorRuleSeller,
			ExcludedExpenseCategories: []model.ExpenseCategory{model.ExpenseFuel, model.ExpenseRent,
				model.ExpenseOperatingCosts, model.ExpenseHardware},
			OnlyUnusedBeneficiaries: true},
		CreditAmount: 10_000,
	}
}

func TestCheckConfirmation(t *testing.T) {
	addLine := func(c *model.Confirmation, designation string, category model.ExpenseCategory) {
		c.Lines = append(c.Lines, &model.InvoiceLine{Position: len(c.Lines) + 1, Designation: designation, Quantity: 1,
			UnitPriceHT: 1_000, TGCRateCode: "NORMAL", ExpenseCategory: category, AmountHT: 1_000, TGCAmount: 110})
	}
	tests := []struct {
		name      string
		edit      func(c *model.Confirmation)
		wantCode  model.ErrorCode
		wantField string
	}{
		{name: "a valid confirmation passes", edit: func(*model.Confirmation) {}},
		{name: "a credit of 1 XPF passes", edit: func(c *model.Confirmation) { c.CreditAmount = 1 }},
		{name: "a credit equal to the TTC passes", edit: func(c *model.Confirmation) { c.CreditAmount = c.Invoice.TotalTTC }},

		{name: "a credit of 0 is invalid", edit: func(c *model.Confirmation) { c.CreditAmount = 0 },
			wantCode: model.CodeInvalid, wantField: "input.creditAmount"},
		{name: "a negative credit is invalid", edit: func(c *model.Confirmation) { c.CreditAmount = -500 },
			wantCode: model.CodeInvalid, wantField: "input.creditAmount"},
		{name: "a credit one franc above the TTC is invalid", edit: func(c *model.Confirmation) { c.CreditAmount = c.Invoice.TotalTTC + 1 },
			wantCode: model.CodeInvalid, wantField: "input.creditAmount"},

		{name: "no open session means the session is closed", edit: func(c *model.Confirmation) { c.Session = nil },
			wantCode: model.CodeSessionClosed},
		{name: "an invoice issued a second before the session opened is outside the session",
			edit:     func(c *model.Confirmation) { c.Invoice.IssuedAt = c.Session.OpensAt.Add(-time.Second) },
			wantCode: model.CodeOutsideSession},
		{name: "an invoice issued in an earlier phase is outside the session",
			edit:     func(c *model.Confirmation) { c.Invoice.IssuedAt = c.Session.OpensAt.AddDate(0, -2, 0) },
			wantCode: model.CodeOutsideSession},
		{name: "an invoice issued at the very opening is inside the session",
			edit: func(c *model.Confirmation) { c.Invoice.IssuedAt = c.Session.OpensAt }},

		{name: "a suspended seller is not active", edit: func(c *model.Confirmation) { c.Seller.Status = model.EnterpriseSuspended },
			wantCode: model.CodeSellerNotActive},
		{name: "a closed seller is not active", edit: func(c *model.Confirmation) { c.Seller.Status = model.EnterpriseClosed },
			wantCode: model.CodeSellerNotActive},

		{name: "a pending buyer is not eligible", edit: func(c *model.Confirmation) { c.Buyer.Status = model.EnterprisePending },
			wantCode: model.CodeNotEligible},
		{name: "a SARL buyer with 5 employees is not eligible", edit: func(c *model.Confirmation) { c.Buyer.Headcount = 5 },
			wantCode: model.CodeNotEligible},
		{name: "a buyer without a commune of the Province Sud is not eligible", edit: func(c *model.Confirmation) { c.Buyer.CommuneCode = "" },
			wantCode: model.CodeNotEligible},
		{name: "a patenté buyer with 5 employees is eligible", edit: func(c *model.Confirmation) {
			c.Buyer.LegalForm = model.LegalFormPatente
			c.Buyer.Headcount = 5
		}},

		{name: "a buyer who used its credit is refused in a session for unused beneficiaries",
			edit:     func(c *model.Confirmation) { c.BuyerHasUsedCredit = true },
			wantCode: model.CodeCreditAlreadyUsed},
		{name: "a buyer who used its credit may confirm in a session open to all", edit: func(c *model.Confirmation) {
			c.BuyerHasUsedCredit = true
			c.Session.OnlyUnusedBeneficiaries = false
		}},

		{name: "a seller in commerce is refused when the rule applies to the seller",
			edit:     func(c *model.Confirmation) { c.Seller.SectorCode = "COMMERCE" },
			wantCode: model.CodeSectorNotAllowed},
		{name: "a buyer in commerce is fine when the rule applies to the seller",
			edit: func(c *model.Confirmation) { c.Buyer.SectorCode = "COMMERCE" }},
		{name: "a rule without a party applies to the seller", edit: func(c *model.Confirmation) {
			c.Session.SectorRuleAppliesTo = ""
			c.Seller.SectorCode = "COMMERCE"
		}, wantCode: model.CodeSectorNotAllowed},
		{name: "a buyer in commerce is refused when the rule applies to the buyer", edit: func(c *model.Confirmation) {
			c.Session.SectorRuleAppliesTo = model.SectorRuleBuyer
		}, wantCode: model.CodeSectorNotAllowed},
		{name: "a seller in commerce is fine when the rule applies to the buyer", edit: func(c *model.Confirmation) {
			c.Session.SectorRuleAppliesTo = model.SectorRuleBuyer
			c.Seller.SectorCode = "COMMERCE"
			c.Buyer.SectorCode = "BTP"
		}},
		{name: "an allowed seller and a buyer in commerce are refused when the rule applies to both", edit: func(c *model.Confirmation) {
			c.Session.SectorRuleAppliesTo = model.SectorRuleBoth
		}, wantCode: model.CodeSectorNotAllowed},
		{name: "a seller in commerce and an allowed buyer are refused when the rule applies to both", edit: func(c *model.Confirmation) {
			c.Session.SectorRuleAppliesTo = model.SectorRuleBoth
			c.Seller.SectorCode = "COMMERCE"
			c.Buyer.SectorCode = "BTP"
		}, wantCode: model.CodeSectorNotAllowed},
		{name: "an allowed seller and an allowed buyer pass when the rule applies to both", edit: func(c *model.Confirmation) {
			c.Session.SectorRuleAppliesTo = model.SectorRuleBoth
			c.Buyer.SectorCode = "AGRICULTURE"
		}},
		{name: "an empty allow-list allows every sector", edit: func(c *model.Confirmation) {
			c.Session.SectorCodes = nil
			c.Session.SectorRuleAppliesTo = model.SectorRuleBoth
			c.Seller.SectorCode = "COMMERCE"
		}},

		{name: "a fuel line is an excluded expense", edit: func(c *model.Confirmation) { addLine(c, "Gazole", model.ExpenseFuel) },
			wantCode: model.CodeExcludedExpense},
		{name: "a rent line is an excluded expense", edit: func(c *model.Confirmation) { addLine(c, "Loyer", model.ExpenseRent) },
			wantCode: model.CodeExcludedExpense},
		{name: "a fuel line passes in a session that excludes nothing", edit: func(c *model.Confirmation) {
			c.Session.ExcludedExpenseCategories = nil
			addLine(c, "Gazole", model.ExpenseFuel)
		}},
		{name: "a hardware line from a numérique seller is a hardware sale", edit: func(c *model.Confirmation) {
			c.Seller.SectorCode = model.SectorNumerique
			addLine(c, "Ordinateur portable", model.ExpenseHardware)
		}, wantCode: model.CodeHardwareSale},
		{name: "a hardware line from a seller outside numérique is an excluded expense", edit: func(c *model.Confirmation) {
			addLine(c, "Ordinateur portable", model.ExpenseHardware)
		}, wantCode: model.CodeExcludedExpense},
		{name: "a hardware line from a numérique seller passes when hardware is not excluded", edit: func(c *model.Confirmation) {
			c.Session.ExcludedExpenseCategories = []model.ExpenseCategory{model.ExpenseFuel}
			c.Seller.SectorCode = model.SectorNumerique
			addLine(c, "Ordinateur portable", model.ExpenseHardware)
		}},
		{name: "a numérique service line passes", edit: func(c *model.Confirmation) {
			c.Seller.SectorCode = model.SectorNumerique
			addLine(c, "Développement d'un site web", model.ExpenseGoodsAndServices)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := phase2Confirmation()
			tt.edit(&c)
			err := model.CheckConfirmation(c)
			checkError(t, fmt.Sprintf("CheckConfirmation(%s)", tt.name), err, tt.wantCode, tt.wantField)
		})
	}
}

func TestCheckTransition(t *testing.T) {
	type pair struct{ from, to model.InvoiceStatus }
	legal := map[pair]bool{
		{model.InvoiceIssued, model.InvoiceConfirmed}:   true,
		{model.InvoiceConfirmed, model.InvoiceApproved}: true,
		{model.InvoiceConfirmed, model.InvoiceReturned}: true,
		{model.InvoiceConfirmed, model.InvoiceRejected}: true,
		{model.InvoiceApproved, model.InvoicePaid}:      true,
	}
	if n := len(model.AllInvoiceStatuses); n != 6 {
		t.Fatalf("len(AllInvoiceStatuses) = %d, want 6: update this test's legal transitions", n)
	}
	for _, from := range model.AllInvoiceStatuses {
		for _, to := range model.AllInvoiceStatuses {
			p := pair{from, to}
			verdict := "illegal"
			if legal[p] {
				verdict = "legal"
			}
			t.Run(fmt.Sprintf("%s to %s is %s", from, to, verdict), func(t *testing.T) {
				err := model.CheckTransition(from, to)
				call := fmt.Sprintf("CheckTransition(%s, %s)", from, to)
				if legal[p] {
					checkError(t, call, err, "", "")
				} else {
					checkError(t, call, err, model.CodeIllegalTransition, "")
				}
			})
		}
	}
}
