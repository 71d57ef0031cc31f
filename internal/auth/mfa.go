package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// The purposes of the tokens of a sign-in that still needs its second factor.
const (
	// PurposeMFA: the password was right and the user has a second factor; the token may
	// only complete the sign-in with a code (POST /api/auth/mfa/verify).
	PurposeMFA = "mfa"
	// PurposeEnrol: the password was right and the user's role requires a second factor
	// they do not have; the token may only enrol one, which completes the sign-in.
	PurposeEnrol = "mfa_enrolment"
)

// DefaultPendingTTL is how long the token of a sign-in's second step is valid.
const DefaultPendingTTL = 5 * time.Minute

// TOTP parameters: those every authenticator app understands (RFC 6238's defaults).
const (
	totpPeriod = 30
	totpIssuer = "HMS"
	// RecoveryCodes is how many one-time recovery codes an enrolment gives.
	RecoveryCodes = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// MFAStatus is what the Account screen shows of a user's second factor.
type MFAStatus struct {
	Enabled           bool `json:"enabled"`
	Required          bool `json:"required"` // the user's role must sign in with a second factor
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// Enrolment is the start of an enrolment: the secret for the authenticator app, as text,
// as an otpauth:// URI and as a QR code (a PNG data: URL). It is shown this once.
type Enrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
	QRCode string `json:"qr_code"`
}

// Enrolled is the answer to a confirmed enrolment: the recovery codes, shown this once,
// and the session when the enrolment completed a sign-in.
type Enrolled struct {
	RecoveryCodes []string `json:"recovery_codes"`
	Session       *Session `json:"session,omitempty"`
}

// RequiresMFA reports whether role must sign in with a second factor.
func (s *Service) RequiresMFA(role string) bool { return slices.Contains(s.mfaRequired, role) }

// secondStep decides what a sign-in whose password was right answers: nothing yet (the
// zero Session) when no second factor is needed, otherwise the token of the second step.
// A user with a second factor keeps the failures recorded so far: only the code ends the
// count, so knowing the password buys no extra guesses at the code.
func (s *Service) secondStep(ctx context.Context, u domain.User, attempt store.LoginAttempt, now time.Time) (Session, error) {
	mfa, err := s.store.MFA(ctx, u.ID)
	if err != nil {
		return Session{}, s.release(ctx, attempt, err)
	}
	purpose := ""
	switch {
	case mfa.Confirmed:
		purpose, err = PurposeMFA, s.store.ReleaseLogin(ctx, attempt)
	case s.RequiresMFA(u.Role):
		purpose, err = PurposeEnrol, s.store.PasswordVerified(ctx, attempt)
	default:
		return Session{}, nil
	}
	if err != nil {
		return Session{}, err
	}
	version, err := s.store.TokenVersion(ctx, u.ID)
	if err != nil {
		return Session{}, err
	}
	token, err := s.signer.IssuePending(u.ID, purpose, u.Role, version, now, s.pendingTTL)
	if err != nil {
		return Session{}, fmt.Errorf("auth: sign mfa token: %w", err)
	}
	step := "code"
	if purpose == PurposeEnrol {
		step = "enrolment"
	}
	return Session{MFARequired: step, MFAToken: token, ExpiresIn: int64(s.pendingTTL / time.Second)}, nil
}

var errPendingEnded = domain.Errorf(domain.CodeUnauthorized, "this sign-in can no longer be completed: sign in again")

// pendingIdentity checks a token of a second step against the database: its user is
// active and its token version current (an admin's reset of the second factor ends it).
func (s *Service) pendingIdentity(ctx context.Context, c Claims) (Identity, error) {
	if c.Purpose != PurposeMFA && c.Purpose != PurposeEnrol {
		return Identity{}, errPendingEnded
	}
	u, err := s.store.User(ctx, c.UserID())
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return Identity{}, errPendingEnded
	}
	if err != nil {
		return Identity{}, err
	}
	version, err := s.store.TokenVersion(ctx, u.ID)
	if err != nil {
		return Identity{}, err
	}
	if !u.Active || version != c.TokenVersion {
		return Identity{}, errPendingEnded
	}
	return Identity{UserID: u.ID, Role: u.Role, Pending: c.Purpose}, nil
}

// MFAStatus returns the second factor of the caller.
func (s *Service) MFAStatus(ctx context.Context, id Identity) (MFAStatus, error) {
	mfa, err := s.store.MFA(ctx, id.UserID)
	if err != nil {
		return MFAStatus{}, err
	}
	return MFAStatus{Enabled: mfa.Confirmed, Required: s.RequiresMFA(id.Role), RecoveryCodesLeft: mfa.RecoveryLeft}, nil
}

// StartEnrolment gives the caller a new TOTP secret, kept until a code confirms it
// (ConfirmEnrolment); a second start replaces the first. A user who has a second factor
// gets a conflict.
func (s *Service) StartEnrolment(ctx context.Context, id Identity) (Enrolment, error) {
	u, err := s.store.User(ctx, id.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("auth: new totp secret: %w", err)
	}
	if err := s.store.StartMFA(ctx, u.ID, key.Secret(), s.now()); err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, fmt.Errorf("auth: qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, fmt.Errorf("auth: qr code: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL(),
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmEnrolment turns the caller's enrolment on with a code of its secret and answers
// the recovery codes; when the caller holds an enrolment token (PurposeEnrol), it also
// completes their sign-in.
func (s *Service) ConfirmEnrolment(ctx context.Context, id Identity, code string) (Enrolled, error) {
	now := s.now()
	u, err := s.store.User(ctx, id.UserID)
	if err != nil {
		return Enrolled{}, err
	}
	mfa, err := s.store.MFA(ctx, u.ID)
	switch {
	case err != nil:
		return Enrolled{}, err
	case mfa.Confirmed:
		return Enrolled{}, domain.Errorf(domain.CodeConflict, "two-factor sign-in is already on for this account")
	case mfa.Secret == "":
		return Enrolled{}, domain.Errorf(domain.CodeConflict, "no enrolment is in progress: start one with POST /api/auth/mfa/setup")
	}
	step := matchStep(mfa.Secret, normalizeCode(code), now)
	if step == 0 {
		return Enrolled{}, errBadCode
	}
	codes, hashes := newRecoveryCodes()
	if err := s.store.ConfirmMFA(ctx, u.ID, step, hashes, now); err != nil {
		return Enrolled{}, err
	}
	out := Enrolled{RecoveryCodes: codes}
	if id.Pending == PurposeEnrol {
		session, err := s.startSession(ctx, u, store.LoginAttempt{}, now)
		if err != nil {
			return Enrolled{}, err
		}
		out.Session = &session
	}
	return out, nil
}

// VerifyMFA completes the sign-in of a PurposeMFA token with a code of the user's
// authenticator, or one of their recovery codes (spent by it). A wrong code counts as a
// failed sign-in toward the lockout.
func (s *Service) VerifyMFA(ctx context.Context, id Identity, code string) (Session, error) {
	now := s.now()
	u, err := s.store.User(ctx, id.UserID)
	if err != nil {
		return Session{}, err
	}
	attempt, err := s.secondFactor(ctx, u, code, now)
	if err != nil {
		return Session{}, err
	}
	return s.startSession(ctx, u, attempt, now)
}

// DisableMFA turns the caller's second factor off, after checking a code of it (which
// counts toward the lockout like a sign-in). A role that requires it cannot.
func (s *Service) DisableMFA(ctx context.Context, id Identity, code string) error {
	if s.RequiresMFA(id.Role) {
		return domain.Errorf(domain.CodeForbidden, "your role (%s) must sign in with two factors (HMS_MFA_REQUIRED): it cannot be turned off", id.Role)
	}
	now := s.now()
	u, err := s.store.User(ctx, id.UserID)
	if err != nil {
		return err
	}
	attempt, err := s.secondFactor(ctx, u, code, now)
	if err != nil {
		return err
	}
	if err := s.store.PasswordVerified(ctx, attempt); err != nil {
		return err
	}
	return s.store.RemoveMFA(ctx, u.ID, domain.ActionMFADisable, now)
}

var errBadCode = &domain.Error{Code: domain.CodeInvalid,
	Message: "code: is not a current code of your authenticator app nor an unused recovery code",
	Fields:  map[string]string{"code": "is not a current code of your authenticator app nor an unused recovery code"}}

var errNoMFA = domain.Errorf(domain.CodeConflict, "two-factor sign-in is not on for this account")

// secondFactor checks code against u's confirmed second factor in one slot of the email's
// sign-in allowance (see Login): a TOTP code of the current time step or the one either
// side, never one at or before the last step used, or an unused recovery code, which it
// spends. A wrong code is a failed sign-in. On success the slot is still held: the caller
// ends it (NewSession, PasswordVerified).
func (s *Service) secondFactor(ctx context.Context, u domain.User, code string, now time.Time) (store.LoginAttempt, error) {
	attempt, err := s.reserve(ctx, u.Email, now)
	if err != nil {
		return attempt, err
	}
	mfa, err := s.store.MFA(ctx, u.ID)
	if err != nil {
		return attempt, s.release(ctx, attempt, err)
	}
	if !mfa.Confirmed {
		return attempt, s.release(ctx, attempt, errNoMFA)
	}
	ok := false
	code = normalizeCode(code)
	if isTOTPCode(code) {
		if step := matchStep(mfa.Secret, code, now); step != 0 {
			ok, err = s.store.UseTOTPStep(ctx, u.ID, step)
		}
	} else {
		ok, err = s.store.UseRecoveryCode(ctx, u.ID, hashRecoveryCode(code), now)
	}
	if err != nil {
		return attempt, s.release(ctx, attempt, err)
	}
	if !ok {
		if err := s.failed(ctx, attempt, &u, now); domain.ErrorCode(err) != domain.CodeUnauthorized {
			return attempt, err
		}
		return attempt, errBadCode
	}
	return attempt, nil
}

// normalizeCode takes out what people type between the characters of a code: spaces and
// hyphens; recovery codes are compared in lower case.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(code))
}

func isTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// matchStep returns the TOTP time step (Unix time / 30) of now, or of the step either side
// (clocks drift, people type slowly), whose code is code; 0 when none is.
func matchStep(secret, code string, now time.Time) int64 {
	if !isTOTPCode(code) {
		return 0
	}
	current := now.Unix() / totpPeriod
	for _, step := range []int64{current - 1, current, current + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return 0
}

// recoveryAlphabet leaves out the characters that are easy to misread (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCodes returns RecoveryCodes random codes (xxxxx-xxxxx, about 49 bits each) and
// the hashes under which they are stored.
func newRecoveryCodes() (codes, hashes []string) {
	// Random bytes at or above the last multiple of the alphabet's size are drawn again, so
	// that every character is as likely.
	limit := byte(256 / len(recoveryAlphabet) * len(recoveryAlphabet))
	for range RecoveryCodes {
		b := make([]byte, 0, 10)
		for len(b) < 10 {
			var one [1]byte
			_, _ = rand.Read(one[:])
			if one[0] < limit {
				b = append(b, recoveryAlphabet[int(one[0])%len(recoveryAlphabet)])
			}
		}
		code := string(b[:5]) + "-" + string(b[5:])
		codes = append(codes, code)
		hashes = append(hashes, hashRecoveryCode(normalizeCode(code)))
	}
	return codes, hashes
}

// hashRecoveryCode is the SHA-256 of a normalized recovery code, in hex: random codes of
// 49 bits need no slow hash.
func hashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte("hms-recovery:" + code))
	return hex.EncodeToString(sum[:])
}
