package httpapi_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// fixture is the data every scenario table starts from.
type fixture struct{ patient, appointment, record int64 }

func setup(c *client) fixture {
	p := c.createPatient("Grace Hopper", "grace@example.org")
	c.createPatient("Alan Turing", "alan@example.org")
	return fixture{
		patient:     p,
		appointment: c.createAppointment(p, "Dr. Grey", "2031-03-04T10:00"),
		record:      c.createRecord(p, "Seasonal influenza"),
	}
}

// expand replaces {P}, {A} and {R} in s by the fixture's ids.
func (f fixture) expand(s string) string {
	return strings.NewReplacer("{P}", strconv.FormatInt(f.patient, 10), "{A}", strconv.FormatInt(f.appointment, 10),
		"{R}", strconv.FormatInt(f.record, 10)).Replace(s)
}

func (c *client) totalRows() int {
	return c.count("patient") + c.count("appointment") + c.count("medical_record")
}

// TestRejectedRequests runs every error case of the API: each gets its status and a JSON
// error naming the problem, and none of them writes anything.
func TestRejectedRequests(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	valid := `"name":"Ann Lee","email":"ann@example.org","date_of_birth":"1990-01-02"`
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		field                    string // the field that fields must name, if any
		errorHas                 string // a phrase the error must contain, if any
	}{
		// patients: validation
		{"missing name", "POST", "/api/patients", `{"email":"a@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "name", ""},
		{"empty name", "POST", "/api/patients", `{"name":"  ","email":"a@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "name", ""},
		{"null name", "POST", "/api/patients", `{"name":null,"email":"a@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "name", ""},
		{"name too long", "POST", "/api/patients", `{"name":"` + long(101) + `","email":"a@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "name", "at most 100"},
		{"missing email", "POST", "/api/patients", `{"name":"Ann","date_of_birth":"1990-01-02"}`, nil, 400, "email", ""},
		{"invalid email", "POST", "/api/patients", `{"name":"Ann","email":"not-an-email","date_of_birth":"1990-01-02"}`, nil, 400, "email", "valid email"},
		{"email with display name", "POST", "/api/patients", `{"name":"Ann","email":"Ann <ann@example.org>","date_of_birth":"1990-01-02"}`, nil, 400, "email", ""},
		{"email too long", "POST", "/api/patients", `{"name":"Ann","email":"` + long(110) + `@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "email", "at most 120"},
		{"duplicate email", "POST", "/api/patients", `{"name":"Other","email":"grace@example.org","date_of_birth":"1990-01-02"}`, nil, 409, "email", "already exists"},
		{"duplicate email other case", "POST", "/api/patients", `{"name":"Other","email":"GRACE@Example.org","date_of_birth":"1990-01-02"}`, nil, 409, "email", ""},
		{"missing date of birth", "POST", "/api/patients", `{"name":"Ann","email":"a@example.org"}`, nil, 400, "date_of_birth", ""},
		{"impossible date", "POST", "/api/patients", `{"name":"Ann","email":"a@example.org","date_of_birth":"2023-02-30"}`, nil, 400, "date_of_birth", "YYYY-MM-DD"},
		{"date in another format", "POST", "/api/patients", `{"name":"Ann","email":"a@example.org","date_of_birth":"02/01/1990"}`, nil, 400, "date_of_birth", ""},
		{"date of birth in the future", "POST", "/api/patients", `{"name":"Ann","email":"a@example.org","date_of_birth":"` + tomorrow + `"}`, nil, 400, "date_of_birth", "future"},
		{"blood group not valid", "POST", "/api/patients", `{` + valid + `,"blood_group":"C+"}`, nil, 400, "blood_group", "A+ A- B+"},
		{"phone too long", "POST", "/api/patients", `{` + valid + `,"phone":"` + strings.Repeat("1", 21) + `"}`, nil, 400, "phone", "at most 20"},
		{"phone with letters", "POST", "/api/patients", `{` + valid + `,"phone":"call me"}`, nil, 400, "phone", ""},
		{"wrong type", "POST", "/api/patients", `{"name":42,"email":"a@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "name", "must be a string"},
		{"unknown field", "POST", "/api/patients", `{` + valid + `,"is_admin":true}`, nil, 400, "is_admin", "unknown field"},
		{"malformed JSON", "POST", "/api/patients", `{"name":"Ann",`, nil, 400, "", "not valid JSON"},
		{"JSON array", "POST", "/api/patients", `[{"name":"Ann"}]`, nil, 400, "", "JSON object"},
		{"trailing data", "POST", "/api/patients", `{` + valid + `} {}`, nil, 400, "", "after the JSON object"},
		{"empty body", "POST", "/api/patients", ``, []string{"Content-Type", "application/json"}, 400, "", "empty"},
		{"NUL in name", "POST", "/api/patients", `{"name":"Ann\u0000Lee","email":"a@example.org","date_of_birth":"1990-01-02"}`, nil, 400, "name", "NUL"},
		{"not JSON content type", "POST", "/api/patients", `{` + valid + `}`, []string{"Content-Type", "text/plain"}, 415, "", "must be JSON"},
		{"no content type", "POST", "/api/patients", `{` + valid + `}`, []string{"Content-Type", ""}, 415, "", "Content-Type"},
		{"body over 1 MiB", "POST", "/api/patients", `{"name":"` + long(1<<20) + `"}`, nil, 413, "", "1 MiB"},
		// patients: ids and updates
		{"id not a number", "GET", "/api/patients/abc", "", nil, 400, "", "positive integer"},
		{"id zero", "GET", "/api/patients/0", "", nil, 400, "", "positive integer"},
		{"id negative", "DELETE", "/api/patients/-3", "", nil, 400, "", "positive integer"},
		{"id overflows", "GET", "/api/patients/99999999999999999999", "", nil, 400, "", "positive integer"},
		{"unknown patient", "GET", "/api/patients/999999", "", nil, 404, "", "not found"},
		{"update unknown patient", "PUT", "/api/patients/999999", `{"name":"X"}`, nil, 404, "", "not found"},
		{"delete unknown patient", "DELETE", "/api/patients/999999", "", nil, 404, "", "not found"},
		{"update with nothing", "PUT", "/api/patients/{P}", `{}`, nil, 400, "", "no field"},
		{"update to empty name", "PUT", "/api/patients/{P}", `{"name":""}`, nil, 400, "name", ""},
		{"update to taken email", "PUT", "/api/patients/{P}", `{"email":"alan@example.org"}`, nil, 409, "email", ""},
		{"update with invalid blood group", "PUT", "/api/patients/{P}", `{"blood_group":"Z"}`, nil, 400, "blood_group", ""},
		{"records of unknown patient", "GET", "/api/patients/999999/records", "", nil, 404, "", "not found"},
		// lists
		{"limit zero", "GET", "/api/patients?limit=0", "", nil, 400, "", "limit"},
		{"limit too large", "GET", "/api/patients?limit=501", "", nil, 400, "", "limit"},
		{"limit not a number", "GET", "/api/appointments?limit=ten", "", nil, 400, "", "limit"},
		{"bad cursor", "GET", "/api/patients?cursor=garbage!", "", nil, 400, "", "cursor"},
		{"bad appointment filter", "GET", "/api/appointments?status=lost&from=yesterday&patient_id=x", "", nil, 400, "status", ""},
		// appointments
		{"appointment without patient", "POST", "/api/appointments", `{"doctor_name":"Dr. Grey","appointment_datetime":"2031-01-01T10:00"}`, nil, 400, "patient_id", "required"},
		{"appointment for unknown patient", "POST", "/api/appointments", `{"patient_id":999999,"doctor_name":"Dr. Grey","appointment_datetime":"2031-01-01T10:00"}`, nil, 400, "patient_id", "no patient"},
		{"appointment patient_id as string", "POST", "/api/appointments", `{"patient_id":"1","doctor_name":"Dr. Grey","appointment_datetime":"2031-01-01T10:00"}`, nil, 400, "patient_id", "whole number"},
		{"appointment patient_id huge", "POST", "/api/appointments", `{"patient_id":1e30,"doctor_name":"Dr. Grey","appointment_datetime":"2031-01-01T10:00"}`, nil, 400, "patient_id", ""},
		{"appointment without doctor", "POST", "/api/appointments", `{"patient_id":{P},"appointment_datetime":"2031-01-01T10:00"}`, nil, 400, "doctor_name", ""},
		{"appointment in the past", "POST", "/api/appointments", `{"patient_id":{P},"doctor_name":"Dr. Grey","appointment_datetime":"2020-01-01T10:00"}`, nil, 400, "appointment_datetime", "past"},
		{"appointment time unreadable", "POST", "/api/appointments", `{"patient_id":{P},"doctor_name":"Dr. Grey","appointment_datetime":"next tuesday"}`, nil, 400, "appointment_datetime", ""},
		{"appointment on Feb 30", "POST", "/api/appointments", `{"patient_id":{P},"doctor_name":"Dr. Grey","appointment_datetime":"2031-02-30T10:00"}`, nil, 400, "appointment_datetime", ""},
		{"new appointment already completed", "POST", "/api/appointments", `{"patient_id":{P},"doctor_name":"Dr. Grey","appointment_datetime":"2031-01-01T10:00","status":"completed"}`, nil, 400, "status", ""},
		{"unknown appointment", "GET", "/api/appointments/999999", "", nil, 404, "", "not found"},
		{"update appointment status invalid", "PUT", "/api/appointments/{A}", `{"status":"teleported"}`, nil, 400, "status", "must be one of"},
		{"move appointment into the past", "PUT", "/api/appointments/{A}", `{"appointment_datetime":"2001-01-01T10:00:00Z"}`, nil, 400, "appointment_datetime", "past"},
		{"move appointment to another patient", "PUT", "/api/appointments/{A}", `{"patient_id":1}`, nil, 400, "patient_id", ""},
		{"update unknown appointment", "PUT", "/api/appointments/999999", `{"notes":"x"}`, nil, 404, "", ""},
		{"delete unknown appointment", "DELETE", "/api/appointments/999999", "", nil, 404, "", ""},
		// medical records
		{"record without diagnosis", "POST", "/api/records", `{"patient_id":{P},"doctor_name":"Dr. Grey"}`, nil, 400, "diagnosis", ""},
		{"record without doctor", "POST", "/api/records", `{"patient_id":{P},"diagnosis":"Flu"}`, nil, 400, "doctor_name", ""},
		{"record for unknown patient", "POST", "/api/records", `{"patient_id":999999,"diagnosis":"Flu","doctor_name":"Dr. Grey"}`, nil, 400, "patient_id", "no patient"},
		{"record dated in the future", "POST", "/api/records", `{"patient_id":{P},"diagnosis":"Flu","doctor_name":"Dr. Grey","record_date":"` + tomorrow + `"}`, nil, 400, "record_date", "future"},
		{"record with impossible date", "POST", "/api/records", `{"patient_id":{P},"diagnosis":"Flu","doctor_name":"Dr. Grey","record_date":"2024-13-01"}`, nil, 400, "record_date", ""},
		{"unknown record", "GET", "/api/records/999999", "", nil, 404, "", "not found"},
		{"delete unknown record", "DELETE", "/api/records/999999", "", nil, 404, "", ""},
		// routing
		{"unknown API route", "GET", "/api/doctors-lounge", "", nil, 404, "", "no API endpoint"},
		{"unknown nested API route", "POST", "/api/patients/1/pets", `{}`, nil, 404, "", ""},
	}
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		before := c.totalRows()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				res := c.do(tc.method, fx.expand(tc.path), fx.expand(tc.body), tc.headers...)
				if res.status != tc.status {
					t.Fatalf("status %d, want %d\n%s", res.status, tc.status, res.raw)
				}
				if res.body["success"] != false {
					t.Errorf("success = %v, want false", res.body["success"])
				}
				msg, _ := res.body["error"].(string)
				if msg == "" || !strings.Contains(msg, tc.errorHas) {
					t.Errorf("error %q does not say %q", msg, tc.errorHas)
				}
				if tc.field != "" && errorField(res.body, tc.field) == "" {
					t.Errorf("fields does not name %q: %s", tc.field, res.raw)
				}
				if after := c.totalRows(); after != before {
					t.Errorf("a rejected request changed the row count from %d to %d", before, after)
				}
			})
		}
		// The rejected updates left the patient as it was.
		c.t = t
		p := c.must(200, "GET", fx.expand("/api/patients/{P}"), "")
		if field(p, "name") != "Grace Hopper" || field(p, "email") != "grace@example.org" || field(p, "blood_group") != nil {
			t.Errorf("rejected updates changed the patient: %v", p["data"])
		}
	})
}

func TestMethodNotAllowed(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		for path, allow := range map[string]string{
			"/api/patients":      "GET, HEAD, POST",
			"/api/patients/1":    "DELETE, GET, HEAD, PUT",
			"/api/records":       "POST",
			"/api/appointments/": "",
			"/health":            "GET, HEAD",
		} {
			res := c.do("PATCH", path, `{}`)
			if allow == "" {
				if res.status != 404 {
					t.Errorf("PATCH %s: status %d, want 404", path, res.status)
				}
				continue
			}
			if res.status != 405 || res.header.Get("Allow") != allow || res.body["success"] != false {
				t.Errorf("PATCH %s: status %d, Allow %q, body %s; want 405 with Allow %q", path, res.status, res.header.Get("Allow"), res.raw, allow)
			}
		}
	})
}

func TestPatientLifecycle(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		created := c.must(201, "POST", "/api/patients",
			`{"name":"  Ada Lovelace ","email":"Ada@Example.COM","date_of_birth":"1915-12-10","phone":"+44 20 7946 0000","address":"12 St James's Square\nLondon","blood_group":"ab-"}`)
		p := created["data"].(map[string]any)
		want := map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "date_of_birth": "1915-12-10",
			"phone": "+44 20 7946 0000", "address": "12 St James's Square\nLondon", "blood_group": "AB-"}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("created %s = %v, want %v", k, p[k], v)
			}
		}
		pid := id(p)
		path := fmt.Sprintf("/api/patients/%d", pid)
		got := c.must(200, "GET", path, "")
		if got["success"] != true || field(got, "email") != "ada@example.com" {
			t.Fatalf("GET: %v", got)
		}
		createdAt, _ := time.Parse(time.RFC3339Nano, p["created_at"].(string))

		time.Sleep(5 * time.Millisecond) // updated_at has microsecond resolution
		upd := c.must(200, "PUT", path, `{"phone":null,"name":"Augusta Ada King"}`)
		if field(upd, "name") != "Augusta Ada King" || field(upd, "phone") != nil || field(upd, "email") != "ada@example.com" || field(upd, "blood_group") != "AB-" {
			t.Errorf("PUT changed the wrong fields: %v", upd["data"])
		}
		updatedAt, _ := time.Parse(time.RFC3339Nano, field(upd, "updated_at").(string))
		if !updatedAt.After(createdAt) || field(upd, "created_at") != p["created_at"] {
			t.Errorf("updated_at %v should move past created_at %v, which stays", updatedAt, createdAt)
		}
		// The same email (any case) on the same patient is not a conflict.
		c.must(200, "PUT", path, `{"email":"ADA@example.com"}`)

		// Delete deactivates: the patient, their appointments and records answer 404 as
		// they did after the original API's delete, but nothing is erased.
		appt := c.createAppointment(pid, "Dr. Grey", "2031-03-04T10:00")
		rec := c.createRecord(pid, "Analytical fatigue")
		other := c.createPatient("Charles Babbage", "charles@example.org")
		otherAppt := c.createAppointment(other, "Dr. Grey", "2031-03-05T10:00")
		del := c.must(200, "DELETE", path, "")
		if del["success"] != true || del["message"] == "" {
			t.Errorf("DELETE body: %v", del)
		}
		c.must(404, "GET", path, "")
		c.must(404, "GET", fmt.Sprintf("/api/appointments/%d", appt), "")
		c.must(404, "GET", fmt.Sprintf("/api/records/%d", rec), "")
		c.must(404, "DELETE", path, "")
		c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", otherAppt), "")
		if n := c.count("appointment") + c.count("medical_record"); n != 3 {
			t.Errorf("after delete %d appointments and records remain, want all 3 kept", n)
		}
	})
}

func TestAppointmentLifecycle(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ny, _ := time.LoadLocation("America/New_York")
		c := newClient(t, st, ny)
		pid := c.createPatient("Grace Hopper", "grace@example.org")

		// A local time is read in the clinic's zone and stored in UTC.
		a := c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":"2031-01-15T09:00","reason":"check-up"}`, pid))
		if field(a, "appointment_datetime") != "2031-01-15T14:00:00Z" || field(a, "status") != "scheduled" || field(a, "patient_name") != "Grace Hopper" {
			t.Errorf("created appointment: %v", a["data"])
		}
		// RFC 3339 with an offset is accepted too.
		b := c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Yang","appointment_datetime":"2031-01-16T09:30:00+02:00"}`, pid))
		if field(b, "appointment_datetime") != "2031-01-16T07:30:00Z" || field(b, "reason") != nil {
			t.Errorf("RFC 3339 appointment: %v", b["data"])
		}
		path := fmt.Sprintf("/api/appointments/%d", id(a["data"]))
		got := c.must(200, "GET", path, "")
		if field(got, "doctor_name") != "Dr. Grey" {
			t.Errorf("GET: %v", got)
		}
		// A scheduled appointment can be moved; the status then follows the lifecycle.
		moved := c.must(200, "PUT", path, `{"appointment_datetime":"2031-02-01T08:15:00Z","notes":"All well"}`)
		if field(moved, "appointment_datetime") != "2031-02-01T08:15:00Z" || field(moved, "notes") != "All well" {
			t.Errorf("moved: %v", moved["data"])
		}
		c.must(200, "PUT", path, `{"status":"checked_in"}`)
		c.must(200, "PUT", path, `{"status":"in_progress"}`)
		upd := c.must(200, "PUT", path, `{"status":"completed"}`)
		if field(upd, "status") != "completed" || field(upd, "notes") != "All well" || field(upd, "reason") != "check-up" {
			t.Errorf("PUT: %v", upd["data"])
		}
		// A visit that happened cannot be cancelled, and stays as it is.
		if res := c.do("DELETE", path, ""); res.status != 409 || res.body["current_status"] != "completed" {
			t.Errorf("DELETE of a completed appointment: %d %s", res.status, res.raw)
		}
		if got := c.must(200, "GET", path, ""); field(got, "status") != "completed" {
			t.Errorf("after the refused DELETE: %v", got["data"])
		}
	})
}

func TestRecords(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		pid := c.createPatient("Grace Hopper", "grace@example.org")
		r := c.must(201, "POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Hypertension","doctor_name":"Dr. Grey"}`, pid))
		if field(r, "record_date") != time.Now().UTC().Format("2006-01-02") || field(r, "prescription") != nil {
			t.Errorf("record_date should default to today: %v", r["data"])
		}
		older := c.must(201, "POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Asthma","doctor_name":"Dr. Yang","prescription":"Salbutamol","record_date":"2020-02-29","notes":"mild"}`, pid))
		if field(older, "record_date") != "2020-02-29" || field(older, "prescription") != "Salbutamol" {
			t.Errorf("dated record: %v", older["data"])
		}
		list := c.must(200, "GET", fmt.Sprintf("/api/patients/%d/records", pid), "")
		data := list["data"].([]any)
		if list["count"] != float64(2) || len(data) != 2 || list["patient"].(map[string]any)["name"] != "Grace Hopper" {
			t.Fatalf("records list: %v", list)
		}
		if data[0].(map[string]any)["diagnosis"] != "Hypertension" {
			t.Errorf("records should be newest first: %v", data)
		}
		path := fmt.Sprintf("/api/records/%d", id(r["data"]))
		if got := c.must(200, "GET", path, ""); field(got, "diagnosis") != "Hypertension" {
			t.Errorf("GET record: %v", got)
		}
		c.must(200, "DELETE", path, "")
		c.must(404, "GET", path, "")
		if n := c.must(200, "GET", fmt.Sprintf("/api/patients/%d/records", pid), "")["count"]; n != float64(1) {
			t.Errorf("after delete, count = %v", n)
		}
		// A patient with no records has an empty list, not null.
		empty := c.must(200, "GET", fmt.Sprintf("/api/patients/%d/records", c.createPatient("New Patient", "new@example.org")), "")
		if d, ok := empty["data"].([]any); !ok || len(d) != 0 {
			t.Errorf("empty records: %v", empty["data"])
		}
	})
}

// TestRecordsPages: limit or cursor turn the records of a patient into pages that walk the
// list once, newest first; without them the answer is the original API's.
func TestRecordsPages(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		pid := c.createPatient("Grace Hopper", "grace@example.org")
		for _, day := range []string{"2020-02-29", "2021-05-01", "2021-05-01", "2019-01-01", "2024-12-24"} {
			c.must(201, "POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Asthma","doctor_name":"Dr. Yang","record_date":%q}`, pid, day))
		}
		path := fmt.Sprintf("/api/patients/%d/records", pid)
		all := c.must(200, "GET", path, "")
		if _, ok := all["next_cursor"]; ok {
			t.Errorf("the unpaged answer has next_cursor: %v", all)
		}
		if _, ok := all["limit"]; ok {
			t.Errorf("the unpaged answer has limit: %v", all)
		}
		var want []int64
		for _, d := range all["data"].([]any) {
			want = append(want, id(d))
		}
		for _, limit := range []int{1, 2, 5, 500} {
			ids, sizes := pageThrough(c, fmt.Sprintf("%s?limit=%d", path, limit))
			if fmt.Sprint(ids) != fmt.Sprint(want) {
				t.Errorf("pages of %d (%v): %v, want %v", limit, sizes, ids, want)
			}
		}
		first := c.must(200, "GET", path+"?limit=2", "")
		if first["limit"] != float64(2) || first["next_cursor"] == nil || first["patient"].(map[string]any)["name"] != "Grace Hopper" {
			t.Errorf("first page: %v", first)
		}
		last := c.must(200, "GET", path+"?limit=5", "")
		if v, ok := last["next_cursor"]; !ok || v != nil {
			t.Errorf("a page that holds the rest has next_cursor %v, want null", v)
		}
		for _, q := range []string{"?limit=0", "?limit=501", "?limit=x", "?cursor=nonsense", "?limit=2&cursor=MQ"} {
			c.must(400, "GET", path+q, "")
		}
	})
}

// pageThrough follows next_cursor from path and returns every id seen and the page sizes.
func pageThrough(c *client, path string) (ids []int64, sizes []int) {
	c.t.Helper()
	next := path
	for i := 0; i < 100; i++ {
		body := c.must(200, "GET", next, "")
		data := body["data"].([]any)
		if body["count"] != float64(len(data)) {
			c.t.Fatalf("count %v but %d items", body["count"], len(data))
		}
		sizes = append(sizes, len(data))
		for _, d := range data {
			ids = append(ids, id(d))
		}
		cur, _ := body["next_cursor"].(string)
		if cur == "" {
			return ids, sizes
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = path + sep + "cursor=" + cur
	}
	c.t.Fatal("pagination did not end")
	return nil, nil
}

func TestListsPaginateSearchAndFilter(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		names := []string{"Maria Garcia", "mario rossi", "Ann Marie Lee", "John Smith", "Li Wei", "Fatima Zahra", "Jean-Luc Marais"}
		var all []int64
		for i, n := range names {
			body := fmt.Sprintf(`{"name":%q,"email":"p%d@clinic.test","date_of_birth":"1970-01-0%d","phone":"555-01%02d"}`, n, i, i+1, i)
			all = append(all, id(c.must(201, "POST", "/api/patients", body)["data"]))
		}
		// No parameters: the original envelope, with total and no next page.
		plain := c.must(200, "GET", "/api/patients", "")
		if plain["success"] != true || plain["count"] != float64(7) || plain["total"] != float64(7) || plain["next_cursor"] != nil {
			t.Errorf("plain list: count %v total %v next %v", plain["count"], plain["total"], plain["next_cursor"])
		}
		ids, sizes := pageThrough(c, "/api/patients?limit=3")
		if fmt.Sprint(sizes) != "[3 3 1]" || fmt.Sprint(ids) != fmt.Sprint(all) {
			t.Errorf("pages %v ids %v, want [3 3 1] and %v", sizes, ids, all)
		}
		first := c.must(200, "GET", "/api/patients?limit=3", "")
		if first["total"] != float64(7) || first["limit"] != float64(3) {
			t.Errorf("first page total %v limit %v", first["total"], first["limit"])
		}
		for q, want := range map[string]int{
			"mari":        3, // Maria, mario (case-insensitive) and Ann Marie, not Marais
			"MARIO":       1,
			"p5@clinic":   1, // email
			"555-0103":    1, // phone
			"nobody":      0,
			"%":           0, // LIKE wildcards are literal
			"_":           0,
			"clinic.test": 7,
		} {
			got, _ := pageThrough(c, "/api/patients?limit=2&q="+urlQuery(q))
			if len(got) != want {
				t.Errorf("q=%q matched %d patients, want %d", q, len(got), want)
			}
			body := c.must(200, "GET", "/api/patients?limit=2&q="+urlQuery(q), "")
			if body["total"] != float64(want) {
				t.Errorf("q=%q total %v, want %d", q, body["total"], want)
			}
		}

		// Appointments: filters and pagination in time order.
		p1, p2 := all[0], all[1]
		a1 := c.createAppointment(p1, "Dr. Grey", "2031-03-01T09:00")
		a2 := c.createAppointment(p2, "Dr. House", "2031-03-01T09:00") // same time, so the id breaks the tie
		a3 := c.createAppointment(p1, "Dr. Yang", "2031-03-02T09:00")
		a4 := c.createAppointment(p2, "dr. yang", "2031-02-28T16:00")
		c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", a3), `{"status":"cancelled"}`)
		for query, want := range map[string][]int64{
			"":                                        {a4, a1, a2, a3},
			"patient_id=" + fmt.Sprint(p1):            {a1, a3},
			"doctor_name=DR.%20YANG":                  {a4, a3},
			"status=cancelled":                        {a3},
			"from=2031-03-01":                         {a1, a2, a3},
			"to=2031-03-01":                           {a4, a1, a2},
			"from=2031-03-01&to=2031-03-01":           {a1, a2},
			"from=2031-03-01T09:00:01Z":               {a3},
			"doctor_name=Dr.%20Grey&status=scheduled": {a1},
		} {
			got, _ := pageThrough(c, "/api/appointments?limit=1&"+query)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("appointments?%s = %v, want %v", query, got, want)
			}
		}
	})
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", "@", "%40", "+", "%2B", "_", "_").Replace(s)
}

// TestConcurrentDuplicateEmail: of many simultaneous creates with one email, exactly one wins.
func TestConcurrentDuplicateEmail(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		const n = 20
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses[i] = c.do("POST", "/api/patients", fmt.Sprintf(`{"name":"Twin %d","email":"same@example.org","date_of_birth":"2000-01-01"}`, i)).status
			}(i)
		}
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		if counts[201] != 1 || counts[409] != n-1 {
			t.Errorf("statuses %v, want one 201 and %d 409", counts, n-1)
		}
		if got := c.count("patient"); got != 1 {
			t.Errorf("%d patients stored, want 1", got)
		}
	})
}
