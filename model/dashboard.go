package model

import "time"

// Noumea is New Caledonia's time zone: UTC+11 all year (no daylight saving since 1979), so a fixed zone is exact.
var Noumea = time.FixedZone("Pacific/Noumea", 11*60*60)

// DashboardScope is what the Province's dashboard is computed for: a programme and a session (0: all) and a
// window [From, Until) of instants (nil: unbounded). Positions (businesses, budget) are as at Until; movements
// are those within [From, Until).
type DashboardScope struct {
	ProgrammeID int64
	SessionID   int64 // when set, ProgrammeID is the session's programme
	From        *time.Time
	Until       *time.Time
	// FromDay and ToDay are the window as the caller gave it (Nouméa days), for display.
	FromDay, ToDay *time.Time
}

// NewDashboardScope validates a dashboard's window: from and to are the starts of Nouméa days, to included.
func NewDashboardScope(programmeID, sessionID int64, from, to *time.Time) (DashboardScope, error) {
	s := DashboardScope{ProgrammeID: programmeID, SessionID: sessionID, From: from, FromDay: from, ToDay: to}
	if to != nil {
		until := to.AddDate(0, 0, 1)
		s.Until = &until
	}
	if from != nil && to != nil && to.Before(*from) {
		return s, Invalid("to", "the window ends (%s) before it starts (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	return s, nil
}

// ResolveDashboardScope validates the dashboard's arguments, for the query and its exports alike: the programme
// and session (global IDs) must exist, and a session given with a programme must belong to it; a session alone
// scopes its programme too. programmeExists and sessionProgramme look them up.
func ResolveDashboardScope(programme, session *string, from, to *time.Time, programmeExists func(id int64) (bool, error),
	sessionProgramme func(id int64) (programmeID int64, found bool, err error)) (DashboardScope, error) {
	var programmeID, sessionID int64
	var err error
	if programme != nil {
		if programmeID, err = ParseIntID("programme", TypeProgramme, *programme); err != nil {
			return DashboardScope{}, err
		}
		if ok, err := programmeExists(programmeID); err != nil {
			return DashboardScope{}, err
		} else if !ok {
			return DashboardScope{}, Invalid("programme", "no such programme")
		}
	}
	if session != nil {
		if sessionID, err = ParseIntID("session", TypeSession, *session); err != nil {
			return DashboardScope{}, err
		}
		of, ok, err := sessionProgramme(sessionID)
		if err != nil {
			return DashboardScope{}, err
		}
		if !ok {
			return DashboardScope{}, Invalid("session", "no such session")
		}
		if programmeID != 0 && of != programmeID {
			return DashboardScope{}, Invalid("session", "the session is not one of the programme's")
		}
		programmeID = of
	}
	return NewDashboardScope(programmeID, sessionID, from, to)
}

// Dashboard is the root of the dashboard's figures; each figure is computed when asked for. Spent and Invoices
// read figures that several fields share, once per request when first asked for.
type Dashboard struct {
	Scope    DashboardScope
	Spent    func() (*DashboardSpent, error)
	Invoices func() (*DashboardInvoices, error)
}

// DrillSet names the records behind a dashboard figure; with a key (a sector code, a status…), the store lists
// exactly the records the figure counts or sums.
type DrillSet string

// The record sets behind the dashboard's figures.
const (
	// Businesses (keys: the Drill* business keys).
	DrillBusinesses DrillSet = "BUSINESSES"
	// Invoices with CréditSud spent within the window, by the seller's or buyer's sector or commune (key: the code),
	// between two small businesses, or all of them (no key).
	DrillSpentBySellerSector  DrillSet = "SELLER_SECTOR"
	DrillSpentByBuyerSector   DrillSet = "BUYER_SECTOR"
	DrillSpentBySellerCommune DrillSet = "SELLER_COMMUNE"
	DrillSpentByBuyerCommune  DrillSet = "BUYER_COMMUNE"
	DrillSpentSmallBusiness   DrillSet = "SMALL_BUSINESS"
	// Invoices issued within the window by status (key: the status), rejected (key: the reason, or none for all).
	DrillInvoiceStatus DrillSet = "STATUS"
	DrillRejected      DrillSet = "REJECTED"
	// Invoices confirmed within the window that are confirmed, approved or paid now.
	DrillBusinessDone DrillSet = "BUSINESS_DONE"
	// Private orders from the directory's mise en relation ordered within the window.
	DrillPrivateOrders DrillSet = "PRIVATE_ORDERS"
	// Consultations published within the window, awarded within the window; unsealed standing offers received
	// within the window.
	DrillConsultationsPublished DrillSet = "CONSULTATIONS_PUBLISHED"
	DrillConsultationsAwarded   DrillSet = "CONSULTATIONS_AWARDED"
	DrillOffersReceived         DrillSet = "OFFERS_RECEIVED"
	// Journal entries on a programme's or a session's accounts (key: its id), a day's confirmations (key: YYYY-MM-DD).
	DrillProgrammeEntries DrillSet = "PROGRAMME"
	DrillSessionEntries   DrillSet = "SESSION"
	DrillDayEntries       DrillSet = "DAY"
)

// The keys of DrillBusinesses.
const (
	BusinessesRegistered     = "REGISTERED"
	BusinessesEligible       = "ELIGIBLE"
	BusinessesSupported      = "SUPPORTED"
	BusinessesProjectsFunded = "PROJECTS_FUNDED"
	BusinessesNotUsedYet     = "NOT_USED_YET"
)

// Drill is the record set behind one figure: a set of the scope and its key.
type Drill struct {
	Scope DashboardScope
	Set   DrillSet
	Key   string
}

// DashboardCount is a number of businesses.
type DashboardCount struct {
	Count int
	Drill Drill
}

// DashboardBusinesses are the business figures at the end of the window.
type DashboardBusinesses struct {
	Registered, Eligible, Supported, ProjectsFunded, NotUsedYet *DashboardCount
}

// EnvelopeFigures are a budget's amounts: Engaged = Remaining + Reserved + Payable + Paid.
type EnvelopeFigures struct {
	Engaged, Reserved, Payable, Paid, Remaining XPF
}

// Spent is the CréditSud spent: reserved, owed and paid.
func (f EnvelopeFigures) Spent() XPF { return f.Reserved + f.Payable + f.Paid }

// Add adds g's amounts to f's.
func (f *EnvelopeFigures) Add(g EnvelopeFigures) {
	f.Engaged += g.Engaged
	f.Reserved += g.Reserved
	f.Payable += g.Payable
	f.Paid += g.Paid
	f.Remaining += g.Remaining
}

// DashboardProgrammeBudget is a programme's envelopes: the sum of its sessions'.
type DashboardProgrammeBudget struct {
	EnvelopeFigures
	ProgrammeID int64
	Sessions    []*DashboardSessionBudget
	Drill       Drill
}

// DashboardSessionBudget is a session's envelope and when it was exhausted.
type DashboardSessionBudget struct {
	EnvelopeFigures
	SessionID   int64
	ProgrammeID int64
	OpensAt     time.Time
	ExhaustedAt *time.Time
	Drill       Drill
}

// SecondsToExhaustion is the time from the session's opening to its exhaustion, nil when never exhausted.
func (b *DashboardSessionBudget) SecondsToExhaustion() *int {
	if b.ExhaustedAt == nil {
		return nil
	}
	s := int(b.ExhaustedAt.Sub(b.OpensAt) / time.Second)
	return &s
}

// DashboardAmount is CréditSud spent for one sector or one commune (Code).
type DashboardAmount struct {
	Code         string
	Amount       XPF
	InvoiceCount int
	Drill        Drill
}

// DashboardSpent is every breakdown of the CréditSud spent within a window, from one read of the ledger.
type DashboardSpent struct {
	BySellerSector, ByBuyerSector, BySellerCommune, ByBuyerCommune []*DashboardAmount
	SmallBusiness                                                  *DashboardSmallBusinessShare
}

// DashboardSmallBusinessShare is the share of CréditSud spent between two small businesses.
type DashboardSmallBusinessShare struct {
	SmallBusinessAmount XPF
	Total               XPF
	InvoiceCount        int
	Drill               Drill
}

// Percent is SmallBusinessAmount / Total × 100, nil when nothing was spent.
func (s *DashboardSmallBusinessShare) Percent() *float64 {
	if s.Total == 0 {
		return nil
	}
	p := float64(s.SmallBusinessAmount) * 100 / float64(s.Total)
	return &p
}

// DashboardInvoiceStatusCount is the invoices of one status.
type DashboardInvoiceStatusCount struct {
	Status   InvoiceStatus
	Count    int
	TotalTTC XPF
	Drill    Drill
}

// DashboardRejections is the rejected invoices in all and by reason.
type DashboardRejections struct {
	Count    int
	TotalTTC XPF
	ByReason []*DashboardRejectionReasonCount
	Drill    Drill
}

// DashboardRejectionReasonCount is the rejected invoices of one reason.
type DashboardRejectionReasonCount struct {
	Reason   RejectionReason
	Count    int
	TotalTTC XPF
	Drill    Drill
}

// DashboardInvoices is the invoice figures of a window, from one read.
type DashboardInvoices struct {
	ByStatus []*DashboardInvoiceStatusCount
	Rejected *DashboardRejections
}

// DashboardBusinessDone is the business done through the platform: Total = CreditSud + OutsideCreditSud, and
// Total = InvoicedTotal + PrivateOrders.
type DashboardBusinessDone struct {
	InvoiceCount      int
	InvoicedTotal     XPF
	CreditSud         XPF
	PrivateOrderCount int
	PrivateOrders     XPF
	Drill             Drill
	OrdersDrill       Drill
}

// Total is all business done: the invoices' TTC and the private orders'.
func (b *DashboardBusinessDone) Total() XPF { return b.InvoicedTotal + b.PrivateOrders }

// OutsideCreditSud is the part of the business paid outside CréditSud: the invoices' part not paid with it, and
// the private orders.
func (b *DashboardBusinessDone) OutsideCreditSud() XPF { return b.Total() - b.CreditSud }

// DashboardConsultations is the public consultations' figures of a window.
type DashboardConsultations struct {
	Published        int
	OffersReceived   int
	Awarded          int
	AwardedAmountHT  XPF
	AwardedAmountTTC XPF
	PublishedDrill   Drill
	OffersDrill      Drill
	AwardsDrill      Drill
}

// Private order connection types of the schema (the dashboard's drill-down), bound by gqlgen.
type (
	PrivateOrderConnection = Connection[*PrivateOrder]
	PrivateOrderEdge       = Edge[*PrivateOrder]
)

// DashboardDay is one Nouméa day of ledger movement on invoices.
type DashboardDay struct {
	Day             time.Time // 00:00 in Nouméa
	Confirmations   int
	ConfirmedAmount XPF
	ReleasedAmount  XPF
	PaidAmount      XPF
	Drill           Drill
}
