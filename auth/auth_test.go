package auth

import (
	"context"
	"testing"
	"time"

	"sudpro/model"
)

func TestAuthenticate(t *testing.T) {
	secret := []byte("test-secret-test-secret-test-secret")
	now := time.Now()
	lookup := func(_ context.Context, r model.RIDET) (int64, error) {
		if r == "1234567001" {
			return 42, nil
		}
		return 0, model.Errorf(model.CodeNotFound, "", "enterprise not found")
	}
	a := NewAuthenticator(secret, DefaultIssuer, DefaultAudience, lookup)
	issue := func(t *testing.T, key []byte, iss, aud string, role model.Role, ridet model.RIDET, ttl time.Duration) string {
		t.Helper()
		tok, err := Issue(key, iss, aud, "tester", role, ridet, ttl, now)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name   string
		header string
		want   model.Actor
		ok     bool
	}{
		{"no header is anonymous", "", model.Actor{}, true},
		{"admin", "Bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.RoleAdmin, "", time.Hour), model.Actor{Role: model.RoleAdmin, Subject: "tester"}, true},
		{"lower-case scheme", "bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.RoleAgent, "", time.Hour), model.Actor{Role: model.RoleAgent, Subject: "tester"}, true},
		{"enterprise", "Bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.RoleEnterprise, "1234567001", time.Hour), model.Actor{Role: model.RoleEnterprise, Subject: "tester", EnterpriseID: 42}, true},
		{"enterprise of an unknown business", "Bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.RoleEnterprise, "7654321001", time.Hour), model.Actor{}, false},
		{"enterprise without ridet", "Bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.RoleEnterprise, "", time.Hour), model.Actor{}, false},
		{"expired beyond the skew", "Bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.RoleAdmin, "", -2*time.Minute), model.Actor{}, false},
		{"wrong secret", "Bearer " + issue(t, []byte("another-secret-another-secret-xx"), DefaultIssuer, DefaultAudience, model.RoleAdmin, "", time.Hour), model.Actor{}, false},
		{"wrong issuer", "Bearer " + issue(t, secret, "someone", DefaultAudience, model.RoleAdmin, "", time.Hour), model.Actor{}, false},
		{"wrong audience", "Bearer " + issue(t, secret, DefaultIssuer, "other", model.RoleAdmin, "", time.Hour), model.Actor{}, false},
		{"unknown role", "Bearer " + issue(t, secret, DefaultIssuer, DefaultAudience, model.Role("ROOT"), "", time.Hour), model.Actor{}, false},
		{"not a JWT", "Bearer abc.def.ghi", model.Actor{}, false},
		{"basic scheme", "Basic dXNlcjpwYXNz", model.Actor{}, false},
		{"empty bearer", "Bearer ", model.Actor{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authenticate(context.Background(), tt.header)
			if (err == nil) != tt.ok {
				t.Fatalf("Authenticate() error = %v, want ok %v", err, tt.ok)
			}
			if err != nil && model.ErrorCodeOf(err) != model.CodeUnauthenticated {
				t.Errorf("Authenticate() error code = %q, want UNAUTHENTICATED", model.ErrorCodeOf(err))
			}
			if got != tt.want {
				t.Errorf("Authenticate() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAuthenticateRefusesNoneAlgorithm(t *testing.T) {
	a := NewAuthenticator([]byte("secret"), DefaultIssuer, DefaultAudience, nil)
	// {"alg":"none"} header with an admin payload and no signature.
	token := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJyb2xlIjoiQURNSU4iLCJpc3MiOiJzdWRwcm8tZGV2IiwiYXVkIjoic3VkcHJvLWFwaSIsImV4cCI6NDEwMjQ0NDgwMH0."
	if _, err := a.Authenticate(context.Background(), "Bearer "+token); err == nil {
		t.Fatal("Authenticate accepted an unsigned token")
	}
}
