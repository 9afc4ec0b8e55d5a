package model

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Global IDs are opaque to clients: base64url("Type:key"). Clients must not parse them; the encoding only lets
// node(id:) find the type and key without a lookup table.

// Node types with a global ID.
const (
	TypeEnterprise   = "Enterprise"
	TypeSector       = "Sector"
	TypeCommune      = "Commune"
	TypeTgcRate      = "TgcRate"
	TypeProgramme    = "Programme"
	TypeSession      = "Session"
	TypeInvoice      = "Invoice"
	TypeConsultation = "Consultation"
	TypeAccount      = "Account"
	TypeLedgerEntry  = "LedgerEntry"
	TypeAuditEntry   = "AuditEntry"
	TypeAPIKey       = "ApiKey"
	TypeOffer        = "Offer"
	TypeQuestion     = "ConsultationQuestion"
)

// GlobalID encodes a node's type and key.
func GlobalID(typeName, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + key))
}

// GlobalIntID encodes a node with an integer key.
func GlobalIntID(typeName string, id int64) string {
	return GlobalID(typeName, strconv.FormatInt(id, 10))
}

// ParseGlobalID decodes a global ID into its type and key; field names the argument for the error.
func ParseGlobalID(field, id string) (typeName, key string, err error) {
	raw, decodeErr := base64.RawURLEncoding.DecodeString(id)
	if decodeErr != nil {
		return "", "", Invalid(field, "%q is not a valid ID", id)
	}
	typeName, key, ok := strings.Cut(string(raw), ":")
	if !ok || typeName == "" || key == "" {
		return "", "", Invalid(field, "%q is not a valid ID", id)
	}
	return typeName, key, nil
}

// ParseIntID decodes a global ID that must be of type want, with an integer key.
func ParseIntID(field, want, id string) (int64, error) {
	typeName, key, err := ParseGlobalID(field, id)
	if err != nil {
		return 0, err
	}
	n, convErr := strconv.ParseInt(key, 10, 64)
	if typeName != want || convErr != nil || n <= 0 {
		return 0, Invalid(field, "%q is not the ID of a %s", id, want)
	}
	return n, nil
}

// ParseCodeID accepts either the global ID of a node of type want or its bare code (e.g. "BTP" for a sector,
// "98818" for a commune), so that filters are easy to write by hand.
func ParseCodeID(field, want, id string) string {
	if typeName, key, err := ParseGlobalID(field, id); err == nil && typeName == want {
		return key
	}
	return id
}

// Node is any object with a global ID (the schema's Node interface).
type Node interface {
	NodeID() string
}
