package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// sharedBundle reads one of the shared FHIR R4 test bundles.
func sharedBundle(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.SharedData(t, "fhir-r4"), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fhirDo sends a FHIR request and decodes the body.
func (c *client) fhir(want int, method, path, body string) map[string]any {
	c.t.Helper()
	res := c.do(method, path, body, "Content-Type", "application/fhir+json")
	if res.status != want {
		c.t.Fatalf("%s %s: status %d, want %d\n%.2000s", method, path, res.status, want, res.raw)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		c.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	return res.body
}

// responseCounts counts the statuses of a transaction-response Bundle.
func responseCounts(t *testing.T, b map[string]any) (created, updated, skipped int) {
	t.Helper()
	for _, e := range b["entry"].([]any) {
		r := e.(map[string]any)["response"].(map[string]any)
		switch {
		case r["status"] == "201 Created":
			created++
		case r["outcome"] != nil:
			skipped++
		default:
			updated++
		}
	}
	return
}

// TestFHIRImportSharedBundles imports each shared bundle with exact counts, imports it again
// to prove that nothing is duplicated, and reads the data back through FHIR.
func TestFHIRImportSharedBundles(t *testing.T) {
	bundles := []struct {
		file              string
		created, skipped  int
		conditions, meds  int
		mrnOfPatientEntry string
		chart             chartCounts
	}{
		{"uscore_bundle_patient_85.json", 92, 175, 13, 13, "d831ec91-c7a3-4a61-9312-7ff0c4a32134", chartCounts{60, 3, 0, 0}},
		{"uscore_bundle_patient_client_test.json", 15, 39, 2, 1, "us-core-client-tests-patient", chartCounts{1, 8, 1, 1}},
		{"uscore_bundle_patient_907.json", 1, 2, 0, 0, "a24eb240-9ea3-4fa5-b12d-b798587879d7", chartCounts{}}, // its encounter has no start
		{"uscore_bundle_patient_908.json", 1, 2, 0, 0, "ffe659c3-5f25-4d75-bd20-fa0956583710", chartCounts{}},
	}
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		for _, b := range bundles {
			raw := sharedBundle(t, b.file)
			resp := c.fhir(200, "POST", "/fhir", raw)
			if resp["type"] != "transaction-response" {
				t.Fatalf("%s: response type %v", b.file, resp["type"])
			}
			created, updated, skipped := responseCounts(t, resp)
			if created != b.created || updated != 0 || skipped != b.skipped {
				t.Fatalf("%s: created %d, updated %d, skipped %d; want %d, 0, %d", b.file, created, updated, skipped, b.created, b.skipped)
			}
			before := c.totalRows()
			again := c.fhir(200, "POST", "/fhir", raw)
			created, updated, skipped = responseCounts(t, again)
			if created != 0 || updated != b.created || skipped != b.skipped || c.totalRows() != before {
				t.Fatalf("%s re-imported: created %d, updated %d, skipped %d, rows %d → %d", b.file, created, updated, skipped, before, c.totalRows())
			}
			pid := checkRoundTrip(t, c, raw, b.mrnOfPatientEntry, b.conditions, b.meds)
			checkChart(t, c, pid, b.chart)
		}
		if n := c.count("patient"); n != len(bundles) {
			t.Fatalf("%d patients after importing %d bundles twice", n, len(bundles))
		}
		// Conditions and vital signs that name their encounter belong to its visit.
		if c.count("medical_record WHERE visit_id IS NOT NULL") == 0 || c.count("vital_sign WHERE visit_id IS NOT NULL") == 0 {
			t.Error("imported conditions and vital signs are not linked to their encounters' visits")
		}
	})
}

// checkRoundTrip finds the bundle's patient by identifier, name and birth date, and compares
// the name, birth date, identifier and conditions that FHIR returns with the bundle's.
func checkRoundTrip(t *testing.T, c *client, raw, mrn string, conditions, meds int) string {
	t.Helper()
	var in struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		t.Fatal(err)
	}
	var patient map[string]any
	var wantConditions []string
	for _, e := range in.Entry {
		switch e.Resource["resourceType"] {
		case "Patient":
			patient = e.Resource
		case "Condition":
			wantConditions = append(wantConditions, e.Resource["code"].(map[string]any)["text"].(string))
		}
	}
	name := patient["name"].([]any)[0].(map[string]any)
	family, birth := name["family"].(string), patient["birthDate"].(string)
	found := c.fhir(200, "GET", "/fhir/Patient?"+url.Values{"family": {family}, "birthdate": {birth}}.Encode(), "")
	if found["total"] != 1.0 {
		t.Fatalf("search by family %s and birthdate %s: total %v", family, birth, found["total"])
	}
	byID := c.fhir(200, "GET", "/fhir/Patient?identifier="+url.QueryEscape(mrn), "")
	if byID["total"] != 1.0 {
		t.Fatalf("search by identifier %s: total %v", mrn, byID["total"])
	}
	id := byID["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	got := c.fhir(200, "GET", "/fhir/Patient/"+id, "")
	gotName := got["name"].([]any)[0].(map[string]any)
	if gotName["family"] != family || fmt.Sprint(gotName["given"]) != fmt.Sprint(name["given"]) || got["birthDate"] != birth {
		t.Fatalf("round trip: name %v %v born %v, want %v %v born %v", gotName["given"], gotName["family"], got["birthDate"], name["given"], family, birth)
	}
	if got["gender"] != patient["gender"] {
		t.Fatalf("round trip: gender %v, want %v", got["gender"], patient["gender"])
	}
	ident := got["identifier"].([]any)[0].(map[string]any)
	if ident["value"] != mrn || ident["type"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] != "MR" {
		t.Fatalf("round trip: identifier %v, want MR %s", ident, mrn)
	}
	// Page through the conditions two at a time.
	var gotConditions []string
	next := "/fhir/Condition?patient=" + id + "&_count=2"
	for pages := 0; next != ""; pages++ {
		if pages > conditions {
			t.Fatal("paging through conditions does not end")
		}
		page := c.fhir(200, "GET", next, "")
		if page["total"] != float64(conditions) {
			t.Fatalf("conditions total %v, want %d", page["total"], conditions)
		}
		entries, _ := page["entry"].([]any)
		for _, e := range entries {
			gotConditions = append(gotConditions, e.(map[string]any)["resource"].(map[string]any)["code"].(map[string]any)["text"].(string))
		}
		next = ""
		for _, l := range page["link"].([]any) {
			if l.(map[string]any)["relation"] == "next" {
				u, _ := url.Parse(l.(map[string]any)["url"].(string))
				next = u.RequestURI()
			}
		}
	}
	slices.Sort(gotConditions)
	slices.Sort(wantConditions)
	if !slices.Equal(gotConditions, wantConditions) {
		t.Fatalf("conditions %v, want %v", gotConditions, wantConditions)
	}
	if m := c.fhir(200, "GET", "/fhir/MedicationRequest?patient=Patient/"+id, ""); m["total"] != float64(meds) {
		t.Fatalf("medication requests: total %v, want %d", m["total"], meds)
	}
	return id
}

// chartCounts is how many encounters, vital signs, allergies and problems a bundle's
// patient has.
type chartCounts struct{ encounters, vitals, allergies, problems int }

// checkChart compares what FHIR serves of a patient's chart with want, and validates the
// shapes HMS promises: vital signs with LOINC and UCUM, blood pressure as a panel.
func checkChart(t *testing.T, c *client, pid string, want chartCounts) {
	t.Helper()
	for search, n := range map[string]int{
		"/fhir/Encounter?patient=" + pid:                                 want.encounters,
		"/fhir/Encounter?status=finished&patient=" + pid:                 want.encounters,
		"/fhir/Observation?category=vital-signs&patient=" + pid:          want.vitals,
		"/fhir/AllergyIntolerance?patient=" + pid:                        want.allergies,
		"/fhir/Condition?category=problem-list-item&patient=" + pid:      want.problems,
		"/fhir/Condition?clinical-status=active,resolved&patient=" + pid: want.problems,
	} {
		if got := c.fhir(200, "GET", search, ""); got["total"] != float64(n) {
			t.Errorf("%s: total %v, want %d", search, got["total"], n)
		}
	}
	vitals := c.fhir(200, "GET", "/fhir/Observation?category=vital-signs&_count=500&patient="+pid, "")
	entries, _ := vitals["entry"].([]any)
	for _, e := range entries {
		o := e.(map[string]any)["resource"].(map[string]any)
		code := o["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		if code["system"] != "http://loinc.org" {
			t.Errorf("vital sign %v: code %v is not LOINC", o["id"], code)
		}
		quantities := []any{o["valueQuantity"]}
		if code["code"] == "85354-9" {
			comps := o["component"].([]any)
			if len(comps) != 2 || o["valueQuantity"] != nil {
				t.Errorf("blood pressure %v is not a panel of two components", o["id"])
			}
			quantities = []any{comps[0].(map[string]any)["valueQuantity"], comps[1].(map[string]any)["valueQuantity"]}
		}
		for _, q := range quantities {
			if q, ok := q.(map[string]any); !ok || q["system"] != "http://unitsofmeasure.org" || q["code"] == "" || q["value"] == nil {
				t.Errorf("vital sign %v: valueQuantity %v is not UCUM", o["id"], q)
			}
		}
		read := c.fhir(200, "GET", "/fhir/Observation/"+o["id"].(string), "")
		if read["id"] != o["id"] {
			t.Errorf("read %v: %v", o["id"], read)
		}
	}
}

// TestFHIRBrokenTransactionWritesNothing makes one entry of a real bundle invalid: the whole
// transaction is refused with an OperationOutcome naming that entry, and nothing is written.
func TestFHIRBrokenTransactionWritesNothing(t *testing.T) {
	raw := sharedBundle(t, "uscore_bundle_patient_client_test.json")
	var b map[string]any
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatal(err)
	}
	broken := -1
	for i, e := range b["entry"].([]any) {
		res := e.(map[string]any)["resource"].(map[string]any)
		if res["resourceType"] == "Condition" && broken < 0 {
			delete(res, "code") // a condition with no diagnosis
			broken = i
		}
	}
	body, _ := json.Marshal(b)
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		out := c.fhir(400, "POST", "/fhir", string(body))
		if out["resourceType"] != "OperationOutcome" {
			t.Fatalf("not an OperationOutcome: %v", out)
		}
		text := fmt.Sprint(out["issue"])
		if !strings.Contains(text, fmt.Sprintf("entry %d ", broken)) || !strings.Contains(text, fmt.Sprintf("Bundle.entry[%d]", broken)) {
			t.Fatalf("the outcome does not name entry %d: %s", broken, text)
		}
		if n := c.totalRows(); n != 0 {
			t.Fatalf("a refused transaction wrote %d rows", n)
		}
		// As a batch, the other entries are imported and the broken one is reported.
		b["type"] = "batch"
		batch, _ := json.Marshal(b)
		resp := c.fhir(200, "POST", "/fhir", string(batch))
		status := resp["entry"].([]any)[broken].(map[string]any)["response"].(map[string]any)["status"]
		if resp["type"] != "batch-response" || status != "400 Bad Request" || c.count("patient") != 1 || c.count("medical_record")+c.count("problem") != 2 {
			t.Fatalf("batch: type %v, broken entry %v, %d patients, %d records", resp["type"], status, c.count("patient"), c.count("medical_record"))
		}
	})
}

// TestFHIRReadAndSearch reads and searches what HMS's own API created.
func TestFHIRReadAndSearch(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		f := setup(c)
		c.must(200, "PUT", f.expand("/api/patients/{P}"), `{"blood_group":"AB-","address":"1 Main St"}`)
		c.createAppointment(f.patient, "Dr. Grey", "2031-03-05T10:00")
		c.createAppointment(f.patient, "Dr. Grey", "2031-04-01T10:00")
		c.must(200, "PUT", f.expand("/api/appointments/{A}"), `{"status":"checked_in"}`)
		c.must(200, "PUT", f.expand("/api/appointments/{A}"), `{"status":"in_progress"}`)

		p := c.fhir(200, "GET", f.expand("/fhir/Patient/{P}"), "")
		rest := c.must(200, "GET", f.expand("/api/patients/{P}"), "")
		mrn := field(rest, "mrn").(string)
		if !strings.HasPrefix(mrn, "HMS-") || p["identifier"].([]any)[0].(map[string]any)["value"] != mrn {
			t.Fatalf("MRN %q, FHIR identifier %v", mrn, p["identifier"])
		}
		if p["meta"].(map[string]any)["lastUpdated"] == nil {
			t.Fatal("no meta.lastUpdated")
		}
		// meta.versionId is the version that the REST ETag carries.
		etag := c.do("GET", f.expand("/api/patients/{P}"), "").header.Get("ETag")
		if want := `"` + p["meta"].(map[string]any)["versionId"].(string) + `"`; etag != want {
			t.Fatalf("ETag %s, versionId %s", etag, want)
		}
		doctors := c.fhir(200, "GET", "/fhir/Practitioner?name=grey", "")
		doc := doctors["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
		if doctors["total"] != 1.0 || doc["name"].([]any)[0].(map[string]any)["family"] != "Grey" {
			t.Fatalf("practitioners named grey: %v", doctors)
		}
		c.fhir(200, "GET", "/fhir/Practitioner/"+doc["id"].(string), "")
		obs := c.fhir(200, "GET", f.expand("/fhir/Observation/blood-group-{P}"), "")
		if obs["valueCodeableConcept"].(map[string]any)["text"] != "AB-" {
			t.Fatalf("blood group observation: %v", obs)
		}
		a := c.fhir(200, "GET", f.expand("/fhir/Appointment/{A}"), "")
		if a["status"] != "arrived" || a["end"] == nil {
			t.Fatalf("appointment in progress: status %v, end %v", a["status"], a["end"])
		}
		c.fhir(200, "GET", f.expand("/fhir/Condition/{R}"), "")
		c.fhir(200, "GET", f.expand("/fhir/MedicationRequest/{R}"), "")

		totals := []struct {
			path  string
			total float64
		}{
			{"/fhir/Patient", 2},
			{"/fhir/Patient?name=grace", 1},
			{"/fhir/Patient?given=GRACE&family=hopper", 1},
			{"/fhir/Patient?birthdate=1980-05-17", 2},
			{"/fhir/Patient?birthdate=1980", 2},
			{"/fhir/Patient?birthdate=ge1980-05-18", 0},
			{"/fhir/Patient?birthdate=le1980-05-17&birthdate=gt1979", 2},
			{"/fhir/Patient?birthdate=lt1980-05-17", 0},
			{"/fhir/Patient?identifier=" + mrn, 1},
			{"/fhir/Patient?identifier=urn:hms:mrn|" + mrn, 1},
			{"/fhir/Patient?email=GRACE@example.org", 1},
			{"/fhir/Patient?phone=0100", 2},
			{f.expand("/fhir/Patient?_id={P}"), 1},
			{"/fhir/Patient?_id=abc", 0},
			{f.expand("/fhir/Observation?patient={P}"), 1},
			{"/fhir/Observation?code=http://loinc.org|882-1", 1},
			{"/fhir/Observation?code=8867-4", 0},
			{f.expand("/fhir/Appointment?patient=Patient/{P}"), 3},
			{"/fhir/Appointment?status=booked", 2},
			{"/fhir/Appointment?practitioner=Practitioner/1", 3},
			{"/fhir/Practitioner", 1},
			{"/fhir/Practitioner?name=nobody", 0},
			{"/fhir/Appointment?status=arrived,fulfilled", 1},
			{"/fhir/Appointment?status=noshow", 0},
			{"/fhir/Appointment?date=2031-03-04", 1},
			{"/fhir/Appointment?date=ge2031-03-05&date=le2031-03", 1},
			{"/fhir/Appointment?date=gt2031-03-04T10:00:00Z", 2},
			{"/fhir/Appointment?date=2031", 3},
			{f.expand("/fhir/Condition?patient={P}"), 1},
			{f.expand("/fhir/MedicationRequest?patient={P}"), 1},
			{"/fhir/Condition?patient=999999", 0},
		}
		for _, tc := range totals {
			b := c.fhir(200, "GET", tc.path, "")
			if b["resourceType"] != "Bundle" || b["type"] != "searchset" || b["total"] != tc.total {
				t.Errorf("%s: total %v, want %v", tc.path, b["total"], tc.total)
			}
			if entries, _ := b["entry"].([]any); float64(len(entries)) != tc.total {
				t.Errorf("%s: %d entries, want %v", tc.path, len(entries), tc.total)
			}
		}
		// Paging: one patient a page, two pages, the next link carries the search on.
		first := c.fhir(200, "GET", "/fhir/Patient?birthdate=1980-05-17&_count=1", "")
		links := first["link"].([]any)
		if len(links) != 2 || !strings.Contains(links[1].(map[string]any)["url"].(string), "birthdate=1980-05-17") {
			t.Fatalf("first page links: %v", links)
		}
		u, _ := url.Parse(links[1].(map[string]any)["url"].(string))
		second := c.fhir(200, "GET", u.RequestURI(), "")
		if len(second["link"].([]any)) != 1 || len(second["entry"].([]any)) != 1 {
			t.Fatalf("second page: %v", second)
		}
	})
}

// TestFHIRErrors checks that every failure is an OperationOutcome with the right status.
func TestFHIRErrors(t *testing.T) {
	st := testutil.OpenStore(t, "sqlite")
	c := newClient(t, st, time.UTC)
	f := setup(c)
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/fhir/Patient?nickname=x", "", 400, "invalid"},
		{"GET", "/fhir/Patient?name:exact=x", "", 400, "invalid"},
		{"GET", "/fhir/Patient?_count=0", "", 400, "invalid"},
		{"GET", "/fhir/Patient?_count=501", "", 400, "invalid"},
		{"GET", "/fhir/Patient?_count=%2B5", "", 400, "invalid"},
		{"GET", "/fhir/Patient?_count=007", "", 400, "invalid"},
		{"GET", "/fhir/Patient?birthdate=17-05-1980", "", 400, "invalid"},
		{"GET", "/fhir/Patient?birthdate=ap1980", "", 400, "invalid"},
		{"GET", "/fhir/Patient?birthdate=1980-05-17T10:00", "", 400, "invalid"},
		{"GET", "/fhir/Patient?_cursor=garbage!", "", 400, "invalid"},
		{"GET", "/fhir/Patient?_format=xml", "", 415, "not-supported"},
		{"GET", "/fhir/Appointment?status=teleported", "", 400, "invalid"},
		{"GET", "/fhir/Appointment?patient=Practitioner/1", "", 400, "invalid"},
		{"GET", "/fhir/Appointment?date=tomorrow", "", 400, "invalid"},
		{"GET", "/fhir/Patient/999999", "", 404, "not-found"},
		{"GET", "/fhir/Patient/abc", "", 404, "not-found"},
		{"GET", f.expand("/fhir/Observation/blood-group-{P}"), "", 404, "not-found"},
		{"GET", "/fhir/Observation/123", "", 404, "not-found"},
		{"GET", "/fhir/Encounter/1", "", 404, "not-found"},
		{"GET", "/fhir/Procedure", "", 404, "not-found"},
		{"GET", "/fhir/Encounter?status=teleported", "", 400, "invalid"},
		{"GET", "/fhir/AllergyIntolerance?clinical-status=gone", "", 400, "invalid"},
		{"GET", "/fhir/Condition?clinical-status=cured", "", 400, "invalid"},
		{"GET", "/fhir/Observation?date=yesterday", "", 400, "invalid"},
		{"GET", "/fhir/Observation/vital-999999", "", 404, "not-found"},
		{"GET", "/fhir/Condition/problem-999999", "", 404, "not-found"},
		{"GET", "/fhir/Condition?_cursor=9~x", "", 400, "invalid"},
		{"DELETE", f.expand("/fhir/Patient/{P}"), "", 405, "not-supported"},
		{"POST", "/fhir", `{"resourceType":"Patient"}`, 400, "invalid"},
		{"POST", "/fhir", `{"resourceType":"Bundle","type":"searchset"}`, 400, "invalid"},
		{"POST", "/fhir", `not json`, 400, "invalid"},
		{"POST", "/fhir", `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"X"}]}}]}`, 400, "invalid"},
		{"POST", "/fhir", `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Condition","code":{"text":"Flu"},"subject":{"reference":"Patient/1"}}}]}`, 400, "invalid"},
	}
	before := c.totalRows()
	for _, tc := range cases {
		b := c.fhir(tc.status, tc.method, tc.path, tc.body)
		issues, _ := b["issue"].([]any)
		if b["resourceType"] != "OperationOutcome" || len(issues) == 0 || issues[0].(map[string]any)["code"] != tc.code {
			t.Errorf("%s %s: %v", tc.method, tc.path, b)
		}
	}
	if c.totalRows() != before {
		t.Fatal("a refused request wrote data")
	}
	if ct := c.do("POST", "/fhir", `{}`, "Content-Type", "text/plain"); ct.status != 415 {
		t.Fatalf("text/plain bundle: %d", ct.status)
	}
}

// TestFHIRMetadata checks the CapabilityStatement against the route table: each resource
// it lists can be read and searched, with exactly the parameters it names.
func TestFHIRMetadata(t *testing.T) {
	st := testutil.OpenStore(t, "sqlite")
	c := newClient(t, st, time.UTC)
	cs := c.fhir(200, "GET", "/fhir/metadata", "")
	if cs["resourceType"] != "CapabilityStatement" || cs["fhirVersion"] != "4.0.1" || cs["kind"] != "instance" {
		t.Fatalf("metadata: %v", cs)
	}
	rest := cs["rest"].([]any)[0].(map[string]any)
	for _, r := range rest["resource"].([]any) {
		res := r.(map[string]any)
		typ := res["type"].(string)
		c.fhir(200, "GET", "/fhir/"+typ, "")
		c.fhir(404, "GET", "/fhir/"+typ+"/999999", "")
		for _, p := range res["searchParam"].([]any) {
			name := p.(map[string]any)["name"].(string)
			value := map[string]string{"date": "2030", "token": "x", "string": "x", "reference": "1"}[p.(map[string]any)["type"].(string)]
			switch {
			case name == "status" && typ == "Encounter":
				value = "finished"
			case name == "status":
				value = "booked"
			case name == "clinical-status":
				value = "active"
			}
			c.fhir(200, "GET", "/fhir/"+typ+"?"+name+"="+value, "")
		}
	}
}

// TestPatientMRNOverREST checks the medical record number in the REST API: generated,
// given, searchable with q, unique.
func TestPatientMRNOverREST(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		id := c.createPatient("Grace Hopper", "grace@example.org")
		got := c.must(200, "GET", fmt.Sprintf("/api/patients/%d", id), "")
		if want := fmt.Sprintf("HMS-%06d", id); field(got, "mrn") != want {
			t.Fatalf("mrn %v, want %s", field(got, "mrn"), want)
		}
		given := c.must(201, "POST", "/api/patients", `{"name":"Alan Turing","email":"alan@example.org","date_of_birth":"1912-06-23","mrn":"EXT-77"}`)
		if field(given, "mrn") != "EXT-77" {
			t.Fatalf("given mrn: %v", field(given, "mrn"))
		}
		if l := c.must(200, "GET", "/api/patients?q=ext-77", ""); l["total"] != 1.0 {
			t.Fatalf("q=ext-77: %v", l)
		}
		res := c.do("POST", "/api/patients", `{"name":"X","email":"x@example.org","date_of_birth":"1990-01-01","mrn":"EXT-77"}`)
		if res.status != 409 || errorField(res.body, "mrn") == "" {
			t.Fatalf("duplicate mrn: %d %s", res.status, res.raw)
		}
		res = c.do("PUT", fmt.Sprintf("/api/patients/%d", id), `{"mrn":"EXT-77"}`)
		if res.status != 409 || errorField(res.body, "mrn") == "" {
			t.Fatalf("update to a taken mrn: %d %s", res.status, res.raw)
		}
		if res := c.do("POST", "/api/patients", `{"name":"No Mail","date_of_birth":"1990-01-01"}`); res.status != 400 || errorField(res.body, "email") == "" {
			t.Fatalf("POST without email must still fail: %d", res.status)
		}
	})
}
