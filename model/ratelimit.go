package model

import "time"

// RateLimit is where a caller stands against its hourly points budget.
type RateLimit struct {
	Cost      int
	Limit     int
	Used      int
	Remaining int
	ResetAt   time.Time
}
