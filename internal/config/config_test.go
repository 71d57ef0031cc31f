package config

import (
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != "development" || c.Addr != ":8080" || c.DatabaseURL != "" || c.DataDir != "./data" || !c.Migrate ||
		c.Location != time.UTC || c.DBMaxConns != 30 || c.DBMaxIdleConns != 30 || c.DBTimeout != 30*time.Second || c.ShutdownTimeout != 15*time.Second {
		t.Errorf("defaults: %+v", c)
	}
}

func TestOverrides(t *testing.T) {
	c, err := Load(envOf(map[string]string{"HMS_ENV": "production", "HMS_ADDR": "127.0.0.1:9000", "HMS_MIGRATE": "false",
		"HMS_DATABASE_URL": "postgres://u:p@db:5432/hms", "HMS_TIMEZONE": "Europe/Berlin", "HMS_DB_MAX_CONNS": "64",
		"HMS_JWT_SECRET": goodSecret, "HMS_AUTH_RATE_LIMIT": "10/s", "HMS_AUDIT_RETENTION": "400d",
		"HMS_CORS_ORIGINS": "https://a.example.org, https://b.example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != "production" || c.Addr != "127.0.0.1:9000" || c.Migrate || c.Location.String() != "Europe/Berlin" || c.DBMaxConns != 64 {
		t.Errorf("overrides: %+v", c)
	}
	if c.AuthRateLimit != 10 || c.AuthRateWindow != time.Second || c.AuditRetention != 400*24*time.Hour ||
		strings.Join(c.CORSOrigins, " ") != "https://a.example.org https://b.example.org" {
		t.Errorf("auth overrides: %+v", c)
	}
}

func TestAuthDefaults(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthRateLimit != 60 || c.AuthRateWindow != time.Minute || c.AuditRetention != 365*24*time.Hour ||
		c.AccessTokenTTL != time.Hour || c.RefreshTokenTTL != 7*24*time.Hour || c.TrustProxy ||
		strings.Join(c.CORSOrigins, " ") != "http://localhost:5173" || c.JWTSecret != "" {
		t.Errorf("auth defaults in development: %+v", c)
	}
	prod, err := Load(envOf(map[string]string{"HMS_ENV": "production", "HMS_JWT_SECRET": goodSecret}))
	if err != nil || len(prod.CORSOrigins) != 0 {
		t.Errorf("production allows no origin by default: %v %v", prod.CORSOrigins, err)
	}
}

// Each invalid setting stops start-up with an error that names it.
func TestInvalidSettingsAreNamed(t *testing.T) {
	for name, value := range map[string]string{
		"HMS_ENV":                   "staging",
		"HMS_ADDR":                  "8080",
		"HMS_DATABASE_URL":          "mysql://db/hms",
		"HMS_MIGRATE":               "perhaps",
		"HMS_TIMEZONE":              "Mars/Olympus_Mons",
		"HMS_LOG_LEVEL":             "loud",
		"HMS_DB_MAX_CONNS":          "-1",
		"HMS_DB_MAX_IDLE_CONNS":     "many",
		"HMS_DB_TIMEOUT":            "30",
		"HMS_SHUTDOWN_TIMEOUT":      "0s",
		"HMS_JWT_SECRET":            "too-short",
		"HMS_ADMIN_EMAIL":           "admin@clinic.example.org",
		"HMS_ADMIN_PASSWORD":        "a password without an email",
		"HMS_CORS_ORIGINS":          "*",
		"HMS_AUDIT_RETENTION":       "forever",
		"HMS_AUTH_RATE_LIMIT":       "lots",
		"HMS_ACCESS_TOKEN_TTL":      "-1h",
		"HMS_REFRESH_TOKEN_TTL":     "0d",
		"HMS_TRUST_PROXY":           "sometimes",
		"HMS_DATABASE_READ_URL":     "postgres://replica/hms", // without HMS_DATABASE_URL: SQLite has no replicas
		"HMS_DATABASE_READ_MAX_LAG": "a bit",
	} {
		_, err := Load(envOf(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v should name the setting", name, value, err)
		}
	}
}

// A read replica is a PostgreSQL URL beside the primary's.
func TestReadReplicaSettings(t *testing.T) {
	c, err := Load(envOf(map[string]string{"HMS_DATABASE_URL": "postgres://primary/hms", "HMS_DATABASE_READ_URL": "postgres://replica/hms",
		"HMS_DATABASE_READ_MAX_LAG": "2s"}))
	if err != nil || c.DatabaseReadURL != "postgres://replica/hms" || c.DatabaseReadMaxLag != 2*time.Second {
		t.Errorf("read replica settings: %+v %v", c, err)
	}
	if _, err := Load(envOf(map[string]string{"HMS_DATABASE_URL": "postgres://primary/hms", "HMS_DATABASE_READ_URL": "mysql://replica/hms"})); err == nil ||
		!strings.Contains(err.Error(), "HMS_DATABASE_READ_URL") {
		t.Errorf("a read URL that is not PostgreSQL: %v", err)
	}
	if c, err := Load(envOf(nil)); err != nil || c.DatabaseReadURL != "" || c.DatabaseReadMaxLag != 5*time.Second {
		t.Errorf("defaults: no replica, a 5s bound: %q %v %v", c.DatabaseReadURL, c.DatabaseReadMaxLag, err)
	}
}

func TestEverySettingIsDocumented(t *testing.T) {
	var b strings.Builder
	PrintSettings(&b)
	for _, s := range Settings {
		if !strings.Contains(b.String(), s.Name) || s.Help == "" {
			t.Errorf("%s missing from the settings table", s.Name)
		}
	}
}

// goodSecret is what `openssl rand -base64 48` prints: a key production accepts.
const goodSecret = "Z08voLckfomLYUfNVoirHxjqaiUHqzoTaQD8GSVSuJ2wll8MiAgq2yk02PylHU77"

// TestGuessableJWTSecretRefusedInProduction: production refuses a long key with little
// entropy, naming HMS_JWT_SECRET and how to make a good one; development takes any key
// of 32 bytes.
func TestGuessableJWTSecretRefusedInProduction(t *testing.T) {
	for _, secret := range []string{
		strings.Repeat("k", 64),                         // one character
		strings.Repeat("ab", 32),                        // two
		strings.Repeat("Tr0ub4dor&3", 6),                // a short pattern repeated
		strings.Repeat("0123456789abcdef", 4),           // a longer one, 16 distinct characters
		"0123456789abcdef0123456789abcdef0123456789",    // a pattern cut short
		strings.Repeat("a", 47) + "b",                   // nearly one character
		"abababababababababababababababab-abababababab", // a pattern with a flaw
		"aaaabbbbccccddddeeeeffffgggghhhhiiii",          // nine letters
		"3f9a0c7e12b4d58e6a0f9c3b7d21e4a8",              // 32 hex digits: 16 random bytes at most
	} {
		_, err := Load(envOf(map[string]string{"HMS_ENV": "production", "HMS_JWT_SECRET": secret}))
		if err == nil || !strings.Contains(err.Error(), "HMS_JWT_SECRET") || !strings.Contains(err.Error(), "openssl rand -base64 48") {
			t.Errorf("production with HMS_JWT_SECRET=%q: %v, want a refusal naming the setting and how to make one", secret, err)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("the error repeats the secret: %v", err)
		}
		if _, err := Load(envOf(map[string]string{"HMS_JWT_SECRET": secret})); err != nil {
			t.Errorf("development with HMS_JWT_SECRET=%q: %v", secret, err)
		}
	}
	for _, secret := range []string{
		goodSecret,
		"9f1c4be07a2d83e6b5c0f17d2a94e8c36b0d5f7e1a2c4b8d9e0f3a6c7b1d2e4f", // openssl rand -hex 32
		"zQ3_hT9kV1-xR7mB2nW5pY8cL4sD6fG0",                                 // 24 random bytes, base64url
	} {
		if _, err := Load(envOf(map[string]string{"HMS_ENV": "production", "HMS_JWT_SECRET": secret})); err != nil {
			t.Errorf("production with a random key %q: %v", secret, err)
		}
	}
}

// TestTLSSettings: the certificate and its key go together, and the error of one alone
// names both; the redirect listener needs HTTPS to redirect to.
func TestTLSSettings(t *testing.T) {
	for _, env := range []map[string]string{{"HMS_TLS_CERT": "/etc/hms/cert.pem"}, {"HMS_TLS_KEY": "/etc/hms/key.pem"}} {
		_, err := Load(envOf(env))
		if err == nil || !strings.Contains(err.Error(), "HMS_TLS_CERT") || !strings.Contains(err.Error(), "HMS_TLS_KEY") {
			t.Errorf("%v: error %v should name HMS_TLS_CERT and HMS_TLS_KEY", env, err)
		}
	}
	both := map[string]string{"HMS_TLS_CERT": "/etc/hms/cert.pem", "HMS_TLS_KEY": "/etc/hms/key.pem", "HMS_ADDR": ":443"}
	c, err := Load(envOf(both))
	if err != nil || !c.TLS() || c.TLSCert != "/etc/hms/cert.pem" || c.TLSKey != "/etc/hms/key.pem" || c.HTTPRedirectAddr != "" {
		t.Errorf("cert and key: %+v %v", c, err)
	}
	if c, _ := Load(envOf(nil)); c.TLS() {
		t.Error("TLS on by default")
	}
	for value, ok := range map[string]bool{":80": true, "80": false, ":443": false} {
		env := map[string]string{"HMS_HTTP_REDIRECT_ADDR": value}
		for k, v := range both {
			env[k] = v
		}
		c, err := Load(envOf(env))
		if ok && (err != nil || c.HTTPRedirectAddr != value) {
			t.Errorf("HMS_HTTP_REDIRECT_ADDR=%s: %v", value, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "HMS_HTTP_REDIRECT_ADDR")) {
			t.Errorf("HMS_HTTP_REDIRECT_ADDR=%s: error %v should name it", value, err)
		}
	}
	if _, err := Load(envOf(map[string]string{"HMS_HTTP_REDIRECT_ADDR": ":80"})); err == nil || !strings.Contains(err.Error(), "HMS_TLS_CERT") {
		t.Errorf("a redirect without TLS: %v", err)
	}
}
