package model

import "testing"

func TestParseRIDET(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  RIDET
		ok    bool
	}{
		{"ten digits", "1234567001", "1234567001", true},
		{"dotted", "1234567.001", "1234567001", true},
		{"spaced and dotted", "1 234 567.001", "1234567001", true},
		{"non-breaking spaces", "1\u00a0234\u00a0567.002", "1234567002", true},
		{"short company number is zero-padded", "123456.001", "0123456001", true},
		{"surrounding spaces", "  1234567.010 ", "1234567010", true},
		{"no Luhn check is applied", "9999999.999", "9999999999", true},
		{"empty", "", "", false},
		{"only spaces", "   ", "", false},
		{"nine digits", "123456701", "", false},
		{"eleven digits", "12345670011", "", false},
		{"letters", "12345A7.001", "", false},
		{"rank of two digits", "1234567.01", "", false},
		{"two dots", "1234567.001.1", "", false},
		{"rank zero", "1234567.000", "", false},
		{"company zero", "0000000.001", "", false},
		{"eight-digit company number", "12345678.001", "", false},
		{"sign", "-234567.001", "", false},
		{"dot only", ".", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRIDET(tt.input)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseRIDET(%q) error = %v, want ok %v", tt.input, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("ParseRIDET(%q) = %q, want %q", tt.input, got, tt.want)
			}
			if err != nil {
				if e, ok := AsError(err); !ok || e.Field != "ridet" || e.Code != CodeInvalid {
					t.Errorf("ParseRIDET(%q) error = %#v, want an INVALID error on field ridet", tt.input, err)
				}
			}
		})
	}
}

func TestRIDETString(t *testing.T) {
	if got, want := RIDET("1234567001").String(), "1234567.001"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// FuzzParseRIDET checks that any accepted input normalises to 10 digits that parse back to themselves, both bare
// and formatted.
func FuzzParseRIDET(f *testing.F) {
	for _, s := range []string{"1234567.001", "1 234 567.001", "1234567001", "123.001", "", "..", "0000000.001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRIDET(s)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("ParseRIDET(%q) returned an untyped error %v", s, err)
			}
			return
		}
		if len(r) != 10 || !allDigits(string(r)) {
			t.Fatalf("ParseRIDET(%q) = %q, want 10 digits", s, r)
		}
		for _, again := range []string{string(r), r.String()} {
			if r2, err := ParseRIDET(again); err != nil || r2 != r {
				t.Fatalf("ParseRIDET(%q) = %q, %v, want %q", again, r2, err, r)
			}
		}
	})
}
