package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

const wrongPassword = "wrong password 123"

// loginAll sends n sign-ins with password at once and returns a channel of their statuses.
func (c *client) loginAll(n int, email, password string) <-chan int {
	statuses := make(chan int, n)
	for range n {
		go func() {
			status, _, _, _ := c.login(email, password)
			statuses <- status
		}()
	}
	return statuses
}

// tally receives n statuses.
func tally(statuses <-chan int, n int) map[int]int {
	got := map[int]int{}
	for range n {
		got[<-statuses]++
	}
	return got
}

// lockedAfterFiveChecks checks that exactly five passwords of user (email) were checked and
// failed, and that the right password is now refused.
func (c *client) lockedAfterFiveChecks(email string, user int64) {
	c.t.Helper()
	if n := c.events("login_failed", user); n != 5 {
		c.t.Errorf("%d login_failed events, want 5", n)
	}
	if status, _, _, _ := c.login(email, testPassword); status != 423 {
		c.t.Errorf("the right password afterwards: %d, want 423", status)
	}
}

// events counts the audit events of action that name user.
func (c *client) events(action string, user int64) int {
	c.t.Helper()
	return c.count(fmt.Sprintf("audit_event WHERE action = '%s' AND user_id = %d", action, user))
}

// TestLockoutHoldsUnderConcurrency: 24 wrong passwords and the right one for one email, all
// in flight together. The one hashing slot is held while they arrive, so that every attempt
// is in flight before any password is checked: five take the email's slots and wait; the
// other 19, and then the right password, are refused without a check. Once the slot is
// free, the five are checked and fail, and the fifth failure locks the email.
func TestLockoutHoldsUnderConcurrency(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		hasher := auth.NewHasher(1, time.Minute)
		c := newClientWithAuth(t, st, httpapi.Options{}, auth.Options{Hasher: hasher})
		doctor := c.as("doctor")
		release, err := hasher.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		statuses := c.loginAll(24, "doctor@clinic.test", wrongPassword)
		// Errors, not Fatal: every attempt answers before the test ends.
		for i := range 19 {
			if s := <-statuses; s != 423 {
				t.Errorf("refused attempt %d: %d, want 423 (no more than five may wait for a password check)", i+1, s)
			}
		}
		res := c.anonymous().do("POST", "/api/auth/login", fmt.Sprintf(`{"email":"doctor@clinic.test","password":%q}`, testPassword))
		if res.status != 423 || res.header.Get("Retry-After") == "" {
			t.Errorf("the right password while five attempts are in flight: %d Retry-After %q, want 423", res.status, res.header.Get("Retry-After"))
		}
		release()
		if got := tally(statuses, 5); got[401] != 4 || got[423] != 1 {
			t.Errorf("the five checked attempts answered %v, want four 401 and the fifth failure 423", got)
		}
		// Five passwords were checked: five failures, and no sign-in since the harness's own.
		if n := c.events("login", doctor.user); n != 1 {
			t.Errorf("%d login events, want only the harness's sign-in", n)
		}
		c.lockedAfterFiveChecks("doctor@clinic.test", doctor.user)
	})
}

// TestLockoutBurstOfGuesses: 25 wrong passwords sent at once, interleaving as they will,
// check five passwords and lock the email.
func TestLockoutBurstOfGuesses(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClientWithAuth(t, st, httpapi.Options{}, auth.Options{Hasher: auth.NewHasher(0, time.Minute)})
		doctor := c.as("doctor")
		if got := tally(c.loginAll(25, "doctor@clinic.test", wrongPassword), 25); got[401] != 4 || got[423] != 21 {
			t.Errorf("25 guesses answered %v, want four 401 and 21 423", got)
		}
		c.lockedAfterFiveChecks("doctor@clinic.test", doctor.user)
	})
}

// TestPasswordChangeHonoursLockout: POST /api/auth/password checks the current password
// under the same lockout as sign-in, and its wrong guesses count toward it.
func TestPasswordChangeHonoursLockout(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		change := func(u *client, current string) response {
			return u.do("POST", "/api/auth/password", fmt.Sprintf(`{"current_password":%q,"new_password":"Quartz-Meadow-Lantern-9"}`, current))
		}
		// Three wrong sign-ins and two wrong current passwords make five failures.
		doctor := c.as("doctor")
		for i := range 3 {
			if status, _, _, _ := c.login("doctor@clinic.test", wrongPassword); status != 401 {
				t.Fatalf("wrong sign-in %d: %d", i+1, status)
			}
		}
		if res := change(doctor, wrongPassword); res.status != 400 || errorField(res.body, "current_password") == "" {
			t.Fatalf("fourth failure, a wrong current password: %d %s", res.status, res.raw)
		}
		if res := change(doctor, wrongPassword); res.status != 423 || res.header.Get("Retry-After") != "900" {
			t.Errorf("fifth failure: %d Retry-After %q %s, want 423", res.status, res.header.Get("Retry-After"), res.raw)
		}
		if res := change(doctor, testPassword); res.status != 423 {
			t.Errorf("the right current password while locked: %d %s, want 423", res.status, res.raw)
		}
		if n := c.events("login_failed", doctor.user); n != 5 {
			t.Errorf("%d login_failed events, want 5", n)
		}
		if n := c.events("password_change", doctor.user); n != 0 {
			t.Errorf("the password was changed while locked")
		}
		// Locked by sign-ins: the signed-in user cannot change the password either.
		staff := c.as("staff")
		for range 5 {
			c.login("staff@clinic.test", wrongPassword)
		}
		if res := change(staff, testPassword); res.status != 423 {
			t.Errorf("password change of an account locked by sign-ins: %d %s, want 423", res.status, res.raw)
		}
		staff.must(200, "GET", "/api/auth/me", "") // the open session itself goes on
		c.clock.advance(15*time.Minute + time.Second)
		if res := change(doctor, testPassword); res.status != 200 {
			t.Errorf("after the lockout: %d %s, want 200", res.status, res.raw)
		}
	})
}

// TestPasswordHashingIsBounded: with every hashing slot taken, sign-in, password change and
// user creation answer 503 with Retry-After after a short wait, check nothing and write
// nothing, and none of them counts toward the lockout.
func TestPasswordHashingIsBounded(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		hasher := auth.NewHasher(1, 10*time.Millisecond)
		c := newClientWithAuth(t, st, httpapi.Options{}, auth.Options{Hasher: hasher})
		staff := c.as("staff")
		release, err := hasher.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		users := c.count("app_user")
		busy := func(what string, res response) {
			t.Helper()
			if res.status != 503 || res.header.Get("Retry-After") != "1" {
				t.Errorf("%s with no hashing slot: %d Retry-After %q %s, want 503", what, res.status, res.header.Get("Retry-After"), res.raw)
			}
		}
		// More than the five attempts that lock an email: none was checked, none counts.
		for i := range 6 {
			busy(fmt.Sprintf("sign-in %d", i+1), c.anonymous().do("POST", "/api/auth/login", `{"email":"staff@clinic.test","password":"wrong password 123"}`))
		}
		busy("password change", staff.do("POST", "/api/auth/password", `{"current_password":"`+testPassword+`","new_password":"Quartz-Meadow-Lantern-9"}`))
		busy("user creation", c.do("POST", "/api/users", `{"email":"yang@clinic.test","name":"Cristina Yang","role":"doctor","password":"Cardio-Surgeon-2024"}`))
		if n := c.count("app_user"); n != users {
			t.Errorf("%d users after a refused creation, want %d", n, users)
		}
		if n := c.events("login_failed", staff.user); n != 0 {
			t.Errorf("%d login_failed events, want none: no password was checked", n)
		}
		release()
		if status, _, _, _ := c.login("staff@clinic.test", testPassword); status != 200 {
			t.Errorf("sign-in once a slot is free: %d, want 200", status)
		}
	})
}
