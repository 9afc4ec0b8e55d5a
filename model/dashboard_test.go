package model

import (
	"testing"
	"time"
)

func TestNewDashboardScope(t *testing.T) {
	day := func(s string) *time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, Noumea)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	tests := []struct {
		name      string
		from, to  *time.Time
		wantUntil string // RFC 3339 in UTC, "" for none
		wantErr   string // the field of the error, "" for none
	}{
		{"no window", nil, nil, "", ""},
		{"a single day ends at the next Nouméa midnight", day("2025-07-31"), day("2025-07-31"), "2025-07-31T13:00:00Z", ""},
		{"a month", day("2025-05-01"), day("2025-05-31"), "2025-05-31T13:00:00Z", ""},
		{"only an end", nil, day("2025-12-31"), "2025-12-31T13:00:00Z", ""},
		{"an end before the start", day("2025-08-01"), day("2025-07-31"), "", "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := NewDashboardScope(1, 0, tt.from, tt.to)
			if tt.wantErr != "" {
				if e, ok := AsError(err); !ok || e.Field != tt.wantErr {
					t.Fatalf("NewDashboardScope() error = %v, want an error on %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewDashboardScope() error = %v", err)
			}
			got := ""
			if sc.Until != nil {
				got = sc.Until.UTC().Format(time.RFC3339)
			}
			if got != tt.wantUntil {
				t.Errorf("Until = %q, want %q", got, tt.wantUntil)
			}
			if sc.From != tt.from {
				t.Errorf("From = %v, want %v", sc.From, tt.from)
			}
		})
	}
}

func TestDashboardDerivedFigures(t *testing.T) {
	opens := time.Date(2025, 7, 31, 8, 0, 0, 0, Noumea)
	exhausted := opens.Add(8 * time.Minute)
	b := &DashboardSessionBudget{OpensAt: opens, ExhaustedAt: &exhausted}
	if got := b.SecondsToExhaustion(); got == nil || *got != 480 {
		t.Errorf("SecondsToExhaustion() = %v, want 480 (8 minutes)", got)
	}
	if got := (&DashboardSessionBudget{OpensAt: opens}).SecondsToExhaustion(); got != nil {
		t.Errorf("SecondsToExhaustion() of a session never exhausted = %v, want nil", *got)
	}
	share := &DashboardSmallBusinessShare{SmallBusinessAmount: 97, Total: 100}
	if got := share.Percent(); got == nil || *got != 97 {
		t.Errorf("Percent() = %v, want 97", got)
	}
	if got := (&DashboardSmallBusinessShare{}).Percent(); got != nil {
		t.Errorf("Percent() of nothing spent = %v, want nil", *got)
	}
	f := EnvelopeFigures{Engaged: 1_200_000_000, Reserved: 1, Payable: 2, Paid: 3, Remaining: 1_199_999_994}
	if f.Spent() != 6 || f.Engaged != f.Spent()+f.Remaining {
		t.Errorf("Spent() = %d of %+v", f.Spent(), f)
	}
	done := &DashboardBusinessDone{InvoicedTotal: 1_800_000_000, PrivateOrders: 100_000_000, CreditSud: 1_675_000_000}
	if got := done.OutsideCreditSud(); got != 225_000_000 || done.Total() != 1_900_000_000 {
		t.Errorf("OutsideCreditSud() = %d of %d, want 225,000,000 of 1,900,000,000", got, done.Total())
	}
}
