// Package pgcluster runs throwaway PostgreSQL servers in temporary directories, for the
// test suite and the benchmark harness. It is never used by hms itself.
package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
)

// Cluster is a PostgreSQL server in a temporary directory, owned by the test run.
type Cluster struct {
	dir, bin, port string
	asUser         string   // run the server as this OS user (postgres refuses to run as root)
	settings       []string // server settings as name=value, after the defaults
}

// testSettings trade durability for speed: a test cluster is thrown away, never recovered.
var testSettings = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300"}

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

// Start initialises and starts a new cluster with settings for tests (no fsync).
// Call Stop (or Remove) when done.
func Start() (*Cluster, error) { return StartWith(testSettings...) }

// StartWith initialises and starts a new cluster with the given server settings
// (name=value, as for postgres -c). Call Stop (or Remove) when done.
func StartWith(settings ...string) (*Cluster, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hms-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, settings: settings}
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
	port, err := FreePort()
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
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1", c.port, c.dir)
	for _, s := range c.settings {
		opts += " -c " + s
	}
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

// FreePort returns a TCP port on 127.0.0.1 that is free at the time of the call.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}
