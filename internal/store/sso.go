package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// PendingSSO is a sign-in sent to the OpenID Connect provider and not yet back: what the
// answer is checked against. Every secret is kept as its SHA-256 hash except the nonce
// and the PKCE verifier, which HMS itself must send or compare.
type PendingSSO struct {
	StateHash   string
	BrowserHash string
	Nonce       string
	Verifier    string
	Expires     time.Time
}

// errSSONotStarted answers a provider's redirect that matches no sign-in in progress.
var errSSONotStarted = domain.Errorf(domain.CodeUnauthorized,
	"this sign-in was not started from this HMS or has expired: start again from the sign-in page")

// BeginSSO records a sign-in sent to the provider. Housekeep removes those that expired
// without coming back.
func (s *Store) BeginSSO(ctx context.Context, p PendingSSO) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO oidc_login (state_hash, browser_hash, nonce, verifier, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		p.StateHash, p.BrowserHash, p.Nonce, p.Verifier, s.dialect.timeArg(p.Expires)); err != nil {
		return fmt.Errorf("store: begin sso sign-in: %w", err)
	}
	return nil
}

// TakeSSO removes and returns the sign-in in progress whose state hashes to stateHash:
// each can come back once. An unknown or expired state is refused.
func (s *Store) TakeSSO(ctx context.Context, stateHash string, now time.Time) (PendingSSO, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	p := PendingSSO{StateHash: stateHash}
	var expires dbTime
	err := s.db.QueryRowContext(ctx, `DELETE FROM oidc_login WHERE state_hash = $1 RETURNING browser_hash, nonce, verifier, expires_at`, stateHash).
		Scan(&p.BrowserHash, &p.Nonce, &p.Verifier, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errSSONotStarted
	}
	if err != nil {
		return p, fmt.Errorf("store: take sso sign-in: %w", err)
	}
	if p.Expires = expires.Time; !p.Expires.After(now) {
		return p, errSSONotStarted
	}
	return p, nil
}

// UserBySubject returns the user linked to a provider account.
func (s *Store) UserBySubject(ctx context.Context, issuer, subject string) (domain.User, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user WHERE oidc_issuer = $1 AND oidc_subject = $2`, issuer, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return u, domain.Errorf(domain.CodeNotFound, "no user is linked to this account of the identity provider")
	}
	if err != nil {
		return u, fmt.Errorf("store: get user by subject: %w", err)
	}
	return u, nil
}

// UserSubject returns the provider account a user is linked to; both empty when none.
func (s *Store) UserSubject(ctx context.Context, id int64) (issuer, subject string, err error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var iss, sub sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT oidc_issuer, oidc_subject FROM app_user WHERE id = $1`, id).Scan(&iss, &sub)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", domain.NotFound("user", id)
	}
	if err != nil {
		return "", "", fmt.Errorf("store: get user subject: %w", err)
	}
	return iss.String, sub.String, nil
}

// SSOHandoff records a sign-in the provider vouched for: the user is linked to the
// provider account (issuer, subject) when not yet, the one-time code that the UI trades
// for tokens is stored as its hash, and the sso_login event is written, in one
// transaction.
func (s *Store) SSOHandoff(ctx context.Context, u domain.User, issuer, subject, codeHash, browserHash string, expires time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET oidc_issuer = $1, oidc_subject = $2 WHERE id = $3 AND oidc_subject IS NULL`,
			issuer, subject, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_handoff (code_hash, browser_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)`,
			codeHash, browserHash, u.ID, s.dialect.timeArg(expires)); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionSSOLogin, ResourceType: domain.ResourceUser, ResourceID: u.ID, UserID: u.ID, Role: u.Role})
	})
	if s.dialect.isUniqueViolation(err) {
		return domain.Errorf(domain.CodeConflict, "another HMS user is already linked to this account of the identity provider")
	}
	if err != nil {
		return fmt.Errorf("store: sso handoff: %w", err)
	}
	return nil
}

// TakeSSOHandoff removes a one-time code and returns the browser it was given to and the
// user it signs in. An unknown, spent or expired code is refused.
func (s *Store) TakeSSOHandoff(ctx context.Context, codeHash string, now time.Time) (browserHash string, userID int64, err error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var expires dbTime
	err = s.db.QueryRowContext(ctx, `DELETE FROM oidc_handoff WHERE code_hash = $1 RETURNING browser_hash, user_id, expires_at`, codeHash).
		Scan(&browserHash, &userID, &expires)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !expires.After(now) {
		return "", 0, domain.Errorf(domain.CodeUnauthorized, "this single sign-on has already been used or has expired: sign in again")
	}
	if err != nil {
		return "", 0, fmt.Errorf("store: take sso handoff: %w", err)
	}
	return browserHash, userID, nil
}
