package main_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/testutil"
)

// TestServeWithReadReplica runs `hms serve` with HMS_DATABASE_READ_URL naming a streaming
// replica: lists run there once it has the session's write, and /ready and the metrics say
// so. (internal/httpapi's TestReadReplica covers the routing and the fallbacks.)
func TestServeWithReadReplica(t *testing.T) {
	primaryURL, replicaURL, _ := testutil.ReplicatedPostgres(t)
	metricsAddr := freeAddr(t)
	s := startServer(t, "HMS_DATABASE_URL="+primaryURL, "HMS_DATABASE_READ_URL="+replicaURL, "HMS_DATABASE_READ_MAX_LAG=1m",
		"HMS_METRICS_ADDR="+metricsAddr, "HMS_DATA_DIR="+t.TempDir(), "HMS_ENV=test",
		"HMS_JWT_SECRET=read-replica-test-secret-of-32-bytes", "HMS_ADMIN_EMAIL=admin@clinic.test", "HMS_ADMIN_PASSWORD=Read-Replica-Pass-1")
	token := signIn(t, s.base, "admin@clinic.test", "Read-Replica-Pass-1")
	if status, body := send(t, "POST", s.base+"/api/patients", token, `{"name":"Rhea Replica","email":"rhea@example.org","date_of_birth":"1970-01-01"}`); status != 201 {
		t.Fatalf("create a patient: %d %s", status, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", s.base+"/api/patients", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		source := resp.Header.Get("X-HMS-Read-Source")
		if resp.StatusCode != 200 || (source != "replica" && source != "primary; own_writes") {
			t.Fatalf("GET /api/patients: %d, source %q; want the replica, or the primary until it has the write", resp.StatusCode, source)
		}
		if source == "replica" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica never caught up with the session's write")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, body := get(t, s.base+"/ready"); status != 200 || !strings.Contains(body, `"read_replica":"in use"`) {
		t.Errorf("/ready: %d %s", status, body)
	}
	_, metrics := get(t, "http://"+metricsAddr+"/metrics")
	for _, want := range []string{"hms_db_read_replica_in_use 1", `hms_db_heavy_reads_total{reason="replica"} `, `go_sql_open_connections{db_name="hms_read_replica"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
