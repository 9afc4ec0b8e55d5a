package model

import (
	"fmt"
	"regexp"
	"time"

	"github.com/uptrace/bun"
)

// Enterprise is a registered business or patenté establishment.
type Enterprise struct {
	bun.BaseModel `bun:"table:enterprises,alias:e"`

	ID                  int64            `bun:"id,pk,autoincrement"`
	RIDET               RIDET            `bun:"ridet"`
	Name                string           `bun:"name"`
	TradeName           string           `bun:"trade_name"`
	LegalForm           LegalForm        `bun:"legal_form"`
	APECode             string           `bun:"ape_code"`
	SectorCode          string           `bun:"sector_code"`
	CommuneCode         string           `bun:"commune_code"`
	Headcount           int              `bun:"headcount"`
	Status              EnterpriseStatus `bun:"status"`
	RegisteredAt        time.Time        `bun:"registered_at,nullzero,notnull,default:current_timestamp"`
	Description         string           `bun:"description"`
	Keywords            []string         `bun:"keywords,array,nullzero,notnull,default:'{}'"`
	ListedInDirectory   bool             `bun:"listed_in_directory"`
	TGCFranchise        bool             `bun:"tgc_franchise"`
	ContactEmail        string           `bun:"contact_email"`
	ContactPhone        string           `bun:"contact_phone"`
	RepresentativeName  string           `bun:"representative_name"`
	RepresentativeEmail string           `bun:"representative_email"`
	RepresentativePhone string           `bun:"representative_phone"`
	UpdatedAt           time.Time        `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
	// Relevance is the search rank of the business in a directory search (scanned, never stored).
	Relevance int64 `bun:"relevance,scanonly"`
	// ListParentID is filled only by batched nested lists: the parent this row was fetched for.
	ListParentID int64 `bun:"list_parent_id,scanonly" json:"-"`
}

// Representative is the natural person behind a business: personal data.
type Representative struct {
	Name  string
	Email string
	Phone string
}

// SmallBusinessMaxHeadcount is the largest headcount of a small business (TPE: fewer than 10 employees).
const SmallBusinessMaxHeadcount = 9

// CreditSudMaxHeadcount is the largest headcount of a company eligible for CréditSud (patentés always are).
const CreditSudMaxHeadcount = 2

// NodeID is the enterprise's global ID.
func (e *Enterprise) NodeID() string { return GlobalIntID(TypeEnterprise, e.ID) }

// FormattedRIDET is the RIDET as people write it ("1234567.001").
func (e *Enterprise) FormattedRIDET() string { return e.RIDET.String() }

// OwnerIDs makes an enterprise readable by its own users where a field allows owners.
func (e *Enterprise) OwnerIDs() []int64 { return []int64{e.ID} }

// IsSmallBusiness reports whether the business is a TPE: fewer than 10 employees; patentés always are.
func (e *Enterprise) IsSmallBusiness() bool {
	return e.LegalForm == LegalFormPatente || e.Headcount <= SmallBusinessMaxHeadcount
}

// IsEligible reports whether the business may receive CréditSud: active, in a commune of the Province Sud (every
// commune the platform knows is), and a patenté or at most 2 employees.
func (e *Enterprise) IsEligible() bool { return e.Eligibility().Eligible }

// Eligibility applies the CréditSud eligibility rules and says which fail.
func (e *Enterprise) Eligibility() *Eligibility {
	var reasons []string
	if e.Status != EnterpriseActive {
		reasons = append(reasons, fmt.Sprintf("status %s: only ACTIVE businesses are eligible", e.Status))
	}
	if e.CommuneCode == "" {
		reasons = append(reasons, "no commune of the Province Sud")
	}
	if e.LegalForm != LegalFormPatente && e.Headcount > CreditSudMaxHeadcount {
		reasons = append(reasons, fmt.Sprintf("%d employees: a company needs at most %d (patentés are always eligible)", e.Headcount, CreditSudMaxHeadcount))
	}
	return &Eligibility{Eligible: len(reasons) == 0, Reasons: reasons}
}

// Representative returns the representative's personal data.
func (e *Enterprise) Representative() *Representative {
	return &Representative{Name: e.RepresentativeName, Email: e.RepresentativeEmail, Phone: e.RepresentativePhone}
}

// VisibleTo reports whether the actor may see the business at all: staff see every business, everyone else only
// active businesses listed in the directory, and a business user also its own.
func (e *Enterprise) VisibleTo(a Actor) bool {
	return a.IsStaff() || a.ActsFor(e.ID) || (e.ListedInDirectory && e.Status == EnterpriseActive)
}

var apeCodePattern = regexp.MustCompile(`^[0-9]{4}[A-Z]$`)

// ValidAPECode reports whether code has the NAF rév. 2 form: four digits and a capital letter ("7320Z").
func ValidAPECode(code string) bool { return apeCodePattern.MatchString(code) }

var apePrefixPattern = regexp.MustCompile(`^[0-9]{1,4}[A-Z]?$`)

// ValidAPEPrefix reports whether prefix can start an APE code ("43", "4321", "4321A").
func ValidAPEPrefix(prefix string) bool {
	return apePrefixPattern.MatchString(prefix) && (len(prefix) <= 4 || len(prefix) == 5)
}

// EnterpriseOrder is a sort order of enterprise lists.
type EnterpriseOrder string

// Enterprise orders.
const (
	EnterpriseOrderName         EnterpriseOrder = "NAME"
	EnterpriseOrderRegisteredAt EnterpriseOrder = "REGISTERED_AT"
	EnterpriseOrderRelevance    EnterpriseOrder = "RELEVANCE"
)

// EnterpriseQuery selects enterprises for a list: all conditions must hold.
type EnterpriseQuery struct {
	SectorCodes   []string
	CommuneCodes  []string
	LegalForms    []LegalForm
	APECodePrefix string
	Statuses      []EnterpriseStatus
	Small         *bool
	NameContains  string
	// Directory search and filters (see directory.go).
	Search        string
	HeadcountMin  *int
	HeadcountMax  *int
	Eligible      *bool
	UsedCreditSud *bool
	Order         EnterpriseOrder
	// Visibility: when Viewer is not staff, only listed active businesses and the viewer's own are returned.
	Viewer Actor
}

// Validate checks a query's free-text parts; field names are relative to the filter argument.
func (q *EnterpriseQuery) Validate() error {
	if q.APECodePrefix != "" && !ValidAPEPrefix(q.APECodePrefix) {
		return Invalid("filter.apeCodePrefix", "%q is not an APE code prefix (digits, then an optional letter, e.g. 43 or 4321A)", q.APECodePrefix)
	}
	if len(q.NameContains) > 200 {
		return Invalid("filter.nameContains", "at most 200 characters")
	}
	return q.validateSearch()
}
