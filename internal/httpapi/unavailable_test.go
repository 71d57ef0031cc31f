package httpapi_test

import (
	"context"
	"testing"

	"github.com/hms-project/hms/internal/testutil"
)

// TestDatabaseThatCannotServeAnswers503 puts PostgreSQL through what a failover does to
// HMS's connections: they are terminated (57P01), and the server that answers the new
// ones takes no writes (25006), as a standby or a node not yet opened for writes. Each
// request then fails with 503 and Retry-After, never 500, /ready says not ready, and
// once the server takes writes again the same store serves them, with no restart.
func TestDatabaseThatCannotServeAnswers503(t *testing.T) {
	st := testutil.OpenStore(t, "postgres")
	c := newClient(t, st, nil)
	c.must(201, "POST", "/api/patients", `{"name":"Before","email":"before@example.org","date_of_birth":"1990-01-02"}`)
	ctx := context.Background()
	admin, err := st.DB().Conn(ctx) // kept aside: its session is not terminated, nor read-only
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var db string
	if err := admin.QueryRowContext(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	terminateOthers := `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`
	exec(`ALTER DATABASE ` + db + ` SET default_transaction_read_only = on`)
	exec(terminateOthers)

	for i := range 3 { // the terminated connections first, then new, read-only ones
		res := c.do("POST", "/api/patients", `{"name":"During","email":"during@example.org","date_of_birth":"1990-01-02"}`)
		if res.status != 503 || res.header.Get("Retry-After") == "" || res.body["success"] != false {
			t.Errorf("write %d while the database takes none: %d, Retry-After %q, %s", i, res.status, res.header.Get("Retry-After"), res.raw)
		}
	}
	if res := c.do("GET", "/ready", ""); res.status != 503 || res.body["database"] != "read-only" {
		t.Errorf("/ready on a read-only database: %d %s", res.status, res.raw)
	}
	if res := c.do("GET", "/fhir/Patient", "", "Accept", "application/fhir+json"); res.status != 503 || res.header.Get("Retry-After") == "" {
		t.Errorf("a FHIR search whose audit event cannot be written: %d %s", res.status, res.raw)
	}

	exec(`ALTER DATABASE ` + db + ` RESET default_transaction_read_only`)
	exec(terminateOthers) // as the failover's restart ends the read-only sessions
	// Each connection the termination broke may fail one more request (with 503), until
	// the pool has replaced them all.
	written := false
	for i := 0; i < 20 && !written; i++ {
		res := c.do("POST", "/api/patients", `{"name":"After","email":"after@example.org","date_of_birth":"1990-01-02"}`)
		switch res.status {
		case 201:
			written = true
		case 503:
		default:
			t.Fatalf("write after the database takes writes again: %d %s", res.status, res.raw)
		}
	}
	if !written {
		t.Fatal("no write succeeded once the database took writes again")
	}
	if r := c.must(200, "GET", "/ready", ""); r["database"] != "connected" {
		t.Errorf("/ready after: %v", r)
	}
}
