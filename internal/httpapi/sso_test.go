package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
	"github.com/hms-project/hms/internal/testutil/testidp"
)

// ssoEnv is HMS served over real HTTP with single sign-on against a test provider, also
// over real HTTP.
type ssoEnv struct {
	t   *testing.T
	st  *store.Store
	idp *testidp.Provider
	hms *httptest.Server
	clk *clock // HMS's clock
}

var ssoRoleMap = map[string]string{"clinic-doctors": "doctor", "clinic-admins": "admin", "clinic-nurses": "nurse", "front-desk": "staff"}

func newSSOEnv(t *testing.T, st *store.Store, createUsers bool) *ssoEnv {
	t.Helper()
	idp, err := testidp.Start(testidp.Options{ClientID: "hms-test", ClientSecret: "provider-secret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Close() })
	var h http.Handler
	hms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hms.Close)
	signer, err := auth.NewSigner(testSecret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	svc := auth.NewService(auth.Options{Store: st, Signer: signer, Now: clk.now})
	sso := auth.NewSSO(svc, auth.SSOOptions{Issuer: idp.Issuer(), ClientID: "hms-test", ClientSecret: "provider-secret",
		RedirectURL: hms.URL + "/api/auth/oidc/callback", ProviderName: "Clinic ID", RoleMap: ssoRoleMap, CreateUsers: createUsers})
	_, h = httpapi.New(httpapi.Options{Store: st, Auth: svc, SSO: sso, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AuthRateLimit: httpapi.RateLimit{Requests: 10000, Window: time.Minute}})
	return &ssoEnv{t: t, st: st, idp: idp, hms: hms, clk: clk}
}

// browser is a client with its own cookies that follows redirects until one leads back
// to the UI (/), and stops there.
func (e *ssoEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// land follows res's redirect to the UI and returns the values of its fragment: sso=<code>,
// or sso_error with the reason, which comes in the error cookie and never in the address.
func (e *ssoEnv) land(res *http.Response) url.Values {
	e.t.Helper()
	defer res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || loc.Path != "/" {
		body, _ := io.ReadAll(res.Body)
		e.t.Fatalf("want a redirect to the UI, got %d Location %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	v, err := url.ParseQuery(loc.Fragment)
	if err != nil {
		e.t.Fatal(err)
	}
	if v.Has("sso_error") {
		if v.Get("sso_error") != "" {
			e.t.Fatalf("the reason is in the address: %q", loc)
		}
		for _, c := range res.Cookies() {
			if c.Name == "hms_sso_error" && c.Path == "/" && c.MaxAge > 0 && !c.HttpOnly {
				why, err := url.QueryUnescape(c.Value)
				if err != nil {
					e.t.Fatal(err)
				}
				v.Set("sso_error", why)
			}
		}
		if v.Get("sso_error") == "" {
			e.t.Fatalf("a refused sign-in without its reason: cookies %v", res.Cookies())
		}
	}
	return v
}

// flow signs in at the provider as email in browser b, from the sign-in button to the
// redirect back to the UI.
func (e *ssoEnv) flow(b *http.Client, email string) url.Values {
	e.t.Helper()
	if err := e.idp.SignInAs(email); err != nil {
		e.t.Fatal(err)
	}
	res, err := b.Get(e.hms.URL + "/api/auth/oidc/start")
	if err != nil {
		e.t.Fatal(err)
	}
	return e.land(res)
}

// session trades a code for tokens in browser b and returns the status and body.
func (e *ssoEnv) session(b *http.Client, code string) (int, map[string]any) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"code": code})
	res, err := b.Post(e.hms.URL+"/api/auth/oidc/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, out
}

// signIn runs the whole flow as email and returns the session's data, failing the test
// when it does not succeed.
func (e *ssoEnv) signIn(email string) map[string]any {
	e.t.Helper()
	b := e.browser()
	v := e.flow(b, email)
	if v.Get("sso") == "" {
		e.t.Fatalf("sign-in as %s refused: %q", email, v.Get("sso_error"))
	}
	status, body := e.session(b, v.Get("sso"))
	if status != 200 {
		e.t.Fatalf("trade the code: %d %v", status, body)
	}
	return body["data"].(map[string]any)
}

// me calls GET /api/auth/me with an access token.
func (e *ssoEnv) me(token string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.hms.URL+"/api/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (e *ssoEnv) createUser(email, role string, active bool) domain.User {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.st.CreateUser(ctx, domain.User{Email: email, Name: "Test " + strings.Split(email, "@")[0], Role: role}, testHash())
	if err != nil {
		e.t.Fatal(err)
	}
	if !active {
		f := false
		if u, err = e.st.UpdateUser(ctx, u.ID, domain.UserChanges{Active: &f}); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

// events counts the audit events of action.
func (e *ssoEnv) events(action string) int {
	e.t.Helper()
	var n int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM audit_event WHERE action = $1`, action).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *ssoEnv) sessions() int {
	e.t.Helper()
	var n int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM auth_session`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestSSOSignIn runs the authorization code flow end to end: PKCE, state and nonce go to
// the provider, the ID token is checked, and the user gets HMS's own tokens with the role
// their groups map to, linked by subject from then on.
func TestSSOSignIn(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		e := newSSOEnv(t, st, false)
		u := e.createUser("dana@clinic.test", domain.RoleDoctor, true)
		e.idp.Add(testidp.Account{Subject: "sub-dana", Email: "dana@clinic.test", Name: "Dana", Groups: []string{"clinic-doctors", "unrelated"}})

		data := e.signIn("dana@clinic.test")
		if data["token_type"] != "Bearer" || data["refresh_token"] == "" {
			t.Fatalf("session = %v", data)
		}
		status, me := e.me(data["access_token"].(string))
		if status != 200 || field(me, "role") != "doctor" || int64(field(me, "id").(float64)) != u.ID {
			t.Fatalf("me = %d %v", status, me)
		}
		auths := e.idp.Authorizations()
		if len(auths) != 1 {
			t.Fatalf("%d authorization requests", len(auths))
		}
		q := auths[0]
		for _, p := range []string{"state", "nonce", "code_challenge"} {
			if len(q.Get(p)) < 32 {
				t.Errorf("authorization request %s = %q, want a random value", p, q.Get(p))
			}
		}
		if q.Get("code_challenge_method") != "S256" || !strings.Contains(q.Get("scope"), "openid") {
			t.Errorf("authorization request = %v", q)
		}
		iss, sub, err := st.UserSubject(context.Background(), u.ID)
		if err != nil || iss != e.idp.Issuer() || sub != "sub-dana" {
			t.Fatalf("linked to %q %q (%v)", iss, sub, err)
		}
		if e.events(domain.ActionSSOLogin) != 1 || e.events(domain.ActionLogin) != 1 {
			t.Errorf("events: sso_login %d, login %d", e.events(domain.ActionSSOLogin), e.events(domain.ActionLogin))
		}

		// The subject, stored at the first sign-in, finds the user even when the provider's
		// email changes.
		e.idp.Add(testidp.Account{Subject: "sub-dana", Email: "dana.new@clinic.test", Name: "Dana", Groups: []string{"clinic-doctors"}})
		if data := e.signIn("dana.new@clinic.test"); int64(data["user"].(map[string]any)["id"].(float64)) != u.ID {
			t.Fatalf("second sign-in as %v", data["user"])
		}
	})
}

// TestSSOHandoffCode: the code the callback gives the UI works once, and only in the
// browser that started the sign-in.
func TestSSOHandoffCode(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		e := newSSOEnv(t, st, false)
		dana := e.createUser("dana@clinic.test", domain.RoleDoctor, true)
		e.idp.Add(testidp.Account{Subject: "sub-dana", Email: "dana@clinic.test", Groups: []string{"clinic-doctors"}})

		b := e.browser()
		code := e.flow(b, "dana@clinic.test").Get("sso")
		if status, body := e.session(e.browser(), code); status != 401 {
			t.Fatalf("code from another browser: %d %v", status, body)
		}
		// That attempt spent the code.
		if status, _ := e.session(b, code); status != 401 {
			t.Fatalf("spent code: %d", status)
		}
		code = e.flow(b, "dana@clinic.test").Get("sso")
		if status, body := e.session(b, code); status != 200 {
			t.Fatalf("fresh code: %d %v", status, body)
		}
		if status, _ := e.session(b, code); status != 401 {
			t.Fatalf("code used twice: %d", status)
		}
		if e.sessions() != 1 {
			t.Fatalf("%d sessions, want 1", e.sessions())
		}

		// A code not taken in time is refused.
		code = e.flow(b, "dana@clinic.test").Get("sso")
		e.clk.advance(3 * time.Minute)
		if status, _ := e.session(b, code); status != 401 {
			t.Fatalf("expired code: %d", status)
		}
		// A user disabled in HMS after the provider vouched for them gets no session.
		code = e.flow(b, "dana@clinic.test").Get("sso")
		f := false
		if _, err := st.UpdateUser(context.Background(), dana.ID, domain.UserChanges{Active: &f}); err != nil {
			t.Fatal(err)
		}
		if status, body := e.session(b, code); status != 403 || !strings.Contains(body["error"].(string), "disabled") {
			t.Fatalf("disabled user: %d %v", status, body)
		}
		if e.sessions() != 1 {
			t.Fatalf("%d sessions, want 1", e.sessions())
		}
	})
}

// TestSSORoleMapping: the most privileged role the groups map to is the user's role, in
// HMS too; unknown users are created with it when HMS_OIDC_CREATE_USERS is on.
func TestSSORoleMapping(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		e := newSSOEnv(t, st, true)
		e.createUser("admin@clinic.test", domain.RoleAdmin, true) // so that another admin may be demoted
		u := e.createUser("sam@clinic.test", domain.RoleStaff, true)
		e.idp.Add(testidp.Account{Subject: "sub-sam", Email: "sam@clinic.test", Groups: []string{"front-desk", "clinic-admins", "clinic-doctors"}})
		if role := e.signIn("sam@clinic.test")["user"].(map[string]any)["role"]; role != "admin" {
			t.Fatalf("role %v, want admin", role)
		}
		if got, _ := st.User(context.Background(), u.ID); got.Role != domain.RoleAdmin {
			t.Fatalf("stored role %s", got.Role)
		}
		// The provider's groups change: the next sign-in takes the new role.
		e.idp.Add(testidp.Account{Subject: "sub-sam", Email: "sam@clinic.test", Groups: []string{"front-desk"}})
		if role := e.signIn("sam@clinic.test")["user"].(map[string]any)["role"]; role != "staff" {
			t.Fatalf("role %v, want staff", role)
		}

		e.idp.Add(testidp.Account{Subject: "sub-nina", Email: "nina@clinic.test", Name: "Nina", Groups: []string{"clinic-nurses"}})
		data := e.signIn("nina@clinic.test")
		if user := data["user"].(map[string]any); user["role"] != "nurse" || user["email"] != "nina@clinic.test" {
			t.Fatalf("created %v", user)
		}
	})
}

// TestSSORefusals: each way a sign-in fails lands on the sign-in screen with the reason,
// is audited as sso_denied, and opens no session.
func TestSSORefusals(t *testing.T) {
	otherChallenge := func() string {
		sum := sha256.Sum256([]byte("not the verifier HMS holds"))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}()
	cases := []struct {
		name   string
		create bool
		setup  func(e *ssoEnv)
		want   string
	}{
		{"unmapped groups", false, func(e *ssoEnv) {
			e.createUser("una@clinic.test", domain.RoleDoctor, true)
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"cafeteria"}})
		}, "in no group that HMS gives a role to"},
		{"unmapped groups of a new user", true, func(e *ssoEnv) {
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: nil})
		}, "in no group that HMS gives a role to"},
		{"disabled in HMS", false, func(e *ssoEnv) {
			e.createUser("una@clinic.test", domain.RoleDoctor, false)
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"clinic-doctors"}})
		}, "your HMS account is disabled"},
		{"unknown user", false, func(e *ssoEnv) {
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"clinic-doctors"}})
		}, "there is no HMS account for your email address"},
		{"unverified email", true, func(e *ssoEnv) {
			e.createUser("una@clinic.test", domain.RoleDoctor, true)
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"clinic-doctors"}, EmailUnverified: true})
		}, "did not vouch for your email address"},
		{"wrong nonce", false, func(e *ssoEnv) {
			e.createUser("una@clinic.test", domain.RoleDoctor, true)
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"clinic-doctors"}})
			e.idp.TamperNext(func(q url.Values) { q.Set("nonce", "a-nonce-of-another-sign-in") })
		}, "its nonce does not match"},
		{"state mismatch", false, func(e *ssoEnv) {
			e.createUser("una@clinic.test", domain.RoleDoctor, true)
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"clinic-doctors"}})
			e.idp.TamperNext(func(q url.Values) { q.Set("state", q.Get("state")+"x") })
		}, "this sign-in was not started from this HMS"},
		{"PKCE verifier that does not match the challenge", false, func(e *ssoEnv) {
			e.createUser("una@clinic.test", domain.RoleDoctor, true)
			e.idp.Add(testidp.Account{Subject: "sub-una", Email: "una@clinic.test", Groups: []string{"clinic-doctors"}})
			e.idp.TamperNext(func(q url.Values) { q.Set("code_challenge", otherChallenge) })
		}, "did not accept the sign-in code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
				e := newSSOEnv(t, st, tc.create)
				tc.setup(e)
				users := e.count("app_user")
				got := e.flow(e.browser(), "una@clinic.test")
				if got.Get("sso") != "" || !strings.Contains(got.Get("sso_error"), tc.want) {
					t.Fatalf("landed with %v, want sso_error containing %q", got, tc.want)
				}
				if e.events(domain.ActionSSODenied) != 1 || e.events(domain.ActionSSOLogin) != 0 || e.sessions() != 0 {
					t.Errorf("sso_denied %d, sso_login %d, sessions %d", e.events(domain.ActionSSODenied), e.events(domain.ActionSSOLogin), e.sessions())
				}
				if e.count("app_user") != users {
					t.Errorf("a refused sign-in created a user")
				}
			})
		})
	}
}

func (e *ssoEnv) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.st.DB().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestSSOBrowserBinding: the provider's redirect is refused in a browser that did not
// start the sign-in (a login forced on someone else), and when the provider itself
// refuses, its words reach the sign-in screen.
func TestSSOBrowserBinding(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		e := newSSOEnv(t, st, false)
		e.createUser("dana@clinic.test", domain.RoleDoctor, true)
		e.idp.Add(testidp.Account{Subject: "sub-dana", Email: "dana@clinic.test", Groups: []string{"clinic-doctors"}})
		if err := e.idp.SignInAs("dana@clinic.test"); err != nil {
			t.Fatal(err)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Get(e.hms.URL + "/api/auth/oidc/start")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		res, err = e.browser().Get(res.Header.Get("Location")) // another browser, without the cookie
		if err != nil {
			t.Fatal(err)
		}
		if got := e.land(res).Get("sso_error"); !strings.Contains(got, "started in another browser") {
			t.Fatalf("sso_error = %q", got)
		}

		e.idp.RefuseNext("access_denied", "The user cancelled")
		if got := e.flow(e.browser(), "dana@clinic.test").Get("sso_error"); got != "Clinic ID refused the sign-in (access_denied: The user cancelled)" {
			t.Fatalf("sso_error = %q", got)
		}
		// A crafted link with an error but no sign-in of this browser's shows no words of its own.
		res, err = e.browser().Get(e.hms.URL + "/api/auth/oidc/callback?error=access_denied&error_description=Call+555-0100&state=x")
		if err != nil {
			t.Fatal(err)
		}
		if got := e.land(res).Get("sso_error"); strings.Contains(got, "555") || !strings.Contains(got, "not started from this HMS") {
			t.Fatalf("sso_error = %q", got)
		}
		// A sign-in that stays at the provider longer than 10 minutes is refused.
		b := e.browser()
		if err := e.idp.SignInAs("dana@clinic.test"); err != nil {
			t.Fatal(err)
		}
		noFollow.Jar = b.Jar
		res, err = noFollow.Get(e.hms.URL + "/api/auth/oidc/start")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		e.clk.advance(11 * time.Minute)
		res, err = b.Get(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if got := e.land(res).Get("sso_error"); !strings.Contains(got, "has expired") {
			t.Fatalf("sso_error = %q", got)
		}
		if e.events(domain.ActionSSODenied) != 4 || e.sessions() != 0 {
			t.Fatalf("sso_denied %d, sessions %d", e.events(domain.ActionSSODenied), e.sessions())
		}
	})
}

// TestSignInMethods: the sign-in screen learns of single sign-on, and of passwords being
// off for all but the break-glass admin, who alone may still use one.
func TestSignInMethods(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		plain := newClient(t, st, nil).anonymous()
		body := plain.must(200, "GET", "/api/auth/methods", "")
		if field(body, "password") != "all" || field(body, "sso") != nil {
			t.Fatalf("methods without sso: %v", body)
		}
		plain.must(404, "GET", "/api/auth/oidc/start", "")

		c := newClientWithAuth(t, st, httpapi.Options{BreakGlass: true}, auth.Options{BreakGlassAdmin: "admin@clinic.test"})
		if field(c.anonymous().must(200, "GET", "/api/auth/methods", ""), "password") != "break_glass" {
			t.Fatal("methods do not say passwords are off")
		}
		if _, err := st.CreateUser(context.Background(), domain.User{Email: "doctor@clinic.test", Name: "Test doctor", Role: domain.RoleDoctor}, testHash()); err != nil {
			t.Fatal(err)
		}
		res := c.anonymous().do("POST", "/api/auth/login", `{"email":"doctor@clinic.test","password":"`+testPassword+`"}`)
		if res.status != 403 || !strings.Contains(res.raw, "password sign-in is turned off") {
			t.Fatalf("doctor's password sign-in: %d %s", res.status, res.raw)
		}
		res = c.anonymous().do("POST", "/api/auth/login", `{"email":"admin@clinic.test","password":"`+testPassword+`"}`)
		if res.status != 200 {
			t.Fatalf("break-glass admin: %d %s", res.status, res.raw)
		}
	})
}
