package model

import (
	"io"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// ConsultationThresholdHT is the ceiling of the simplified track: needs strictly under 10,000,000 XPF excl. tax.
const ConsultationThresholdHT XPF = 10_000_000

// Limits of a consultation's and an offer's input.
const (
	maxReferenceLen  = 50
	maxTitleLen      = 300
	maxTextLen       = 10_000
	maxShortTextLen  = 200
	maxReasonLen     = 4_000
	maxDocuments     = 20
	maxCriteria      = 10
	MaxOfferHT       = 100 * ConsultationThresholdHT
	maxOfferDelay    = 3650
	maxQuestionLen   = 4_000
	maxCodesPerField = 30
)

// Consultation is a public consultation for a need under ConsultationThresholdHT. Status is the status clients
// see: the store derives CLOSED from PUBLISHED once the offer deadline has passed, by the database clock.
type Consultation struct {
	bun.BaseModel `bun:"table:consultations,alias:c"`

	ID                int64                  `bun:"id,pk,autoincrement"`
	Reference         string                 `bun:"reference"`
	Title             string                 `bun:"title"`
	Description       string                 `bun:"description"`
	BuyerService      string                 `bun:"buyer_service"`
	Type              ConsultationType       `bun:"kind"`
	EstimatedAmountHT XPF                    `bun:"estimated_amount_ht"`
	SectorCodes       []string               `bun:"sector_codes,array,nullzero,notnull,default:'{}'"`
	APECodes          []string               `bun:"ape_codes,array,nullzero,notnull,default:'{}'"`
	CommuneCode       string                 `bun:"commune_code"`
	QuestionDeadline  time.Time              `bun:"question_deadline"`
	OfferDeadline     time.Time              `bun:"offer_deadline"`
	Status            ConsultationStatus     `bun:"status"`
	PublishedAt       *time.Time             `bun:"published_at"`
	Documents         []ConsultationDocument `bun:"documents,type:jsonb,nullzero,notnull,default:'[]'"`
	Criteria          []EvaluationCriterion  `bun:"criteria,type:jsonb,nullzero,notnull,default:'[]'"`
	ContactName       string                 `bun:"contact_name"`
	ContactEmail      string                 `bun:"contact_email"`
	ContactPhone      string                 `bun:"contact_phone"`
	CreatedAt         time.Time              `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt         time.Time              `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
	DecidedAt         *time.Time             `bun:"decided_at"`
	DecisionReason    string                 `bun:"decision_reason"`
	AwardedOfferID    *int64                 `bun:"awarded_offer_id"`
	// ListParentID is the parent a nested list fetched the row for (e.g. the business it matches).
	ListParentID int64 `bun:"list_parent_id,scanonly"`
}

// ConsultationDocument is a document of a consultation's file, or of an offer.
type ConsultationDocument struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// EvaluationCriterion is an evaluation criterion with its weight in percent.
type EvaluationCriterion struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// NodeID is the consultation's global ID.
func (c *Consultation) NodeID() string { return GlobalIntID(TypeConsultation, c.ID) }

// VisibleTo reports whether the actor may see the consultation: drafts are for staff only.
func (c *Consultation) VisibleTo(a Actor) bool {
	return a.IsStaff() || c.Status != ConsultationDraft
}

// StatusAt is the consultation's status at instant now (the database clock): a PUBLISHED consultation is CLOSED
// from its offer deadline on.
func (c *Consultation) StatusAt(now time.Time) ConsultationStatus {
	if c.Status == ConsultationPublished && !now.Before(c.OfferDeadline) {
		return ConsultationClosed
	}
	return c.Status
}

// Validate checks a consultation's fields before it is written; now is the database clock. Deadlines must be in
// the future and the question deadline no later than the offer deadline.
func (c *Consultation) Validate(now time.Time) error {
	c.Reference = strings.TrimSpace(c.Reference)
	c.Title = strings.TrimSpace(c.Title)
	c.BuyerService = strings.TrimSpace(c.BuyerService)
	switch {
	case c.Reference == "" || utf8.RuneCountInString(c.Reference) > maxReferenceLen:
		return Invalid("input.reference", "a reference of 1 to %d characters is required", maxReferenceLen)
	case c.Title == "" || utf8.RuneCountInString(c.Title) > maxTitleLen:
		return Invalid("input.title", "a title of 1 to %d characters is required", maxTitleLen)
	case utf8.RuneCountInString(c.Description) > maxTextLen:
		return Invalid("input.description", "at most %d characters", maxTextLen)
	case c.BuyerService == "" || utf8.RuneCountInString(c.BuyerService) > maxShortTextLen:
		return Invalid("input.buyerService", "a buyer service of 1 to %d characters is required", maxShortTextLen)
	case !c.Type.IsValid():
		return Invalid("input.type", "%q is not WORKS, SUPPLIES or SERVICES", c.Type)
	case c.EstimatedAmountHT < 1:
		return Invalid("input.estimatedAmountHT", "the estimated amount must be at least 1 XPF, got %d", c.EstimatedAmountHT)
	case c.EstimatedAmountHT >= ConsultationThresholdHT:
		return Invalid("input.estimatedAmountHT", "the simplified track is for needs under %d XPF excl. tax, got %d: from 10 M an adapted competition is required", ConsultationThresholdHT, c.EstimatedAmountHT)
	case len(c.SectorCodes) > maxCodesPerField:
		return Invalid("input.sectors", "at most %d sectors", maxCodesPerField)
	case len(c.APECodes) > maxCodesPerField:
		return Invalid("input.apeCodes", "at most %d APE codes", maxCodesPerField)
	case !c.OfferDeadline.After(now):
		return Invalid("input.offerDeadline", "the offer deadline %s is not in the future", c.OfferDeadline.UTC().Format(time.RFC3339))
	case !c.QuestionDeadline.After(now):
		return Invalid("input.questionDeadline", "the question deadline %s is not in the future", c.QuestionDeadline.UTC().Format(time.RFC3339))
	case c.QuestionDeadline.After(c.OfferDeadline):
		return Invalid("input.questionDeadline", "questions close no later than offers")
	case utf8.RuneCountInString(c.ContactName) > maxShortTextLen || utf8.RuneCountInString(c.ContactEmail) > maxShortTextLen ||
		utf8.RuneCountInString(c.ContactPhone) > maxShortTextLen:
		return Invalid("input.contact", "contact fields have at most %d characters", maxShortTextLen)
	case c.ContactEmail != "" && !strings.Contains(c.ContactEmail, "@"):
		return Invalid("input.contact.email", "%q is not an email address", c.ContactEmail)
	}
	for i, code := range c.APECodes {
		if !ValidAPECode(code) {
			return Invalid("input.apeCodes."+itoa(i), "%q is not an APE code (four digits and a letter, e.g. 4391B)", code)
		}
	}
	if err := CheckDocuments("input.documents", c.Documents); err != nil {
		return err
	}
	return CheckCriteria("input.criteria", c.Criteria)
}

// CheckCriteria checks evaluation criteria: 1 to 10, distinct names, weights of 1 to 100 summing to 100.
func CheckCriteria(field string, criteria []EvaluationCriterion) error {
	if len(criteria) == 0 || len(criteria) > maxCriteria {
		return Invalid(field, "a consultation has 1 to %d evaluation criteria, got %d", maxCriteria, len(criteria))
	}
	sum, seen := 0, map[string]bool{}
	for i, cr := range criteria {
		name := strings.TrimSpace(cr.Name)
		switch {
		case name == "" || utf8.RuneCountInString(name) > maxShortTextLen:
			return Invalid(field+"."+itoa(i)+".name", "a criterion name of 1 to %d characters is required", maxShortTextLen)
		case seen[strings.ToLower(name)]:
			return Invalid(field+"."+itoa(i)+".name", "criterion %q is listed twice", name)
		case cr.Weight < 1 || cr.Weight > 100:
			return Invalid(field+"."+itoa(i)+".weight", "a weight is 1 to 100, got %d", cr.Weight)
		}
		seen[strings.ToLower(name)] = true
		sum += cr.Weight
	}
	if sum != 100 {
		return Invalid(field, "criteria weights sum to %d, want 100", sum)
	}
	return nil
}

// CheckDocuments checks a list of documents: at most 20, each with a name and an http(s) link.
func CheckDocuments(field string, docs []ConsultationDocument) error {
	if len(docs) > maxDocuments {
		return Invalid(field, "at most %d documents, got %d", maxDocuments, len(docs))
	}
	for i, d := range docs {
		u, err := url.Parse(d.URL)
		switch {
		case strings.TrimSpace(d.Name) == "" || utf8.RuneCountInString(d.Name) > maxShortTextLen:
			return Invalid(field+"."+itoa(i)+".name", "a document name of 1 to %d characters is required", maxShortTextLen)
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(d.URL) > 2000:
			return Invalid(field+"."+itoa(i)+".url", "%q is not an http(s) link", d.URL)
		}
	}
	return nil
}

// ConsultationAction is something done to a consultation, allowed in some statuses only.
type ConsultationAction string

// Actions on a consultation.
const (
	ActionUpdate       ConsultationAction = "updated"
	ActionPublish      ConsultationAction = "published"
	ActionExtend       ConsultationAction = "given a later deadline"
	ActionCancel       ConsultationAction = "cancelled"
	ActionAward        ConsultationAction = "awarded"
	ActionUnsuccessful ConsultationAction = "declared unsuccessful"
	ActionAsk          ConsultationAction = "asked a question"
	ActionAnswer       ConsultationAction = "given an answer"
	ActionOffer        ConsultationAction = "sent offers"
	ActionMark         ConsultationAction = "given marks"
)

// AllConsultationActions lists every action, for tests that try each one in each status.
var AllConsultationActions = []ConsultationAction{ActionUpdate, ActionPublish, ActionExtend, ActionCancel,
	ActionAward, ActionUnsuccessful, ActionAsk, ActionAnswer, ActionOffer, ActionMark}

// consultationActions is the lifecycle: in which statuses each action is allowed. DRAFT → PUBLISHED →
// (CLOSED at the offer deadline) → AWARDED | UNSUCCESSFUL, and CANCELLED from any status before a decision.
var consultationActions = map[ConsultationAction][]ConsultationStatus{
	ActionUpdate:       {ConsultationDraft},
	ActionPublish:      {ConsultationDraft},
	ActionExtend:       {ConsultationPublished},
	ActionCancel:       {ConsultationDraft, ConsultationPublished, ConsultationClosed},
	ActionAward:        {ConsultationClosed},
	ActionUnsuccessful: {ConsultationClosed},
	ActionAsk:          {ConsultationPublished},
	ActionAnswer:       {ConsultationPublished, ConsultationClosed},
	ActionOffer:        {ConsultationPublished},
	ActionMark:         {ConsultationClosed},
}

// CheckConsultationAction returns a typed error unless action is allowed in status: DEADLINE_PASSED for an offer
// or a question that comes too late, ILLEGAL_TRANSITION for anything else.
func CheckConsultationAction(status ConsultationStatus, action ConsultationAction) error {
	if slices.Contains(consultationActions[action], status) {
		return nil
	}
	if action == ActionOffer && status == ConsultationClosed {
		return Errorf(CodeDeadlinePassed, "", "the offer deadline has passed: no offer is accepted, revised or withdrawn any more")
	}
	return Errorf(CodeIllegalTransition, "", "a consultation that is %s cannot be %s", status, action)
}

// PublishedEvent tells listeners that a consultation was published, with what matching businesses on.
type PublishedEvent struct {
	ID          string   `json:"id"` // global ID
	Reference   string   `json:"reference"`
	SectorCodes []string `json:"sectors"`
	APECodes    []string `json:"apeCodes"`
}

// ConsultationQuery selects consultations for a list, latest offer deadline first. All conditions must hold.
type ConsultationQuery struct {
	Statuses      []ConsultationStatus
	SectorCodes   []string
	CommuneCodes  []string
	Types         []ConsultationType
	DeadlineAfter *time.Time
	Search        string
	Viewer        Actor
}

// Validate checks a query's free-text part.
func (q *ConsultationQuery) Validate() error {
	if utf8.RuneCountInString(q.Search) > maxShortTextLen {
		return Invalid("filter.search", "at most %d characters", maxShortTextLen)
	}
	return nil
}

// OfferStatus is whether an offer stands.
type OfferStatus string

// Offer statuses.
const (
	OfferSubmitted OfferStatus = "SUBMITTED"
	OfferWithdrawn OfferStatus = "WITHDRAWN"
)

// OfferResult is what became of an offer.
type OfferResult string

// Offer results.
const (
	OfferPending    OfferResult = "PENDING"
	OfferWon        OfferResult = "WON"
	OfferLost       OfferResult = "LOST"
	OfferNotAwarded OfferResult = "NOT_AWARDED"
)

// IsValid reports whether s is a known status.
func (s OfferStatus) IsValid() bool { return s == OfferSubmitted || s == OfferWithdrawn }

// IsValid reports whether r is a known result.
func (r OfferResult) IsValid() bool {
	return slices.Contains([]OfferResult{OfferPending, OfferWon, OfferLost, OfferNotAwarded}, r)
}

// MarshalGQL writes the status as a GraphQL enum value.
func (s OfferStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *OfferStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, "OfferStatus") }

// MarshalGQL writes the result as a GraphQL enum value.
func (r OfferResult) MarshalGQL(w io.Writer) { marshalEnum(w, r) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *OfferResult) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, "OfferResult") }

// Offer is a business's sealed offer on a consultation: before the offer deadline only the bidder sees it.
type Offer struct {
	bun.BaseModel `bun:"table:consultation_offers,alias:o"`

	ID               int64                  `bun:"id,pk,autoincrement"`
	ConsultationID   int64                  `bun:"consultation_id"`
	EnterpriseID     int64                  `bun:"enterprise_id"`
	Status           OfferStatus            `bun:"status"`
	AmountHT         XPF                    `bun:"amount_ht"`
	TGCRateCode      string                 `bun:"tgc_rate_code"`
	TGCNotApplicable bool                   `bun:"tgc_not_applicable"`
	AmountTGC        XPF                    `bun:"amount_tgc"`
	AmountTTC        XPF                    `bun:"amount_ttc"`
	DelayDays        int                    `bun:"delay_days"`
	TechnicalNote    string                 `bun:"technical_note"`
	Documents        []ConsultationDocument `bun:"documents,type:jsonb,nullzero,notnull,default:'[]'"`
	Revision         int                    `bun:"revision"`
	SubmittedAt      time.Time              `bun:"submitted_at"`
	UpdatedAt        time.Time              `bun:"updated_at"`
	WithdrawnAt      *time.Time             `bun:"withdrawn_at"`
	// ListParentID is the parent a nested list fetched the row for.
	ListParentID int64 `bun:"list_parent_id,scanonly"`
}

// NodeID is the offer's global ID.
func (o *Offer) NodeID() string { return GlobalIntID(TypeOffer, o.ID) }

// OwnerIDs makes an offer readable by its bidder where a field allows owners.
func (o *Offer) OwnerIDs() []int64 { return []int64{o.EnterpriseID} }

// ResultOf says what became of an offer on consultation c.
func (o *Offer) ResultOf(c *Consultation) OfferResult {
	switch {
	case c.AwardedOfferID != nil && *c.AwardedOfferID == o.ID:
		return OfferWon
	case c.Status == ConsultationAwarded:
		return OfferLost
	case c.Status == ConsultationUnsuccessful || c.Status == ConsultationCancelled:
		return OfferNotAwarded
	}
	return OfferPending
}

// OfferTerms are what a bidder offers.
type OfferTerms struct {
	AmountHT      XPF
	TGCRateCode   string
	DelayDays     int
	TechnicalNote string
	Documents     []ConsultationDocument
}

// Apply validates terms and writes them into o with its TGC and TTC computed as for an invoice line: TGC
// half-up to the franc, none for a bidder under the franchise en base. field is the terms' input path.
func (o *Offer) Apply(field string, t OfferTerms, rate *TGCRate, franchise bool) error {
	switch {
	case t.AmountHT < 1 || t.AmountHT > MaxOfferHT:
		return Invalid(field+".amountHT", "the amount must be between 1 and %d XPF excl. tax, got %d", MaxOfferHT, t.AmountHT)
	case rate == nil:
		return Invalid(field+".tgcRate", "%q is not a TGC rate", t.TGCRateCode)
	case t.DelayDays < 1 || t.DelayDays > maxOfferDelay:
		return Invalid(field+".delayDays", "the delay is 1 to %d days, got %d", maxOfferDelay, t.DelayDays)
	case utf8.RuneCountInString(t.TechnicalNote) > maxTextLen:
		return Invalid(field+".technicalNote", "at most %d characters", maxTextLen)
	}
	if err := CheckDocuments(field+".documents", t.Documents); err != nil {
		return err
	}
	line := &InvoiceLine{Quantity: 1, UnitPriceHT: t.AmountHT}
	ComputeLine(line, rate, franchise)
	o.AmountHT, o.AmountTGC, o.AmountTTC = line.AmountHT, line.TGCAmount, line.AmountHT+line.TGCAmount
	o.TGCRateCode, o.TGCNotApplicable = rate.Code, franchise
	o.DelayDays, o.TechnicalNote, o.Documents = t.DelayDays, t.TechnicalNote, t.Documents
	if o.Documents == nil {
		o.Documents = []ConsultationDocument{}
	}
	return nil
}

// OfferMark is an agent's mark of an offer on one criterion, 0 to 100.
type OfferMark struct {
	bun.BaseModel `bun:"table:consultation_offer_marks,alias:m"`

	OfferID   int64     `bun:"offer_id,pk"`
	Criterion string    `bun:"criterion,pk"`
	Mark      int       `bun:"mark"`
	MarkedAt  time.Time `bun:"marked_at,nullzero,notnull,default:current_timestamp"`
}

// CheckMarks checks an agent's marks against the consultation's criteria: known criteria, once each, 0 to 100.
func CheckMarks(field string, criteria []EvaluationCriterion, marks []OfferMark) error {
	if len(marks) == 0 {
		return Invalid(field, "give at least one mark")
	}
	seen := map[string]bool{}
	for i, m := range marks {
		at := field + "." + itoa(i)
		known := slices.ContainsFunc(criteria, func(c EvaluationCriterion) bool { return c.Name == m.Criterion })
		switch {
		case !known:
			return Invalid(at+".criterion", "%q is not a criterion of this consultation", m.Criterion)
		case seen[m.Criterion]:
			return Invalid(at+".criterion", "criterion %q is marked twice", m.Criterion)
		case m.Mark < 0 || m.Mark > 100:
			return Invalid(at+".mark", "a mark is 0 to 100, got %d", m.Mark)
		}
		seen[m.Criterion] = true
	}
	return nil
}

// OfferScore is an offer in the comparison agents see after the offer deadline.
type OfferScore struct {
	Offer *Offer
	Marks []*OfferMark
	// Score is the weighted mean of the marks, 0 to 100: Σ weight × mark / 100 (a missing mark counts 0).
	Score float64
	// Complete is true when every criterion has a mark.
	Complete bool
	// Rank is 1 for the best score; ties go to the lower amount, then to the earlier submission.
	Rank int
}

// CompareOffers scores standing offers by the consultation's criteria and ranks them.
func CompareOffers(criteria []EvaluationCriterion, offers []*Offer, marks map[int64][]*OfferMark) []*OfferScore {
	out := make([]*OfferScore, 0, len(offers))
	for _, o := range offers {
		s := &OfferScore{Offer: o, Marks: marks[o.ID], Complete: true}
		if s.Marks == nil {
			s.Marks = []*OfferMark{}
		}
		weighted := 0
		for _, c := range criteria {
			i := slices.IndexFunc(s.Marks, func(m *OfferMark) bool { return m.Criterion == c.Name })
			if i < 0 {
				s.Complete = false
				continue
			}
			weighted += c.Weight * s.Marks[i].Mark
		}
		s.Score = float64(weighted) / 100
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Score != b.Score:
			return a.Score > b.Score
		case a.Offer.AmountHT != b.Offer.AmountHT:
			return a.Offer.AmountHT < b.Offer.AmountHT
		default:
			return a.Offer.SubmittedAt.Before(b.Offer.SubmittedAt)
		}
	})
	for i, s := range out {
		s.Rank = i + 1
	}
	return out
}

// Question is a question a business asked about a consultation, and the Province's answer. The asker is never
// shown: questions and answers are public to everyone who can see the consultation.
type Question struct {
	bun.BaseModel `bun:"table:consultation_questions,alias:q"`

	ID             int64      `bun:"id,pk,autoincrement"`
	ConsultationID int64      `bun:"consultation_id"`
	EnterpriseID   int64      `bun:"enterprise_id"`
	Text           string     `bun:"question"`
	AskedAt        time.Time  `bun:"asked_at"`
	Answer         *string    `bun:"answer"`
	AnsweredAt     *time.Time `bun:"answered_at"`
	ListParentID   int64      `bun:"list_parent_id,scanonly"`
}

// NodeID is the question's global ID.
func (q *Question) NodeID() string { return GlobalIntID(TypeQuestion, q.ID) }

// CheckQuestionText checks a question's or an answer's text.
func CheckQuestionText(field, text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxQuestionLen {
		return "", Invalid(field, "a text of 1 to %d characters is required", maxQuestionLen)
	}
	return text, nil
}

// CheckReason checks the justification or reason of a decision on a consultation.
func CheckReason(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReasonLen {
		return "", Invalid(field, "a text of 1 to %d characters is required", maxReasonLen)
	}
	return reason, nil
}

// Award is what the public sees of an awarded consultation: the winner, the amount and the number of offers.
type Award struct {
	ConsultationID int64     `bun:"consultation_id"`
	OfferID        int64     `bun:"offer_id"`
	EnterpriseID   int64     `bun:"enterprise_id"`
	WinnerName     string    `bun:"winner_name"`
	AmountHT       XPF       `bun:"amount_ht"`
	AmountTGC      XPF       `bun:"amount_tgc"`
	AmountTTC      XPF       `bun:"amount_ttc"`
	DelayDays      int       `bun:"delay_days"`
	AwardedAt      time.Time `bun:"awarded_at"`
	Justification  string    `bun:"justification"`
}

func itoa(i int) string { return strconv.Itoa(i) }

// Offer and question connection types of the schema, bound by gqlgen.
type (
	OfferConnection    = Connection[*Offer]
	OfferEdge          = Edge[*Offer]
	QuestionConnection = Connection[*Question]
	QuestionEdge       = Edge[*Question]
)

// AmountHT is the compared offer's amount excluding tax.
func (s *OfferScore) AmountHT() XPF { return s.Offer.AmountHT }

// AmountTTC is the compared offer's amount including tax.
func (s *OfferScore) AmountTTC() XPF { return s.Offer.AmountTTC }

// DelayDays is the compared offer's delay.
func (s *OfferScore) DelayDays() int { return s.Offer.DelayDays }

// AuditErrors returns the payload's user errors.
func (p *ConsultationPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the consultation's global ID.
func (p *ConsultationPayload) AuditTargets() []string { return nodeIDs(p.Consultation) }

// AuditErrors returns the payload's user errors.
func (p *OfferPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the offer's global ID.
func (p *OfferPayload) AuditTargets() []string { return nodeIDs(p.Offer) }

// AuditErrors returns the payload's user errors.
func (p *QuestionPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the question's global ID.
func (p *QuestionPayload) AuditTargets() []string { return nodeIDs(p.Question) }
