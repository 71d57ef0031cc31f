package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestClinicTellsItsTimeZone: GET /api/clinic gives the UI the clinic's zone and date, so
// that a browser elsewhere shows and reads times as the clinic does.
func TestClinicTellsItsTimeZone(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		for _, zone := range []string{"America/New_York", "Pacific/Kiritimati", "UTC"} {
			t.Run(zone, func(t *testing.T) {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					t.Fatal(err)
				}
				c := newClient(t, st, loc)
				before := c.clock.now().In(loc).Format(time.DateOnly)
				data := c.must(200, "GET", "/api/clinic", "")["data"].(map[string]any)
				after := c.clock.now().In(loc).Format(time.DateOnly)
				if data["time_zone"] != zone {
					t.Errorf("time_zone %v, want %s", data["time_zone"], zone)
				}
				if data["today"] != before && data["today"] != after {
					t.Errorf("today %v, want the clinic's date %s", data["today"], before)
				}
				now, err := time.Parse(time.RFC3339, data["now"].(string))
				if err != nil {
					t.Fatalf("now %v: %v", data["now"], err)
				}
				if _, off := now.Zone(); off != func() int { _, o := now.In(loc).Zone(); return o }() {
					t.Errorf("now %v is not given with the clinic's offset", data["now"])
				}
				if res := c.anonymous().do("GET", "/api/clinic", ""); res.status != 401 {
					t.Errorf("anonymous GET /api/clinic: %d, want 401", res.status)
				}
			})
		}
	})
}

// clinicAt moves c's clock to hh:mm tomorrow on the clinic's clock (loc), so that a test
// of "now" and "today" never depends on when it runs; it returns that moment and a client
// signed in again (the old token has expired by then).
func clinicAt(c *client, loc *time.Location, hh, mm int) (*client, time.Time) {
	now := c.clock.now().In(loc)
	y, m, d := now.Date()
	at := time.Date(y, m, d+1, hh, mm, 0, 0, loc)
	c.clock.advance(at.Sub(now))
	return c.as(domain.RoleAdmin), at
}

// TestWalkIn: POST /api/appointments with walk_in books the doctor's first free moment
// from now on and checks the patient in, atomically; a day without room is a 409 that
// books nothing.
func TestWalkIn(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		loc, _ := time.LoadLocation("America/New_York")
		c := newClient(t, st, loc)
		ann, bob, cy, dee := c.createPatient("Ann", "ann@example.org"), c.createPatient("Bob", "bob@example.org"),
			c.createPatient("Cy", "cy@example.org"), c.createPatient("Dee", "dee@example.org")
		doc := id(c.must(201, "POST", "/api/doctors", `{"name":"Dr. Walk"}`)["data"])
		other := id(c.must(201, "POST", "/api/doctors", `{"name":"Dr. Other"}`)["data"])
		c, now := clinicAt(c, loc, 10, 0)
		at := func(min int) string { return now.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
		walkIn := func(patient, doctor int64, minutes int) response {
			return c.do("POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"walk_in":true,"duration_minutes":%d}`, patient, doctor, minutes))
		}
		startOf := func(res response) string {
			t.Helper()
			if res.status != 201 {
				t.Fatalf("walk-in: %d %s", res.status, res.raw)
			}
			return field(res.body, "appointment_datetime").(string)
		}
		utc := func(s string) string { v, _ := time.Parse(time.RFC3339, s); return v.UTC().Format(time.RFC3339) }

		// Free now: it starts now, checked in, with the check-in time and both history entries.
		res := walkIn(ann, doc, 15)
		if got := utc(startOf(res)); got != utc(at(0)) {
			t.Errorf("free doctor: starts %s, want now %s", got, at(0))
		}
		if field(res.body, "status") != "checked_in" || field(res.body, "checked_in_at") == nil {
			t.Errorf("a walk-in is checked in at once: %s", res.raw)
		}
		hist := c.must(200, "GET", fmt.Sprintf("/api/appointments/%d/history", id(res.body["data"])), "")["data"].([]any)
		if len(hist) != 2 || hist[0].(map[string]any)["to_status"] != "scheduled" || hist[1].(map[string]any)["to_status"] != "checked_in" ||
			hist[1].(map[string]any)["reason"] != "walk-in" {
			t.Errorf("history %v, want booked then checked in as a walk-in", hist)
		}

		// Busy 00–15 (Ann) and booked 25–55 and 65–95: 10 minutes fit at 15, 30 only at 95.
		c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"appointment_datetime":%q}`, bob, doc, at(25)))
		c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"appointment_datetime":%q}`, cy, doc, at(65)))
		if got := utc(startOf(walkIn(dee, doc, 10))); got != utc(at(15)) {
			t.Errorf("10 minutes: start %s, want the gap at %s", got, at(15))
		}
		if got := utc(startOf(walkIn(dee, other, 30))); got != utc(at(25)) {
			t.Errorf("the patient's own appointment (until 25) counts too: start %s, want %s", got, at(25))
		}
		// Dr. Other now sees Dee 25–55 and Cy has 65–95 with Dr. Walk: the 10-minute gap
		// between is too short for 30 minutes, so Cy waits until 95.
		if got := utc(startOf(walkIn(cy, other, 30))); got != utc(at(95)) {
			t.Errorf("doctor busy 25–55, patient 65–95: start %s, want %s", got, at(95))
		}

		// No room before the clinic's midnight: 409, nothing booked.
		c, late := clinicAt(c, loc, 22, 0)
		c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"appointment_datetime":%q,"duration_minutes":120}`,
			bob, doc, late.Add(5*time.Minute).Format(time.RFC3339)))
		before := c.count("appointment")
		if res := walkIn(ann, doc, 30); res.status != 409 {
			t.Errorf("full day: %d %s, want 409", res.status, res.raw)
		}
		if c.count("appointment") != before {
			t.Error("a refused walk-in wrote a row")
		}

		for _, bad := range []struct{ name, method, path, body, field string }{
			{"a time with walk_in", "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"walk_in":true,"appointment_datetime":%q}`, ann, doc, at(3000)), "appointment_datetime"},
			{"walk_in on a change", "PUT", fmt.Sprintf("/api/appointments/%d", id(res.body["data"])), `{"walk_in":true}`, "walk_in"},
		} {
			before := c.count("appointment_status_history")
			res := c.do(bad.method, bad.path, bad.body)
			if res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", bad.name, res.status, res.raw, bad.field)
			}
			if c.count("appointment_status_history") != before {
				t.Errorf("%s wrote", bad.name)
			}
		}
	})
}

// TestCheckedInAt: an appointment says when its patient was checked in, from the status
// history, in a single read and in lists.
func TestCheckedInAt(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		ann := c.createPatient("Ann", "ann@example.org")
		ap := c.createAppointment(ann, "Dr. Grey", "2031-05-05T10:00:00Z")
		path := fmt.Sprintf("/api/appointments/%d", ap)
		if v := field(c.must(200, "GET", path, ""), "checked_in_at"); v != nil {
			t.Errorf("scheduled: checked_in_at %v, want null", v)
		}
		before := time.Now().Add(-time.Second)
		updated := c.must(200, "PUT", path, `{"status":"checked_in"}`)
		after := time.Now().Add(time.Second)
		for name, got := range map[string]any{
			"PUT":  field(updated, "checked_in_at"),
			"GET":  field(c.must(200, "GET", path, ""), "checked_in_at"),
			"list": c.must(200, "GET", "/api/appointments?patient_id="+fmt.Sprint(ann), "")["data"].([]any)[0].(map[string]any)["checked_in_at"],
		} {
			s, _ := got.(string)
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || at.Before(before) || at.After(after) {
				t.Errorf("%s: checked_in_at %v, want the time of the check-in", name, got)
			}
		}
		// It stays once the patient is with the doctor.
		if v := field(c.must(200, "PUT", path, `{"status":"in_progress"}`), "checked_in_at"); v == nil {
			t.Error("in progress: checked_in_at lost")
		}
	})
}

// series books a recurring series for patient with doctor from when, with recurrence rule.
func (c *client) series(patient int64, doctor, when, rule string) response {
	c.t.Helper()
	return c.do("POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":%q,"appointment_datetime":%q,"recurrence":%s}`, patient, doctor, when, rule))
}

// occurrences returns the ids and starts of a 201's series.
func occurrences(t *testing.T, res response) (ids []int64, starts []string) {
	t.Helper()
	if res.status != 201 && res.status != 200 {
		t.Fatalf("series: %d %s", res.status, res.raw)
	}
	series := res.body["series"].(map[string]any)
	for _, a := range series["appointments"].([]any) {
		m := a.(map[string]any)
		ids = append(ids, int64(m["id"].(float64)))
		starts = append(starts, m["appointment_datetime"].(string))
		if m["series_id"] != series["id"] {
			t.Errorf("occurrence %v has series_id %v, want %v", m["id"], m["series_id"], series["id"])
		}
	}
	return ids, starts
}

// TestRecurringSeries: a series is booked as a whole or not at all, each occurrence an
// ordinary appointment on the clinic's wall clock.
func TestRecurringSeries(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ny, _ := time.LoadLocation("America/New_York")
		c := newClient(t, st, ny)
		ann, bob := c.createPatient("Ann", "ann@example.org"), c.createPatient("Bob", "bob@example.org")

		// Weekly across the change to summer time on 9 March 2031: always 10:00 in New York.
		res := c.series(ann, "Dr. Grey", "2031-03-03T10:00", `{"frequency":"weekly","count":4}`)
		ids, starts := occurrences(t, res)
		want := []string{"2031-03-03T15:00:00Z", "2031-03-10T14:00:00Z", "2031-03-17T14:00:00Z", "2031-03-24T14:00:00Z"}
		if fmt.Sprint(starts) != fmt.Sprint(want) {
			t.Errorf("weekly starts %v, want %v", starts, want)
		}
		if id(res.body["data"]) != ids[0] {
			t.Errorf("data is %v, want the first occurrence %d", res.body["data"], ids[0])
		}
		// Each occurrence is an ordinary appointment, in the API and in FHIR.
		if got := c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", ids[2]), ""); field(got, "series_id") != res.body["series"].(map[string]any)["id"] {
			t.Errorf("GET occurrence: %v", got["data"])
		}
		if fh := c.do("GET", fmt.Sprintf("/fhir/Appointment/%d", ids[3]), ""); fh.status != 200 || fh.body["resourceType"] != "Appointment" {
			t.Errorf("FHIR Appointment of an occurrence: %d %s", fh.status, fh.raw)
		}

		// Monthly from the 31st: the last day of shorter months. Daily every 2 days until a date.
		_, starts = occurrences(t, c.series(bob, "Dr. Yang", "2031-01-31T09:00", `{"frequency":"monthly","count":3}`))
		if want := []string{"2031-01-31T14:00:00Z", "2031-02-28T14:00:00Z", "2031-03-31T13:00:00Z"}; fmt.Sprint(starts) != fmt.Sprint(want) {
			t.Errorf("monthly starts %v, want %v", starts, want)
		}
		if _, starts = occurrences(t, c.series(bob, "Dr. Yang", "2031-06-02T09:00", `{"frequency":"daily","interval":2,"until":"2031-06-09"}`)); len(starts) != 4 {
			t.Errorf("every 2 days from the 2nd until the 9th: %v, want 4 occurrences", starts)
		}

		// Clashes: the doctor on occurrences 2 and 4, the patient on 3. 409 lists all three; nothing is booked.
		cy := c.createPatient("Cy", "cy@example.org")
		c.createAppointment(cy, "Dr. Kovac", "2031-05-13T10:15")
		c.createAppointment(cy, "Dr. Kovac", "2031-05-27T09:45")
		c.createAppointment(bob, "Dr. Other", "2031-05-20T10:00")
		before, series := c.count("appointment"), c.count("appointment_series")
		res = c.series(bob, "Dr. Kovac", "2031-05-06T10:00", `{"frequency":"weekly","count":5}`)
		if res.status != 409 {
			t.Fatalf("clashing series: %d %s", res.status, res.raw)
		}
		var got []string
		for _, x := range res.body["conflicts"].([]any) {
			m := x.(map[string]any)
			got = append(got, fmt.Sprintf("%v:%v", m["occurrence"], m["with"]))
			if m["appointment_id"] == nil || m["start"] == nil || m["clash_start"] == nil {
				t.Errorf("conflict %v lacks the clashing appointment or the times", m)
			}
		}
		if fmt.Sprint(got) != "[2:doctor 3:patient 4:doctor]" {
			t.Errorf("conflicts %v, want occurrences 2 (doctor), 3 (patient) and 4 (doctor)", got)
		}
		if c.count("appointment") != before || c.count("appointment_series") != series {
			t.Error("a refused series booked something")
		}

		for _, bad := range []struct{ name, rule, field string }{
			{"no count or until", `{"frequency":"weekly"}`, "recurrence.count"},
			{"one occurrence", `{"frequency":"weekly","count":1}`, "recurrence.count"},
			{"53 occurrences", `{"frequency":"daily","count":53}`, "recurrence.count"},
			{"interval 13", `{"frequency":"weekly","interval":13,"count":2}`, "recurrence.interval"},
			{"yearly", `{"frequency":"yearly","count":2}`, "recurrence.frequency"},
			{"count and until", `{"frequency":"daily","count":2,"until":"2031-12-01"}`, "recurrence.count"},
			{"until leaves one", `{"frequency":"weekly","until":"2031-09-02"}`, "recurrence.until"},
			{"until makes more than 52", `{"frequency":"daily","until":"2032-12-31"}`, "recurrence.until"},
			{"past five years", `{"frequency":"monthly","interval":12,"count":7}`, "recurrence"},
		} {
			res := c.series(ann, "Dr. Bounds", "2031-09-01T09:00", bad.rule)
			if res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", bad.name, res.status, res.raw, bad.field)
			}
		}
		walk := c.do("POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","walk_in":true,"recurrence":{"frequency":"daily","count":2}}`, ann))
		if walk.status != 400 || errorField(walk.body, "walk_in") == "" {
			t.Errorf("a repeating walk-in: %d %s", walk.status, walk.raw)
		}
		if c.count("appointment") != before || c.count("appointment_series") != series {
			t.Error("a rejected series wrote")
		}
	})
}

// TestSeriesScopes: cancelling and moving this, the following or every occurrence; a
// completed occurrence is never touched, and a move is checked as a whole.
func TestSeriesScopes(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		ann, bob := c.createPatient("Ann", "ann@example.org"), c.createPatient("Bob", "bob@example.org")
		ids, _ := occurrences(t, c.series(ann, "Dr. Grey", "2031-04-01T10:00:00Z", `{"frequency":"weekly","count":5}`))
		path := func(i int) string { return fmt.Sprintf("/api/appointments/%d", ids[i]) }
		for _, s := range []string{"checked_in", "in_progress", "completed"} {
			c.must(200, "PUT", path(0), `{"status":"`+s+`"}`)
		}

		deleted := c.must(200, "DELETE", path(2)+"?scope=following", "")["deleted"].([]any)
		if fmt.Sprint(deleted) != fmt.Sprint([]any{float64(ids[2]), float64(ids[3]), float64(ids[4])}) {
			t.Errorf("following from the third deleted %v", deleted)
		}
		// DELETE cancels: every occurrence stays listed, the following ones as cancelled.
		for i, want := range []string{"completed", "scheduled", "cancelled", "cancelled", "cancelled"} {
			if st := field(c.must(200, "GET", path(i), ""), "status"); st != want {
				t.Errorf("occurrence %d after cancelling the following: %v, want %s", i+1, st, want)
			}
		}
		deleted = c.must(200, "DELETE", path(1)+"?scope=series", "")["deleted"].([]any)
		if len(deleted) != 1 || deleted[0] != float64(ids[1]) {
			t.Errorf("series deleted %v, want only the scheduled second", deleted)
		}
		if st := field(c.must(200, "GET", path(0), ""), "status"); st != "completed" {
			t.Errorf("the completed occurrence is now %v", st)
		}
		if res := c.do("DELETE", path(0)+"?scope=series", ""); res.status != 409 {
			t.Errorf("nothing left to cancel: %d %s, want 409", res.status, res.raw)
		}

		// Moving: the following occurrences shift by as much as the one moved.
		ids, _ = occurrences(t, c.series(ann, "Dr. Yang", "2031-06-03T10:00:00Z", `{"frequency":"weekly","count":4}`))
		res := c.do("PUT", path(1)+"?scope=following", `{"appointment_datetime":"2031-06-10T11:00:00Z","duration_minutes":45}`)
		_, starts := occurrences(t, res)
		if want := []string{"2031-06-10T11:00:00Z", "2031-06-17T11:00:00Z", "2031-06-24T11:00:00Z"}; fmt.Sprint(starts) != fmt.Sprint(want) {
			t.Errorf("moved following: %v, want %v", starts, want)
		}
		if id(res.body["data"]) != ids[1] || field(res.body, "duration_minutes") != float64(45) {
			t.Errorf("data %v, want the moved occurrence with 45 minutes", res.body["data"])
		}
		if s := field(c.must(200, "GET", path(0), ""), "appointment_datetime"); s != "2031-06-03T10:00:00Z" {
			t.Errorf("the first occurrence moved to %v", s)
		}
		// A clash on the last occurrence refuses the whole move.
		blocker := c.createAppointment(bob, "Dr. Yang", "2031-06-24T13:00:00Z")
		before := c.do("GET", path(2), "").raw
		res = c.do("PUT", path(1)+"?scope=following", `{"appointment_datetime":"2031-06-10T13:00:00Z"}`)
		if res.status != 409 {
			t.Fatalf("clashing move: %d %s", res.status, res.raw)
		}
		cf := res.body["conflicts"].([]any)
		if len(cf) != 1 || cf[0].(map[string]any)["id"] != float64(ids[3]) || cf[0].(map[string]any)["appointment_id"] != float64(blocker) {
			t.Errorf("conflicts %v, want the fourth occurrence against %d", cf, blocker)
		}
		if after := c.do("GET", path(2), "").raw; after != before {
			t.Errorf("a refused move moved the third occurrence:\n%s\n%s", before, after)
		}
		// A week later, onto each other's old slots: the whole series moves.
		if _, starts = occurrences(t, c.do("PUT", path(0)+"?scope=series", `{"appointment_datetime":"2031-06-10T10:00:00Z"}`)); starts[0] != "2031-06-10T10:00:00Z" || starts[3] != "2031-07-01T11:00:00Z" {
			t.Errorf("series a week later: %v", starts)
		}

		single := c.createAppointment(bob, "Dr. Solo", "2031-08-01T10:00:00Z")
		for _, bad := range []struct{ name, method, path, body string }{
			{"scope on a single appointment", "DELETE", fmt.Sprintf("/api/appointments/%d?scope=series", single), ""},
			{"unknown scope", "DELETE", path(3) + "?scope=all", ""},
			{"status for a series", "PUT", path(3) + "?scope=series", `{"status":"cancelled"}`},
			{"recurrence on a change", "PUT", path(3), `{"recurrence":{"frequency":"daily","count":2}}`},
		} {
			before := c.count("appointment_status_history")
			if res := c.do(bad.method, bad.path, bad.body); res.status != 400 {
				t.Errorf("%s: %d %s, want 400", bad.name, res.status, res.raw)
			}
			if c.count("appointment_status_history") != before {
				t.Errorf("%s wrote", bad.name)
			}
		}
	})
}

// TestCancellationReason: the reason given with a status change is kept in the history.
func TestCancellationReason(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		ap := c.createAppointment(c.createPatient("Ann", "ann@example.org"), "Dr. Grey", "2031-05-05T10:00:00Z")
		path := fmt.Sprintf("/api/appointments/%d", ap)
		if res := c.do("PUT", path, `{"status_reason":"ill"}`); res.status != 400 || errorField(res.body, "status_reason") == "" {
			t.Errorf("a reason without a status: %d %s", res.status, res.raw)
		}
		c.must(200, "PUT", path, `{"status":"cancelled","status_reason":"The patient is ill"}`)
		hist := c.must(200, "GET", path+"/history", "")["data"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		if last["to_status"] != "cancelled" || last["reason"] != "The patient is ill" {
			t.Errorf("history ends with %v, want the cancellation and its reason", last)
		}
	})
}
