package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// sms is one request the fake gateway received.
type sms struct {
	To, Body, Auth, Key string
}

// gateway is a fake SMS gateway: it records every request and answers with the statuses
// queued in fail (then 200).
type gateway struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []sms
	fail []int
}

func newGateway(t *testing.T) *gateway {
	g := &gateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ To, Body string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.fail) > 0 {
			code := g.fail[0]
			g.fail = g.fail[1:]
			w.WriteHeader(code)
			return
		}
		g.got = append(g.got, sms{To: body.To, Body: body.Body, Auth: r.Header.Get("Authorization"), Key: r.Header.Get("Idempotency-Key")})
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) received() []sms {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.got)
}

func (g *gateway) failNext(codes ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = append(g.fail, codes...)
}

// rig is HMS's store with the notification service, a real SMTP server, a fake SMS gateway
// and a clock the test sets.
type rig struct {
	t       *testing.T
	st      *store.Store
	svc     *Service
	clock   *clock
	mail    *testutil.Mailpit
	sms     *gateway
	loc     *time.Location
	cfg     config.Notify
	patient domain.Patient
	doctor  domain.Doctor
	opts    store.Options
}

// open opens (another connection pool on) the rig's database, migrated.
func (r *rig) open() *store.Store {
	r.t.Helper()
	st, err := store.Open(context.Background(), r.opts)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	if _, err := st.MigrateUp(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return st
}

var berlin, _ = time.LoadLocation("Europe/Berlin")

func notifyConfig(mailAddr, smsURL string, offsets ...time.Duration) config.Notify {
	return config.Notify{
		PublicURL: "https://clinic.example.org", SMTPURL: "smtp://" + mailAddr, SMTPFrom: "Riverside Clinic <noreply@clinic.example.org>",
		SMSURL: smsURL, SMSToken: "gateway-token", ReminderOffsets: offsets, ClinicName: "Riverside Clinic",
		ClinicAddress: "1 River Road", ClinicPhone: "+49 30 1234567",
	}
}

func newRig(t *testing.T, db string, offsets ...time.Duration) *rig {
	t.Helper()
	r := &rig{t: t, opts: testutil.StoreOptions(t, db), clock: &clock{t: time.Now().UTC().Truncate(time.Minute)}, loc: berlin}
	r.st = r.open()
	r.mail = testutil.StartMailpit(t, testutil.MailpitOptions{})
	r.sms = newGateway(t)
	r.cfg = notifyConfig(r.mail.SMTPAddr, r.sms.srv.URL, offsets...)
	r.svc = r.service(r.st)
	ctx := context.Background()
	var err error
	phone := "+49 170 5550100"
	if r.patient, err = r.st.CreatePatient(ctx, domain.Patient{Name: "Ann Lee", Email: "ann@example.org", Phone: &phone, DateOfBirth: "1980-01-02"}); err != nil {
		t.Fatal(err)
	}
	if r.doctor, err = r.st.CreateDoctor(ctx, domain.Doctor{Name: "Dr. Grey", WorkingHours: domain.DefaultWorkingHours(), Active: true}); err != nil {
		t.Fatal(err)
	}
	return r
}

// service makes a notification service on st, as a replica of HMS does; the test starts it.
func (r *rig) service(st *store.Store) *Service {
	r.t.Helper()
	svc, err := New(Options{Config: r.cfg, Location: r.loc, Store: st, Links: NewLinks([]byte("a test secret of at least 32 bytes!!")),
		Now: r.clock.Now, ScanInterval: time.Hour, RescueAfter: time.Hour})
	if err != nil {
		r.t.Fatal(err)
	}
	return svc
}

func (r *rig) start(svc *Service) {
	r.t.Helper()
	if err := svc.Start(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})
}

func (r *rig) book(start time.Time) domain.Appointment {
	r.t.Helper()
	reason := "chest pain and a secret diagnosis"
	a, err := r.st.CreateAppointment(context.Background(), domain.Appointment{PatientID: r.patient.ID, DoctorID: r.doctor.ID,
		Start: start, Duration: 30, Status: domain.StatusScheduled, Reason: &reason})
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

// scan sets the clock and runs the scan for due reminders, as the leader does.
func (r *rig) scan(at time.Time) {
	r.t.Helper()
	r.clock.Set(at)
	if _, err := r.svc.ScanNow(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// settle waits until no message of the appointment waits in the queue any more.
func (r *rig) settle(appointmentID int64) []domain.Notification {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ns, err := r.st.AppointmentNotifications(context.Background(), appointmentID)
		if err != nil {
			r.t.Fatal(err)
		}
		busy := slices.ContainsFunc(ns, func(n domain.Notification) bool { return n.Status == domain.NoticeQueued })
		if !busy {
			return ns
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("messages still queued: %+v", ns)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSMS waits until n text messages have arrived.
func (r *rig) waitSMS(n int) []sms {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := r.sms.received()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waited for %d SMS, %d arrived", n, len(got))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func statuses(ns []domain.Notification) map[string]int {
	out := map[string]int{}
	for _, n := range ns {
		out[n.Kind+"/"+n.Channel+"/"+n.Status]++
	}
	return out
}

func mustEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestBookingConfirmsAndRemindsOncePerOffset(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 24*time.Hour, 2*time.Hour)
			r.start(r.svc)
			start := r.clock.Now().Add(72 * time.Hour)
			a := r.book(start)

			mails := r.mail.WaitForMessages(t, 1)
			texts := r.waitSMS(1)
			m := mails[0]
			mustEqual(t, "recipient", m.To[0].Address, "ann@example.org")
			local := start.In(berlin).Format("Monday 2 January 2006 at 15:04 MST")
			for _, body := range []string{m.Text, m.HTML, texts[0].Body} {
				for _, want := range []string{local, "Dr. Grey", "Riverside Clinic", "https://clinic.example.org/respond/", "https://clinic.example.org/opt-out/"} {
					if !strings.Contains(body, want) {
						t.Errorf("message lacks %q:\n%s", want, body)
					}
				}
				for _, never := range []string{"chest pain", "diagnosis", "Ann Lee"} {
					if strings.Contains(body, never) {
						t.Errorf("message holds %q:\n%s", never, body)
					}
				}
			}
			if !strings.Contains(m.Subject, "booked") || !strings.HasPrefix(m.MessageID, "hms.notification.") {
				t.Errorf("subject %q, Message-ID %q", m.Subject, m.MessageID)
			}
			mustEqual(t, "SMS to", texts[0].To, "+49 170 5550100")
			mustEqual(t, "SMS auth", texts[0].Auth, "Bearer gateway-token")

			// Nothing more until a reminder comes due; each offset once, however often the scan runs.
			r.scan(start.Add(-25 * time.Hour))
			r.scan(start.Add(-24 * time.Hour))
			r.scan(start.Add(-23 * time.Hour))
			r.settle(a.ID)
			r.scan(start.Add(-2 * time.Hour))
			r.scan(start.Add(-time.Hour))
			ns := r.settle(a.ID)
			r.scan(start.Add(time.Minute))
			r.settle(a.ID)
			mails = r.mail.WaitForMessages(t, 3)
			r.waitSMS(3)
			mustEqual(t, "emails", len(r.mail.Messages(t)), 3)
			mustEqual(t, "SMS", len(r.sms.received()), 3)
			for _, m := range mails[1:] {
				if !strings.Contains(m.Subject, "Reminder") || !strings.Contains(m.Text, local) {
					t.Errorf("reminder %q:\n%s", m.Subject, m.Text)
				}
			}
			ids := map[string]bool{}
			for _, m := range mails {
				ids[m.MessageID] = true
			}
			mustEqual(t, "distinct Message-IDs", len(ids), 3)
			want := map[string]int{"confirmation/email/sent": 1, "confirmation/sms/sent": 1, "reminder/email/sent": 2, "reminder/sms/sent": 2}
			if got := statuses(ns); !mapsEqual(got, want) {
				t.Errorf("notifications %v, want %v", got, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// update changes appointment a as a PUT does.
func (r *rig) update(a domain.Appointment, c domain.AppointmentChanges) domain.Appointment {
	r.t.Helper()
	next, err := r.st.UpdateAppointment(context.Background(), a.ID, c)
	if err != nil {
		r.t.Fatal(err)
	}
	return next
}

func TestRescheduleDropsOldRemindersAndSendsANotice(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 24*time.Hour)
			r.start(r.svc)
			start := r.clock.Now().Add(72 * time.Hour)
			a := r.book(start)
			r.settle(a.ID)
			moved := start.Add(26 * time.Hour)
			r.update(a, domain.AppointmentChanges{Start: &moved})
			r.settle(a.ID)
			r.scan(start.Add(-23 * time.Hour)) // the old reminder's time: nothing
			r.settle(a.ID)
			r.scan(moved.Add(-23 * time.Hour))
			ns := r.settle(a.ID)
			mails := r.mail.WaitForMessages(t, 3)
			mustEqual(t, "emails", len(mails), 3)
			newTime := moved.In(berlin).Format("Monday 2 January 2006 at 15:04 MST")
			if !strings.Contains(mails[1].Subject, "moved") || !strings.Contains(mails[1].Text, newTime) {
				t.Errorf("notice of the move: %q\n%s", mails[1].Subject, mails[1].Text)
			}
			if !strings.Contains(mails[2].Subject, "Reminder") || !strings.Contains(mails[2].Text, newTime) {
				t.Errorf("reminder after the move: %q\n%s", mails[2].Subject, mails[2].Text)
			}
			want := map[string]int{"confirmation/email/sent": 1, "confirmation/sms/sent": 1, "reminder/email/dropped": 1,
				"reminder/sms/dropped": 1, "rescheduled/email/sent": 1, "rescheduled/sms/sent": 1, "reminder/email/sent": 1, "reminder/sms/sent": 1}
			if got := statuses(ns); !mapsEqual(got, want) {
				t.Errorf("notifications %v, want %v", got, want)
			}
		})
	}
}

func TestCancellationSendsANoticeAndNoReminder(t *testing.T) {
	for _, db := range testutil.Databases {
		for _, how := range []string{"status", "delete"} {
			t.Run(db+"/"+how, func(t *testing.T) {
				r := newRig(t, db, 24*time.Hour)
				r.start(r.svc)
				start := r.clock.Now().Add(72 * time.Hour)
				a := r.book(start)
				r.settle(a.ID)
				if how == "status" {
					cancelled := domain.StatusCancelled
					r.update(a, domain.AppointmentChanges{Status: &cancelled})
				} else if err := r.st.CancelAppointment(context.Background(), a.ID); err != nil {
					t.Fatal(err)
				}
				r.mail.WaitForMessages(t, 2)
				r.waitSMS(2)
				r.scan(start.Add(-23 * time.Hour))
				r.scan(start.Add(-time.Hour))
				ns := r.settleAny(a.ID)
				mails := r.mail.Messages(t)
				mustEqual(t, "emails", len(mails), 2)
				mustEqual(t, "SMS", len(r.sms.received()), 2)
				if !strings.Contains(mails[1].Subject, "cancelled") || strings.Contains(mails[1].Text, "/respond/") {
					t.Errorf("cancellation notice: %q\n%s", mails[1].Subject, mails[1].Text)
				}
				want := map[string]int{"confirmation/email/sent": 1, "confirmation/sms/sent": 1, "reminder/email/dropped": 1,
					"reminder/sms/dropped": 1, "cancelled/email/sent": 1, "cancelled/sms/sent": 1}
				if got := statuses(ns); !mapsEqual(got, want) {
					t.Errorf("notifications %v, want %v", got, want)
				}
			})
		}
	}
}

// settleAny is settle for an appointment that reads may no longer see (deleted).
func (r *rig) settleAny(appointmentID int64) []domain.Notification {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, err := r.st.DB().QueryContext(context.Background(),
			`SELECT kind, channel, status FROM notification WHERE appointment_id = $1`, appointmentID)
		if err != nil {
			r.t.Fatal(err)
		}
		var ns []domain.Notification
		for rows.Next() {
			var n domain.Notification
			if err := rows.Scan(&n.Kind, &n.Channel, &n.Status); err != nil {
				r.t.Fatal(err)
			}
			ns = append(ns, n)
		}
		rows.Close()
		if !slices.ContainsFunc(ns, func(n domain.Notification) bool { return n.Status == domain.NoticeQueued }) {
			return ns
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("messages still queued: %+v", ns)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Booked after some offsets have passed: of those, only the nearest reminder, at once.
func TestLateBookingGetsOnlyTheNearestReminder(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 48*time.Hour, 24*time.Hour, 2*time.Hour)
			r.start(r.svc)
			start := r.clock.Now().Add(5 * time.Hour)
			a := r.book(start)
			ns := r.settle(a.ID)
			want := map[string]int{"confirmation/email/sent": 1, "confirmation/sms/sent": 1, "reminder/email/sent": 1,
				"reminder/sms/sent": 1, "reminder/email/scheduled": 1, "reminder/sms/scheduled": 1}
			if got := statuses(ns); !mapsEqual(got, want) {
				t.Errorf("notifications %v, want %v", got, want)
			}
			for _, n := range ns {
				if n.Kind == domain.NoticeReminder && n.Status == domain.NoticeSent && n.OffsetMinutes != 24*60 {
					t.Errorf("the reminder sent at once is the %d-minute one, not the 24-hour one", n.OffsetMinutes)
				}
			}
			mustEqual(t, "emails", len(r.mail.WaitForMessages(t, 2)), 2)
		})
	}
}

// A reminder that came due while HMS was down goes out when it starts, once: of several
// that came due, only the nearest.
func TestRemindersCatchUpAfterDowntime(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 24*time.Hour, 2*time.Hour)
			start := r.clock.Now().Add(72 * time.Hour)
			a := r.book(start) // the confirmation waits in the queue: no process delivers yet
			r.clock.Set(start.Add(-time.Hour))
			r.start(r.svc) // the scan runs on start
			mails := r.mail.WaitForMessages(t, 2)
			ns := r.settle(a.ID)
			want := map[string]int{"confirmation/email/sent": 1, "confirmation/sms/sent": 1, "reminder/email/skipped": 1,
				"reminder/sms/skipped": 1, "reminder/email/sent": 1, "reminder/sms/sent": 1}
			if got := statuses(ns); !mapsEqual(got, want) {
				t.Errorf("notifications %v, want %v", got, want)
			}
			mustEqual(t, "emails", len(mails), 2)
			for _, n := range ns {
				if n.Kind == domain.NoticeReminder && n.Status == domain.NoticeSent && n.OffsetMinutes != 120 {
					t.Errorf("the catch-up sent the %d-minute reminder, not the nearest", n.OffsetMinutes)
				}
			}
		})
	}
}

func TestTemporaryFailuresRetryAndPermanentOnesAreRecorded(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 24*time.Hour)
			r.sms.failNext(http.StatusServiceUnavailable)
			r.start(r.svc)
			a := r.book(r.clock.Now().Add(72 * time.Hour))
			r.waitSMS(1)
			ns := r.settle(a.ID)
			for _, n := range ns {
				if n.Kind == domain.NoticeConfirmation && n.Channel == domain.ChannelSMS {
					if n.Status != domain.NoticeSent || n.Attempts != 2 || n.LastError == nil || !strings.Contains(*n.LastError, "503") {
						t.Errorf("after one 503: %+v", n)
					}
				}
			}
			r.sms.failNext(http.StatusBadRequest)
			moved := a.Start.Add(time.Hour)
			r.update(a, domain.AppointmentChanges{Start: &moved})
			ns = r.settle(a.ID)
			for _, n := range ns {
				if n.Kind == domain.NoticeRescheduled && n.Channel == domain.ChannelSMS {
					if n.Status != domain.NoticeFailed || n.Attempts != 1 || n.LastError == nil || !strings.Contains(*n.LastError, "400") {
						t.Errorf("after a 400: %+v", n)
					}
					if strings.Contains(*n.LastError, "5550100") {
						t.Errorf("the error holds the phone number: %s", *n.LastError)
					}
				}
			}
			mustEqual(t, "SMS delivered", len(r.sms.received()), 1)
			// An admin sends the failed one again; a sent one cannot be.
			var failed, sent int64
			for _, n := range ns {
				if n.Status == domain.NoticeFailed {
					failed = n.ID
				} else if n.Status == domain.NoticeSent {
					sent = n.ID
				}
			}
			if _, err := r.st.ResendNotice(context.Background(), sent); domain.ErrorCode(err) != domain.CodeConflict {
				t.Errorf("resending a sent message: %v", err)
			}
			if _, err := r.st.ResendNotice(context.Background(), failed); err != nil {
				t.Fatal(err)
			}
			r.waitSMS(2)
			for _, n := range r.settle(a.ID) {
				if n.ID == failed && n.Status != domain.NoticeSent {
					t.Errorf("after the resend: %+v", n)
				}
			}
		})
	}
}

// Two replicas on one database, both scanning for the same due reminders at once: each
// reminder is sent once.
func TestTwoReplicasSendEachReminderOnce(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 24*time.Hour)
			second := r.service(r.open())
			r.start(r.svc)
			r.start(second)
			start := r.clock.Now().Add(72 * time.Hour)
			const n = 10
			var ids []int64
			for i := range n {
				ids = append(ids, r.book(start.Add(time.Duration(i)*time.Hour)).ID)
			}
			r.waitSMS(n)
			r.clock.Set(start.Add(-24*time.Hour + n*time.Hour)) // every reminder due, every appointment ahead
			var wg sync.WaitGroup
			for _, svc := range []*Service{r.svc, second, r.svc, second} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.ScanNow(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			for _, id := range ids {
				r.settle(id)
			}
			texts := r.waitSMS(2 * n)
			keys := map[string]int{}
			for _, m := range texts {
				keys[m.Key]++
			}
			mustEqual(t, "SMS", len(texts), 2*n)
			mustEqual(t, "distinct SMS", len(keys), 2*n)
			mustEqual(t, "emails", len(r.mail.Messages(t)), 2*n)
		})
	}
}

// No SMS in the quiet hours: it waits (the job is snoozed until they end); email goes.
func TestNoSMSInQuietHours(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			r := newRig(t, db, 24*time.Hour)
			r.cfg.QuietFrom, r.cfg.QuietTo = 21*60, 8*60
			r.svc = r.service(r.st)
			night := time.Date(2030, 3, 4, 23, 30, 0, 0, berlin)
			r.clock.Set(night)
			r.start(r.svc)
			a := r.book(night.Add(72 * time.Hour))
			r.mail.WaitForMessages(t, 1)
			// The SMS's delivery job waits, snoozed; the email's is done.
			var snoozed int
			for deadline := time.Now().Add(30 * time.Second); snoozed == 0 && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				if err := r.st.DB().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'hms.notification.deliver' AND state = 'scheduled'`).
					Scan(&snoozed); err != nil {
					t.Fatal(err)
				}
			}
			mustEqual(t, "snoozed deliveries", snoozed, 1)
			mustEqual(t, "SMS sent at night", len(r.sms.received()), 0)
			ns, _ := r.st.AppointmentNotifications(context.Background(), a.ID)
			for _, n := range ns {
				if n.Channel == domain.ChannelSMS && n.Kind == domain.NoticeConfirmation && (n.Status != domain.NoticeQueued || n.Attempts != 0) {
					t.Errorf("the waiting SMS: %+v", n)
				}
			}
		})
	}
}
