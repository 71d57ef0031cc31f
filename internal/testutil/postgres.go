// Package testutil starts the databases that HMS's tests run against: SQLite in a temporary
// directory and a throwaway PostgreSQL cluster on a free loopback port.
package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"github.com/hms-project/hms/internal/pgcluster"
)

// PostgresMode says what tests do when PostgreSQL cannot be started, from HMS_TEST_POSTGRES:
// "required" (also when CI is set) fails the test, "off" skips PostgreSQL, anything else
// skips it only when the server binaries are missing.
func PostgresMode() string {
	if m := os.Getenv("HMS_TEST_POSTGRES"); m != "" {
		return m
	}
	if os.Getenv("CI") != "" {
		return "required"
	}
	return "auto"
}

// Cluster is a throwaway PostgreSQL server; see package pgcluster.
type Cluster = pgcluster.Cluster

// StartCluster initialises and starts a new cluster. Call Stop (or Remove) when done.
func StartCluster() (*Cluster, error) { return pgcluster.Start() }

var (
	shared     *Cluster
	sharedErr  error
	sharedOnce sync.Once
	dbCounter  int
	dbMu       sync.Mutex
)

// PostgresURL returns the URL of a new, empty database on the test run's shared cluster,
// starting the cluster on first use. It skips or fails the test as PostgresMode says when
// PostgreSQL cannot be started. The cluster is removed by Main.
func PostgresURL(t testing.TB) string {
	t.Helper()
	mode := PostgresMode()
	if mode == "off" {
		t.Skip("PostgreSQL tests are off (HMS_TEST_POSTGRES=off)")
	}
	sharedOnce.Do(func() { shared, sharedErr = StartCluster() })
	started(t, mode, sharedErr)
	dbMu.Lock()
	dbCounter++
	name := fmt.Sprintf("hms_test_%d_%d", os.Getpid(), dbCounter)
	dbMu.Unlock()
	return createDatabase(t, shared, name)
}

// started skips or fails the test, as mode says, when a cluster could not start (err).
func started(t testing.TB, mode string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if mode == "required" || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("PostgreSQL is required for this test run but could not start: %v", err)
	}
	t.Skipf("PostgreSQL not available: %v", err)
}

// createDatabase creates the empty database name on c and returns its URL.
func createDatabase(t testing.TB, c *Cluster, name string) string {
	t.Helper()
	admin, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return c.URL(name)
}

// Main runs the tests of a package and removes the shared PostgreSQL cluster afterwards.
// Use it as: func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Remove()
	}
	return code
}

// ReplicatedPostgres starts a primary of its own with a streaming replica of it (see
// pgcluster.StartReplica) and returns the URLs of an empty database on each, and the
// replica, which tests stop, start and pause. Both are removed when the test ends. It
// skips or fails the test as PostgresMode says when PostgreSQL cannot be started.
func ReplicatedPostgres(t testing.TB) (primaryURL, replicaURL string, replica *Cluster) {
	t.Helper()
	mode := PostgresMode()
	if mode == "off" {
		t.Skip("PostgreSQL tests are off (HMS_TEST_POSTGRES=off)")
	}
	primary, err := StartCluster()
	started(t, mode, err)
	t.Cleanup(primary.Remove)
	primaryURL = createDatabase(t, primary, "hms") // before the backup, which copies it
	replica, err = primary.StartReplica()
	if err != nil {
		t.Fatalf("start a streaming replica: %v", err)
	}
	t.Cleanup(replica.Remove)
	return primaryURL, replica.URL("hms"), replica
}
