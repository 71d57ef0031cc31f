package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// totpCode is what an authenticator app shows for secret at time at.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrol turns two-factor sign-in on for c's user through the API and returns the secret
// and the recovery codes. The confirming code's time step is spent: the next code must
// come from a later one.
func (c *client) enrol() (string, []string) {
	c.t.Helper()
	secret := field(c.must(200, "POST", "/api/auth/mfa/setup", ""), "secret").(string)
	res := c.must(200, "POST", "/api/auth/mfa/confirm", codeBody(totpCode(c.t, secret, c.clock.now())))
	var codes []string
	for _, v := range field(res, "recovery_codes").([]any) {
		codes = append(codes, v.(string))
	}
	return secret, codes
}

func codeBody(code string) string { return fmt.Sprintf(`{"code":%q}`, code) }

// passwordStep signs in with email's password and answers the second step it asks for
// ("code" or "enrolment") and its token; it fails the test when the password alone signs in.
func (c *client) passwordStep(email string) (step, token string) {
	c.t.Helper()
	res := c.anonymous().do("POST", "/api/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, testPassword))
	if res.status != 200 {
		c.t.Fatalf("sign in as %s: %d %s", email, res.status, res.raw)
	}
	d := res.body["data"].(map[string]any)
	if d["access_token"] != nil || d["refresh_token"] != nil || d["user"] != nil {
		c.t.Fatalf("the password alone of %s answered tokens: %s", email, res.raw)
	}
	step, _ = d["mfa_required"].(string)
	token, _ = d["mfa_token"].(string)
	if token == "" {
		c.t.Fatalf("sign in as %s: no mfa_token: %s", email, res.raw)
	}
	return step, token
}

// pendingSignIn creates the user email of role and answers the token of their sign-in's
// second step: with a confirmed second factor (enrolled), or on a server that requires
// role to enrol one. The token is valid for an hour.
func (c *client) pendingSignIn(email, role string, enrolled bool) string {
	c.t.Helper()
	ao := auth.Options{PendingTTL: time.Hour}
	if !enrolled {
		ao.MFARequired = []string{role}
	}
	side := newClientWithAuth(c.t, c.st, httpapi.Options{}, ao)
	if enrolled {
		side.signIn(email, role).enrol()
	} else if _, err := c.st.CreateUser(context.Background(), domain.User{Email: email, Name: "Test " + role + " pending", Role: role}, testHash()); err != nil {
		c.t.Fatal(err)
	}
	_, token := side.passwordStep(email)
	return token
}

// TestTOTPSignIn: enrolment with a QR code and the secret, confirmed by a code; then the
// password answers only a challenge token, which reaches nothing but the second step, and
// a current code completes the sign-in. Expired and replayed codes, recovery codes (each
// once), and the secret never answered again.
func TestTOTPSignIn(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doctor := c.as("doctor")
		const email = "doctor@clinic.test"
		if field(doctor.must(200, "GET", "/api/auth/mfa", ""), "enabled") != false {
			t.Fatal("two-factor sign-in on before enrolment")
		}
		setup := doctor.must(200, "POST", "/api/auth/mfa/setup", "")
		secret := field(setup, "secret").(string)
		if qr := field(setup, "qr_code").(string); !strings.HasPrefix(qr, "data:image/png;base64,") {
			t.Errorf("qr_code %.40q, want a PNG data: URL", qr)
		}
		if uri := field(setup, "otpauth_uri").(string); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
			t.Errorf("otpauth_uri %q", uri)
		}
		// Not on until confirmed: the password alone still signs in.
		if status, _, _, _ := c.login(email, testPassword); status != 200 {
			t.Fatalf("sign-in during enrolment: %d", status)
		}
		wrong := fmt.Sprintf("%06d", (atoi(totpCode(t, secret, c.clock.now()))+1)%1000000)
		if res := doctor.do("POST", "/api/auth/mfa/confirm", codeBody(wrong)); res.status != 400 || errorField(res.body, "code") == "" {
			t.Fatalf("confirm with a wrong code: %d %s", res.status, res.raw)
		}
		res := doctor.must(200, "POST", "/api/auth/mfa/confirm", codeBody(totpCode(t, secret, c.clock.now())))
		recovery := field(res, "recovery_codes").([]any)
		if len(recovery) != 10 || field(res, "session") != nil {
			t.Fatalf("confirm answered %v, want ten recovery codes and no session", res)
		}
		if n := c.events("mfa_enrol", doctor.user); n != 1 {
			t.Errorf("%d mfa_enrol events, want 1", n)
		}
		status := doctor.must(200, "GET", "/api/auth/mfa", "")
		if field(status, "enabled") != true || field(status, "recovery_codes_left") != float64(10) {
			t.Errorf("status after enrolment: %v", status)
		}
		if res := doctor.do("POST", "/api/auth/mfa/setup", ""); res.status != 409 {
			t.Errorf("a second enrolment: %d, want 409", res.status)
		}

		// The password answers a challenge, which opens nothing but the second step.
		step, challenge := c.passwordStep(email)
		if step != "code" {
			t.Errorf("mfa_required %q, want code", step)
		}
		pending := c.with(challenge)
		for _, call := range [][2]string{{"GET", "/api/patients"}, {"GET", "/api/auth/me"}, {"GET", "/api/auth/mfa"}, {"POST", "/api/auth/mfa/setup"}, {"GET", "/api/nowhere"}} {
			if res := pending.do(call[0], call[1], ""); res.status != 401 {
				t.Errorf("%s %s with the challenge token: %d, want 401", call[0], call[1], res.status)
			}
		}
		// The confirming code was spent; so is the one just before it.
		if res := pending.do("POST", "/api/auth/mfa/verify", codeBody(totpCode(t, secret, c.clock.now()))); res.status != 400 {
			t.Errorf("the confirming code again: %d, want 400 (replayed)", res.status)
		}
		c.clock.advance(30 * time.Second)
		if res := pending.do("POST", "/api/auth/mfa/verify", codeBody(totpCode(t, secret, c.clock.now().Add(-90*time.Second)))); res.status != 400 {
			t.Errorf("a code three steps old: %d, want 400 (expired)", res.status)
		}
		code := totpCode(t, secret, c.clock.now())
		res = pending.must(200, "POST", "/api/auth/mfa/verify", codeBody(" "+code[:3]+" "+code[3:]))
		access := field(res, "access_token").(string)
		if me := c.with(access).must(200, "GET", "/api/auth/me", ""); field(me, "email") != email {
			t.Errorf("signed in as %v", field(me, "email"))
		}
		// Replayed within its window, on a new challenge.
		_, challenge = c.passwordStep(email)
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(code)); res.status != 400 {
			t.Errorf("a replayed code: %d, want 400", res.status)
		}
		// An earlier step's code, still within the window, after a later one was used.
		c.clock.advance(30 * time.Second)
		c.with(challenge).must(200, "POST", "/api/auth/mfa/verify", codeBody(totpCode(t, secret, c.clock.now().Add(30*time.Second))))
		_, challenge = c.passwordStep(email)
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(totpCode(t, secret, c.clock.now()))); res.status != 400 {
			t.Errorf("a code of the step before the last one used: %d, want 400", res.status)
		}

		// A recovery code signs in once, in any case and with or without its hyphen.
		rc := recovery[3].(string)
		c.with(challenge).must(200, "POST", "/api/auth/mfa/verify", codeBody(strings.ToUpper(rc)))
		_, challenge = c.passwordStep(email)
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(strings.ReplaceAll(rc, "-", ""))); res.status != 400 {
			t.Errorf("a spent recovery code: %d, want 400", res.status)
		}
		if left := field(doctor.must(200, "GET", "/api/auth/mfa", ""), "recovery_codes_left"); left != float64(9) {
			t.Errorf("recovery codes left %v, want 9", left)
		}
		// The challenge expires.
		c.clock.advance(auth.DefaultPendingTTL + time.Second)
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(recovery[4].(string))); res.status != 401 {
			t.Errorf("an expired challenge: %d, want 401", res.status)
		}

		// The secret is never answered again, nor logged.
		for _, path := range []string{"/api/auth/mfa", "/api/auth/me", fmt.Sprintf("/api/users/%d", doctor.user), "/api/users"} {
			if res := c.do("GET", path, ""); strings.Contains(res.raw, secret) {
				t.Errorf("GET %s answers the secret", path)
			}
		}
		if strings.Contains(c.log.String(), secret) || strings.Contains(c.log.String(), rc) {
			t.Error("the log holds the secret or a recovery code")
		}
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestWrongCodesLockTheAccount: wrong codes are failed sign-ins. However many arrive at
// once, no more than five are checked before the account locks, and a right password in
// between does not give the guesser more tries.
func TestWrongCodesLockTheAccount(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doctor := c.as("doctor")
		const email = "doctor@clinic.test"
		secret, _ := doctor.enrol()
		c.clock.advance(30 * time.Second)
		_, challenge := c.passwordStep(email)
		good := totpCode(t, secret, c.clock.now())
		bad := fmt.Sprintf("%06d", (atoi(good)+500000)%1000000)
		// One wrong code, then the password again: the failure stays.
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(bad)); res.status != 400 {
			t.Fatalf("a wrong code: %d %s", res.status, res.raw)
		}
		_, challenge = c.passwordStep(email)
		var wg sync.WaitGroup
		statuses := make(chan int, 24)
		for range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(bad)).status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 400 && s != 423 {
				t.Errorf("a wrong code in the burst: %d, want 400 or 423", s)
			}
		}
		// Until the lock, one at a time.
		for range 10 {
			res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(bad))
			if res.status == 423 {
				break
			}
			if res.status != 400 {
				t.Fatalf("a wrong code: %d %s", res.status, res.raw)
			}
		}
		if n := c.events("login_failed", doctor.user); n != 5 {
			t.Errorf("%d codes checked and failed before the lock, want 5", n)
		}
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(good)); res.status != 423 {
			t.Errorf("the right code on a locked account: %d, want 423", res.status)
		}
		if status, _, _, _ := c.login(email, testPassword); status != 423 {
			t.Errorf("the right password on a locked account: %d, want 423", status)
		}
	})
}

// TestReplayRace: two requests with the same code at once: one signs in.
func TestReplayRace(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		secret, _ := c.as("staff").enrol()
		c.clock.advance(30 * time.Second)
		code := totpCode(t, secret, c.clock.now())
		_, first := c.passwordStep("staff@clinic.test")
		_, second := c.passwordStep("staff@clinic.test")
		statuses := make(chan int, 2)
		for _, tok := range []string{first, second} {
			go func() { statuses <- c.with(tok).do("POST", "/api/auth/mfa/verify", codeBody(code)).status }()
		}
		got := tally(statuses, 2)
		if got[200] != 1 || got[400] != 1 {
			t.Errorf("statuses %v, want one 200 and one 400", got)
		}
	})
}

// TestMFARequiredRoles: with HMS_MFA_REQUIRED=doctor, a doctor without a second factor
// gets an enrolment token at sign-in, which reaches only the enrolment; confirming it
// signs them in. Other roles sign in with a password, and may turn theirs off; a doctor may not.
func TestMFARequiredRoles(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClientWithAuth(t, st, httpapi.Options{}, auth.Options{MFARequired: []string{domain.RoleDoctor}})
		if _, err := st.CreateUser(context.Background(), domain.User{Email: "doc@clinic.test", Name: "Test Doc", Role: domain.RoleDoctor}, testHash()); err != nil {
			t.Fatal(err)
		}
		step, token := c.passwordStep("doc@clinic.test")
		if step != "enrolment" {
			t.Fatalf("mfa_required %q, want enrolment", step)
		}
		enrolling := c.with(token)
		for _, call := range [][2]string{{"GET", "/api/patients"}, {"GET", "/api/auth/mfa"}, {"POST", "/api/auth/mfa/verify"}, {"POST", "/api/auth/mfa/disable"}} {
			if res := enrolling.do(call[0], call[1], codeBody("123456")); res.status != 401 {
				t.Errorf("%s %s with the enrolment token: %d, want 401", call[0], call[1], res.status)
			}
		}
		secret := field(enrolling.must(200, "POST", "/api/auth/mfa/setup", ""), "secret").(string)
		res := enrolling.must(200, "POST", "/api/auth/mfa/confirm", codeBody(totpCode(t, secret, c.clock.now())))
		session, _ := field(res, "session").(map[string]any)
		if session == nil || len(field(res, "recovery_codes").([]any)) != 10 {
			t.Fatalf("confirm with the enrolment token: %v", res)
		}
		doc := c.with(session["access_token"].(string))
		doc.must(200, "GET", "/api/patients", "")
		if field(doc.must(200, "GET", "/api/auth/mfa", ""), "required") != true {
			t.Error("the status does not say the doctor's role requires it")
		}
		c.clock.advance(30 * time.Second)
		if res := doc.do("POST", "/api/auth/mfa/disable", codeBody(totpCode(t, secret, c.clock.now()))); res.status != 403 {
			t.Errorf("a doctor turning it off: %d, want 403", res.status)
		}
		if step, _ := c.passwordStep("doc@clinic.test"); step != "code" {
			t.Errorf("the doctor's next sign-in asks for %q, want code", step)
		}
		// Staff are not required: a password signs in, and an enrolled staff user may turn it off.
		staff := c.as("staff")
		staffSecret, _ := staff.enrol()
		c.clock.advance(30 * time.Second)
		staff.must(200, "POST", "/api/auth/mfa/disable", codeBody(totpCode(t, staffSecret, c.clock.now())))
		if n := c.events("mfa_disable", staff.user); n != 1 {
			t.Errorf("%d mfa_disable events, want 1", n)
		}
		if status, _, _, _ := c.login("staff@clinic.test", testPassword); status != 200 {
			t.Errorf("staff sign-in after turning it off: %d", status)
		}
	})
}

// TestAdminResetsMFA: an admin removes a user's second factor (a lost phone): recorded,
// the user's sessions and pending sign-ins end, and the next sign-in enrols again when the
// role requires it.
func TestAdminResetsMFA(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClientWithAuth(t, st, httpapi.Options{}, auth.Options{MFARequired: []string{domain.RoleNurse}})
		if _, err := st.CreateUser(context.Background(), domain.User{Email: "nina@clinic.test", Name: "Nina Nurse", Role: domain.RoleNurse}, testHash()); err != nil {
			t.Fatal(err)
		}
		_, token := c.passwordStep("nina@clinic.test")
		enrolling := c.with(token)
		secret := field(enrolling.must(200, "POST", "/api/auth/mfa/setup", ""), "secret").(string)
		res := enrolling.must(200, "POST", "/api/auth/mfa/confirm", codeBody(totpCode(t, secret, c.clock.now())))
		session := field(res, "session").(map[string]any)
		nina := c.with(session["access_token"].(string))
		ninaID := id(session["user"])
		nina.must(200, "GET", "/api/auth/me", "") // the session is now in the store's cache
		_, challenge := c.passwordStep("nina@clinic.test")

		c.must(200, "DELETE", fmt.Sprintf("/api/users/%d/mfa", ninaID), "")
		if res := nina.do("GET", "/api/auth/me", ""); res.status != 401 {
			t.Errorf("the user's access token after the reset: %d, want 401", res.status)
		}
		if res := c.anonymous().do("POST", "/api/auth/refresh", fmt.Sprintf(`{"refresh_token":%q}`, session["refresh_token"])); res.status != 401 {
			t.Errorf("the user's refresh token after the reset: %d, want 401", res.status)
		}
		c.clock.advance(30 * time.Second)
		if res := c.with(challenge).do("POST", "/api/auth/mfa/verify", codeBody(totpCode(t, secret, c.clock.now()))); res.status != 401 {
			t.Errorf("a challenge from before the reset: %d, want 401", res.status)
		}
		if n := c.count(fmt.Sprintf("audit_event WHERE action = 'mfa_reset' AND resource_id = %d AND user_id = %d", ninaID, c.user)); n != 1 {
			t.Errorf("%d mfa_reset events by the admin, want 1", n)
		}
		if step, _ := c.passwordStep("nina@clinic.test"); step != "enrolment" {
			t.Errorf("the next sign-in asks for %q, want enrolment", step)
		}
		if res := c.do("DELETE", "/api/users/999999/mfa", ""); res.status != 404 {
			t.Errorf("reset of a user that does not exist: %d, want 404", res.status)
		}
	})
}
