package model

import (
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// DefaultAllocation is the CréditSud granted to each eligible business unless a programme says otherwise
// (250,000 XPF = 250 points of 1,000 XPF).
const DefaultAllocation XPF = 250_000

// Programme is a CréditSud aid scheme.
type Programme struct {
	bun.BaseModel `bun:"table:programmes,alias:p"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Name             string    `bun:"name"`
	Description      string    `bun:"description"`
	AllocationAmount XPF       `bun:"allocation_amount"`
	CreatedAt        time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// NodeID is the programme's global ID.
func (p *Programme) NodeID() string { return GlobalIntID(TypeProgramme, p.ID) }

// Session is a spending window of a programme with its own envelope and rules.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID                        int64             `bun:"id,pk,autoincrement"`
	ProgrammeID               int64             `bun:"programme_id"`
	Name                      string            `bun:"name"`
	OpensAt                   time.Time         `bun:"opens_at"`
	ClosesAt                  *time.Time        `bun:"closes_at"`
	Envelope                  XPF               `bun:"envelope"`
	SectorCodes               []string          `bun:"sector_codes,array,nullzero,notnull,default:'{}'"`
	SectorRuleAppliesTo       SectorRuleParty   `bun:"sector_rule_applies_to"`
	ExcludedExpenseCategories []ExpenseCategory `bun:"excluded_expense_categories,array,nullzero,notnull,default:'{}'"`
	OnlyUnusedBeneficiaries   bool              `bun:"only_unused_beneficiaries"`
	CreatedAt                 time.Time         `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// NodeID is the session's global ID.
func (s *Session) NodeID() string { return GlobalIntID(TypeSession, s.ID) }

// Invoice is an invoice between two registered businesses.
type Invoice struct {
	bun.BaseModel `bun:"table:invoices,alias:i"`

	ID               int64            `bun:"id,pk,autoincrement"`
	SellerID         int64            `bun:"seller_id"`
	BuyerID          int64            `bun:"buyer_id"`
	SessionID        *int64           `bun:"session_id"`
	Number           string           `bun:"number"`
	Status           InvoiceStatus    `bun:"status"`
	IssuedAt         time.Time        `bun:"issued_at,nullzero,notnull,default:current_timestamp"`
	TotalHT          XPF              `bun:"total_ht"`
	TotalTGC         XPF              `bun:"total_tgc"`
	TotalTTC         XPF              `bun:"total_ttc"`
	CreditAmount     XPF              `bun:"credit_amount"`
	RejectionReason  *RejectionReason `bun:"rejection_reason"`
	ControlNote      string           `bun:"control_note"`
	ReplacesID       *int64           `bun:"replaces_id"`
	TGCNotApplicable bool             `bun:"tgc_not_applicable"`
	ConfirmedAt      *time.Time       `bun:"confirmed_at"`
	UpdatedAt        time.Time        `bun:"updated_at,nullzero,notnull,default:current_timestamp"`

	// ListParentID is filled only by batched nested lists: the business this row was fetched for.
	ListParentID int64 `bun:"list_parent_id,scanonly"`
}

// NodeID is the invoice's global ID.
func (i *Invoice) NodeID() string { return GlobalIntID(TypeInvoice, i.ID) }

// OwnerIDs makes an invoice readable by its seller and its buyer.
func (i *Invoice) OwnerIDs() []int64 { return []int64{i.SellerID, i.BuyerID} }

// VisibleTo reports whether the actor may see the invoice: staff, its seller and its buyer.
func (i *Invoice) VisibleTo(a Actor) bool { return a.IsStaff() || a.ActsFor(i.SellerID, i.BuyerID) }

// InvoiceLine is one line of an invoice; amounts are computed by ComputeLine.
type InvoiceLine struct {
	bun.BaseModel `bun:"table:invoice_lines,alias:l"`

	ID              int64           `bun:"id,pk,autoincrement"`
	InvoiceID       int64           `bun:"invoice_id"`
	Position        int             `bun:"position"`
	Designation     string          `bun:"designation"`
	Quantity        int64           `bun:"quantity"`
	UnitPriceHT     XPF             `bun:"unit_price_ht"`
	TGCRateCode     string          `bun:"tgc_rate_code"`
	ExpenseCategory ExpenseCategory `bun:"expense_category"`
	AmountHT        XPF             `bun:"amount_ht"`
	TGCAmount       XPF             `bun:"tgc_amount"`
}

// DefaultExpenseCategory is the category of ordinary purchases of goods and services.
const DefaultExpenseCategory = ExpenseGoodsAndServices

// ComputeLine fills a line's HT amount and TGC from its quantity, unit price and rate: TGC is computed per line
// and rounded half-up to the franc; a seller under the franchise en base charges none.
func ComputeLine(line *InvoiceLine, rate *TGCRate, franchise bool) {
	line.AmountHT = XPF(line.Quantity) * line.UnitPriceHT
	line.TGCAmount = 0
	if !franchise {
		line.TGCAmount = rate.TGCOn(line.AmountHT)
	}
}

// InvoiceTotals are an invoice's totals and its TGC summary per rate.
type InvoiceTotals struct {
	HT, TGC, TTC XPF
	PerRate      []TGCAmount
}

// TGCAmount is the TGC due at one rate on an invoice.
type TGCAmount struct {
	RateCode string
	BaseHT   XPF
	Amount   XPF
}

// Totals sums computed lines into the invoice's totals; the per-rate summary is ordered by rate code.
func Totals(lines []*InvoiceLine) InvoiceTotals {
	var t InvoiceTotals
	byRate := map[string]*TGCAmount{}
	for _, l := range lines {
		t.HT += l.AmountHT
		t.TGC += l.TGCAmount
		a, ok := byRate[l.TGCRateCode]
		if !ok {
			a = &TGCAmount{RateCode: l.TGCRateCode}
			byRate[l.TGCRateCode] = a
		}
		a.BaseHT += l.AmountHT
		a.Amount += l.TGCAmount
	}
	t.TTC = t.HT + t.TGC
	for _, a := range byRate {
		t.PerRate = append(t.PerRate, *a)
	}
	sort.Slice(t.PerRate, func(i, j int) bool { return t.PerRate[i].RateCode < t.PerRate[j].RateCode })
	return t
}

// InvoiceQuery selects invoices for a list, latest first.
type InvoiceQuery struct {
	Statuses  []InvoiceStatus
	SessionID int64
	SellerID  int64
	BuyerID   int64
	// PartyID, when set, keeps invoices this business issued or received (both unless Party says).
	PartyID int64
	Party   string // "SELLER", "BUYER" or "" for both
	// SellerSectors and BuyerSectors keep invoices whose seller (buyer) is in one of these sectors.
	SellerSectors []string
	BuyerSectors  []string
	IssuedFrom    *time.Time // inclusive
	IssuedBefore  *time.Time // exclusive
	Viewer        Actor
}
