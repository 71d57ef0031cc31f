package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports whether err says that the database cannot serve right now,
// rather than that the request or HMS is wrong: the server is unreachable, restarting or
// shutting down, the connection broke, the call ran past HMS_DB_TIMEOUT, or the server
// answering is a standby that takes no writes. During a failover every one of these
// clears by itself within seconds, so the client is told to try again (503 with
// Retry-After), never that the server failed.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableSQLState(pgErr.Code)
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, sql.ErrConnDone), errors.Is(err, driver.ErrBadConn):
		return true
	case errors.Is(err, pgconn.ErrConnClosed), pgconn.Timeout(err), pgconn.SafeToRetry(err):
		// A connection that broke under an earlier call, or a call that never reached
		// the server.
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// unavailableSQLState reports the SQLSTATEs of a server that cannot serve right now:
// class 08 (connection exception), 25006 (read-only transaction: a standby, or a
// promoted node that its failover manager keeps read-only until the old primary is
// fenced), 57P01–57P03 (admin or crash shutdown, cannot connect now) and 53300 (too many
// connections, as while clients reconnect to a new primary).
func unavailableSQLState(code string) bool {
	switch code {
	case "25006", "57P01", "57P02", "57P03", "53300":
		return true
	}
	return len(code) == 5 && code[:2] == "08"
}
