package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/bench"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/seed"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// TestHarnessRunsEveryScenario runs every scenario briefly against an in-process HMS on a
// small seeded database and checks that each produced answers and no errors. It measures
// nothing: the figures belong in docs/BENCHMARKS.md, not in assertions.
func TestHarnessRunsEveryScenario(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sum, err := seed.Run(ctx, st, seed.Options{Patients: 400, AppointmentsPerPatient: 1, RecordsPerPatient: 1, HeavyPatients: 2, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		// With access control on, as in production: the harness signs in as an admin, and
		// every read of patient data writes an audit event.
		const email, password = "bench.admin@clinic.test", "a long bench password"
		hash, err := auth.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateUser(ctx, domain.User{Email: email, Name: "Bench", Role: domain.RoleAdmin}, hash); err != nil {
			t.Fatal(err)
		}
		signer, err := auth.NewSigner([]byte(strings.Repeat("k", auth.MinSecretLength)), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, h := httpapi.New(httpapi.Options{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Auth: auth.NewService(auth.Options{Store: st, Signer: signer})})
		srv := httptest.NewServer(h)
		defer srv.Close()
		var log strings.Builder
		cfg := bench.Config{Duration: 5 * time.Second, MaxRequests: 40, Conns: 4, Log: &log, Email: email, Password: password}
		results, signedIn, err := bench.Measure(ctx, srv.URL, os.Getpid(), cfg, sum)
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		if !signedIn {
			t.Error("the harness did not sign in")
		}
		if len(results) != len(bench.Scenarios(bench.Data{}, 4)) {
			t.Fatalf("%d results, want one per scenario", len(results))
		}
		for _, r := range results {
			if r.Requests == 0 || r.Errors != 0 || r.P99 < r.P50 || r.RPS() <= 0 {
				t.Errorf("%s: %d requests, %d errors (%s), p50 %s p99 %s", r.Scenario, r.Requests, r.Errors, r.FirstErr, r.P50, r.P99)
			}
			if r.PeakRSS <= 0 {
				t.Errorf("%s: no peak RSS read from /proc", r.Scenario)
			}
		}
		var table strings.Builder
		bench.WriteMarkdown(&table, []bench.DBReport{{DB: st.Dialect(), Data: sum, Results: results}}, cfg.Duration)
		if !strings.Contains(table.String(), "| GET patient by id |") {
			t.Errorf("the Markdown table lacks a scenario:\n%s", table.String())
		}
	})
}

// TestClientRefusesRemoteServers: the harness only ever loads the local machine.
func TestClientRefusesRemoteServers(t *testing.T) {
	for _, url := range []string{"http://example.org:8080", "http://10.0.0.1:8080", "https://127.0.0.1:8080"} {
		if _, err := bench.NewClient(url, 1); err == nil {
			t.Errorf("NewClient(%q) accepted a server that is not on the loopback interface", url)
		}
	}
	for _, url := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"} {
		if _, err := bench.NewClient(url, 1); err != nil {
			t.Errorf("NewClient(%q): %v", url, err)
		}
	}
}
