// Command hms-bench is HMS's benchmark harness: it seeds a database, starts hms on it on
// 127.0.0.1, runs the load scenarios and prints (and optionally writes as Markdown) the
// results. `make bench` runs it; see docs/BENCHMARKS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hms-project/hms/internal/bench"
	"github.com/hms-project/hms/internal/seed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hms-bench:", err)
		os.Exit(1)
	}
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	n, err := strconv.Atoi(envOr(name, strconv.Itoa(def)))
	if err != nil {
		return def
	}
	return n
}

func run() error {
	var cfg bench.Config
	duration, _ := time.ParseDuration(envOr("BENCH_DURATION", "10s"))
	warmup, _ := time.ParseDuration(envOr("BENCH_WARMUP", "1s"))
	flag.StringVar(&cfg.Bin, "hms", envOr("BENCH_HMS", "bin/hms"), "the hms binary (BENCH_HMS)")
	flag.IntVar(&cfg.Sessions, "sessions", envInt("BENCH_SESSIONS", 1), "sessions the compare scenario signs in to HMS, shared by its connections (BENCH_SESSIONS)")
	flag.StringVar(&cfg.Baseline, "baseline", os.Getenv("BENCH_HMS_BASELINE"), "another hms binary that the compare scenario runs in the same turns, for an A/B (BENCH_HMS_BASELINE)")
	databases := flag.String("databases", envOr("BENCH_DATABASES", "sqlite,postgres"), "comma-separated: sqlite, postgres (BENCH_DATABASES)")
	flag.IntVar(&cfg.Data.Patients, "patients", envInt("BENCH_PATIENTS", 100_000), "patients to seed (BENCH_PATIENTS)")
	flag.IntVar(&cfg.Data.AppointmentsPerPatient, "appointments-per-patient", envInt("BENCH_APPOINTMENTS_PER_PATIENT", 2), "appointments of each patient")
	flag.IntVar(&cfg.Data.RecordsPerPatient, "records-per-patient", envInt("BENCH_RECORDS_PER_PATIENT", 3), "medical records of each patient")
	flag.IntVar(&cfg.Data.HeavyPatients, "heavy-patients", 5, "patients with 500 records")
	flag.Int64Var(&cfg.Data.Seed, "seed", 1, "seed of the synthetic data")
	flag.DurationVar(&cfg.Duration, "duration", duration, "measured time of each scenario (BENCH_DURATION)")
	flag.DurationVar(&cfg.Warmup, "warmup", warmup, "unmeasured time before each scenario (BENCH_WARMUP)")
	flag.IntVar(&cfg.Conns, "conns", envInt("BENCH_CONNS", 64), "connections of the single-endpoint scenarios (BENCH_CONNS)")
	flag.StringVar(&cfg.Scenarios, "scenarios", os.Getenv("BENCH_SCENARIOS"), "run only scenarios whose names contain one of these comma-separated words (BENCH_SCENARIOS)")
	url := flag.String("url", os.Getenv("BENCH_URL"), "measure an already running hms on 127.0.0.1 instead of starting one (needs --first-id, --last-id)")
	firstID := flag.Int64("first-id", 1, "with --url: the lowest patient id")
	lastID := flag.Int64("last-id", 0, "with --url: the highest patient id")
	heavy := flag.String("heavy-ids", "", "with --url: comma-separated ids of patients with 500 records")
	pid := flag.Int("pid", 0, "with --url: the server's process id, to report its CPU time and peak RSS")
	markdown := flag.String("markdown", os.Getenv("BENCH_MARKDOWN"), "also write the results as Markdown to this file (BENCH_MARKDOWN)")
	flag.Parse()
	cfg.Email = envOr("BENCH_EMAIL", envOr("HMS_ADMIN_EMAIL", "bench.admin@example.org"))
	cfg.Password = envOr("BENCH_PASSWORD", envOr("HMS_ADMIN_PASSWORD", "bench-admin-password-1"))
	cfg.Databases = strings.Split(*databases, ",")
	cfg.ReferenceDir = envOr("BENCH_REFERENCE", bench.DefaultReferenceDir)
	cfg.Log = os.Stderr
	if cfg.Duration <= 0 || cfg.Duration > 10*time.Minute {
		return fmt.Errorf("duration must be between 0 and 10m, not %s", cfg.Duration)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var (
		reports []bench.DBReport
		err     error
	)
	if *url != "" {
		sum := seed.Summary{Patients: int(*lastID - *firstID + 1), FirstPatientID: *firstID, LastPatientID: *lastID}
		for _, f := range strings.Split(*heavy, ",") {
			if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
				sum.HeavyPatientIDs = append(sum.HeavyPatientIDs, id)
			}
		}
		if *lastID < *firstID {
			return fmt.Errorf("--url needs --last-id")
		}
		rep := bench.DBReport{DB: *url, Data: sum}
		rep.Results, rep.Auth, err = bench.Measure(ctx, *url, *pid, cfg, sum)
		reports = append(reports, rep)
	} else {
		reports, err = bench.Run(ctx, cfg)
	}
	bench.WriteText(os.Stdout, reports)
	if *markdown != "" && len(reports) > 0 {
		f, ferr := os.Create(*markdown)
		if ferr != nil {
			return ferr
		}
		bench.WriteMarkdown(f, reports, cfg.Duration)
		if ferr := f.Close(); ferr != nil {
			return ferr
		}
	}
	return err
}
