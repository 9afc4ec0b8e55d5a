package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"sudpro/model"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		wantErr string
	}{
		{"development defaults", nil, ""},
		{"production without a database", map[string]string{"SUDPRO_ENV": "production", "SUDPRO_JWT_SECRET": strings.Repeat("x", 32)}, "DATABASE_URL"},
		{"production with the development secret", map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro"}, "SUDPRO_JWT_SECRET"},
		{"production with a JWKS and the development issuer", map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWKS_URL": "https://idp.example/jwks.json"}, "SUDPRO_JWT_ISSUER"},
		{"production with a short secret", map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWT_SECRET": "short"}, "SUDPRO_JWT_SECRET"},
		{"production configured", map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWT_SECRET": strings.Repeat("x", 32)}, ""},
		{"unknown environment", map[string]string{"SUDPRO_ENV": "staging"}, "SUDPRO_ENV"},
		{"bad timeout", map[string]string{"SUDPRO_REQUEST_TIMEOUT": "ten"}, "SUDPRO_REQUEST_TIMEOUT"},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"bad pool size", map[string]string{"SUDPRO_DB_MAX_CONNS": "0"}, "SUDPRO_DB_MAX_CONNS"},
		{"budget of an unknown role", map[string]string{"SUDPRO_BUDGETS": "ROOT=5"}, "SUDPRO_BUDGETS"},
		{"budget that is not a number", map[string]string{"SUDPRO_BUDGETS": "CHAMBER=lots"}, "SUDPRO_BUDGETS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(env(tt.vars))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("loadConfig() error = %v", err)
				}
				if cfg.addr != "127.0.0.1:8080" || cfg.requestTimeout.String() != "10s" {
					t.Errorf("defaults = %+v", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("loadConfig() error = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) {
			t.Errorf("--help does not list %s", s.env)
		}
	}
}

func TestTokenCommandRefusesBadRoles(t *testing.T) {
	var out bytes.Buffer
	vars := env(map[string]string{"SUDPRO_JWT_SECRET": strings.Repeat("s", 32)})
	if err := run(context.Background(), []string{"token", "--role", "ROOT"}, vars, &out, &out); err == nil {
		t.Error("token --role ROOT succeeded")
	}
	if err := run(context.Background(), []string{"token", "--role", "ENTERPRISE"}, vars, &out, &out); err == nil || !strings.Contains(err.Error(), "--ridet") {
		t.Errorf("token --role ENTERPRISE without --ridet: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"token", "--role", "agent"}, vars, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(strings.TrimSpace(out.String()), ".") != 2 {
		t.Errorf("token output %q is not a JWT", out.String())
	}
	prod := env(map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://x/y", "SUDPRO_JWT_SECRET": strings.Repeat("s", 32)})
	if err := run(context.Background(), []string{"token", "--role", "ADMIN"}, prod, &out, &out); err == nil {
		t.Error("production issued a development token")
	}
}

func TestBudgetsReachTheServerConfig(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"SUDPRO_BUDGETS": "ANONYMOUS=7,CHAMBER=9"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.anonymousBudget != 7 || cfg.budgets[model.RoleChamber] != 9 {
		t.Errorf("budgets = %d, %v", cfg.anonymousBudget, cfg.budgets)
	}
}
