package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sudpro/dbtest"
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
		{"production with a hand-made secret", map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWT_SECRET": strings.Repeat("x", 32)}, "SUDPRO_JWT_SECRET"},
		{"production configured", map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWT_SECRET": prodSecret}, ""},
		{"unknown query mode", map[string]string{"SUDPRO_DB_QUERY_MODE": "prepared"}, "SUDPRO_DB_QUERY_MODE"},
		{"negative drain delay", map[string]string{"SUDPRO_DRAIN_DELAY": "-1s"}, "SUDPRO_DRAIN_DELAY"},
		{"no read-your-writes window", map[string]string{"SUDPRO_READ_YOUR_WRITES": "0s"}, "SUDPRO_READ_YOUR_WRITES"},
		{"unknown environment", map[string]string{"SUDPRO_ENV": "staging"}, "SUDPRO_ENV"},
		{"bad timeout", map[string]string{"SUDPRO_REQUEST_TIMEOUT": "ten"}, "SUDPRO_REQUEST_TIMEOUT"},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"bad pool size", map[string]string{"SUDPRO_DB_MAX_CONNS": "0"}, "SUDPRO_DB_MAX_CONNS"},
		{"negative memory limit", map[string]string{"SUDPRO_MEMORY_LIMIT_MB": "-5"}, "SUDPRO_MEMORY_LIMIT_MB"},
		{"memory limit not a number", map[string]string{"SUDPRO_MEMORY_LIMIT_MB": "lots"}, "SUDPRO_MEMORY_LIMIT_MB"},
		{"zero GC percent", map[string]string{"SUDPRO_GC_PERCENT": "0"}, "SUDPRO_GC_PERCENT"},
		{"GC percent not a number", map[string]string{"SUDPRO_GC_PERCENT": "off"}, "SUDPRO_GC_PERCENT"},
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

// prodSecret looks like the output of openssl rand -hex 16.
const prodSecret = "9f86d081884c7d659a2feaa0c55ad015"

func TestProductionRefusesTheDevelopmentSecret(t *testing.T) {
	dir := t.TempDir()
	dev, err := jwtSecret(config{dataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = loadConfig(env(map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro",
		"SUDPRO_DATA_DIR": dir, "SUDPRO_JWT_SECRET": string(dev)}))
	if err == nil || !strings.Contains(err.Error(), "development secret") {
		t.Errorf("production with the development secret: error = %v, want a refusal", err)
	}
	// The same secret file mounted as SUDPRO_JWT_SECRET_FILE is refused too.
	_, err = loadConfig(env(map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro",
		"SUDPRO_DATA_DIR": dir, "SUDPRO_JWT_SECRET_FILE": filepath.Join(dir, "dev-jwt-secret")}))
	if err == nil || !strings.Contains(err.Error(), "development secret") {
		t.Errorf("production with the development secret file: error = %v, want a refusal", err)
	}
}

func TestDrainDelayDefaultsByEnvironment(t *testing.T) {
	dev, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := loadConfig(env(map[string]string{"SUDPRO_ENV": "production", "DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWT_SECRET": prodSecret}))
	if err != nil {
		t.Fatal(err)
	}
	if dev.drainDelay != 0 || prod.drainDelay != 10*time.Second {
		t.Errorf("drain delay = %v in development, %v in production; want 0s and 10s", dev.drainDelay, prod.drainDelay)
	}
}

func TestServeRefusesToStartInProductionWithDevelopmentSecrets(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve"}, env(map[string]string{"SUDPRO_ENV": "production",
		"DATABASE_URL": "postgres://db/sudpro", "SUDPRO_JWT_SECRET": strings.Repeat("changeme", 4)}), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "SUDPRO_JWT_SECRET") {
		t.Fatalf("serve in production with a hand-made secret: error = %v, want a refusal naming SUDPRO_JWT_SECRET", err)
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) {
			t.Errorf("--help does not list %s", s.env)
		}
		if !strings.Contains(string(readme), "| `"+s.env+"` |") {
			t.Errorf("the README's configuration table does not list %s", s.env)
		}
		if s.prod == "" {
			t.Errorf("%s does not say what production should set", s.env)
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

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
