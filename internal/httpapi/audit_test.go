package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
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

// TestEveryAccessIsAudited checks the event that each write of patient data and each
// refusal leaves; TestReadsAreAuditedWithTheirPatients checks the reads.
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
			{doctor, "PUT", fmt.Sprintf("/api/patients/%d", p), `{"phone":"555-0199"}`, "update", "patient", p, p},
			{doctor, "PUT", fmt.Sprintf("/api/appointments/%d", a), `{"status":"checked_in"}`, "update", "appointment", a, p},
			{c, "DELETE", fmt.Sprintf("/api/records/%d", r), "", "delete", "medical_record", r, p},
			{c, "DELETE", fmt.Sprintf("/api/appointments/%d", a), "", "delete", "appointment", a, p},
			{c, "DELETE", fmt.Sprintf("/api/patients/%d", p), "", "delete", "patient", p, p},
			{c.as("staff"), "GET", fmt.Sprintf("/api/records/%d", r), "", "denied", "medical_record", r, 0},
			{c.as("staff"), "DELETE", fmt.Sprintf("/api/patients/%d", p), "", "denied", "patient", p, p},
			{c.as("staff"), "GET", fmt.Sprintf("/api/patients/%d/records", p), "", "denied", "medical_record", 0, p},
			{c.as("staff"), "GET", fmt.Sprintf("/fhir/Observation/blood-group-%d", p), "", "denied", "patient", p, p},
			{c.as("staff"), "GET", fmt.Sprintf("/fhir/Condition/%d", r), "", "denied", "medical_record", r, 0},
			{doctor, "GET", "/api/users/1", "", "denied", "user", 1, 0},
			{doctor, "GET", fmt.Sprintf("/api/patients/%d/duplicates", p), "", "denied", "patient", p, p},
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

// readFixture is the data TestReadsAreAuditedWithTheirPatients reads: two patients with
// their appointments and records (a blood group, a diagnosis and a prescription each), and
// a possible duplicate of the first.
type readFixture struct {
	fixture
	other, duplicate, doctor int64
	visit, allergy           int64 // of the first patient's chart
}

func setupReads(c *client) readFixture {
	c.t.Helper()
	f := readFixture{fixture: setup(c)}
	page := c.must(200, "GET", "/api/patients?q=Alan", "")["data"].([]any)
	f.other = id(page[0])
	f.duplicate = c.createPatient("Grace Hopper", "grace.hopper@example.org")
	for _, p := range []int64{f.patient, f.other} {
		c.must(200, "PUT", fmt.Sprintf("/api/patients/%d", p), `{"blood_group":"A+"}`)
	}
	c.createAppointment(f.other, "Dr. Grey", "2031-03-05T11:00")
	c.createRecord(f.other, "Sprained ankle")
	f.doctor = id(c.must(200, "GET", "/api/doctors?name=Grey", "")["data"].([]any)[0])
	// The first patient's chart: the visit that checking in opens, vital signs, an allergy
	// and a problem.
	c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", f.appointment), `{"status":"checked_in"}`)
	f.visit = id(c.must(200, "GET", fmt.Sprintf("/api/patients/%d/visits", f.patient), "")["data"].([]any)[0])
	c.must(201, "POST", fmt.Sprintf("/api/patients/%d/vitals", f.patient), fmt.Sprintf(`{"visit_id":%d,"systolic":120,"diastolic":80,"weight":60,"height":165}`, f.visit))
	f.allergy = id(c.must(201, "POST", fmt.Sprintf("/api/patients/%d/allergies", f.patient), `{"substance":"Penicillin"}`)["data"])
	c.must(201, "POST", fmt.Sprintf("/api/patients/%d/problems", f.patient), `{"description":"Asthma"}`)
	return f
}

// readTarget is what TestReadsAreAuditedWithTheirPatients knows of the first resource of
// a path (/api/patients/…, /fhir/Condition/…), independently of the route table: the id
// that {id} takes, the patient that id belongs to, the audit resource type, and whether
// the resource is patient data at all.
type readTarget struct {
	id           string
	owner        int64 // the patient {id} belongs to; 0 for none
	resource     string
	patientsData bool
}

func (f readFixture) targets(admin int64) map[string]readTarget {
	s := func(n int64) string { return fmt.Sprint(n) }
	return map[string]readTarget{
		"patients":           {s(f.patient), f.patient, "patient", true},
		"appointments":       {s(f.appointment), f.patient, "appointment", true},
		"records":            {s(f.record), f.patient, "medical_record", true},
		"Patient":            {s(f.patient), f.patient, "patient", true},
		"Observation":        {fmt.Sprintf("blood-group-%d", f.patient), f.patient, "patient", true},
		"Appointment":        {s(f.appointment), f.patient, "appointment", true},
		"Condition":          {s(f.record), f.patient, "medical_record", true},
		"MedicationRequest":  {s(f.record), f.patient, "medical_record", true},
		"visits":             {s(f.visit), f.patient, "visit", true},
		"Encounter":          {s(f.visit), f.patient, "visit", true},
		"AllergyIntolerance": {s(f.allergy), f.patient, "allergy", true},
		"doctors":            {s(f.doctor), 0, "doctor", false},
		"Practitioner":       {s(f.doctor), 0, "doctor", false},
		"users":              {s(admin), 0, "user", false},
		"auth":               {"", 0, "user", false},
		"audit":              {"", 0, "audit_event", false},
		"clinic":             {"", 0, "clinic", false},
		"notifications":      {"", 0, "notification", true},
		"emergency-access":   {"", 0, "patient", true},
	}
}

// readQueries are the queries each route is called with besides none: searches filtered to
// one patient, to none, and what a route needs to answer at all. {P} is the first patient.
var readQueries = map[string][]string{
	"GET /api/patients":                  {"?q=Grace", "?q=Nobody"},
	"GET /api/patients/{id}/records":     {"?limit=1"},
	"GET /api/appointments":              {"?patient_id={P}", "?patient_id=999999"},
	"GET /api/doctors/{id}/availability": {"?date=2031-03-04"},
	"GET /api/audit":                     {"?patient_id={P}"},
	"GET /fhir/Patient":                  {"?_id={P}", "?name=Nobody"},
	"GET /fhir/Observation":              {"?patient={P}"},
	"GET /fhir/Appointment":              {"?patient={P}"},
	"GET /fhir/Condition":                {"?patient={P}"},
	"GET /fhir/MedicationRequest":        {"?patient={P}"},
	"GET /fhir/Encounter":                {"?patient={P}", "?patient=999999"},
	"GET /fhir/AllergyIntolerance":       {"?patient={P}"},
	"GET /api/patients/{id}/vitals":      {"?kind=blood_pressure,bmi"},
	"GET /api/patients/matches":          {"?name=Grace+Hopper&date_of_birth=1980-05-17", "?name=Nobody&date_of_birth=1980-05-17"},
}

// readEvent is a read event as TestReadsAreAuditedWithTheirPatients compares them.
type readEvent struct {
	resource            string
	resourceID, patient int64
	user                int64
	role                string
}

// readEvents returns the events of the request with id requestID.
func (c *client) readEvents(requestID string) (reads []readEvent, others int) {
	c.t.Helper()
	rows, err := c.st.DB().Query(`SELECT action, resource_type, resource_id, patient_id, user_id, role FROM audit_event WHERE request_id = $1`, requestID)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			action, resource, role string
			resourceID, patient    sql.NullInt64
			user                   int64
		)
		if err := rows.Scan(&action, &resource, &resourceID, &patient, &user, &role); err != nil {
			c.t.Fatal(err)
		}
		if action != "read" {
			others++
			continue
		}
		reads = append(reads, readEvent{resource, resourceID.Int64, patient.Int64, user, role})
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return reads, others
}

// patientsIn returns the ids of the patients whose data a JSON answer holds, found the way
// a reader of the answer finds them: a patient (an object with an mrn, or a FHIR Patient),
// an object's patient_id (appointments, records) and FHIR references to Patient/N. Audit
// events, whose patient_id is an id and not patient data, do not count.
func patientsIn(v any, out map[int64]bool) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			patientsIn(e, out)
		}
	case map[string]any:
		if _, ok := v["action"]; ok && v["outcome"] != nil {
			// An audit event: it holds the patient's name (and so is a read of it) when it names one.
			if n, ok := v["patient_id"].(float64); ok && v["patient"] != nil {
				out[int64(n)] = true
			}
			return
		}
		if _, ok := v["mrn"]; ok {
			out[int64(v["id"].(float64))] = true
		}
		if n, ok := v["patient_id"].(float64); ok {
			out[int64(n)] = true
		}
		if v["resourceType"] == "Patient" {
			n, _ := strconv.ParseInt(v["id"].(string), 10, 64)
			out[n] = true
		}
		if ref, ok := v["reference"].(string); ok {
			if rest, ok := strings.CutPrefix(ref, "Patient/"); ok {
				n, _ := strconv.ParseInt(rest, 10, 64)
				out[n] = true
			}
		}
		for _, e := range v {
			patientsIn(e, out)
		}
	}
}

// TestReadsAreAuditedWithTheirPatients calls every GET route of the route table on data
// that is there, as a role the route allows, and checks the read events it leaves against
// the answer: one per patient whose data the answer holds (and the patient its path names),
// each with that patient's id, or one without a patient when a search found nobody; none
// for routes that read no patient data. Then the audit trail's patient filter finds every
// read of the first patient, and with the audit table gone every one of these reads fails
// with none of the data.
func TestReadsAreAuditedWithTheirPatients(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		f := setupReads(c)
		targets := f.targets(c.user)
		callers := map[string]*client{"admin": c, "doctor": c.as("doctor"), "nurse": c.as("nurse"), "staff": c.as("staff")}
		type call struct {
			caller *client
			path   string
			reads  bool // the answer is patient data
		}
		var calls []call
		readsOfPatient := map[string]bool{} // the request ids whose events name f.patient
		n := 0
		for _, rt := range httpapi.RouteTable() {
			if rt.Method != "GET" || rt.Public {
				continue
			}
			key := rt.Method + " " + rt.Pattern
			first, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(rt.Pattern, "/api/"), "/fhir/"), "/")
			target, ok := targets[first]
			if !ok {
				t.Errorf("%s: this test does not know what %q is; add it to readFixture.targets", key, first)
				continue
			}
			resource := target.resource
			for suffix, r := range map[string]string{"/records": "medical_record", "/medications": "medical_record",
				"/visits": "visit", "/vitals": "vital_sign", "/allergies": "allergy", "/problems": "problem"} {
				if strings.HasPrefix(rt.Pattern, "/api/patients/{id}") && strings.HasSuffix(rt.Pattern, suffix) {
					resource = r
				}
			}
			// The last role allowed, so that doctors and staff read too.
			caller := callers[rt.Roles[len(rt.Roles)-1]]
			path := strings.ReplaceAll(rt.Pattern, "{id}", target.id)
			queries := append([]string{""}, readQueries[key]...)
			if key == "GET /api/doctors/{id}/availability" || key == "GET /api/patients/matches" {
				queries = queries[1:] // it needs a date, or a name to look for
			}
			for _, q := range queries {
				url := path + strings.ReplaceAll(q, "{P}", fmt.Sprint(f.patient))
				t.Run(url, func(t *testing.T) {
					n++
					reqID := fmt.Sprintf("audit-route-%d", n)
					caller.t = t
					res := caller.do("GET", url, "", "X-Request-ID", reqID)
					if res.status != 200 {
						t.Fatalf("status %d: %s", res.status, res.raw)
					}
					calls = append(calls, call{caller, url, target.patientsData})
					want := map[int64]bool{}
					patientsIn(res.body, want)
					if strings.Contains(rt.Pattern, "{id}") && target.owner != 0 {
						want[target.owner] = true
					}
					events, others := c.readEvents(reqID)
					if others != 0 {
						t.Errorf("%d events other than reads", others)
					}
					for _, e := range events {
						if e.user != caller.user || e.role != rt.Roles[len(rt.Roles)-1] {
							t.Errorf("event of user %d (%s), want the caller %d", e.user, e.role, caller.user)
						}
						if e.patient == f.patient {
							readsOfPatient[reqID] = true
						}
					}
					switch {
					case first == "audit":
						// One audit_event read for each patient the answer names, and the one the
						// filter names; one without a patient when there is none.
						if q != "" {
							want[f.patient] = true
						}
						got := map[int64]bool{}
						for _, e := range events {
							got[e.patient] = true
							if e.resource != "audit_event" {
								t.Errorf("event %+v, want resource type audit_event", e)
							}
						}
						if len(want) == 0 {
							want[0] = true
						}
						if len(events) != len(got) || !maps.Equal(got, want) {
							t.Errorf("events %+v name patients %v; the answer and the filter name %v", events, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
						}
					case !target.patientsData:
						if len(want) != 0 || len(events) != 0 {
							t.Errorf("a route that reads no patient data answered patients %v and left read events %+v", want, events)
						}
					case len(want) == 0:
						if len(events) != 1 || events[0].patient != 0 || events[0].resource != resource {
							t.Errorf("a read that found no patient left %+v, want one %s event without a patient", events, resource)
						}
					default:
						got := map[int64]bool{}
						for _, e := range events {
							if got[e.patient] {
								t.Errorf("two events name patient %d", e.patient)
							}
							got[e.patient] = true
							if e.resource != resource {
								t.Errorf("event %+v, want resource type %s", e, resource)
							}
						}
						if !maps.Equal(got, want) {
							t.Errorf("events name patients %v; the answer holds patients %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
						}
					}
				})
			}
		}
		c.t = t
		if len(readsOfPatient) < 20 {
			t.Errorf("only %d reads named patient %d", len(readsOfPatient), f.patient)
		}

		// A 304 confirms the client's copy: a read too.
		path := fmt.Sprintf("/api/patients/%d", f.patient)
		tag := c.do("GET", path, "").header.Get("ETag")
		if res := c.do("GET", path, "", "If-None-Match", tag, "X-Request-ID", "audit-route-304"); res.status != 304 {
			t.Fatalf("If-None-Match the current version: %d", res.status)
		}
		if events, _ := c.readEvents("audit-route-304"); len(events) != 1 || events[0].patient != f.patient || events[0].resourceID != f.patient {
			t.Errorf("a 304 left %+v, want the read of patient %d", events, f.patient)
		}
		readsOfPatient["audit-route-304"] = true

		// The audit trail lists every one of them for the patient.
		listed := map[string]bool{}
		for _, e := range c.must(200, "GET", fmt.Sprintf("/api/audit?patient_id=%d&action=read&limit=500", f.patient), "")["data"].([]any) {
			listed[e.(map[string]any)["request_id"].(string)] = true
		}
		for reqID := range readsOfPatient {
			if !listed[reqID] {
				t.Errorf("GET /api/audit?patient_id=%d does not list request %s", f.patient, reqID)
			}
		}

		// Without the audit table, every read of patient data fails and shows none of it.
		if _, err := st.DB().Exec(`ALTER TABLE audit_event RENAME TO audit_event_away`); err != nil {
			t.Fatal(err)
		}
		for _, cl := range calls {
			if !cl.reads {
				continue
			}
			cl.caller.t = t
			res := cl.caller.do("GET", cl.path, "")
			if res.status != 500 || strings.Contains(res.raw, "Grace") || strings.Contains(res.raw, "Turing") || strings.Contains(res.raw, "influenza") {
				t.Errorf("GET %s without its audit event: %d %s", cl.path, res.status, res.raw)
			}
		}
		if _, err := st.DB().Exec(`ALTER TABLE audit_event_away RENAME TO audit_event`); err != nil {
			t.Fatal(err)
		}
	})
}
