package main_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/config"
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
	code := m.Run()
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

// TestServeAndShutDown starts `hms serve` on the embedded database, uses it, checks the
// health check command and shuts it down with SIGTERM.
func TestServeAndShutDown(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(hmsBin, "serve")
	const adminPassword = "Serve-And-Shut-Down-7"
	dataDir := t.TempDir()
	cmd.Env = append(os.Environ(), "HMS_ADDR="+addr, "HMS_DATA_DIR="+dataDir, "HMS_ENV=production",
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
	// Every change above is in the audit trail, which verifies.
	if code, out := hms(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "ok: 4 event(s)") {
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
	env := []string{"HMS_DATA_DIR=" + t.TempDir()}
	hms(t, env, "user", "create", "--email", "a@clinic.test", "--name", "N", "--role", "staff")
	hms(t, env, "user", "create", "--email", "b@clinic.test", "--name", "N", "--role", "staff")
	if code, out := hms(t, env, "audit", "purge"); code != 0 || !strings.Contains(out, "removed 0") {
		t.Errorf("purge within retention: %d %s", code, out)
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	if code, out := hms(t, env, "audit", "purge", "--before", tomorrow); code != 0 || !strings.Contains(out, "removed 3") {
		t.Errorf("purge everything (2 creations, the first purge): %d %s", code, out)
	}
	// What remains (the last purge's own event) still verifies.
	if code, out := hms(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "ok: 1 event(s) verified (seq 4 to 4") {
		t.Errorf("verify after purge: %d %s", code, out)
	}
}

// TestFirstStart covers the first admin: generated and printed once in development,
// refused in production without HMS_ADMIN_EMAIL and HMS_ADMIN_PASSWORD.
func TestFirstStart(t *testing.T) {
	code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=production", "HMS_JWT_SECRET=" + strings.Repeat("s", 32)}, "serve")
	if code != 1 || !strings.Contains(out, "HMS_ADMIN_EMAIL") {
		t.Errorf("production without an admin: %d %s", code, out)
	}
	if code, out := hms(t, []string{"HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=production"}, "serve"); code != 1 || !strings.Contains(out, "HMS_JWT_SECRET is required") {
		t.Errorf("production without a secret: %d %s", code, out)
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
