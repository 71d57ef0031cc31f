package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// soonAt returns a weekday at least days ahead, at hour:00 UTC, as RFC 3339.
func soonAt(days, hour int) string {
	d := time.Now().UTC().AddDate(0, 0, days)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

// list returns the data array of a list answer.
func items(body map[string]any) []map[string]any {
	var out []map[string]any
	for _, v := range body["data"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// audits counts the audit events of action on resource for the patient.
func (c *client) audits(action, resource string, patientID int64) int {
	c.t.Helper()
	return c.count(fmt.Sprintf("audit_event WHERE action = '%s' AND resource_type = '%s' AND patient_id = %d", action, resource, patientID))
}

// TestVisitFollowsTheAppointment: checking in opens the visit, completing the appointment
// closes it, cancelling a checked-in appointment cancels it.
func TestVisitFollowsTheAppointment(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doc := c.as("doctor")
		pid := c.createPatient("Ada Visit", "ada.visit@example.org")
		appt := c.createAppointment(pid, "Dr. Grey", soonAt(1, 10))
		path := fmt.Sprintf("/api/appointments/%d", appt)
		visits := fmt.Sprintf("/api/patients/%d/visits", pid)
		if n := len(items(doc.must(200, "GET", visits, ""))); n != 0 {
			t.Fatalf("a scheduled appointment has %d visits, want none", n)
		}
		c.as("staff").must(200, "PUT", path, `{"status":"checked_in"}`)
		vs := items(doc.must(200, "GET", visits, ""))
		if len(vs) != 1 || vs[0]["appointment_id"] != float64(appt) || vs[0]["status"] != "open" || vs[0]["reason"] != "check-up" {
			t.Fatalf("after check-in: %v", vs)
		}
		if n := c.audits("create", "visit", pid); n != 1 {
			t.Errorf("opening the visit wrote %d create events with the patient, want 1", n)
		}
		// Checking in again is no transition, and opens no second visit.
		c.must(200, "PUT", path, `{"status":"checked_in"}`)
		c.must(200, "PUT", path, `{"status":"in_progress"}`)
		if n := c.count("visit"); n != 1 {
			t.Fatalf("%d visits, want 1", n)
		}
		// A visit for an appointment that has one already is a conflict.
		if res := doc.do("POST", "/api/visits", fmt.Sprintf(`{"patient_id":%d,"appointment_id":%d}`, pid, appt)); res.status != 409 || res.body["visit_id"] != vs[0]["id"] {
			t.Errorf("second visit of an appointment: %d %s", res.status, res.raw)
		}
		c.must(200, "PUT", path, `{"status":"completed"}`)
		v := doc.must(200, "GET", fmt.Sprintf("/api/visits/%d", id(vs[0])), "")
		if field(v, "status") != "closed" || field(v, "ended_at") == nil {
			t.Errorf("after completion: %v", v["data"])
		}

		other := c.createAppointment(pid, "Dr. Grey", soonAt(2, 11))
		c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", other), `{"status":"checked_in"}`)
		c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", other), `{"status":"cancelled"}`)
		vs = items(doc.must(200, "GET", visits, ""))
		if len(vs) != 2 || vs[0]["appointment_id"] != float64(other) || vs[0]["status"] != "cancelled" {
			t.Errorf("a cancelled appointment's visit: %v", vs)
		}
		// DELETE cancels a checked-in appointment as the status change does: its visit ends.
		third := c.createAppointment(pid, "Dr. Grey", soonAt(3, 14))
		c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", third), `{"status":"checked_in"}`)
		c.as("staff").must(200, "DELETE", fmt.Sprintf("/api/appointments/%d", third), "")
		vs = items(doc.must(200, "GET", visits, ""))
		if len(vs) != 3 || vs[0]["appointment_id"] != float64(third) || vs[0]["status"] != "cancelled" {
			t.Errorf("the visit of an appointment that DELETE cancelled: %v", vs)
		}
		if n := c.audits("read", "visit", pid); n < 3 {
			t.Errorf("%d read events of the patient's visits, want every read", n)
		}
	})
}

// TestWalkInAndSigning: a visit without an appointment; the note is versioned until it is
// signed, locked after, and what follows is an addendum.
func TestWalkInAndSigning(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doc := c.as("doctor")
		pid := c.createPatient("Walk In", "walk.in@example.org")
		other := c.createPatient("Some One", "some.one@example.org")
		scheduled := c.createAppointment(pid, "Dr. Grey", soonAt(3, 9))

		for _, bad := range []struct{ body, field string }{
			{`{}`, "patient_id"},
			{`{"patient_id":-1}`, "patient_id"},
			{fmt.Sprintf(`{"patient_id":%d,"appointment_id":%d}`, other, scheduled), "appointment_id"},
			{fmt.Sprintf(`{"patient_id":%d,"reason":"%s"}`, pid, strings.Repeat("x", 10001)), "reason"},
		} {
			res := doc.do("POST", "/api/visits", bad.body)
			if res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("POST /api/visits %s: %d %s, want 400 naming %s", bad.body, res.status, res.raw, bad.field)
			}
		}
		if res := doc.do("POST", "/api/visits", fmt.Sprintf(`{"patient_id":%d,"appointment_id":%d}`, pid, scheduled)); res.status != 409 {
			t.Errorf("a visit for an appointment not checked in: %d, want 409", res.status)
		}
		if n := c.count("visit"); n != 0 {
			t.Fatalf("refused visits wrote %d rows", n)
		}

		v := doc.must(201, "POST", "/api/visits", fmt.Sprintf(`{"patient_id":%d,"reason":"cough"}`, pid))
		vid := id(v["data"])
		path := fmt.Sprintf("/api/visits/%d", vid)
		if field(v, "status") != "open" || field(v, "appointment_id") != nil || field(v, "reason") != "cough" {
			t.Fatalf("walk-in: %v", v["data"])
		}
		if res := doc.do("POST", path+"/addenda", `{"text":"too early"}`); res.status != 409 {
			t.Errorf("an addendum before signing: %d, want 409", res.status)
		}
		doc.must(200, "PUT", path, `{"findings":"wheeze","assessment":"bronchitis","plan":"rest, fluids"}`)
		rec := doc.must(201, "POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"visit_id":%d,"diagnosis":"Acute bronchitis","doctor_name":"Dr. Grey","prescription":"Salbutamol inhaler"}`, pid, vid))
		if field(rec, "visit_id") != float64(vid) {
			t.Errorf("record of the visit: %v", rec["data"])
		}
		if res := doc.do("POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"visit_id":%d,"diagnosis":"x","doctor_name":"Dr. Grey"}`, other, vid)); res.status != 400 || errorField(res.body, "visit_id") == "" {
			t.Errorf("a record of another patient's visit: %d %s", res.status, res.raw)
		}

		signed := doc.must(200, "POST", path+"/sign", "")
		if field(signed, "signed_at") == nil || field(signed, "signed_by") != float64(doc.user) || field(signed, "status") != "closed" {
			t.Fatalf("signed walk-in: %v", signed["data"])
		}
		before := c.count("visit_version")
		for _, req := range [][3]string{
			{"PUT", path, `{"plan":"changed my mind"}`},
			{"POST", path + "/sign", ""},
			{"POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"visit_id":%d,"diagnosis":"late","doctor_name":"Dr. Grey"}`, pid, vid)},
			{"POST", fmt.Sprintf("/api/patients/%d/vitals", pid), fmt.Sprintf(`{"visit_id":%d,"heart_rate":70}`, vid)},
		} {
			if res := doc.do(req[0], req[1], req[2]); res.status != 409 {
				t.Errorf("%s %s on a signed visit: %d %s, want 409", req[0], req[1], res.status, res.raw)
			}
		}
		if got := field(doc.must(200, "GET", path, ""), "plan"); got != "rest, fluids" || c.count("visit_version") != before {
			t.Errorf("a signed note changed: plan %v", got)
		}
		nurseUser := c.as("admin")
		add := nurseUser.must(201, "POST", path+"/addenda", `{"text":"Culture came back negative."}`)
		addenda := field(add, "addenda").([]any)
		if len(addenda) != 1 || addenda[0].(map[string]any)["text"] != "Culture came back negative." || addenda[0].(map[string]any)["created_by"] != float64(nurseUser.user) {
			t.Errorf("addenda: %v", addenda)
		}
		if res := doc.do("POST", path+"/addenda", `{"text":""}`); res.status != 400 || errorField(res.body, "text") == "" {
			t.Errorf("an empty addendum: %d %s", res.status, res.raw)
		}
		h := doc.must(200, "GET", path+"/history", "")
		versions := items(h)
		if len(versions) != 2 || versions[0]["findings"] != nil || versions[1]["findings"] != "wheeze" || versions[1]["created_by"] != float64(doc.user) {
			t.Errorf("history: %v", versions)
		}
		if len(h["addenda"].([]any)) != 1 {
			t.Errorf("history addenda: %v", h["addenda"])
		}

		empty := id(doc.must(201, "POST", "/api/visits", fmt.Sprintf(`{"patient_id":%d}`, other))["data"])
		if res := doc.do("POST", fmt.Sprintf("/api/visits/%d/sign", empty), ""); res.status != 400 {
			t.Errorf("signing an empty note: %d, want 400", res.status)
		}
		if res := doc.do("PUT", fmt.Sprintf("/api/visits/%d", empty), `{"plan":"x"}`, "If-Match", `"7"`); res.status != 412 {
			t.Errorf("a stale If-Match: %d, want 412", res.status)
		}
		if n := c.audits("update", "visit", pid); n < 3 {
			t.Errorf("%d update events of the visit with its patient", n)
		}
	})
}

// TestVitals: units and ranges, warnings, BMI, the latest values and trends.
func TestVitals(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doc := c.as("doctor")
		pid := c.createPatient("Vera Vitals", "vera@example.org")
		path := fmt.Sprintf("/api/patients/%d/vitals", pid)
		for _, bad := range []struct{ body, field string }{
			{`{"temperature":380}`, "temperature"},
			{`{"weight":-2}`, "weight"},
			{`{"spo2":101}`, "spo2"},
			{`{"systolic":120}`, "diastolic"},
			{`{"systolic":80,"diastolic":95}`, "diastolic"},
			{`{"heart_rate":0,"temperature":37}`, "heart_rate"},
			{`{"height":"tall"}`, "height"},
			{`{"heart_rate":70,"taken_at":"2999-01-01T00:00:00Z"}`, "taken_at"},
			{`{"heart_rate":null}`, "heart_rate"},
		} {
			res := doc.do("POST", path, bad.body)
			if res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", bad.body, res.status, res.raw, bad.field)
			}
		}
		if res := doc.do("POST", path, `{}`); res.status != 400 {
			t.Errorf("no measurement: %d", res.status)
		}
		if n := c.count("vital_sign"); n != 0 {
			t.Fatalf("refused vitals wrote %d rows", n)
		}

		res := doc.must(201, "POST", path, `{"systolic":128,"diastolic":82,"heart_rate":220,"temperature":37.2,"spo2":97,"weight":80,"height":180,"respiratory_rate":14,"taken_at":"2024-03-01T09:00:00Z"}`)
		got := map[string]map[string]any{}
		for _, v := range items(res) {
			got[v["kind"].(string)] = v
		}
		want := map[string][3]any{
			"blood_pressure": {"85354-9", "mm[Hg]", 128.0}, "heart_rate": {"8867-4", "/min", 220.0}, "temperature": {"8310-5", "Cel", 37.2},
			"oxygen_saturation": {"2708-6", "%", 97.0}, "weight": {"29463-7", "kg", 80.0}, "height": {"8302-2", "cm", 180.0},
			"respiratory_rate": {"9279-1", "/min", 14.0}, "bmi": {"39156-5", "kg/m2", 24.7},
		}
		for kind, w := range want {
			v := got[kind]
			if v == nil || v["code"] != w[0] || v["unit"] != w[1] || v["value"] != w[2] {
				t.Errorf("%s: %v, want code %v, unit %v, value %v", kind, v, w[0], w[1], w[2])
			}
		}
		if got["blood_pressure"]["diastolic"] != 82.0 {
			t.Errorf("blood pressure: %v", got["blood_pressure"])
		}
		warnings := res["warnings"].([]any)
		if len(warnings) != 1 || warnings[0].(map[string]any)["field"] != "heart_rate" {
			t.Errorf("warnings: %v, want one for heart_rate", warnings)
		}
		// A weight alone: the BMI uses the latest height.
		res = doc.must(201, "POST", path, `{"weight":90,"taken_at":"2024-06-01T09:00:00Z"}`)
		if vs := items(res); len(vs) != 2 || vs[1]["kind"] != "bmi" || vs[1]["value"] != 27.8 {
			t.Errorf("weight with the latest height: %v", vs)
		}
		if len(res["warnings"].([]any)) != 0 {
			t.Errorf("plausible values warned: %v", res["warnings"])
		}

		trend := doc.must(200, "GET", path+"?kind=weight", "")
		ws := items(trend)
		if len(ws) != 2 || ws[0]["value"] != 80.0 || ws[1]["value"] != 90.0 {
			t.Errorf("weight trend, oldest first: %v", ws)
		}
		all := doc.must(200, "GET", path, "")
		latest := all["latest"].(map[string]any)
		if latest["weight"].(map[string]any)["value"] != 90.0 || latest["bmi"].(map[string]any)["value"] != 27.8 || latest["heart_rate"] == nil {
			t.Errorf("latest: %v", latest)
		}
		if n := len(items(doc.must(200, "GET", path+"?from=2024-05-01", ""))); n != 2 {
			t.Errorf("from 2024-05-01: %d vital signs, want 2", n)
		}
		if res := doc.do("GET", path+"?kind=mood", ""); res.status != 400 || errorField(res.body, "kind") == "" {
			t.Errorf("unknown kind: %d %s", res.status, res.raw)
		}
		if n := c.audits("create", "vital_sign", pid); n != 10 {
			t.Errorf("%d create events of vital signs with the patient, want 10", n)
		}
		if n := c.audits("read", "vital_sign", pid); n != 3 {
			t.Errorf("%d read events of vital signs with the patient, want 3", n)
		}
	})
}

// TestAllergiesProblemsMedications: the banner's data, the problem list and the medication
// list with stops.
func TestAllergiesProblemsMedications(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		doc := c.as("doctor")
		pid := c.createPatient("Al Lergy", "al.lergy@example.org")
		allergies := fmt.Sprintf("/api/patients/%d/allergies", pid)

		nka := doc.must(201, "POST", allergies, `{"no_known_allergies":true}`)
		if field(nka, "no_known_allergies") != true || field(nka, "clinical_status") != "active" {
			t.Fatalf("no known allergies: %v", nka["data"])
		}
		if b := doc.must(200, "GET", allergies, ""); b["no_known_allergies"] != true {
			t.Errorf("banner after NKA: %v", b)
		}
		for _, bad := range []struct{ body, field string }{
			{`{"reaction":"hives"}`, "substance"},
			{`{"substance":"Penicillin","severity":"awful"}`, "severity"},
			{`{"substance":"Penicillin","criticality":"very"}`, "criticality"},
			{`{"substance":"Penicillin","clinical_status":"gone"}`, "clinical_status"},
			{`{"substance":"Penicillin","onset_date":"1850-01-01"}`, "onset_date"},
		} {
			if res := doc.do("POST", allergies, bad.body); res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", bad.body, res.status, res.raw, bad.field)
			}
		}
		pen := doc.must(201, "POST", allergies, `{"substance":"Penicillin","reaction":"Hives","severity":"severe","criticality":"high","category":"medication"}`)
		b := doc.must(200, "GET", allergies, "")
		if b["no_known_allergies"] != false || b["count"] != 2.0 {
			t.Errorf("an allergy refutes NKA: %v", b)
		}
		active := items(doc.must(200, "GET", allergies+"?clinical_status=active", ""))
		if len(active) != 1 || active[0]["substance"] != "Penicillin" || active[0]["criticality"] != "high" {
			t.Errorf("the banner's active allergies: %v", active)
		}
		if res := doc.do("POST", allergies, `{"no_known_allergies":true}`); res.status != 409 {
			t.Errorf("NKA with an active allergy: %d, want 409", res.status)
		}
		doc.must(200, "PUT", fmt.Sprintf("/api/allergies/%d", id(pen["data"])), `{"clinical_status":"resolved"}`)
		doc.must(201, "POST", allergies, `{"no_known_allergies":true}`)

		problems := fmt.Sprintf("/api/patients/%d/problems", pid)
		if res := doc.do("POST", problems, `{"description":"Asthma","onset_date":"2020-01-01","abatement_date":"2019-01-01"}`); res.status != 400 || errorField(res.body, "abatement_date") == "" {
			t.Errorf("abatement before onset: %d %s", res.status, res.raw)
		}
		pr := doc.must(201, "POST", problems, `{"description":"Asthma","code":"195967001","onset_date":"2020-01-01"}`)
		if field(pr, "clinical_status") != "active" {
			t.Errorf("a new problem: %v", pr["data"])
		}
		doc.must(200, "PUT", fmt.Sprintf("/api/problems/%d", id(pr["data"])), `{"clinical_status":"resolved","abatement_date":"2023-05-01"}`)
		if ps := items(doc.must(200, "GET", problems+"?clinical_status=resolved", "")); len(ps) != 1 || ps[0]["abatement_date"] != "2023-05-01" {
			t.Errorf("resolved problems: %v", ps)
		}

		meds := fmt.Sprintf("/api/patients/%d/medications", pid)
		rec := c.createRecord(pid, "Hypertension") // prescribes "rest"
		c.createRecord(pid, "Another")
		ms := items(doc.must(200, "GET", meds, ""))
		if len(ms) != 2 || ms[0]["status"] != "active" {
			t.Fatalf("medications: %v", ms)
		}
		stop := fmt.Sprintf("/api/medications/%d/stop", rec)
		if res := doc.do("POST", stop, `{}`); res.status != 400 || errorField(res.body, "reason") == "" {
			t.Errorf("stop without reason: %d %s", res.status, res.raw)
		}
		if res := doc.do("POST", stop, `{"reason":"x","date":"2000-01-01"}`); res.status != 400 || errorField(res.body, "date") == "" {
			t.Errorf("stop before the prescription: %d %s", res.status, res.raw)
		}
		m := doc.must(200, "POST", stop, `{"reason":"side effects"}`)
		if field(m, "status") != "stopped" || field(m, "stop_reason") != "side effects" {
			t.Errorf("stopped: %v", m["data"])
		}
		if res := doc.do("POST", stop, `{"reason":"again"}`); res.status != 409 {
			t.Errorf("stopping twice: %d, want 409", res.status)
		}
		if n := len(items(doc.must(200, "GET", meds, ""))); n != 1 {
			t.Errorf("%d active medications, want 1", n)
		}
		if n := len(items(doc.must(200, "GET", meds+"?include_stopped=true", ""))); n != 2 {
			t.Errorf("%d medications with the stopped, want 2", n)
		}
		for _, res := range []string{"allergy", "problem", "medical_record"} {
			if c.audits("read", res, pid) == 0 {
				t.Errorf("no read event of %s with the patient", res)
			}
		}
		if c.audits("create", "allergy", pid) != 3 || c.audits("update", "problem", pid) != 1 {
			t.Errorf("writes of the chart are not audited with the patient")
		}
		// Staff see no clinical data.
		staff := c.as("staff")
		for _, p := range []string{allergies, problems, meds, fmt.Sprintf("/api/patients/%d/vitals", pid), fmt.Sprintf("/api/patients/%d/visits", pid)} {
			if res := staff.do("GET", p, ""); res.status != 403 {
				t.Errorf("staff GET %s: %d, want 403", p, res.status)
			}
		}
	})
}

// TestNurse: a nurse checks patients in, reads the chart, records vitals and allergies and
// opens walk-ins; writes no diagnosis, prescription or problem, signs nothing and does not
// see the audit log.
func TestNurse(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		c.must(201, "POST", "/api/users", fmt.Sprintf(`{"email":"nora@clinic.test","name":"Nora","role":"nurse","password":%q}`, testPassword))
		nurse := c.signIn("nora@clinic.test", "nurse")
		pid := c.createPatient("Pat Ient", "pat.ient@example.org")
		rec := c.createRecord(pid, "Gout")
		appt := c.createAppointment(pid, "Dr. Grey", soonAt(1, 14))
		nurse.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", appt), `{"status":"checked_in"}`)
		vid := id(items(nurse.must(200, "GET", fmt.Sprintf("/api/patients/%d/visits", pid), ""))[0])
		nurse.must(201, "POST", fmt.Sprintf("/api/patients/%d/vitals", pid), fmt.Sprintf(`{"visit_id":%d,"systolic":130,"diastolic":85}`, vid))
		al := nurse.must(201, "POST", fmt.Sprintf("/api/patients/%d/allergies", pid), `{"substance":"Peanuts","severity":"severe"}`)
		nurse.must(200, "PUT", fmt.Sprintf("/api/allergies/%d", id(al["data"])), `{"reaction":"Anaphylaxis"}`)
		for _, p := range []string{"/records", "/allergies", "/problems", "/medications", "/vitals"} {
			nurse.must(200, "GET", fmt.Sprintf("/api/patients/%d%s", pid, p), "")
		}
		nurse.must(200, "GET", fmt.Sprintf("/api/records/%d", rec), "")
		nurse.must(200, "GET", fmt.Sprintf("/api/visits/%d", vid), "")
		nurse.must(201, "POST", "/api/visits", fmt.Sprintf(`{"patient_id":%d}`, pid))
		for _, req := range [][3]string{
			{"POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"x","doctor_name":"Dr. Grey"}`, pid)},
			{"PUT", fmt.Sprintf("/api/records/%d", rec), `{"prescription":"more"}`},
			{"PUT", fmt.Sprintf("/api/visits/%d", vid), `{"assessment":"x"}`},
			{"POST", fmt.Sprintf("/api/visits/%d/sign", vid), ""},
			{"POST", fmt.Sprintf("/api/visits/%d/addenda", vid), `{"text":"x"}`},
			{"POST", fmt.Sprintf("/api/patients/%d/problems", pid), `{"description":"x"}`},
			{"POST", fmt.Sprintf("/api/medications/%d/stop", rec), `{"reason":"x"}`},
			{"GET", "/api/audit", ""},
			{"GET", "/api/users", ""},
		} {
			if res := nurse.do(req[0], req[1], req[2]); res.status != 403 {
				t.Errorf("nurse %s %s: %d, want 403", req[0], req[1], res.status)
			}
		}
		if c.count("medical_record") != 1 || c.count("problem") != 0 || c.count("visit WHERE signed_at IS NOT NULL") != 0 {
			t.Error("a refused nurse request wrote something")
		}
		if n := c.count(fmt.Sprintf("audit_event WHERE user_id = %d AND action = 'read' AND patient_id = %d", nurse.user, pid)); n < 7 {
			t.Errorf("%d read events of the nurse with the patient, want one per read", n)
		}
	})
}
