package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// How long a sign-in may stay at the provider, and how long the UI has to take its tokens
// once the browser is back.
const (
	ssoLoginTTL   = 10 * time.Minute
	ssoHandoffTTL = 2 * time.Minute
)

// SSOOptions configures NewSSO: the clinic's OpenID Connect provider and how its users
// become HMS users.
type SSOOptions struct {
	Issuer, ClientID, ClientSecret string
	RedirectURL                    string // HMS_PUBLIC_URL + /api/auth/oidc/callback
	ProviderName                   string
	RolesClaim                     string            // the ID token claim RoleMap reads
	RoleMap                        map[string]string // claim value → HMS role
	CreateUsers                    bool              // create unknown users with the mapped role
	HTTPClient                     *http.Client      // for the provider; a 10-second timeout when nil
}

// SSO signs users in with the clinic's OpenID Connect provider (authorization code flow
// with PKCE, state and nonce). The provider only vouches for who the user is: the session
// is HMS's own (Service's tokens), and HMS's users table decides who gets one.
type SSO struct {
	opts  SSOOptions
	svc   *Service
	store *store.Store

	mu       sync.Mutex
	provider *oidc.Provider // discovered at the first sign-in, so HMS starts while the provider is down
}

// NewSSO returns single sign-on for svc's users.
func NewSSO(svc *Service, opts SSOOptions) *SSO {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.RolesClaim == "" {
		opts.RolesClaim = "groups"
	}
	return &SSO{opts: opts, svc: svc, store: svc.store}
}

// ProviderName is the provider's name for the sign-in button.
func (s *SSO) ProviderName() string { return s.opts.ProviderName }

func (s *SSO) clientContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, s.opts.HTTPClient)
}

// discover reads the provider's configuration once; a failure is tried again next time.
func (s *SSO) discover(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider == nil {
		p, err := oidc.NewProvider(s.clientContext(ctx), s.opts.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("auth: discover the OpenID Connect provider: %w", err)
		}
		s.provider = p
	}
	return s.provider, &oauth2.Config{ClientID: s.opts.ClientID, ClientSecret: s.opts.ClientSecret, RedirectURL: s.opts.RedirectURL,
		Endpoint: s.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile", s.opts.RolesClaim}}, nil
}

// errProviderDown answers when the provider cannot be reached.
var errProviderDown = &domain.Error{Code: domain.CodeUnavailable, RetryAfter: 30 * time.Second,
	Message: "the identity provider cannot be reached right now: try again in a moment, or ask your administrator"}

// Begin starts a sign-in: it returns the provider's address to send the browser to and
// the secret that binds the sign-in to that browser (a cookie).
func (s *SSO) Begin(ctx context.Context) (authURL, browser string, err error) {
	_, conf, err := s.discover(ctx)
	if err != nil {
		return "", "", errors.Join(errProviderDown, err)
	}
	state, nonce, verifier := randomString(32), randomString(32), oauth2.GenerateVerifier()
	browser = randomString(32)
	now := s.svc.now()
	if err := s.store.BeginSSO(ctx, store.PendingSSO{StateHash: HashRefreshToken(state), BrowserHash: HashRefreshToken(browser),
		Nonce: nonce, Verifier: verifier, Expires: now.Add(ssoLoginTTL)}); err != nil {
		return "", "", err
	}
	return conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), browser, nil
}

// ssoClaims are the ID token claims HMS reads besides the roles claim.
type ssoClaims struct {
	Email             string `json:"email"`
	EmailVerified     bool   `json:"email_verified"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
}

// Finish completes a sign-in from the provider's redirect (its query) in the browser that
// holds browser: it checks state, exchanges the code with the PKCE verifier, verifies the
// ID token and its nonce, finds the HMS user and maps their role. It returns the one-time
// code that the UI trades for HMS's tokens (Exchange). Every refusal is audited as
// sso_denied and answered with a sentence the sign-in page can show.
func (s *SSO) Finish(ctx context.Context, browser string, q url.Values) (string, error) {
	u, iss, sub, err := s.verify(ctx, browser, q)
	if err != nil {
		return "", s.denied(ctx, u, err)
	}
	code := randomString(32)
	if err := s.store.SSOHandoff(ctx, u, iss, sub, HashRefreshToken(code), HashRefreshToken(browser), s.svc.now().Add(ssoHandoffTTL)); err != nil {
		return "", s.denied(ctx, u, err)
	}
	return code, nil
}

// denied audits a refused sign-in (u is the zero user when none was found) and returns err.
func (s *SSO) denied(ctx context.Context, u domain.User, err error) error {
	e := store.Event{Action: domain.ActionSSODenied, ResourceType: domain.ResourceUser, ResourceID: u.ID,
		Outcome: domain.OutcomeDenied, UserID: u.ID, Role: u.Role}
	if aerr := s.store.Audit(ctx, e); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

func refused(format string, args ...any) error {
	return domain.Errorf(domain.CodeForbidden, format, args...)
}

// verify runs the checks of Finish and returns the user signed in, with the provider
// account (issuer, subject) to link them to.
func (s *SSO) verify(ctx context.Context, browser string, q url.Values) (u domain.User, iss, sub string, err error) {
	state, code := q.Get("state"), q.Get("code")
	if state == "" || len(state) > 200 {
		return u, "", "", domain.Errorf(domain.CodeInvalid, "the provider's answer lacks its state: start again from the sign-in page")
	}
	pending, err := s.store.TakeSSO(ctx, HashRefreshToken(state), s.svc.now())
	if err != nil {
		return u, "", "", err
	}
	if !sameBrowser(browser, pending.BrowserHash) {
		return u, "", "", domain.Errorf(domain.CodeUnauthorized, "this sign-in was started in another browser: start again from the sign-in page")
	}
	// The provider's own words are shown only for a sign-in this browser started, so that a
	// crafted link cannot put a message of its choosing on HMS's sign-in screen.
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return u, "", "", refused("%s refused the sign-in (%s)", s.opts.ProviderName, truncateRunes(msg, 200))
	}
	if code == "" {
		return u, "", "", domain.Errorf(domain.CodeInvalid, "the provider's answer lacks its code: start again from the sign-in page")
	}
	provider, conf, err := s.discover(ctx)
	if err != nil {
		return u, "", "", errors.Join(errProviderDown, err)
	}
	ctx = s.clientContext(ctx)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		return u, "", "", refused("%s did not accept the sign-in code: start again (%s)", s.opts.ProviderName, truncateRunes(exchangeError(err), 200))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return u, "", "", refused("%s sent no ID token", s.opts.ProviderName)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: s.opts.ClientID}).Verify(ctx, raw)
	if err != nil {
		return u, "", "", refused("the ID token from %s is not valid: %s", s.opts.ProviderName, truncateRunes(err.Error(), 200))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pending.Nonce)) != 1 {
		return u, "", "", refused("the ID token from %s belongs to another sign-in (its nonce does not match): start again", s.opts.ProviderName)
	}
	var claims ssoClaims
	var all map[string]any
	if err := idt.Claims(&claims); err != nil {
		return u, "", "", fmt.Errorf("auth: read ID token claims: %w", err)
	}
	if err := idt.Claims(&all); err != nil {
		return u, "", "", fmt.Errorf("auth: read ID token claims: %w", err)
	}
	u, err = s.user(ctx, idt.Issuer, idt.Subject, claims)
	if err != nil {
		return u, "", "", err
	}
	role := s.role(all[s.opts.RolesClaim])
	if role == "" {
		return u, "", "", refused("your account at %s is in no group that HMS gives a role to: ask your administrator", s.opts.ProviderName)
	}
	if u.ID == 0 {
		if u, err = s.create(ctx, claims, role); err != nil {
			return u, "", "", err
		}
	}
	if !u.Active {
		return u, "", "", refused("your HMS account is disabled: ask your administrator")
	}
	if u.Role != role {
		// The provider's groups decide the role: a change there reaches HMS at the next sign-in.
		if u, err = s.store.UpdateUser(ctx, u.ID, domain.UserChanges{Role: &role}); err != nil {
			return u, "", "", err
		}
	}
	return u, idt.Issuer, idt.Subject, nil
}

// user finds the HMS user of a provider account: the one linked to it at an earlier
// sign-in, else the one with its verified email (linked now). No user and CreateUsers on:
// the zero user, created once the role is known.
func (s *SSO) user(ctx context.Context, iss, sub string, c ssoClaims) (domain.User, error) {
	u, err := s.store.UserBySubject(ctx, iss, sub)
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return u, err
	}
	if c.Email == "" || !c.EmailVerified {
		return domain.User{}, refused("%s did not vouch for your email address (email_verified), so HMS cannot tell which account is yours: ask your administrator", s.opts.ProviderName)
	}
	u, _, err = s.store.UserByEmail(ctx, c.Email)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound && s.opts.CreateUsers:
		return domain.User{}, nil
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return domain.User{}, refused("there is no HMS account for your email address: ask your administrator to create one")
	case err != nil:
		return u, err
	}
	linkedIss, linkedSub, err := s.store.UserSubject(ctx, u.ID)
	if err != nil {
		return u, err
	}
	if linkedSub != "" && (linkedIss != iss || linkedSub != sub) {
		return u, refused("the HMS account with your email address is linked to another account at %s: ask your administrator", s.opts.ProviderName)
	}
	return u, nil
}

// create adds a user who signed in for the first time, with a random password nobody
// knows: they sign in through the provider only.
func (s *SSO) create(ctx context.Context, c ssoClaims, role string) (domain.User, error) {
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = c.PreferredUsername
	}
	if name == "" {
		name, _, _ = strings.Cut(c.Email, "@")
	}
	in := domain.UserInput{Email: domain.Some(c.Email), Name: domain.Some(truncateRunes(name, 100)), Role: domain.Some(role),
		Password: domain.Some(GeneratePassword())}
	u, pw, err := in.ValidateNew()
	if err != nil {
		return domain.User{}, refused("HMS cannot create an account from what %s sent: %s", s.opts.ProviderName, err.Error())
	}
	hash, err := s.svc.HashPassword(ctx, pw)
	if err != nil {
		return domain.User{}, err
	}
	return s.store.CreateUser(ctx, u, hash)
}

// role maps the roles claim (a list of strings, or one string) to the most privileged
// HMS role that RoleMap gives any of its values; "" when none.
func (s *SSO) role(claim any) string {
	var values []string
	switch v := claim.(type) {
	case string:
		values = []string{v}
	case []any:
		for _, x := range v {
			if str, ok := x.(string); ok {
				values = append(values, str)
			}
		}
	}
	best := -1
	for _, v := range values {
		if i := slices.Index(domain.Roles, s.opts.RoleMap[v]); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return domain.Roles[best]
}

// Exchange trades the one-time code of Finish for an HMS session, in the browser the code
// was given to. A user disabled since is refused.
func (s *SSO) Exchange(ctx context.Context, browser, code string) (Session, error) {
	now := s.svc.now()
	browserHash, userID, err := s.store.TakeSSOHandoff(ctx, HashRefreshToken(code), now)
	if err != nil {
		return Session{}, err
	}
	if !sameBrowser(browser, browserHash) {
		return Session{}, domain.Errorf(domain.CodeUnauthorized, "this single sign-on was started in another browser: sign in again")
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return Session{}, err
	}
	if !u.Active {
		return Session{}, s.denied(ctx, u, refused("your HMS account is disabled: ask your administrator"))
	}
	return s.svc.startSession(ctx, u, store.LoginAttempt{}, now) // no password, so no attempt to release
}

// sameBrowser reports whether the cookie value browser is the one whose hash a sign-in
// in progress recorded.
func sameBrowser(browser, hash string) bool {
	return browser != "" && subtle.ConstantTimeCompare([]byte(HashRefreshToken(browser)), []byte(hash)) == 1
}

// exchangeError is the provider's own words for a refused code exchange.
func exchangeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorDescription != "" {
			return re.ErrorCode + ": " + re.ErrorDescription
		}
		if re.ErrorCode != "" {
			return re.ErrorCode
		}
		return re.Response.Status
	}
	return "the provider did not answer"
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// SecureCookie reports whether HMS is reached over HTTPS, so that its cookie is Secure.
func (s *SSO) SecureCookie() bool { return strings.HasPrefix(s.opts.RedirectURL, "https://") }
