package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// login signs in with a password and returns the status and, on success, the tokens.
func (c *client) login(email, password string) (status int, access, refresh string, body map[string]any) {
	c.t.Helper()
	res := c.anonymous().do("POST", "/api/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	if res.status == 200 {
		d := res.body["data"].(map[string]any)
		access, refresh = d["access_token"].(string), d["refresh_token"].(string)
	}
	return res.status, access, refresh, res.body
}

// with returns a client that sends access as its bearer token.
func (c *client) with(access string) *client {
	other := *c
	other.token = access
	return &other
}

func (c *client) refresh(token string) (int, string, string) {
	c.t.Helper()
	res := c.anonymous().do("POST", "/api/auth/refresh", fmt.Sprintf(`{"refresh_token":%q}`, token))
	if res.status != 200 {
		return res.status, "", ""
	}
	d := res.body["data"].(map[string]any)
	return 200, d["access_token"].(string), d["refresh_token"].(string)
}

func TestLogin(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		c.as("doctor")
		status, access, refresh, body := c.login("DOCTOR@Clinic.test", testPassword)
		if status != 200 || access == "" || refresh == "" {
			t.Fatalf("login: %d %v", status, body)
		}
		d := body["data"].(map[string]any)
		u := d["user"].(map[string]any)
		if d["token_type"] != "Bearer" || d["expires_in"] != float64(3600) || u["email"] != "doctor@clinic.test" || u["role"] != "doctor" || u["name"] == nil || u["id"] == nil {
			t.Errorf("login body: %v", body)
		}
		me := c.with(access).must(200, "GET", "/api/auth/me", "")
		if field(me, "email") != "doctor@clinic.test" || field(me, "role") != "doctor" || len(me["data"].(map[string]any)) != 5 || me["data"].(map[string]any)["permissions"] == nil {
			t.Errorf("me: %v", me)
		}
		// Wrong password and unknown email: the same 401 and message.
		s1, _, _, b1 := c.login("doctor@clinic.test", "wrong password 123")
		s2, _, _, b2 := c.login("nobody@clinic.test", testPassword)
		if s1 != 401 || s2 != 401 || b1["error"] != b2["error"] || b1["error"] != "invalid email or password" {
			t.Errorf("wrong password %d %v, unknown email %d %v", s1, b1, s2, b2)
		}
		for _, bad := range []string{`{"email":"doctor@clinic.test"}`, `{"password":"x"}`, `{"email":1,"password":2}`, `{"email":"a","password":"b","extra":1}`} {
			if res := c.anonymous().do("POST", "/api/auth/login", bad); res.status != 400 {
				t.Errorf("login %s: %d, want 400", bad, res.status)
			}
		}
		if n := c.count("audit_event WHERE action = 'login_failed'"); n != 2 {
			t.Errorf("%d login_failed events, want 2", n)
		}
		if n := c.count("audit_event WHERE action = 'login_failed' AND user_id IS NULL"); n != 1 {
			t.Errorf("the unknown email's failure should name no user; %d do", n)
		}
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		_, access1, r1, _ := c.login("admin@clinic.test", testPassword)
		status, access2, r2 := c.refresh(r1)
		if status != 200 || r2 == r1 || access2 == "" {
			t.Fatalf("refresh: %d", status)
		}
		c.with(access2).must(200, "GET", "/api/auth/me", "")
		c.with(access1).must(200, "GET", "/api/auth/me", "") // rotation alone does not end the session
		// Presenting the spent token again: theft. The whole session ends.
		if status, _, _ := c.refresh(r1); status != 401 {
			t.Errorf("reused refresh token: %d, want 401", status)
		}
		if status, _, _ := c.refresh(r2); status != 401 {
			t.Errorf("the rotated token of a revoked session: %d, want 401", status)
		}
		c.with(access2).must(401, "GET", "/api/auth/me", "")
		c.with(access1).must(401, "GET", "/api/auth/me", "")
		if n := c.count("audit_event WHERE action = 'refresh_reuse' AND outcome = 'denied'"); n != 1 {
			t.Errorf("%d refresh_reuse events, want 1", n)
		}
		// Other sessions of the same user are untouched.
		c.must(200, "GET", "/api/auth/me", "")
		if status, _, _ := c.refresh("not-a-token"); status != 401 {
			t.Errorf("unknown refresh token: %d", status)
		}
		// A refresh token expires after 7 days.
		_, _, r3, _ := c.login("admin@clinic.test", testPassword)
		c.clock.advance(7*24*time.Hour + time.Second)
		if status, _, _ := c.refresh(r3); status != 401 {
			t.Errorf("expired refresh token: %d", status)
		}
	})
}

func TestLogoutAndExpiry(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		_, access, refresh, _ := c.login("admin@clinic.test", testPassword)
		c.anonymous().must(200, "POST", "/api/auth/logout", fmt.Sprintf(`{"refresh_token":%q}`, refresh))
		c.with(access).must(401, "GET", "/api/patients", "")
		if status, _, _ := c.refresh(refresh); status != 401 {
			t.Errorf("refresh after logout: %d", status)
		}
		c.anonymous().must(401, "POST", "/api/auth/logout", `{"refresh_token":"unknown"}`)
		c.anonymous().must(400, "POST", "/api/auth/logout", `{}`)
		// An access token lives one hour; the refresh token gets a new one.
		_, access, refresh, _ = c.login("admin@clinic.test", testPassword)
		c.clock.advance(time.Hour + time.Second)
		c.with(access).must(401, "GET", "/api/patients", "")
		status, access, _ := c.refresh(refresh)
		if status != 200 {
			t.Fatalf("refresh after the access token expired: %d", status)
		}
		c.with(access).must(200, "GET", "/api/patients", "")
	})
}

func TestPasswordChange(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		staff := c.as("staff")
		_, otherAccess, otherRefresh, _ := c.login("staff@clinic.test", testPassword)
		const next = "Quartz-Meadow-Lantern-9"
		for body, field := range map[string]string{
			`{"current_password":"wrong password 1","new_password":"` + next + `"}`:             "current_password",
			`{"current_password":"` + testPassword + `","new_password":"short"}`:                "new_password",
			`{"current_password":"` + testPassword + `","new_password":"password1234"}`:         "new_password",
			`{"current_password":"` + testPassword + `","new_password":"staff@clinic.test"}`:    "new_password",
			`{"current_password":"` + testPassword + `","new_password":"` + testPassword + `"}`: "new_password",
			`{"current_password":"` + testPassword + `"}`:                                       "new_password",
		} {
			res := staff.do("POST", "/api/auth/password", body)
			if res.status != 400 || errorField(res.body, field) == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", body, res.status, res.raw, field)
			}
		}
		staff.must(200, "POST", "/api/auth/password", `{"current_password":"`+testPassword+`","new_password":"`+next+`"}`)
		staff.must(200, "GET", "/api/patients", "") // this session goes on
		c.with(otherAccess).must(401, "GET", "/api/patients", "")
		if status, _, _ := c.refresh(otherRefresh); status != 401 {
			t.Errorf("the other session's refresh token: %d, want 401", status)
		}
		if status, _, _, _ := c.login("staff@clinic.test", testPassword); status != 401 {
			t.Errorf("old password: %d", status)
		}
		if status, _, _, _ := c.login("staff@clinic.test", next); status != 200 {
			t.Errorf("new password: %d", status)
		}
	})
}

func TestDeactivationAndRoleChangeRevokeTokens(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		pid := c.createPatient("Grace Hopper", "grace@example.org")
		staff := c.as("staff")
		_, _, staffRefresh, _ := c.login("staff@clinic.test", testPassword)
		staff.must(403, "GET", fmt.Sprintf("/api/patients/%d/records", pid), "")
		c.must(200, "PUT", fmt.Sprintf("/api/users/%d", staff.user), `{"role":"doctor"}`)
		staff.must(401, "GET", "/api/appointments", "")
		if status, _, _ := c.refresh(staffRefresh); status != 401 {
			t.Errorf("refresh after a role change: %d", status)
		}
		doctor := c.signIn("staff@clinic.test", "doctor")
		doctor.must(200, "GET", fmt.Sprintf("/api/patients/%d/records", pid), "")

		c.must(200, "DELETE", fmt.Sprintf("/api/users/%d", doctor.user), "")
		doctor.must(401, "GET", "/api/appointments", "")
		if status, _, _, _ := c.login("staff@clinic.test", testPassword); status != 401 {
			t.Errorf("a deactivated user signed in: %d", status)
		}
		u := c.must(200, "GET", fmt.Sprintf("/api/users/%d", doctor.user), "")
		if field(u, "active") != false {
			t.Errorf("deactivated user: %v", u)
		}
		// The last active admin can be neither deactivated nor demoted.
		c.must(409, "DELETE", fmt.Sprintf("/api/users/%d", c.user), "")
		c.must(409, "PUT", fmt.Sprintf("/api/users/%d", c.user), `{"role":"staff"}`)
		c.must(200, "GET", "/api/users", "")
	})
}

func TestLockoutAndUnlock(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		c.as("doctor")
		for _, email := range []string{"doctor@clinic.test", "nobody@clinic.test"} {
			for i := 1; i <= 4; i++ {
				if status, _, _, _ := c.login(email, "wrong password 123"); status != 401 {
					t.Fatalf("%s failure %d: %d, want 401", email, i, status)
				}
			}
			res := c.anonymous().do("POST", "/api/auth/login", fmt.Sprintf(`{"email":%q,"password":"wrong password 123"}`, email))
			if res.status != 423 || res.header.Get("Retry-After") != "900" || !strings.Contains(res.body["error"].(string), "locked") {
				t.Errorf("%s fifth failure: %d Retry-After %q %s", email, res.status, res.header.Get("Retry-After"), res.raw)
			}
		}
		// Locked: even the right password is refused, until the window ends.
		if status, _, _, _ := c.login("doctor@clinic.test", testPassword); status != 423 {
			t.Errorf("right password while locked: %d, want 423", status)
		}
		c.clock.advance(14 * time.Minute)
		if status, _, _, _ := c.login("doctor@clinic.test", testPassword); status != 423 {
			t.Errorf("right password 14 minutes later: %d, want 423", status)
		}
		c.clock.advance(time.Minute + time.Second)
		if status, _, _, _ := c.login("doctor@clinic.test", testPassword); status != 200 {
			t.Errorf("right password after the lockout: %d, want 200", status)
		}
		// Success clears the count: four more failures do not lock.
		for i := 0; i < 4; i++ {
			c.login("doctor@clinic.test", "wrong password 123")
		}
		if status, _, _, _ := c.login("doctor@clinic.test", testPassword); status != 200 {
			t.Errorf("after 4 failures: %d, want 200", status)
		}
	})
}

func TestAuthRateLimitPerIP(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClientWith(t, st, httpapi.Options{AuthRateLimit: httpapi.RateLimit{Requests: 5, Window: time.Minute}})
		c.clock.advance(time.Minute) // a fresh window: newClient's sign-in counted in the last one
		anon := c.anonymous()
		for i := 0; i < 5; i++ {
			anon.must(400, "POST", "/api/auth/refresh", `{}`)
		}
		res := anon.do("POST", "/api/auth/login", `{"email":"a@b.co","password":"x"}`)
		if res.status != 429 || res.header.Get("Retry-After") == "" {
			t.Fatalf("sixth request: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
		}
		other := anon.do("POST", "/api/auth/refresh", `{}`, "X-Forwarded-For", "203.0.113.9")
		if other.status != 429 {
			t.Errorf("X-Forwarded-For must not dodge the limit unless HMS_TRUST_PROXY: %d", other.status)
		}
		c.must(200, "GET", "/api/patients", "") // the rest of the API is not limited
		c.clock.advance(time.Minute)
		anon.must(400, "POST", "/api/auth/refresh", `{}`)
	})
}

func TestUsersAPI(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		created := c.must(201, "POST", "/api/users", `{"email":"Yang@Clinic.test","name":"Cristina Yang","role":"doctor","password":"Cardio-Surgeon-2024"}`)
		u := created["data"].(map[string]any)
		if u["email"] != "yang@clinic.test" || u["role"] != "doctor" || u["active"] != true || u["last_login_at"] != nil || u["created_at"] == nil || u["updated_at"] == nil {
			t.Errorf("created user: %v", u)
		}
		if strings.Contains(fmt.Sprint(created), "argon2") || strings.Contains(fmt.Sprint(created), "password") {
			t.Errorf("the response leaks the password or its hash: %v", created)
		}
		for body, field := range map[string]string{
			`{"email":"yang@clinic.test","name":"Again","role":"doctor","password":"Cardio-Surgeon-2024"}`:        "email",
			`{"email":"a@clinic.test","name":"A","role":"surgeon","password":"Cardio-Surgeon-2024"}`:              "role",
			`{"email":"a@clinic.test","name":"A","role":"staff","password":"short"}`:                              "password",
			`{"email":"a@clinic.test","name":"A","role":"staff","password":"qwertyuiop123"}`:                      "password",
			`{"email":"a@clinic.test","name":"A","role":"staff"}`:                                                 "password",
			`{"email":"not-an-email","name":"A","role":"staff","password":"Cardio-Surgeon-2024"}`:                 "email",
			`{"email":"a@clinic.test","name":"A","role":"staff","password":"Cardio-Surgeon-2024","active":false}`: "active",
		} {
			res := c.do("POST", "/api/users", body)
			if res.status/100 != 4 || errorField(res.body, field) == "" {
				t.Errorf("%s: %d %s, want 4xx naming %s", body, res.status, res.raw, field)
			}
		}
		path := fmt.Sprintf("/api/users/%d", id(u))
		if got := c.must(200, "PUT", path, `{"name":"Dr. Cristina Yang","role":"admin"}`); field(got, "role") != "admin" || field(got, "name") != "Dr. Cristina Yang" {
			t.Errorf("update: %v", got)
		}
		c.must(400, "PUT", path, `{"email":"new@clinic.test"}`)
		c.must(400, "PUT", path, `{"password":"Cardio-Surgeon-2025"}`)
		c.must(400, "PUT", path, `{}`)
		c.must(404, "PUT", "/api/users/999999", `{"name":"X"}`)
		list := c.must(200, "GET", "/api/users?limit=1", "")
		if list["count"] != float64(1) || list["total"] != float64(2) || list["next_cursor"] == nil {
			t.Errorf("users list: %v", list)
		}
	})
}

func TestSecurityHeadersAndCORS(t *testing.T) {
	st := testutil.OpenStore(t, "sqlite")
	c := newClientWith(t, st, httpapi.Options{CORSOrigins: []string{"https://ui.clinic.test"}, HSTS: true})
	res := c.do("GET", "/api/patients", "", "Origin", "https://ui.clinic.test")
	for h, want := range map[string]string{
		"X-Content-Type-Options":      "nosniff",
		"Referrer-Policy":             "no-referrer",
		"X-Frame-Options":             "DENY",
		"Cache-Control":               "no-store",
		"Strict-Transport-Security":   "max-age=63072000; includeSubDomains",
		"Access-Control-Allow-Origin": "https://ui.clinic.test",
	} {
		if got := res.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(res.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP: %q", res.header.Get("Content-Security-Policy"))
	}
	if res.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials are never allowed cross-origin")
	}
	evil := c.do("GET", "/api/patients", "", "Origin", "https://evil.example")
	if evil.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unlisted origin got CORS headers: %v", evil.header)
	}
	pre := c.anonymous().do("OPTIONS", "/api/patients", "", "Origin", "https://ui.clinic.test", "Access-Control-Request-Method", "POST")
	if pre.status != 204 || !strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
	if bad := c.anonymous().do("OPTIONS", "/api/patients", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"); bad.status != 403 {
		t.Errorf("preflight from an unlisted origin: %d", bad.status)
	}
}
