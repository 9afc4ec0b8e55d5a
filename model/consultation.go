package model

import (
	"time"

	"github.com/uptrace/bun"
)

// ConsultationThresholdHT is the ceiling of the simplified track: needs strictly under 10,000,000 XPF excl. tax.
const ConsultationThresholdHT XPF = 10_000_000

// Consultation is a public consultation for a need under ConsultationThresholdHT.
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
}

// ConsultationDocument is a document of a consultation's file.
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

// ConsultationQuery selects consultations for a list, latest offer deadline first.
type ConsultationQuery struct {
	Statuses []ConsultationStatus
	Viewer   Actor
}
