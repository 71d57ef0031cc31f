package pgcluster

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// StartReplica makes a streaming replica of the (running) cluster c: a base backup taken
// with pg_basebackup -R over loopback into a new temporary directory, started as a hot
// standby on a port of its own with the primary's settings. It replays c's WAL as it
// comes; pg_wal_replay_pause() on the replica holds it at one point. Call Remove when done.
func (c *Cluster) StartReplica() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "hms-pg-replica-")
	if err != nil {
		return nil, err
	}
	bin := c.bin
	// pg_ctl on the PATH may be a link to the server's directory, where pg_basebackup is.
	if ctl, err := filepath.EvalSymlinks(filepath.Join(c.bin, "pg_ctl")); err == nil {
		bin = filepath.Dir(ctl)
	}
	r := &Cluster{dir: dir, bin: bin, asUser: c.asUser, settings: c.settings}
	if r.asUser != "" {
		// The backup is written by the postgres user, as the primary's files are.
		u, err := user.Lookup(r.asUser)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	// -R writes standby.signal and primary_conninfo; -X stream copies the WAL written
	// during the backup, so the replica starts consistent.
	if out, err := r.run("pg_basebackup", "-h", "127.0.0.1", "-p", c.port, "-U", "postgres", "-D", filepath.Join(dir, "data"),
		"-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_basebackup: %v: %s", err, out)
	}
	if r.port, err = FreePort(); err != nil {
		r.Remove()
		return nil, err
	}
	if err := r.Start(); err != nil {
		r.Remove()
		return nil, err
	}
	return r, nil
}
