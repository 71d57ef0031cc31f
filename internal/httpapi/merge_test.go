package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// matchIDs returns the ids of the patients that GET /api/patients/matches answers for q.
func matchIDs(t *testing.T, c *client, q url.Values) []int64 {
	t.Helper()
	body := c.must(200, "GET", "/api/patients/matches?"+q.Encode(), "")
	var out []int64
	for _, p := range body["data"].([]any) {
		if p.(map[string]any)["mrn"] == "" {
			t.Errorf("a match without its MRN: %v", p)
		}
		out = append(out, id(p))
	}
	if int(body["count"].(float64)) != len(out) {
		t.Errorf("count %v for %d matches", body["count"], len(out))
	}
	return out
}

// TestPatientMatchesBeforeSaving checks the registration form's check: the same rules as
// the duplicates of a saved patient, the holder of the email, bad input, and the read events.
func TestPatientMatchesBeforeSaving(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		ada := c.createPatient("Ada Lovelace", "ada@example.org") // 1980-05-17, 555-0100
		other := c.createPatient("Grace Hopper", "grace@example.org")
		gone := c.createPatient("Alan Turing", "alan@example.org")
		c.must(200, "DELETE", fmt.Sprintf("/api/patients/%d", gone), "")

		for _, tc := range []struct {
			name string
			q    url.Values
			want []int64
		}{
			{"name and birth date", url.Values{"name": {"Ada Lovelace"}, "date_of_birth": {"1980-05-17"}}, []int64{ada}},
			{"the name written otherwise", url.Values{"name": {"lovelace,  ADA"}, "date_of_birth": {"1980-05-17"}}, []int64{ada}},
			{"name and phone", url.Values{"name": {"Ada Lovelace"}, "date_of_birth": {"1999-01-01"}, "phone": {"(555) 0100"}}, []int64{ada}},
			{"another birth date, no phone", url.Values{"name": {"Ada Lovelace"}, "date_of_birth": {"1999-01-01"}}, nil},
			{"another name", url.Values{"name": {"Ada Byron"}, "date_of_birth": {"1980-05-17"}}, nil},
			{"the email alone", url.Values{"email": {"GRACE@example.org"}}, []int64{other}},
			{"a deactivated holder of the email, for an admin", url.Values{"name": {"Someone Else"}, "email": {"alan@example.org"}}, []int64{gone}},
			{"a deactivated patient is no duplicate", url.Values{"name": {"Alan Turing"}, "date_of_birth": {"1980-05-17"}}, nil},
		} {
			if got := matchIDs(t, c, tc.q); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: matches %v, want %v", tc.name, got, tc.want)
			}
		}

		// Staff register patients too, and see only the active ones.
		staff := c.as(domain.RoleStaff)
		if got := matchIDs(t, staff, url.Values{"name": {"Ada Lovelace"}, "date_of_birth": {"1980-05-17"}}); fmt.Sprint(got) != fmt.Sprint([]int64{ada}) {
			t.Errorf("staff: matches %v, want [%d]", got, ada)
		}
		if got := matchIDs(t, staff, url.Values{"email": {"alan@example.org"}}); len(got) != 0 {
			t.Errorf("staff see the deactivated patient %v", got)
		}

		// Each match is a read of that patient in the audit trail.
		reads := c.count(fmt.Sprintf("audit_event WHERE action = 'read' AND patient_id = %d", ada))
		matchIDs(t, c, url.Values{"name": {"Ada Lovelace"}, "date_of_birth": {"1980-05-17"}})
		if n := c.count(fmt.Sprintf("audit_event WHERE action = 'read' AND patient_id = %d", ada)); n != reads+1 {
			t.Errorf("read events of the match: %d → %d, want one more", reads, n)
		}

		for _, bad := range []struct{ q, field string }{
			{"", "name"},
			{"date_of_birth=1980-05-17", "name"},
			{"name=Ada&date_of_birth=1980-02-30", "date_of_birth"},
			{"name=Ada&date_of_birth=2999-01-01", "date_of_birth"},
			{"name=Ada&phone=abc", "phone"},
			{"email=not-an-email", "email"},
			{"name=" + strings.Repeat("a", 101), "name"},
		} {
			res := c.do("GET", "/api/patients/matches?"+bad.q, "")
			if res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("?%.40s: %d %s; want 400 naming %s", bad.q, res.status, res.raw, bad.field)
			}
		}
	})
}

// TestPatientMerge merges a duplicate into a survivor and checks what moved, what refuses,
// the links in FHIR, the audit trail and who may do it.
func TestPatientMerge(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		dup := c.createPatient("Ada Lovelace", "ada@example.org")
		survivor := c.createPatient("Ada Lovelace", "ada.lovelace@example.org")
		third := c.createPatient("Ada King", "ada.king@example.org")
		dupAppt := c.createAppointment(dup, "Dr. Grey", "2031-03-04T10:00")
		c.createRecord(dup, "asthma")
		c.must(200, "PUT", fmt.Sprintf("/api/patients/%d/contact-preference", dup), `{"contact_preference":"sms"}`)
		c.must(201, "POST", fmt.Sprintf("/api/patients/%d/allergies", dup), `{"substance":"penicillin"}`)
		breaker, err := st.CreateUser(context.Background(), domain.User{Email: "breaker@clinic.test", Name: "Dr. Breaker", Role: domain.RoleDoctor}, "x")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if _, err := st.StartEmergencyAccess(context.Background(), breaker.ID, dup, "collapsed at the desk", now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		mergePath := func(id int64) string { return fmt.Sprintf("/api/patients/%d/merge", id) }
		rowsOf := func(id int64) string {
			var b strings.Builder
			for _, table := range []string{"appointment", "medical_record", "allergy", "contact_preference"} {
				fmt.Fprintf(&b, "%s=%d ", table, c.count(fmt.Sprintf("%s WHERE patient_id = %d", table, id)))
			}
			return b.String()
		}

		// A clash: both hold 10:00 on the 4th (with different doctors). 409 naming the pair; nothing moves.
		clashing := c.createAppointment(survivor, "Dr. House", "2031-03-04T10:15")
		before, total := rowsOf(dup), c.totalRows()
		res := c.do("POST", mergePath(dup), fmt.Sprintf(`{"into":%d}`, survivor))
		conflicts, _ := res.body["conflicts"].([]any)
		if res.status != 409 || len(conflicts) != 1 {
			t.Fatalf("merge with overlapping appointments: %d %s; want 409 with one conflict", res.status, res.raw)
		}
		pair := conflicts[0].(map[string]any)
		if int64(pair["appointment_id"].(float64)) != dupAppt || int64(pair["survivor_appointment_id"].(float64)) != clashing {
			t.Errorf("conflict %v, want %d with %d", pair, dupAppt, clashing)
		}
		if rowsOf(dup) != before || c.totalRows() != total {
			t.Fatalf("a refused merge changed data: %s → %s", before, rowsOf(dup))
		}
		c.must(200, "DELETE", fmt.Sprintf("/api/appointments/%d", clashing), "") // cancelled: it frees the slot

		// Bad input: 4xx naming the problem, nothing written.
		for _, bad := range []struct {
			path, body string
			status     int
			field      string
		}{
			{mergePath(dup), fmt.Sprintf(`{"into":%d}`, dup), 400, "into"},
			{mergePath(dup), `{}`, 400, "into"},
			{mergePath(dup), `{"into":0}`, 400, "into"},
			{mergePath(dup), `{"into":"2"}`, 400, ""},
			{mergePath(dup), `{"into":999999}`, 400, "into"},
			{mergePath(dup), fmt.Sprintf(`{"into":%d,"extra":1}`, survivor), 400, ""},
			{mergePath(999999), fmt.Sprintf(`{"into":%d}`, survivor), 404, ""},
		} {
			res := c.do("POST", bad.path, bad.body)
			if res.status != bad.status || (bad.field != "" && errorField(res.body, bad.field) == "") {
				t.Errorf("POST %s %s: %d %s; want %d naming %q", bad.path, bad.body, res.status, res.raw, bad.status, bad.field)
			}
		}
		if c.totalRows() != total {
			t.Fatal("a refused merge wrote something")
		}

		// Only admins: staff and doctors get 403, with a denied event, and nothing changes.
		for _, role := range []string{domain.RoleStaff, domain.RoleDoctor, domain.RoleNurse} {
			denied := c.count("audit_event WHERE action = 'denied'")
			res := c.as(role).do("POST", mergePath(dup), fmt.Sprintf(`{"into":%d}`, survivor))
			if res.status != 403 || c.count("audit_event WHERE action = 'denied'") != denied+1 {
				t.Errorf("merge as %s: %d %s; want 403 and a denied event", role, res.status, res.raw)
			}
		}
		if rowsOf(dup) != before {
			t.Fatal("a forbidden merge moved data")
		}

		merges := c.count("audit_event WHERE action = 'merge'")
		out := c.must(200, "POST", mergePath(dup), fmt.Sprintf(`{"into":%d}`, survivor))["data"].(map[string]any)
		merged, surv := out["merged"].(map[string]any), out["survivor"].(map[string]any)
		if merged["active"] != false || merged["replaced_by"] != float64(survivor) || surv["active"] != true || surv["replaced_by"] != nil {
			t.Fatalf("after the merge: merged %v, survivor %v", merged, surv)
		}
		if moved := out["moved"].(map[string]any); moved["appointment"] != 1.0 || moved["medical_record"] != 1.0 || moved["allergy"] != 1.0 {
			t.Errorf("moved %v, want one appointment, record and allergy", moved)
		}
		if got := rowsOf(dup); got != "appointment=0 medical_record=0 allergy=0 contact_preference=0 " {
			t.Errorf("the merged patient still holds %s", got)
		}
		if got := rowsOf(survivor); got != "appointment=2 medical_record=1 allergy=1 contact_preference=1 " {
			t.Errorf("the survivor holds %s", got)
		}
		// The emergency was declared for the merged patient: it does not open the survivor's chart.
		if on, moved := c.count(fmt.Sprintf("emergency_access WHERE patient_id = %d", dup)), c.count(fmt.Sprintf("emergency_access WHERE patient_id = %d", survivor)); on != 1 || moved != 0 {
			t.Errorf("emergency accesses: %d on the merged patient, %d on the survivor; want 1 and 0", on, moved)
		}
		if pref := c.must(200, "GET", fmt.Sprintf("/api/patients/%d/contact-preference", survivor), "")["data"].(map[string]any); pref["contact_preference"] != "sms" {
			t.Errorf("the survivor without a preference did not take the merged one's: %v", pref)
		}
		if ap := c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", dupAppt), ""); field(ap, "patient_id") != float64(survivor) {
			t.Errorf("the appointment is now %v's", field(ap, "patient_id"))
		}
		if n := c.count(fmt.Sprintf("audit_event WHERE action = 'merge' AND resource_id = %d AND patient_id IN (%d, %d)", dup, dup, survivor)); n != 2 || c.count("audit_event WHERE action = 'merge'") != merges+2 {
			t.Errorf("merge events naming both patients: %d, want 2", n)
		}

		// The merged patient is hidden, cannot be edited, booked, restored or merged again.
		c.must(404, "GET", fmt.Sprintf("/api/patients/%d", dup), "")
		if p := c.must(200, "GET", fmt.Sprintf("/api/patients/%d?include_inactive=true", dup), ""); field(p, "replaced_by") != float64(survivor) {
			t.Errorf("the merged patient: %v", p["data"])
		}
		for _, w := range []struct{ method, path, body string }{
			{"PUT", fmt.Sprintf("/api/patients/%d", dup), `{"name":"Ada L."}`},
			{"POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":"2031-03-09T10:00"}`, dup)},
			{"POST", fmt.Sprintf("/api/patients/%d/restore", dup), ""},
			{"POST", mergePath(dup), fmt.Sprintf(`{"into":%d}`, third)},
			{"POST", mergePath(third), fmt.Sprintf(`{"into":%d}`, dup)}, // into a merged patient
		} {
			res := c.do(w.method, w.path, w.body)
			if res.status != 409 || !strings.Contains(res.raw, "merged into patient") {
				t.Errorf("%s %s on a merged patient: %d %s; want 409 naming the survivor", w.method, w.path, res.status, res.raw)
			}
		}

		// FHIR: replaced-by on the merged patient, replaces on the survivor.
		links := func(id int64) string {
			p := c.fhir(200, "GET", fmt.Sprintf("/fhir/Patient/%d", id), "")
			var out []string
			for _, l := range asList(p["link"]) {
				m := l.(map[string]any)
				out = append(out, fmt.Sprintf("%s %s", m["type"], m["other"].(map[string]any)["reference"]))
			}
			return strings.Join(out, ", ")
		}
		if got, want := links(dup), fmt.Sprintf("replaced-by Patient/%d", survivor); got != want {
			t.Errorf("FHIR links of the merged patient: %q, want %q", got, want)
		}
		if got, want := links(survivor), fmt.Sprintf("replaces Patient/%d", dup); got != want {
			t.Errorf("FHIR links of the survivor: %q, want %q", got, want)
		}

		// A re-import under the merged patient's MRN lands on the survivor, whose details stay.
		dupMRN := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d?include_inactive=true", dup), ""), "mrn").(string)
		survivorVersion := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d", survivor), ""), "version")
		c.fhir(200, "POST", "/fhir", `{"resourceType":"Bundle","type":"transaction","entry":[`+
			`{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"value":"`+dupMRN+`"}],"name":[{"text":"Ada Lovelace"}],"birthDate":"1980-05-17"}},`+
			`{"resource":{"resourceType":"Condition","code":{"text":"Flu"},"subject":{"reference":"urn:uuid:p1"}}}]}`)
		if n := c.count(fmt.Sprintf("medical_record WHERE patient_id = %d", survivor)); n != 2 {
			t.Errorf("after a re-import under the merged MRN the survivor holds %d records, want 2", n)
		}
		if c.count(fmt.Sprintf("medical_record WHERE patient_id = %d", dup)) != 0 {
			t.Error("a re-import gave the merged patient a record")
		}
		if v := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d", survivor), ""), "version"); v != survivorVersion {
			t.Errorf("the import changed the survivor's details: version %v → %v", survivorVersion, v)
		}

		// A deactivated patient neither is merged nor takes a merge: restore them first.
		gone := c.createPatient("Ada Byron", "ada.byron@example.org")
		c.must(200, "DELETE", fmt.Sprintf("/api/patients/%d", gone), "")
		for _, w := range []struct{ from, into int64 }{{gone, third}, {third, gone}} {
			res := c.do("POST", mergePath(w.from), fmt.Sprintf(`{"into":%d}`, w.into))
			if res.status != 409 || !strings.Contains(res.raw, "is deactivated; restore them") {
				t.Errorf("merge %d into %d with a deactivated patient: %d %s; want 409", w.from, w.into, res.status, res.raw)
			}
		}

		// A chain ends at the survivor: survivor merged into third, dup now names third.
		c.must(200, "POST", mergePath(survivor), fmt.Sprintf(`{"into":%d}`, third))
		if p := c.must(200, "GET", fmt.Sprintf("/api/patients/%d?include_inactive=true", dup), ""); field(p, "replaced_by") != float64(third) {
			t.Errorf("after the chain, the first merged patient names %v, want %d", field(p, "replaced_by"), third)
		}
		if got, want := links(third), fmt.Sprintf("replaces Patient/%d, replaces Patient/%d", dup, survivor); got != want {
			t.Errorf("FHIR links at the end of the chain: %q, want %q", got, want)
		}
		if n := c.count(fmt.Sprintf("appointment WHERE patient_id = %d", third)); n != 2 {
			t.Errorf("the end of the chain holds %d appointments, want 2", n)
		}

		// Erasing the survivor erases what was merged into it; the merged patients lose only the link.
		c.must(200, "DELETE", fmt.Sprintf("/api/patients/%d/purge?confirm=true", third), "")
		for _, m := range []int64{dup, survivor} {
			if p := c.must(200, "GET", fmt.Sprintf("/api/patients/%d?include_inactive=true", m), ""); field(p, "replaced_by") != nil {
				t.Errorf("patient %d still names the erased survivor: %v", m, field(p, "replaced_by"))
			}
		}
	})
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestPatientRestore restores a deactivated patient, and refuses an active one, a merged one
// and everyone but admins.
func TestPatientRestore(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		pid := c.createPatient("Alan Turing", "alan@example.org")
		path := fmt.Sprintf("/api/patients/%d/restore", pid)
		if res := c.do("POST", path, ""); res.status != 409 || !strings.Contains(res.raw, "is active") {
			t.Errorf("restore an active patient: %d %s; want 409", res.status, res.raw)
		}
		c.must(200, "DELETE", fmt.Sprintf("/api/patients/%d", pid), "")
		c.must(404, "GET", fmt.Sprintf("/api/patients/%d", pid), "")
		for _, role := range []string{domain.RoleStaff, domain.RoleDoctor} {
			denied := c.count("audit_event WHERE action = 'denied'")
			if res := c.as(role).do("POST", path, ""); res.status != 403 || c.count("audit_event WHERE action = 'denied'") != denied+1 {
				t.Errorf("restore as %s: %d %s; want 403 and a denied event", role, res.status, res.raw)
			}
		}
		c.must(404, "GET", fmt.Sprintf("/api/patients/%d", pid), "")
		c.must(404, "POST", "/api/patients/999999/restore", "")
		c.must(400, "POST", "/api/patients/abc/restore", "")

		restored := c.must(200, "POST", path, "")
		if field(restored, "active") != true || field(restored, "deactivated_at") != nil {
			t.Fatalf("restored: %v", restored["data"])
		}
		c.must(200, "GET", fmt.Sprintf("/api/patients/%d", pid), "")
		c.must(200, "PUT", fmt.Sprintf("/api/patients/%d", pid), `{"phone":"555-0199"}`)
		if n := c.count(fmt.Sprintf("audit_event WHERE action = 'restore' AND patient_id = %d", pid)); n != 1 {
			t.Errorf("restore events: %d, want 1", n)
		}
	})
}

// TestMoveToAnotherDoctor moves an appointment, and a series, to another doctor, with the
// conflicts of a booking.
func TestMoveToAnotherDoctor(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		pid := c.createPatient("Ada Lovelace", "ada@example.org")
		other := c.createPatient("Grace Hopper", "grace@example.org")
		appt := c.createAppointment(pid, "Dr. Grey", "2031-03-04T10:00")
		house := c.createAppointment(other, "Dr. House", "2031-03-04T10:00")
		houseID := int64(field(c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", house), ""), "doctor_id").(float64))
		path := fmt.Sprintf("/api/appointments/%d", appt)

		// Dr. House is taken at 10:00: the conflict of a booking, and nothing changes.
		conflictOf(t, c.do("PUT", path, fmt.Sprintf(`{"doctor_id":%d}`, houseID)))
		if field(c.must(200, "GET", path, ""), "doctor_name") != "Dr. Grey" {
			t.Fatal("a refused move changed the doctor")
		}
		for _, bad := range []string{`{"doctor_id":0}`, `{"doctor_id":null}`, `{"doctor_id":999999}`, `{"doctor_name":"Dr. House"}`} {
			if res := c.do("PUT", path, bad); res.status != 400 {
				t.Errorf("PUT %s: %d %s; want 400", bad, res.status, res.raw)
			}
		}

		moved := c.must(200, "PUT", path, fmt.Sprintf(`{"doctor_id":%d,"appointment_datetime":"2031-03-04T11:00"}`, houseID))
		if field(moved, "doctor_id") != float64(houseID) || field(moved, "doctor_name") != "Dr. House" {
			t.Fatalf("moved: %v", moved["data"])
		}

		// A series moves as a whole: every scheduled occurrence to the other doctor.
		first := c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":"2031-04-01T09:00","recurrence":{"frequency":"weekly","count":3}}`, other))
		sid := id(first["data"])
		blocker := c.createAppointment(pid, "Dr. House", "2031-04-15T09:00") // the third occurrence's slot
		res := c.do("PUT", fmt.Sprintf("/api/appointments/%d?scope=series", sid), fmt.Sprintf(`{"doctor_id":%d}`, houseID))
		if res.status != 409 || len(asList(res.body["conflicts"])) != 1 {
			t.Fatalf("series onto a taken slot: %d %s; want 409 with one conflict", res.status, res.raw)
		}
		c.must(200, "DELETE", fmt.Sprintf("/api/appointments/%d", blocker), "")
		out := c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d?scope=series", sid), fmt.Sprintf(`{"doctor_id":%d}`, houseID))
		for _, a := range asList(out["series"].(map[string]any)["appointments"]) {
			if a.(map[string]any)["doctor_id"] != float64(houseID) {
				t.Errorf("occurrence %v was not moved to Dr. House", a)
			}
		}
		if n := c.count(fmt.Sprintf("appointment WHERE doctor_id = %d AND series_id IS NOT NULL", houseID)); n != 3 {
			t.Errorf("%d occurrences with Dr. House, want 3", n)
		}
	})
}
