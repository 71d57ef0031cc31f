package main_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
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

// TestTwoReplicasShareOnePostgres starts two servers on one PostgreSQL database at the
// same time (both migrate on start), writes through one and reads through the other.
func TestTwoReplicasShareOnePostgres(t *testing.T) {
	url := testutil.PostgresURL(t)
	env := []string{"HMS_DATABASE_URL=" + url, "HMS_DATA_DIR=" + t.TempDir(), "HMS_ENV=test"}
	servers := make([]*server, 2)
	done := make(chan int, 2)
	for i := range servers {
		go func(i int) { servers[i] = startServer(t, env...); done <- i }(i)
	}
	<-done
	<-done
	a, b := servers[0], servers[1]
	resp, err := http.Post(a.base+"/api/patients", "application/json",
		strings.NewReader(`{"name":"Shared Patient","email":"shared@example.org","date_of_birth":"1970-01-01"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create through replica A: %v %v", err, resp)
	}
	resp.Body.Close()
	status, body := get(t, b.base+"/api/patients?q=shared")
	if status != 200 || !strings.Contains(body, `"total":1`) {
		t.Errorf("replica B does not see replica A's write: %d %s", status, body)
	}
	// A conflict is detected across replicas: the email is taken for B too.
	resp, _ = http.Post(b.base+"/api/patients", "application/json",
		strings.NewReader(`{"name":"Copy","email":"shared@example.org","date_of_birth":"1970-01-01"}`))
	if resp.StatusCode != 409 {
		t.Errorf("duplicate through replica B: %d, want 409", resp.StatusCode)
	}
	resp.Body.Close()
	if applied := strings.Count(a.logs.String()+b.logs.String(), "migrations applied"); applied != 1 {
		t.Errorf("migrations applied %d times across both replicas, want once:\n%s\n%s", applied, a.logs, b.logs)
	}
}

// TestServeAndShutDown starts `hms serve` on the embedded database, uses it, checks the
// health check command and shuts it down with SIGTERM.
func TestServeAndShutDown(t *testing.T) {
	c := http.Client{Timeout: 5 * time.Second}
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(hmsBin, "serve")
	cmd.Env = append(os.Environ(), "HMS_ADDR="+addr, "HMS_METRICS_ADDR="+metricsAddr, "HMS_DATA_DIR="+t.TempDir(), "HMS_ENV=production")
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
	resp, err := http.Post(base+"/api/patients", "application/json",
		strings.NewReader(`{"name":"Ada Lovelace","email":"ada@example.org","date_of_birth":"1990-12-10"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create patient: %v %v", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"success":true`) {
		t.Errorf("create body %s", body)
	}
	// Metrics: on their own listener only, labelled by route pattern, free of patient data.
	if status, _ := get(t, base+"/metrics"); status == 200 {
		t.Error("/metrics must not be served on the public port")
	}
	c.Get(base + "/api/patients/1")
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
	if strings.Contains(out, "Ada") || strings.Contains(out, "ada@") {
		t.Errorf("log contains patient data:\n%s", out)
	}
	if code, _ := hms(t, []string{"HMS_ADDR=" + addr}, "healthcheck"); code != 1 {
		t.Errorf("healthcheck against a stopped server should exit 1, got %d", code)
	}
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
