package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
	_ "modernc.org/sqlite" // to edit the audit trail behind HMS's back
)

var hmsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hms-bin-")
	if err != nil {
		panic(err)
	}
	hmsBin = filepath.Join(dir, "hms")
	if out, err := exec.Command("go", "build", "-o", hmsBin, ".").CombinedOutput(); err != nil {
		panic("build hms: " + err.Error() + "\n" + string(out))
	}
	code := testutil.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// hms runs the binary with extra environment variables and returns its exit code and output.
func hms(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(hmsBin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

func TestHelpListsEverySetting(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}} {
		code, out := hms(t, nil, args...)
		if code != 0 {
			t.Errorf("hms %v exited %d", args, code)
		}
		for _, s := range config.Settings {
			if !strings.Contains(out, s.Name) {
				t.Errorf("hms %v does not list %s", args, s.Name)
			}
		}
	}
	if code, out := hms(t, nil, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Errorf("unknown command: exit %d, %s", code, out)
	}
}

func TestInvalidConfigStopsWithTheSettingNamed(t *testing.T) {
	code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_TIMEZONE=Nowhere/Land"}, "serve")
	if code != 1 || !strings.Contains(out, "HMS_TIMEZONE") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestMigrateCommands(t *testing.T) {
	env := []string{"HMS_DATA_DIR=" + t.TempDir()}
	if code, out := hms(t, env, "migrate", "status"); code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("status on empty: %d %s", code, out)
	}
	if code, out := hms(t, env, "migrate", "up"); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("up: %d %s", code, out)
	}
	if code, out := hms(t, env, "migrate", "down", "--to", "0"); code != 0 || !strings.Contains(out, "schema version 0") {
		t.Fatalf("down: %d %s", code, out)
	}
	if code, _ := hms(t, env, "migrate", "sideways"); code != 2 {
		t.Errorf("unknown migrate action should exit 2, got %d", code)
	}
}

// TestPurgeCommand: without --confirm purge only reports; with it the patient is gone.
func TestPurgeCommand(t *testing.T) {
	dir := t.TempDir()
	env := []string{"HMS_DATA_DIR=" + dir}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePatient(ctx, domain.Patient{Name: "Ann", Email: "ann@example.org", DateOfBirth: "1980-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateRecord(ctx, domain.MedicalRecord{PatientID: p.ID, Diagnosis: "Flu", DoctorName: "Dr. Grey", RecordDate: "2024-01-01"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	id := strconv.FormatInt(p.ID, 10)
	for _, args := range [][]string{{"purge"}, {"purge", "patient"}, {"purge", "doctor", "1"}, {"purge", "patient", "1", "2"}} {
		if code, out := hms(t, env, args...); code != 2 {
			t.Errorf("hms %v: exit %d, want 2\n%s", args, code, out)
		}
	}
	if code, out := hms(t, env, "purge", "patient", id); code != 0 || !strings.Contains(out, "would erase patient "+id+": 0 appointment(s), 0 status change(s), 1 medical record(s)") {
		t.Errorf("dry run: %d %s", code, out)
	}
	if code, out := hms(t, env, "purge", "patient", id, "--confirm"); code != 0 || !strings.Contains(out, "erased patient "+id) {
		t.Errorf("purge: %d %s", code, out)
	}
	if code, out := hms(t, env, "purge", "--confirm", "patient", id); code != 1 || !strings.Contains(out, "not found") {
		t.Errorf("purge again: %d %s", code, out)
	}
}

// server is a running `hms serve`.
type server struct {
	base string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// startServer starts `hms serve` with the given settings and waits until it is ready.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	s := &server{logs: &bytes.Buffer{}}
	addr := freeAddr(t)
	s.base = "http://" + addr
	s.cmd = exec.Command(hmsBin, "serve")
	s.cmd.Env = append(append(os.Environ(), "HMS_ADDR="+addr), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.base + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicasShareOnePostgres starts three servers on one PostgreSQL database at the
// same time (all migrate on start), and checks that nothing lives in one process's memory:
// writes, conflicts, refresh tokens, every way a session ends, lockouts and the rate limit
// are shared, and the replicas seal one audit chain together.
func TestReplicasShareOnePostgres(t *testing.T) {
	url := testutil.PostgresURL(t)
	const authLimit = 40 // per client IP and hour, well above what the test sends from one
	env := []string{"HMS_DATABASE_URL=" + url, "HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=test",
		"HMS_JWT_SECRET=replicas-share-this-secret-of-32-bytes", "HMS_ADMIN_EMAIL=admin@clinic.test", "HMS_ADMIN_PASSWORD=Replica-Admin-Pass-1",
		"HMS_TRUST_PROXY=true", "HMS_AUTH_RATE_LIMIT=" + strconv.Itoa(authLimit) + "/h"}
	servers := make([]*server, 3)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Add(1)
		go func() { defer wg.Done(); servers[i] = startServer(t, env...) }()
	}
	wg.Wait()
	a, b, c := servers[0], servers[1], servers[2]
	// A token issued by one replica works on the others: sessions live in the database.
	token := signIn(t, a.base, "admin@clinic.test", "Replica-Admin-Pass-1")
	status, body := send(t, "POST", a.base+"/api/patients", token, `{"name":"Shared Patient","email":"shared@example.org","date_of_birth":"1970-01-01"}`)
	if status != 201 {
		t.Fatalf("create through replica A: %d %s", status, body)
	}
	status, body = send(t, "GET", b.base+"/api/patients?q=shared", token, "")
	if status != 200 || !strings.Contains(body, `"total":1`) {
		t.Errorf("replica B does not see replica A's write: %d %s", status, body)
	}
	// A conflict is detected across replicas: the email is taken for C too.
	if status, _ := send(t, "POST", c.base+"/api/patients", token, `{"name":"Copy","email":"shared@example.org","date_of_birth":"1970-01-01"}`); status != 409 {
		t.Errorf("duplicate through replica C: %d, want 409", status)
	}

	// A session that ends on one replica is refused by every replica at its next request,
	// however recently each of them accepted it.
	usedEverywhere := func(token, what string) {
		t.Helper()
		for _, s := range servers {
			if status, body := send(t, "GET", s.base+"/api/auth/me", token, ""); status != 200 {
				t.Fatalf("%s: before it ends, %s refuses the session: %d %s", what, s.base, status, body)
			}
		}
	}
	refusedEverywhere := func(token, what string) {
		t.Helper()
		for _, s := range servers {
			if status, _ := send(t, "GET", s.base+"/api/auth/me", token, ""); status != 401 {
				t.Errorf("%s: %s still accepts the session: %d, want 401", what, s.base, status)
			}
		}
	}
	login := func(base, email, password string) (access, refresh string) {
		t.Helper()
		status, body := send(t, "POST", base+"/api/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
		var r struct {
			Data struct {
				AccessToken  string `json:"access_token"`
				RefreshToken string `json:"refresh_token"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &r); status != 200 || err != nil {
			t.Fatalf("sign in at %s: %d %s", base, status, body)
		}
		return r.Data.AccessToken, r.Data.RefreshToken
	}
	adminLogin := func(base string) (string, string) { return login(base, "admin@clinic.test", "Replica-Admin-Pass-1") }

	// Refresh on B spends A's refresh token; replaying it on A revokes the session.
	access, refresh := adminLogin(a.base)
	usedEverywhere(access, "refresh reuse")
	if status, body := send(t, "POST", b.base+"/api/auth/refresh", "", `{"refresh_token":"`+refresh+`"}`); status != 200 {
		t.Fatalf("refresh on B with A's token: %d %s", status, body)
	}
	if status, _ := send(t, "POST", a.base+"/api/auth/refresh", "", `{"refresh_token":"`+refresh+`"}`); status != 401 {
		t.Errorf("the spent refresh token replayed on A: %d, want 401", status)
	}
	refusedEverywhere(access, "after refresh-token reuse detected on A")

	// Sign-out on B.
	access, refresh = adminLogin(b.base)
	usedEverywhere(access, "logout")
	if status, _ := send(t, "POST", b.base+"/api/auth/logout", "", `{"refresh_token":"`+refresh+`"}`); status != 200 {
		t.Errorf("logout on B: %d", status)
	}
	refusedEverywhere(access, "after logout on B")

	// One session ended from another (DELETE /api/auth/sessions/{id}) on C.
	keep, _ := adminLogin(a.base)
	end, _ := adminLogin(b.base)
	usedEverywhere(end, "ending a session")
	status, body = send(t, "GET", a.base+"/api/auth/sessions", end, "")
	var sessions struct {
		Data []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"data"`
	}
	endID := ""
	if err := json.Unmarshal([]byte(body), &sessions); status != 200 || err != nil {
		t.Fatalf("list sessions: %d %s", status, body)
	}
	for _, s := range sessions.Data {
		if s.Current {
			endID = s.ID
		}
	}
	if status, body := send(t, "DELETE", c.base+"/api/auth/sessions/"+endID, keep, ""); status != 200 {
		t.Fatalf("end a session on C: %d %s", status, body)
	}
	refusedEverywhere(end, "after DELETE /api/auth/sessions/{id} on C")
	usedEverywhere(keep, "the session that ended the other")

	// A user deactivated on A.
	status, body = send(t, "POST", c.base+"/api/users", keep, `{"email":"nurse@clinic.test","name":"Nurse Shared","role":"nurse","password":"Nurse-Shared-Pass-42"}`)
	var created struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &created); status != 201 || err != nil {
		t.Fatalf("create a nurse: %d %s", status, body)
	}
	nurse, _ := login(b.base, "nurse@clinic.test", "Nurse-Shared-Pass-42")
	usedEverywhere(nurse, "deactivating a user")
	if status, body := send(t, "DELETE", a.base+"/api/users/"+strconv.FormatInt(created.Data.ID, 10), keep, ""); status != 200 {
		t.Fatalf("deactivate the nurse on A: %d %s", status, body)
	}
	refusedEverywhere(nurse, "after the user was deactivated on A")

	// Failed sign-ins on all replicas count together.
	for i := 0; i < 5; i++ {
		send(t, "POST", servers[i%3].base+"/api/auth/login", "", `{"email":"locked@clinic.test","password":"wrong-password-`+strconv.Itoa(i)+`"}`)
	}
	for _, s := range servers {
		if status, _ := send(t, "POST", s.base+"/api/auth/login", "", `{"email":"locked@clinic.test","password":"wrong-password-x"}`); status != 423 {
			t.Errorf("five failures split across replicas should lock the account on %s: %d, want 423", s.base, status)
		}
	}

	// The rate limit of /api/auth/* per client IP counts the requests of all replicas
	// together: one client (a new address, behind the trusted proxy) is refused at its
	// limit's next request, wherever that goes.
	for i := 1; i <= authLimit+1; i++ {
		status := sendFrom(t, "203.0.113.77", "POST", servers[i%3].base+"/api/auth/login", `{"email":"nobody@clinic.test","password":"x"}`)
		if i <= authLimit && status == 429 {
			t.Fatalf("request %d of a client was refused; the limit is %d across the replicas", i, authLimit)
		}
		if i == authLimit+1 && status != 429 {
			t.Errorf("request %d of a client, past the shared limit of %d: %d, want 429", i, authLimit, status)
		}
	}

	// All replicas read at once, so that each has audit events to seal while the others
	// seal theirs; after a clean stop every event is sealed once, in one unbroken chain.
	var load sync.WaitGroup
	for _, s := range servers {
		for range 3 {
			load.Add(1)
			go func() {
				defer load.Done()
				for range 20 {
					if status, body := send(t, "GET", s.base+"/api/patients", keep, ""); status != 200 {
						t.Errorf("read under load: %d %s", status, body)
						return
					}
				}
			}()
		}
	}
	load.Wait()
	for _, s := range servers {
		s.stop(t)
	}
	code, out := hms(t, env, "audit", "verify")
	if code != 0 || !strings.Contains(out, "ok: ") || !strings.Contains(out, "; 0 sealed now)") {
		t.Errorf("audit verify across replicas (every event sealed by the replicas that wrote it): %d %s", code, out)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events, reads int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE action = 'read') FROM audit_event`).Scan(&events, &reads); err != nil {
		t.Fatal(err)
	}
	if want := "ok: " + strconv.Itoa(events) + " event(s) verified (seq 1 to " + strconv.Itoa(events) + ";"; !strings.Contains(out, want) || reads < 180 {
		t.Errorf("the chain should hold each of the %d events (%d reads) once, in order: %s", events, reads, out)
	}

	// Migrations ran once across the replicas, HMS's and River's.
	if applied := strings.Count(a.logs.String()+b.logs.String()+c.logs.String(), "migrations applied"); applied != 1 {
		t.Errorf("migrations applied %d times across the replicas, want once:\n%s\n%s\n%s", applied, a.logs, b.logs, c.logs)
	}
	var riverRuns, riverVersions int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM river_migration`).Scan(&riverRuns, &riverVersions); err != nil {
		t.Fatal(err)
	}
	if riverRuns == 0 || riverRuns != riverVersions {
		t.Errorf("River's migrations: %d recorded for %d versions, want each once", riverRuns, riverVersions)
	}
}

// stop ends the server with SIGTERM and waits for it to exit, as a clean shutdown does.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v\n%s", err, s.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop after SIGTERM\n%s", s.logs.String())
	}
}

// sendFrom sends a request as if from client IP ip behind the trusted proxy, and returns its status.
func sendFrom(t *testing.T, ip, method, url, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signIn signs in at base and returns the access token.
func signIn(t *testing.T, base, email, password string) string {
	t.Helper()
	status, body := send(t, "POST", base+"/api/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
	var login struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &login); status != 200 || err != nil {
		t.Fatalf("sign in as %s: %d %s", email, status, body)
	}
	return login.Data.AccessToken
}

// send makes a request with a bearer token (when given) and returns the status and body.
func send(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeAndShutDown starts `hms serve` on the embedded database, uses it, checks the
// health check command and shuts it down with SIGTERM.
func TestServeAndShutDown(t *testing.T) {
	c := http.Client{Timeout: 5 * time.Second}
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(hmsBin, "serve")
	const adminPassword = "Serve-And-Shut-Down-7"
	dataDir := t.TempDir()
	cmd.Env = append(os.Environ(), "HMS_ADDR="+addr, "HMS_METRICS_ADDR="+metricsAddr, "HMS_DATA_DIR="+dataDir, "HMS_ENV=production",
		"HMS_JWT_SECRET=serve-test-secret-of-at-least-32-bytes", "HMS_ADMIN_EMAIL=admin@clinic.test", "HMS_ADMIN_PASSWORD="+adminPassword)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/ready")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	patient := `{"name":"Ada Lovelace","email":"ada@example.org","date_of_birth":"1990-12-10"}`
	if resp, err := http.Post(base+"/api/patients", "application/json", strings.NewReader(patient)); err != nil || resp.StatusCode != 401 {
		t.Fatalf("create patient without signing in: %v %v", err, resp)
	}
	resp, err := http.Post(base+"/api/auth/login", "application/json",
		strings.NewReader(`{"email":"admin@clinic.test","password":"`+adminPassword+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in as the first admin: %v %v", err, resp)
	}
	var login struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/api/patients", strings.NewReader(patient))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+login.Data.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create patient: %v %v", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"success":true`) {
		t.Errorf("create body %s", body)
	}
	// Metrics: on their own listener only, labelled by route pattern, free of patient data.
	// (The public port answers /metrics with the web UI's page, never with metrics.)
	if _, body := get(t, base+"/metrics"); strings.Contains(body, "hms_http_requests_total") || strings.Contains(body, "go_goroutines") {
		t.Error("/metrics must not be served on the public port")
	}
	req, _ = http.NewRequest("GET", base+"/api/patients/1", nil)
	req.Header.Set("Authorization", "Bearer "+login.Data.AccessToken)
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
	}
	status, m := get(t, "http://"+metricsAddr+"/metrics")
	for _, want := range []string{
		`hms_http_requests_total{method="POST",route="/api/patients",status="201"} 1`,
		`hms_http_requests_total{method="GET",route="/api/patients/{id}",status="200"} 1`,
		`hms_http_request_duration_seconds_bucket{method="GET",route="/ready"`,
		`go_sql_max_open_connections{db_name="hms"}`, `go_goroutines`, `hms_build_info{version=`,
	} {
		if status != 200 || !strings.Contains(m, want) {
			t.Errorf("/metrics (status %d) lacks %s", status, want)
		}
	}
	if strings.Contains(m, "Lovelace") || strings.Contains(m, "ada@") || strings.Contains(m, "/api/patients/1\"") {
		t.Error("/metrics carries patient data or raw paths")
	}
	if code, out := hms(t, []string{"HMS_ADDR=" + addr}, "healthcheck"); code != 0 {
		t.Errorf("healthcheck against a running server: exit %d %s", code, out)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	out := logs.String()
	for _, want := range []string{`"msg":"hms started"`, `"msg":"shutting down"`, `"msg":"stopped"`, `"route":"/api/patients"`} {
		if !strings.Contains(out, want) {
			t.Errorf("production (JSON) log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Ada") || strings.Contains(out, "ada@") || strings.Contains(out, adminPassword) {
		t.Errorf("log contains patient data or a password:\n%s", out)
	}
	// Every request left an audit event, and the sealer chained them all before exiting.
	code, verify := hms(t, []string{"HMS_DATA_DIR=" + dataDir}, "audit", "verify")
	if code != 0 || !strings.Contains(verify, "ok: ") || !strings.Contains(verify, "0 sealed now") {
		t.Errorf("audit verify after shutdown: exit %d\n%s", code, verify)
	}
	if code, _ := hms(t, []string{"HMS_ADDR=" + addr}, "healthcheck"); code != 1 {
		t.Errorf("healthcheck against a stopped server should exit 1, got %d", code)
	}
}

func TestUserCommands(t *testing.T) {
	env := []string{"HMS_DATA_DIR=" + t.TempDir()}
	code, out := hms(t, env, "user", "create", "--email", "Grey@Clinic.test", "--name", "Meredith Grey", "--role", "doctor")
	if code != 0 || !strings.Contains(out, "created user 1: grey@clinic.test (doctor)") || !strings.Contains(out, "shown only this once") {
		t.Fatalf("user create: %d %s", code, out)
	}
	if code, out := hms(t, env, "user", "create", "--email", "grey@clinic.test", "--name", "Again", "--role", "doctor"); code != 1 || !strings.Contains(out, "already registered") {
		t.Errorf("duplicate user: %d %s", code, out)
	}
	if code, out := hms(t, env, "user", "create", "--email", "x@clinic.test", "--name", "X", "--role", "janitor"); code != 1 || !strings.Contains(out, "--role") {
		t.Errorf("bad role: %d %s", code, out)
	}
	cmd := exec.Command(hmsBin, "user", "create", "--email", "desk@clinic.test", "--name", "Front Desk", "--role", "staff", "--password-stdin")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader("short\n")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "at least 12 characters") {
		t.Errorf("a weak password on stdin should be refused: %v %s", err, out)
	}
	cmd = exec.Command(hmsBin, "user", "create", "--email", "desk@clinic.test", "--name", "Front Desk", "--role", "staff", "--password-stdin")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader("Lantern-Harbour-1977\n")
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "Lantern") {
		t.Errorf("create with a password on stdin: %v %s", err, out)
	}
	if code, out := hms(t, env, "user", "disable", "--email", "desk@clinic.test"); code != 0 || !strings.Contains(out, "disabled user 2") {
		t.Errorf("disable: %d %s", code, out)
	}
	if code, out := hms(t, env, "user", "reset-password", "--email", "grey@clinic.test"); code != 0 || !strings.Contains(out, "new password") {
		t.Errorf("reset-password: %d %s", code, out)
	}
	code, out = hms(t, env, "user", "list")
	if code != 0 || !strings.Contains(out, "grey@clinic.test") || !regexpMatch(`desk@clinic.test\s+Front Desk\s+staff\s+false`, out) {
		t.Errorf("list: %d %s", code, out)
	}
	if code, _ := hms(t, env, "user", "promote"); code != 2 {
		t.Errorf("unknown user action should exit 2, got %d", code)
	}
	// Every change above is in the audit trail, which verifies: the two users, the doctor
	// row linked to the doctor user, the disabling and the password reset.
	if code, out := hms(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "ok: 5 event(s)") {
		t.Errorf("audit verify: %d %s", code, out)
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// TestAuditVerifyCatchesTampering edits, then deletes, a sealed event in the database file.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	dir := t.TempDir()
	env := []string{"HMS_DATA_DIR=" + dir}
	for _, email := range []string{"a@clinic.test", "b@clinic.test", "c@clinic.test"} {
		if code, out := hms(t, env, "user", "create", "--email", email, "--name", "N", "--role", "staff"); code != 0 {
			t.Fatal(out)
		}
	}
	if code, out := hms(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "ok: 3 event(s)") {
		t.Fatalf("verify intact chain: %d %s", code, out)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "hms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_event SET resource_id = 99 WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if code, out := hms(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "BROKEN at seq 2") || !strings.Contains(out, "edited") {
		t.Errorf("verify after an edit: %d %s", code, out)
	}
	if _, err := db.Exec(`DELETE FROM audit_event WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if code, out := hms(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "BROKEN at seq 2") || !strings.Contains(out, "missing") {
		t.Errorf("verify after a deletion: %d %s", code, out)
	}
}

func TestAuditPurge(t *testing.T) {
	dir := t.TempDir()
	env := []string{"HMS_DATA_DIR=" + dir}
	hms(t, env, "user", "create", "--email", "a@clinic.test", "--name", "N", "--role", "staff")
	hms(t, env, "user", "create", "--email", "b@clinic.test", "--name", "N", "--role", "staff")
	if code, out := hms(t, env, "audit", "purge"); code != 0 || !strings.Contains(out, "removed 0") {
		t.Errorf("purge within retention: %d %s", code, out)
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	if code, out := hms(t, env, "audit", "purge", "--before", tomorrow); code != 0 || !strings.Contains(out, "removed 3") ||
		!strings.Contains(out, "purged seq 1 to 3") {
		t.Errorf("purge everything (2 creations, the first purge): %d %s", code, out)
	}
	// What remains (the last purge's own event) still verifies.
	if code, out := hms(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "ok: 1 event(s) verified (seq 4 to 4") ||
		!strings.Contains(out, "events 1 to 3 were purged (the purge event is seq 4)") {
		t.Errorf("verify after purge: %d %s", code, out)
	}
	// A deletion by SQL after the purge is not one.
	hms(t, env, "user", "create", "--email", "c@clinic.test", "--name", "N", "--role", "staff")
	db, err := sql.Open("sqlite", filepath.Join(dir, "hms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM audit_event WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	if code, out := hms(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "BROKEN at seq 4") || !strings.Contains(out, "event 4 is missing") {
		t.Errorf("verify after deleting the purge's event: %d %s", code, out)
	}
}

// TestAuditVerifyCatchesDeletionsWithoutPurge deletes the oldest events in the database
// file: verify names what is missing, and purge refuses to cover it up.
func TestAuditVerifyCatchesDeletionsWithoutPurge(t *testing.T) {
	dir := t.TempDir()
	env := []string{"HMS_DATA_DIR=" + dir}
	for _, email := range []string{"a@clinic.test", "b@clinic.test", "c@clinic.test", "d@clinic.test"} {
		if code, out := hms(t, env, "user", "create", "--email", email, "--name", "N", "--role", "staff"); code != 0 {
			t.Fatal(out)
		}
	}
	if code, out := hms(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "ok: 4 event(s)") {
		t.Fatalf("verify intact chain: %d %s", code, out)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "hms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM audit_event WHERE seq <= 2`); err != nil {
		t.Fatal(err)
	}
	if code, out := hms(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "BROKEN at seq 1") || !strings.Contains(out, "events 1 to 2 are missing") {
		t.Errorf("verify after deleting the oldest events: %d %s", code, out)
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	if code, out := hms(t, env, "audit", "purge", "--before", tomorrow); code != 1 || !strings.Contains(out, "nothing was purged") {
		t.Errorf("a purge over the gap: %d %s", code, out)
	}
	if code, out := hms(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "events 1 to 2 are missing") {
		t.Errorf("verify after the refused purge: %d %s", code, out)
	}
}

// TestFirstStart covers the first admin: generated and printed once in development,
// refused in production without HMS_ADMIN_EMAIL and HMS_ADMIN_PASSWORD.
func TestFirstStart(t *testing.T) {
	code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=production", "HMS_JWT_SECRET=" + auth.NewSecret()}, "serve")
	if code != 1 || !strings.Contains(out, "HMS_ADMIN_EMAIL") {
		t.Errorf("production without an admin: %d %s", code, out)
	}
	if code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=production"}, "serve"); code != 1 || !strings.Contains(out, "HMS_JWT_SECRET is required") {
		t.Errorf("production without a secret: %d %s", code, out)
	}
	if code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=production", "HMS_JWT_SECRET=" + strings.Repeat("s", 32)}, "serve"); code != 1 || !strings.Contains(out, "HMS_JWT_SECRET is too easy to guess") {
		t.Errorf("production with a guessable secret: %d %s", code, out)
	}
	if code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_ADMIN_EMAIL=a@clinic.test", "HMS_ADMIN_PASSWORD=password1234"}, "serve"); code != 1 || !strings.Contains(out, "too common") {
		t.Errorf("a common admin password: %d %s", code, out)
	}
	dir := t.TempDir()
	first := startAndStop(t, "HMS_DATA_DIR="+dir, "HMS_ENV=development")
	m := regexp.MustCompile(`created the admin (\S+) with the password\s+(\S+)`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("the generated password was not printed:\n%s", first)
	}
	if info, err := os.Stat(filepath.Join(dir, "jwt.secret")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("jwt.secret should be generated with mode 0600: %v %v", info, err)
	}
	// The second start finds the admin and prints no password.
	if second := startAndStop(t, "HMS_DATA_DIR="+dir, "HMS_ENV=development"); strings.Contains(second, m[2]) || strings.Contains(second, "created the admin") {
		t.Errorf("second start printed the password again: %s", second)
	}
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startAndStop runs `hms serve` on a free port until it has started, stops it with
// SIGTERM and returns its output.
func startAndStop(t *testing.T, env ...string) string {
	t.Helper()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	var out lockedBuffer
	cmd := exec.Command(hmsBin, "serve")
	cmd.Env = append(append(os.Environ(), "HMS_ADDR="+addr), env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.After(15 * time.Second)
	for !strings.Contains(out.String(), "hms started") {
		select {
		case <-done:
			t.Fatalf("serve exited before starting:\n%s", out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("serve did not start:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve did not stop after SIGTERM")
	}
	return out.String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRevokedSessionRefusedByTheOtherReplica: replica B caches the sessions it checked, and
// a session ended on replica A — by a logout, by an admin, by disabling its user — is
// refused by B on the very next request: A answers only once every listening replica has
// forgotten the sessions it cached.
func TestRevokedSessionRefusedByTheOtherReplica(t *testing.T) {
	url := testutil.PostgresURL(t)
	env := []string{"HMS_DATABASE_URL=" + url, "HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=test",
		"HMS_JWT_SECRET=replicas-share-this-secret-of-32-bytes", "HMS_ADMIN_EMAIL=admin@clinic.test", "HMS_ADMIN_PASSWORD=Replica-Admin-Pass-1"}
	a := startServer(t, env...)
	b := startServer(t, env...)
	admin := signIn(t, a.base, "admin@clinic.test", "Replica-Admin-Pass-1")
	status, body := send(t, "POST", a.base+"/api/users", admin, `{"email":"nurse@clinic.test","name":"Nurse Joy","role":"staff","password":"Nurse-Joy-Pass-2024"}`)
	var created struct {
		Data struct{ ID int64 } `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &created); status != 201 || err != nil {
		t.Fatalf("create a user: %d %s", status, body)
	}
	nurse := strconv.FormatInt(created.Data.ID, 10)
	signInAs := func(email, password string) (access, refresh string) {
		status, body := send(t, "POST", a.base+"/api/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
		var r struct {
			Data struct {
				AccessToken  string `json:"access_token"`
				RefreshToken string `json:"refresh_token"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &r); status != 200 || err != nil {
			t.Fatalf("sign in as %s: %d %s", email, status, body)
		}
		return r.Data.AccessToken, r.Data.RefreshToken
	}
	revocations := []struct {
		name   string
		email  string
		revoke func(refresh string) (int, string)
	}{
		{"logout", "admin@clinic.test", func(refresh string) (int, string) {
			return send(t, "POST", a.base+"/api/auth/logout", "", `{"refresh_token":"`+refresh+`"}`)
		}},
		{"every session ended by an admin", "nurse@clinic.test", func(string) (int, string) {
			return send(t, "DELETE", a.base+"/api/users/"+nurse+"/sessions", admin, "")
		}},
		{"user disabled", "nurse@clinic.test", func(string) (int, string) {
			return send(t, "DELETE", a.base+"/api/users/"+nurse, admin, "")
		}},
	}
	for _, r := range revocations {
		password := map[string]string{"admin@clinic.test": "Replica-Admin-Pass-1", "nurse@clinic.test": "Nurse-Joy-Pass-2024"}[r.email]
		access, refresh := signInAs(r.email, password)
		for range 3 { // B checks the session, then answers from what it cached
			if status, body := send(t, "GET", b.base+"/api/auth/me", access, ""); status != 200 {
				t.Fatalf("%s: the session on B before: %d %s", r.name, status, body)
			}
		}
		if status, body := r.revoke(refresh); status >= 300 {
			t.Fatalf("%s on A: %d %s", r.name, status, body)
		}
		if status, _ := send(t, "GET", b.base+"/api/auth/me", access, ""); status != 401 {
			t.Errorf("%s on A: the session still works on B: %d, want 401", r.name, status)
		}
	}
}
