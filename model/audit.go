package model

import (
	"encoding/json"
	"io"
	"time"

	"github.com/uptrace/bun"
)

// AuditEntry records one mutation call: who, what, on which objects, with which input and how it ended.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log,alias:au"`

	ID                int64           `bun:"id,pk,autoincrement"`
	At                time.Time       `bun:"at,nullzero,notnull,default:current_timestamp"`
	ActorRole         string          `bun:"actor_role"`
	ActorSubject      string          `bun:"actor_subject"`
	ActorEnterpriseID *int64          `bun:"actor_enterprise_id"`
	Operation         string          `bun:"operation"`
	TargetIDs         []string        `bun:"target_ids,array,nullzero,notnull,default:'{}'"`
	Input             json.RawMessage `bun:"input,type:jsonb"`
	Result            AuditResult     `bun:"result"`
	ErrorCodes        []string        `bun:"error_codes,array,nullzero,notnull,default:'{}'"`
	RequestID         string          `bun:"request_id"`
}

// NodeID is the entry's global ID.
func (e *AuditEntry) NodeID() string { return GlobalIntID(TypeAuditEntry, e.ID) }

// AuditResult is how a mutation call ended.
type AuditResult string

// Audit results.
const (
	AuditOK      AuditResult = "OK"      // done
	AuditRefused AuditResult = "REFUSED" // user errors or a forbidden call: nothing changed
	AuditError   AuditResult = "ERROR"   // an internal failure: nothing changed
)

// AuditQuery selects audit entries, latest first.
type AuditQuery struct {
	Operation string
	Subject   string
	From      *time.Time
	Before    *time.Time
}

// secretKeys are input fields never written to the audit log.
// "terms" are a sealed offer's terms: nobody may read them before the offer deadline, administrators included.
var secretKeys = map[string]bool{"password": true, "secret": true, "token": true, "apiKey": true, "key": true, "terms": true}

// RedactInput returns a mutation's arguments with secrets replaced, for the audit log.
func RedactInput(args map[string]any) map[string]any {
	out := make(map[string]any, len(args))
	for k, v := range args {
		switch {
		case secretKeys[k]:
			out[k] = "[redacted]"
		default:
			out[k] = redactValue(v)
		}
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return RedactInput(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	default:
		return v
	}
}

// IsValid reports whether r is a known result.
func (r AuditResult) IsValid() bool { return r == AuditOK || r == AuditRefused || r == AuditError }

// MarshalGQL writes the result as a GraphQL enum value.
func (r AuditResult) MarshalGQL(w io.Writer) { marshalEnum(w, r) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *AuditResult) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, "AuditResult") }

// ActorRoleValue is the caller's role, nil when anonymous.
func (e *AuditEntry) ActorRoleValue() *Role {
	if e.ActorRole == "" {
		return nil
	}
	r := Role(e.ActorRole)
	return &r
}

// InputJSON is the recorded input as JSON text.
func (e *AuditEntry) InputJSON() string { return string(e.Input) }
