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
