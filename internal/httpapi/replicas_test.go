package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// replicaDB is a connection to the streaming replica, to pause and resume its replay.
type replicaDB struct {
	t  *testing.T
	db *sql.DB
}

func (r replicaDB) exec(q string) {
	r.t.Helper()
	if _, err := r.db.Exec(q); err != nil {
		r.t.Fatalf("on the replica: %s: %v", q, err)
	}
}

// pause stops the replica's replay and waits until it has stopped: from then on it shows
// the data as it is now, whatever the primary commits.
func (r replicaDB) pause() {
	r.t.Helper()
	r.exec(`SELECT pg_wal_replay_pause()`)
	eventually(r.t, "the replica's replay pauses", func() bool {
		var state string
		return r.db.QueryRow(`SELECT pg_get_wal_replay_pause_state()`).Scan(&state) == nil && state == "paused"
	})
}

// eventually polls cond until it holds, failing the test after a generous deadline: what it
// waits for (replication, the watcher's next check) happens in the background.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listed reports whether a patient list (or FHIR search) answer names the patient.
func listed(res response, name string) bool { return strings.Contains(res.raw, name) }

// TestReadReplica runs HMS on a primary with a streaming replica (HMS_DATABASE_READ_URL):
// pausing the replica's replay shows where each read ran, since only the primary has what
// was written since.
func TestReadReplica(t *testing.T) {
	primaryURL, replicaURL, replica := testutil.ReplicatedPostgres(t)
	ctx := context.Background()
	open := func(maxLag time.Duration) *store.Store {
		st, err := store.Open(ctx, store.Options{DatabaseURL: primaryURL, ReadURL: replicaURL, MaxOpenConns: 10, MaxIdleConns: 10,
			ReadMaxLag: maxLag, ReplicaCheckInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st := open(time.Hour)
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	rdb, err := sql.Open("pgx", replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rep := replicaDB{t, rdb}

	adm := newClientWith(t, st, httpapi.Options{})
	desk := adm.as("staff")
	adm.createPatient("Alma Early", "alma@example.org")
	// The admin wrote: its next list waits for the replica to replay that write.
	eventually(t, "the replica has replayed the admin's write", func() bool {
		res := adm.do("GET", "/api/patients", "")
		return res.header.Get("X-HMS-Read-Source") == "replica" && listed(res, "Alma Early")
	})

	t.Run("the lists and searches are the reads that may use the replica, as the API reference says", func(t *testing.T) {
		heavy := documentedReplicaReads(t)
		for _, rt := range httpapi.RouteTable() {
			if rt.Method != "GET" || rt.Public || !(strings.HasPrefix(rt.Pattern, "/api/") || strings.HasPrefix(rt.Pattern, "/fhir/")) {
				continue
			}
			// FHIR is described by its CapabilityStatement, not the OpenAPI document: its
			// searches are heavy reads, its reads by id are not.
			want := heavy[rt.Pattern] || strings.HasPrefix(rt.Pattern, "/fhir/") && !strings.Contains(rt.Pattern, "{")
			path := strings.NewReplacer("{id}", "1", "{token}", "x").Replace(rt.Pattern)
			res := adm.do("GET", path, "")
			if got := res.header.Get("X-HMS-Read-Source") != ""; got != want {
				t.Errorf("GET %s: from the replica %v, want %v (status %d)", rt.Pattern, got, want, res.status)
			}
		}
	})

	rep.pause()
	bruno := desk.createPatient("Bruno Late", "bruno@example.org")
	readsBefore := readEvents(t, st)

	t.Run("a list runs on the replica, its audit event on the primary", func(t *testing.T) {
		res := adm.do("GET", "/api/patients", "")
		if res.status != 200 || res.header.Get("X-HMS-Read-Source") != "replica" {
			t.Fatalf("GET /api/patients: %d, source %q", res.status, res.header.Get("X-HMS-Read-Source"))
		}
		if !listed(res, "Alma Early") || listed(res, "Bruno Late") {
			t.Errorf("the list should show the replica's data, as of before the pause: %s", res.raw)
		}
		fhirRes := adm.do("GET", "/fhir/Patient", "")
		if fhirRes.status != 200 || fhirRes.header.Get("X-HMS-Read-Source") != "replica" || listed(fhirRes, "Bruno") {
			t.Errorf("a FHIR search should run on the replica: %d %q %s", fhirRes.status, fhirRes.header.Get("X-HMS-Read-Source"), fhirRes.raw)
		}
		// The replica is paused, so these events can only be on the primary.
		if after := readEvents(t, st); after < readsBefore+2 {
			t.Errorf("read events on the primary: %d before the two reads, %d after", readsBefore, after)
		}
		// A read by id is no heavy read: the primary answers it, with the latest data.
		one := adm.do("GET", "/api/patients/"+itoa(bruno), "")
		if one.status != 200 || one.header.Get("X-HMS-Read-Source") != "" {
			t.Errorf("GET /api/patients/{id}: %d, source %q; want 200 from the primary", one.status, one.header.Get("X-HMS-Read-Source"))
		}
	})

	t.Run("a session's own write is in its next read", func(t *testing.T) {
		res := desk.do("GET", "/api/patients", "")
		if res.status != 200 || !listed(res, "Bruno Late") {
			t.Fatalf("the front desk does not see the patient it just created: %d %s", res.status, res.raw)
		}
		if src := res.header.Get("X-HMS-Read-Source"); src != "primary; "+store.ReadOwnWrites {
			t.Errorf("source %q, want the primary for the session's own write", src)
		}
		// Another HMS instance (its own store and pools) knows it too: the position is in
		// the session's row, not in a process's memory.
		other := newClientWith(t, open(time.Hour), httpapi.Options{})
		other.token = desk.token
		if res := other.do("GET", "/api/patients", ""); !listed(res, "Bruno Late") || res.header.Get("X-HMS-Read-Source") != "primary; "+store.ReadOwnWrites {
			t.Errorf("through another HMS instance the session does not see its own write: %q %s", res.header.Get("X-HMS-Read-Source"), res.raw)
		}
	})

	t.Run("a lagging replica is left for the primary", func(t *testing.T) {
		strict := newClientWith(t, open(100*time.Millisecond), httpapi.Options{})
		eventually(t, "/ready reports the replica lagging", func() bool {
			res := strict.anonymous().do("GET", "/ready", "")
			return res.status == 200 && strings.HasPrefix(res.body["read_replica"].(string), "lagging")
		})
		res := strict.do("GET", "/api/patients", "")
		if res.status != 200 || !listed(res, "Bruno Late") || res.header.Get("X-HMS-Read-Source") != "primary; "+store.ReadReplicaLagging {
			t.Errorf("a read beyond the lag bound: %d, source %q\n%s", res.status, res.header.Get("X-HMS-Read-Source"), res.raw)
		}
		// The replica is as far behind for the lenient instance, which still reads from it.
		if res := adm.do("GET", "/api/patients", ""); res.header.Get("X-HMS-Read-Source") != "replica" || listed(res, "Bruno Late") {
			t.Errorf("within its bound the replica should still serve: %q", res.header.Get("X-HMS-Read-Source"))
		}
	})

	rep.exec(`SELECT pg_wal_replay_resume()`)
	eventually(t, "the replica catches up and serves again", func() bool {
		res := adm.do("GET", "/api/patients", "")
		return res.header.Get("X-HMS-Read-Source") == "replica" && listed(res, "Bruno Late")
	})

	t.Run("a replica that is down is left for the primary", func(t *testing.T) {
		rdb.Close()
		if err := replica.Stop(); err != nil {
			t.Fatal(err)
		}
		// The next read already: no wait for the watcher.
		carol := desk.createPatient("Carol Down", "carol@example.org")
		res := adm.do("GET", "/api/patients?q=carol", "")
		if res.status != 200 || !listed(res, "Carol Down") || res.header.Get("X-HMS-Read-Source") != "primary; "+store.ReadReplicaDown {
			t.Errorf("with the replica stopped: %d, source %q\n%s", res.status, res.header.Get("X-HMS-Read-Source"), res.raw)
		}
		eventually(t, "/ready reports the replica down, and stays ready", func() bool {
			res := adm.anonymous().do("GET", "/ready", "")
			return res.status == 200 && strings.HasPrefix(res.body["read_replica"].(string), "down")
		})
		if err := replica.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the restarted replica serves again", func() bool {
			res := adm.do("GET", "/api/patients?q=carol", "")
			return res.header.Get("X-HMS-Read-Source") == "replica" && listed(res, "Carol Down")
		})
		_ = carol
	})

	reads := st.ReplicaReads()
	for _, reason := range []string{store.ReadOnReplica, store.ReadOwnWrites, store.ReadReplicaDown} {
		if reads[reason] == 0 {
			t.Errorf("no heavy read counted as %s: %v", reason, reads)
		}
	}
}

// documentedReplicaReads are the paths whose GET the OpenAPI document says may run on the
// read replica (their 200 answer has the X-HMS-Read-Source header).
func documentedReplicaReads(t *testing.T) map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPISpec(), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for path, item := range doc.Paths {
		var get struct {
			Responses map[string]struct {
				Headers map[string]any `json:"headers"`
			} `json:"responses"`
		}
		if item["get"] == nil {
			continue
		}
		if err := json.Unmarshal(item["get"], &get); err != nil {
			t.Fatalf("GET %s in openapi.json: %v", path, err)
		}
		if _, ok := get.Responses["200"].Headers["X-HMS-Read-Source"]; ok {
			out[path] = true
		}
	}
	return out
}

// readEvents counts the read events in the audit trail on the primary.
func readEvents(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM audit_event WHERE action = 'read'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
