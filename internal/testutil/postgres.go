// Package testutil starts the databases that HMS's tests run against: SQLite in a temporary
// directory and a throwaway PostgreSQL cluster on a free loopback port.
package testutil

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
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

// Cluster is a PostgreSQL server in a temporary directory, owned by the test run.
type Cluster struct {
	dir, bin, port string
	asUser         string // run the server as this OS user (postgres refuses to run as root)
}

// URL returns the connection URL of database db on the cluster.
func (c *Cluster) URL(db string) string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/" + db + "?sslmode=disable"
}

// pgBinDir finds the directory of initdb and pg_ctl, preferring the newest version.
func pgBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// StartCluster initialises and starts a new cluster. Call Stop (or Remove) when done.
func StartCluster() (*Cluster, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hms-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root: hand the directory to the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.asUser = "postgres"
	}
	if out, err := c.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		c.Remove()
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		c.Remove()
		return nil, err
	}
	c.port = port
	if err := c.Start(); err != nil {
		c.Remove()
		return nil, err
	}
	return c, nil
}

// Start starts the (stopped) server again on the same port.
func (c *Cluster) Start() error {
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", c.port, c.dir)
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the server immediately, keeping its files so that Start can bring it back.
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Remove stops the server and deletes its files.
func (c *Cluster) Remove() {
	if c.port != "" {
		_ = c.Stop()
	}
	os.RemoveAll(c.dir)
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	if c.asUser != "" {
		args = append([]string{"-u", c.asUser, "--", path}, args...)
		path = "runuser"
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = os.TempDir()
	return cmd.CombinedOutput()
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

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
	if sharedErr != nil {
		if mode == "required" || !strings.Contains(sharedErr.Error(), "not found") {
			t.Fatalf("PostgreSQL is required for this test run but could not start: %v", sharedErr)
		}
		t.Skipf("PostgreSQL not available: %v", sharedErr)
	}
	dbMu.Lock()
	dbCounter++
	name := fmt.Sprintf("hms_test_%d_%d", os.Getpid(), dbCounter)
	dbMu.Unlock()
	admin, err := sql.Open("pgx", shared.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return shared.URL(name)
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
