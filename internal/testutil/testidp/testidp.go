// Package testidp is an OpenID Connect provider for tests, never part of the hms binary:
// github.com/oauth2-proxy/mockoidc (discovery, JWKS, RS256 ID tokens, PKCE checked at
// the token endpoint) with accounts that sign in by email and password, either at a
// sign-in page (for a browser) or queued by the test (SignInAs), and a hook that alters
// the next authorization request (to send a wrong nonce or code challenge).
package testidp

import (
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/oauth2-proxy/mockoidc"
)

// Account is a user of the provider.
type Account struct {
	Subject  string
	Email    string
	Name     string
	Password string   // what the sign-in page asks for
	Groups   []string // the groups claim
	// EmailUnverified sends email_verified false.
	EmailUnverified bool
}

// Options configures Start.
type Options struct {
	Addr         string // where to listen; 127.0.0.1:0 when empty
	ClientID     string
	ClientSecret string
	// LoginPage shows a sign-in form at the authorization endpoint; without it, the
	// endpoint signs in whoever SignInAs queued.
	LoginPage bool
}

// Provider is a running test provider.
type Provider struct {
	*mockoidc.MockOIDC
	loginPage bool

	mu       sync.Mutex
	accounts map[string]Account // by email
	tamper   func(url.Values)
	refusal  url.Values   // error and error_description for the next authorization request
	seen     []url.Values // the query of every authorization request, as received
}

// Start runs a provider until Close.
func Start(opts Options) (*Provider, error) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, err
	}
	m.ClientID, m.ClientSecret = opts.ClientID, opts.ClientSecret
	m.CodeChallengeMethodsSupported = []string{"S256"}
	p := &Provider{MockOIDC: m, loginPage: opts.LoginPage, accounts: map[string]Account{}}
	if err := m.AddMiddleware(p.authorize); err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := m.Start(ln, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// Close stops the provider.
func (p *Provider) Close() error { return p.Shutdown() }

// Add creates or replaces an account.
func (p *Provider) Add(a Account) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accounts[strings.ToLower(a.Email)] = a
}

// SignInAs makes the next authorization request sign in the account with email.
func (p *Provider) SignInAs(email string) error {
	p.mu.Lock()
	a, ok := p.accounts[strings.ToLower(email)]
	p.mu.Unlock()
	if !ok {
		return fmt.Errorf("testidp: no account %s", email)
	}
	p.QueueUser(a.user())
	return nil
}

// TamperNext has fn change the query of the next authorization request before the
// provider reads it.
func (p *Provider) TamperNext(fn func(url.Values)) {
	p.mu.Lock()
	p.tamper = fn
	p.mu.Unlock()
}

// RefuseNext makes the next authorization request go back to the client with an OAuth
// error (such as access_denied) instead of a code.
func (p *Provider) RefuseNext(code, description string) {
	p.mu.Lock()
	p.refusal = url.Values{"error": {code}, "error_description": {description}}
	p.mu.Unlock()
}

// Authorizations returns the query of every authorization request received.
func (p *Provider) Authorizations() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.seen...)
}

func (a Account) user() *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: a.Subject, Email: a.Email, EmailVerified: !a.EmailUnverified,
		PreferredUsername: a.Name, Groups: a.Groups}
}

// authorize records and alters authorization requests and, with LoginPage, asks who signs in.
func (p *Provider) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.AuthorizationEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		if p.loginPage {
			if r.Method != http.MethodPost {
				p.page(w, q, "")
				return
			}
			email, password := r.PostFormValue("email"), r.PostFormValue("password")
			p.mu.Lock()
			a, ok := p.accounts[strings.ToLower(strings.TrimSpace(email))]
			p.mu.Unlock()
			if !ok || a.Password != password {
				p.page(w, q, "Wrong email or password.")
				return
			}
			p.QueueUser(a.user())
			r.Method = http.MethodGet
			r.Body = http.NoBody
			r.PostForm, r.Form = nil, nil
		}
		p.mu.Lock()
		p.seen = append(p.seen, q)
		if p.tamper != nil {
			p.tamper(q)
			p.tamper = nil
		}
		refusal := p.refusal
		p.refusal = nil
		p.mu.Unlock()
		if refusal != nil {
			back, err := url.Parse(q.Get("redirect_uri"))
			if err != nil {
				http.Error(w, "bad redirect_uri", http.StatusBadRequest)
				return
			}
			refusal.Set("state", q.Get("state"))
			back.RawQuery = refusal.Encode()
			http.Redirect(w, r, back.String(), http.StatusFound)
			return
		}
		r.URL.RawQuery = q.Encode()
		next.ServeHTTP(w, r)
	})
}

// page is the provider's sign-in form; it posts back to the same address.
func (p *Provider) page(w http.ResponseWriter, q url.Values, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	msg := ""
	if problem != "" {
		msg = `<p role="alert">` + html.EscapeString(problem) + `</p>`
	}
	fmt.Fprintf(w, `<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>%s
<form method="post" action="%s?%s">
<label>Email <input name="email" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form></body></html>`, msg, mockoidc.AuthorizationEndpoint, html.EscapeString(q.Encode()))
}
