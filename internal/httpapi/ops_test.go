package httpapi_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestHealthAndReady(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		if h := c.must(200, "GET", "/health", ""); h["status"] != "healthy" || len(h) != 1 {
			t.Errorf("/health = %v", h)
		}
		if r := c.must(200, "GET", "/ready", ""); r["status"] != "ready" || r["database"] != "connected" {
			t.Errorf("/ready = %v", r)
		}
		if res := c.do("HEAD", "/health", ""); res.status != 200 {
			t.Errorf("HEAD /health = %d", res.status)
		}
	})
}

func TestReadyWhileDraining(t *testing.T) {
	st := testutil.OpenStore(t, "sqlite")
	api, h := httpapi.New(httpapi.Options{Store: st, Logger: slog.New(slog.DiscardHandler)})
	api.StartDraining()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"not ready"`) {
		t.Errorf("/ready while draining: %d %s", rec.Code, rec.Body.String())
	}
}

// TestReadyFollowsTheDatabase stops and restarts a PostgreSQL server under a running API.
func TestReadyFollowsTheDatabase(t *testing.T) {
	if testutil.PostgresMode() == "off" {
		t.Skip("PostgreSQL tests are off")
	}
	cluster, err := testutil.StartCluster()
	if err != nil {
		if testutil.PostgresMode() == "required" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer cluster.Remove()
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: cluster.URL("postgres"), MaxOpenConns: 4, MaxIdleConns: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, st, nil)
	c.must(200, "GET", "/ready", "")
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := c.must(503, "GET", "/ready", ""); r["status"] != "not ready" || r["database"] != "disconnected" {
		t.Errorf("/ready with the database down = %v", r)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("/ready took %v with the database down; it should give up within its short timeout", d)
	}
	c.must(200, "GET", "/health", "") // liveness does not depend on the database
	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for c.do("GET", "/ready", "").status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/ready did not return to 200 after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRequestIDAndLogs(t *testing.T) {
	st := testutil.OpenStore(t, "sqlite")
	c := newClient(t, st, nil)
	res := c.do("GET", "/health", "", "X-Request-ID", "trace-42")
	if res.header.Get("X-Request-ID") != "trace-42" {
		t.Errorf("X-Request-ID not honoured: %q", res.header.Get("X-Request-ID"))
	}
	res = c.do("GET", "/health", "", "X-Request-ID", "bad id with spaces\nand a newline")
	if got := res.header.Get("X-Request-ID"); len(got) != 24 || strings.ContainsAny(got, " \n") {
		t.Errorf("an unusable X-Request-ID should be replaced, got %q", got)
	}
	// Patient data never reaches the log: not in bodies, paths or search terms.
	pid := c.createPatient("Zebulon Secretname", "zebulon.private@example.org")
	c.must(200, "GET", "/api/patients?q=Secretname", "")
	c.must(200, "PUT", "/api/patients/"+itoa(pid), `{"phone":"555-9876-543"}`)
	c.createRecord(pid, "Confidential diagnosis")
	c.do("POST", "/api/patients", `{"name":"Zebulon Secretname","email":"zebulon.private@example.org","date_of_birth":"1990-01-01"}`) // 409
	logs := c.log.String()
	for _, secret := range []string{"Secretname", "zebulon", "555-9876", "Confidential"} {
		if strings.Contains(strings.ToLower(logs), strings.ToLower(secret)) {
			t.Errorf("log contains patient data %q:\n%s", secret, logs)
		}
	}
	line := lastLine(logs)
	for _, want := range []string{"method=POST", "route=/api/patients", "status=409", "duration_ms=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("request log line lacks %q: %s", want, line)
		}
	}
}

func TestInternalErrorsLeakNothing(t *testing.T) {
	st := testutil.OpenStore(t, "sqlite")
	c := newClient(t, st, nil)
	st.Close() // every query now fails inside database/sql
	res := c.do("GET", "/api/patients", "", "X-Request-ID", "req-500")
	if res.status != 500 || res.body["success"] != false {
		t.Fatalf("status %d body %s", res.status, res.raw)
	}
	if strings.Contains(res.raw, "sql") || strings.Contains(res.raw, "closed") {
		t.Errorf("500 leaks internals: %s", res.raw)
	}
	if logs := c.log.String(); !strings.Contains(logs, "req-500") || !strings.Contains(logs, "database is closed") {
		t.Errorf("the cause should be logged with the request id:\n%s", logs)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
