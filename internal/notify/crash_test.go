package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/testutil"
)

// blockingGateway is an SMS gateway that takes requests in and, until released, never
// answers: deliveries hang after the message went out, as when the server dies between
// sending and recording.
type blockingGateway struct {
	mu       sync.Mutex
	arrived  map[string]int // Idempotency-Key → requests
	blocked  bool
	release  chan struct{}
	inFlight map[string]bool // keys whose request was hanging when released
}

func (g *blockingGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	key := r.Header.Get("Idempotency-Key")
	g.mu.Lock()
	g.arrived[key]++
	blocked := g.blocked
	if blocked {
		g.inFlight[key] = true
	}
	g.mu.Unlock()
	if blocked {
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
		return // no answer that counts: the connection's process is gone
	}
}

func (g *blockingGateway) counts() (map[string]int, map[string]bool, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out, fl := map[string]int{}, map[string]bool{}
	total := 0
	for k, v := range g.arrived {
		out[k] = v
		total += v
	}
	for k := range g.inFlight {
		fl[k] = true
	}
	return out, fl, total
}

// hmsProcess is an `hms serve` process of the test.
type hmsProcess struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

func startHMS(t *testing.T, bin string, env []string) *hmsProcess {
	t.Helper()
	addr := freeLoopback(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "HMS_ADDR="+addr)
	log := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hmsProcess{cmd: cmd, url: "http://" + addr, log: log}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(p.url + "/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hms did not start:\n%s", log)
		}
	}
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	return addr
}

// call sends a JSON request to the API and decodes the answer's data.
func (p *hmsProcess) call(t *testing.T, token, method, path, body string, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %v", method, path, resp.StatusCode, want, out)
	}
	return out
}

// TestCrashDuringDelivery kills `hms serve` with SIGKILL while reminders are being
// delivered and starts it again: every message arrives, and a message arrives twice only
// when its delivery was under way at the crash (the documented duplicate, with the same
// Message-ID or Idempotency-Key).
func TestCrashDuringDelivery(t *testing.T) {
	bin := buildHMS(t)
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			mail := testutil.StartMailpit(t, testutil.MailpitOptions{})
			gw := &blockingGateway{arrived: map[string]int{}, inFlight: map[string]bool{}, blocked: true, release: make(chan struct{})}
			sms := httptest.NewServer(gw)
			defer sms.Close()
			env := serveEnv(t, db, mail.SMTPAddr, sms.URL)
			first := startHMS(t, bin, env)
			const n = 4
			bookSoon(t, first, n)
			// Some SMS went out and hang unanswered: kill the server mid-delivery.
			for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if _, inFlight, _ := gw.counts(); len(inFlight) > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no delivery began:\n%s", first.log)
				}
			}
			if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.cmd.Wait()
			gw.mu.Lock()
			gw.blocked = false
			close(gw.release)
			gw.mu.Unlock()

			metricsAddr := freeLoopback(t)
			second := startHMS(t, bin, append(env, "HMS_METRICS_ADDR="+metricsAddr))
			waitAllSent(t, second, login(t, second), 4*n)
			arrived, inFlight, _ := gw.counts()
			if len(arrived) != 2*n {
				t.Errorf("%d distinct SMS arrived, want %d", len(arrived), 2*n)
			}
			for key, times := range arrived {
				if times > 2 || (times == 2 && !inFlight[key]) {
					t.Errorf("SMS %s arrived %d times (in flight at the crash: %v)", key, times, inFlight[key])
				}
			}
			ids := map[string]int{}
			for _, m := range mail.Messages(t) {
				ids[m.MessageID]++
			}
			if len(ids) != 2*n {
				t.Errorf("%d distinct emails arrived, want %d", len(ids), 2*n)
			}
			for id, times := range ids {
				if times > 2 {
					t.Errorf("email %s arrived %d times", id, times)
				}
			}
			// The second process's metrics count what it sent, and the queue is empty.
			resp, err := http.Get("http://" + metricsAddr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, want := range []string{`hms_notifications_sent_total{channel="sms",kind="reminder"}`, `hms_notifications_waiting{status="queued"} 0`,
				`hms_notifications_waiting{status="scheduled"} 0`} {
				if !strings.Contains(string(metrics), want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
			t.Logf("SMS in flight at the crash: %d; duplicates: SMS %v, email %v", len(inFlight), arrived, ids)
		})
	}
}

// buildHMS builds the hms binary for the process tests.
func buildHMS(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hms")
	build := exec.Command("go", "build", "-o", bin, "github.com/hms-project/hms/cmd/hms")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hms: %v\n%s", err, out)
	}
	return bin
}

// serveEnv is the environment of `hms serve` with email to smtpAddr and SMS to smsURL, on
// a fresh database.
func serveEnv(t *testing.T, db, smtpAddr, smsURL string) []string {
	t.Helper()
	env := []string{"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH"), "HMS_ENV=test", "HMS_DATA_DIR=" + t.TempDir(),
		"HMS_JWT_SECRET=" + strings.Repeat("crash-test-secret-", 3), "HMS_ADMIN_EMAIL=admin@clinic.test",
		"HMS_ADMIN_PASSWORD=Correct-Horse-Battery-9", "HMS_PUBLIC_URL=https://clinic.example.org", "HMS_CLINIC_NAME=Riverside Clinic",
		"HMS_SMTP_URL=smtp://" + smtpAddr, "HMS_SMTP_FROM=noreply@clinic.example.org", "HMS_SMS_URL=" + smsURL,
		"HMS_SMS_QUIET_HOURS=none", "HMS_REMINDER_OFFSETS=24h", "HMS_DELIVERY_RESCUE_AFTER=3s", "HMS_LOG_LEVEL=warn"}
	if db == "postgres" {
		env = append(env, "HMS_DATABASE_URL="+testutil.PostgresURL(t))
	}
	return env
}

func login(t *testing.T, p *hmsProcess) string {
	t.Helper()
	body := p.call(t, "", "POST", "/api/auth/login", `{"email":"admin@clinic.test","password":"Correct-Horse-Battery-9"}`, 200)
	return body["data"].(map[string]any)["access_token"].(string)
}

// bookSoon books n appointments of one patient less than 24 hours ahead, so that each one's
// confirmation and reminder are due at once, by email and by SMS; it returns the token.
func bookSoon(t *testing.T, p *hmsProcess, n int) string {
	t.Helper()
	token := login(t, p)
	day := `[{"start":"00:00","end":"23:59"}]`
	p.call(t, token, "POST", "/api/doctors", `{"name":"Dr. Grey","working_hours":{"mon":`+day+`,"tue":`+day+`,"wed":`+day+
		`,"thu":`+day+`,"fri":`+day+`,"sat":`+day+`,"sun":`+day+`}}`, 201)
	patient := p.call(t, token, "POST", "/api/patients", `{"name":"Ann Lee","email":"ann@example.org","date_of_birth":"1980-01-02","phone":"+49 170 5550100"}`, 201)
	pid := int64(patient["data"].(map[string]any)["id"].(float64))
	start := time.Now().UTC().Truncate(time.Hour).Add(2 * time.Hour)
	if start.Add(time.Duration(n)*30*time.Minute).Day() != start.Day() || start.Hour() == 0 {
		start = time.Date(start.Year(), start.Month(), start.Day(), 1, 0, 0, 0, time.UTC)
		if !start.After(time.Now()) {
			start = start.AddDate(0, 0, 1)
		}
	}
	for i := range n {
		at := start.Add(time.Duration(i) * 30 * time.Minute).Format("2006-01-02T15:04")
		p.call(t, token, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":%q}`, pid, at), 201)
	}
	return token
}

// waitAllSent waits until the outbox holds want messages, all sent.
func waitAllSent(t *testing.T, p *hmsProcess, token string, want int) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		outbox := p.call(t, token, "GET", "/api/notifications?limit=100", "", 200)["data"].([]any)
		sent := 0
		for _, m := range outbox {
			if m.(map[string]any)["status"] == "sent" {
				sent++
			}
		}
		if sent == want && len(outbox) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages sent (%d in the outbox)\n%s", sent, want, len(outbox), p.log)
		}
	}
}

// TestTwoServersSendEachMessageOnce runs two `hms serve` processes on one database (both
// deliver, one is the leader that scans), books
// through one, and checks that every message arrived exactly once.
func TestTwoServersSendEachMessageOnce(t *testing.T) {
	bin := buildHMS(t)
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			mail := testutil.StartMailpit(t, testutil.MailpitOptions{})
			gw := &blockingGateway{arrived: map[string]int{}, inFlight: map[string]bool{}, release: make(chan struct{})}
			sms := httptest.NewServer(gw)
			defer sms.Close()
			env := serveEnv(t, db, mail.SMTPAddr, sms.URL)
			one := startHMS(t, bin, env)
			two := startHMS(t, bin, append(env, "HMS_MIGRATE=false"))
			const n = 6
			bookSoon(t, one, n)
			waitAllSent(t, two, login(t, two), 4*n)
			arrived, _, total := gw.counts()
			if len(arrived) != 2*n || total != 2*n {
				t.Errorf("%d SMS for %d messages, want %d once each: %v", total, len(arrived), 2*n, arrived)
			}
			ids := map[string]int{}
			for _, m := range mail.Messages(t) {
				ids[m.MessageID]++
			}
			for id, times := range ids {
				if times != 1 {
					t.Errorf("email %s arrived %d times", id, times)
				}
			}
			if len(ids) != 2*n {
				t.Errorf("%d distinct emails, want %d", len(ids), 2*n)
			}
		})
	}
}
