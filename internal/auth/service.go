package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// Lockout defaults: the fifth failed sign-in in a row locks the email for 15 minutes.
const (
	DefaultMaxFailures = 5
	DefaultLockout     = 15 * time.Minute
)

// Options configures NewService.
type Options struct {
	Store       *store.Store
	Signer      *Signer
	RefreshTTL  time.Duration    // lifetime of each refresh token; 7 days when zero
	Now         func() time.Time // the clock; time.Now when nil
	MaxFailures int              // failed sign-ins that lock an email; DefaultMaxFailures when zero
	Lockout     time.Duration    // how long; DefaultLockout when zero
	// Hasher bounds the password hashes of requests in flight; NewHasher(0, 0) when nil.
	Hasher *Hasher
}

// Service runs the sign-in flows. Every piece of state lives in the database, so replicas
// share lockouts and sessions.
type Service struct {
	store       *store.Store
	signer      *Signer
	refreshTTL  time.Duration
	now         func() time.Time
	maxFailures int
	lockout     time.Duration
	hasher      *Hasher
}

// NewService returns a Service for opts.
func NewService(opts Options) *Service {
	s := &Service{store: opts.Store, signer: opts.Signer, refreshTTL: opts.RefreshTTL, now: opts.Now,
		maxFailures: opts.MaxFailures, lockout: opts.Lockout, hasher: opts.Hasher}
	if s.refreshTTL <= 0 {
		s.refreshTTL = 7 * 24 * time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxFailures <= 0 {
		s.maxFailures = DefaultMaxFailures
	}
	if s.lockout <= 0 {
		s.lockout = DefaultLockout
	}
	if s.hasher == nil {
		s.hasher = NewHasher(0, 0)
	}
	return s
}

// Session is the answer to a sign-in or a refresh.
type Session struct {
	AccessToken  string             `json:"access_token"`
	TokenType    string             `json:"token_type"`
	ExpiresIn    int64              `json:"expires_in"`
	RefreshToken string             `json:"refresh_token"`
	User         domain.UserSummary `json:"user"`
}

// Identity is who an access token belongs to, checked against the database.
type Identity struct {
	UserID  int64
	Role    string
	Session string
	// WrotePosition is where the session's latest write is in the primary's WAL; a heavy
	// read must see it (store.HeavyRead).
	WrotePosition int64
}

var errBadCredentials = domain.Errorf(domain.CodeUnauthorized, "invalid email or password")

// Login checks an email and password. Wrong email and wrong password get the same answer
// in similar time (an unknown email is checked against a dummy hash). Each attempt first
// reserves one of the email's slots in the database (store.ReserveLogin), so that at most
// maxFailures passwords are checked per lockout, however concurrent attempts interleave;
// the failure that fills the last slot locks the email, known or not.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	now := s.now()
	email = strings.ToLower(strings.TrimSpace(email))
	attempt, err := s.reserve(ctx, email, now)
	if err != nil {
		return Session{}, err
	}
	u, hash, err := s.store.UserByEmail(ctx, email)
	known := err == nil
	if !known && domain.ErrorCode(err) != domain.CodeNotFound {
		return Session{}, s.release(ctx, attempt, err)
	}
	release, err := s.hasher.Acquire(ctx)
	if err != nil {
		return Session{}, s.release(ctx, attempt, err)
	}
	var ok bool
	if known {
		ok, err = VerifyPassword(password, hash)
	} else {
		_, _ = VerifyPassword(password, dummyHash())
	}
	release()
	if err != nil {
		return Session{}, s.release(ctx, attempt, fmt.Errorf("auth: user %d: %w", u.ID, err))
	}
	if !known {
		return Session{}, s.failed(ctx, attempt, nil, now)
	}
	if !ok || !u.Active {
		return Session{}, s.failed(ctx, attempt, &u, now)
	}
	sessionID := NewSessionID()
	refresh, refreshHash := NewRefreshToken()
	if err := s.store.NewSession(ctx, u, attempt, sessionID, refreshHash, now.Add(s.refreshTTL), now); err != nil {
		return Session{}, s.release(ctx, attempt, err)
	}
	return s.issue(ctx, u, sessionID, refresh, now)
}

// HashPassword hashes pw for storing, in one of the Hasher's slots: a 503-code error when
// none is free in time.
func (s *Service) HashPassword(ctx context.Context, pw string) (string, error) {
	return s.hasher.Hash(ctx, pw)
}

// reserve takes a slot of email's allowance for one password check, or answers 423.
func (s *Service) reserve(ctx context.Context, email string, now time.Time) (store.LoginAttempt, error) {
	attempt, err := s.store.ReserveLogin(ctx, email, now, s.maxFailures, s.lockout)
	switch {
	case err != nil:
		return attempt, err
	case !attempt.LockedUntil.IsZero():
		return attempt, lockedError(attempt.LockedUntil.Sub(now))
	case !attempt.Granted():
		return attempt, errAttemptsInFlight
	}
	return attempt, nil
}

// errAttemptsInFlight answers an attempt that found every slot of its email taken by
// attempts still being checked: in a moment the email is either locked or free again.
var errAttemptsInFlight = &domain.Error{Code: domain.CodeLocked, RetryAfter: time.Second,
	Message: "too many sign-ins for this account are being checked at once: try again in a moment"}

// release gives back the slot of an attempt whose password was not judged, and returns
// cause, the reason.
func (s *Service) release(ctx context.Context, attempt store.LoginAttempt, cause error) error {
	if err := s.store.ReleaseLogin(ctx, attempt); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// failed records a failed password check and returns the error to answer with.
func (s *Service) failed(ctx context.Context, attempt store.LoginAttempt, u *domain.User, now time.Time) error {
	locked, err := s.store.LoginFailed(ctx, attempt, u, now, s.maxFailures, s.lockout)
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		return lockedError(locked.Sub(now))
	}
	return errBadCredentials
}

func lockedError(wait time.Duration) error {
	mins := int(wait.Round(time.Minute) / time.Minute)
	return &domain.Error{Code: domain.CodeLocked, RetryAfter: wait,
		Message: fmt.Sprintf("too many failed sign-ins: this account is locked; try again in %d minute(s)", max(mins, 1))}
}

// issue signs an access token for the session and assembles the answer.
func (s *Service) issue(ctx context.Context, u domain.User, sessionID, refresh string, now time.Time) (Session, error) {
	version, err := s.store.TokenVersion(ctx, u.ID)
	if err != nil {
		return Session{}, err
	}
	access, err := s.signer.Issue(u.ID, sessionID, u.Role, version, now)
	if err != nil {
		return Session{}, fmt.Errorf("auth: sign access token: %w", err)
	}
	return Session{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(s.signer.TTL() / time.Second),
		RefreshToken: refresh, User: u.Summary()}, nil
}

// Refresh rotates a refresh token: the old one is spent and a new pair is issued. Presenting
// a spent token revokes its whole session.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Session, error) {
	now := s.now()
	next, nextHash := NewRefreshToken()
	u, sessionID, err := s.store.Rotate(ctx, HashRefreshToken(refreshToken), nextHash, now.Add(s.refreshTTL), now)
	if err != nil {
		return Session{}, err
	}
	return s.issue(ctx, u, sessionID, next, now)
}

// Logout ends the session of a refresh token.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	return s.store.EndSession(ctx, HashRefreshToken(refreshToken), s.now())
}

var errNoToken = domain.Errorf(domain.CodeUnauthorized, "sign in first: send Authorization: Bearer <access token>")

// Authenticate checks the Authorization header of a request: a valid access token whose
// session is open, whose user is active and whose token version is current. The role
// comes from the database, not from the token.
func (s *Service) Authenticate(ctx context.Context, header string) (Identity, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if header == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return Identity{}, errNoToken
	}
	c, err := s.signer.Parse(strings.TrimSpace(token), s.now())
	if err != nil {
		return Identity{}, domain.Errorf(domain.CodeUnauthorized, "the access token is not valid or has expired: refresh it or sign in again")
	}
	st, err := s.store.Session(ctx, c.Session)
	if err != nil {
		return Identity{}, err
	}
	if st.Revoked || !st.Active || st.UserID != c.UserID() || st.TokenVersion != c.TokenVersion {
		return Identity{}, domain.Errorf(domain.CodeUnauthorized, "the session has ended: sign in again")
	}
	return Identity{UserID: st.UserID, Role: st.Role, Session: c.Session, WrotePosition: st.WrotePosition}, nil
}

// ChangePassword replaces the signed-in user's password after checking the current one,
// and ends their other sessions. The check takes a slot of the email's sign-in allowance
// like a sign-in: a locked account answers 423, and a wrong current password counts as a
// failed sign-in.
func (s *Service) ChangePassword(ctx context.Context, id Identity, current, next string) error {
	u, err := s.store.User(ctx, id.UserID)
	if err != nil {
		return err
	}
	hash, err := s.store.PasswordHash(ctx, id.UserID)
	if err != nil {
		return err
	}
	now := s.now()
	attempt, err := s.reserve(ctx, u.Email, now)
	if err != nil {
		return err
	}
	release, err := s.hasher.Acquire(ctx)
	if err != nil {
		return s.release(ctx, attempt, err)
	}
	defer release() // the new hash is computed in the same slot
	ok, err := VerifyPassword(current, hash)
	if err != nil || !ok {
		if err := s.failed(ctx, attempt, &u, now); domain.ErrorCode(err) != domain.CodeUnauthorized {
			return err
		}
		return &domain.Error{Code: domain.CodeInvalid, Message: "current_password: is not your current password",
			Fields: map[string]string{"current_password": "is not your current password"}}
	}
	if err := s.store.PasswordVerified(ctx, attempt); err != nil {
		return err
	}
	if err := CheckPasswordPolicy(next, u.Email); err != nil {
		return renameField(err, "new_password")
	}
	if next == current {
		return &domain.Error{Code: domain.CodeInvalid, Message: "new_password: must differ from the current password",
			Fields: map[string]string{"new_password": "must differ from the current password"}}
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, id.UserID, newHash, id.Session, domain.ActionPasswordChange)
}

// renameField moves a policy error from "password" to field.
func renameField(err error, field string) error {
	e, ok := err.(*domain.Error)
	if !ok || e.Fields == nil {
		return err
	}
	msg := e.Fields["password"]
	return &domain.Error{Code: e.Code, Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}
