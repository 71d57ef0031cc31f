// Package store keeps HMS's data in SQLite or PostgreSQL. The SQL is shared; the few
// differences between the two databases live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

//go:embed migrations
var migrationFiles embed.FS

// Options configures Open.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or postgresql://.
	// When empty, HMS uses the SQLite file hms.db in DataDir.
	DatabaseURL  string
	DataDir      string
	MaxOpenConns int
	MaxIdleConns int
	// Timeout bounds each store call: waiting for a connection plus running the queries.
	Timeout time.Duration
	// Logger receives what the store reports on its own (the session cache's listener);
	// nil: slog.Default().
	Logger *slog.Logger
	// ReadURL names a streaming replica of DatabaseURL (PostgreSQL) for the heavy reads;
	// empty: every read uses DatabaseURL (see replica.go).
	ReadURL string
	// ReadMaxLag is how far behind the primary the replica may be and still serve reads
	// (5s when zero).
	ReadMaxLag time.Duration
	// ReplicaCheckInterval is how often the replica's lag is measured (500ms when zero).
	ReplicaCheckInterval time.Duration
}

// Store is HMS's data access layer. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect
	timeout time.Duration
	// audits inserts the events of concurrent reads together (see Audit).
	audits *batcher[auditRow, struct{}]
	// sessions looks up the sessions of concurrent requests together (see Session).
	sessions *batcher[string, sessionRow]
	// sessionCache keeps the sessions read a moment ago (see Session); on PostgreSQL a
	// listener, which stopListening ends, empties it when another replica changes one.
	sessionCache  *sessionCache
	stopListening context.CancelFunc
	listenDone    chan struct{}
	// notices, when set, makes appointment changes queue messages (see SetNoticePolicy).
	notices *NoticePolicy
	// replica, when set, serves the heavy reads (see replica.go).
	replica *replica
}

// Open connects to the database that opts names and checks that it answers.
func Open(ctx context.Context, opts Options) (*Store, error) {
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	switch {
	case opts.DatabaseURL == "":
		d = sqliteDialect{}
		db, err = openSQLite(opts.DataDir)
	case strings.HasPrefix(opts.DatabaseURL, "postgres://"), strings.HasPrefix(opts.DatabaseURL, "postgresql://"):
		d = postgresDialect{}
		db, err = sql.Open("pgx", opts.DatabaseURL)
		if err == nil {
			// The session cache's listener holds one connection of the process's allowance.
			pool := opts.MaxOpenConns
			if pool > 1 {
				pool--
			}
			db.SetMaxOpenConns(pool)
			db.SetMaxIdleConns(opts.MaxIdleConns)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, errors.New("store: HMS_DATABASE_URL must start with postgres:// or postgresql://")
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", d.name(), err)
	}
	s := &Store{db: db, dialect: d, timeout: opts.Timeout}
	// Two runs of each batcher at a time; on SQLite, which has one writer, one insert of
	// audit events. On a durable PostgreSQL, more runs at a time mean smaller batches and
	// more commits: GET by id at 64 connections served 4,000–5,100 req/s with one or two
	// runs, 3,000–3,400 with eight and 2,400–3,000 unbatched (docs/BENCHMARKS.md).
	auditRuns, sessionRuns := d.auditRuns(), 2
	s.audits = &batcher[auditRow, struct{}]{run: s.insertAudits, max: auditBatch, runs: auditRuns}
	s.sessions = &batcher[string, sessionRow]{run: s.lookupSessions, max: sessionBatch, runs: sessionRuns}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", d.name(), err)
	}
	if err := s.openReplica(ctx, opts); err != nil {
		db.Close()
		return nil, err
	}
	listens := d.sessionNotice() != ""
	s.sessionCache = newSessionCache(!listens)
	if listens {
		log := opts.Logger
		if log == nil {
			log = slog.Default()
		}
		var listenCtx context.Context
		listenCtx, s.stopListening = context.WithCancel(context.Background())
		s.listenDone = make(chan struct{})
		go s.listen(listenCtx, opts.DatabaseURL, log)
	}
	return s, nil
}

// openSQLite opens (creating if needed) dataDir/hms.db with WAL, a busy timeout, foreign
// keys, full fsync and a 64 MiB cap on the WAL file kept after a checkpoint, on every
// connection. Write transactions start with BEGIN IMMEDIATE so that a check and the write
// that depends on it are serialised.
func openSQLite(dataDir string) (*sql.DB, error) {
	if dataDir == "" {
		dataDir = "data"
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	q := url.Values{}
	// secure_delete overwrites erased rows in the file, so that a purged patient's data
	// cannot be read back from free pages.
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)", "secure_delete(1)", "journal_size_limit(67108864)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.ToSlash(filepath.Join(dataDir, "hms.db")) + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name() }

// DB exposes the connection pool for migrations, backups and tests.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the connection pools and ends the session cache's listener.
func (s *Store) Close() error {
	s.closeReplica()
	if s.stopListening != nil {
		s.stopListening()
		<-s.listenDone
	}
	return s.db.Close()
}

// ErrReadOnly is Ping's answer when the database answers but takes no writes: a
// standby, or a node its failover manager has not yet opened for writes.
var ErrReadOnly = errors.New("store: the database answers but takes no writes")

// Ping checks that the database answers and takes writes.
func (s *Store) Ping(ctx context.Context) error {
	var writable bool
	if err := s.db.QueryRowContext(ctx, s.dialect.writableQuery()).Scan(&writable); err != nil {
		return err
	}
	if !writable {
		return ErrReadOnly
	}
	return nil
}

// withTimeout bounds one store call.
//
// The call is detached from the caller's cancellation: a client that hangs up does not
// interrupt a query half-way. pgx interrupts a query by closing its connection, and a
// connection closed that way could reach the next request as "bad connection"; and a
// write that has begun should end in a commit or a rollback, not in between.
func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, s.db, fn)
}

// inTx runs fn in a transaction of db, committing when it returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// storedRow is a row that a write returns: it can tell whether it holds a value that the
// stores or JSON cannot give back as it is (domain.CheckStoredTime).
type storedRow interface{ CheckStored() error }

// writeRow runs a write that returns its row: fn writes and reads the row back inside the
// transaction (RETURNING, or a SELECT after the change). The transaction commits only once
// that read has succeeded and the row passes CheckStored, so a row that cannot be read back
// or answered rolls the write back with the error. Reading the row again after the commit
// would let a failure there answer 500 for a change already made, and leave a row that
// every later read of it fails on.
func writeRow[T storedRow](ctx context.Context, s *Store, fn func(tx *sql.Tx) (T, error)) (T, error) {
	var out T
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		row, err := fn(tx)
		if err != nil {
			return err
		}
		if err := row.CheckStored(); err != nil {
			return fmt.Errorf("the row as written cannot be given back: %w", err)
		}
		out = row
		return nil
	})
	return out, err
}

// querier is what *sql.DB and *sql.Tx have in common, for helpers that run in either.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// actorID is the user id of the request's actor, or NULL when nobody is signed in.
func actorID(ctx context.Context) any {
	if id := domain.ActorFrom(ctx).UserID; id != 0 {
		return id
	}
	return nil
}

// nullableID turns a nullable id column into a pointer.
func nullableID(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

// stale is the error for an If-Match that no longer matches: nothing was written.
func stale(resource string, id, version int64) error {
	return domain.Errorf(domain.CodePrecondition,
		"%s %d has changed since you read it (it is now version %d); read it again and retry", resource, id, version)
}

// migrationsFS returns the migrations of the store's dialect.
func (s *Store) migrationsFS() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations/"+s.dialect.name())
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
