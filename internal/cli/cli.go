// Package cli implements the hms command line: it parses the arguments and hands over
// to the command that they name.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/store"
)

// env bundles what every command receives.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	version        string
}

// command is one `hms` sub-command.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "", "run the API and the web UI", serve},
		{"migrate", "up|down [--to VERSION]|status", "apply, roll back or list database migrations", migrate},
		{"seed", "[--patients N] [--appointments-per-patient N] [--records-per-patient N] [--heavy-patients N] [--seed N]",
			"load realistic synthetic data, fast (for demonstrations and benchmarks)", seedData},
		{"import", "FILE...", "import FHIR R4 transaction or batch Bundles (patients by MRN, conditions, prescriptions)", importCmd},
		{"backup", "--out FILE", "write a consistent online backup of the database", backupCmd},
		{"restore", "--confirm FILE", "replace the database with a backup (stop hms first)", restoreCmd},
		{"purge", "patient ID [--confirm]", "erase a patient and all their data for good (a lawful erasure request)", purge},
		{"user", "create|list|disable|reset-password [flags]", "manage the users who sign in", user},
		{"audit", "verify|purge [--before DATE]", "check the audit trail's hash chain, or remove old events", audit},
		{"healthcheck", "[--url URL]", "exit 0 when the local server's /health answers, 1 otherwise", healthcheck},
		{"version", "", "print the version", func(_ context.Context, e env, _ []string) error {
			fmt.Fprintln(e.stdout, "hms", e.version)
			return nil
		}},
	}
}

// errUsage marks a wrong command line; Run exits 2 for it.
var errUsage = errors.New("usage")

// Run runs the command named by args and returns the process exit code.
func Run(args []string, getenv func(string) string, stdout, stderr io.Writer, version string) int {
	e := env{getenv: getenv, stdin: os.Stdin, stdout: stdout, stderr: stderr, version: version}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "usage: hms %s %s\n", c.name, c.args)
			return 2
		default:
			fmt.Fprintln(stderr, "hms "+c.name+":", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "hms: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, "hms — Healthcare Management System\n\nUsage: hms <command> [arguments]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nSettings (environment variables):\n")
	config.PrintSettings(w)
}

// newFlags returns a flag set whose -h prints the command's usage and the settings.
func newFlags(e env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: hms %s %s\n\n%s\n", name, args, summary)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(e.stdout, "\nFlags:")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
		}
		fmt.Fprint(e.stdout, "\nSettings (environment variables):\n")
		config.PrintSettings(e.stdout)
	}
	return fs
}

// loadConfig reads the settings and builds the logger they describe.
func loadConfig(e env) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return cfg, nil, fmt.Errorf("invalid configuration: %w", err)
	}
	return cfg, newLogger(cfg, e.stderr), nil
}

// newLogger logs text in development and test, JSON in production.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Env == config.EnvProduction {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore connects to the configured database.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	return store.Open(ctx, storeOptions(cfg))
}

// storeOptions are the store's options from the configuration, without the read replica,
// which only serve uses.
func storeOptions(cfg config.Config) store.Options {
	return store.Options{
		DatabaseURL:  cfg.DatabaseURL,
		DataDir:      cfg.DataDir,
		MaxOpenConns: cfg.DBMaxConns,
		MaxIdleConns: cfg.DBMaxIdleConns,
		Timeout:      cfg.DBTimeout,
	}
}

// openAndMigrate connects to the configured database and, unless HMS_MIGRATE=false, applies
// pending migrations first, as serve does: operator commands work on a fresh database.
func openAndMigrate(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate {
		if _, err := st.MigrateUp(ctx); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}
