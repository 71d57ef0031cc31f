package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Hit counts one request against key in the fixed window that contains now and returns
// the count so far in that window. The counter lives in the database, so every replica
// shares it.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var hits int
	err := s.db.QueryRowContext(ctx, `INSERT INTO rate_limit (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN rate_limit.window_start = excluded.window_start THEN rate_limit.hits + 1 ELSE 1 END,
			window_start = excluded.window_start
		RETURNING hits`, key, s.dialect.timeArg(now.Truncate(window))).Scan(&hits)
	if err != nil {
		return 0, fmt.Errorf("store: count request: %w", err)
	}
	return hits, nil
}

// LockedUntil returns when the lockout of email ends, or the zero time when it is not locked at now.
func (s *Store) LockedUntil(ctx context.Context, email string, now time.Time) (time.Time, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var until dbTime
	err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM login_failure WHERE email = $1`, strings.ToLower(email)).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !until.After(now)) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: read lockout: %w", err)
	}
	return until.Time, nil
}

// LoginFailure records a failed sign-in for email (whether or not a user has it) and its
// audit event. The maxFailures-th failure within lockFor locks the email until now+lockFor,
// which it returns; otherwise it returns the zero time.
func (s *Store) LoginFailure(ctx context.Context, email string, user *domain.User, now time.Time, maxFailures int, lockFor time.Duration) (time.Time, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var locked time.Time
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var failures int
		err := tx.QueryRowContext(ctx, `INSERT INTO login_failure (email, failures, updated_at) VALUES ($1, 1, $2)
			ON CONFLICT (email) DO UPDATE SET
				failures = CASE WHEN login_failure.updated_at < $3 THEN 1 ELSE login_failure.failures + 1 END,
				updated_at = excluded.updated_at
			RETURNING failures`, strings.ToLower(email), s.dialect.timeArg(now), s.dialect.timeArg(now.Add(-lockFor))).Scan(&failures)
		if err != nil {
			return err
		}
		if failures >= maxFailures {
			locked = now.Add(lockFor)
			if _, err := tx.ExecContext(ctx, `UPDATE login_failure SET failures = 0, locked_until = $1 WHERE email = $2`,
				s.dialect.timeArg(locked), strings.ToLower(email)); err != nil {
				return err
			}
		}
		e := Event{Action: domain.ActionLoginFailed, Outcome: domain.OutcomeFailure}
		if user != nil {
			e.ResourceType, e.ResourceID, e.UserID, e.Role = domain.ResourceUser, user.ID, user.ID, user.Role
		}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: record failed sign-in: %w", err)
	}
	return locked, nil
}

// Housekeep deletes request counters and failed sign-ins older than before, and refresh
// tokens that expired before it.
func (s *Store) Housekeep(ctx context.Context, before time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	t := s.dialect.timeArg(before)
	for _, q := range []string{
		`DELETE FROM rate_limit WHERE window_start < $1`,
		`DELETE FROM login_failure WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)`,
		`DELETE FROM refresh_token WHERE expires_at < $1`,
	} {
		if _, err := s.db.ExecContext(ctx, q, t); err != nil {
			return fmt.Errorf("store: housekeeping: %w", err)
		}
	}
	return nil
}
