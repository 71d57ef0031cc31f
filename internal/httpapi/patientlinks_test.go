package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/notify"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// outbox is a mail server stand-in that keeps what it was given (the SMTP path itself is
// tested against a real server in package notify).
type outbox struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (o *outbox) Send(ctx context.Context, to string, m notify.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

// wait returns the n-th message (from 1) once it has arrived.
func (o *outbox) wait(t *testing.T, n int) notify.Message {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		o.mu.Lock()
		if len(o.sent) >= n {
			m := o.sent[n-1]
			o.mu.Unlock()
			return m
		}
		o.mu.Unlock()
	}
	t.Fatalf("message %d did not arrive", n)
	return notify.Message{}
}

var respondLink = regexp.MustCompile(`https://clinic\.example\.org(/respond/[A-Za-z0-9_-]+)`)
var optOutLink = regexp.MustCompile(`https://clinic\.example\.org(/opt-out/[A-Za-z0-9_-]+)`)

// withMessages serves HMS with appointment messages on, delivered to an outbox.
func withMessages(t *testing.T, st *store.Store) (*client, *outbox) {
	t.Helper()
	box := &outbox{}
	svc, err := notify.New(notify.Options{Store: st, Mailer: box, Links: notify.NewLinks(testSecret),
		Config: config.Notify{PublicURL: "https://clinic.example.org", SMTPURL: "smtp://unused", SMTPFrom: "c@clinic.example.org",
			ClinicName: "Riverside Clinic", ReminderOffsets: []time.Duration{24 * time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})
	return newClientWith(t, st, httpapi.Options{Notices: svc}), box
}

// form posts a patient page's form, as a browser does.
func (c *client) form(path string, values url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec
}

func (c *client) page(path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// A patient confirms from one message and cancels from another, without signing in: each
// link works once, the cancellation frees the slot, goes into the history as the
// patient's and into the audit trail, and sends the cancellation notice.
func TestPatientConfirmsAndCancelsFromTheMessage(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c, box := withMessages(t, st)
		pid := c.createPatient("Ann Lee", "ann@example.org")
		start := weekdayAhead(3)
		when := start.Format("2006-01-02T15:04")
		aid := c.createAppointment(pid, "Dr. Grey", when)
		confirmation := box.wait(t, 1)
		link := respondLink.FindStringSubmatch(confirmation.Text)
		if link == nil {
			t.Fatalf("no confirm/cancel link in:\n%s", confirmation.Text)
		}
		page := c.page(link[1])
		if page.Code != 200 || !strings.Contains(page.Body.String(), "Dr. Grey") || !strings.Contains(page.Body.String(), `value="confirm"`) ||
			strings.Contains(page.Body.String(), "check-up") || page.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("the page: %d %v\n%s", page.Code, page.Header(), page.Body)
		}
		if res := c.form(link[1], url.Values{"answer": {"maybe"}}); res.Code != 400 {
			t.Errorf("a bad answer: %d", res.Code)
		}
		if res := c.form(link[1], url.Values{"answer": {"confirm"}}); res.Code != 200 || !strings.Contains(res.Body.String(), "confirmed") {
			t.Fatalf("confirm: %d\n%s", res.Code, res.Body)
		}
		if res := c.form(link[1], url.Values{"answer": {"cancel"}}); res.Code != 409 || !strings.Contains(res.Body.String(), "used") {
			t.Errorf("the same link again: %d\n%s", res.Code, res.Body)
		}
		if res := c.form(link[1][:len(link[1])-2]+"xx", url.Values{"answer": {"cancel"}}); res.Code != 404 {
			t.Errorf("a forged link: %d", res.Code)
		}
		// The reminder comes with its own link; with it the patient cancels.
		// The scan for due reminders, as the service's leader runs it, on the reminder's day.
		if _, _, err := st.QueueDueReminders(context.Background(), start.Add(-23*time.Hour), 100); err != nil {
			t.Fatal(err)
		}
		reminder := box.wait(t, 2)
		link2 := respondLink.FindStringSubmatch(reminder.Text)
		if link2 == nil || link2[1] == link[1] {
			t.Fatalf("the reminder's link: %v\n%s", link2, reminder.Text)
		}
		if res := c.form(link2[1], url.Values{"answer": {"cancel"}}); res.Code != 200 || !strings.Contains(res.Body.String(), "cancelled") {
			t.Fatalf("cancel: %d\n%s", res.Code, res.Body)
		}
		ap := c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", aid), "")["data"].(map[string]any)
		if ap["status"] != "cancelled" {
			t.Errorf("status after the patient's cancellation: %v", ap["status"])
		}
		history := c.must(200, "GET", fmt.Sprintf("/api/appointments/%d/history", aid), "")["data"].([]any)
		last := history[len(history)-1].(map[string]any)
		confirmed := history[len(history)-2].(map[string]any)
		if last["actor"] != "patient" || last["to_status"] != "cancelled" || last["changed_by"] != nil ||
			confirmed["actor"] != "patient" || confirmed["reason"] != "confirmed by the patient" {
			t.Errorf("history: %v", history)
		}
		if n := c.count(fmt.Sprintf("audit_event WHERE role = 'patient' AND action = 'update' AND resource_id = %d AND patient_id = %d", aid, pid)); n != 2 {
			t.Errorf("%d audit events of the patient's answers, want 2", n)
		}
		if n := c.count(fmt.Sprintf("audit_event WHERE role = 'patient' AND action = 'read' AND patient_id = %d", pid)); n != 1 {
			t.Errorf("%d audit events of the patient's page, want 1", n)
		}
		cancelled := box.wait(t, 3)
		if !strings.Contains(cancelled.Subject, "cancelled") || respondLink.MatchString(cancelled.Text) {
			t.Errorf("the cancellation notice: %q\n%s", cancelled.Subject, cancelled.Text)
		}
		// The slot is free again.
		c.createAppointment(c.createPatient("Bob Ray", "bob@example.org"), "Dr. Grey", when)
		if page := c.page(link2[1]); page.Code != 200 || strings.Contains(page.Body.String(), `value="cancel"`) {
			t.Errorf("the used link's page still offers an answer: %d\n%s", page.Code, page.Body)
		}
	})
}

// The opt-out link stops every further message to the patient.
func TestOptOutLink(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c, box := withMessages(t, st)
		pid := c.createPatient("Ann Lee", "ann@example.org")
		c.createAppointment(pid, "Dr. Grey", weekdayAhead(3).Format("2006-01-02T15:04"))
		link := optOutLink.FindStringSubmatch(box.wait(t, 1).Text)
		if link == nil {
			t.Fatal("no opt-out link")
		}
		if page := c.page(link[1]); page.Code != 200 || c.must(200, "GET", fmt.Sprintf("/api/patients/%d/contact-preference", pid), "")["data"].(map[string]any)["contact_preference"] != "" {
			t.Fatalf("the GET changed something or failed: %d", page.Code)
		}
		if res := c.form(link[1], url.Values{"answer": {"opt-out"}}); res.Code != 200 {
			t.Fatalf("opt out: %d\n%s", res.Code, res.Body)
		}
		pref := c.must(200, "GET", fmt.Sprintf("/api/patients/%d/contact-preference", pid), "")["data"].(map[string]any)
		if pref["contact_preference"] != "none" {
			t.Errorf("after the opt-out: %v", pref)
		}
		before := c.count("notification")
		// Two hours after the first: weekdayAhead(3) and (5) fall on the same Monday when run on a Wednesday.
		c.createAppointment(pid, "Dr. Grey", weekdayAhead(3).Add(2*time.Hour).Format("2006-01-02T15:04"))
		if after := c.count("notification"); after != before {
			t.Errorf("a booking after the opt-out made %d messages", after-before)
		}
		c.must(400, "PUT", fmt.Sprintf("/api/patients/%d/contact-preference", pid), `{"contact_preference":"pigeon"}`)
		c.must(200, "PUT", fmt.Sprintf("/api/patients/%d/contact-preference", pid), `{"contact_preference":"both"}`)
	})
}

// weekdayAhead is 10:00 UTC on the first working day at least days from now.
func weekdayAhead(days int) time.Time {
	d := time.Now().UTC().AddDate(0, 0, days)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, time.UTC)
}
