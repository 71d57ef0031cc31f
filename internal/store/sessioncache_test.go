package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// openReplicas opens two stores on one fresh PostgreSQL database, as two HMS replicas
// would, and waits until both session caches listen.
func openReplicas(t *testing.T) (a, b *store.Store, dbURL string) {
	t.Helper()
	ctx := context.Background()
	opts := testutil.StoreOptions(t, "postgres")
	var stores []*store.Store
	for range 2 {
		st, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	if _, err := stores[0].MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, st := range stores {
		waitFor(t, "the session cache to listen", func() bool { live, _ := store.SessionCacheState(st); return live })
	}
	return stores[0], stores[1], opts.DatabaseURL
}

// waitFor polls cond until it holds; the test's own timeout bounds the wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func signedIn(t *testing.T, st *store.Store, email, role, session string) domain.User {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUser(ctx, domain.User{Email: email, Name: "User " + session, Role: role}, "x")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.NewSession(ctx, u, store.LoginAttempt{}, session, "refresh-"+session, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSessionChangesReachEveryReplica: a session state that replica B cached is not used
// once replica A has ended the session or changed its user: B's next lookup, right after
// A's call returns, sees the change (A's call waits until every listening replica has
// emptied its cache).
func TestSessionChangesReachEveryReplica(t *testing.T) {
	a, b, _ := openReplicas(t)
	ctx := context.Background()
	now := time.Now()
	changes := []struct {
		name   string
		change func(u domain.User, session string) error
		ended  func(st store.SessionState) bool
	}{
		{"logout", func(u domain.User, session string) error { return a.EndSession(ctx, "refresh-"+session, now) },
			func(st store.SessionState) bool { return st.Revoked }},
		{"every session ended by an admin", func(u domain.User, _ string) error { _, err := a.EndAllSessions(ctx, u.ID, now); return err },
			func(st store.SessionState) bool { return st.Revoked }},
		{"user disabled", func(u domain.User, _ string) error {
			_, err := a.UpdateUser(ctx, u.ID, domain.UserChanges{Active: new(false)})
			return err
		}, func(st store.SessionState) bool { return !st.Active && st.Revoked }},
		{"role changed", func(u domain.User, _ string) error {
			_, err := a.UpdateUser(ctx, u.ID, domain.UserChanges{Role: new(domain.RoleStaff)})
			return err
		}, func(st store.SessionState) bool { return st.Role == domain.RoleStaff && st.Revoked }},
		{"password reset", func(u domain.User, _ string) error {
			return a.SetPassword(ctx, u.ID, "new-hash", "", domain.ActionPasswordChange)
		}, func(st store.SessionState) bool { return st.Revoked }},
	}
	for i, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			session := fmt.Sprint("session-", i)
			u := signedIn(t, a, fmt.Sprintf("u%d@clinic.test", i), domain.RoleDoctor, session)
			for range 2 { // the second lookup comes from B's cache
				if st, err := b.Session(ctx, session); err != nil || st.Revoked || !st.Active || st.Role != domain.RoleDoctor {
					t.Fatalf("before the change: %+v, %v", st, err)
				}
			}
			if err := c.change(u, session); err != nil {
				t.Fatal(err)
			}
			if st, err := b.Session(ctx, session); err != nil || !c.ended(st) {
				t.Errorf("replica B after the change on A: %+v, %v", st, err)
			}
		})
	}
}

// TestSessionCacheIsBypassedWithoutItsListener: while a replica's listening connection is
// down it reads every session from the database, so a change it cannot hear of is seen at
// once; once the listener is back, it caches again, having forgotten what it held before.
func TestSessionCacheIsBypassedWithoutItsListener(t *testing.T) {
	a, b, dbURL := openReplicas(t)
	ctx := context.Background()
	signedIn(t, a, "u@clinic.test", domain.RoleDoctor, "session-1")
	if _, err := b.Session(ctx, "session-1"); err != nil {
		t.Fatal(err)
	}
	// An operator's SQL ends the session behind HMS's back: no replica hears of it, and B
	// answers from its cache (for at most the cache's lifetime).
	behindTheBack := func(revoked bool) {
		t.Helper()
		q := `UPDATE auth_session SET revoked_at = now() WHERE id = 'session-1'`
		if !revoked {
			q = `UPDATE auth_session SET revoked_at = NULL WHERE id = 'session-1'`
		}
		if _, err := a.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	behindTheBack(true)
	if st, err := b.Session(ctx, "session-1"); err != nil || st.Revoked {
		t.Fatalf("the cached state was not used: %+v, %v", st, err)
	}
	behindTheBack(false)

	// The listeners' connections drop, and new connections are refused for a while (those
	// of the stores' pools stay open).
	var db string
	if err := a.DB().QueryRowContext(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	allowConnections := func(allow bool) {
		t.Helper()
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS %t`, db, allow)); err != nil {
			t.Fatal(err)
		}
	}
	allowConnections(false)
	defer allowConnections(true)
	if _, err := a.DB().ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'hms-session-cache' AND datname = current_database()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replica B to notice its listener is gone", func() bool { live, _ := store.SessionCacheState(b); return !live })
	behindTheBack(true)
	if st, err := b.Session(ctx, "session-1"); err != nil || !st.Revoked {
		t.Errorf("without its listener, replica B still answered from its cache: %+v, %v", st, err)
	}
	behindTheBack(false)

	allowConnections(true)
	waitFor(t, "replica B to listen again", func() bool { live, _ := store.SessionCacheState(b); return live })
	for range 2 {
		if st, err := b.Session(ctx, "session-1"); err != nil || st.Revoked {
			t.Fatalf("after the listener is back: %+v, %v", st, err)
		}
	}
	behindTheBack(true)
	if st, err := b.Session(ctx, "session-1"); err != nil || st.Revoked {
		t.Errorf("with its listener back, replica B does not cache: %+v, %v", st, err)
	}
}
