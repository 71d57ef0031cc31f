package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestLoginAttemptSlots walks the sign-in allowance of one email through an interleaving
// that concurrent requests can produce, step by step: slots are taken before a password
// is checked, a failure keeps its slot, a success gives its own back and clears only the
// failures recorded before it took its slot.
func TestLoginAttemptSlots(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const email, limit, lockFor = "nurse@clinic.test", 5, 15 * time.Minute
		u, err := st.CreateUser(ctx, domain.User{Email: email, Name: "Nurse", Role: domain.RoleStaff}, "x")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		reserve := func() store.LoginAttempt {
			t.Helper()
			a, err := st.ReserveLogin(ctx, "Nurse@Clinic.test", now, limit, lockFor)
			if err != nil || !a.Granted() {
				t.Fatalf("reserve: refused (locked until %v), %v", a.LockedUntil, err)
			}
			return a
		}
		// refused checks that no slot is free, and that the email is locked until lockedUntil
		// (the zero time: not locked, every slot is in flight).
		refused := func(lockedUntil time.Time) {
			t.Helper()
			a, err := st.ReserveLogin(ctx, email, now, limit, lockFor)
			if err != nil || a.Granted() || !a.LockedUntil.Equal(lockedUntil) {
				t.Fatalf("reserve: granted %v, locked until %v, %v; want refused, locked until %v", a.Granted(), a.LockedUntil, err, lockedUntil)
			}
		}
		fail := func(a store.LoginAttempt) time.Time {
			t.Helper()
			locked, err := st.LoginFailed(ctx, a, nil, now, limit, lockFor)
			if err != nil {
				t.Fatal(err)
			}
			return locked
		}

		// Five attempts in flight fill the allowance; the sixth is refused before any check.
		var inFlight []store.LoginAttempt
		for range limit {
			inFlight = append(inFlight, reserve())
		}
		refused(time.Time{})
		// An attempt that was never checked gives its slot back.
		if err := st.ReleaseLogin(ctx, inFlight[4]); err != nil {
			t.Fatal(err)
		}
		inFlight[4] = reserve()
		for _, a := range inFlight {
			_ = st.ReleaseLogin(ctx, a)
		}

		// One failure; then a right password (r) takes its slot while three guesses are in
		// flight, and one of them fails before r succeeds.
		fail(reserve())
		r := reserve()
		g1, g2, g3 := reserve(), reserve(), reserve()
		refused(time.Time{}) // 1 failure + 4 in flight
		fail(g1)
		if err := st.NewSession(ctx, u, r, "session-r", "refresh-r", now.Add(time.Hour), now); err != nil {
			t.Fatal(err)
		}
		fail(g2)
		fail(g3)
		// The success cleared the failure from before it; the three that overlapped it stay:
		// two more failures lock the email.
		if locked := fail(reserve()); !locked.IsZero() {
			t.Fatalf("the fourth failure locked the email until %v", locked)
		}
		if locked := fail(reserve()); !locked.Equal(now.Add(lockFor)) {
			t.Fatalf("the fifth failure: locked until %v, want %v", locked, now.Add(lockFor))
		}
		refused(now.Add(lockFor))

		// When the lock ends, the email starts afresh.
		now = now.Add(lockFor)
		for range limit {
			reserve()
		}
		refused(time.Time{})

		// Unlocked failures lapse after lockFor without an attempt.
		const other = "porter@clinic.test"
		for range limit - 1 {
			a, _ := st.ReserveLogin(ctx, other, now, limit, lockFor)
			fail(a)
		}
		now = now.Add(lockFor + time.Second)
		for i := range limit {
			if a, err := st.ReserveLogin(ctx, other, now, limit, lockFor); err != nil || !a.Granted() {
				t.Fatalf("attempt %d after the failures lapsed: refused, %v", i+1, err)
			}
		}
	})
}
