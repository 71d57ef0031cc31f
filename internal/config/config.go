// Package config reads HMS's settings from the environment, once, and validates them.
package config

import (
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Environments HMS runs in.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
	EnvTest        = "test"
)

// Config is every setting of `hms serve`.
type Config struct {
	Env         string
	Addr        string
	DatabaseURL string
	// DatabaseReadURL names a streaming replica for the heavy reads; empty: none.
	DatabaseReadURL string
	// DatabaseReadMaxLag is how far behind the replica may be and still serve reads.
	DatabaseReadMaxLag time.Duration
	DataDir            string
	Migrate            bool
	Location           *time.Location
	LogLevel           string
	DBMaxConns         int
	DBMaxIdleConns     int
	DBTimeout          time.Duration
	ShutdownTimeout    time.Duration
	MetricsAddr        string
	// JWTSecret signs access tokens. Empty outside production: serve keeps a generated
	// one in DataDir/jwt.secret.
	JWTSecret       string
	AdminEmail      string
	AdminPassword   string
	CORSOrigins     []string
	AuditRetention  time.Duration
	AuthRateLimit   int
	AuthRateWindow  time.Duration
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	TrustProxy      bool
	// MFARequired are the roles that must sign in with a second factor (HMS_MFA_REQUIRED).
	MFARequired []string
	// ChartAccess is which charts a doctor opens without declaring an emergency
	// (HMS_CHART_ACCESS): all, or care-team.
	ChartAccess string
	PprofAddr   string // empty: no profiling endpoint
	// TLSCert and TLSKey are the PEM files of HTTPS on HMS_ADDR; both empty: plain HTTP.
	TLSCert, TLSKey string
	// HTTPRedirectAddr is a plain-HTTP listener that redirects to HTTPS; empty: none.
	HTTPRedirectAddr string
	Notify           Notify
	SSO              SSO
	// BreakGlassAdmin, when set, is the only email that may still sign in with a password:
	// everyone else signs in through SSO.
	BreakGlassAdmin string
}

// Notify is the configuration of appointment messages by email and SMS.
type Notify struct {
	PublicURL string // where patients reach HMS, for the links in messages
	SMTPURL   string // smtp:// (STARTTLS when offered) or smtps:// (implicit TLS); empty: no email
	SMTPFrom  string // the sender address
	SMSURL    string // the HTTP gateway that HMS POSTs {"to","body"} to; empty: no SMS
	SMSToken  string // sent as a Bearer token when set
	// ReminderOffsets are how long before an appointment reminders go out, longest first.
	ReminderOffsets []time.Duration
	// QuietFrom and QuietTo are the minutes after local midnight between which no SMS is
	// sent (QuietFrom > QuietTo spans midnight; equal: no quiet hours).
	QuietFrom, QuietTo int
	ClinicName         string
	ClinicAddress      string
	ClinicPhone        string
	// RescueAfter is how long a delivery may stay unfinished before another process, or
	// the next start, takes it for dead and sends it again.
	RescueAfter time.Duration
}

// Enabled reports whether any channel is configured.
func (n Notify) Enabled() bool { return n.SMTPURL != "" || n.SMSURL != "" }

// Setting describes one environment variable: its name, default and meaning.
type Setting struct {
	Name, Default, Help string
}

// Settings lists every environment variable that HMS reads, in the order of --help.
var Settings = []Setting{
	{"HMS_ENV", EnvDevelopment, "development, production or test; production logs JSON"},
	{"HMS_ADDR", ":8080", "address the HTTP server listens on"},
	{"HMS_DATABASE_URL", "", "postgres://user:pass@host:5432/db for PostgreSQL; empty uses SQLite in HMS_DATA_DIR"},
	{"HMS_DATABASE_READ_URL", "", "postgres:// URL of a streaming replica of HMS_DATABASE_URL for the heavy reads (lists, searches, FHIR searches); a session's next read after its own write waits for the replica to replay it or uses the primary; empty: every read uses HMS_DATABASE_URL"},
	{"HMS_DATABASE_READ_MAX_LAG", "5s", "how far behind the primary the read replica may be; further behind, or down, and reads use the primary"},
	{"HMS_DATA_DIR", "./data", "directory of the SQLite database and other local files"},
	{"HMS_MIGRATE", "true", "apply pending migrations when serve starts (false: leave it to `hms migrate up`)"},
	{"HMS_TIMEZONE", "UTC", "the clinic's IANA time zone, used for local appointment times and 'today'"},
	{"HMS_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"HMS_DB_MAX_CONNS", "30", "PostgreSQL pool size: the most connections each process opens"},
	{"HMS_DB_MAX_IDLE_CONNS", "30", "PostgreSQL connections kept open between requests (each closes after 5 minutes unused); fewer than HMS_DB_MAX_CONNS makes a busy pool reconnect all the time"},
	{"HMS_DB_TIMEOUT", "30s", "longest wait for a database connection and its queries, per operation"},
	{"HMS_SHUTDOWN_TIMEOUT", "15s", "how long in-flight requests may run after SIGTERM"},
	{"HMS_METRICS_ADDR", "", "address of a separate listener for Prometheus /metrics (e.g. :9090); empty: no metrics"},
	{"HMS_JWT_SECRET", "", "key that signs access tokens, at least 32 random bytes (openssl rand -base64 48); required in production, which refuses a guessable one (development keeps a generated one in HMS_DATA_DIR/jwt.secret)"},
	{"HMS_ADMIN_EMAIL", "", "email of the admin created on first start, when no user exists"},
	{"HMS_ADMIN_PASSWORD", "", "password of that admin; required with HMS_ADMIN_EMAIL in production (development generates and prints one)"},
	{"HMS_CORS_ORIGINS", "", "comma-separated origins allowed to call the API from a browser (development: http://localhost:5173)"},
	{"HMS_AUDIT_RETENTION", "1y", "age after which `hms audit purge` removes audit events (e.g. 1y, 400d, 8760h)"},
	{"HMS_AUTH_RATE_LIMIT", "60/min", "requests to /api/auth/* allowed per client IP, e.g. 60/min, 10/s, 600/h"},
	{"HMS_MFA_REQUIRED", "", "roles that must sign in with a second factor (TOTP), comma-separated (admin,doctor) or all; a user of one without it enrols at their next sign-in; empty: optional for everyone"},
	{"HMS_CHART_ACCESS", "all", "which patients' charts a doctor opens: all, or care-team (patients with an appointment, a visit or a record with them); any other chart only by declaring an emergency, for an hour, audited and shown to admins"},
	{"HMS_ACCESS_TOKEN_TTL", "1h", "lifetime of an access token"},
	{"HMS_REFRESH_TOKEN_TTL", "7d", "lifetime of a refresh token (each use rotates it)"},
	{"HMS_TRUST_PROXY", "false", "true behind one reverse proxy: the client IP is the last X-Forwarded-For entry"},
	{"HMS_TLS_CERT", "", "PEM file of the certificate (with its chain) that makes HMS_ADDR serve HTTPS (TLS 1.2 or newer, with HSTS); read again when it changes; requires HMS_TLS_KEY"},
	{"HMS_TLS_KEY", "", "PEM file of the private key of HMS_TLS_CERT"},
	{"HMS_HTTP_REDIRECT_ADDR", "", "address of a plain-HTTP listener (e.g. :80) that redirects every request to HTTPS with 308; requires HMS_TLS_CERT; empty: none"},
	{"HMS_PPROF_ADDR", "", "loopback address (127.0.0.1:6060) that serves Go's pprof profiles, in a build with -tags pprof; empty turns them off"},
	{"HMS_PUBLIC_URL", "", "address patients reach HMS at (https://clinic.example.org), for the confirm/cancel links in messages and the single sign-on redirect URI; required with HMS_SMTP_URL, HMS_SMS_URL or HMS_OIDC_ISSUER"},
	{"HMS_SMTP_URL", "", "smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465 (implicit TLS) for appointment emails; empty: no email"},
	{"HMS_SMTP_FROM", "", "sender address of appointment emails, e.g. Clinic <noreply@clinic.example.org>; required with HMS_SMTP_URL"},
	{"HMS_SMS_URL", "", "HTTP gateway for appointment SMS: HMS POSTs {\"to\", \"body\"} as JSON and any 2xx is delivered; empty: no SMS"},
	{"HMS_SMS_TOKEN", "", "sent to HMS_SMS_URL as Authorization: Bearer TOKEN when set"},
	{"HMS_REMINDER_OFFSETS", "24h", "how long before an appointment reminders go out, comma-separated (e.g. 24h,2h or 2d)"},
	{"HMS_SMS_QUIET_HOURS", "21:00-08:00", "local time (HMS_TIMEZONE) during which no SMS is sent; it waits until the end (none: no quiet hours)"},
	{"HMS_CLINIC_NAME", "", "the clinic's name in messages; required with HMS_SMTP_URL or HMS_SMS_URL"},
	{"HMS_CLINIC_ADDRESS", "", "the clinic's address in messages (optional)"},
	{"HMS_CLINIC_PHONE", "", "the clinic's phone number in messages (optional)"},
	{"HMS_OIDC_ISSUER", "", "issuer address of the clinic's OpenID Connect provider (https://login.clinic.example.org) for single sign-on; empty: none. Register HMS_PUBLIC_URL/api/auth/oidc/callback at the provider as the redirect URI"},
	{"HMS_OIDC_CLIENT_ID", "", "client id HMS is registered with at the provider; required with HMS_OIDC_ISSUER"},
	{"HMS_OIDC_CLIENT_SECRET", "", "client secret of that client (empty for a public client: PKCE is used either way)"},
	{"HMS_OIDC_PROVIDER_NAME", "single sign-on", "the provider's name on the sign-in button: Sign in with NAME"},
	{"HMS_OIDC_ROLES_CLAIM", "groups", "ID token claim (a list of strings or one string) that HMS_OIDC_ROLE_MAP reads"},
	{"HMS_OIDC_ROLE_MAP", "", "claim values to HMS roles, e.g. clinic-doctors=doctor,clinic-admins=admin; the most privileged role mapped wins, and a user mapped to none is refused; required with HMS_OIDC_ISSUER"},
	{"HMS_OIDC_CREATE_USERS", "false", "true: a provider user with no HMS account is created with the mapped role at their first sign-in; false: refused until an admin creates them"},
	{"HMS_BREAK_GLASS_ADMIN", "", "email of the one admin who may still sign in with a password; set, it turns password sign-in off for everyone else (needs HMS_OIDC_ISSUER); empty: passwords work for all"},
	{"HMS_DELIVERY_RESCUE_AFTER", "5m", "how long a message's delivery may stay unfinished before it is taken for dead (its process crashed) and sent again"},
}

// Load reads the configuration through getenv (os.Getenv in production, a map in tests).
// The error names the setting that is wrong.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, s := range Settings {
			if s.Name == name {
				return s.Default
			}
		}
		return ""
	}
	var c Config
	var err error
	c.Env = get("HMS_ENV")
	if c.Env != EnvDevelopment && c.Env != EnvProduction && c.Env != EnvTest {
		return c, fmt.Errorf("HMS_ENV must be development, production or test, not %q", c.Env)
	}
	c.Addr = get("HMS_ADDR")
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return c, fmt.Errorf("HMS_ADDR must be host:port or :port, not %q", c.Addr)
	}
	c.DatabaseURL = get("HMS_DATABASE_URL")
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, fmt.Errorf("HMS_DATABASE_URL must start with postgres:// or postgresql:// (leave it empty for SQLite)")
	}
	c.DatabaseReadURL = get("HMS_DATABASE_READ_URL")
	if c.DatabaseReadURL != "" {
		if c.DatabaseURL == "" {
			return c, fmt.Errorf("HMS_DATABASE_READ_URL names a replica of PostgreSQL: set HMS_DATABASE_URL to its primary (SQLite has no replicas)")
		}
		if !strings.HasPrefix(c.DatabaseReadURL, "postgres://") && !strings.HasPrefix(c.DatabaseReadURL, "postgresql://") {
			return c, fmt.Errorf("HMS_DATABASE_READ_URL must start with postgres:// or postgresql://")
		}
	}
	if c.DatabaseReadMaxLag, err = positiveDuration(get, "HMS_DATABASE_READ_MAX_LAG"); err != nil {
		return c, err
	}
	c.DataDir = get("HMS_DATA_DIR")
	if c.Migrate, err = strconv.ParseBool(get("HMS_MIGRATE")); err != nil {
		return c, fmt.Errorf("HMS_MIGRATE must be true or false, not %q", getenv("HMS_MIGRATE"))
	}
	if c.Location, err = time.LoadLocation(get("HMS_TIMEZONE")); err != nil {
		return c, fmt.Errorf("HMS_TIMEZONE must be an IANA time zone such as Europe/Berlin, not %q", get("HMS_TIMEZONE"))
	}
	c.LogLevel = strings.ToLower(get("HMS_LOG_LEVEL"))
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("HMS_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.DBMaxConns, err = positiveInt(get, "HMS_DB_MAX_CONNS"); err != nil {
		return c, err
	}
	if c.DBMaxIdleConns, err = positiveInt(get, "HMS_DB_MAX_IDLE_CONNS"); err != nil {
		return c, err
	}
	if c.DBTimeout, err = positiveDuration(get, "HMS_DB_TIMEOUT"); err != nil {
		return c, err
	}
	if c.ShutdownTimeout, err = positiveDuration(get, "HMS_SHUTDOWN_TIMEOUT"); err != nil {
		return c, err
	}
	if c.MetricsAddr = get("HMS_METRICS_ADDR"); c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return c, fmt.Errorf("HMS_METRICS_ADDR must be host:port or :port, not %q", c.MetricsAddr)
		}
		if c.MetricsAddr == c.Addr {
			return c, fmt.Errorf("HMS_METRICS_ADDR must differ from HMS_ADDR: metrics are never served on the public port")
		}
	}
	if c.PprofAddr = get("HMS_PPROF_ADDR"); c.PprofAddr != "" {
		// Profiles show the program's internals and cost CPU to take: never on a public interface.
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return c, fmt.Errorf("HMS_PPROF_ADDR must be a loopback host:port such as 127.0.0.1:6060, not %q", c.PprofAddr)
		}
	}
	if err := c.loadTLS(get); err != nil {
		return c, err
	}
	if err := c.loadAuth(get); err != nil {
		return c, err
	}
	if err := c.loadNotify(get); err != nil {
		return c, err
	}
	if err := c.loadSSO(get); err != nil {
		return c, err
	}
	return c, nil
}

// loadTLS reads the settings of HTTPS served by HMS itself, without a proxy in front.
func (c *Config) loadTLS(get func(string) string) error {
	c.TLSCert, c.TLSKey = get("HMS_TLS_CERT"), get("HMS_TLS_KEY")
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("HMS_TLS_CERT and HMS_TLS_KEY go together: set both (the certificate and its key) or neither")
	}
	if c.HTTPRedirectAddr = get("HMS_HTTP_REDIRECT_ADDR"); c.HTTPRedirectAddr != "" {
		if c.TLSCert == "" {
			return fmt.Errorf("HMS_HTTP_REDIRECT_ADDR redirects to HTTPS, which needs HMS_TLS_CERT and HMS_TLS_KEY")
		}
		if _, port, err := net.SplitHostPort(c.HTTPRedirectAddr); err != nil || port == "" {
			return fmt.Errorf("HMS_HTTP_REDIRECT_ADDR must be host:port or :port, not %q", c.HTTPRedirectAddr)
		}
		if c.HTTPRedirectAddr == c.Addr {
			return fmt.Errorf("HMS_HTTP_REDIRECT_ADDR must differ from HMS_ADDR, which serves HTTPS")
		}
	}
	return nil
}

// TLS reports whether HMS_ADDR serves HTTPS.
func (c Config) TLS() bool { return c.TLSCert != "" }

func positiveInt(get func(string) string, name string) (int, error) {
	n, err := strconv.Atoi(get(name))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s must be a positive whole number, not %q", name, get(name))
	}
	return n, nil
}

func positiveDuration(get func(string) string, name string) (time.Duration, error) {
	d, err := time.ParseDuration(get(name))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration such as 30s or 2m, not %q", name, get(name))
	}
	return d, nil
}

// minSecretLength mirrors auth.MinSecretLength (config depends on nothing of HMS's).
const minSecretLength = 32

// What a production HMS_JWT_SECRET must show at least: the entropy that secretStrength
// estimates, in bits, and distinct bytes. `openssl rand -base64 48` gives over 300 bits in
// about 40 distinct characters; one character repeated gives none.
const (
	minSecretBits     = 128
	minSecretDistinct = 10
)

// secretStrength estimates the entropy of a secret: the Shannon entropy of its bytes times
// their number, taken over its shortest repeating unit (so "abcdabcd…" counts as "abcd"),
// and the number of distinct bytes. It cannot see a dictionary phrase, but it catches the
// keys people type by hand: one character, a short pattern, a handful of letters.
func secretStrength(s string) (bits float64, distinct int) {
	b := []byte(s)
	// The shortest period of b is its length minus its longest proper prefix that is also
	// a suffix (border).
	border := make([]int, len(b))
	for i := 1; i < len(b); i++ {
		k := border[i-1]
		for k > 0 && b[i] != b[k] {
			k = border[k-1]
		}
		if b[i] == b[k] {
			k++
		}
		border[i] = k
	}
	if n := len(b); n > 0 && n-border[n-1] <= n/2 {
		b = b[:n-border[n-1]] // at least two copies of a pattern: count the pattern once
	}
	var counts [256]int
	for _, c := range b {
		if counts[c] == 0 {
			distinct++
		}
		counts[c]++
	}
	n := float64(len(b))
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			bits -= float64(k) * math.Log2(p)
		}
	}
	return bits, distinct
}

// loadAuth reads the settings of sign-in, tokens, CORS and the audit trail.
func (c *Config) loadAuth(get func(string) string) error {
	var err error
	c.JWTSecret = get("HMS_JWT_SECRET")
	if c.JWTSecret != "" && len(c.JWTSecret) < minSecretLength {
		return fmt.Errorf("HMS_JWT_SECRET must be at least %d bytes (got %d); generate one with: openssl rand -base64 48", minSecretLength, len(c.JWTSecret))
	}
	if bits, distinct := secretStrength(c.JWTSecret); c.JWTSecret != "" && c.Env == EnvProduction && (bits < minSecretBits || distinct < minSecretDistinct) {
		return fmt.Errorf("HMS_JWT_SECRET is too easy to guess for production: about %.0f bits of entropy in %d distinct characters, "+
			"where at least %d bits in %d distinct characters are needed; generate one with: openssl rand -base64 48",
			bits, distinct, minSecretBits, minSecretDistinct)
	}
	c.AdminEmail = strings.ToLower(get("HMS_ADMIN_EMAIL"))
	if c.AdminEmail != "" && (!strings.Contains(c.AdminEmail, "@") || strings.ContainsAny(c.AdminEmail, " <>,")) {
		return fmt.Errorf("HMS_ADMIN_EMAIL must be an email address, not %q", c.AdminEmail)
	}
	c.AdminPassword = get("HMS_ADMIN_PASSWORD")
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		return fmt.Errorf("HMS_ADMIN_EMAIL and HMS_ADMIN_PASSWORD go together: set both or neither")
	}
	origins := get("HMS_CORS_ORIGINS")
	if origins == "" && c.Env != EnvProduction {
		origins = "http://localhost:5173"
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if o == "*" || !(strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://")) || strings.Count(o, "/") != 2 {
			return fmt.Errorf("HMS_CORS_ORIGINS must list exact origins such as https://clinic.example.org (no * and no path), not %q", o)
		}
		c.CORSOrigins = append(c.CORSOrigins, o)
	}
	if c.AuditRetention, err = longDuration(get, "HMS_AUDIT_RETENTION"); err != nil {
		return err
	}
	if c.AuthRateLimit, c.AuthRateWindow, err = rate(get, "HMS_AUTH_RATE_LIMIT"); err != nil {
		return err
	}
	if c.MFARequired, err = roles(get, "HMS_MFA_REQUIRED"); err != nil {
		return err
	}
	switch c.ChartAccess = strings.ToLower(get("HMS_CHART_ACCESS")); c.ChartAccess {
	case "all", "care-team":
	default:
		return fmt.Errorf("HMS_CHART_ACCESS must be all or care-team, not %q", c.ChartAccess)
	}
	if c.AccessTokenTTL, err = longDuration(get, "HMS_ACCESS_TOKEN_TTL"); err != nil {
		return err
	}
	if c.RefreshTokenTTL, err = longDuration(get, "HMS_REFRESH_TOKEN_TTL"); err != nil {
		return err
	}
	if c.TrustProxy, err = strconv.ParseBool(get("HMS_TRUST_PROXY")); err != nil {
		return fmt.Errorf("HMS_TRUST_PROXY must be true or false, not %q", get("HMS_TRUST_PROXY"))
	}
	return nil
}

// longDuration parses a positive duration that may also be given in days (7d) or years (1y = 365d).
func longDuration(get func(string) string, name string) (time.Duration, error) {
	v := get(name)
	bad := fmt.Errorf("%s must be a positive duration such as 1h, 7d or 1y, not %q", name, v)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "y": 365 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			k, err := strconv.Atoi(n)
			if err != nil || k <= 0 || k > 1000*365 {
				return 0, bad
			}
			return time.Duration(k) * unit, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// roles parses a comma-separated list of roles, or all.
func roles(get func(string) string, name string) ([]string, error) {
	v := strings.ToLower(get(name))
	if v == "all" {
		return domain.Roles, nil
	}
	var out []string
	for _, r := range strings.Split(v, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !slices.Contains(domain.Roles, r) {
			return nil, fmt.Errorf("%s must list roles (%s) separated by commas, or all; %q is not a role", name, strings.Join(domain.Roles, ", "), r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// rate parses N/unit: 60/min, 10/s, 600/h or N/<duration> such as 100/30s.
func rate(get func(string) string, name string) (int, time.Duration, error) {
	v := get(name)
	bad := fmt.Errorf("%s must be requests per period such as 60/min, 10/s or 600/h, not %q", name, v)
	n, per, ok := strings.Cut(v, "/")
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || count <= 0 {
		return 0, 0, bad
	}
	var window time.Duration
	switch strings.TrimSpace(per) {
	case "s", "sec", "second":
		window = time.Second
	case "m", "min", "minute":
		window = time.Minute
	case "h", "hour":
		window = time.Hour
	default:
		if window, err = time.ParseDuration(per); err != nil || window <= 0 {
			return 0, 0, bad
		}
	}
	return count, window, nil
}

// PrintSettings writes the settings table of --help.
func PrintSettings(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tDEFAULT\tMEANING")
	for _, s := range Settings {
		d := s.Default
		if d == "" {
			d = "(empty)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, d, s.Help)
	}
	tw.Flush()
}
