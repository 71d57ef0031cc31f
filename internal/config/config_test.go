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
		"HMS_JWT_SECRET": strings.Repeat("k", 32), "HMS_AUTH_RATE_LIMIT": "10/s", "HMS_AUDIT_RETENTION": "400d",
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
	prod, err := Load(envOf(map[string]string{"HMS_ENV": "production", "HMS_JWT_SECRET": strings.Repeat("k", 40)}))
	if err != nil || len(prod.CORSOrigins) != 0 {
		t.Errorf("production allows no origin by default: %v %v", prod.CORSOrigins, err)
	}
}

// Each invalid setting stops start-up with an error that names it.
func TestInvalidSettingsAreNamed(t *testing.T) {
	for name, value := range map[string]string{
		"HMS_ENV":               "staging",
		"HMS_ADDR":              "8080",
		"HMS_DATABASE_URL":      "mysql://db/hms",
		"HMS_MIGRATE":           "perhaps",
		"HMS_TIMEZONE":          "Mars/Olympus_Mons",
		"HMS_LOG_LEVEL":         "loud",
		"HMS_DB_MAX_CONNS":      "-1",
		"HMS_DB_MAX_IDLE_CONNS": "many",
		"HMS_DB_TIMEOUT":        "30",
		"HMS_SHUTDOWN_TIMEOUT":  "0s",
		"HMS_JWT_SECRET":        "too-short",
		"HMS_ADMIN_EMAIL":       "admin@clinic.example.org",
		"HMS_ADMIN_PASSWORD":    "a password without an email",
		"HMS_CORS_ORIGINS":      "*",
		"HMS_AUDIT_RETENTION":   "forever",
		"HMS_AUTH_RATE_LIMIT":   "lots",
		"HMS_ACCESS_TOKEN_TTL":  "-1h",
		"HMS_REFRESH_TOKEN_TTL": "0d",
		"HMS_TRUST_PROXY":       "sometimes",
	} {
		_, err := Load(envOf(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v should name the setting", name, value, err)
		}
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
