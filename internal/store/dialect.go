package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hms-project/hms/internal/domain"
)

// dialect holds what differs between SQLite and PostgreSQL.
type dialect interface {
	name() string
	// timeArg converts a timestamp into the value the driver should store.
	timeArg(t time.Time) any
	isUniqueViolation(err error) bool
	isForeignKeyViolation(err error) bool
	// isExclusionViolation reports a broken exclusion constraint: a double booking that
	// a concurrent transaction won on PostgreSQL. SQLite has none; its write
	// transactions are serialised instead.
	isExclusionViolation(err error) bool
	// lockRows is the clause that locks the rows of table alias a that a SELECT reads,
	// for the rest of the transaction ("" on SQLite, whose write transactions hold the
	// whole database from BEGIN IMMEDIATE).
	lockRows(alias string) string
	// shareRows is the clause that keeps the rows a SELECT reads from changing until
	// the transaction ends, while letting other readers share them.
	shareRows() string
	// chainLock is a query of one boolean, with the lock's key as $1, that takes the lock
	// under which the audit chain is sealed or purged until the transaction ends: true when
	// taken. With wait it waits for a holder to finish; without, it answers false at once.
	// "" on SQLite, whose write transactions are serialised anyway.
	chainLock(wait bool) string
	// claimRows is the clause that makes transactions which read the same row with it
	// take turns, without blocking plain reads or the foreign-key checks of inserts
	// that reference the row.
	claimRows() string
	// patientSearch returns the condition of the patient search q: a case-insensitive
	// substring match on name, email, phone or MRN. arg adds a query argument and returns
	// its placeholder.
	patientSearch(q string, arg func(any) string) string
	// firstMatches returns a query of one row: how many of the first n rows of query
	// (which selects the column id) there are, and the highest id among them. narrowed
	// says that query has conditions an index may answer better than the id order.
	firstMatches(query, id string, n int, narrowed bool) string
	// planPerValue marks a query's arguments so that the database plans it for these
	// values instead of reusing a plan made for any value.
	planPerValue(args []any) []any
	// storedTime is the select expression of a date or timestamp column that dbDate or
	// dbTime scans.
	storedTime(column string) string
	// sessionNotice is a query of one row that notifies channel $1 with payload $2 when the
	// transaction commits and counts the connections whose application_name is $3: the
	// listeners of the session cache on every replica (see sessionCache). "" on SQLite,
	// where one process serves the database and empties its own cache.
	sessionNotice() string
	// writableCTEs reports whether a WITH may hold an INSERT, so that a row and its audit
	// event go in one statement (SQLite's WITH holds SELECTs only).
	writableCTEs() bool
	// writableQuery is a query of one boolean: whether the server takes writes (on
	// PostgreSQL, a primary that is not read-only; see Ping).
	writableQuery() string
	// jobDriver is River's driver of the job queue for this database (see queue.go).
	jobDriver(db *sql.DB) riverdriver.Driver[*sql.Tx]
	// auditRuns is how many batched inserts of audit events may run at a time (see Open).
	auditRuns() int
	// numberedParams says that a statement of many rows takes numbered parameters ($1, $2, …)
	// rather than anonymous ones (?), see multiRowInsert.
	numberedParams() bool
	// reserveIDs hands out n new ids of table, so that rows can be written with their final
	// ids (and what derives from them) in one go.
	reserveIDs(ctx context.Context, q querier, table string, n int) ([]int64, error)
	// drawnID is a query of the id that the last insert into table drew in this session
	// when the database derives a generated MRN from it in the insert itself (the trigger
	// patient_mrn_default); "" when HMS reserves the id first (see insertPatient).
	drawnID(table string) string
	// bulkLoad writes the rows that build returns (having read through q, such as the ids
	// it reserves) into table, all or none.
	bulkLoad(ctx context.Context, db *sql.DB, table string, cols []string, build func(q querier) ([][]any, error)) error
	// bulkDateArg converts YYYY-MM-DD into what bulkLoad writes to a date column.
	bulkDateArg(d string) (any, error)
	// afterBulkLoad is the statement that brings the planner's statistics and the indexes
	// up to date after a bulk load, or "".
	afterBulkLoad() string
	// goose is the dialect of the migrations and the provider's options.
	goose() (goose.Dialect, []goose.ProviderOption, error)
	// lockMigrations waits for the lock under which one process at a time applies HMS's
	// migrations and then River's, and returns its release.
	lockMigrations(ctx context.Context, db *sql.DB) (release func(), err error)
}

// patientLike is the search in plain SQL, the same on both databases. Without an index
// it reads every patient; each dialect puts an index in front of it.
func patientLike(q string, arg func(any) string) string {
	return patientLikePattern(arg(likePattern(q)))
}

// patientLikePattern is patientLike for the placeholder p of a pattern already added.
func patientLikePattern(p string) string {
	return "(lower(name) LIKE " + p + ` ESCAPE '\' OR email LIKE ` + p + ` ESCAPE '\' OR phone LIKE ` + p +
		` ESCAPE '\' OR lower(mrn) LIKE ` + p + ` ESCAPE '\')`
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) jobDriver(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riversqlite.New(db) }

// SQLite has no timestamp type: HMS stores UTC text of fixed width, so that text order is time order.
func (sqliteDialect) timeArg(t time.Time) any {
	return t.UTC().Format(sqliteTimeLayout)
}

func (sqliteDialect) writableQuery() string { return `SELECT true` }

func (sqliteDialect) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func (sqliteDialect) isForeignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func (sqliteDialect) isExclusionViolation(error) bool { return false }
func (sqliteDialect) lockRows(string) string          { return "" }
func (sqliteDialect) shareRows() string               { return "" }
func (sqliteDialect) claimRows() string               { return "" }
func (sqliteDialect) chainLock(bool) string           { return "" }

// SQLite finds the candidates in the trigram index patient_search (FTS5), which needs at
// least three characters, and keeps those that the LIKE match accepts, so that the result
// is exactly what the plain search gives (SQLite's lower() folds only ASCII letters).
func (sqliteDialect) patientSearch(q string, arg func(any) string) string {
	if utf8.RuneCountInString(q) < 3 {
		return patientLike(q, arg)
	}
	phrase := `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
	return "id IN (SELECT rowid FROM patient_search WHERE patient_search MATCH " + arg(phrase) + ") AND " + patientLike(q, arg)
}

// SQLite reads the matches in id order and stops after n: the primary key or the
// search index's rowid order hands them over sorted.
func (sqliteDialect) firstMatches(query, id string, n int, _ bool) string {
	return firstMatchesInOrder(query, id, n)
}

// firstMatchesInOrder reads the first n rows of query in id order.
func firstMatchesInOrder(query, id string, n int) string {
	return `SELECT count(*), coalesce(max(id), 0) FROM (` + query + ` ORDER BY ` + id + ` LIMIT ` + strconv.Itoa(n) + `) first`
}

// SQLite has one writer: a second batch of audit events would only wait for the first.
func (sqliteDialect) auditRuns() int { return 1 }

func (sqliteDialect) sessionNotice() string { return "" }

func (sqliteDialect) writableCTEs() bool { return false }

// Binding numbered $N parameters looks each name up in a list, which makes a statement with
// thousands of them quadratic on SQLite.
func (sqliteDialect) numberedParams() bool { return false }

// On SQLite q must be a write transaction: it holds the database's write lock, so the ids
// after the table's AUTOINCREMENT counter stay free until it commits.
func (sqliteDialect) reserveIDs(ctx context.Context, q querier, table string, n int) ([]int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = $1), 0)`, table).Scan(&last)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, n)
	for i := 1; i <= n; i++ {
		ids = append(ids, last+int64(i))
	}
	return ids, nil
}

// SQLite reads the id from the AUTOINCREMENT counter inside the write transaction, which
// costs no round trip.
func (sqliteDialect) drawnID(string) string { return "" }

// SQLite writes the rows in multi-row INSERTs in one write transaction, which also holds
// the ids that build reserves.
func (sqliteDialect) bulkLoad(ctx context.Context, db *sql.DB, table string, cols []string, build func(q querier) ([][]any, error)) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		rows, err := build(tx)
		if err != nil {
			return err
		}
		return insertRows(ctx, tx, table, cols, rows)
	})
}

// SQLite stores the date's text.
func (sqliteDialect) bulkDateArg(d string) (any, error) { return d, nil }

func (sqliteDialect) afterBulkLoad() string { return "" }

func (sqliteDialect) goose() (goose.Dialect, []goose.ProviderOption, error) {
	return goose.DialectSQLite3, nil, nil
}

// sqliteMigrations serialises the migrations of the stores of one process. A SQLite file
// belongs to one HMS process: replicas need PostgreSQL.
var sqliteMigrations sync.Mutex

func (sqliteDialect) lockMigrations(context.Context, *sql.DB) (func(), error) {
	sqliteMigrations.Lock()
	return sqliteMigrations.Unlock, nil
}

// SQLite plans every statement with its values in view.
func (sqliteDialect) planPerValue(args []any) []any { return args }

// modernc's driver turns the text of a column declared DATE or TIMESTAMP into a time.Time
// by trying up to nine layouts with time.Parse, the first of which never fits what HMS
// writes: two parses and a discarded error per value. The cast hides the declared type, so
// the text arrives as it is stored and dbTime reads HMS's one layout directly.
func (sqliteDialect) storedTime(column string) string { return "CAST(" + column + " AS TEXT)" }

type postgresDialect struct{}

// pgx prepares and caches every statement, and PostgreSQL switches a prepared statement to
// a generic plan after five runs when that looks no dearer. For a search the generic plan
// walks the primary key and filters, as if every term were common: half a second for a
// term that matches nobody among a million patients. An unnamed statement (pgx's exec
// mode) is planned for the term it carries.
func (postgresDialect) planPerValue(args []any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// PostgreSQL plans "the first n in id order" as a walk of the primary key that filters
// every row until n match, which for a search matching 1 % of a million patients reads
// 100,000 rows. A materialised CTE is planned for all its rows (a bitmap scan of the
// search indexes) and produced only as far as the outer LIMIT reads it, in storage order.
// Without such conditions (the plain list) the walk of the primary key is the cheapest
// plan, and the CTE only adds its tuple store: half the time of the count.
func (postgresDialect) firstMatches(query, id string, n int, narrowed bool) string {
	if !narrowed {
		return firstMatchesInOrder(query, id, n)
	}
	return `WITH matches AS MATERIALIZED (` + query + `) SELECT count(*), coalesce(max(id), 0) FROM (SELECT id FROM matches LIMIT ` +
		strconv.Itoa(n) + `) first`
}

// PostgreSQL matches the term against search_text (migration 00007): lower(name), email,
// phone and lower(mrn) joined by searchTextSeparator, with one trigram GIN index. One LIKE
// per row costs a third of the four of the plain search, whether the planner walks the
// primary key (a common term) or takes the index's bitmap (a rarer one). A term without the
// separator cannot match across two values, so the result is the plain search's. A term
// with it could, so the plain search decides; search_text holds each of the four values,
// so whatever the plain search matches, search_text matches too, and its index narrows.
func (postgresDialect) patientSearch(q string, arg func(any) string) string {
	p := arg(likePattern(q))
	text := "search_text LIKE " + p + ` ESCAPE '\'`
	if strings.Contains(q, searchTextSeparator) {
		return text + " AND " + patientLikePattern(p)
	}
	return text
}

// searchTextSeparator separates the values in patient.search_text on PostgreSQL.
const searchTextSeparator = "\x1f"

func (postgresDialect) name() string { return "postgres" }

// jobDriver is River's database/sql driver: HMS talks to PostgreSQL through pgx's
// database/sql adapter, so the queue's inserts join HMS's own transactions.
func (postgresDialect) jobDriver(db *sql.DB) riverdriver.Driver[*sql.Tx] {
	return riverdatabasesql.New(db)
}

// On a durable PostgreSQL, more runs at a time mean smaller batches and more commits.
func (postgresDialect) auditRuns() int { return 2 }

func (postgresDialect) writableCTEs() bool { return true }

func (postgresDialect) sessionNotice() string {
	return `SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name = $3 AND datname = current_database())
		FROM (SELECT pg_notify($1, $2)) AS n`
}

func (postgresDialect) numberedParams() bool { return true }

// PostgreSQL's ids come from the identity sequence, like any insert's, so concurrent writers
// cannot collide with them.
func (postgresDialect) reserveIDs(ctx context.Context, q querier, table string, n int) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// On PostgreSQL the id comes from the identity default and the trigger patient_mrn_default
// (migration 00005) derives the MRN from it: the common case is one statement.
func (postgresDialect) drawnID(table string) string {
	return `SELECT currval(pg_get_serial_sequence('` + table + `', 'id'))`
}

// PostgreSQL writes the rows in one COPY, a single statement and so atomic.
func (postgresDialect) bulkLoad(ctx context.Context, db *sql.DB, table string, cols []string, build func(q querier) ([][]any, error)) error {
	rows, err := build(db)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		_, err := driverConn.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}

// COPY's binary format needs a time.Time for a date.
func (postgresDialect) bulkDateArg(d string) (any, error) {
	t, ok := domain.ParseDate(d)
	if !ok {
		return nil, fmt.Errorf("store: bulk insert: %q is not a date", d)
	}
	return t, nil
}

// Without it, the first minutes of searches scan the GIN indexes' pending lists (every
// trigram COPY added, unsorted) and plans rest on no statistics at all.
func (postgresDialect) afterBulkLoad() string {
	return `VACUUM (ANALYZE) patient, appointment, appointment_status_history, medical_record, medical_record_version`
}

// On PostgreSQL the provider takes an advisory lock, so replicas that start together
// migrate one after the other.
func (postgresDialect) goose() (goose.Dialect, []goose.ProviderOption, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return "", nil, err
	}
	return goose.DialectPostgres, []goose.ProviderOption{goose.WithSessionLocker(locker)}, nil
}

// migrationLockKey is the key of the advisory lock that MigrateUp holds on PostgreSQL. It
// differs from goose's own, which MigrateUp takes inside it and releases before River's
// migrations run.
const migrationLockKey = 0x686d732d6d696772 // "hms-migr"

// On PostgreSQL the lock is a session advisory lock of one connection, kept until release
// or until that connection is lost.
func (postgresDialect) lockMigrations(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockKey)); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLockKey))
		conn.Close()
	}, nil
}

// pgx decodes dates and timestamps from PostgreSQL's binary format.
func (postgresDialect) storedTime(column string) string { return column }

func (postgresDialect) timeArg(t time.Time) any { return t.UTC() }

// A standby is in recovery; a promoted node stays read-only (default_transaction_read_only)
// while pg_auto_failover waits for the old primary to be fenced.
func (postgresDialect) writableQuery() string {
	return `SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'`
}

func (postgresDialect) isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgresDialect) isForeignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}

func (postgresDialect) isExclusionViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23P01"
}

func (postgresDialect) lockRows(alias string) string { return " FOR UPDATE OF " + alias }
func (postgresDialect) shareRows() string            { return " FOR SHARE" }
func (postgresDialect) claimRows() string            { return " FOR NO KEY UPDATE" }

func (postgresDialect) chainLock(wait bool) string {
	if wait {
		return `SELECT true FROM pg_advisory_xact_lock($1)`
	}
	return `SELECT pg_try_advisory_xact_lock($1)`
}

const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// dbTime scans a timestamp from either database: PostgreSQL returns time.Time, SQLite text.
type dbTime struct{ time.Time }

func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		t.Time = x.UTC()
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	case nil:
		t.Time = time.Time{}
		return nil
	}
	return fmt.Errorf("store: cannot scan %T into a timestamp", v)
}

func (t *dbTime) parse(s string) error {
	if p, ok := parseSQLiteTime(s); ok {
		t.Time = p
		return nil
	}
	// As the driver does, a final Z also means UTC in a layout without a zone.
	for _, v := range []string{s, strings.TrimSuffix(s, "Z")} {
		for _, layout := range timeLayouts {
			if p, err := time.Parse(layout, v); err == nil {
				t.Time = p.UTC()
				return nil
			}
		}
	}
	return fmt.Errorf("store: cannot parse timestamp %q", s)
}

// timeLayouts are the forms of a timestamp in SQLite that dbTime reads besides HMS's own
// (sqliteTimeLayout): those of SQLite's date functions and those modernc's driver writes
// for a time.Time argument, without a zone meaning UTC.
var timeLayouts = []string{
	sqliteTimeLayout, // with fewer digits than parseSQLiteTime requires
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

// parseSQLiteTime reads a timestamp in sqliteTimeLayout (2006-01-02T15:04:05.000000Z),
// the only form HMS writes, without the generality of time.Parse.
func parseSQLiteTime(s string) (time.Time, bool) {
	if len(s) != len(sqliteTimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	micro, ok7 := num(20, 26)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !ok7 || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, micro*1000, time.UTC), true
}

// daysIn is the number of days of month in year.
func daysIn(month time.Month, year int) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dbDate scans a calendar date into YYYY-MM-DD from either database.
type dbDate string

func (d *dbDate) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d = dbDate(x.Format("2006-01-02"))
	case string:
		*d = dbDate(firstN(x, 10))
	case []byte:
		*d = dbDate(firstN(string(x), 10))
	default:
		return fmt.Errorf("store: cannot scan %T into a date", v)
	}
	return nil
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
