package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Reads from a streaming replica (HMS_DATABASE_READ_URL). Only the heavy reads go there
// (lists and searches, which the route table marks); everything else, the audit events
// of those reads included, stays on the primary. A heavy read goes to the replica when
//
//   - the replica answers and is a standby,
//   - it has replayed the session's own last write: after each successful write request,
//     HMS stores the primary's WAL insert position in the session's row (auth_session.
//     wrote_lsn), which every request reads from the primary with its session, so the
//     rule holds across HMS replicas and needs nothing from the client,
//   - and it is not behind the primary by more than ReadMaxLag,
//
// and otherwise on the primary. Each heavy read asks the replica for its replay position
// (one small query), unless the replica was last found down: then reads use the primary
// until the watcher finds it answering again. The lag is measured against the primary's
// insert position, which the watcher samples every check interval, so it is known to
// within one interval.

// Where a heavy read went, and why (the reasons of ReplicaStatus and the metrics).
const (
	ReadOnReplica       = "replica"       // the replica was up to date enough
	ReadReplicaDown     = "replica_down"  // it did not answer
	ReadReplicaLagging  = "replica_lag"   // it was behind by more than the bound
	ReadOwnWrites       = "own_writes"    // it had not yet replayed the session's last write
	ReadNotAStandby     = "not_a_standby" // the server is not in recovery (promoted, or misconfigured)
	readReasons         = 5               // how many reasons there are
	defaultCheckEvery   = 500 * time.Millisecond
	replicaCheckTimeout = 2 * time.Second
	maxLSNSamples       = 4096 // about 34 minutes at the default interval; older lag reads as "at least"
)

// readReasonNames lists the reasons in the order of replica.reads.
var readReasonNames = [readReasons]string{ReadOnReplica, ReadReplicaDown, ReadReplicaLagging, ReadOwnWrites, ReadNotAStandby}

// replica is the read pool of a streaming replica and what HMS learnt of it.
type replica struct {
	db       *sql.DB
	maxLag   time.Duration
	interval time.Duration
	stop     context.CancelFunc
	done     chan struct{}

	mu      sync.Mutex
	samples []lsnSample // the primary's WAL insert position over time, oldest first
	status  ReplicaStatus

	reads [readReasons]atomic.Int64 // heavy reads by where they went
}

// lsnSample is the primary's WAL insert position at a time.
type lsnSample struct {
	at  time.Time
	lsn int64
}

// ReplicaStatus is what the watcher last learnt of the read replica.
type ReplicaStatus struct {
	// State is ReadOnReplica when heavy reads may go there, else why they do not.
	State string
	// Lag is how long the replica has been missing WAL that the primary had.
	Lag time.Duration
	// CheckedAt is the time of the check.
	CheckedAt time.Time
}

// readerKey marks a context whose store reads may go to the replica.
type readerKey struct{}

// The positions as numbers: bytes since 0/0.
const (
	insertPositionSQL = `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`
	replayPositionSQL = `SELECT pg_is_in_recovery(), COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)`
)

// openReplica connects to the read replica of opts and starts watching it.
func (s *Store) openReplica(ctx context.Context, opts Options) error {
	if opts.ReadURL == "" {
		return nil
	}
	if opts.DatabaseURL == "" {
		return errors.New("store: HMS_DATABASE_READ_URL needs PostgreSQL in HMS_DATABASE_URL")
	}
	db, err := sql.Open("pgx", opts.ReadURL)
	if err != nil {
		return fmt.Errorf("store: open the read replica: %w", err)
	}
	db.SetMaxOpenConns(opts.MaxOpenConns)
	db.SetMaxIdleConns(opts.MaxIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	r := &replica{db: db, maxLag: opts.ReadMaxLag, interval: opts.ReplicaCheckInterval, done: make(chan struct{})}
	if r.interval <= 0 {
		r.interval = defaultCheckEvery
	}
	if r.maxLag <= 0 {
		r.maxLag = 5 * time.Second
	}
	r.status = ReplicaStatus{State: ReadReplicaDown}
	s.replica = r
	// A replica that is down at start is not an error: reads use the primary until it answers.
	s.checkReplica(ctx)
	watchCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	go s.watchReplica(watchCtx)
	return nil
}

// closeReplica stops the watcher and closes the read pool.
func (s *Store) closeReplica() {
	if s.replica == nil {
		return
	}
	s.replica.stop()
	<-s.replica.done
	s.replica.db.Close()
}

// watchReplica samples the primary's position and checks the replica every interval.
func (s *Store) watchReplica(ctx context.Context) {
	defer close(s.replica.done)
	tick := time.NewTicker(s.replica.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.checkReplica(ctx)
		}
	}
}

// checkReplica takes one sample of the primary's position and the replica's state.
func (s *Store) checkReplica(ctx context.Context) {
	r := s.replica
	ctx, cancel := context.WithTimeout(ctx, replicaCheckTimeout)
	defer cancel()
	var primary int64
	if err := s.db.QueryRowContext(ctx, insertPositionSQL).Scan(&primary); err == nil {
		r.mu.Lock()
		r.samples = append(r.samples, lsnSample{time.Now(), primary})
		if len(r.samples) > maxLSNSamples {
			r.samples = r.samples[len(r.samples)-maxLSNSamples:]
		}
		r.mu.Unlock()
	}
	state, lag, replay := r.judge(ctx, r.db, 0)
	r.mu.Lock()
	r.status = ReplicaStatus{State: state, Lag: lag, CheckedAt: time.Now()}
	r.forget(replay)
	r.mu.Unlock()
}

// judge asks q (the replica) for its replay position and says whether a read that must see
// position wrote may go there, how far behind it is and the position it has replayed.
func (r *replica) judge(ctx context.Context, q querier, wrote int64) (string, time.Duration, int64) {
	var (
		standby bool
		replay  int64
	)
	if err := q.QueryRowContext(ctx, replayPositionSQL).Scan(&standby, &replay); err != nil {
		return ReadReplicaDown, 0, 0
	}
	if !standby {
		return ReadNotAStandby, 0, 0
	}
	r.mu.Lock()
	lag := r.lagAt(replay, time.Now())
	r.mu.Unlock()
	switch {
	case lag > r.maxLag:
		return ReadReplicaLagging, lag, replay
	case replay < wrote:
		return ReadOwnWrites, lag, replay
	}
	return ReadOnReplica, lag, replay
}

// lagAt is how long a replica that has replayed up to position replay has been missing
// WAL that the primary had: since the first sample above replay, or 0. r.mu is held.
func (r *replica) lagAt(replay int64, now time.Time) time.Duration {
	for _, sm := range r.samples {
		if sm.lsn > replay {
			return now.Sub(sm.at)
		}
	}
	return 0
}

// forget drops the samples that a replica at position replay has replayed: lagAt never
// needs them again. r.mu is held.
func (r *replica) forget(replay int64) {
	i := 0
	for i < len(r.samples) && r.samples[i].lsn <= replay {
		i++
	}
	r.samples = r.samples[i:]
}

// HasReadReplica reports whether heavy reads may go to a read replica.
func (s *Store) HasReadReplica() bool { return s.replica != nil }

// ReadReplica returns what the watcher last learnt of the read replica, and false when
// there is none.
func (s *Store) ReadReplica() (ReplicaStatus, bool) {
	if s.replica == nil {
		return ReplicaStatus{}, false
	}
	s.replica.mu.Lock()
	defer s.replica.mu.Unlock()
	return s.replica.status, true
}

// ReplicaReads returns how many heavy reads went where, by reason (ReadOnReplica, ...).
func (s *Store) ReplicaReads() map[string]int64 {
	out := make(map[string]int64, readReasons)
	if s.replica == nil {
		return out
	}
	for i, name := range readReasonNames {
		out[name] = s.replica.reads[i].Load()
	}
	return out
}

// ReadDB is the read replica's connection pool, or nil; for metrics.
func (s *Store) ReadDB() *sql.DB {
	if s.replica == nil {
		return nil
	}
	return s.replica.db
}

// HeavyRead returns ctx for the store calls of a heavy read (a list, a search): they go to
// the read replica when it answers, has replayed position wrote (the session's last write,
// 0 for none) and is not lagging, and to the primary otherwise. It says where they go.
func (s *Store) HeavyRead(ctx context.Context, wrote int64) (context.Context, string) {
	r := s.replica
	if r == nil {
		return ctx, ""
	}
	where := ReadReplicaDown
	// A replica found down waits for the watcher to see it answer again, so that reads do
	// not each wait for a connection to a host that is gone.
	if st, _ := s.ReadReplica(); st.State != ReadReplicaDown {
		checkCtx, cancel := context.WithTimeout(ctx, min(s.timeout, replicaCheckTimeout))
		where, _, _ = r.judge(checkCtx, r.db, wrote)
		cancel()
		if where == ReadReplicaDown {
			r.mu.Lock()
			r.status = ReplicaStatus{State: ReadReplicaDown, CheckedAt: time.Now()}
			r.mu.Unlock()
		}
	}
	for i, name := range readReasonNames {
		if name == where {
			r.reads[i].Add(1)
		}
	}
	if where != ReadOnReplica {
		return ctx, where
	}
	return context.WithValue(ctx, readerKey{}, r.db), where
}

// reader is where a read runs: the replica when ctx came from HeavyRead and chose it,
// else the primary.
func (s *Store) reader(ctx context.Context) querier {
	if db, ok := ctx.Value(readerKey{}).(*sql.DB); ok {
		return db
	}
	return s.db
}

// MarkWritten records in the session's row the primary's WAL position after the session's
// latest write, so that its next heavy read, on any HMS replica, waits for a replica that
// has replayed it (or uses the primary). It does nothing without a read replica.
func (s *Store) MarkWritten(ctx context.Context, sessionID string) error {
	if s.replica == nil || sessionID == "" {
		return nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, `UPDATE auth_session SET wrote_lsn = (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint WHERE id = $1`, sessionID); err != nil {
		return fmt.Errorf("store: mark the session's write: %w", err)
	}
	return nil
}
