// Package config reads HMS's settings from the environment, once, and validates them.
package config

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Environments HMS runs in.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
	EnvTest        = "test"
)

// Config is every setting of `hms serve`.
type Config struct {
	Env             string
	Addr            string
	DatabaseURL     string
	DataDir         string
	Migrate         bool
	Location        *time.Location
	LogLevel        string
	DBMaxConns      int
	DBMaxIdleConns  int
	DBTimeout       time.Duration
	ShutdownTimeout time.Duration
	MetricsAddr     string
}

// Setting describes one environment variable: its name, default and meaning.
type Setting struct {
	Name, Default, Help string
}

// Settings lists every environment variable that HMS reads, in the order of --help.
var Settings = []Setting{
	{"HMS_ENV", EnvDevelopment, "development, production or test; production logs JSON"},
	{"HMS_ADDR", ":8080", "address the HTTP server listens on"},
	{"HMS_DATABASE_URL", "", "postgres://user:pass@host:5432/db for PostgreSQL; empty uses SQLite in HMS_DATA_DIR"},
	{"HMS_DATA_DIR", "./data", "directory of the SQLite database and other local files"},
	{"HMS_MIGRATE", "true", "apply pending migrations when serve starts (false: leave it to `hms migrate up`)"},
	{"HMS_TIMEZONE", "UTC", "the clinic's IANA time zone, used for local appointment times and 'today'"},
	{"HMS_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"HMS_DB_MAX_CONNS", "30", "PostgreSQL pool size: 10 steady connections + 20 overflow"},
	{"HMS_DB_MAX_IDLE_CONNS", "10", "PostgreSQL connections kept open when idle"},
	{"HMS_DB_TIMEOUT", "30s", "longest wait for a database connection and its queries, per operation"},
	{"HMS_SHUTDOWN_TIMEOUT", "15s", "how long in-flight requests may run after SIGTERM"},
	{"HMS_METRICS_ADDR", "", "address of a separate listener for Prometheus /metrics (e.g. :9090); empty: no metrics"},
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
	return c, nil
}

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
