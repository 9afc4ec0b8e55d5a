// Command sudpro serves the Sud Pro GraphQL API and runs its maintenance commands (migrate, seed, token).
// This file is the only place that reads the environment and flags and wires the parts together.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"sudpro/auth"
	"sudpro/httpapi"
	"sudpro/metrics"
	"sudpro/model"
	"sudpro/pglocal"
	"sudpro/seed"
	"sudpro/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "sudpro:", err)
		}
		os.Exit(1)
	}
}

// setting is one configuration variable: its environment name, default, meaning and what production should set,
// listed by --help and in the README.
type setting struct {
	env, def, help, prod string
}

var settings = []setting{
	{"DATABASE_URL", "", "PostgreSQL URL (postgres://user:pass@host:5432/db). Unset: a private local PostgreSQL in SUDPRO_DATA_DIR is started and stopped with the command", "the primary (or its PgBouncer), with sslmode=verify-full off the host"},
	{"DATABASE_READ_URL", "", "PostgreSQL URL of a streaming read replica: directory and list reads go there, except a caller's reads for SUDPRO_READ_YOUR_WRITES after its own mutation; mutations stay on DATABASE_URL", "the replica (or its PgBouncer) when there is one"},
	{"SUDPRO_LISTEN_URL", "", "PostgreSQL URL of the one connection per process that LISTENs for the subscriptions' events. Unset: DATABASE_URL. It must reach the primary directly (LISTEN does not work through PgBouncer in transaction mode), never a replica", "the primary itself when DATABASE_URL is a PgBouncer"},
	{"SUDPRO_ENV", "development", "development or production. Production refuses development secrets, needs DATABASE_URL, and turns introspection off for anonymous callers", "production"},
	{"SUDPRO_ADDR", "127.0.0.1:8080", "address the HTTP server listens on (use :8080 to listen on every interface)", ":8080 behind the load balancer"},
	{"SUDPRO_METRICS_ADDR", "", "address of a separate listener serving only /metrics (Prometheus). Unset: /metrics is served on SUDPRO_ADDR", "an internal address, e.g. 10.0.0.5:9090, so /metrics stays off the public listener"},
	{"SUDPRO_DATA_DIR", ".data", "folder of the private PostgreSQL and the development secret (local mode only)", "unused"},
	{"SUDPRO_JWT_SECRET", "", "HS256 secret of bearer tokens (at least 32 bytes). Unset in development: a random secret kept in SUDPRO_DATA_DIR/dev-jwt-secret", "unset with SUDPRO_JWKS_URL, else 32+ random bytes (never the development one)"},
	{"SUDPRO_JWT_SECRET_FILE", "", "file holding SUDPRO_JWT_SECRET (e.g. a mounted secret), instead of the variable", "the mounted secret, rather than SUDPRO_JWT_SECRET"},
	{"SUDPRO_JWKS_URL", "", "JWKS of the OIDC provider (https://…/.well-known/jwks.json): verifies RS256/ES256 tokens; set SUDPRO_JWT_ISSUER and SUDPRO_JWT_AUDIENCE to the provider's iss and aud", "the Province's OIDC provider"},
	{"SUDPRO_JWT_ROLE_CLAIM", auth.DefaultRoleClaim, "claim of JWKS tokens carrying the role: a string or an array (e.g. roles, groups, realm_access.roles)", "the provider's claim"},
	{"SUDPRO_JWT_RIDET_CLAIM", auth.DefaultRIDETClaim, "claim of JWKS tokens carrying a business user's RIDET", "the provider's claim"},
	{"SUDPRO_JWT_ISSUER", auth.DefaultIssuer, "expected iss claim of tokens", "the provider's issuer (required with SUDPRO_JWKS_URL)"},
	{"SUDPRO_JWT_AUDIENCE", auth.DefaultAudience, "expected aud claim of tokens", "the audience the provider issues for the API"},
	{"SUDPRO_REQUEST_TIMEOUT", "10s", "longest time a GraphQL request may take", "default"},
	{"SUDPRO_STATEMENT_TIMEOUT", "5s", "PostgreSQL statement_timeout of every statement, sent at connection; 0: not sent (behind PgBouncer, set it on the role: ALTER ROLE sudpro SET statement_timeout = '5s')", "default; 0 behind PgBouncer"},
	{"SUDPRO_DB_MAX_CONNS", "20", "largest number of open database connections (each of the primary and the replica)", "PostgreSQL's (or PgBouncer's pool) size divided by the number of processes, and no more than about 4 per CPU of PostgreSQL's server: on 2 CPUs shared with PostgreSQL, 8 instead of 20 gave the CréditSud rush 20 % more reservations per second (BENCHMARKS.md)"},
	{"SUDPRO_DB_QUERY_MODE", "simple_protocol", "how pgx sends statements: simple_protocol (no prepared statement: works behind PgBouncer in transaction mode), exec, describe_exec, cache_describe or cache_statement (server-side prepared statements: a direct connection or a PgBouncer with max_prepared_statements only)", "default"},
	{"SUDPRO_READ_YOUR_WRITES", "5s", "with DATABASE_READ_URL, how long a caller's reads stay on the primary after its own mutation (remembered per process and in a cookie)", "more than the replica's usual lag"},
	{"SUDPRO_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the API (e.g. https://dashboard.province-sud.nc); none: no CORS headers", "the dashboard's origin"},
	{"SUDPRO_BUDGETS", "ANONYMOUS=1000,ENTERPRISE=10000,CHAMBER=20000,AGENT=50000,ADMIN=50000", "points per hour of each caller kind (a query costs 1 + 1 per 100 nodes, a mutation 10 per field); an API key's hourly_budget overrides CHAMBER's", "default"},
	{"SUDPRO_PERSISTED_ONLY_ROLES", "", "comma-separated roles (e.g. AGENT) whose callers may run only the operations an admin registered with registerPersistedOperation, as API keys with persistedOnly may. Unset: no role is restricted", "the dashboard's role once its operations are registered, if it has its own"},
	{"SUDPRO_MEMORY_LIMIT_MB", "160", "soft limit of the Go heap in MiB (runtime/debug.SetMemoryLimit; GOMEMLIMIT wins when set; 0: none): near it the garbage collector works harder, so a burst of requests does not grow the process past a small server's memory", "about half the memory the container may use"},
	{"SUDPRO_GC_PERCENT", "400", "garbage collection target (runtime/debug.SetGCPercent; GOGC wins when set): a collection starts once the heap has grown by this percentage since the last. Above Go's 100, the collector takes less CPU per request (shape C: about 20 % less server CPU at 400) for more memory, which SUDPRO_MEMORY_LIMIT_MB still bounds", "default"},
	{"SUDPRO_MAX_IN_FLIGHT", "64", "GraphQL requests executing at once; others wait up to 2 s, then get 503 with Retry-After before anything runs", "about 3× SUDPRO_DB_MAX_CONNS"},
	{"SUDPRO_DRAIN_DELAY", "", "after SIGTERM, how long /readyz answers 503 while requests are still served, so the load balancer stops sending new ones before the listener closes; then in-flight requests drain (up to SUDPRO_REQUEST_TIMEOUT + 5s). Unset: 0s in development, 10s in production", "more than the load balancer's health-check interval × its failure threshold"},
	{"SUDPRO_SEED_PROFILE", "demo", "data seeded into an empty local database at start (development only): demo, sudmag-2025 (SUD'MAG #26's figures), nc-scale (50,000 businesses, 500,000 invoices), or \"none\" to skip", "unused"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OpenTelemetry collector (OTLP over HTTP, e.g. http://otel-collector:4318): traces of requests, root resolvers, dataloader batches and SQL statements are exported there. Unset: no tracing, at no cost. The exporter's other OTEL_EXPORTER_OTLP_* variables (headers, certificates, timeout) apply", "the collector, if there is one"},
	{"OTEL_SERVICE_NAME", "sudpro", "service.name of the exported traces", "default"},
	{"LOG_LEVEL", "info", "debug, info, warn or error; logs are JSON lines on standard error", "info"},
}

// config is the resolved configuration.
type config struct {
	databaseURL      string
	readURL          string
	listenURL        string
	production       bool
	addr             string
	metricsAddr      string
	dataDir          string
	jwtSecret        string
	jwksURL          string
	jwtRoleClaim     string
	jwtRIDETClaim    string
	jwtIssuer        string
	jwtAudience      string
	requestTimeout   time.Duration
	statementTimeout time.Duration
	maxConns         int
	queryMode        string
	readYourWrites   time.Duration
	drainDelay       time.Duration
	otlpEndpoint     string
	serviceName      string
	maxInFlight      int
	memoryLimitMB    int
	gcPercent        int
	corsOrigins      []string
	persistedOnly    []model.Role
	budgets          map[model.Role]int
	anonymousBudget  int
	seedProfile      string
	logLevel         slog.Level
	tracer           trace.TracerProvider // set by serve when tracing is on
}

func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		for _, s := range settings {
			if s.env == name {
				return s.def
			}
		}
		return ""
	}
	c := config{
		databaseURL: get("DATABASE_URL"), addr: get("SUDPRO_ADDR"), dataDir: get("SUDPRO_DATA_DIR"),
		jwtSecret: get("SUDPRO_JWT_SECRET"), jwtIssuer: get("SUDPRO_JWT_ISSUER"), jwtAudience: get("SUDPRO_JWT_AUDIENCE"),
		jwksURL: get("SUDPRO_JWKS_URL"), jwtRoleClaim: get("SUDPRO_JWT_ROLE_CLAIM"), jwtRIDETClaim: get("SUDPRO_JWT_RIDET_CLAIM"),
		seedProfile: get("SUDPRO_SEED_PROFILE"), readURL: get("DATABASE_READ_URL"), listenURL: get("SUDPRO_LISTEN_URL"), metricsAddr: get("SUDPRO_METRICS_ADDR"),
		queryMode: get("SUDPRO_DB_QUERY_MODE"), otlpEndpoint: get("OTEL_EXPORTER_OTLP_ENDPOINT"), serviceName: get("OTEL_SERVICE_NAME"),
	}
	switch env := get("SUDPRO_ENV"); env {
	case "development":
	case "production":
		c.production = true
	default:
		return c, fmt.Errorf("SUDPRO_ENV must be development or production, got %q", env)
	}
	var err error
	if c.requestTimeout, err = time.ParseDuration(get("SUDPRO_REQUEST_TIMEOUT")); err != nil || c.requestTimeout <= 0 {
		return c, fmt.Errorf("SUDPRO_REQUEST_TIMEOUT must be a positive duration such as 10s")
	}
	if c.statementTimeout, err = time.ParseDuration(get("SUDPRO_STATEMENT_TIMEOUT")); err != nil || c.statementTimeout < 0 {
		return c, fmt.Errorf("SUDPRO_STATEMENT_TIMEOUT must be a duration such as 5s (0: leave it to the server)")
	}
	if c.readYourWrites, err = time.ParseDuration(get("SUDPRO_READ_YOUR_WRITES")); err != nil || c.readYourWrites <= 0 {
		return c, fmt.Errorf("SUDPRO_READ_YOUR_WRITES must be a positive duration such as 5s")
	}
	switch delay := get("SUDPRO_DRAIN_DELAY"); {
	case delay == "" && c.production:
		c.drainDelay = 10 * time.Second
	case delay != "":
		if c.drainDelay, err = time.ParseDuration(delay); err != nil || c.drainDelay < 0 {
			return c, fmt.Errorf("SUDPRO_DRAIN_DELAY must be a duration such as 10s")
		}
	}
	if !store.ValidQueryExecMode(c.queryMode) {
		return c, fmt.Errorf("SUDPRO_DB_QUERY_MODE must be one of simple_protocol, exec, describe_exec, cache_describe, cache_statement (got %q)", c.queryMode)
	}
	if _, err := fmt.Sscan(get("SUDPRO_DB_MAX_CONNS"), &c.maxConns); err != nil || c.maxConns < 1 {
		return c, fmt.Errorf("SUDPRO_DB_MAX_CONNS must be a positive integer")
	}
	if _, err := fmt.Sscan(get("SUDPRO_MAX_IN_FLIGHT"), &c.maxInFlight); err != nil || c.maxInFlight < 1 {
		return c, fmt.Errorf("SUDPRO_MAX_IN_FLIGHT must be a positive integer")
	}
	if _, err := fmt.Sscan(get("SUDPRO_MEMORY_LIMIT_MB"), &c.memoryLimitMB); err != nil || c.memoryLimitMB < 0 {
		return c, fmt.Errorf("SUDPRO_MEMORY_LIMIT_MB must be a number of MiB, 0 for none")
	}
	if _, err := fmt.Sscan(get("SUDPRO_GC_PERCENT"), &c.gcPercent); err != nil || c.gcPercent < 1 {
		return c, fmt.Errorf("SUDPRO_GC_PERCENT must be a positive percentage")
	}
	c.budgets = map[model.Role]int{}
	for _, part := range strings.Split(get("SUDPRO_BUDGETS"), ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		var points int
		if _, err := fmt.Sscan(value, &points); !ok || err != nil || points < 1 {
			return c, fmt.Errorf("SUDPRO_BUDGETS must look like ANONYMOUS=1000,ENTERPRISE=10000 (got %q)", part)
		}
		switch role := model.Role(strings.ToUpper(name)); {
		case role == "ANONYMOUS":
			c.anonymousBudget = points
		case role.IsValid():
			c.budgets[role] = points
		default:
			return c, fmt.Errorf("SUDPRO_BUDGETS: %q is not ANONYMOUS or a role", name)
		}
	}
	if roles := get("SUDPRO_PERSISTED_ONLY_ROLES"); roles != "" {
		for _, name := range strings.Split(roles, ",") {
			role := model.Role(strings.ToUpper(strings.TrimSpace(name)))
			if !role.IsValid() {
				return c, fmt.Errorf("SUDPRO_PERSISTED_ONLY_ROLES: %q is not a role", name)
			}
			c.persistedOnly = append(c.persistedOnly, role)
		}
	}
	if origins := get("SUDPRO_CORS_ORIGINS"); origins != "" {
		c.corsOrigins = strings.Split(origins, ",")
	}
	if path := get("SUDPRO_JWT_SECRET_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("read SUDPRO_JWT_SECRET_FILE: %w", err)
		}
		c.jwtSecret = strings.TrimSpace(string(b))
	}
	if err := c.logLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error")
	}
	if c.production {
		switch {
		case c.databaseURL == "":
			return c, errors.New("production needs DATABASE_URL")
		case c.jwksURL == "" && len(c.jwtSecret) < 32:
			return c, errors.New("production needs SUDPRO_JWKS_URL or a SUDPRO_JWT_SECRET of at least 32 bytes")
		case c.jwtSecret != "" && len(c.jwtSecret) < 32:
			return c, errors.New("SUDPRO_JWT_SECRET must have at least 32 bytes")
		case c.jwksURL != "" && c.jwtIssuer == auth.DefaultIssuer:
			return c, errors.New("with SUDPRO_JWKS_URL, set SUDPRO_JWT_ISSUER to the provider's issuer (not the development one)")
		case c.jwtSecret != "" && weakSecret(c.jwtSecret):
			return c, errors.New("SUDPRO_JWT_SECRET looks made by hand (few distinct characters): use 32+ random bytes, e.g. openssl rand -hex 32")
		case c.jwtSecret != "" && isDevelopmentSecret(c.jwtSecret, c.dataDir):
			return c, errors.New("SUDPRO_JWT_SECRET is the development secret of SUDPRO_DATA_DIR/dev-jwt-secret: production needs its own")
		}
	}
	return c, nil
}

// weakSecret reports a secret typed by hand rather than generated: random bytes in hex or base64 of 32+
// characters have far more than 12 distinct characters.
func weakSecret(secret string) bool {
	distinct := map[rune]bool{}
	for _, r := range secret {
		distinct[r] = true
	}
	return len(distinct) < 12
}

// isDevelopmentSecret reports whether secret is the one development generated in dataDir (copied to production
// by mistake).
func isDevelopmentSecret(secret, dataDir string) bool {
	b, err := os.ReadFile(filepath.Join(dataDir, "dev-jwt-secret"))
	return err == nil && strings.TrimSpace(string(b)) == secret
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: sudpro [command] [flags]

Commands:
  serve                       serve the GraphQL API and GraphiQL (the default)
  migrate up|down|status      apply, roll back (the last group) or list the database migrations
  seed --profile demo|sudmag-2025 --seed N
                              fill an empty database with deterministic data
  token --role ROLE [--ridet RIDET] [--ttl 24h]
                              print a development bearer token (ROLE: ADMIN, AGENT, CHAMBER, ENTERPRISE)
  ledger check                verify the CréditSud ledger's invariants (exit status 1 on a violation)

Environment:
`)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(w, "  %s (default: %s)\n      %s\n      production: %s\n", s.env, def, s.help, s.prod)
	}
}

// run is main without the process: it takes the arguments, the environment and the outputs it uses.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		command, args = args[0], args[1:]
	}
	if command == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help")) {
		usage(stdout)
		return nil
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := slog.New(httpapi.WithRequestIDs(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel})))
	switch command {
	case "serve":
		return serve(ctx, cfg, logger, stdout)
	case "migrate":
		return migrateCommand(ctx, cfg, logger, args, stdout)
	case "seed":
		return seedCommand(ctx, cfg, logger, args, stdout)
	case "token":
		return tokenCommand(ctx, cfg, logger, args, stdout)
	case "ledger":
		return ledgerCommand(ctx, cfg, logger, args, stdout)
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", command)
	}
}

// database connects to DATABASE_URL, or starts (or joins) the private local cluster, whose URL it returns as
// localDSN; close releases both.
func database(ctx context.Context, cfg config, logger *slog.Logger) (db *bun.DB, localDSN string, closeAll func(), err error) {
	dsn := cfg.databaseURL
	release := func() {}
	if dsn == "" {
		cluster, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(cfg.dataDir, "postgres"), Logger: logger})
		if err != nil {
			return nil, "", nil, fmt.Errorf("start local PostgreSQL: %w", err)
		}
		release = func() {
			if err := cluster.Close(); err != nil {
				logger.Error("stop local PostgreSQL", "error", err.Error())
			}
		}
		if err := ensureDatabase(ctx, cluster.DSN("postgres"), "sudpro"); err != nil {
			release()
			return nil, "", nil, err
		}
		dsn, localDSN = cluster.DSN("sudpro"), cluster.DSN("sudpro")
	}
	db, err = store.Open(dsn, cfg.storeOptions(false))
	if err != nil {
		release()
		return nil, "", nil, err
	}
	return db, localDSN, func() { _ = db.Close(); release() }, nil
}

// storeOptions are the connection settings of the primary, or of the replica.
func (c config) storeOptions(replica bool) store.Options {
	return store.Options{StatementTimeout: c.statementTimeout, MaxOpenConns: c.maxConns, ApplicationName: "sudpro",
		QueryExecMode: c.queryMode, Replica: replica, Tracer: c.tracer, WarmUp: !replica}
}

// ensureDatabase creates the local database on first use.
func ensureDatabase(ctx context.Context, adminDSN, name string) error {
	admin, err := store.Open(adminDSN, store.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// jwtSecret returns the configured secret or, in development, one kept in the data folder so that the server
// and `sudpro token` agree across runs.
func jwtSecret(cfg config) ([]byte, error) {
	if cfg.jwtSecret != "" {
		return []byte(cfg.jwtSecret), nil
	}
	path := filepath.Join(cfg.dataDir, "dev-jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := []byte(hex.EncodeToString(b))
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("write development secret: %w", err)
	}
	return secret, nil
}

func serve(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	if os.Getenv("GOMEMLIMIT") == "" && cfg.memoryLimitMB > 0 {
		debug.SetMemoryLimit(int64(cfg.memoryLimitMB) << 20)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(cfg.gcPercent)
	}
	tracer, stopTracing, err := tracing(ctx, cfg)
	if err != nil {
		return err
	}
	defer stopTracing()
	cfg.tracer = tracer
	db, localDSN, closeDB, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	local, listenDSN := localDSN != "", cmp.Or(cfg.listenURL, cfg.databaseURL)
	if local {
		listenDSN = localDSN
	}
	st := store.New(db)
	m := metrics.New()
	if err := m.RegisterDB("primary", db.DB); err != nil {
		return err
	}
	readYourWrites := time.Duration(0)
	if cfg.readURL != "" {
		replica, err := store.Open(cfg.readURL, cfg.storeOptions(true))
		if err != nil {
			return fmt.Errorf("DATABASE_READ_URL: %w", err)
		}
		defer replica.Close()
		st, readYourWrites = st.WithReplica(replica), cfg.readYourWrites
		if err := m.RegisterDB("replica", replica.DB); err != nil {
			return err
		}
	}
	if err := m.RegisterEnvelopes(envelopeReader(st), 2*time.Second, logger); err != nil {
		return err
	}
	if err := m.RegisterSearchCache(func() metrics.SearchCacheCounts {
		n := st.SearchCacheCounts()
		return metrics.SearchCacheCounts{Hits: n.Hits, Misses: n.Misses, Stale: n.Stale, Bypassed: n.Bypassed}
	}); err != nil {
		return err
	}
	if local {
		if _, err := store.Migrate(ctx, db); err != nil {
			return err
		}
		if err := seedIfEmpty(ctx, st, cfg.seedProfile, logger); err != nil {
			return err
		}
	}
	var secret []byte
	if !cfg.production || cfg.jwtSecret != "" {
		if secret, err = jwtSecret(cfg); err != nil {
			return err
		}
	}
	authenticator, err := auth.New(ctx, auth.Options{
		HS256Secret: secret, JWKSURL: cfg.jwksURL, Issuer: cfg.jwtIssuer, Audience: cfg.jwtAudience,
		RoleClaim: cfg.jwtRoleClaim, RIDETClaim: cfg.jwtRIDETClaim, Logger: logger, APIKeys: st.APIKeyActor,
		Lookup: st.EnterpriseIDByRIDET,
	})
	if err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	defer authenticator.Close()
	// One LISTEN connection per process, on the primary itself (not the pool, never the replica), feeds the
	// subscriptions; streams end when the drain starts, since Shutdown does not wait for them.
	events := store.Listen(listenDSN, logger)
	defer events.Close()
	streams, closeStreams := context.WithCancel(context.Background())
	defer closeStreams()
	// draining turns readiness off from SIGTERM on, so the load balancer stops sending requests here.
	var draining atomic.Bool
	handler := httpapi.New(httpapi.Config{
		Store: st, Auth: authenticator, Logger: logger, RequestTimeout: cfg.requestTimeout, MaxInFlight: cfg.maxInFlight,
		CORSOrigins: cfg.corsOrigins, Budgets: cfg.budgets, AnonymousBudget: cfg.anonymousBudget,
		Introspection: !cfg.production, LocalProfiling: !cfg.production, Metrics: m, ServeMetrics: cfg.metricsAddr == "", Tracer: tracer,
		ReadYourWrites: readYourWrites, Events: events, Streams: streams, PersistedOnlyRoles: cfg.persistedOnly,
		Ready: func(ctx context.Context) error {
			if draining.Load() {
				return errors.New("shutting down")
			}
			if err := st.Ping(ctx); err != nil {
				return err
			}
			pending, err := store.PendingMigrations(ctx, db)
			if err == nil && pending > 0 {
				err = fmt.Errorf("%d migrations pending", pending)
			}
			return err
		},
	})
	listener, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	// Requests run on a context that SIGTERM does not cancel: in-flight requests finish during the drain, and
	// only what is still running when the drain times out is cancelled.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           closingWhileDraining(handler, &draining),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      cfg.requestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(closeStreams)
	servers := []*http.Server{srv}
	serveErr := make(chan error, 2)
	if cfg.metricsAddr != "" {
		ml, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("listen on SUDPRO_METRICS_ADDR %s: %w", cfg.metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: srv.ErrorLog}
		servers = append(servers, msrv)
		go func() { serveErr <- msrv.Serve(ml) }()
		logger.Info("serving metrics", "url", "http://"+ml.Addr().String()+"/metrics")
	}
	url := "http://" + displayAddr(listener.Addr().String())
	logger.Info("serving", "url", url, "graphql", url+"/graphql", "addr", listener.Addr().String(), "local_database", local,
		"read_replica", cfg.readURL != "", "tracing", tracer != nil)
	if !cfg.production && secret != nil {
		printWelcome(ctx, stdout, url, secret, cfg, st)
	}
	go func() { serveErr <- srv.Serve(listener) }()
	// The dashboard's rollups gain a row per ledger change; merging them keeps the dashboard's reads small.
	go st.KeepDashboardCompact(streams, time.Minute, logger)
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	draining.Store(true)
	logger.Info("shutting down: readiness off, still serving while the load balancer notices", "drain_delay", cfg.drainDelay.String())
	time.Sleep(cfg.drainDelay)
	logger.Info("shutting down: listener closed, draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.requestTimeout+5*time.Second)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	logger.Info("stopped")
	return errors.Join(errs...)
}

// tracing returns the OpenTelemetry tracer provider exporting over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT
// is set, or nil (no tracing, no cost), and the function that flushes and stops it.
func tracing(ctx context.Context, cfg config) (trace.TracerProvider, func(), error) {
	if cfg.otlpEndpoint == "" {
		return nil, func() {}, nil
	}
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(cfg.otlpEndpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", cfg.serviceName))))
	return tp, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	}, nil
}

// envelopeReader gives the metrics the open sessions' envelopes, at most 20.
func envelopeReader(st *store.Store) metrics.EnvelopeReader {
	return func(ctx context.Context) ([]metrics.Envelope, error) {
		list, err := st.OpenEnvelopes(ctx, 20)
		out := make([]metrics.Envelope, len(list))
		for i, e := range list {
			out[i] = metrics.Envelope{Programme: e.Programme, Session: e.Session, Envelope: int64(e.Envelope), Remaining: int64(e.Remaining)}
		}
		return out, err
	}
}

// displayAddr shows a loopback listener as localhost, which is what people type.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
		return "localhost:" + port
	}
	return addr
}

// printWelcome shows where GraphiQL is and a development token for each role.
func printWelcome(ctx context.Context, w io.Writer, url string, secret []byte, cfg config, st *store.Store) {
	fmt.Fprintf(w, "\nSud Pro API is running.\n  GraphiQL: %s/\n  GraphQL:  %s/graphql\n\nDevelopment tokens (24 h), to paste in GraphiQL's Headers as {\"Authorization\": \"Bearer <token>\"}:\n", url, url)
	ridet := firstEnterpriseRIDET(ctx, st)
	for _, role := range model.AllRoles {
		var r model.RIDET
		if role == model.RoleEnterprise {
			if ridet == "" {
				continue
			}
			r = ridet
		}
		token, err := auth.Issue(secret, cfg.jwtIssuer, cfg.jwtAudience, "dev-"+strings.ToLower(string(role)), role, r, 24*time.Hour, time.Now())
		if err != nil {
			continue
		}
		label := string(role)
		if r != "" {
			label += " (" + r.String() + ")"
		}
		fmt.Fprintf(w, "  %-26s %s\n", label, token)
	}
	fmt.Fprintf(w, "\nOr open %s/?token=<token>. Ctrl-C stops the server and its local PostgreSQL.\n\n", url)
}

// firstEnterpriseRIDET picks an active business for the ENTERPRISE development token.
func firstEnterpriseRIDET(ctx context.Context, st *store.Store) model.RIDET {
	conn, err := st.ListEnterprises(ctx, model.EnterpriseQuery{Viewer: model.Actor{Role: model.RoleAdmin},
		Statuses: []model.EnterpriseStatus{model.EnterpriseActive}, Order: model.EnterpriseOrderRegisteredAt}, model.Page{Limit: 1})
	if err != nil || len(conn.Edges) == 0 {
		return ""
	}
	return conn.Edges[0].Node.RIDET
}

func seedIfEmpty(ctx context.Context, st *store.Store, profile string, logger *slog.Logger) error {
	if profile == "" || profile == "none" {
		return nil
	}
	empty, err := seed.Empty(ctx, st)
	if err != nil || !empty {
		return err
	}
	logger.Info("seeding the empty local database", "profile", profile)
	summary, err := seed.Run(ctx, st, profile, 1)
	if err != nil {
		return fmt.Errorf("seed %s: %w", profile, err)
	}
	logger.Info("seeded", "profile", profile, "enterprises", summary.Enterprises, "invoices", summary.Invoices)
	return nil
}

func migrateCommand(ctx context.Context, cfg config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: sudpro migrate up|down|status")
	}
	db, _, closeDB, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	migrator, err := store.Migrator(db)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		group, err := store.Migrate(ctx, db)
		if err != nil {
			return err
		}
		if group.IsZero() {
			fmt.Fprintln(stdout, "no new migrations: the database is at head")
			return nil
		}
		fmt.Fprintf(stdout, "migrated to %s\n", group)
	case "down":
		if err := migrator.Init(ctx); err != nil {
			return err
		}
		group, err := migrator.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("roll back: %w", err)
		}
		if group.IsZero() {
			fmt.Fprintln(stdout, "nothing to roll back")
			return nil
		}
		fmt.Fprintf(stdout, "rolled back %s\n", group)
	case "status":
		if err := migrator.Init(ctx); err != nil {
			return err
		}
		ms, err := migrator.MigrationsWithStatus(ctx)
		if err != nil {
			return fmt.Errorf("migration status: %w", err)
		}
		for _, m := range ms {
			state := "pending"
			if m.IsApplied() {
				state = "applied in group " + fmt.Sprint(m.GroupID)
			}
			fmt.Fprintf(stdout, "%s  %s\n", m.Name+"_"+m.Comment, state)
		}
	default:
		return fmt.Errorf("unknown migrate action %q: use up, down or status", args[0])
	}
	return nil
}

func seedCommand(ctx context.Context, cfg config, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	profile := fs.String("profile", "demo", "data profile: "+strings.Join(seed.Profiles(), ", "))
	seedValue := fs.Int64("seed", 1, "random seed; the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !slices.Contains(seed.Profiles(), *profile) {
		return fmt.Errorf("unknown profile %q: use one of %v", *profile, seed.Profiles())
	}
	db, _, closeDB, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := store.Migrate(ctx, db); err != nil {
		return err
	}
	st := store.New(db)
	empty, err := seed.Empty(ctx, st)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("the database already has businesses; seed an empty database")
	}
	summary, err := seed.Run(ctx, st, *profile, *seedValue)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded profile %s (seed %d): %d businesses, %d programmes, %d sessions, %d allocations, %d invoices, %d consultations",
		*profile, *seedValue, summary.Enterprises, summary.Programmes, summary.Sessions, summary.Allocations, summary.Invoices, summary.Consultations)
	if summary.Offers+summary.ContactRequests > 0 {
		fmt.Fprintf(stdout, ", %d offers, %d contact requests", summary.Offers, summary.ContactRequests)
	}
	fmt.Fprintln(stdout)
	return nil
}

func tokenCommand(ctx context.Context, cfg config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if cfg.production {
		return errors.New("development tokens are not issued in production")
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "", "ADMIN, AGENT, CHAMBER or ENTERPRISE")
	ridetFlag := fs.String("ridet", "", "RIDET of the business (ENTERPRISE only)")
	ttl := fs.Duration("ttl", 24*time.Hour, "validity")
	subject := fs.String("subject", "", "token subject (default: dev-<role>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := model.Role(strings.ToUpper(*role))
	if !r.IsValid() {
		return fmt.Errorf("--role must be one of %v", model.AllRoles)
	}
	var ridet model.RIDET
	if r == model.RoleEnterprise {
		if *ridetFlag == "" {
			return errors.New("an ENTERPRISE token needs --ridet")
		}
		var err error
		if ridet, err = model.ParseRIDET(*ridetFlag); err != nil {
			return err
		}
		// Check the business exists, so the token is not refused later for a typo.
		db, _, closeDB, err := database(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer closeDB()
		if _, err := store.New(db).EnterpriseByRIDET(ctx, ridet); err != nil {
			return fmt.Errorf("business %s: %w", ridet, err)
		}
	}
	secret, err := jwtSecret(cfg)
	if err != nil {
		return err
	}
	if *subject == "" {
		*subject = "dev-" + strings.ToLower(string(r))
	}
	token, err := auth.Issue(secret, cfg.jwtIssuer, cfg.jwtAudience, *subject, r, ridet, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// errLedgerViolations makes `sudpro ledger check` exit non-zero after printing the violations.
var errLedgerViolations = errors.New("the ledger has violations")

func ledgerCommand(ctx context.Context, cfg config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "check" {
		return errors.New("usage: sudpro ledger check")
	}
	db, _, closeDB, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	if pending, err := store.PendingMigrations(ctx, db); err != nil || pending > 0 {
		return fmt.Errorf("the database is not at the latest schema (%d migrations pending, %v): run sudpro migrate up", pending, err)
	}
	violations, err := store.New(db).CheckLedger(ctx)
	if err != nil {
		return err
	}
	for _, v := range violations {
		fmt.Fprintf(stdout, "VIOLATION  %s: %s\n", v.Invariant, v.Detail)
	}
	if len(violations) > 0 {
		fmt.Fprintf(stdout, "%d violations\n", len(violations))
		return errLedgerViolations
	}
	fmt.Fprintln(stdout, "ledger check: every invariant holds (balanced entries, floors, envelopes, balances = postings, one move per invoice step, one effect per idempotency key, dashboard figures = ledger sums)")
	return nil
}

// closingWhileDraining makes every response from the start of the drain close its connection ("Connection:
// close"), so clients open new ones (elsewhere) rather than reuse one that Shutdown would cut. Idle connections
// stay open until Shutdown, after the drain delay: closing them at once (SetKeepAlivesEnabled(false)) raced with
// a client sending on one at that very moment, which then read EOF.
func closingWhileDraining(next http.Handler, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
