package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestConcurrentAuditsAndSessionLookups: the events of concurrent reads are all stored,
// each with its own request, and concurrent session lookups each get their own session's
// state, a revocation included.
func TestConcurrentAuditsAndSessionLookups(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		var users []domain.User
		for i, role := range []string{domain.RoleDoctor, domain.RoleStaff} {
			u, err := st.CreateUser(ctx, domain.User{Email: fmt.Sprintf("u%d@clinic.test", i), Name: "User", Role: role}, "x")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.NewSession(ctx, u, store.LoginAttempt{}, fmt.Sprint("session-", i), fmt.Sprint("refresh-", i), now.Add(time.Hour), now); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		if err := st.EndSession(ctx, "refresh-1", now); err != nil {
			t.Fatal(err)
		}

		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Go(func() {
				actx := domain.WithActor(ctx, domain.Actor{UserID: users[0].ID, Role: users[0].Role, RequestID: fmt.Sprint("req-", i)})
				if err := st.Audit(actx, store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, ResourceID: int64(i + 1)}); err != nil {
					errs <- err
				}
			})
			wg.Go(func() {
				id := fmt.Sprint("session-", i%3)
				s, err := st.Session(ctx, id)
				switch i % 3 {
				case 0:
					if err != nil || s.UserID != users[0].ID || s.Role != domain.RoleDoctor || s.Revoked || !s.Active {
						errs <- fmt.Errorf("%s: %+v, %v", id, s, err)
					}
				case 1:
					if err != nil || s.UserID != users[1].ID || s.Role != domain.RoleStaff || !s.Revoked {
						errs <- fmt.Errorf("%s (revoked): %+v, %v", id, s, err)
					}
				case 2:
					if domain.ErrorCode(err) != domain.CodeUnauthorized {
						errs <- fmt.Errorf("%s (unknown): %+v, %v", id, s, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var events, requests int
		if err := st.DB().QueryRow(`SELECT count(*), count(DISTINCT request_id) FROM audit_event WHERE action = 'read' AND user_id = $1 AND resource_id BETWEEN 1 AND $2`,
			users[0].ID, n).Scan(&events, &requests); err != nil {
			t.Fatal(err)
		}
		if events != n || requests != n {
			t.Errorf("%d read events with %d request ids, want %d of each", events, requests, n)
		}
	})
}

// TestAuditAll: the events of one call, more than one insert holds, are all stored with
// their patients and the caller's request.
func TestAuditAll(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := domain.WithActor(context.Background(), domain.Actor{Role: domain.RoleStaff, RequestID: "req-many"})
		const n = 600
		events := make([]store.Event, n)
		for i := range events {
			events[i] = store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, PatientID: int64(i + 1)}
		}
		if err := st.AuditAll(ctx, events); err != nil {
			t.Fatal(err)
		}
		var count, patients int
		if err := st.DB().QueryRow(`SELECT count(*), count(DISTINCT patient_id) FROM audit_event WHERE request_id = 'req-many' AND resource_id IS NULL`).
			Scan(&count, &patients); err != nil {
			t.Fatal(err)
		}
		if count != n || patients != n {
			t.Errorf("%d events of %d patients, want %d of each", count, patients, n)
		}
	})
}
