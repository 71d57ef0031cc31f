package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// hostileBodies are request bodies that no endpoint may accept: malformed, oversized,
// wrong-typed, nested, with NUL bytes, invalid UTF-8 or huge numbers.
var hostileBodies = map[string]string{
	"not JSON":             `hello`,
	"truncated":            `{"name":"Ann`,
	"array":                `[1,2,3]`,
	"string":               `"just a string"`,
	"number":               `12345`,
	"null":                 `null`,
	"deep nesting":         strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
	"unknown fields":       `{"__proto__":{"admin":true},"constructor":{"prototype":{}}}`,
	"NUL everywhere":       "{\"name\":\"a\x00b\",\"email\":\"\x00\",\"diagnosis\":\"\x00\"}",
	"invalid UTF-8":        "{\"name\":\"\xff\xfe\xfd\",\"email\":\"\xc3\x28@x.org\"}",
	"huge number":          `{"patient_id":1e999999}`,
	"overflowing integer":  `{"patient_id":92233720368547758070}`,
	"negative id":          `{"patient_id":-1}`,
	"fractional id":        `{"patient_id":1.5}`,
	"id as injection":      `{"patient_id":"1 OR 1=1"}`,
	"object where string":  `{"name":{"$gt":""},"email":["a@b.co"],"diagnosis":{"x":1},"password":{"a":1}}`,
	"boolean where string": `{"name":true,"email":false,"role":true,"refresh_token":true}`,
	"two objects":          `{} {}`,
	"stray bracket after":  `{"name":"Ann Lee","email":"ann.lee@example.org","date_of_birth":"1990-01-02"}]`,
	"BOM prefix":           "\ufeff{}",
	"over 1 MiB":           `{"name":"` + strings.Repeat("A", 1<<20+10) + `"}`,
	"empty object":         `{}`,
}

// writeRoutes are the endpoints that take a body, with a placeholder id where needed.
var writeRoutes = []struct{ method, path string }{
	{"POST", "/api/patients"}, {"PUT", "/api/patients/{P}"},
	{"POST", "/api/appointments"}, {"PUT", "/api/appointments/{A}"},
	{"POST", "/api/records"},
	{"POST", "/api/users"}, {"PUT", "/api/users/{U}"},
	{"POST", "/api/auth/login"}, {"POST", "/api/auth/refresh"}, {"POST", "/api/auth/logout"}, {"POST", "/api/auth/password"},
}

// TestHostileInput sends every hostile body to every endpoint that takes one, and hostile
// paths and queries to the others: each gets a 4xx with a JSON error and nothing is written.
func TestHostileInput(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		staffID := c.as("staff").user
		expand := func(s string) string {
			return strings.ReplaceAll(fx.expand(s), "{U}", fmt.Sprint(staffID))
		}
		state := func() string {
			return fmt.Sprint(c.count("patient"), c.count("appointment"), c.count("medical_record"), c.count("app_user"),
				c.count("auth_session"), c.count("app_user WHERE active"))
		}
		before := state()
		check := func(t *testing.T, res response) {
			t.Helper()
			if res.status < 400 || res.status >= 500 || res.body["success"] != false || res.body["error"] == "" {
				t.Errorf("status %d, want a 4xx JSON error: %.300s", res.status, res.raw)
			}
			if now := state(); now != before {
				t.Errorf("a hostile request changed the data: %s -> %s", before, now)
			}
		}
		for _, rt := range writeRoutes {
			for name, body := range hostileBodies {
				t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
					c.t = t
					check(t, c.do(rt.method, expand(rt.path), body))
				})
			}
		}
		for _, path := range []string{
			"/api/patients/1%27%20OR%201=1", "/api/patients/%00", "/api/patients/1e3", "/api/patients/0x10",
			"/api/patients/99999999999999999999999", "/api/records/-0", "/api/appointments/%E2%80%AE1",
			"/api/patients?limit=1e9", "/api/patients?limit=-1", "/api/patients?q=" + strings.Repeat("x", 101),
			"/api/patients?cursor=%27%3B%20DROP%20TABLE%20patient%3B--", "/api/appointments?patient_id=1%20OR%201=1",
			"/api/appointments?from=2030-02-30", "/api/appointments?status=%3Cscript%3E", "/api/audit?user_id=-5",
			"/api/audit?patient_id=1e400", "/api/users/abc",
			// A number has one spelling in a query as in a path.
			"/api/patients?limit=%2B5", "/api/patients?limit=05",
			"/api/doctors/1/availability?date=2030-01-07&duration_minutes=%2B30",
			"/api/doctors/1/availability?date=2030-01-07&duration_minutes=030",
		} {
			t.Run("GET "+path, func(t *testing.T) {
				c.t = t
				check(t, c.do("GET", path, ""))
			})
		}
		c.t = t
		// Hostile text that is valid is stored and returned as inert text, byte for byte.
		for _, text := range []string{
			`<script>alert("x")</script>`, `Robert'); DROP TABLE patient;--`, "\u202eevil\u202c Name", "Zoë 👩‍⚕️ 山田",
			`{{7*7}} ${jndi:ldap://x} %s%n`, "tab\there",
		} {
			body := fmt.Sprintf(`{"patient_id":%d,"diagnosis":%q,"doctor_name":"Dr. Grey"}`, fx.patient, text)
			res := c.do("POST", "/api/records", body)
			if text == "tab\there" {
				if res.status != 201 {
					t.Errorf("multi-line text with a tab: %d", res.status)
				}
				continue
			}
			if res.status != 201 || field(res.body, "diagnosis") != text {
				t.Errorf("%q: %d %s", text, res.status, res.raw)
			}
			if strings.Contains(res.raw, "<script>") {
				t.Errorf("a script tag reached the JSON unescaped: %s", res.raw)
			}
			got := c.must(200, "GET", fmt.Sprintf("/api/records/%d", id(res.body["data"])), "")
			if field(got, "diagnosis") != text || !strings.HasPrefix(c.do("GET", "/api/patients", "").header.Get("Content-Type"), "application/json") {
				t.Errorf("%q came back as %v", text, field(got, "diagnosis"))
			}
		}
		if c.count("patient") != 2 {
			t.Error("the patient table lost rows")
		}
	})
}

// fingerprint changes when a row of patient data, of scheduling or of users is added,
// removed or changed, to prove that a refused request wrote nothing.
func (c *client) fingerprint() string {
	c.t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT count(*), COALESCE(SUM(version), 0) FROM patient",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM patient WHERE active",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM appointment",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM medical_record",
		"SELECT count(*), 0 FROM medical_record_version",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM doctor",
		"SELECT count(*), COALESCE(SUM(token_version), 0) FROM app_user",
		"SELECT count(*), 0 FROM app_user WHERE active",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM visit",
		"SELECT count(*), 0 FROM visit_addendum",
		"SELECT count(*), 0 FROM vital_sign",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM allergy",
		"SELECT count(*), COALESCE(SUM(version), 0) FROM problem",
		"SELECT count(*), 0 FROM medication_stop",
	} {
		var n, sum int64
		if err := c.st.DB().QueryRow(q).Scan(&n, &sum); err != nil {
			c.t.Fatalf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprint(n, "/", sum))
	}
	return strings.Join(out, " ")
}

// refusal is what a 400 said: the message, and the fields (JSON API) or expressions (FHIR).
func refusal(res response) (msg string, names []string) {
	if res.body["resourceType"] == "OperationOutcome" {
		issues, _ := res.body["issue"].([]any)
		for _, is := range issues {
			m, _ := is.(map[string]any)
			d, _ := m["diagnostics"].(string)
			msg += d
			ex, _ := m["expression"].([]any)
			for _, e := range ex {
				s, _ := e.(string)
				names = append(names, s)
			}
		}
		return msg, names
	}
	msg, _ = res.body["error"].(string)
	f, _ := res.body["fields"].(map[string]any)
	for k := range f {
		names = append(names, k)
	}
	return msg, names
}

// TestCanonicalPathIDs calls every route of the table that has an {id} with "+N", " N"
// and "0N" for an id N that exists: the JSON API answers 400 and writes nothing. Under
// /fhir, where an id is a string, "0N" names no resource (404) and the others are no FHIR
// id at all (400), each an OperationOutcome.
func TestCanonicalPathIDs(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		c.must(200, "PUT", fmt.Sprintf("/api/patients/%d", fx.patient), `{"blood_group":"O+"}`)
		doctors := c.must(200, "GET", "/api/doctors", "")["data"].([]any)
		doctor := id(doctors[0])
		user := c.as("staff").user
		c.must(200, "PUT", fmt.Sprintf("/api/appointments/%d", fx.appointment), `{"status":"checked_in"}`)
		visit := id(c.must(200, "GET", fmt.Sprintf("/api/patients/%d/visits", fx.patient), "")["data"].([]any)[0])
		allergy := id(c.must(201, "POST", fmt.Sprintf("/api/patients/%d/allergies", fx.patient), `{"substance":"Latex"}`)["data"])
		problem := id(c.must(201, "POST", fmt.Sprintf("/api/patients/%d/problems", fx.patient), `{"description":"Asthma"}`)["data"])
		idOf := map[string]int64{
			"/api/patients/": fx.patient, "/api/appointments/": fx.appointment, "/api/records/": fx.record,
			"/api/users/": user, "/api/doctors/": doctor, "/api/notifications/": 1, // that id is refused before any is read
			"/api/visits/": visit, "/api/allergies/": allergy, "/api/problems/": problem, "/api/medications/": fx.record,
			"/fhir/Patient/": fx.patient, "/fhir/Observation/": fx.patient, "/fhir/Appointment/": fx.appointment,
			"/fhir/Practitioner/": doctor, "/fhir/Condition/": fx.record, "/fhir/MedicationRequest/": fx.record,
			"/fhir/Encounter/": visit, "/fhir/AllergyIntolerance/": allergy,
			"/api/auth/sessions/": 1, // a session's id is 32 hex digits: no form of a number is one
		}
		bodies := map[string]string{
			"/api/patients/": `{"name":"Changed Name"}`, "/api/appointments/": `{"notes":"changed"}`,
			"/api/records/": `{"diagnosis":"Changed"}`, "/api/users/": `{"name":"Changed"}`, "/api/doctors/": `{"specialty":"Changed"}`,
			"/api/visits/": `{"plan":"Changed"}`, "/api/allergies/": `{"reaction":"Changed"}`, "/api/problems/": `{"description":"Changed"}`,
			"/api/medications/": `{"reason":"Changed"}`,
		}
		before := c.fingerprint()
		tested := 0
		for _, rt := range httpapi.RouteTable() {
			prefix, _, ok := strings.Cut(rt.Pattern, "{id}")
			if !ok {
				continue
			}
			n, ok := idOf[prefix]
			if !ok {
				t.Fatalf("no id for %s", rt.Pattern)
			}
			tested++
			for _, bad := range []string{"+%d", "%%20%d", "0%d"} {
				raw := fmt.Sprintf(bad, n)
				idPart := raw
				if prefix == "/fhir/Observation/" {
					idPart = "blood-group-" + raw
				}
				path := strings.Replace(rt.Pattern, "{id}", idPart, 1)
				if strings.HasSuffix(path, "/purge") {
					path += "?confirm=true"
				}
				t.Run(rt.Method+" "+path, func(t *testing.T) {
					c.t = t
					body := ""
					if rt.Method == "PUT" || rt.Method == "POST" {
						body = bodies[prefix]
					}
					res := c.do(rt.Method, path, body)
					msg, _ := refusal(res)
					switch {
					case !strings.HasPrefix(path, "/fhir/"):
						if res.status != 400 || !strings.Contains(msg, "id in the path") {
							t.Errorf("status %d, want 400 about the id: %.300s", res.status, res.raw)
						}
					case strings.HasPrefix(raw, "0"):
						if res.status != 404 || !strings.Contains(res.raw, `"code":"not-found"`) {
							t.Errorf("status %d, want a 404 OperationOutcome: %.300s", res.status, res.raw)
						}
					default:
						if res.status != 400 || !strings.Contains(res.raw, `"code":"invalid"`) || !strings.Contains(msg, "not a FHIR id") {
							t.Errorf("status %d, want a 400 OperationOutcome: %.300s", res.status, res.raw)
						}
					}
				})
			}
		}
		c.t = t
		if tested < 20 {
			t.Fatalf("only %d routes with an {id}", tested)
		}
		if after := c.fingerprint(); after != before {
			t.Errorf("a request with a non-canonical id changed the data: %s -> %s", before, after)
		}
		// The one spelling still reaches the resource, and query ids follow the same rule.
		c.must(200, "GET", fmt.Sprintf("/api/patients/%d", fx.patient), "")
		c.must(200, "GET", fmt.Sprintf("/fhir/Observation/blood-group-%d", fx.patient), "")
		for _, path := range []string{"/api/appointments?patient_id=+1", "/api/appointments?doctor_id=01", "/api/audit?patient_id=%201"} {
			if res := c.do("GET", path, ""); res.status != 400 {
				t.Errorf("%s: %d %.200s", path, res.status, res.raw)
			}
		}
		if res := c.do("GET", fmt.Sprintf("/fhir/Appointment?patient=0%d", fx.patient), ""); res.status != 400 {
			t.Errorf("a FHIR reference with a leading zero: %d %.200s", res.status, res.raw)
		}
		if res := c.do("GET", fmt.Sprintf("/fhir/Patient?_id=0%d", fx.patient), ""); res.status != 200 || res.body["total"] != float64(0) {
			t.Errorf("_id=0%d matched: %d %.200s", fx.patient, res.status, res.raw)
		}
	})
}

// TestHostileQueryStrings sends the query strings of issue 11 and their kin: control
// characters, malformed encodings, values over the length bound, too many values for one
// parameter or in all. Each is a 400 that names the parameter (an OperationOutcome under
// /fhir), on both databases; the query strings at the bounds are served.
func TestHostileQueryStrings(t *testing.T) {
	ids := func(from, to int) string {
		var s []string
		for i := from; i <= to; i++ {
			s = append(s, fmt.Sprint(i))
		}
		return strings.Join(s, ",")
	}
	repeat := func(param, value string, n int) string {
		return strings.TrimSuffix(strings.Repeat(param+"="+value+"&", n), "&")
	}
	refused := []struct {
		name, path string
		param      string // the parameter the answer must name; "" when the query as a whole is at fault
		says       string // a phrase the message must hold
	}{
		{"NUL in q", "/api/patients?q=%00", "q", "control characters"},
		{"NUL inside q", "/api/patients?q=Gr%00ace", "q", "control characters"},
		{"line break in q", "/api/patients?q=a%0Ab", "q", "control characters"},
		{"DEL in q", "/api/patients?q=a%7Fb", "q", "control characters"},
		{"C1 control in q", "/api/patients?q=a%C2%85b", "q", "control characters"},
		{"invalid UTF-8 in q", "/api/patients?q=%FF%FE", "q", "UTF-8"},
		{"NUL in a cursor", "/api/patients?cursor=%00", "cursor", "control characters"},
		{"NUL in doctor_name", "/api/appointments?doctor_name=%00", "doctor_name", "control characters"},
		{"NUL in an audit action", "/api/audit?action=%00", "action", "control characters"},
		{"NUL in a parameter name", "/api/patients?q%00=1", "", "control characters"},
		{"invalid escape", "/api/patients?q=%zz", "", "malformed"},
		{"semicolon separator", "/api/patients?q=a;limit=5", "", "malformed"},
		{"a key over the bound", "/api/patients?" + strings.Repeat("k", 1001) + "=1", "", "at most 1000 characters"},
		{"q of 1,001 characters", "/api/patients?q=" + strings.Repeat("x", 1001), "q", "at most 1000 characters"},
		{"NUL in a FHIR name", "/fhir/Patient?name=%00", "name", "control characters"},
		{"NUL in a FHIR cursor", "/fhir/Patient?_cursor=%00", "_cursor", "control characters"},
		{"NUL in a Practitioner name", "/fhir/Practitioner?name=a%00", "name", "control characters"},
		{"FHIR name of 60,000 characters", "/fhir/Patient?name=" + strings.Repeat("a", 60000), "name", "at most 1000 characters"},
		{"FHIR family of 1,001 characters", "/fhir/Patient?family=" + strings.Repeat("é", 1001), "family", "at most 1000 characters"},
		{"40,000 _id values", "/fhir/Patient?_id=" + ids(1, 40000), "_id", "at most 1000 characters"},
		{"101 _id values", "/fhir/Patient?_id=" + strings.TrimSuffix(strings.Repeat("1,", 101), ","), "_id", "at most 100 values"},
		{"101 _id values over two parameters", "/fhir/Patient?_id=" + ids(1, 50) + "&_id=" + ids(51, 101), "_id", "at most 100 values"},
		{"101 statuses", "/fhir/Appointment?status=" + strings.TrimSuffix(strings.Repeat("booked,", 101), ","), "status", "at most 100 values"},
		{"3,000 name parameters", "/fhir/Patient?" + repeat("name", "a", 3000), "", "at most 200"},
		{"101 name parameters", "/fhir/Patient?" + repeat("name", "a", 101), "name", "given 101 times"},
		{"101 given parameters", "/fhir/Practitioner?" + repeat("name", "a", 101), "name", "given 101 times"},
		{"201 parameters in all", "/fhir/Patient?" + repeat("name", "a", 100) + "&" + repeat("family", "a", 100) + "&given=a", "", "at most 200"},
		{"3,000 q parameters", "/api/patients?" + repeat("q", "a", 3000), "", "at most 200"},
	}
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		before := c.fingerprint()
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				res := c.do("GET", tc.path, "")
				msg, names := refusal(res)
				if res.status != 400 || !strings.Contains(msg, tc.says) {
					t.Fatalf("status %d, want 400 saying %q: %.300s", res.status, tc.says, res.raw)
				}
				if tc.param != "" && (!strings.Contains(msg, fmt.Sprintf("%q", tc.param)) && !strings.Contains(msg, tc.param+" ")) {
					t.Errorf("the message does not name %s: %s", tc.param, msg)
				}
				if tc.param != "" && strings.HasPrefix(tc.path, "/api/") && !slices.Contains(names, tc.param) {
					t.Errorf("fields %v do not name %s", names, tc.param)
				}
				if strings.HasPrefix(tc.path, "/fhir/") && (res.body["resourceType"] != "OperationOutcome" || !strings.Contains(res.raw, `"code":"invalid"`)) {
					t.Errorf("not an OperationOutcome of code invalid: %.300s", res.raw)
				}
			})
		}
		c.t = t
		if after := c.fingerprint(); after != before {
			t.Errorf("a refused query changed the data: %s -> %s", before, after)
		}
		// At the bounds, the same searches are served: the SQL they make stays within what
		// both databases take.
		long := strings.Repeat("ö", 1000)
		for _, path := range []string{
			"/api/patients?q=" + strings.Repeat("x", 100),
			"/api/patients?q=Grace%20Hopper",
			fmt.Sprintf("/fhir/Patient?_id=%s", strings.TrimSuffix(strings.Repeat(fmt.Sprint(fx.patient)+",", 100), ",")),
			"/fhir/Patient?_id=" + ids(1, 50) + "&_id=" + ids(51, 100),
			"/fhir/Patient?" + repeat("name", long, 100) + "&" + repeat("family", long, 100),
			"/fhir/Practitioner?" + repeat("name", long, 100),
			"/fhir/Appointment?status=" + strings.TrimSuffix(strings.Repeat("booked,", 100), ","),
		} {
			if res := c.do("GET", path, ""); res.status != 200 {
				t.Errorf("GET %.80s…: %d %.300s", path, res.status, res.raw)
			}
		}
		if res := c.do("GET", "/fhir/Patient?_id="+ids(1, 100), ""); res.status != 200 || res.body["total"] != float64(2) {
			t.Errorf("100 ids: %d %.300s", res.status, res.raw)
		}
	})
}

// TestStrictJSONKeys sends bodies whose keys encoding/json alone would accept: a key in
// another case (it folds case), a key given twice (it keeps the last), at the top and
// nested in working_hours, spelled plainly or with escapes. Each is a 400 naming the key
// and writes nothing, on both databases.
func TestStrictJSONKeys(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		fx := setup(c)
		doctor := id(c.must(200, "GET", "/api/doctors", "")["data"].([]any)[0])
		staff := c.as("staff")
		valid := `"email":"ann@example.org","date_of_birth":"1990-01-02"`
		hours := func(day string) string { return `"` + day + `":[{"start":"09:00","end":"12:00"}]` }
		cases := []struct {
			name, method, path, body string
			key, says                string // the key the answer names, and how
		}{
			{"key in capitals", "POST", "/api/patients", `{"NAME":"Ann Lee",` + valid + `}`, "NAME", "case-sensitive"},
			{"key in title case beside the right one", "POST", "/api/patients", `{"name":"Ann Lee","Name":"Bob",` + valid + `}`, "Name", "unknown field"},
			{"escaped key in another case", "PUT", "/api/patients/{P}", `{"n\u0041me":"Bob"}`, "nAme", "unknown field"},
			{"key given twice, null first", "PUT", "/api/patients/{P}", `{"phone":null,"phone":"555-0199"}`, "phone", "more than once"},
			{"key given twice, null last", "PUT", "/api/patients/{P}", `{"phone":"555-0199","phone":null}`, "phone", "more than once"},
			{"key given twice, once escaped", "PUT", "/api/patients/{P}", `{"name":"Ann","\u006eame":"Bob"}`, "name", "more than once"},
			{"appointment patient twice", "POST", "/api/appointments",
				fmt.Sprintf(`{"patient_id":%d,"patient_id":%d,"doctor_name":"Dr. Grey","appointment_datetime":"2031-05-05T10:00"}`, fx.patient, fx.patient), "patient_id", "more than once"},
			{"record diagnosis in another case", "POST", "/api/records",
				fmt.Sprintf(`{"patient_id":%d,"diagnosis":"Flu","doctor_name":"Dr. Grey","Diagnosis":"Cold"}`, fx.patient), "Diagnosis", "case-sensitive"},
			{"role twice", "PUT", "/api/users/{U}", `{"role":"staff","role":"admin"}`, "role", "more than once"},
			{"weekday twice", "POST", "/api/doctors", `{"name":"Dr. New",` + `"working_hours":{` + hours("mon") + `,` + hours("mon") + `}}`, "working_hours.mon", "more than once"},
			{"interval key in capitals", "POST", "/api/doctors", `{"name":"Dr. New","working_hours":{"mon":[{"START":"09:00","end":"12:00"}]}}`, "working_hours.mon[0].START", "case-sensitive"},
			{"interval key twice", "PUT", "/api/doctors/{D}", `{"working_hours":{"tue":[{"start":"09:00","end":"12:00"},{"start":"13:00","end":"15:00","end":"17:00"}]}}`, "working_hours.tue[1].end", "more than once"},
			{"unknown interval key", "POST", "/api/doctors", `{"name":"Dr. New","working_hours":{"mon":[{"start":"09:00","end":"12:00","break":"10:00"}]}}`, "working_hours.mon[0].break", "unknown field"},
			{"working_hours twice", "PUT", "/api/doctors/{D}", `{"working_hours":{` + hours("mon") + `},"working_hours":null}`, "working_hours", "more than once"},
			{"password twice", "POST", "/api/auth/password", `{"current_password":"` + testPassword + `","new_password":"Zebra-Lantern-Quartz-77","new_password":"x"}`, "new_password", "more than once"},
		}
		before := c.fingerprint()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c.t, staff.t = t, t
				path := strings.NewReplacer("{U}", fmt.Sprint(staff.user), "{D}", fmt.Sprint(doctor)).Replace(fx.expand(tc.path))
				res := c.do(tc.method, path, tc.body)
				msg, names := refusal(res)
				if res.status != 400 || !strings.Contains(msg, fmt.Sprintf("%q", tc.key)) || !strings.Contains(msg, tc.says) {
					t.Fatalf("status %d, want 400 naming %q (%s): %.300s", res.status, tc.key, tc.says, res.raw)
				}
				if !slices.Contains(names, tc.key) {
					t.Errorf("fields %v do not name %s", names, tc.key)
				}
			})
		}
		c.t = t
		if after := c.fingerprint(); after != before {
			t.Errorf("a refused body changed the data: %s -> %s", before, after)
		}
		// The exact keys are accepted, nested ones included.
		c.must(200, "PUT", fmt.Sprintf("/api/doctors/%d", doctor), `{"working_hours":{`+hours("mon")+`,`+hours("tue")+`}}`)
		c.must(200, "PUT", fx.expand("/api/patients/{P}"), `{"phone":"555-0199"}`)
	})
}

// TestFHIRBundleBodyLimit: POST /fhir reads Bundles up to 32 MiB, other bodies 1 MiB.
func TestFHIRBundleBodyLimit(t *testing.T) {
	bundle := func(size int) string {
		head := `{"resourceType":"Bundle","type":"transaction","entry":[` +
			`{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"LB-1"}],"name":[{"family":"Large","given":["Bundle"]}],"birthDate":"1970-01-01","gender":"female"},"request":{"method":"POST","url":"Patient"}},` +
			`{"resource":{"resourceType":"Organization","name":"`
		tail := `"},"request":{"method":"POST","url":"Organization"}}]}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		res := c.do("POST", "/fhir", bundle(2<<20), "Content-Type", "application/fhir+json")
		if res.status != 200 || res.body["type"] != "transaction-response" {
			t.Fatalf("a 2 MiB Bundle: %d %.300s", res.status, res.raw)
		}
		if n := c.count("patient"); n != 1 {
			t.Errorf("the 2 MiB Bundle wrote %d patients, want 1", n)
		}
		res = c.do("POST", "/fhir", bundle(32<<20+1), "Content-Type", "application/fhir+json")
		if msg, _ := refusal(res); res.status != 413 || !strings.Contains(msg, "32 MiB") {
			t.Errorf("a Bundle over 32 MiB: %d %.300s", res.status, res.raw)
		}
		res = c.do("POST", "/api/patients", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`)
		if msg, _ := refusal(res); res.status != 413 || !strings.Contains(msg, "1 MiB") {
			t.Errorf("a patient over 1 MiB: %d %.300s", res.status, res.raw)
		}
		if n := c.count("patient"); n != 1 {
			t.Errorf("%d patients after the refused bodies, want 1", n)
		}
	})
}
