package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestHousekeepEndsDeadSessions: housekeeping removes the sessions that can never be used
// again (ended long enough ago, or left without a refresh token) and keeps the others,
// including one ended only a moment ago and one still open.
func TestHousekeepEndsDeadSessions(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		u, err := st.CreateUser(ctx, domain.User{Email: "clerk@clinic.test", Name: "Clerk", Role: domain.RoleStaff}, "x")
		if err != nil {
			t.Fatal(err)
		}
		signIn := func(id string, at, expires time.Time) {
			t.Helper()
			a, err := st.ReserveLogin(ctx, u.Email, at, 5, time.Minute)
			if err != nil || !a.Granted() {
				t.Fatalf("reserve: %v", err)
			}
			if err := st.NewSession(ctx, u, a, id, "hash-"+id, expires, at); err != nil {
				t.Fatal(err)
			}
		}
		long := now.Add(-10 * 24 * time.Hour)
		signIn("open", long, now.Add(24*time.Hour))       // old, but its refresh token is still valid
		signIn("expired", long, now.Add(-3*24*time.Hour)) // its only refresh token expired days ago
		signIn("ended-long-ago", long, now.Add(24*time.Hour))
		signIn("ended-just-now", long, now.Add(24*time.Hour))
		signIn("new", now, now.Add(24*time.Hour))
		if err := st.EndSession(ctx, "hash-ended-long-ago", now.Add(-5*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.EndSession(ctx, "hash-ended-just-now", now); err != nil {
			t.Fatal(err)
		}

		if err := st.Housekeep(ctx, now.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for id, kept := range map[string]bool{"open": true, "expired": false, "ended-long-ago": false, "ended-just-now": true, "new": true} {
			state, err := st.Session(ctx, id)
			switch {
			case kept && err != nil:
				t.Errorf("session %s: %v, want it kept", id, err)
			case !kept && err == nil:
				t.Errorf("session %s is still there (revoked %v), want it removed", id, state.Revoked)
			}
		}
		open, err := st.UserSessions(ctx, u.ID, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 2 {
			t.Errorf("%d open sessions listed after housekeeping, want 2 (open, new): %+v", len(open), open)
		}
	})
}
