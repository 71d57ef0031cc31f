package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// MFAState is what the sign-in needs to know of a user's second factor.
type MFAState struct {
	// Secret is the TOTP secret (base32): the enrolment's while it is not confirmed.
	Secret    string
	Confirmed bool // the user signs in with a second factor (replays are refused by UseTOTPStep)
	// RecoveryLeft is how many recovery codes are still unused.
	RecoveryLeft int
}

// MFA returns the second factor of a user: the zero state when they have none.
func (s *Store) MFA(ctx context.Context, userID int64) (MFAState, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		st        MFAState
		confirmed dbTime
	)
	err := s.db.QueryRowContext(ctx, `SELECT m.secret, m.confirmed_at,
		(SELECT count(*) FROM mfa_recovery_code c WHERE c.user_id = m.user_id AND c.used_at IS NULL)
		FROM user_mfa m WHERE m.user_id = $1`, userID).Scan(&st.Secret, &confirmed, &st.RecoveryLeft)
	if errors.Is(err, sql.ErrNoRows) {
		return MFAState{}, nil
	}
	if err != nil {
		return MFAState{}, fmt.Errorf("store: get mfa: %w", err)
	}
	st.Confirmed = !confirmed.IsZero()
	return st, nil
}

var errMFAEnrolled = domain.Errorf(domain.CodeConflict,
	"two-factor sign-in is already on for this account: turn it off first (or ask an admin to reset it)")

// StartMFA keeps secret as the user's enrolment in progress, replacing an earlier one that
// was not confirmed. A user whose second factor is confirmed gets a conflict.
func (s *Store) StartMFA(ctx context.Context, userID int64, secret string, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx, `INSERT INTO user_mfa (user_id, secret, last_step, created_at) VALUES ($1, $2, 0, $3)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0, created_at = excluded.created_at
		WHERE user_mfa.confirmed_at IS NULL`, userID, secret, s.dialect.timeArg(now))
	if err != nil {
		return fmt.Errorf("store: start mfa: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errMFAEnrolled
	}
	return nil
}

// ConfirmMFA turns the user's enrolment into their second factor, with step as the last
// time step used (the confirming code's) and recoveryHashes as their recovery codes, and
// records it, in one transaction.
func (s *Store) ConfirmMFA(ctx context.Context, userID, step int64, recoveryHashes []string, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_mfa SET confirmed_at = $1, last_step = $2
			WHERE user_id = $3 AND confirmed_at IS NULL`, s.dialect.timeArg(now), step, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errMFAEnrolled
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_code WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, h := range recoveryHashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_recovery_code (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionMFAEnrol, ResourceType: domain.ResourceUser, ResourceID: userID})
	})
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: confirm mfa: %w", err)
	}
	return err
}

// UseTOTPStep spends time step of the user's confirmed second factor: it reports false
// when that step, or a later one, was already used. One statement, so of two requests
// racing with the same code only one gets true.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx, `UPDATE user_mfa SET last_step = $1
		WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_step < $1`, step, userID)
	if err != nil {
		return false, fmt.Errorf("store: use totp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode spends the user's unused recovery code of hash: false when there is none.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx, `UPDATE mfa_recovery_code SET used_at = $1
		WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`, s.dialect.timeArg(now), userID, hash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RemoveMFA deletes the user's second factor and recovery codes and records action
// (domain.ActionMFADisable by the user, domain.ActionMFAReset by an admin). A reset also
// ends every session of the user and bumps their token version, so whoever holds their
// tokens must sign in again (and every replica forgets the sessions it cached). A user that
// does not exist is not found.
func (s *Store) RemoveMFA(ctx context.Context, userID int64, action string, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var notice *sessionNotice
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.user(ctx, tx, userID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM mfa_recovery_code WHERE user_id = $1`, `DELETE FROM user_mfa WHERE user_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		if action == domain.ActionMFAReset {
			if _, err := tx.ExecContext(ctx, `UPDATE app_user SET token_version = token_version + 1 WHERE id = $1`, userID); err != nil {
				return err
			}
			if err := s.revokeSessions(ctx, tx, userID, "", now); err != nil {
				return err
			}
			var err error
			if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, Event{Action: action, ResourceType: domain.ResourceUser, ResourceID: userID})
	})
	s.sessionsChanged(ctx, notice, err)
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: remove mfa: %w", err)
	}
	return err
}
