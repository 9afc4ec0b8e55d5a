package model

import (
	"strings"
)

// RIDET identifies an establishment in New Caledonia's register (répertoire d'identification des entreprises et
// des établissements): a 7-digit company number (RID) and a 3-digit establishment rank, stored as 10 digits.
// There is no check digit: never apply the French SIREN/Luhn check.
type RIDET string

// ParseRIDET normalises the ways people write a RIDET ("1234567.001", "1 234 567.001", "1234567001",
// "123456.001" for a company number written without its leading zero) and validates the result.
func ParseRIDET(s string) (RIDET, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\t':
			return -1
		}
		return r
	}, s)
	if clean == "" {
		return "", Invalid("ridet", "RIDET is required")
	}
	company, rank, dotted := strings.Cut(clean, ".")
	if dotted {
		if strings.Contains(rank, ".") {
			return "", Invalid("ridet", "RIDET %q has more than one dot", s)
		}
		if len(company) == 0 || len(company) > 7 || len(rank) != 3 {
			return "", Invalid("ridet", "RIDET %q must be up to 7 digits, a dot and 3 digits (e.g. 1234567.001)", s)
		}
		company = strings.Repeat("0", 7-len(company)) + company
	} else {
		if len(clean) != 10 {
			return "", Invalid("ridet", "RIDET %q must have 10 digits (7-digit company number and 3-digit rank)", s)
		}
		company, rank = clean[:7], clean[7:]
	}
	if !allDigits(company) || !allDigits(rank) {
		return "", Invalid("ridet", "RIDET %q may only contain digits, spaces and a dot", s)
	}
	if rank == "000" {
		return "", Invalid("ridet", "RIDET %q has establishment rank 000; ranks start at 001", s)
	}
	if company == "0000000" {
		return "", Invalid("ridet", "RIDET %q has company number 0000000", s)
	}
	return RIDET(company + rank), nil
}

// String formats the RIDET as people write it: company number, a dot, the establishment rank.
func (r RIDET) String() string {
	if len(r) != 10 {
		return string(r)
	}
	return string(r[:7]) + "." + string(r[7:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Company is the 7-digit company number (RID) shared by every establishment of a company.
func (r RIDET) Company() string {
	if len(r) != 10 {
		return string(r)
	}
	return string(r[:7])
}
