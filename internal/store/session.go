package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
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
// (stored as its hash) and the User-Agent and IP address of the context's actor, the
// user's last_login_at, the return of the attempt's slot with the
// failures recorded before it (releaseLogin) and the login event, in one transaction.
func (s *Store) NewSession(ctx context.Context, u domain.User, attempt LoginAttempt, sessionID, refreshHash string, expires, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		t := s.dialect.timeArg(now)
		client := domain.ActorFrom(ctx)
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_session (id, user_id, created_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5)`,
			sessionID, u.ID, t, truncate(client.UserAgent, maxUserAgent), truncate(client.IP, maxSessionIP)); err != nil {
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
		notice    *sessionNotice
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
			if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
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
	s.sessionsChanged(ctx, notice, err)
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
	var notice *sessionNotice
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
		if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionLogout, ResourceType: domain.ResourceUser, ResourceID: userID, UserID: userID, Role: role})
	})
	s.sessionsChanged(ctx, notice, err)
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: end session: %w", err)
	}
	return err
}

// The longest User-Agent and IP address a session keeps (the columns' sizes).
const (
	maxUserAgent = 512
	maxSessionIP = 64
)

// publicSessionID is the id a session is shown and ended by: a hash of its own id, which
// access tokens carry, so that knowing it does not let one pass for the session.
func publicSessionID(id string) string {
	sum := sha256.Sum256([]byte("hms-session:" + id))
	return hex.EncodeToString(sum[:16])
}

// openSessions is the condition of a user's sessions that can still be used: not ended,
// with a refresh token neither spent nor expired ($2: now).
const openSessions = `s.user_id = $1 AND s.revoked_at IS NULL AND EXISTS (SELECT 1 FROM refresh_token o
	WHERE o.session_id = s.id AND o.used_at IS NULL AND o.expires_at > $2)`

// UserSessions returns the open sessions of a user, the newest sign-in first; current
// (a session id) is marked as the caller's own.
func (s *Store) UserSessions(ctx context.Context, userID int64, current string, now time.Time) ([]domain.SignedInSession, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.user_agent, s.ip, s.created_at,
		(SELECT MAX(t.used_at) FROM refresh_token t WHERE t.session_id = s.id)
		FROM auth_session s WHERE `+openSessions+` ORDER BY s.created_at DESC, s.id`, userID, s.dialect.timeArg(now))
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	out := []domain.SignedInSession{}
	for rows.Next() {
		var (
			id, ua, ip        string
			created, lastUsed dbTime
		)
		if err := rows.Scan(&id, &ua, &ip, &created, &lastUsed); err != nil {
			return nil, fmt.Errorf("store: list sessions: %w", err)
		}
		if lastUsed.IsZero() {
			lastUsed = created
		}
		out = append(out, domain.SignedInSession{ID: publicSessionID(id), Device: domain.DeviceName(ua), UserAgent: ua, IP: ip,
			CreatedAt: created.Time, LastUsedAt: lastUsed.Time, Current: id == current})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return out, nil
}

// EndUserSession ends the open session of a user that publicID names, with its access
// and refresh tokens, and records it. A session that is not the user's, or not open,
// answers not found.
func (s *Store) EndUserSession(ctx context.Context, userID int64, publicID string, now time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var notice *sessionNotice
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT s.id FROM auth_session s WHERE `+openSessions, userID, s.dialect.timeArg(now))
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if subtle.ConstantTimeCompare([]byte(publicSessionID(id)), []byte(publicID)) == 1 {
				if _, err := tx.ExecContext(ctx, `UPDATE auth_session SET revoked_at = $1 WHERE id = $2`, s.dialect.timeArg(now), id); err != nil {
					return err
				}
				if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
					return err
				}
				return s.audit(ctx, tx, Event{Action: domain.ActionSessionEnd, ResourceType: domain.ResourceUser, ResourceID: userID})
			}
		}
		return domain.Errorf(domain.CodeNotFound, "no open session of yours has the id %q", publicID)
	})
	s.sessionsChanged(ctx, notice, err)
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: end session: %w", err)
	}
	return err
}

// EndAllSessions ends every session of a user (an admin's decision, audited): their
// access tokens fail at the next request and their refresh tokens are refused. It
// answers how many sessions were open.
func (s *Store) EndAllSessions(ctx context.Context, userID int64, now time.Time) (int, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		n      int64
		notice *sessionNotice
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.user(ctx, tx, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE auth_session SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
			s.dialect.timeArg(now), userID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionSessionEnd, ResourceType: domain.ResourceUser, ResourceID: userID})
	})
	s.sessionsChanged(ctx, notice, err)
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return 0, fmt.Errorf("store: end all sessions: %w", err)
	}
	return int(n), err
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
	// WrotePosition is the primary's WAL position after the session's latest write
	// (MarkWritten), 0 for none: a heavy read of the session must see it.
	WrotePosition int64
}

// Session returns the state of a session and its user: from the session cache when this
// replica read it a moment ago and nothing changed since (see sessionCache), otherwise from
// the database. The lookups of concurrent requests go to the database together, as one
// query (see batcher); each still starts after its request arrived, so it sees every
// revocation committed before.
//
// With a read replica the cache is not used: the session's row also holds the position of
// its last write (MarkWritten, made on any HMS replica), which its next heavy read needs
// as it is now.
func (s *Store) Session(ctx context.Context, sessionID string) (SessionState, error) {
	now := time.Now()
	cached := s.replica == nil
	st, ok, gen := s.sessionCache.get(sessionID, now)
	if ok && cached {
		return st, nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	r, err := s.sessions.do(ctx, sessionID)
	switch {
	case err != nil:
		return SessionState{}, fmt.Errorf("store: get session: %w", err)
	case !r.found:
		return SessionState{}, errSessionEnded
	}
	if cached {
		s.sessionCache.put(sessionID, r.state, gen, now)
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
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, u.id, u.role, u.active, u.token_version, s.revoked_at, COALESCE(s.wrote_lsn, 0)
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
		if err := rows.Scan(&id, &st.UserID, &st.Role, &st.Active, &st.TokenVersion, &revoked, &st.WrotePosition); err != nil {
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
