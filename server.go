// Command sudpro serves the Sud Pro GraphQL API and runs its maintenance commands (migrate, seed, token).
// This file is the only place that reads the environment and flags and wires the parts together.
package main

import (
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
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/uptrace/bun"

	"sudpro/auth"
	"sudpro/httpapi"
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

// setting is one configuration variable: its environment name, default and meaning, listed by --help and in
// the README.
type setting struct {
	env, def, help string
}

var settings = []setting{
	{"DATABASE_URL", "", "PostgreSQL URL (postgres://user:pass@host:5432/db). Unset: a private local PostgreSQL in SUDPRO_DATA_DIR is started and stopped with the command"},
	{"SUDPRO_ENV", "development", "development or production. Production refuses development secrets, needs DATABASE_URL, and turns introspection off for anonymous callers"},
	{"SUDPRO_ADDR", "127.0.0.1:8080", "address the HTTP server listens on (use :8080 to listen on every interface)"},
	{"SUDPRO_DATA_DIR", ".data", "folder of the private PostgreSQL and the development secret (local mode only)"},
	{"SUDPRO_JWT_SECRET", "", "HS256 secret of bearer tokens (at least 32 bytes). Unset in development: a random secret kept in SUDPRO_DATA_DIR/dev-jwt-secret"},
	{"SUDPRO_JWKS_URL", "", "JWKS of the OIDC provider (https://…/.well-known/jwks.json): verifies RS256/ES256 tokens; set SUDPRO_JWT_ISSUER and SUDPRO_JWT_AUDIENCE to the provider's iss and aud"},
	{"SUDPRO_JWT_ROLE_CLAIM", auth.DefaultRoleClaim, "claim of JWKS tokens carrying the role: a string or an array (e.g. roles, groups, realm_access.roles)"},
	{"SUDPRO_JWT_RIDET_CLAIM", auth.DefaultRIDETClaim, "claim of JWKS tokens carrying a business user's RIDET"},
	{"SUDPRO_JWT_ISSUER", auth.DefaultIssuer, "expected iss claim of tokens"},
	{"SUDPRO_JWT_AUDIENCE", auth.DefaultAudience, "expected aud claim of tokens"},
	{"SUDPRO_REQUEST_TIMEOUT", "10s", "longest time a GraphQL request may take"},
	{"SUDPRO_STATEMENT_TIMEOUT", "5s", "PostgreSQL statement_timeout of every statement"},
	{"SUDPRO_DB_MAX_CONNS", "20", "largest number of open database connections"},
	{"SUDPRO_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the API (e.g. https://dashboard.province-sud.nc); none: no CORS headers"},
	{"SUDPRO_JWT_SECRET_FILE", "", "file holding SUDPRO_JWT_SECRET (e.g. a mounted secret), instead of the variable"},
	{"SUDPRO_BUDGETS", "ANONYMOUS=1000,ENTERPRISE=10000,CHAMBER=20000,AGENT=50000,ADMIN=50000", "points per hour of each caller kind (a query costs 1 + 1 per 100 nodes, a mutation 10 per field); an API key's hourly_budget overrides CHAMBER's"},
	{"SUDPRO_MAX_IN_FLIGHT", "64", "GraphQL requests executing at once; others wait up to 2 s, then get 503 with Retry-After before anything runs"},
	{"SUDPRO_SEED_PROFILE", "demo", "data seeded into an empty local database at start (development only; \"none\" to skip)"},
	{"LOG_LEVEL", "info", "debug, info, warn or error; logs are JSON lines on standard error"},
}

// config is the resolved configuration.
type config struct {
	databaseURL      string
	production       bool
	addr             string
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
	maxInFlight      int
	corsOrigins      []string
	budgets          map[model.Role]int
	anonymousBudget  int
	seedProfile      string
	logLevel         slog.Level
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
		seedProfile: get("SUDPRO_SEED_PROFILE"),
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
	if c.statementTimeout, err = time.ParseDuration(get("SUDPRO_STATEMENT_TIMEOUT")); err != nil || c.statementTimeout <= 0 {
		return c, fmt.Errorf("SUDPRO_STATEMENT_TIMEOUT must be a positive duration such as 5s")
	}
	if _, err := fmt.Sscan(get("SUDPRO_DB_MAX_CONNS"), &c.maxConns); err != nil || c.maxConns < 1 {
		return c, fmt.Errorf("SUDPRO_DB_MAX_CONNS must be a positive integer")
	}
	if _, err := fmt.Sscan(get("SUDPRO_MAX_IN_FLIGHT"), &c.maxInFlight); err != nil || c.maxInFlight < 1 {
		return c, fmt.Errorf("SUDPRO_MAX_IN_FLIGHT must be a positive integer")
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
		}
	}
	return c, nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: sudpro [command] [flags]

Commands:
  serve                       serve the GraphQL API and GraphiQL (the default)
  migrate up|down|status      apply, roll back (the last group) or list the database migrations
  seed --profile demo --seed N
                              fill an empty database with deterministic data
  token --role ROLE [--ridet RIDET] [--ttl 24h]
                              print a development bearer token (ROLE: ADMIN, AGENT, CHAMBER, ENTERPRISE)

Environment:
`)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.env, def, s.help)
	}
	_ = tw.Flush()
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

// database connects to DATABASE_URL, or starts (or joins) the private local cluster; close releases both.
func database(ctx context.Context, cfg config, logger *slog.Logger) (db *bun.DB, local bool, closeAll func(), err error) {
	dsn := cfg.databaseURL
	release := func() {}
	if dsn == "" {
		cluster, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(cfg.dataDir, "postgres"), Logger: logger})
		if err != nil {
			return nil, false, nil, fmt.Errorf("start local PostgreSQL: %w", err)
		}
		release = func() {
			if err := cluster.Close(); err != nil {
				logger.Error("stop local PostgreSQL", "error", err.Error())
			}
		}
		if err := ensureDatabase(ctx, cluster.DSN("postgres"), "sudpro"); err != nil {
			release()
			return nil, false, nil, err
		}
		dsn, local = cluster.DSN("sudpro"), true
	}
	db, err = store.Open(dsn, store.Options{StatementTimeout: cfg.statementTimeout, MaxOpenConns: cfg.maxConns, ApplicationName: "sudpro"})
	if err != nil {
		release()
		return nil, false, nil, err
	}
	return db, local, func() { _ = db.Close(); release() }, nil
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
	db, local, closeDB, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	st := store.New(db)
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
		Lookup: func(ctx context.Context, r model.RIDET) (int64, error) {
			e, err := st.EnterpriseByRIDET(ctx, r)
			if err != nil {
				return 0, err
			}
			return e.ID, nil
		},
	})
	if err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	defer authenticator.Close()
	handler := httpapi.New(httpapi.Config{
		Store: st, Auth: authenticator, Logger: logger, RequestTimeout: cfg.requestTimeout, MaxInFlight: cfg.maxInFlight,
		CORSOrigins: cfg.corsOrigins, Budgets: cfg.budgets, AnonymousBudget: cfg.anonymousBudget,
		Introspection: !cfg.production, LocalProfiling: !cfg.production,
		Ready: func(ctx context.Context) error {
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
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      cfg.requestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	url := "http://" + displayAddr(listener.Addr().String())
	logger.Info("serving", "url", url, "graphql", url+"/graphql", "local_database", local)
	if !cfg.production && secret != nil {
		printWelcome(ctx, stdout, url, secret, cfg, st)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(listener) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.requestTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
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
