package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"standby refuses a write", &pgconn.PgError{Code: "25006"}, true},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"server crashed", &pgconn.PgError{Code: "57P02"}, true},
		{"server starting", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"wrapped SQLSTATE", fmt.Errorf("store: create patient: %w", &pgconn.PgError{Code: "25006"}), true},
		{"connection refused", fmt.Errorf("store: get patient: %w", refused), true},
		{"broken connection", fmt.Errorf("store: list: %w", syscall.ECONNRESET), true},
		{"timeout", fmt.Errorf("store: list: %w", context.DeadlineExceeded), true},
		{"connection done", sql.ErrConnDone, true},
		{"connection closed by an earlier call", fmt.Errorf("store: create patient: %w", pgconn.ErrConnClosed), true},
		{"no rows", sql.ErrNoRows, false},
		{"a bug", errors.New("store: scan: converting NULL to string is unsupported"), false},
	}
	for _, c := range cases {
		if got := IsUnavailable(c.err); got != c.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
