package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestSSOStateAndHandoff: a sign-in in progress comes back once and only before it
// expires; so does the one-time code; housekeeping removes the expired ones.
func TestSSOStateAndHandoff(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		for _, p := range []store.PendingSSO{
			{StateHash: "fresh", BrowserHash: "b1", Nonce: "n1", Verifier: "v1", Expires: now.Add(10 * time.Minute)},
			{StateHash: "stale", BrowserHash: "b2", Nonce: "n2", Verifier: "v2", Expires: now.Add(-time.Minute)},
			{StateHash: "lapsed", BrowserHash: "b4", Nonce: "n4", Verifier: "v4", Expires: now.Add(-time.Minute)},
			{StateHash: "ancient", BrowserHash: "b3", Nonce: "n3", Verifier: "v3", Expires: now.Add(-48 * time.Hour)},
		} {
			if err := st.BeginSSO(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.TakeSSO(ctx, "fresh", now)
		if err != nil || got.BrowserHash != "b1" || got.Nonce != "n1" || got.Verifier != "v1" {
			t.Fatalf("take fresh = %+v, %v", got, err)
		}
		for _, state := range []string{"fresh", "stale", "unknown"} {
			if _, err := st.TakeSSO(ctx, state, now); domain.ErrorCode(err) != domain.CodeUnauthorized {
				t.Errorf("take %s: %v, want unauthorized", state, err)
			}
		}

		u, err := st.CreateUser(ctx, domain.User{Email: "dana@clinic.test", Name: "Dana", Role: domain.RoleDoctor}, "x")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SSOHandoff(ctx, u, "https://idp.test", "sub-1", "code", "b1", now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.SSOHandoff(ctx, u, "https://idp.test", "sub-1", "old-code", "b1", now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if linked, err := st.UserBySubject(ctx, "https://idp.test", "sub-1"); err != nil || linked.ID != u.ID {
			t.Fatalf("user by subject = %+v, %v", linked, err)
		}
		other, err := st.CreateUser(ctx, domain.User{Email: "sam@clinic.test", Name: "Sam", Role: domain.RoleStaff}, "x")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SSOHandoff(ctx, other, "https://idp.test", "sub-1", "c2", "b2", now.Add(time.Minute)); domain.ErrorCode(err) != domain.CodeConflict {
			t.Errorf("a second user linked to the same subject: %v, want conflict", err)
		}
		if b, id, err := st.TakeSSOHandoff(ctx, "code", now); err != nil || b != "b1" || id != u.ID {
			t.Fatalf("take handoff = %q %d %v", b, id, err)
		}
		if _, _, err := st.TakeSSOHandoff(ctx, "code", now); domain.ErrorCode(err) != domain.CodeUnauthorized {
			t.Errorf("code taken twice: %v", err)
		}

		if err := st.Housekeep(ctx, now.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		var logins, handoffs int
		if err := st.DB().QueryRow(`SELECT count(*) FROM oidc_login`).Scan(&logins); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().QueryRow(`SELECT count(*) FROM oidc_handoff`).Scan(&handoffs); err != nil {
			t.Fatal(err)
		}
		if logins != 1 || handoffs != 0 { // "lapsed" expired less than a day ago and stays
			t.Errorf("after housekeeping: %d sign-ins and %d codes, want 1 and 0", logins, handoffs)
		}
	})
}
