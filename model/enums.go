package model

import (
	"io"
	"slices"
	"strconv"
)

// The enums below are the GraphQL enums the domain and the database use; gqlgen binds them through their
// MarshalGQL and UnmarshalGQL methods (no gqlgen import needed here).

// Role is what an actor may do; see domain.md's role table.
type Role string

// Roles.
const (
	RoleAdmin      Role = "ADMIN"
	RoleAgent      Role = "AGENT"
	RoleChamber    Role = "CHAMBER"
	RoleEnterprise Role = "ENTERPRISE"
)

// AllRoles lists every role, most powerful first.
var AllRoles = []Role{RoleAdmin, RoleAgent, RoleChamber, RoleEnterprise}

// LegalForm is a business's legal form.
type LegalForm string

// Legal forms; GDPL is specific to New Caledonia.
const (
	LegalFormPatente     LegalForm = "PATENTE"
	LegalFormEURL        LegalForm = "EURL"
	LegalFormSARL        LegalForm = "SARL"
	LegalFormSAS         LegalForm = "SAS"
	LegalFormSASU        LegalForm = "SASU"
	LegalFormSA          LegalForm = "SA"
	LegalFormSNC         LegalForm = "SNC"
	LegalFormSCI         LegalForm = "SCI"
	LegalFormGIE         LegalForm = "GIE"
	LegalFormGDPL        LegalForm = "GDPL"
	LegalFormAssociation LegalForm = "ASSOCIATION"
	LegalFormOther       LegalForm = "OTHER"
)

// AllLegalForms lists every legal form.
var AllLegalForms = []LegalForm{LegalFormPatente, LegalFormEURL, LegalFormSARL, LegalFormSAS, LegalFormSASU,
	LegalFormSA, LegalFormSNC, LegalFormSCI, LegalFormGIE, LegalFormGDPL, LegalFormAssociation, LegalFormOther}

// EnterpriseStatus is where a business is in its registration.
type EnterpriseStatus string

// Enterprise statuses; only ACTIVE businesses trade.
const (
	EnterprisePending   EnterpriseStatus = "PENDING"
	EnterpriseActive    EnterpriseStatus = "ACTIVE"
	EnterpriseSuspended EnterpriseStatus = "SUSPENDED"
	EnterpriseClosed    EnterpriseStatus = "CLOSED"
)

// AllEnterpriseStatuses lists every enterprise status.
var AllEnterpriseStatuses = []EnterpriseStatus{EnterprisePending, EnterpriseActive, EnterpriseSuspended, EnterpriseClosed}

// SectorRuleParty says which party of an invoice a session's sector allow-list applies to.
type SectorRuleParty string

// Sector rule parties; SELLER is the default.
const (
	SectorRuleSeller SectorRuleParty = "SELLER"
	SectorRuleBuyer  SectorRuleParty = "BUYER"
	SectorRuleBoth   SectorRuleParty = "BOTH"
)

// AllSectorRuleParties lists every sector rule party.
var AllSectorRuleParties = []SectorRuleParty{SectorRuleSeller, SectorRuleBuyer, SectorRuleBoth}

// InvoiceStatus is where an invoice is in the CréditSud workflow.
type InvoiceStatus string

// Invoice statuses.
const (
	InvoiceIssued    InvoiceStatus = "ISSUED"
	InvoiceConfirmed InvoiceStatus = "CONFIRMED"
	InvoiceApproved  InvoiceStatus = "APPROVED"
	InvoicePaid      InvoiceStatus = "PAID"
	InvoiceReturned  InvoiceStatus = "RETURNED"
	InvoiceRejected  InvoiceStatus = "REJECTED"
)

// AllInvoiceStatuses lists every invoice status.
var AllInvoiceStatuses = []InvoiceStatus{InvoiceIssued, InvoiceConfirmed, InvoiceApproved, InvoicePaid, InvoiceReturned, InvoiceRejected}

// RejectionReason is why an agent rejected an invoice.
type RejectionReason string

// Rejection reasons.
const (
	RejectExcludedExpense      RejectionReason = "EXCLUDED_EXPENSE"
	RejectSellerNotActive      RejectionReason = "SELLER_NOT_ACTIVE"
	RejectSectorNotAllowed     RejectionReason = "SECTOR_NOT_ALLOWED"
	RejectHardwareSale         RejectionReason = "HARDWARE_SALE"
	RejectLinkedParties        RejectionReason = "LINKED_PARTIES"
	RejectDuplicate            RejectionReason = "DUPLICATE"
	RejectNonCompliant         RejectionReason = "NON_COMPLIANT"
	RejectAboveRemainingCredit RejectionReason = "ABOVE_REMAINING_CREDIT"
	RejectOutsideSession       RejectionReason = "OUTSIDE_SESSION"
	RejectServiceNotPerformed  RejectionReason = "SERVICE_NOT_PERFORMED"
)

// AllRejectionReasons lists every rejection reason.
var AllRejectionReasons = []RejectionReason{RejectExcludedExpense, RejectSellerNotActive, RejectSectorNotAllowed,
	RejectHardwareSale, RejectLinkedParties, RejectDuplicate, RejectNonCompliant, RejectAboveRemainingCredit,
	RejectOutsideSession, RejectServiceNotPerformed}

// ConsultationType is what a consultation buys.
type ConsultationType string

// Consultation types.
const (
	ConsultationWorks    ConsultationType = "WORKS"
	ConsultationSupplies ConsultationType = "SUPPLIES"
	ConsultationServices ConsultationType = "SERVICES"
)

// AllConsultationTypes lists every consultation type.
var AllConsultationTypes = []ConsultationType{ConsultationWorks, ConsultationSupplies, ConsultationServices}

// ConsultationStatus is where a consultation is in its lifecycle.
type ConsultationStatus string

// Consultation statuses.
const (
	ConsultationDraft        ConsultationStatus = "DRAFT"
	ConsultationPublished    ConsultationStatus = "PUBLISHED"
	ConsultationClosed       ConsultationStatus = "CLOSED"
	ConsultationAwarded      ConsultationStatus = "AWARDED"
	ConsultationUnsuccessful ConsultationStatus = "UNSUCCESSFUL"
	ConsultationCancelled    ConsultationStatus = "CANCELLED"
)

// AllConsultationStatuses lists every consultation status.
var AllConsultationStatuses = []ConsultationStatus{ConsultationDraft, ConsultationPublished, ConsultationClosed,
	ConsultationAwarded, ConsultationUnsuccessful, ConsultationCancelled}

// IsValid reports whether r is a known role.
func (r Role) IsValid() bool { return slices.Contains(AllRoles, r) }

// IsValid reports whether f is a known legal form.
func (f LegalForm) IsValid() bool { return slices.Contains(AllLegalForms, f) }

// IsValid reports whether s is a known status.
func (s EnterpriseStatus) IsValid() bool { return slices.Contains(AllEnterpriseStatuses, s) }

// IsValid reports whether p is a known party.
func (p SectorRuleParty) IsValid() bool { return slices.Contains(AllSectorRuleParties, p) }

// IsValid reports whether s is a known status.
func (s InvoiceStatus) IsValid() bool { return slices.Contains(AllInvoiceStatuses, s) }

// IsValid reports whether r is a known reason.
func (r RejectionReason) IsValid() bool { return slices.Contains(AllRejectionReasons, r) }

// IsValid reports whether t is a known type.
func (t ConsultationType) IsValid() bool { return slices.Contains(AllConsultationTypes, t) }

// IsValid reports whether s is a known status.
func (s ConsultationStatus) IsValid() bool { return slices.Contains(AllConsultationStatuses, s) }

// MarshalGQL writes the role as a GraphQL enum value.
func (r Role) MarshalGQL(w io.Writer) { marshalEnum(w, r) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *Role) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, "Role") }

// MarshalGQL writes the legal form as a GraphQL enum value.
func (f LegalForm) MarshalGQL(w io.Writer) { marshalEnum(w, f) }

// UnmarshalGQL reads a GraphQL enum value.
func (f *LegalForm) UnmarshalGQL(v any) error { return unmarshalEnum(v, f, "LegalForm") }

// MarshalGQL writes the status as a GraphQL enum value.
func (s EnterpriseStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *EnterpriseStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, "EnterpriseStatus") }

// MarshalGQL writes the party as a GraphQL enum value.
func (p SectorRuleParty) MarshalGQL(w io.Writer) { marshalEnum(w, p) }

// UnmarshalGQL reads a GraphQL enum value.
func (p *SectorRuleParty) UnmarshalGQL(v any) error { return unmarshalEnum(v, p, "SectorRuleParty") }

// MarshalGQL writes the status as a GraphQL enum value.
func (s InvoiceStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *InvoiceStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, "InvoiceStatus") }

// MarshalGQL writes the reason as a GraphQL enum value.
func (r RejectionReason) MarshalGQL(w io.Writer) { marshalEnum(w, r) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *RejectionReason) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, "RejectionReason") }

// MarshalGQL writes the type as a GraphQL enum value.
func (t ConsultationType) MarshalGQL(w io.Writer) { marshalEnum(w, t) }

// UnmarshalGQL reads a GraphQL enum value.
func (t *ConsultationType) UnmarshalGQL(v any) error { return unmarshalEnum(v, t, "ConsultationType") }

// MarshalGQL writes the status as a GraphQL enum value.
func (s ConsultationStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *ConsultationStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, "ConsultationStatus")
}

type enumValue interface {
	~string
	IsValid() bool
}

func marshalEnum[T ~string](w io.Writer, v T) {
	_, _ = io.WriteString(w, strconv.Quote(string(v)))
}

func unmarshalEnum[T enumValue](v any, dst *T, typeName string) error {
	s, ok := v.(string)
	if !ok {
		return Invalid("", "%s must be an enum value, got %T", typeName, v)
	}
	if !T(s).IsValid() {
		return Invalid("", "%q is not a valid %s", s, typeName)
	}
	*dst = T(s)
	return nil
}

// ExpenseCategory is what an invoice line is spent on; sessions may exclude categories from CréditSud.
type ExpenseCategory string

// Expense categories.
const (
	ExpenseGoodsAndServices ExpenseCategory = "GOODS_AND_SERVICES"
	ExpenseFuel             ExpenseCategory = "FUEL"
	ExpenseRent             ExpenseCategory = "RENT"
	ExpenseOperatingCosts   ExpenseCategory = "OPERATING_COSTS"
	ExpenseHardware         ExpenseCategory = "HARDWARE"
)

// AllExpenseCategories lists every expense category.
var AllExpenseCategories = []ExpenseCategory{ExpenseGoodsAndServices, ExpenseFuel, ExpenseRent, ExpenseOperatingCosts, ExpenseHardware}

// IsValid reports whether c is a known category.
func (c ExpenseCategory) IsValid() bool { return slices.Contains(AllExpenseCategories, c) }

// MarshalGQL writes the category as a GraphQL enum value.
func (c ExpenseCategory) MarshalGQL(w io.Writer) { marshalEnum(w, c) }

// UnmarshalGQL reads a GraphQL enum value.
func (c *ExpenseCategory) UnmarshalGQL(v any) error { return unmarshalEnum(v, c, "ExpenseCategory") }

// SessionStatus is where a session is; derived from the clock and the ledger, never stored.
type SessionStatus string

// Session statuses.
const (
	SessionScheduled SessionStatus = "SCHEDULED"
	SessionOpen      SessionStatus = "OPEN"
	SessionExhausted SessionStatus = "EXHAUSTED"
	SessionClosed    SessionStatus = "CLOSED"
)

// AllSessionStatuses lists every session status.
var AllSessionStatuses = []SessionStatus{SessionScheduled, SessionOpen, SessionExhausted, SessionClosed}

// IsValid reports whether s is a known status.
func (s SessionStatus) IsValid() bool { return slices.Contains(AllSessionStatuses, s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s SessionStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *SessionStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, "SessionStatus") }

// AccountKind is what a ledger account holds.
type AccountKind string

// Account kinds (see the schema for their meaning).
const (
	AccountProgrammeFunding     AccountKind = "PROGRAMME_FUNDING"
	AccountProgrammeAllocations AccountKind = "PROGRAMME_ALLOCATIONS"
	AccountSessionAvailable     AccountKind = "SESSION_AVAILABLE"
	AccountSessionReserved      AccountKind = "SESSION_RESERVED"
	AccountSellerPayable        AccountKind = "SELLER_PAYABLE"
	AccountSessionPaid          AccountKind = "SESSION_PAID"
	AccountCreditAvailable      AccountKind = "CREDIT_AVAILABLE"
	AccountCreditReserved       AccountKind = "CREDIT_RESERVED"
	AccountCreditUsed           AccountKind = "CREDIT_USED"
)

// AllAccountKinds lists every account kind.
var AllAccountKinds = []AccountKind{AccountProgrammeFunding, AccountProgrammeAllocations, AccountSessionAvailable,
	AccountSessionReserved, AccountSellerPayable, AccountSessionPaid, AccountCreditAvailable, AccountCreditReserved, AccountCreditUsed}

// IsValid reports whether k is a known kind.
func (k AccountKind) IsValid() bool { return slices.Contains(AllAccountKinds, k) }

// MarshalGQL writes the kind as a GraphQL enum value.
func (k AccountKind) MarshalGQL(w io.Writer) { marshalEnum(w, k) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *AccountKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, k, "AccountKind") }

// EntryKind is what a journal entry records.
type EntryKind string

// Journal entry kinds.
const (
	EntryEnvelopeFunding  EntryKind = "ENVELOPE_FUNDING"
	EntryAllocation       EntryKind = "ALLOCATION"
	EntryReservation      EntryKind = "RESERVATION"
	EntryApproval         EntryKind = "APPROVAL"
	EntryPayment          EntryKind = "PAYMENT"
	EntryReturnRelease    EntryKind = "RETURN_RELEASE"
	EntryRejectionRelease EntryKind = "REJECTION_RELEASE"
)

// AllEntryKinds lists every journal entry kind.
var AllEntryKinds = []EntryKind{EntryEnvelopeFunding, EntryAllocation, EntryReservation, EntryApproval, EntryPayment,
	EntryReturnRelease, EntryRejectionRelease}

// IsValid reports whether k is a known kind.
func (k EntryKind) IsValid() bool { return slices.Contains(AllEntryKinds, k) }

// MarshalGQL writes the kind as a GraphQL enum value.
func (k EntryKind) MarshalGQL(w io.Writer) { marshalEnum(w, k) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *EntryKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, k, "LedgerEntryKind") }
