package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// quoted is v as a JSON string.
func quoted(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestNoDateWedgesTheServer: a PUT to 9999-12-31T23:59:59Z once answered 500 after
// committing an end in year 10000, and every list failed from then on. An appointment may
// start from now to five years ahead; anything else is a 400 and changes nothing.
func TestNoDateWedgesTheServer(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		now := c.clock.now().UTC()
		pid := c.createPatient("Ann", "ann@example.org")
		aid := c.createAppointment(pid, "Dr. Grey", now.Add(24*time.Hour).Format(time.RFC3339))
		path := fmt.Sprintf("/api/appointments/%d", aid)
		before := c.must(200, "GET", path, "")["data"]
		for _, v := range []string{
			"9999-12-31T23:59:59Z", "9999-12-31T23:59", "9999-12-31T23:59:59-05:00",
			now.AddDate(domain.BookingYears, 0, 0).Add(time.Hour).Format(time.RFC3339),
			now.Add(-time.Hour).Format(time.RFC3339), "0001-01-01T00:00:00Z",
		} {
			for _, req := range []struct{ method, path, body string }{
				{"PUT", path, `{"appointment_datetime":` + quoted(v) + `}`},
				{"POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Yang","appointment_datetime":%s}`, pid, quoted(v))},
			} {
				res := c.do(req.method, req.path, req.body)
				if res.status != 400 || errorField(res.body, "appointment_datetime") == "" {
					t.Errorf("%s %s: %d %s, want 400 naming appointment_datetime", req.method, v, res.status, res.raw)
				}
			}
		}
		if got := c.must(200, "GET", path, "")["data"]; fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("the refused changes changed the appointment: %v, was %v", got, before)
		}
		// Every read still answers, and the appointment can still be cancelled.
		if n := c.must(200, "GET", "/api/appointments", "")["count"]; n != float64(1) {
			t.Errorf("the list holds %v appointments", n)
		}
		c.fhir(200, "GET", "/fhir/Appointment", "")
		// The far edge of the booking window is accepted, and reads back as it went in.
		edge := now.AddDate(domain.BookingYears, 0, 0).Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
		moved := c.must(200, "PUT", path, `{"appointment_datetime":`+quoted(edge)+`}`)
		if field(moved, "appointment_datetime") != edge || field(c.must(200, "GET", path, ""), "appointment_datetime") != edge {
			t.Errorf("moved to %v, want %s", field(moved, "appointment_datetime"), edge)
		}
		c.as(domain.RoleStaff).must(200, "DELETE", path, "")
	})
}

// TestDatesInBodiesAreExact: a date or time is taken exactly as written, never trimmed,
// and from 1900 (births and records) to today; the refusal names the field and nothing is
// written.
func TestDatesInBodiesAreExact(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		pid := c.createPatient("Ann", "ann@example.org")
		tomorrow := c.clock.now().Add(24 * time.Hour).UTC()
		when := tomorrow.Format("2006-01-02T15:04")
		cases := []struct {
			method, path, field, body string
		}{
			{"POST", "/api/patients", "date_of_birth", `{"name":"Bo","email":"bo@example.org","date_of_birth":"1990-01-01\n"}`},
			{"POST", "/api/patients", "date_of_birth", `{"name":"Bo","email":"bo@example.org","date_of_birth":" 1990-01-01"}`},
			{"POST", "/api/patients", "date_of_birth", `{"name":"Bo","email":"bo@example.org","date_of_birth":"1899-12-31"}`},
			{"PUT", fmt.Sprintf("/api/patients/%d", pid), "date_of_birth", `{"date_of_birth":"1990-01-01\t"}`},
			{"POST", "/api/records", "record_date", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Flu","doctor_name":"Dr. Grey","record_date":"2020-01-01\n"}`, pid)},
			{"POST", "/api/records", "record_date", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Flu","doctor_name":"Dr. Grey","record_date":"1899-12-31"}`, pid)},
			{"POST", "/api/records", "record_date", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Flu","doctor_name":"Dr. Grey","record_date":%q}`, pid, tomorrow.Add(24*time.Hour).Format("2006-01-02"))},
			{"POST", "/api/appointments", "appointment_datetime", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":%s}`, pid, quoted(when+"\n"))},
			{"POST", "/api/appointments", "appointment_datetime", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":%s}`, pid, quoted(" "+when))},
			{"POST", "/api/appointments", "appointment_datetime", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":%s}`, pid, quoted(when+":00.250Z"))},
		}
		for _, tc := range cases {
			rows := c.totalRows()
			res := c.do(tc.method, tc.path, tc.body)
			if res.status != 400 || errorField(res.body, tc.field) == "" {
				t.Errorf("%s %s %s: %d %s, want 400 naming %s", tc.method, tc.path, tc.body, res.status, res.raw, tc.field)
			}
			if c.totalRows() != rows {
				t.Errorf("%s %s: a refused request wrote", tc.method, tc.body)
			}
		}
		if v := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d", pid), ""), "version"); v != float64(1) {
			t.Errorf("the patient changed: version %v", v)
		}
		// An import meets the same rules.
		bundle := func(birth, recorded string) string {
			return `{"resourceType":"Bundle","type":"transaction","entry":[` +
				`{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"value":"EXT-1"}],"name":[{"text":"Cy"}],"birthDate":` + quoted(birth) + `}},` +
				`{"resource":{"resourceType":"Condition","code":{"text":"Flu"},"subject":{"reference":"urn:uuid:p1"},"recordedDate":` + quoted(recorded) + `}}]}`
		}
		for _, b := range [][2]string{{"1990-01-01\n", "2020-01-01"}, {"1899-12-31", "2020-01-01"}, {"1990-01-01", "1899-12-31"},
			{"1990-01-01", "2020-01-01junk"}, {"1990-01-01", "2020-01-01\n"}} {
			rows := c.totalRows()
			c.fhir(400, "POST", "/fhir", bundle(b[0], b[1]))
			if c.totalRows() != rows {
				t.Errorf("import of %q: a refused bundle wrote", b)
			}
		}
		c.fhir(200, "POST", "/fhir", bundle("1990-01-01", "2020-01-01T10:00:00+01:00"))
	})
}

// TestSearchDatesAreBounded: the dates and times that bound a search lie from 1900 to 9999,
// and the last day of 9999, which ends in year 10000, still finds what lies before it.
func TestSearchDatesAreBounded(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ny, _ := time.LoadLocation("America/New_York")
		c := newClient(t, st, ny)
		pid := c.createPatient("Ann", "ann@example.org")
		c.createAppointment(pid, "Dr. Grey", c.clock.now().Add(24*time.Hour).UTC().Format(time.RFC3339))
		for _, q := range []string{"to=9999-12-31", "from=1900-01-01&to=9999-12-31", "to=9999-12-31T23:59:59Z"} {
			if n := c.must(200, "GET", "/api/appointments?"+q, "")["count"]; n != float64(1) {
				t.Errorf("?%s found %v appointments, want 1", q, n)
			}
			if n := c.must(200, "GET", "/api/audit?"+q, "")["count"]; n == float64(0) {
				t.Errorf("audit ?%s found nothing", q)
			}
		}
		for _, q := range []string{"from=1899-12-31", "to=0001-01-01", "to=9999-12-31T23:00:00-05:00", "from=0000-01-01T00:00:00Z"} {
			for _, path := range []string{"/api/appointments?", "/api/audit?"} {
				res := c.do("GET", path+q, "")
				name, _, _ := strings.Cut(q, "=")
				if res.status != 400 || errorField(res.body, name) == "" {
					t.Errorf("%s%s: %d %s, want 400 naming %s", path, q, res.status, res.raw, name)
				}
			}
		}
		// A cursor holds a start time too: one that no store keeps is not a cursor.
		for _, secs := range []string{"253402300800", "-62135596801", "9223372036854775807"} {
			cursor := base64.RawURLEncoding.EncodeToString([]byte(secs + ".1"))
			if res := c.do("GET", "/api/appointments?cursor="+cursor, ""); res.status != 400 {
				t.Errorf("a cursor at %s s: %d %s", secs, res.status, res.raw)
			}
		}
		if b := c.fhir(200, "GET", "/fhir/Appointment?date=le9999-12-31", ""); b["total"] != float64(1) {
			t.Errorf("FHIR date=le9999-12-31: total %v", b["total"])
		}
		if b := c.fhir(200, "GET", "/fhir/Patient?birthdate=le9999", ""); b["total"] != float64(1) {
			t.Errorf("FHIR birthdate=le9999: total %v", b["total"])
		}
		c.fhir(400, "GET", "/fhir/Appointment?date=ge1899-12-31", "")
		c.fhir(400, "GET", "/fhir/Patient?birthdate=0001", "")
		// Availability on a day past the booking window has no slots: none could be booked.
		d := id(c.must(201, "POST", "/api/doctors", `{"name":"Dr. Late","working_hours":{"fri":[{"start":"20:00","end":"23:30"}]}}`)["data"])
		slots := c.must(200, "GET", fmt.Sprintf("/api/doctors/%d/availability?date=9999-12-31", d), "")
		if s := field(slots, "slots").([]any); len(s) != 0 {
			t.Errorf("slots on 9999-12-31: %v", s)
		}
		c.must(400, "GET", fmt.Sprintf("/api/doctors/%d/availability?date=1899-12-31", d), "")
	})
}

// TestAcceptedTimesRoundTrip is a property: any appointment time that the API accepts
// reads back exactly as the instant written (in UTC), from the create answer and from a
// read; anything else is a 400 that writes nothing, never a 500. The same holds for dates
// of birth and record dates, which read back as written. Times are drawn from a seeded
// generator over every four-digit year, every offset and each accepted layout, with the
// edges of each range added.
func TestAcceptedTimesRoundTrip(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		berlin, _ := time.LoadLocation("Europe/Berlin")
		c := newClient(t, st, berlin)
		now := c.clock.now()
		rng := rand.New(rand.NewPCG(11, uint64(len(st.Dialect()))))
		pid := c.createPatient("Ann", "ann@example.org")
		times := []string{"9999-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z",
			domain.LatestStart(now).Add(-time.Minute).UTC().Format(time.RFC3339), domain.LatestStart(now).Add(time.Minute).UTC().Format(time.RFC3339)}
		for range 120 {
			times = append(times, randomTime(rng, now, berlin))
		}
		for _, v := range times {
			checkTimeRoundTrip(t, c, pid, v, berlin)
		}
		dates := []string{"1900-01-01", "1899-12-31", "9999-12-31", "0001-01-01", now.In(berlin).Format("2006-01-02")}
		for range 40 {
			dates = append(dates, randomDate(rng, now))
		}
		for i, d := range dates {
			checkDateRoundTrip(t, c, pid, i, d)
		}
	})
}

// randomTime draws an appointment time as a client might write it: mostly around the
// booking window, sometimes anywhere in years 1 to 9999, in each accepted layout.
func randomTime(rng *rand.Rand, now time.Time, loc *time.Location) string {
	var at time.Time
	switch rng.IntN(3) {
	case 0: // anywhere
		at = time.Date(1+rng.IntN(9999), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, time.UTC)
	default: // from a year before now to a year past the window
		span := int64(domain.LatestStart(now).AddDate(1, 0, 0).Sub(now.AddDate(-1, 0, 0)) / time.Second)
		at = now.AddDate(-1, 0, 0).Add(time.Duration(rng.Int64N(span)) * time.Second).Truncate(time.Second)
	}
	switch rng.IntN(5) {
	case 0:
		return at.UTC().Format(time.RFC3339)
	case 1: // any offset from -14:00 to +14:00, in quarters of an hour
		zone := time.FixedZone("", (rng.IntN(113)-56)*15*60)
		return at.In(zone).Format(time.RFC3339)
	case 2:
		return at.In(loc).Format("2006-01-02T15:04")
	case 3:
		return at.In(loc).Format("2006-01-02 15:04:05")
	default:
		return at.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
}

// randomDate draws a calendar date from year 1 to two years ahead.
func randomDate(rng *rand.Rand, now time.Time) string {
	if rng.IntN(2) == 0 {
		return time.Date(1+rng.IntN(now.Year()+1), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	return now.AddDate(0, 0, rng.IntN(365*130)-365*128).Format("2006-01-02")
}

// checkTimeRoundTrip books patient pid at v and checks the property of TestAcceptedTimesRoundTrip.
func checkTimeRoundTrip(t *testing.T, c *client, pid int64, v string, loc *time.Location) {
	t.Helper()
	rows := c.count("appointment")
	res := c.do("POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":%s}`, pid, quoted(v)))
	switch {
	case res.status == 201:
		want, ok := domain.ParseDateTime(v, loc)
		got := field(res.body, "appointment_datetime")
		if !ok || got != want.Format(time.RFC3339) {
			t.Errorf("%q was booked as %v, want %s", v, got, want.Format(time.RFC3339))
		}
		path := fmt.Sprintf("/api/appointments/%d", id(res.body["data"]))
		if read := field(c.must(200, "GET", path, ""), "appointment_datetime"); read != got {
			t.Errorf("%q reads back as %v, was booked as %v", v, read, got)
		}
		c.must(200, "GET", "/api/appointments?patient_id="+fmt.Sprint(pid), "")
		c.must(200, "DELETE", path, "") // cancelled: the slot is free for the next
	case res.status == 400 && errorField(res.body, "appointment_datetime") != "":
		if c.count("appointment") != rows {
			t.Errorf("%q was refused but written", v)
		}
	case res.status == 409:
		// A random time may meet an earlier one's slot: a conflict is an answer, not a failure.
	default:
		t.Errorf("%q: %d %s", v, res.status, res.raw)
	}
}

// checkDateRoundTrip creates a patient born on d and a record dated d (the i-th such).
func checkDateRoundTrip(t *testing.T, c *client, pid int64, i int, d string) {
	t.Helper()
	res := c.do("POST", "/api/patients", fmt.Sprintf(`{"name":"Born %d","email":"born%d@example.org","date_of_birth":%q}`, i, i, d))
	switch {
	case res.status == 201:
		path := fmt.Sprintf("/api/patients/%d", id(res.body["data"]))
		if got, read := field(res.body, "date_of_birth"), field(c.must(200, "GET", path, ""), "date_of_birth"); got != d || read != d {
			t.Errorf("born %q: created as %v, reads back as %v", d, got, read)
		}
	case res.status != 400 || errorField(res.body, "date_of_birth") == "":
		t.Errorf("born %q: %d %s", d, res.status, res.raw)
	}
	res = c.do("POST", "/api/records", fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Flu","doctor_name":"Dr. Grey","record_date":%q}`, pid, d))
	switch {
	case res.status == 201:
		path := fmt.Sprintf("/api/records/%d", id(res.body["data"]))
		if got, read := field(res.body, "record_date"), field(c.must(200, "GET", path, ""), "record_date"); got != d || read != d {
			t.Errorf("record of %q: created as %v, reads back as %v", d, got, read)
		}
	case res.status != 400 || errorField(res.body, "record_date") == "":
		t.Errorf("record of %q: %d %s", d, res.status, res.raw)
	}
}

// FuzzAppointmentTimeRoundTrip books an appointment at any string on SQLite: whatever the
// API accepts reads back exactly, and everything else is a 400 that writes nothing (see
// checkTimeRoundTrip). Its seed corpus is in testdata/fuzz/FuzzAppointmentTimeRoundTrip.
func FuzzAppointmentTimeRoundTrip(f *testing.F) {
	st := testutil.OpenStore(f, "sqlite")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f.Add(time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339))
	var (
		once sync.Once
		base *client
		pid  int64
	)
	f.Fuzz(func(t *testing.T, when string) {
		once.Do(func() {
			base = newClient(t, st, berlin)
			pid = base.createPatient("Ann", "ann@example.org")
		})
		c := *base
		c.t = t
		checkTimeRoundTrip(t, &c, pid, when, berlin)
	})
}
