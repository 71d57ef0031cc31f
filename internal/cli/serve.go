package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/metrics"
	"github.com/hms-project/hms/internal/notify"
	"github.com/hms-project/hms/internal/store"
)

func serve(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "serve", "", "Runs the JSON API under /api and the web UI at /, configured by the environment.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	cfg, log, err := loadConfig(e)
	if err != nil {
		return err
	}
	var certs *certReloader
	scheme := "http"
	if cfg.TLS() {
		if certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey, certCheckInterval, log); err != nil {
			return err
		}
		scheme = "https"
	}
	opts := storeOptions(cfg)
	opts.ReadURL, opts.ReadMaxLag = cfg.DatabaseReadURL, cfg.DatabaseReadMaxLag
	opts.Logger = log
	st, err := store.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Migrate {
		n, err := st.MigrateUp(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("migrations applied", "count", n)
		}
	}
	secret, err := jwtSecret(cfg, log)
	if err != nil {
		return err
	}
	signer, err := auth.NewSigner(secret, cfg.AccessTokenTTL)
	if err != nil {
		return err
	}
	if err := firstAdmin(ctx, e, cfg, st, log); err != nil {
		return err
	}
	// Start-up is done with its garbage: the migrations and, on a new database, the first
	// admin's password hash, whose argon2id block alone is larger than what an idle server
	// holds. Without a collection now it would stay resident until load brings the next one.
	debug.FreeOSMemory()
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit(runtime.NumCPU()))
	}
	authService := auth.NewService(auth.Options{Store: st, Signer: signer, RefreshTTL: cfg.RefreshTokenTTL, BreakGlassAdmin: cfg.BreakGlassAdmin,
		MFARequired: cfg.MFARequired})
	apiOpts := httpapi.Options{
		Store:         st,
		Auth:          authService,
		SSO:           newSSO(cfg, authService, log),
		BreakGlass:    cfg.BreakGlassAdmin != "",
		Logger:        log,
		Location:      cfg.Location,
		UI:            uiHandler(),
		Version:       e.version,
		AuthRateLimit: httpapi.RateLimit{Requests: cfg.AuthRateLimit, Window: cfg.AuthRateWindow},
		CORSOrigins:   cfg.CORSOrigins,
		HSTS:          cfg.Env == config.EnvProduction || cfg.TLS(),
		TrustProxy:    cfg.TrustProxy,
		ChartAccess:   cfg.ChartAccess,
	}
	notices, err := startNotices(cfg, st, secret, log)
	if err != nil {
		return err
	}
	defer stopNotices(notices, cfg.ShutdownTimeout, log)
	apiOpts.Notices = notices
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		m := metrics.New(st.DB(), e.version)
		if notices != nil {
			m.Register(notices.Metrics.Collectors()...)
		}
		m.WatchReadReplica(st)
		apiOpts.Observe = m.Observe
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on HMS_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		log.Info("metrics listening", "addr", mln.Addr().String())
		go func() { _ = metricsSrv.Serve(mln) }()
	}
	api, handler := httpapi.New(apiOpts)
	sealerDone := make(chan struct{})
	sealerCtx, stopSealer := context.WithCancel(context.Background())
	go func() {
		defer close(sealerDone)
		runSealer(sealerCtx, st, log)
	}()
	defer func() {
		stopSealer()
		<-sealerDone
	}()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	if certs != nil {
		srv.TLSConfig = serverTLSConfig(certs)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on HMS_ADDR %s: %w", cfg.Addr, err)
	}
	var redirectSrv *http.Server
	var redirectLn net.Listener
	if cfg.HTTPRedirectAddr != "" {
		if redirectLn, err = net.Listen("tcp", cfg.HTTPRedirectAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on HMS_HTTP_REDIRECT_ADDR %s: %w", cfg.HTTPRedirectAddr, err)
		}
		_, httpsPort, _ := net.SplitHostPort(ln.Addr().String())
		redirectSrv = &http.Server{Handler: redirectToHTTPS(httpsPort), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, MaxHeaderBytes: 1 << 16}
	}
	log.Info("hms started", "version", e.version, "env", cfg.Env, "database", st.Dialect(), "read_replica", st.HasReadReplica(),
		"addr", ln.Addr().String(), "url", scheme+"://"+displayHost(ln.Addr()))
	errc := make(chan error, 1)
	go func() {
		if cfg.TLS() {
			errc <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig.GetCertificate
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if redirectSrv != nil {
		log.Info("redirecting plain HTTP to HTTPS", "addr", redirectLn.Addr().String())
		go func() { _ = redirectSrv.Serve(redirectLn) }()
	}
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	api.StartDraining()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("in-flight requests did not finish in time", "error", err)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	if redirectSrv != nil {
		_ = redirectSrv.Shutdown(shutdownCtx)
	}
	stopSealer()
	<-sealerDone
	log.Info("stopped")
	return nil
}

// startNotices starts delivering appointment messages when HMS_SMTP_URL or HMS_SMS_URL
// is set, and returns nil otherwise.
func startNotices(cfg config.Config, st *store.Store, secret []byte, log *slog.Logger) (*notify.Service, error) {
	if !cfg.Notify.Enabled() {
		return nil, nil
	}
	svc, err := notify.New(notify.Options{Config: cfg.Notify, Location: cfg.Location, Store: st, Logger: log,
		Links: notify.NewLinks(secret)})
	if err != nil {
		return nil, err
	}
	// Not serve's ctx: the queue stops after the HTTP server, in stopNotices.
	if err := svc.Start(context.Background()); err != nil {
		return nil, err
	}
	log.Info("appointment messages on", "email", cfg.Notify.SMTPURL != "", "sms", cfg.Notify.SMSURL != "")
	return svc, nil
}

// stopNotices lets deliveries in progress finish, for up to timeout; one cut off is sent
// again by a running replica or after the next start.
func stopNotices(svc *notify.Service, timeout time.Duration, log *slog.Logger) {
	if svc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := svc.Stop(ctx); err != nil {
		log.Warn("stopping the message queue", "error", err)
	}
}

// displayHost turns a listener address into something a browser can open.
func displayHost(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// jwtSecret returns HMS_JWT_SECRET, which production requires, or elsewhere the secret
// kept in HMS_DATA_DIR/jwt.secret, generating that file (mode 0600) on first use.
func jwtSecret(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	if cfg.Env == config.EnvProduction {
		return nil, fmt.Errorf("HMS_JWT_SECRET is required in production (at least %d random bytes; generate one with: openssl rand -base64 48)", auth.MinSecretLength)
	}
	path := filepath.Join(cfg.DataDir, "jwt.secret")
	if b, err := os.ReadFile(path); err == nil {
		if secret := strings.TrimSpace(string(b)); len(secret) >= auth.MinSecretLength {
			return []byte(secret), nil
		}
		return nil, fmt.Errorf("%s holds less than %d bytes: delete it or set HMS_JWT_SECRET", path, auth.MinSecretLength)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read the JWT secret: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	secret := auth.NewSecret()
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write the JWT secret: %w", err)
	}
	log.Info("generated a JWT signing secret for development", "file", path)
	return []byte(secret), nil
}

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT does not set
// one. Without a limit the heap may grow to twice what is live before a collection, and
// hundreds of requests in flight, each holding its answer, make that the peak: the garbage
// collector runs more often near the limit instead. It is soft: a live heap above it is
// served, at the cost of more collections (docs/BENCHMARKS.md, "Memory"). It is 128 MiB, or
// more on a machine with many cores: the password hashes that may run at once (one per core,
// see auth.Hasher) and 64 MiB besides, so that a burst of sign-ins does not hold the heap at
// the limit and keep the collector running.
func defaultMemoryLimit(cpus int) int64 {
	return max(128<<20, int64(cpus)*auth.HashMemory+64<<20)
}

// firstAdmin creates an admin when no user exists: from HMS_ADMIN_EMAIL and
// HMS_ADMIN_PASSWORD, or outside production with a generated password printed once.
func firstAdmin(ctx context.Context, e env, cfg config.Config, st *store.Store, log *slog.Logger) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	email, password, generated := cfg.AdminEmail, cfg.AdminPassword, false
	if email == "" {
		if cfg.Env == config.EnvProduction {
			return errors.New("no user exists yet: set HMS_ADMIN_EMAIL and HMS_ADMIN_PASSWORD to create the first admin (or create one with `hms user create`)")
		}
		email, password, generated = "admin@hms.localhost", auth.GeneratePassword(), true
	}
	if err := auth.CheckPasswordPolicy(password, email); err != nil {
		return fmt.Errorf("HMS_ADMIN_PASSWORD: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	ctx = domain.WithActor(ctx, domain.Actor{RequestID: "serve:first-admin"})
	_, err = st.CreateUser(ctx, domain.User{Email: email, Name: "Administrator", Role: domain.RoleAdmin}, hash)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return nil // another replica created it first
	}
	if err != nil {
		return err
	}
	log.Info("created the first admin", "email", email)
	if generated {
		fmt.Fprintf(e.stdout, "\nFirst start: created the admin %s with the password\n\n    %s\n\nIt is shown only this once: sign in and change it (POST /api/auth/password).\n\n", email, password)
	}
	return nil
}

// sealInterval is how often serve chains new audit events.
const sealInterval = 500 * time.Millisecond

// runSealer seals audit events every sealInterval, and once more when ctx ends, so that
// nothing stays unsealed after a clean shutdown; once a minute it also removes expired
// rate-limit counters and refresh tokens.
func runSealer(ctx context.Context, st *store.Store, log *slog.Logger) {
	tick := time.NewTicker(sealInterval)
	defer tick.Stop()
	lastHousekeeping := time.Now()
	for {
		select {
		case <-ctx.Done():
			if _, err := st.SealAudit(context.Background()); err != nil {
				log.Error("sealing the audit trail at shutdown failed", "error", err)
			}
			return
		case <-tick.C:
		}
		if _, err := st.SealAudit(ctx); err != nil && ctx.Err() == nil {
			// The events wait, unsealed, for the next tick: during a failover that is
			// seconds, and no cause for an error in the log.
			level := slog.LevelError
			if store.IsUnavailable(err) {
				level = slog.LevelWarn
			}
			log.Log(ctx, level, "sealing the audit trail failed", "error", err)
		}
		if time.Since(lastHousekeeping) > time.Minute {
			lastHousekeeping = time.Now()
			if err := st.Housekeep(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				log.Warn("housekeeping failed", "error", err)
			}
		}
	}
}

// newSSO returns single sign-on with the provider of HMS_OIDC_ISSUER; nil when none.
func newSSO(cfg config.Config, svc *auth.Service, log *slog.Logger) *auth.SSO {
	c := cfg.SSO
	if !c.Enabled() {
		return nil
	}
	log.Info("single sign-on on", "issuer", c.Issuer, "redirect_uri", c.RedirectURL, "create_users", c.CreateUsers,
		"password_sign_in", map[bool]string{true: "break-glass admin only", false: "all"}[cfg.BreakGlassAdmin != ""])
	return auth.NewSSO(svc, auth.SSOOptions{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		RedirectURL: c.RedirectURL, ProviderName: c.ProviderName, RolesClaim: c.RolesClaim, RoleMap: c.RoleMap, CreateUsers: c.CreateUsers})
}
