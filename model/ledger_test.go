package model_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sudpro/model"
)

// sessionWindow returns a session opening at 08:00 in Nouméa on 31 July 2025 and closing seven days later, or
// never when open is true.
func sessionWindow(open bool) *model.Session {
	nc := time.FixedZone("Pacific/Noumea", 11*3600)
	opens := time.Date(2025, time.July, 31, 8, 0, 0, 0, nc)
	s := &model.Session{Name: "Phase 2 — session 1", OpensAt: opens, Envelope: 120_000_000}
	if !open {
		closes := opens.Add(7 * 24 * time.Hour)
		s.ClosesAt = &closes
	}
	return s
}

func TestSessionStatusAt(t *testing.T) {
	s := sessionWindow(false)
	opens, closes := s.OpensAt, *s.ClosesAt
	tests := []struct {
		name      string
		session   *model.Session
		now       time.Time
		remaining model.XPF
		want      model.SessionStatus
	}{
		{"a session before its opening is scheduled", s, opens.Add(-time.Nanosecond), 120_000_000, model.SessionScheduled},
		{"a session before its opening is scheduled even with nothing left", s, opens.Add(-24 * time.Hour), 0, model.SessionScheduled},
		{"a session is open from its opening instant", s, opens, 120_000_000, model.SessionOpen},
		{"an open session with 1 XPF left is open", s, opens.Add(8 * time.Minute), 1, model.SessionOpen},
		{"an open session with nothing left is exhausted", s, opens.Add(8 * time.Minute), 0, model.SessionExhausted},
		{"an open session with a negative remainder is exhausted", s, opens.Add(8 * time.Minute), -1, model.SessionExhausted},
		{"a session is open until just before it closes", s, closes.Add(-time.Nanosecond), 5_000, model.SessionOpen},
		{"a session is closed at its closing instant even with money left", s, closes, 5_000, model.SessionClosed},
		{"a session is closed after its closing even with money left", s, closes.Add(time.Hour), 120_000_000, model.SessionClosed},
		{"a closed session with nothing left is closed, not exhausted", s, closes.Add(time.Hour), 0, model.SessionClosed},
		{"a session without a closing time is still open years later", sessionWindow(true), opens.AddDate(5, 0, 0), 1, model.SessionOpen},
		{"a session without a closing time is exhausted when spent", sessionWindow(true), opens.AddDate(5, 0, 0), 0, model.SessionExhausted},
		{"a session without a closing time is scheduled before its opening", sessionWindow(true), opens.Add(-time.Second), 1, model.SessionScheduled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.session.StatusAt(tt.now, tt.remaining); got != tt.want {
				t.Errorf("StatusAt(%v, %d) = %s, want %s", tt.now, tt.remaining, got, tt.want)
			}
		})
	}
}

func TestSessionOpenAt(t *testing.T) {
	s := sessionWindow(false)
	opens, closes := s.OpensAt, *s.ClosesAt
	tests := []struct {
		name    string
		session *model.Session
		now     time.Time
		want    bool
	}{
		{"a session is not open just before its opening", s, opens.Add(-time.Nanosecond), false},
		{"a session is open at its opening instant", s, opens, true},
		{"a session is open during its window", s, opens.Add(3 * 24 * time.Hour), true},
		{"a session is open just before its closing", s, closes.Add(-time.Nanosecond), true},
		{"a session is not open at its closing instant", s, closes, false},
		{"a session is not open after its closing", s, closes.Add(time.Hour), false},
		{"a session without a closing time is open years later", sessionWindow(true), opens.AddDate(10, 0, 0), true},
		{"a session without a closing time is not open before its opening", sessionWindow(true), opens.Add(-time.Nanosecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.session.OpenAt(tt.now); got != tt.want {
				t.Errorf("OpenAt(%v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestEnterpriseEligibility(t *testing.T) {
	business := func(form model.LegalForm, headcount int, status model.EnterpriseStatus, commune string) *model.Enterprise {
		return &model.Enterprise{ID: 1, RIDET: "1234567001", Name: "Test", LegalForm: form, Headcount: headcount,
			Status: status, CommuneCode: commune, SectorCode: "SERVICES"}
	}
	tests := []struct {
		name     string
		e        *model.Enterprise
		want     bool
		wantWhys []string // one substring per expected reason, in order
	}{
		{"an active patenté with 5 employees is eligible", business(model.LegalFormPatente, 5, model.EnterpriseActive, "98818"), true, nil},
		{"an active patenté with 0 employees is eligible", business(model.LegalFormPatente, 0, model.EnterpriseActive, "98818"), true, nil},
		{"an active SARL with 2 employees is eligible", business(model.LegalFormSARL, 2, model.EnterpriseActive, "98818"), true, nil},
		{"an active SARL with 0 employees is eligible", business(model.LegalFormSARL, 0, model.EnterpriseActive, "98818"), true, nil},
		{"an active SARL with 3 employees is not eligible", business(model.LegalFormSARL, 3, model.EnterpriseActive, "98818"), false,
			[]string{"3 employees"}},
		{"an active SAS with 9 employees is not eligible", business(model.LegalFormSAS, 9, model.EnterpriseActive, "98818"), false,
			[]string{"9 employees"}},
		{"a pending patenté is not eligible", business(model.LegalFormPatente, 0, model.EnterprisePending, "98818"), false,
			[]string{"PENDING"}},
		{"a suspended patenté is not eligible", business(model.LegalFormPatente, 0, model.EnterpriseSuspended, "98818"), false,
			[]string{"SUSPENDED"}},
		{"a closed patenté is not eligible", business(model.LegalFormPatente, 0, model.EnterpriseClosed, "98818"), false,
			[]string{"CLOSED"}},
		{"an active patenté without a commune is not eligible", business(model.LegalFormPatente, 0, model.EnterpriseActive, ""), false,
			[]string{"commune"}},
		{"a suspended SARL with 5 employees fails two rules", business(model.LegalFormSARL, 5, model.EnterpriseSuspended, "98818"), false,
			[]string{"SUSPENDED", "5 employees"}},
		{"a pending SARL with 4 employees and no commune fails three rules", business(model.LegalFormSARL, 4, model.EnterprisePending, ""), false,
			[]string{"PENDING", "commune", "4 employees"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.e.Eligibility()
			call := fmt.Sprintf("Eligibility(%s, %d employees, %s, commune %q)", tt.e.LegalForm, tt.e.Headcount, tt.e.Status, tt.e.CommuneCode)
			if got.Eligible != tt.want {
				t.Errorf("%s.Eligible = %v, want %v (reasons %q)", call, got.Eligible, tt.want, got.Reasons)
			}
			if len(got.Reasons) != len(tt.wantWhys) {
				t.Fatalf("%s.Reasons = %q, want %d reasons mentioning %q", call, got.Reasons, len(tt.wantWhys), tt.wantWhys)
			}
			for i, why := range tt.wantWhys {
				if !strings.Contains(got.Reasons[i], why) {
					t.Errorf("%s.Reasons[%d] = %q, want it to mention %q", call, i, got.Reasons[i], why)
				}
			}
			if e := tt.e.IsEligible(); e != tt.want {
				t.Errorf("IsEligible() = %v, want %v", e, tt.want)
			}
		})
	}
}
