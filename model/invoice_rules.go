package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of an invoice's input.
const (
	MaxInvoiceLines   = 100
	maxLineQuantity   = 1_000_000
	maxUnitPriceHT    = XPF(10_000_000_000)
	maxDesignationLen = 500
)

// LineInput is an invoice line as the seller sends it.
type LineInput struct {
	Designation     string
	Quantity        int64
	UnitPriceHT     XPF
	TGCRateCode     string
	ExpenseCategory ExpenseCategory
}

// BuildLines validates a seller's lines and computes their amounts: TGC per line, half-up to the franc, none for a
// seller under the franchise en base. field is the input path of the lines (e.g. "input.lines").
func BuildLines(field string, inputs []LineInput, rates map[string]*TGCRate, franchise bool) ([]*InvoiceLine, error) {
	if len(inputs) == 0 || len(inputs) > MaxInvoiceLines {
		return nil, Invalid(field, "an invoice has 1 to %d lines, got %d", MaxInvoiceLines, len(inputs))
	}
	lines := make([]*InvoiceLine, len(inputs))
	for i, in := range inputs {
		at := fmt.Sprintf("%s.%d", field, i)
		designation := strings.TrimSpace(in.Designation)
		switch {
		case designation == "" || utf8.RuneCountInString(designation) > maxDesignationLen:
			return nil, Invalid(at+".designation", "a designation of 1 to %d characters is required", maxDesignationLen)
		case in.Quantity < 1 || in.Quantity > maxLineQuantity:
			return nil, Invalid(at+".quantity", "quantity must be between 1 and %d, got %d", maxLineQuantity, in.Quantity)
		case in.UnitPriceHT < 0 || in.UnitPriceHT > maxUnitPriceHT:
			return nil, Invalid(at+".unitPriceHT", "unit price must be between 0 and %d XPF, got %d", maxUnitPriceHT, in.UnitPriceHT)
		}
		category := in.ExpenseCategory
		if category == "" {
			category = DefaultExpenseCategory
		}
		if !category.IsValid() {
			return nil, Invalid(at+".expenseCategory", "%q is not an expense category", category)
		}
		rate, ok := rates[in.TGCRateCode]
		if !ok {
			return nil, Invalid(at+".tgcRate", "%q is not a TGC rate", in.TGCRateCode)
		}
		line := &InvoiceLine{Position: i + 1, Designation: designation, Quantity: in.Quantity,
			UnitPriceHT: in.UnitPriceHT, TGCRateCode: rate.Code, ExpenseCategory: category}
		ComputeLine(line, rate, franchise)
		lines[i] = line
	}
	return lines, nil
}

// CheckIssue applies the automatic checks at issue: the seller and buyer are distinct, unlinked, active
// businesses, and a declared total matches the computed one.
func CheckIssue(seller, buyer *Enterprise, totals InvoiceTotals, declaredTTC *XPF) error {
	switch {
	case seller.ID == buyer.ID:
		return Errorf(CodeLinkedParties, "input.buyerRidet", "a business cannot invoice itself")
	case seller.RIDET.Company() == buyer.RIDET.Company():
		return Errorf(CodeLinkedParties, "input.buyerRidet", "seller and buyer are establishments of the same company (%s)", seller.RIDET.Company())
	case seller.Status != EnterpriseActive:
		return Errorf(CodeSellerNotActive, "", "the seller is %s: only ACTIVE businesses may invoice", seller.Status)
	case buyer.Status != EnterpriseActive:
		return Errorf(CodeSellerNotActive, "input.buyerRidet", "the buyer is %s: only ACTIVE businesses trade on the platform", buyer.Status)
	case declaredTTC != nil && *declaredTTC != totals.TTC:
		return Errorf(CodeNonCompliant, "input.declaredTotalTTC", "declared TTC %d XPF differs from the lines' TTC %d XPF (HT %d + TGC %d)", *declaredTTC, totals.TTC, totals.HT, totals.TGC)
	}
	return nil
}

// Confirmation is what the confirmation checks look at.
type Confirmation struct {
	Invoice      *Invoice
	Lines        []*InvoiceLine
	Seller       *Enterprise
	Buyer        *Enterprise
	Session      *Session // the open session, nil when none is
	CreditAmount XPF
	// BuyerHasUsedCredit is true when the buyer already spent CréditSud in the programme.
	BuyerHasUsedCredit bool
}

// CheckConfirmation applies the automatic checks at confirmation, before any money moves. The availability of the
// buyer's credit and of the envelope is not checked here: the store checks it atomically while reserving.
func CheckConfirmation(c Confirmation) error {
	inv := c.Invoice
	switch {
	case c.CreditAmount < 1:
		return Invalid("input.creditAmount", "the CréditSud amount must be at least 1 XPF, got %d", c.CreditAmount)
	case c.CreditAmount > inv.TotalTTC:
		return Invalid("input.creditAmount", "the CréditSud amount %d XPF is above the invoice's TTC %d XPF", c.CreditAmount, inv.TotalTTC)
	case c.Session == nil:
		return Errorf(CodeSessionClosed, "", "no CréditSud session is open now")
	case inv.IssuedAt.Before(c.Session.OpensAt):
		return Errorf(CodeOutsideSession, "", "the invoice was issued on %s, before session %q opened: only invoices issued during the session qualify", inv.IssuedAt.Format(time.DateOnly), c.Session.Name)
	case c.Seller.Status != EnterpriseActive:
		return Errorf(CodeSellerNotActive, "", "the seller is %s", c.Seller.Status)
	case !c.Buyer.IsEligible():
		return Errorf(CodeNotEligible, "", "the buyer is not eligible for CréditSud: %s", strings.Join(c.Buyer.Eligibility().Reasons, "; "))
	case c.Session.OnlyUnusedBeneficiaries && c.BuyerHasUsedCredit:
		return Errorf(CodeCreditAlreadyUsed, "", "session %q is only for beneficiaries who have not used their CréditSud yet", c.Session.Name)
	}
	if err := checkSectors(c); err != nil {
		return err
	}
	for i, l := range c.Lines {
		if !slices.Contains(c.Session.ExcludedExpenseCategories, l.ExpenseCategory) {
			continue
		}
		if l.ExpenseCategory == ExpenseHardware && c.Seller.SectorCode == SectorNumerique {
			return Errorf(CodeHardwareSale, "", "line %d (%s) is a hardware sale, excluded under numérique in this session", i+1, l.Designation)
		}
		return Errorf(CodeExcludedExpense, "", "line %d (%s) is a %s expense, excluded in this session", i+1, l.Designation, l.ExpenseCategory)
	}
	return nil
}

// SectorNumerique is the code of the numérique sector, whose hardware sales some sessions exclude.
const SectorNumerique = "NUMERIQUE"

func checkSectors(c Confirmation) error {
	allowed := c.Session.SectorCodes
	if len(allowed) == 0 {
		return nil
	}
	rule := c.Session.SectorRuleAppliesTo
	if (rule == SectorRuleSeller || rule == SectorRuleBoth || rule == "") && !slices.Contains(allowed, c.Seller.SectorCode) {
		return Errorf(CodeSectorNotAllowed, "", "the seller's sector %s is not allowed in session %q", c.Seller.SectorCode, c.Session.Name)
	}
	if (rule == SectorRuleBuyer || rule == SectorRuleBoth) && !slices.Contains(allowed, c.Buyer.SectorCode) {
		return Errorf(CodeSectorNotAllowed, "", "the buyer's sector %s is not allowed in session %q", c.Buyer.SectorCode, c.Session.Name)
	}
	return nil
}

// invoiceTransitions is the invoice state machine: from each status, where an invoice may go.
var invoiceTransitions = map[InvoiceStatus][]InvoiceStatus{
	InvoiceIssued:    {InvoiceConfirmed},
	InvoiceConfirmed: {InvoiceApproved, InvoiceReturned, InvoiceRejected},
	InvoiceApproved:  {InvoicePaid},
}

// CheckTransition returns an ILLEGAL_TRANSITION error unless an invoice may go from one status to another.
func CheckTransition(from, to InvoiceStatus) error {
	if slices.Contains(invoiceTransitions[from], to) {
		return nil
	}
	return Errorf(CodeIllegalTransition, "", "an invoice that is %s cannot become %s", from, to)
}
