package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// errSessionEnded is what every refused refresh token answers: the client signs in again.
var errSessionEnded = domain.Errorf(domain.CodeUnauthorized, "the session has ended: sign in again")

// NewSession records a successful sign-in of user: a session with its first refresh token
// (stored as its hash), the user's last_login_at, the return of the attempt's slot with the
// failures recorded before it (releaseLogin) and the login event, in one transaction.
func (s *Store) NewSession(ctx context.Context, u domain.User, attempt LoginAttempt, sessionID, refreshHash string, expires, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		t := s.dialect.timeArg(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_session (id, user_id, created_at) VALUES ($1, $2, $3)`, sessionID, u.ID, t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_token (token_hash, session_id, expires_at) VALUES ($1, $2, $3)`,
			refreshHash, sessionID, s.dialect.timeArg(expires)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET last_login_at = $1 WHERE id = $2`, t, u.ID); err != nil {
			return err
		}
		if err := s.releaseLogin(ctx, tx, attempt, true); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionLogin, ResourceType: domain.ResourceUser, ResourceID: u.ID, UserID: u.ID, Role: u.Role})
	})
	if err != nil {
		return fmt.Errorf("store: new session: %w", err)
	}
	return nil
}

// Rotate exchanges a refresh token for a new one in the same session and returns the
// session's user and id. A token that was already used is taken as stolen: its whole
// session is revoked (and audited) and the caller is refused.
func (s *Store) Rotate(ctx context.Context, oldHash, newHash string, expires, now time.Time) (domain.User, string, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		u         domain.User
		sessionID string
		reused    bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			tokenExpires, used, revoked dbTime
			userID                      int64
		)
		err := tx.QueryRowContext(ctx, `SELECT t.session_id, t.expires_at, t.used_at, s.revoked_at, s.user_id
			FROM refresh_token t JOIN auth_session s ON s.id = t.session_id WHERE t.token_hash = $1`, oldHash).
			Scan(&sessionID, &tokenExpires, &used, &revoked, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionEnded
		}
		if err != nil {
			return err
		}
		if u, err = s.user(ctx, tx, userID); err != nil {
			return err
		}
		switch {
		case !revoked.IsZero():
			return errSessionEnded
		case !used.IsZero():
			reused = true
		case !tokenExpires.After(now), !u.Active:
			return errSessionEnded
		}
		if !reused {
			res, err := tx.ExecContext(ctx, `UPDATE refresh_token SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL`, s.dialect.timeArg(now), oldHash)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			reused = n == 0 // another request rotated it first
		}
		if reused {
			if _, err := tx.ExecContext(ctx, `UPDATE auth_session SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.dialect.timeArg(now), sessionID); err != nil {
				return err
			}
			return s.audit(ctx, tx, Event{Action: domain.ActionRefreshReuse, ResourceType: domain.ResourceUser, ResourceID: u.ID,
				Outcome: domain.OutcomeDenied, UserID: u.ID, Role: u.Role})
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_token (token_hash, session_id, expires_at) VALUES ($1, $2, $3)`,
			newHash, sessionID, s.dialect.timeArg(expires)); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionRefresh, ResourceType: domain.ResourceUser, ResourceID: u.ID, UserID: u.ID, Role: u.Role})
	})
	switch {
	case err != nil && domain.ErrorCode(err) != domain.CodeInternal:
		return u, "", err
	case err != nil:
		return u, "", fmt.Errorf("store: rotate refresh token: %w", err)
	case reused:
		return u, "", domain.Errorf(domain.CodeUnauthorized, "this refresh token was already used: the session is revoked, sign in again")
	}
	return u, sessionID, nil
}

// EndSession revokes the session that a refresh token belongs to (sign-out). An unknown
// token is refused; an already ended session is not an error.
func (s *Store) EndSession(ctx context.Context, refreshHash string, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			sessionID string
			userID    int64
			role      string
		)
		err := tx.QueryRowContext(ctx, `SELECT s.id, u.id, u.role FROM refresh_token t JOIN auth_session s ON s.id = t.session_id
			JOIN app_user u ON u.id = s.user_id WHERE t.token_hash = $1`, refreshHash).Scan(&sessionID, &userID, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionEnded
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_session SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.dialect.timeArg(now), sessionID); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionLogout, ResourceType: domain.ResourceUser, ResourceID: userID, UserID: userID, Role: role})
	})
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: end session: %w", err)
	}
	return err
}

// revokeSessions ends every open session of a user except keep.
func (s *Store) revokeSessions(ctx context.Context, q querier, userID int64, keep string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE auth_session SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL`,
		s.dialect.timeArg(now), userID, keep)
	return err
}

// SessionState is what every authenticated request checks about its token's session.
type SessionState struct {
	UserID       int64
	Role         string
	Active       bool
	TokenVersion int64
	Revoked      bool
}

// Session returns the state of a session and its user. The lookups of concurrent
// requests go to the database together, as one query (see batcher); each still starts
// after its request arrived, so it sees every revocation committed before.
func (s *Store) Session(ctx context.Context, sessionID string) (SessionState, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	r, err := s.sessions.do(ctx, sessionID)
	switch {
	case err != nil:
		return SessionState{}, fmt.Errorf("store: get session: %w", err)
	case !r.found:
		return SessionState{}, errSessionEnded
	}
	return r.state, nil
}

// sessionRow is the result of one session lookup.
type sessionRow struct {
	state SessionState
	found bool
}

// sessionBatch is the most sessions one query looks up.
const sessionBatch = 256

// lookupSessions is the run of the store's session batcher: one query for the distinct ids.
func (s *Store) lookupSessions(ctx context.Context, ids []string) ([]sessionRow, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var (
		placeholders []string
		args         []any
		found        = make(map[string]sessionRow, len(ids))
	)
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			found[id] = sessionRow{}
			args = append(args, id)
			placeholders = append(placeholders, "$"+strconv.Itoa(len(args)))
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, u.id, u.role, u.active, u.token_version, s.revoked_at
		FROM auth_session s JOIN app_user u ON u.id = s.user_id WHERE s.id IN (`+strings.Join(placeholders, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id      string
			st      SessionState
			revoked dbTime
		)
		if err := rows.Scan(&id, &st.UserID, &st.Role, &st.Active, &st.TokenVersion, &revoked); err != nil {
			return nil, err
		}
		st.Revoked = !revoked.IsZero()
		found[id] = sessionRow{state: st, found: true}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]sessionRow, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}

// TokenVersion returns the current token version of a user, for issuing access tokens.
func (s *Store) TokenVersion(ctx context.Context, userID int64) (int64, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT token_version FROM app_user WHERE id = $1`, userID).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: get token version: %w", err)
	}
	return v, nil
}
