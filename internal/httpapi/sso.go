package httpapi

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/hms-project/hms/internal/domain"
)

// ssoCookie binds a single sign-on to the browser that started it, from
// GET /api/auth/oidc/start until POST /api/auth/oidc/session.
const (
	ssoCookie     = "hms_sso"
	ssoCookiePath = "/api/auth/oidc"
	// ssoErrorCookie carries why a single sign-on failed to the sign-in screen, which reads
	// and removes it: only HMS can set it, so a crafted link cannot put words of its own on
	// HMS's screen, as text in the address could.
	ssoErrorCookie = "hms_sso_error"
)

// signInMethods is the body of GET /api/auth/methods: what the sign-in screen offers.
type signInMethods struct {
	// Password is "all", or "break_glass" when only the break-glass admin may use one.
	Password string       `json:"password"`
	SSO      *ssoProvider `json:"sso"` // null: no single sign-on
}

type ssoProvider struct {
	Name     string `json:"name"`      // "Sign in with <name>"
	StartURL string `json:"start_url"` // where the browser goes to sign in
}

func (a *API) signInMethods(w http.ResponseWriter, r *http.Request) error {
	m := signInMethods{Password: "all"}
	if a.breakGlass {
		m.Password = "break_glass"
	}
	if a.sso != nil {
		m.SSO = &ssoProvider{Name: a.sso.ProviderName(), StartURL: "/api/auth/oidc/start"}
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: m})
	return nil
}

var errNoSSO = domain.Errorf(domain.CodeNotFound, "single sign-on is not configured: set HMS_OIDC_ISSUER")

// ssoStart sends the browser to the provider, with a cookie that binds the sign-in to it.
func (a *API) ssoStart(w http.ResponseWriter, r *http.Request) error {
	if a.sso == nil {
		return errNoSSO
	}
	authURL, browser, err := a.sso.Begin(r.Context())
	if err != nil {
		a.ssoFailed(w, r, err)
		return nil
	}
	a.setSSOCookie(w, browser, 600)
	http.Redirect(w, r, authURL, http.StatusFound)
	return nil
}

// ssoCallback is where the provider sends the browser back. It answers with a redirect to
// the UI: #sso=<one-time code> when the user may sign in, #sso_error with the reason in a
// cookie (ssoErrorCookie) when not.
func (a *API) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	if a.sso == nil {
		return errNoSSO
	}
	var browser string
	if c, err := r.Cookie(ssoCookie); err == nil {
		browser = c.Value
	}
	code, err := a.sso.Finish(r.Context(), browser, r.URL.Query())
	if err != nil {
		a.ssoFailed(w, r, err)
		return nil
	}
	http.Redirect(w, r, "/#sso="+url.QueryEscape(code), http.StatusFound)
	return nil
}

// ssoFailed sends the browser to the sign-in screen with the reason; an internal error
// is logged and shown only as such.
func (a *API) ssoFailed(w http.ResponseWriter, r *http.Request, err error) {
	msg := "single sign-on failed: internal error (the request id " + requestID(r.Context()) + " helps the operator find the cause)"
	var e *domain.Error
	if errors.As(err, &e) {
		msg = e.Message
		if e.Code == domain.CodeUnavailable {
			logger(r.Context()).WarnContext(r.Context(), "single sign-on: provider unreachable", "request_id", requestID(r.Context()), "error", err)
		}
	} else {
		logger(r.Context()).ErrorContext(r.Context(), "single sign-on failed", "request_id", requestID(r.Context()), "error", err)
	}
	http.SetCookie(w, &http.Cookie{Name: ssoErrorCookie, Value: url.PathEscape(msg), Path: "/", MaxAge: 60,
		Secure: a.sso.SecureCookie(), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/#sso_error", http.StatusFound)
}

func (a *API) setSSOCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: value, Path: ssoCookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: a.sso.SecureCookie(), SameSite: http.SameSiteLaxMode})
}

// ssoSessionInput is the body of POST /api/auth/oidc/session.
type ssoSessionInput struct {
	Code string `json:"code"`
}

// ssoSession trades the one-time code of the callback for HMS's own tokens, like a
// password sign-in answers them.
func (a *API) ssoSession(w http.ResponseWriter, r *http.Request) error {
	if a.sso == nil {
		return errNoSSO
	}
	var in ssoSessionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Code == "" || len(in.Code) > 200 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "code: is required (the #sso value the sign-in redirect carried)",
			Fields: map[string]string{"code": "is required"}}
	}
	var browser string
	if c, err := r.Cookie(ssoCookie); err == nil {
		browser = c.Value
	}
	session, err := a.sso.Exchange(r.Context(), browser, in.Code)
	if err != nil {
		return err
	}
	a.setSSOCookie(w, "", -1)
	writeJSON(w, http.StatusOK, item{Success: true, Data: session})
	return nil
}
