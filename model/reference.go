package model

import (
	"fmt"

	"github.com/uptrace/bun"
)

// Commune is a commune of the Province Sud. Its ISEE code and its postal code are distinct numbering systems
// that overlap (98809 is L'Île-des-Pins' commune code and Le Mont-Dore's postal code).
type Commune struct {
	bun.BaseModel `bun:"table:communes,alias:co"`

	Code       string   `bun:"code,pk"`
	PostalCode string   `bun:"postal_code"`
	Name       string   `bun:"name"`
	Aliases    []string `bun:"aliases,array,nullzero,notnull,default:'{}'"`
	Note       string   `bun:"note"`
}

// NodeID is the commune's global ID.
func (c *Commune) NodeID() string { return GlobalID(TypeCommune, c.Code) }

// Sector is a sector of the platform's taxonomy.
type Sector struct {
	bun.BaseModel `bun:"table:sectors,alias:se"`

	Code     string `bun:"code,pk"`
	Name     string `bun:"name"`
	Position int    `bun:"position"`
}

// NodeID is the sector's global ID.
func (s *Sector) NodeID() string { return GlobalID(TypeSector, s.Code) }

// TGCRate is a TGC rate in basis points (1100 = 11 %), so tax is computed in integers.
type TGCRate struct {
	bun.BaseModel `bun:"table:tgc_rates,alias:tr"`

	Code        string `bun:"code,pk"`
	BasisPoints int64  `bun:"basis_points"`
	Label       string `bun:"label"`
}

// NodeID is the rate's global ID.
func (r *TGCRate) NodeID() string { return GlobalID(TypeTgcRate, r.Code) }

// Percent formats the rate for people, in the French way ("11 %", "0,5 %").
func (r *TGCRate) Percent() string {
	whole, frac := r.BasisPoints/100, r.BasisPoints%100
	if frac == 0 {
		return fmt.Sprintf("%d %%", whole)
	}
	s := fmt.Sprintf("%d,%02d", whole, frac)
	if s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s + " %"
}

// TGCOn returns the TGC on amountHT at this rate, rounded half-up to the franc (domain decision: per line).
func (r *TGCRate) TGCOn(amountHT XPF) XPF {
	// Split so that no product can overflow int64 whatever the amount: a = q·10000 + m.
	a := int64(amountHT)
	return XPF(a/10000*r.BasisPoints + (a%10000*r.BasisPoints+5000)/10000)
}
