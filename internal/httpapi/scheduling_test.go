package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// book posts an appointment body and returns the response.
func (c *client) book(patientID int64, doctor, when string, extra string) response {
	c.t.Helper()
	return c.do("POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,%s,"appointment_datetime":%q%s}`, patientID, doctor, when, extra))
}

func byName(name string) string { return fmt.Sprintf(`"doctor_name":%q`, name) }
func byID(id int64) string      { return fmt.Sprintf(`"doctor_id":%d`, id) }

// conflictOf returns the conflict object of a 409, failing when there is none.
func conflictOf(t *testing.T, res response) map[string]any {
	t.Helper()
	c, ok := res.body["conflict"].(map[string]any)
	if res.status != 409 || !ok || c["appointment_id"] == nil || c["start"] == nil || c["end"] == nil || res.body["success"] != false {
		t.Fatalf("want 409 with conflict {appointment_id, start, end}: %d %s", res.status, res.raw)
	}
	return c
}

// TestNoDoubleBooking runs the overlap rules one request at a time.
func TestNoDoubleBooking(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		ann, bob, cy := c.createPatient("Ann", "ann@example.org"), c.createPatient("Bob", "bob@example.org"), c.createPatient("Cy", "cy@example.org")
		first := id(c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":"2031-05-05T10:00:00Z","duration_minutes":60}`, ann))["data"])
		cases := []struct {
			name    string
			patient int64
			doctor  string
			when    string
			extra   string
			status  int
		}{
			{"same doctor, same start", bob, byName("Dr. Grey"), "2031-05-05T10:00:00Z", "", 409},
			{"same doctor by normalised name", bob, byName("  dr.  GREY "), "2031-05-05T10:00:00Z", "", 409},
			{"same doctor, starts inside", bob, byName("Dr. Grey"), "2031-05-05T10:59:00Z", "", 409},
			{"same doctor, ends inside", bob, byName("Dr. Grey"), "2031-05-05T09:31:00Z", "", 409},
			{"same doctor, encloses it", bob, byName("Dr. Grey"), "2031-05-05T09:00:00Z", `,"duration_minutes":180`, 409},
			{"same patient, other doctor", ann, byName("Dr. Yang"), "2031-05-05T10:30:00Z", "", 409},
			{"same doctor, right after", bob, byName("Dr. Grey"), "2031-05-05T11:00:00Z", "", 201},
			{"same doctor, right before", cy, byName("Dr. Grey"), "2031-05-05T09:30:00Z", "", 201},
			{"other doctor, other patient, same time", cy, byName("Dr. Yang"), "2031-05-05T10:00:00Z", "", 201},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				before := c.count("appointment")
				res := c.book(tc.patient, tc.doctor, tc.when, tc.extra)
				if res.status != tc.status {
					t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.raw)
				}
				if tc.status == 409 {
					if cf := conflictOf(t, res); cf["appointment_id"] != float64(first) {
						t.Errorf("conflict names %v, want %d", cf["appointment_id"], first)
					}
					if c.count("appointment") != before {
						t.Error("a refused booking wrote a row")
					}
				}
			})
		}
		c.t = t
		// Cancelled, no-show and deleted appointments free their slot; the others keep it.
		for i, free := range []struct{ name, how string }{
			{"cancelled", `PUT {"status":"cancelled"}`}, {"no_show", `PUT {"status":"no_show"}`}, {"deleted", "DELETE"},
		} {
			when := fmt.Sprintf("2031-06-0%dT10:00:00Z", i+1)
			a := id(c.book(ann, byName("Dr. House"), when, "").body["data"])
			conflictOf(t, c.book(bob, byName("Dr. House"), when, ""))
			path := fmt.Sprintf("/api/appointments/%d", a)
			if free.how == "DELETE" {
				c.must(200, "DELETE", path, "")
			} else {
				c.must(200, "PUT", path, free.how[4:])
			}
			if res := c.book(bob, byName("Dr. House"), when, ""); res.status != 201 {
				t.Errorf("after %s the slot is still taken: %s", free.name, res.raw)
			}
		}
		done := id(c.book(cy, byName("Dr. Kovac"), "2031-07-01T10:00:00Z", "").body["data"])
		for _, s := range []string{"checked_in", "in_progress", "completed"} {
			c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", done), `{"status":"`+s+`"}`)
		}
		conflictOf(t, c.book(bob, byName("Dr. Kovac"), "2031-07-01T10:15:00Z", ""))

		// Rescheduling obeys the same rule, and an appointment never clashes with itself.
		mv := id(c.book(cy, byName("Dr. Grey"), "2031-05-05T14:00:00Z", "").body["data"])
		path := fmt.Sprintf("/api/appointments/%d", mv)
		conflictOf(t, c.do("PUT", path, `{"appointment_datetime":"2031-05-05T10:30:00Z"}`))
		conflictOf(t, c.do("PUT", path, `{"appointment_datetime":"2031-05-05T11:15:00Z","duration_minutes":480}`))
		if got := c.must(200, "PUT", path, `{"appointment_datetime":"2031-05-05T14:10:00Z","duration_minutes":45}`); field(got, "end_datetime") != "2031-05-05T14:55:00Z" {
			t.Errorf("moved: %v", got["data"])
		}
		c.must(200, "PUT", path, `{"status":"checked_in"}`)
		if res := c.do("PUT", path, `{"appointment_datetime":"2031-05-05T16:00:00Z"}`); res.status != 409 {
			t.Errorf("moving a checked-in appointment: %d, want 409", res.status)
		}
	})
}

// TestConcurrentBooking sends 50 requests at once for one doctor's slot, through the
// HTTP handler: exactly one is booked, 49 get 409 with the winner named.
func TestConcurrentBooking(t *testing.T) {
	const n = 50
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		patients := make([]int64, n)
		for i := range patients {
			patients[i] = c.createPatient(fmt.Sprintf("Patient %d", i), fmt.Sprintf("p%d@example.org", i))
		}
		doctor := id(c.must(201, "POST", "/api/doctors", `{"name":"Dr. Race"}`)["data"])
		base := time.Date(2031, 9, 1, 10, 0, 0, 0, time.UTC)
		scenarios := []struct {
			name string
			req  func(i int) (patient int64, doctor, when string)
		}{
			{"same doctor, same slot", func(i int) (int64, string, string) {
				return patients[i], byID(doctor), base.Format(time.RFC3339)
			}},
			{"same doctor, overlapping slots", func(i int) (int64, string, string) {
				return patients[i], byID(doctor), base.Add(24*time.Hour + time.Duration(i)*30*time.Second).Format(time.RFC3339)
			}},
			{"new doctor by name, same slot", func(i int) (int64, string, string) {
				return patients[i], byName("Dr. Brand New"), base.Add(72 * time.Hour).Format(time.RFC3339)
			}},
			{"same patient, many doctors", func(i int) (int64, string, string) {
				return patients[0], byName(fmt.Sprintf("Dr. Number %d", i)), base.Add(48*time.Hour + time.Duration(i)*20*time.Second).Format(time.RFC3339)
			}},
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				res := make([]response, n)
				var wg sync.WaitGroup
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						p, d, when := sc.req(i)
						res[i] = c.book(p, d, when, "")
					}(i)
				}
				wg.Wait()
				var winner float64
				counts := map[int]int{}
				for _, r := range res {
					counts[r.status]++
					if r.status == 201 {
						winner = r.body["data"].(map[string]any)["id"].(float64)
					}
				}
				if counts[201] != 1 || counts[409] != n-1 {
					t.Fatalf("statuses %v, want one 201 and %d 409", counts, n-1)
				}
				for _, r := range res {
					if r.status == 409 && conflictOf(t, r)["appointment_id"] != winner {
						t.Errorf("409 names %v, want the winner %v", r.body["conflict"], winner)
					}
				}
			})
		}
		var doctors int
		if err := st.DB().QueryRow(`SELECT count(*) FROM doctor WHERE name = $1`, "Dr. Brand New").Scan(&doctors); err != nil || doctors != 1 {
			t.Errorf("concurrent bookings by name created %d doctors (%v), want 1", doctors, err)
		}
	})
}

// statusPath is a legal way from scheduled to each status.
var statusPath = map[string][]string{
	domain.StatusScheduled:  {},
	domain.StatusCheckedIn:  {domain.StatusCheckedIn},
	domain.StatusInProgress: {domain.StatusCheckedIn, domain.StatusInProgress},
	domain.StatusCompleted:  {domain.StatusCheckedIn, domain.StatusInProgress, domain.StatusCompleted},
	domain.StatusCancelled:  {domain.StatusCancelled},
	domain.StatusNoShow:     {domain.StatusNoShow},
}

// TestEveryTransitionThroughTheAPI drives an appointment into each status and tries every
// next status: legal ones answer 200 and enter the history, illegal ones 409 naming the
// allowed next statuses, and change nothing.
func TestEveryTransitionThroughTheAPI(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		pid := c.createPatient("Ann", "ann@example.org")
		slot := time.Date(2031, 10, 1, 0, 0, 0, 0, time.UTC)
		for _, from := range domain.AppointmentStatuses {
			for _, to := range domain.AppointmentStatuses {
				t.Run(from+"→"+to, func(t *testing.T) {
					c.t = t
					slot = slot.Add(time.Hour)
					aid := id(c.book(pid, byName("Dr. Grey"), slot.Format(time.RFC3339), "").body["data"])
					path := fmt.Sprintf("/api/appointments/%d", aid)
					for _, s := range statusPath[from] {
						c.must(200, "PUT", path, `{"status":"`+s+`"}`)
					}
					res := c.do("PUT", path, `{"status":"`+to+`"}`)
					legal := from == to || slices.Contains(domain.NextStatuses(from), to)
					history := c.must(200, "GET", path+"/history", "")["data"].([]any)
					want := append([]string{"scheduled"}, statusPath[from]...)
					if legal && res.status != 200 || !legal && res.status != 409 {
						t.Fatalf("status %d (legal %v): %s", res.status, legal, res.raw)
					}
					if legal && from != to {
						want = append(want, to)
					}
					if !legal {
						allowed, _ := res.body["allowed_statuses"].([]any)
						if len(allowed) != len(domain.NextStatuses(from)) {
							t.Errorf("allowed_statuses %v, want %v", allowed, domain.NextStatuses(from))
						}
					}
					var got []string
					for i, h := range history {
						e := h.(map[string]any)
						got = append(got, e["to_status"].(string))
						if i > 0 && e["from_status"] != got[i-1] || i == 0 && e["from_status"] != nil || e["changed_at"] == nil {
							t.Errorf("history entry %d: %v", i, e)
						}
					}
					if !slices.Equal(got, want) {
						t.Errorf("history %v, want %v", got, want)
					}
				})
			}
		}
	})
}

// TestDeleteCancelsOnlyWhatMayBeCancelled: DELETE cancels a scheduled or checked-in
// appointment, which stays in every list as cancelled with its history; any other status
// is a 409 that names it, and nothing changes. Nothing of a visit is hidden.
func TestDeleteCancelsOnlyWhatMayBeCancelled(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		staff := c.as(domain.RoleStaff)
		pid := c.createPatient("Ann", "ann@example.org")
		steps := map[string][]string{
			"scheduled":   nil,
			"checked_in":  {"checked_in"},
			"in_progress": {"checked_in", "in_progress"},
			"completed":   {"checked_in", "in_progress", "completed"},
			"no_show":     {"no_show"},
			"cancelled":   {"cancelled"},
		}
		ids := map[string]int64{}
		for i, status := range domain.AppointmentStatuses {
			aid := c.createAppointment(pid, "Dr. Grey", fmt.Sprintf("2031-03-%02dT10:00:00Z", i+1))
			for _, s := range steps[status] {
				c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", aid), `{"status":"`+s+`"}`)
			}
			ids[status] = aid
		}
		for _, status := range domain.AppointmentStatuses {
			aid := ids[status]
			path := fmt.Sprintf("/api/appointments/%d", aid)
			before := c.must(200, "GET", path, "")["data"].(map[string]any)
			history := len(c.must(200, "GET", path+"/history", "")["data"].([]any))
			res := staff.do("DELETE", path, "")
			after := c.must(200, "GET", path, "")["data"].(map[string]any)
			switch status {
			case "scheduled", "checked_in":
				if res.status != 200 || !strings.Contains(fmt.Sprint(res.body["message"]), "cancelled") {
					t.Errorf("DELETE of a %s appointment: %d %s", status, res.status, res.raw)
				}
				last := c.must(200, "GET", path+"/history", "")["data"].([]any)
				entry := last[len(last)-1].(map[string]any)
				if after["status"] != "cancelled" || len(last) != history+1 || entry["from_status"] != status || entry["reason"] != store.CancelledByDelete {
					t.Errorf("DELETE of a %s appointment left %v, history %v", status, after["status"], entry)
				}
			default:
				if res.status != 409 || res.body["current_status"] != status || !strings.Contains(fmt.Sprint(res.body["error"]), status) {
					t.Errorf("DELETE of a %s appointment: %d %s, want 409 naming %s", status, res.status, res.raw, status)
				}
				if fmt.Sprint(after) != fmt.Sprint(before) || len(c.must(200, "GET", path+"/history", "")["data"].([]any)) != history {
					t.Errorf("the refused DELETE changed the %s appointment: %v, was %v", status, after, before)
				}
			}
		}
		// Every appointment, whatever became of it, is in every list.
		for _, list := range []string{"/api/appointments", fmt.Sprintf("/api/appointments?patient_id=%d", pid), "/api/appointments?from=2031-03-01&to=2031-03-31"} {
			if n := c.must(200, "GET", list, "")["count"]; n != float64(len(ids)) {
				t.Errorf("%s lists %v appointments, want %d", list, n, len(ids))
			}
		}
		if b := c.fhir(200, "GET", fmt.Sprintf("/fhir/Appointment?patient=%d", pid), ""); b["total"] != float64(len(ids)) {
			t.Errorf("FHIR lists %v appointments, want %d", b["total"], len(ids))
		}
		now := map[string]int{"in_progress": 1, "completed": 1, "no_show": 1, "cancelled": 3}
		for status, aid := range ids {
			c.fhir(200, "GET", fmt.Sprintf("/fhir/Appointment/%d", aid), "")
			if n := c.must(200, "GET", "/api/appointments?status="+status, "")["count"]; n != float64(now[status]) {
				t.Errorf("status=%s lists %v, want %d", status, n, now[status])
			}
		}
		// A cancelled appointment frees its slot.
		c.createAppointment(pid, "Dr. Yang", "2031-03-01T10:00:00Z")
	})
}

// TestAppointmentsDeletedBeforeAreSeen: releases before DELETE cancelled marked the rows
// they deleted (deleted_at) and hid them, even completed visits. They are seen again, with
// the status they kept, and still free their slot.
func TestAppointmentsDeletedBeforeAreSeen(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		pid := c.createPatient("Ann", "ann@example.org")
		done := c.createAppointment(pid, "Dr. Grey", "2031-04-01T10:00:00Z")
		for _, s := range []string{"checked_in", "in_progress", "completed"} {
			c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", done), `{"status":"`+s+`"}`)
		}
		deletedAt := any("2030-01-01T00:00:00.000000Z")
		if st.Dialect() == "postgres" {
			deletedAt = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if _, err := st.DB().Exec(`UPDATE appointment SET deleted_at = $1 WHERE id = $2`, deletedAt, done); err != nil {
			t.Fatal(err)
		}
		if got := field(c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", done), ""), "status"); got != "completed" {
			t.Errorf("the completed visit reads as %v", got)
		}
		if n := c.must(200, "GET", "/api/appointments", "")["count"]; n != float64(1) {
			t.Errorf("the list holds %v appointments", n)
		}
		c.createAppointment(pid, "Dr. Yang", "2031-04-01T10:00:00Z") // its slot stays free
	})
}

func TestDoctors(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		d := c.must(201, "POST", "/api/doctors", `{"name":"Dr. Meredith Grey","specialty":"General surgery","working_hours":{"mon":[{"start":"09:00","end":"11:00"}]}}`)
		did := id(d["data"])
		hours := field(d, "working_hours").(map[string]any)
		if len(hours) != 7 || len(hours["mon"].([]any)) != 1 || len(hours["tue"].([]any)) != 0 || field(d, "active") != true {
			t.Errorf("created doctor: %v", d["data"])
		}
		def := c.must(201, "POST", "/api/doctors", `{"name":"Dr. Yang"}`)
		if len(field(def, "working_hours").(map[string]any)["fri"].([]any)) != 1 {
			t.Errorf("default hours should cover Friday: %v", def["data"])
		}
		for _, bad := range []struct{ body, field string }{
			{`{"name":"DR.  meredith grey"}`, "name"},
			{`{"specialty":"x"}`, "name"},
			{`{"name":"Dr. X","working_hours":{"mon":[{"start":"17:00","end":"09:00"}]}}`, "working_hours.mon"},
			{`{"name":"Dr. X","working_hours":{"funday":[]}}`, "working_hours.funday"},
		} {
			if res := c.do("POST", "/api/doctors", bad.body); res.status/100 != 4 || errorField(res.body, bad.field) == "" {
				t.Errorf("POST %s: %d %s", bad.body, res.status, res.raw)
			}
		}
		if n := c.must(200, "GET", "/api/doctors", "")["total"]; n != float64(2) {
			t.Errorf("doctors total %v", n)
		}

		// Booking by id, by a name that matches, and refusing what does not match.
		pid := c.createPatient("Ann", "ann@example.org")
		a := c.book(pid, byID(did), "2031-03-03T09:00", `,"duration_minutes":60`)
		if a.status != 201 || field(a.body, "doctor_name") != "Dr. Meredith Grey" || field(a.body, "duration_minutes") != float64(60) {
			t.Fatalf("book by id: %s", a.raw)
		}
		if res := c.book(pid, byName("dr. meredith GREY"), "2031-03-03T11:00", ""); res.status != 201 || field(res.body, "doctor_id") != float64(did) {
			t.Errorf("book by name: %s", res.raw)
		}
		for _, bad := range []struct{ doctor, field string }{
			{byID(999999), "doctor_id"},
			{byID(did) + `,"doctor_name":"Dr. Yang"`, "doctor_name"},
		} {
			if res := c.book(pid, bad.doctor, "2031-03-04T09:00", ""); res.status != 400 || errorField(res.body, bad.field) == "" {
				t.Errorf("book with %s: %s", bad.doctor, res.raw)
			}
		}

		// Availability: Monday 09:00–11:00 with 09:00–10:00 taken leaves 10:00 and 10:30.
		avail := c.must(200, "GET", fmt.Sprintf("/api/doctors/%d/availability?date=2031-03-03", did), "")["data"].(map[string]any)
		var starts []string
		for _, s := range avail["slots"].([]any) {
			starts = append(starts, s.(map[string]any)["start"].(string))
		}
		if fmt.Sprint(starts) != "[2031-03-03T10:00:00Z 2031-03-03T10:30:00Z]" {
			t.Errorf("availability: %v", avail)
		}
		if s := c.must(200, "GET", fmt.Sprintf("/api/doctors/%d/availability?date=2031-03-04", did), "")["data"].(map[string]any)["slots"].([]any); len(s) != 0 {
			t.Errorf("Tuesday is a day off, got %v", s)
		}
		for _, q := range []string{"", "?date=2031-02-30", "?date=2031-03-03&duration_minutes=2"} {
			c.must(400, "GET", fmt.Sprintf("/api/doctors/%d/availability%s", did, q), "")
		}
		c.must(404, "GET", "/api/doctors/999999/availability?date=2031-03-03", "")

		// An inactive doctor leaves the list and takes no new bookings.
		c.must(200, "PUT", fmt.Sprintf("/api/doctors/%d", did), `{"active":false}`)
		if n := c.must(200, "GET", "/api/doctors", "")["total"]; n != float64(1) {
			t.Errorf("active doctors %v, want 1", n)
		}
		if n := c.must(200, "GET", "/api/doctors?include_inactive=true", "")["total"]; n != float64(2) {
			t.Errorf("all doctors %v, want 2", n)
		}
		if res := c.book(pid, byID(did), "2031-03-10T09:00", ""); res.status != 400 {
			t.Errorf("booking an inactive doctor: %s", res.raw)
		}
		if res := c.book(pid, byName("Dr. Meredith Grey"), "2031-03-10T09:00", ""); res.status != 400 {
			t.Errorf("booking an inactive doctor by name: %s", res.raw)
		}
		c.must(409, "PUT", fmt.Sprintf("/api/doctors/%d", did), `{"name":"Dr. Yang"}`)
		c.must(400, "PUT", fmt.Sprintf("/api/doctors/%d", did), `{}`)
		c.must(404, "PUT", "/api/doctors/999999", `{"active":true}`)
	})
}
