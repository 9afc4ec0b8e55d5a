package model

// The schema's mutation payloads (generated in models_gen.go) report their user errors and the objects they
// concern through these methods, for the audit log.

// Audited is a mutation payload as the audit log reads it.
type Audited interface {
	AuditErrors() []*Error
	AuditTargets() []string
}

// AuditErrors returns the payload's user errors.
func (p *ProgrammePayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the programme's global ID.
func (p *ProgrammePayload) AuditTargets() []string { return nodeIDs(p.Programme) }

// AuditErrors returns the payload's user errors.
func (p *SessionPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the session's global ID.
func (p *SessionPayload) AuditTargets() []string { return nodeIDs(p.Session) }

// AuditErrors returns the payload's user errors.
func (p *GrantAllocationsPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the programme's global ID.
func (p *GrantAllocationsPayload) AuditTargets() []string { return nodeIDs(p.Programme) }

// AuditErrors returns the payload's user errors.
func (p *InvoicePayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the invoice's global ID.
func (p *InvoicePayload) AuditTargets() []string { return nodeIDs(p.Invoice) }

// AuditErrors returns the payload's user errors.
func (p *MarkInvoicesPaidPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the invoices' global IDs.
func (p *MarkInvoicesPaidPayload) AuditTargets() []string {
	ids := make([]string, 0, len(p.Invoices))
	for _, inv := range p.Invoices {
		ids = append(ids, inv.NodeID())
	}
	return ids
}

// nodeIDs returns the global ID of a node, or none for a nil one.
func nodeIDs[N interface {
	comparable
	Node
}](n N) []string {
	var zero N
	if n == zero {
		return nil
	}
	return []string{n.NodeID()}
}

// AuditErrors returns the payload's user errors.
func (p *CreateAPIKeyPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the key's global ID (never the key itself).
func (p *CreateAPIKeyPayload) AuditTargets() []string { return nodeIDs(p.APIKey) }

// AuditErrors returns the payload's user errors.
func (p *RevokeAPIKeyPayload) AuditErrors() []*Error { return p.UserErrors }

// AuditTargets returns the key's global ID.
func (p *RevokeAPIKeyPayload) AuditTargets() []string { return nodeIDs(p.APIKey) }
