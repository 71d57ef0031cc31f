package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// SQLite has no timestamp type: HMS stores UTC text of fixed width, so that text order is time order.
func (sqliteDialect) timeArg(t time.Time) any {
	return t.UTC().Format(sqliteTimeLayout)
}

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

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) timeArg(t time.Time) any { return t.UTC() }

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
	for _, layout := range []string{sqliteTimeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse timestamp %q", s)
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
