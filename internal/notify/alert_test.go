package notify

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func (r *rig) user(role, email string) domain.User {
	r.t.Helper()
	u, err := r.st.CreateUser(context.Background(), domain.User{Email: email, Name: "User " + email, Role: role}, "not-a-hash")
	if err != nil {
		r.t.Fatal(err)
	}
	return u
}

func (r *rig) setActive(u domain.User, active bool) {
	r.t.Helper()
	if _, err := r.st.UpdateUser(context.Background(), u.ID, domain.UserChanges{Active: &active}); err != nil {
		r.t.Fatal(err)
	}
}

// alertJobs counts the queue's alert jobs in a state, or in any state when it is empty.
func (r *rig) alertJobs(state string) int {
	r.t.Helper()
	var n int
	q := `SELECT count(*) FROM river_job WHERE kind = $1`
	args := []any{alertArgs{}.Kind()}
	if state != "" {
		q += ` AND state = $2`
		args = append(args, state)
	}
	if err := r.st.DB().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// Each emergency access emails every active admin, once, with the doctor and the times but
// neither the patient nor the reason; the emails are queued with the access, or not at all.
func TestEmergencyAccessEmailsEveryActiveAdmin(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db)
			ctx := context.Background()
			first := r.user(domain.RoleAdmin, "first.admin@clinic.example.org")
			second := r.user(domain.RoleAdmin, "second.admin@clinic.example.org")
			gone := r.user(domain.RoleAdmin, "gone.admin@clinic.example.org")
			r.setActive(gone, false)
			r.user(domain.RoleNurse, "nurse@clinic.example.org")
			doctor := r.user(domain.RoleDoctor, "dr.house@clinic.example.org")
			now := r.clock.Now()
			reason := "found unconscious, secret reason"

			// A failed start (no such patient) queues nothing.
			if _, err := r.st.StartEmergencyAccess(ctx, doctor.ID, 999999, reason, now, now.Add(time.Hour)); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Fatalf("emergency access to a missing patient: %v", err)
			}
			mustEqual(t, "alerts queued by a failed start", r.alertJobs(""), 0)

			e, err := r.st.StartEmergencyAccess(ctx, doctor.ID, r.patient.ID, reason, now, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			// Queued with the access, for the two active admins; the second is demoted before
			// the queue runs and is not written to.
			mustEqual(t, "alerts queued", r.alertJobs(""), 2)
			nurse := domain.RoleNurse
			if _, err := r.st.UpdateUser(ctx, second.ID, domain.UserChanges{Role: &nurse}); err != nil {
				t.Fatal(err)
			}
			r.start(r.svc)
			mails := r.mail.WaitForMessages(t, 1)
			deadline := time.Now().Add(30 * time.Second)
			for r.alertJobs("completed") < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("alert jobs completed: %d of 2", r.alertJobs("completed"))
				}
				time.Sleep(50 * time.Millisecond)
			}
			mails = r.mail.Messages(t)
			if len(mails) != 1 || len(mails[0].To) != 1 || mails[0].To[0].Address != first.Email {
				t.Fatalf("alerts sent: %+v, want one to %s", mails, first.Email)
			}
			m := mails[0]
			if !strings.Contains(m.Subject, doctor.Name) || !strings.Contains(m.Text, doctor.Name) {
				t.Errorf("the alert does not name the doctor: %q\n%s", m.Subject, m.Text)
			}
			link := "https://clinic.example.org/patients/" + strconv.FormatInt(r.patient.ID, 10)
			if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
				t.Errorf("the alert does not link to the patient's page %s:\n%s", link, m.Text)
			}
			for _, secret := range []string{r.patient.Name, r.patient.Email, r.patient.MRN, "secret reason"} {
				if secret != "" && (strings.Contains(m.Text, secret) || strings.Contains(m.HTML, secret) || strings.Contains(m.Subject, secret)) {
					t.Errorf("the alert contains %q", secret)
				}
			}
			want := "hms.emergency." + strconv.FormatInt(e.ID, 10) + "." + strconv.FormatInt(first.ID, 10) + "@clinic.example.org"
			mustEqual(t, "Message-ID", m.MessageID, want)
		})
	}
}

// Without email configured, an emergency access queues no alert (admins still see it in HMS).
func TestNoEmergencyAlertsWithoutEmail(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db)
			r.cfg.SMTPURL = ""
			r.svc = r.service(r.st)
			r.user(domain.RoleAdmin, "admin@clinic.example.org")
			doctor := r.user(domain.RoleDoctor, "dr.house@clinic.example.org")
			now := r.clock.Now()
			if _, err := r.st.StartEmergencyAccess(context.Background(), doctor.ID, r.patient.ID, "an emergency", now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "alerts queued", r.alertJobs(""), 0)
		})
	}
}

var _ store.AlertQueue = (*Service)(nil)
