package pgcluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// HA is the reference high-availability setup of docs/OPERATIONS.md on loopback: a
// pg_auto_failover monitor and two PostgreSQL nodes under its keepers (pg_autoctl), with
// synchronous replication, in a temporary directory. The monitor's health checks and the
// keepers' timeouts are the tuned ones of the documentation, so that a failover takes
// seconds.
type HA struct {
	dir, pgctl, autoctl string
	cred                *syscall.Credential // run as the postgres user when the test runs as root
	env                 []string
	monitor             *haProcess
	nodes               []*haProcess
}

// haProcess is one `pg_autoctl run`: the monitor or a node, with the PostgreSQL it runs.
type haProcess struct {
	name, port, pgdata, log string
	cmd                     *exec.Cmd
	done                    chan struct{}
}

// Database is the name of the database StartHA creates for HMS on the nodes.
const Database = "hms"

// MonitorSettings are the monitor's failure-detection timings (milliseconds), down from
// pg_auto_failover's defaults (health checks every 5 s, a node unhealthy after 20 s, 30 s
// of waiting for a primary that does not answer to demote itself) to a failover in
// seconds. The keepers' network_partition_timeout (KeeperSettings) stays below
// primary_demote_timeout: a primary cut off from both the monitor and its standby stops
// taking writes before the monitor promotes the standby.
var MonitorSettings = []string{
	"pgautofailover.health_check_period=1000",
	"pgautofailover.health_check_timeout=1000",
	"pgautofailover.health_check_max_retries=1",
	"pgautofailover.health_check_retry_delay=500",
	"pgautofailover.node_considered_unhealthy_timeout=2000",
	"pgautofailover.primary_demote_timeout=3000",
}

// KeeperSettings are the keepers' timeouts (seconds), set with pg_autoctl config set.
var KeeperSettings = [][2]string{{"timeout.network_partition_timeout", "2"}}

// haTestSettings trade durability for speed on the nodes: the test kills processes, never
// the machine, so what PostgreSQL wrote stays in the page cache; and checkpoints are not
// spread over minutes, which a standby's base backup or a rejoining node's rewind would
// wait for. Synchronous replication, what the test checks, is untouched.
var haTestSettings = []string{"fsync=off", "checkpoint_completion_target=0"}

// autoctlPath finds pg_autoctl, from Debian's pg-auto-failover-cli package.
func autoctlPath() (string, error) {
	if p, err := exec.LookPath("pg_autoctl"); err == nil {
		return p, nil
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_autoctl"); len(m) > 0 {
		return m[len(m)-1], nil
	}
	return "", errors.New("pg_autoctl not found; install pg-auto-failover-cli and postgresql-15-auto-failover")
}

// StartHA creates and starts the monitor and two nodes, and returns once node 1 is the
// primary and node 2 its synchronous standby. Call Remove when done.
func StartHA() (*HA, error) {
	autoctl, err := autoctlPath()
	if err != nil {
		return nil, err
	}
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	// pg_autoctl finds postgres, pg_basebackup and pg_rewind beside pg_ctl: the real
	// directory, not a symlink to its pg_ctl.
	pgctl, err := filepath.EvalSymlinks(filepath.Join(bin, "pg_ctl"))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hms-ha-")
	if err != nil {
		return nil, err
	}
	h := &HA{dir: dir, pgctl: pgctl, autoctl: autoctl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the servers: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		h.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// pg_autoctl keeps its configuration and state under the XDG directories.
	h.env = []string{"PATH=" + filepath.Dir(pgctl) + ":/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "share"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run")}
	if err := h.start(); err != nil {
		h.Remove()
		return nil, err
	}
	return h, nil
}

func (h *HA) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ports := make([]string, 3)
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			return err
		}
		ports[i] = p
	}
	h.monitor = &haProcess{name: "monitor", port: ports[0], pgdata: filepath.Join(h.dir, "monitor")}
	if err := h.create(h.monitor, "monitor"); err != nil {
		return err
	}
	if err := appendSettings(h.monitor.pgdata, MonitorSettings); err != nil {
		return err
	}
	if err := h.run(h.monitor); err != nil {
		return err
	}
	if err := h.waitMonitor(ctx); err != nil {
		return err
	}
	for i := 1; i <= 2; i++ {
		n := &haProcess{name: fmt.Sprintf("node%d", i), port: ports[i], pgdata: filepath.Join(h.dir, fmt.Sprintf("node%d", i))}
		h.nodes = append(h.nodes, n)
		if err := h.create(n, "postgres", "--name", n.name, "--dbname", Database, "--monitor", h.monitorURL("autoctl_node")); err != nil {
			return err
		}
		for _, kv := range KeeperSettings {
			if out, err := h.autoctlOutput("config", "set", "--pgdata", n.pgdata, kv[0], kv[1]); err != nil {
				return fmt.Errorf("pg_autoctl config set %s: %v: %s", kv[0], err, out)
			}
		}
		if i == 1 {
			if err := appendSettings(n.pgdata, haTestSettings); err != nil {
				return err
			}
		}
		if err := h.run(n); err != nil {
			return err
		}
		want := map[string]string{"node1": "single"}
		if i == 2 {
			want = map[string]string{"node1": "primary", "node2": "secondary"}
		}
		if err := h.WaitStates(ctx, want); err != nil {
			return err
		}
		if i == 1 {
			// The standby's base backup starts with a checkpoint, spread over minutes by
			// default; with the fresh cluster's pages written now it has nothing to spread.
			if err := h.exec(ctx, h.NodeURL(0, "postgres"), "CHECKPOINT"); err != nil {
				return err
			}
		}
	}
	return nil
}

// create runs pg_autoctl create (monitor or postgres) for p, which initialises its
// PostgreSQL and, for a node, registers it with the monitor (a standby copies the
// primary). It leaves the server stopped.
func (h *HA) create(p *haProcess, kind string, args ...string) error {
	args = append([]string{"create", kind, "--pgdata", p.pgdata, "--pgport", p.port, "--pgctl", h.pgctl,
		"--hostname", "127.0.0.1", "--listen", "127.0.0.1", "--auth", "trust", "--no-ssl"}, args...)
	out, err := h.autoctlOutput(args...)
	if err != nil {
		return fmt.Errorf("pg_autoctl create %s %s: %v\n%s", kind, p.name, err, out)
	}
	return nil
}

// run starts `pg_autoctl run` for p in a process group of its own, so that Kill takes
// the keeper and its PostgreSQL down together.
func (h *HA) run(p *haProcess) error {
	p.log = filepath.Join(h.dir, p.name+".log")
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := h.command("run", "--pgdata", p.pgdata)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.done) }()
	return nil
}

func (h *HA) command(args ...string) *exec.Cmd {
	cmd := exec.Command(h.autoctl, args...)
	cmd.Dir = h.dir
	cmd.Env = h.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: h.cred}
	return cmd
}

func (h *HA) autoctlOutput(args ...string) ([]byte, error) {
	return h.command(args...).CombinedOutput()
}

// appendSettings adds settings to pgdata's postgresql.conf, after pg_autoctl's own.
func appendSettings(pgdata string, settings []string) error {
	f, err := os.OpenFile(filepath.Join(pgdata, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, s := range settings {
		name, value, _ := strings.Cut(s, "=")
		if _, err := fmt.Fprintf(f, "%s = '%s'\n", name, value); err != nil {
			return err
		}
	}
	return nil
}

func (h *HA) monitorURL(user string) string {
	return "postgres://" + user + "@127.0.0.1:" + h.monitor.port + "/pg_auto_failover?sslmode=disable"
}

// URL is what HMS_DATABASE_URL names: both nodes, and the one that takes writes.
func (h *HA) URL(db string) string {
	hosts := make([]string, len(h.nodes))
	for i, n := range h.nodes {
		hosts[i] = "127.0.0.1:" + n.port
	}
	return "postgres://postgres@" + strings.Join(hosts, ",") + "/" + db + "?sslmode=disable&target_session_attrs=read-write&connect_timeout=2"
}

// NodeURL is the URL of database db on node i (0 or 1) alone.
func (h *HA) NodeURL(i int, db string) string {
	return "postgres://postgres@127.0.0.1:" + h.nodes[i].port + "/" + db + "?sslmode=disable&connect_timeout=2"
}

// NodeName is the name of node i in the monitor's tables ("node1", "node2").
func (h *HA) NodeName(i int) string { return h.nodes[i].name }

// States returns each node's state as the monitor has it: what the node last reported,
// and what the monitor assigned it ("primary", "secondary", "demote_timeout", ...).
func (h *HA) States(ctx context.Context) (reported, assigned map[string]string, err error) {
	db, err := sql.Open("pgx", h.monitorURL("postgres"))
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT nodename, reportedstate::text, goalstate::text FROM pgautofailover.node`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	reported, assigned = map[string]string{}, map[string]string{}
	for rows.Next() {
		var name, rep, goal string
		if err := rows.Scan(&name, &rep, &goal); err != nil {
			return nil, nil, err
		}
		reported[name], assigned[name] = rep, goal
	}
	return reported, assigned, rows.Err()
}

// WaitStates waits until each named node has reported, and been assigned, its state in want.
func (h *HA) WaitStates(ctx context.Context, want map[string]string) error {
	var last string
	for {
		rep, goal, err := h.States(ctx)
		if err == nil {
			ok := true
			for n, s := range want {
				ok = ok && rep[n] == s && goal[n] == s
			}
			if ok {
				return nil
			}
			last = fmt.Sprintf("reported %v, assigned %v", rep, goal)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pg_auto_failover: waiting for %v: %s\n%s", want, last, h.Logs())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (h *HA) waitMonitor(ctx context.Context) error {
	for {
		_, _, err := h.States(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pg_auto_failover monitor did not start: %v\n%s", err, h.Logs())
		case <-h.monitor.done:
			return fmt.Errorf("pg_auto_failover monitor exited\n%s", h.Logs())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// exec runs query on url, waiting for the server to answer (a keeper that has just
// started brings its PostgreSQL up after a moment).
func (h *HA) exec(ctx context.Context, url, query string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		_, err = db.ExecContext(ctx, query)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %v\n%s", query, err, h.Logs())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL to node i's keeper and its PostgreSQL at once, as when its machine
// dies: the keeper would otherwise restart a PostgreSQL that was killed alone.
func (h *HA) Kill(i int) error {
	n := h.nodes[i]
	pid := postmasterPid(n.pgdata)
	if err := syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", n.name, err)
	}
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	<-n.done
	return nil
}

// Rejoin starts node i's keeper again after Kill: the monitor makes it a standby of the
// new primary (pg_autoctl rewinds it with pg_rewind first).
func (h *HA) Rejoin(i int) error { return h.run(h.nodes[i]) }

// postmasterPid reads the process id of pgdata's running postmaster, 0 when none (a
// killed server leaves its postmaster.pid behind, and its number may be reused since).
func postmasterPid(pgdata string) int {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	if pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), pgdata) {
		return 0
	}
	return pid
}

// Logs returns the end of each process's log, for a failing test's output.
func (h *HA) Logs() string {
	var b strings.Builder
	for _, p := range append([]*haProcess{h.monitor}, h.nodes...) {
		if p == nil || p.log == "" {
			continue
		}
		data, _ := os.ReadFile(p.log)
		if len(data) > 4000 {
			data = data[len(data)-4000:]
		}
		fmt.Fprintf(&b, "--- %s (%s)\n%s\n", p.name, p.log, data)
	}
	return b.String()
}

// Remove stops the nodes and the monitor (SIGTERM, then SIGKILL after ten seconds) and
// deletes their files.
func (h *HA) Remove() {
	procs := append(append([]*haProcess{}, h.nodes...), h.monitor)
	for _, p := range procs {
		if p == nil || p.cmd == nil {
			continue
		}
		select {
		case <-p.done:
			continue
		default:
		}
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	for _, p := range procs {
		if p == nil {
			continue
		}
		if pid := postmasterPid(p.pgdata); pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	os.RemoveAll(h.dir)
}
