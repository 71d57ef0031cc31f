package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestPatientGender sets, reads, clears and refuses a patient's gender over REST, and
// carries it to and from FHIR's Patient.gender.
func TestPatientGender(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, time.UTC)
		created := c.must(201, "POST", "/api/patients",
			`{"name":"Ada Lovelace","email":"ada@example.org","date_of_birth":"1915-12-10","gender":"Female"}`)
		if g := field(created, "gender"); g != "female" {
			t.Fatalf("created gender %v, want female", g)
		}
		pid := id(created["data"])
		path := fmt.Sprintf("/api/patients/%d", pid)

		// Anything but the four FHIR codes is a 400 naming the field, and writes nothing.
		before := c.totalRows()
		for _, bad := range []string{`"woman"`, `"f"`, `"unknow"`, `7`} {
			res := c.do("POST", "/api/patients", `{"name":"Ann Lee","email":"ann@example.org","date_of_birth":"1990-01-02","gender":`+bad+`}`)
			if res.status != 400 || errorField(res.body, "gender") == "" {
				t.Errorf("POST gender %s: status %d, %s; want 400 naming gender", bad, res.status, res.raw)
			}
			res = c.do("PUT", path, `{"gender":`+bad+`}`)
			if res.status != 400 || errorField(res.body, "gender") == "" {
				t.Errorf("PUT gender %s: status %d, %s; want 400 naming gender", bad, res.status, res.raw)
			}
		}
		if c.totalRows() != before || field(c.must(200, "GET", path, ""), "gender") != "female" {
			t.Fatal("a refused gender changed the data")
		}

		// Every read carries it: the patient, the list (written by hand) and FHIR.
		c.must(200, "PUT", path, `{"gender":"other"}`)
		list := c.must(200, "GET", "/api/patients", "")
		if rows := list["data"].([]any); len(rows) != 1 || rows[0].(map[string]any)["gender"] != "other" {
			t.Fatalf("list: %v, want the patient with gender other", list["data"])
		}
		if g := c.fhir(200, "GET", fmt.Sprintf("/fhir/Patient/%d", pid), "")["gender"]; g != "other" {
			t.Fatalf("FHIR gender %v, want other", g)
		}

		// null clears it: JSON null, and no gender in FHIR.
		upd := c.must(200, "PUT", path, `{"gender":null}`)
		if g, ok := upd["data"].(map[string]any)["gender"]; !ok || g != nil {
			t.Fatalf("after clearing, gender %v (present %v), want null", g, ok)
		}
		if g, ok := c.fhir(200, "GET", fmt.Sprintf("/fhir/Patient/%d", pid), "")["gender"]; ok {
			t.Fatalf("FHIR Patient of a patient without gender has gender %v", g)
		}

		// Import: Patient.gender sets it; a re-import without one keeps it; an invalid one is refused.
		bundle := func(gender string) string {
			return `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient",` +
				`"identifier":[{"system":"urn:hms:mrn","value":"GEN-1"}],"name":[{"family":"Hopper","given":["Grace"]}],` +
				`"birthDate":"1906-12-09"` + gender + `}}]}`
		}
		c.fhir(200, "POST", "/fhir", bundle(`,"gender":"male"`))
		c.fhir(200, "POST", "/fhir", bundle(``))
		found := c.fhir(200, "GET", "/fhir/Patient?identifier=GEN-1", "")
		if found["total"] != 1.0 {
			t.Fatalf("imported patient: total %v", found["total"])
		}
		if g := found["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["gender"]; g != "male" {
			t.Fatalf("imported gender %v, want male", g)
		}
		before = c.totalRows()
		out := c.fhir(400, "POST", "/fhir", strings.Replace(bundle(`,"gender":"robot"`), "GEN-1", "GEN-2", 1))
		if !strings.Contains(fmt.Sprint(out["issue"]), "gender") || c.totalRows() != before {
			t.Fatalf("an invalid gender: %v, rows %d → %d", out["issue"], before, c.totalRows())
		}
	})
}
