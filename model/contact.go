package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Node types of the directory feature.
const (
	TypeContactRequest = "ContactRequest"
	TypePrivateOrder   = "PrivateOrder"
)

// ContactRequestStatus is where a contact request stands.
type ContactRequestStatus string

// Contact request statuses: SENT → ACCEPTED | DECLINED.
const (
	ContactSent     ContactRequestStatus = "SENT"
	ContactAccepted ContactRequestStatus = "ACCEPTED"
	ContactDeclined ContactRequestStatus = "DECLINED"
)

// ContactRequest is a business asking another to get in touch (mise en relation).
type ContactRequest struct {
	bun.BaseModel `bun:"table:contact_requests,alias:cr"`

	ID          int64                `bun:"id,pk,autoincrement"`
	SenderID    int64                `bun:"sender_id"`
	RecipientID int64                `bun:"recipient_id"`
	Status      ContactRequestStatus `bun:"status"`
	Message     string               `bun:"message"`
	SentAt      time.Time            `bun:"sent_at,nullzero,notnull,default:current_timestamp"`
	AnsweredAt  *time.Time           `bun:"answered_at"`
}

// NodeID is the request's global ID.
func (c *ContactRequest) NodeID() string { return GlobalIntID(TypeContactRequest, c.ID) }

// VisibleTo reports whether the actor may see the request: staff, and the two businesses.
func (c *ContactRequest) VisibleTo(a Actor) bool {
	return a.IsStaff() || a.ActsFor(c.SenderID, c.RecipientID)
}

// Answer moves a SENT request to ACCEPTED or DECLINED for the actor, who must be its recipient.
func (c *ContactRequest) Answer(a Actor, to ContactRequestStatus, at time.Time) error {
	if !a.ActsFor(c.RecipientID) {
		return Errorf(CodeForbidden, "input.id", "only the business the request was sent to may answer it")
	}
	if c.Status != ContactSent {
		return Errorf(CodeIllegalTransition, "input.id", "the request is already %s", c.Status)
	}
	c.Status, c.AnsweredAt = to, &at
	return nil
}

// MaxContactMessage is the longest message of a contact request or description of a private order.
const MaxContactMessage = 2000

// PrivateOrder is an order placed after an accepted contact request, paid outside CréditSud.
type PrivateOrder struct {
	bun.BaseModel `bun:"table:private_orders,alias:po"`

	ID               int64     `bun:"id,pk,autoincrement"`
	ContactRequestID int64     `bun:"contact_request_id"`
	BuyerID          int64     `bun:"buyer_id"`
	SellerID         int64     `bun:"seller_id"`
	Description      string    `bun:"description"`
	AmountHT         XPF       `bun:"amount_ht"`
	AmountTTC        XPF       `bun:"amount_ttc"`
	OrderedOn        time.Time `bun:"ordered_on,type:date"`
	RecordedAt       time.Time `bun:"recorded_at,nullzero,notnull,default:current_timestamp"`
	// ListParentID is filled only by batched nested lists: the parent this row was fetched for.
	ListParentID int64 `bun:"list_parent_id,scanonly"`
}

// NodeID is the order's global ID.
func (o *PrivateOrder) NodeID() string { return GlobalIntID(TypePrivateOrder, o.ID) }

// VisibleTo reports whether the actor may see the order: staff, and the two businesses.
func (o *PrivateOrder) VisibleTo(a Actor) bool {
	return a.IsStaff() || a.ActsFor(o.BuyerID, o.SellerID)
}

// Validate checks an order's amounts and text.
func (o *PrivateOrder) Validate() error {
	switch {
	case o.AmountHT <= 0:
		return Invalid("input.amountHt", "must be more than 0")
	case o.AmountTTC < o.AmountHT:
		return Invalid("input.amountTtc", "must be at least amountHt (%d XPF)", o.AmountHT)
	case len(o.Description) > MaxContactMessage:
		return Invalid("input.description", "at most %d characters", MaxContactMessage)
	case o.OrderedOn.IsZero():
		return Invalid("input.orderedOn", "required")
	}
	return nil
}

// BusinessDone is business done through the platform, TTC: the CréditSud and other parts of invoices confirmed
// and not rejected, and private orders.
type BusinessDone struct {
	CreditSud                XPF `bun:"credit_sud"`
	InvoicedOutsideCreditSud XPF `bun:"invoiced_outside"`
	PrivateOrders            XPF `bun:"private_orders"`
	InvoiceCount             int `bun:"invoice_count"`
	PrivateOrderCount        int `bun:"private_order_count"`
}

// Total is every part added up.
func (b *BusinessDone) Total() XPF { return b.CreditSud + b.InvoicedOutsideCreditSud + b.PrivateOrders }

// Contact request and private order connection types of the schema, bound by gqlgen.
type (
	ContactRequestConnection = Connection[*ContactRequest]
	ContactRequestEdge       = Edge[*ContactRequest]
)

// AuditErrors returns the payload's user errors.
func (p *ContactRequestPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the request's global ID.
func (p *ContactRequestPayload) AuditTargets() []string { return nodeIDs(p.ContactRequest) }

// AuditErrors returns the payload's user errors.
func (p *PrivateOrderPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the order's global ID.
func (p *PrivateOrderPayload) AuditTargets() []string { return nodeIDs(p.PrivateOrder) }
