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

// LoginAttempt is a sign-in attempt that holds one of its email's slots (ReserveLogin)
// while its password is checked. LoginFailed turns the slot into a failure; NewSession
// gives it back; ReleaseLogin gives it back when the password was never checked.
type LoginAttempt struct {
	// LockedUntil is when the email's lock ends, when the slot was refused because of one.
	LockedUntil    time.Time
	email          string
	failuresBefore int // failures already recorded when the slot was taken
}

// Granted reports whether the attempt holds a slot: its password may be checked.
func (a LoginAttempt) Granted() bool { return a.email != "" }

// ReserveLogin takes one of email's maxFailures slots for a password check, before the
// check, in one statement: so concurrent attempts and replicas cannot check more passwords
// than the lockout allows, however they interleave. It takes none (the attempt is not
// Granted) while the email is locked (then LockedUntil says until when) or its failures
// and attempts in flight fill every slot. Failures lapse when a lock ends, or after
// lockFor without an attempt.
func (s *Store) ReserveLogin(ctx context.Context, email string, now time.Time, maxFailures int, lockFor time.Duration) (LoginAttempt, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	email = strings.ToLower(email)
	// A row is stale when its lock has ended, or, unlocked, when nothing happened for lockFor:
	// its failures no longer count. The WHERE refuses the slot (no row comes back) while
	// the email is locked or full.
	const stale = `((login_failure.locked_until IS NOT NULL AND login_failure.locked_until <= $2)
		OR (login_failure.locked_until IS NULL AND login_failure.updated_at < $3))`
	var a LoginAttempt
	err := s.db.QueryRowContext(ctx, `INSERT INTO login_failure (email, failures, in_flight, updated_at) VALUES ($1, 0, 1, $2)
		ON CONFLICT (email) DO UPDATE SET
			failures = CASE WHEN `+stale+` THEN 0 ELSE login_failure.failures END,
			in_flight = CASE WHEN `+stale+` THEN 1 ELSE login_failure.in_flight + 1 END,
			locked_until = CASE WHEN `+stale+` THEN NULL ELSE login_failure.locked_until END,
			updated_at = excluded.updated_at
		WHERE `+stale+` OR (login_failure.locked_until IS NULL AND login_failure.failures + login_failure.in_flight < $4)
		RETURNING failures`, email, s.dialect.timeArg(now), s.dialect.timeArg(now.Add(-lockFor)), maxFailures).Scan(&a.failuresBefore)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var until dbTime
		err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM login_failure WHERE email = $1`, email).Scan(&until)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return a, fmt.Errorf("store: read lockout: %w", err)
		}
		if until.After(now) {
			a.LockedUntil = until.Time
		}
		return a, nil
	case err != nil:
		return a, fmt.Errorf("store: reserve sign-in attempt: %w", err)
	}
	a.email = email
	return a, nil
}

// LoginFailed records that the password of attempt a was wrong (or its user unknown or
// inactive) and its audit event: the slot becomes a failure, and the failure that brings
// them to maxFailures locks the email until now+lockFor, which it returns; otherwise it
// returns the zero time.
func (s *Store) LoginFailed(ctx context.Context, a LoginAttempt, user *domain.User, now time.Time, maxFailures int, lockFor time.Duration) (time.Time, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var locked dbTime
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// An upsert, not an UPDATE: housekeeping may have removed the row meanwhile.
		err := tx.QueryRowContext(ctx, `INSERT INTO login_failure (email, failures, in_flight, updated_at) VALUES ($1, 1, 0, $2)
			ON CONFLICT (email) DO UPDATE SET
				failures = login_failure.failures + 1,
				in_flight = CASE WHEN login_failure.in_flight > 0 THEN login_failure.in_flight - 1 ELSE 0 END,
				locked_until = CASE WHEN login_failure.failures + 1 >= $3 THEN $4 ELSE login_failure.locked_until END,
				updated_at = excluded.updated_at
			RETURNING locked_until`, a.email, s.dialect.timeArg(now), maxFailures, s.dialect.timeArg(now.Add(lockFor))).Scan(&locked)
		if err != nil {
			return err
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
	if !locked.After(now) {
		return time.Time{}, nil
	}
	return locked.Time, nil
}

// ReleaseLogin gives back the slot of an attempt whose password was never checked (no
// hashing slot was free, or the store failed): it is neither a failure nor a success.
func (s *Store) ReleaseLogin(ctx context.Context, a LoginAttempt) error {
	return s.endAttempt(ctx, a, false)
}

// PasswordVerified gives back the slot of an attempt whose password was right outside a
// sign-in (a password change), with the failures recorded before it, as NewSession does.
func (s *Store) PasswordVerified(ctx context.Context, a LoginAttempt) error {
	return s.endAttempt(ctx, a, true)
}

func (s *Store) endAttempt(ctx context.Context, a LoginAttempt, verified bool) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if err := s.releaseLogin(ctx, s.db, a, verified); err != nil {
		return fmt.Errorf("store: release sign-in attempt: %w", err)
	}
	return nil
}

// releaseLogin gives back the slot of a; after a right password (verified) it also clears
// the failures that were recorded before a took its slot. Those of attempts that overlapped
// it stay: a sign-in racing a guesser never hands the guesser more tries.
func (s *Store) releaseLogin(ctx context.Context, q querier, a LoginAttempt, verified bool) error {
	if a.email == "" {
		return nil
	}
	clear := 0
	if verified {
		clear = a.failuresBefore
	}
	_, err := q.ExecContext(ctx, `UPDATE login_failure SET
			in_flight = CASE WHEN in_flight > 0 THEN in_flight - 1 ELSE 0 END,
			failures = CASE WHEN failures > $2 THEN failures - $2 ELSE 0 END
		WHERE email = $1`, a.email, clear)
	return err
}

// Housekeep deletes request counters and failed sign-ins older than before, refresh tokens
// that expired before it, and the sessions that ended before it or have no refresh token left.
func (s *Store) Housekeep(ctx context.Context, before time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	t := s.dialect.timeArg(before)
	for _, q := range []string{
		`DELETE FROM rate_limit WHERE window_start < $1`,
		`DELETE FROM login_failure WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)`,
		`DELETE FROM refresh_token WHERE expires_at < $1`,
		// A session ended before, or with no refresh token left (they all expired), can never
		// be used again; its sign-in stays on record in the audit trail.
		`DELETE FROM auth_session WHERE created_at < $1 AND ((revoked_at IS NOT NULL AND revoked_at < $1)
			OR NOT EXISTS (SELECT 1 FROM refresh_token r WHERE r.session_id = auth_session.id))`,
	} {
		if _, err := s.db.ExecContext(ctx, q, t); err != nil {
			return fmt.Errorf("store: housekeeping: %w", err)
		}
	}
	return nil
}
