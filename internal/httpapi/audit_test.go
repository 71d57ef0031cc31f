package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// lastEvent returns the newest audit event.
func (c *client) lastEvent() domain.AuditEvent {
	c.t.Helper()
	page, err := c.st.AuditEvents(context.Background(), store.AuditFilter{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		c.t.Fatalf("no audit event: %v", err)
	}
	return page.Items[0]
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestEveryAccessIsAudited checks the event that each read and write of patient data leaves.
func TestEveryAccessIsAudited(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doctor := c.as("doctor")
		fx := setup(c)
		p, a, r := fx.patient, fx.appointment, fx.record
		cases := []struct {
			who                   *client
			method, path, body    string
			action, resource      string
			resourceID, patientID int64
		}{
			{c, "GET", "/api/patients", "", "read", "patient", 0, 0},
			{doctor, "GET", fmt.Sprintf("/api/patients/%d", p), "", "read", "patient", p, p},
			{doctor, "PUT", fmt.Sprintf("/api/patients/%d", p), `{"phone":"555-0199"}`, "update", "patient", p, p},
			{doctor, "GET", fmt.Sprintf("/api/patients/%d/records", p), "", "read", "medical_record", 0, p},
			{c, "GET", fmt.Sprintf("/api/appointments?patient_id=%d", p), "", "read", "appointment", 0, p},
			{doctor, "GET", fmt.Sprintf("/api/appointments/%d", a), "", "read", "appointment", a, p},
			{doctor, "PUT", fmt.Sprintf("/api/appointments/%d", a), `{"status":"checked_in"}`, "update", "appointment", a, p},
			{doctor, "GET", fmt.Sprintf("/api/records/%d", r), "", "read", "medical_record", r, p},
			{c, "DELETE", fmt.Sprintf("/api/records/%d", r), "", "delete", "medical_record", r, p},
			{c, "DELETE", fmt.Sprintf("/api/appointments/%d", a), "", "delete", "appointment", a, p},
			{c, "DELETE", fmt.Sprintf("/api/patients/%d", p), "", "delete", "patient", p, p},
			{c.as("staff"), "GET", fmt.Sprintf("/api/records/%d", r), "", "denied", "medical_record", r, 0},
			{c.as("staff"), "DELETE", fmt.Sprintf("/api/patients/%d", p), "", "denied", "patient", p, p},
		}
		for _, tc := range cases {
			tc.who.t = t
			res := tc.who.do(tc.method, tc.path, tc.body, "X-Request-ID", "req-"+tc.action)
			if res.status >= 500 || (tc.action != "denied" && res.status >= 400) {
				t.Fatalf("%s %s: %d %s", tc.method, tc.path, res.status, res.raw)
			}
			e := c.lastEvent()
			role := strings.TrimSuffix(strings.Split(tc.who.emailOf(), "@")[0], "")
			if e.Action != tc.action || deref(e.ResourceType) != tc.resource || deref(e.ResourceID) != any(tc.resourceID) && tc.resourceID != 0 ||
				deref(e.PatientID) != any(tc.patientID) && tc.patientID != 0 || deref(e.UserID) != any(tc.who.user) || deref(e.Role) != role ||
				deref(e.RequestID) != "req-"+tc.action || deref(e.IP) != "192.0.2.1" {
				t.Errorf("%s %s: event %+v (resource %v id %v patient %v user %v role %v request %v ip %v)", tc.method, tc.path, e,
					deref(e.ResourceType), deref(e.ResourceID), deref(e.PatientID), deref(e.UserID), deref(e.Role), deref(e.RequestID), deref(e.IP))
			}
			if tc.action == "denied" && e.Outcome != "denied" || tc.action != "denied" && e.Outcome != "success" {
				t.Errorf("%s %s: outcome %q", tc.method, tc.path, e.Outcome)
			}
		}
		// Creations carry the new ids.
		pid := c.createPatient("Ada Lovelace", "ada@example.org")
		if e := c.lastEvent(); e.Action != "create" || deref(e.ResourceID) != any(pid) || deref(e.PatientID) != any(pid) {
			t.Errorf("create patient event: %+v", e)
		}
		rid := c.createRecord(pid, "Migraine")
		if e := c.lastEvent(); e.Action != "create" || deref(e.ResourceType) != "medical_record" || deref(e.ResourceID) != any(rid) || deref(e.PatientID) != any(pid) {
			t.Errorf("create record event: %+v", e)
		}
		// Audit rows hold ids only: no name, email, phone or diagnosis. Each word
		// has a letter outside a-f, so a hex request id or hash cannot hold it by chance.
		rows, err := st.DB().Query(`SELECT * FROM audit_event`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rows.Scan(ptrs...)
			line := strings.ToLower(fmt.Sprintf("%v", vals))
			for _, secret := range []string{"grace", "hopper", "lovelace", "influenza", "migraine", "555-0199", "example.org"} {
				if strings.Contains(line, secret) {
					t.Errorf("an audit row holds patient data %q: %s", secret, line)
				}
			}
		}
	})
}

// emailOf returns the signed-in user's email (role@clinic.test in these tests).
func (c *client) emailOf() string {
	u, err := c.st.User(context.Background(), c.user)
	if err != nil {
		c.t.Fatal(err)
	}
	return u.Email
}

// TestAuditIsAtomic: a write that fails leaves no event, and when no event can be
// stored, neither writes nor reads happen.
func TestAuditIsAtomic(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		before := c.count("audit_event")
		c.must(404, "PUT", "/api/patients/999999", `{"name":"X"}`)
		c.must(409, "POST", "/api/patients", `{"name":"Other","email":"grace@example.org","date_of_birth":"1990-01-02"}`)
		c.must(400, "POST", "/api/records", `{"patient_id":999999,"diagnosis":"Flu","doctor_name":"Dr. Grey"}`)
		c.must(404, "DELETE", "/api/appointments/999999", "")
		if after := c.count("audit_event"); after != before {
			t.Errorf("failed writes left %d audit events", after-before)
		}
		// Take the audit table away: every access to patient data must now fail.
		if _, err := st.DB().Exec(`ALTER TABLE audit_event RENAME TO audit_event_away`); err != nil {
			t.Fatal(err)
		}
		patients := c.count("patient")
		res := c.do("POST", "/api/patients", `{"name":"Unaudited","email":"un@example.org","date_of_birth":"1990-01-02"}`)
		if res.status != 500 || c.count("patient") != patients {
			t.Errorf("a write whose event cannot be stored: %d, %d patients (was %d)", res.status, c.count("patient"), patients)
		}
		res = c.do("PUT", fmt.Sprintf("/api/patients/%d", fx.patient), `{"name":"Changed Unaudited"}`)
		read := c.do("GET", fmt.Sprintf("/api/patients/%d", fx.patient), "")
		if res.status != 500 || read.status != 500 || strings.Contains(read.raw, "Grace") {
			t.Errorf("update %d, read %d %s: both must fail without their event", res.status, read.status, read.raw)
		}
		if _, err := st.DB().Exec(`ALTER TABLE audit_event_away RENAME TO audit_event`); err != nil {
			t.Fatal(err)
		}
		if got := c.must(200, "GET", fmt.Sprintf("/api/patients/%d", fx.patient), ""); field(got, "name") != "Grace Hopper" {
			t.Errorf("the failed update changed the patient: %v", got)
		}
	})
}

func TestAuditAPI(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		doctor := c.as("doctor")
		doctor.must(200, "GET", fmt.Sprintf("/api/patients/%d", fx.patient), "")
		doctor.must(200, "GET", fmt.Sprintf("/api/records/%d", fx.record), "")
		c.as("staff").must(403, "GET", "/api/audit", "")

		byDoctor := c.must(200, "GET", fmt.Sprintf("/api/audit?user_id=%d&action=read", doctor.user), "")
		if byDoctor["count"] != float64(2) {
			t.Errorf("doctor's reads: %v", byDoctor)
		}
		e := byDoctor["data"].([]any)[0].(map[string]any)
		for _, k := range []string{"id", "time", "user_id", "role", "action", "resource_type", "resource_id", "patient_id", "ip", "request_id", "outcome"} {
			if _, ok := e[k]; !ok {
				t.Errorf("audit event lacks %s: %v", k, e)
			}
		}
		if e["resource_type"] != "medical_record" || e["role"] != "doctor" {
			t.Errorf("newest first: %v", e)
		}
		byPatient := c.must(200, "GET", fmt.Sprintf("/api/audit?patient_id=%d", fx.patient), "")
		for _, d := range byPatient["data"].([]any) {
			if d.(map[string]any)["patient_id"] != float64(fx.patient) {
				t.Errorf("patient filter: %v", d)
			}
		}
		denied := c.must(200, "GET", "/api/audit?action=denied", "")
		if denied["count"] != float64(1) {
			t.Errorf("denied events: %v", denied)
		}
		if none := c.must(200, "GET", "/api/audit?from=2000-01-01&to=2000-12-31", ""); none["count"] != float64(0) {
			t.Errorf("date filter: %v", none)
		}
		ids, _ := pageThrough(c, "/api/audit?limit=3")
		if len(ids) < 10 || ids[0] < ids[len(ids)-1] {
			t.Errorf("paging the trail newest first: %v", ids)
		}
		c.must(400, "GET", "/api/audit?user_id=abc", "")
		c.must(400, "GET", "/api/audit?from=yesterday", "")
		c.must(405, "DELETE", "/api/audit", "")
	})
}

// TestAuditChain seals events written by concurrent requests (committing in any order),
// verifies the chain and catches an edited and a deleted event.
func TestAuditChain(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newClient(t, st, nil)
		fx := setup(c)
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					c.do("GET", fmt.Sprintf("/api/patients/%d", fx.patient), "")
					if i%3 == 0 {
						_, _ = st.SealAudit(ctx) // sealing while events are still being written
					}
				}
			}()
		}
		wg.Wait()
		if _, err := st.SealAudit(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := st.VerifyAudit(ctx)
		if err != nil || r.Broken != nil {
			t.Fatalf("verify: %+v %v", r.Broken, err)
		}
		if total := int64(c.count("audit_event")); r.Checked != total || r.FirstSeq != 1 || r.HeadSeq != total {
			t.Errorf("checked %d of %d events (seq %d to %d)", r.Checked, total, r.FirstSeq, r.HeadSeq)
		}
		if _, err := st.DB().Exec(`UPDATE audit_event SET user_id = 42 WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		if r, _ := st.VerifyAudit(ctx); r.Broken == nil || r.Broken.Seq != 5 || r.Checked != 4 {
			t.Errorf("an edited event: %+v", r.Broken)
		}
		if _, err := st.DB().Exec(`DELETE FROM audit_event WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		if r, _ := st.VerifyAudit(ctx); r.Broken == nil || r.Broken.Seq != 5 || !strings.Contains(r.Broken.Reason, "missing") {
			t.Errorf("a deleted event: %+v", r.Broken)
		}
	})
}
