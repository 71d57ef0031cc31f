package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestEmergencyAccess: under HMS_CHART_ACCESS=care-team a doctor reads the chart of their
// own patients, is refused (and the refusal recorded) another's, opens it by declaring an
// emergency with a reason, reads it for an hour with every read audited as emergency_read,
// and admins see the emergency; then it expires.
func TestEmergencyAccess(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClientWithAuth(t, st, httpapi.Options{ChartAccess: httpapi.ChartAccessCareTeam}, auth.Options{})
		doctor := c.as("doctor") // the doctor "Test doctor"
		nurse := c.as("nurse")
		own := c.createPatient("Olga Own", "olga@example.org")
		other := c.createPatient("Oscar Other", "oscar@example.org")
		c.createAppointment(own, "Test doctor", "2031-03-04T10:00:00Z")
		record := c.createRecord(other, "Asthma")
		recordsOf := func(p int64) string { return fmt.Sprintf("/api/patients/%d/records", p) }
		events := func(action string, patient int64) int {
			return c.count(fmt.Sprintf("audit_event WHERE action = '%s' AND patient_id = %d AND user_id = %d", action, patient, doctor.user))
		}

		doctor.must(200, "GET", recordsOf(own), "")
		if events("read", own) != 1 {
			t.Errorf("the read of a care-team chart: %d read events", events("read", own))
		}
		for _, path := range []string{recordsOf(other), fmt.Sprintf("/api/records/%d", record), fmt.Sprintf("/fhir/Condition?patient=%d", other)} {
			res := doctor.do("GET", path, "")
			if res.status != 403 || strings.Contains(res.raw, "Asthma") {
				t.Errorf("GET %s outside the care team: %d %.300s, want 403 without the data", path, res.status, res.raw)
			}
		}
		if n := events("denied", other); n != 3 {
			t.Errorf("%d denied events naming the patient, want 3", n)
		}
		if n := events("read", other); n != 0 {
			t.Errorf("%d read events of the refused chart, want none", n)
		}
		// Demographics are not the chart; nurses are not limited.
		doctor.must(200, "GET", fmt.Sprintf("/api/patients/%d", other), "")
		nurse.must(200, "GET", recordsOf(other), "")
		demographics := events("read", other)

		// Declaring an emergency: a reason is required, and only doctors declare one.
		declare := fmt.Sprintf("/api/patients/%d/emergency-access", other)
		for _, body := range []string{`{}`, `{"reason":"   "}`, fmt.Sprintf(`{"reason":%q}`, strings.Repeat("x", 501))} {
			if res := doctor.do("POST", declare, body); res.status != 400 || errorField(res.body, "reason") == "" {
				t.Errorf("declare with %.30s: %d %s, want 400 naming reason", body, res.status, res.raw)
			}
		}
		if res := doctor.do("POST", "/api/patients/999999/emergency-access", `{"reason":"unconscious in the waiting room"}`); res.status != 404 {
			t.Errorf("declare for no patient: %d, want 404", res.status)
		}
		if n := c.count("emergency_access"); n != 0 {
			t.Fatalf("refused declarations wrote %d rows", n)
		}
		res := doctor.must(201, "POST", declare, `{"reason":"unconscious in the waiting room"}`)
		started, _ := time.Parse(time.RFC3339Nano, field(res, "started_at").(string))
		expires, _ := time.Parse(time.RFC3339Nano, field(res, "expires_at").(string))
		if expires.Sub(started) != httpapi.DefaultEmergencyTTL {
			t.Errorf("the emergency lasts %v, want %v", expires.Sub(started), httpapi.DefaultEmergencyTTL)
		}
		if n := events("emergency_access", other); n != 1 {
			t.Errorf("%d emergency_access events, want 1", n)
		}

		// Under it every read of the chart is an emergency read.
		doctor.must(200, "GET", recordsOf(other), "")
		doctor.must(200, "GET", fmt.Sprintf("/api/records/%d", record), "")
		if n := events("emergency_read", other); n != 2 {
			t.Errorf("%d emergency_read events, want 2", n)
		}
		if n := events("read", other); n != demographics {
			t.Errorf("%d plain read events under the emergency, want none but the demographics' %d", n, demographics)
		}
		doctor.must(200, "GET", recordsOf(own), "")
		if events("read", own) != 2 || events("emergency_read", own) != 0 {
			t.Error("a care-team read became an emergency read")
		}

		// Admins see it.
		list := c.must(200, "GET", "/api/emergency-access", "")["data"].([]any)
		if len(list) != 1 {
			t.Fatalf("admins see %d emergency accesses, want 1", len(list))
		}
		e := list[0].(map[string]any)
		if e["patient_id"] != float64(other) || e["user_name"] != "Test doctor" || e["reason"] != "unconscious in the waiting room" {
			t.Errorf("the admins' list says %v", e)
		}

		// It ends (the access tokens too: sign in again).
		c.clock.advance(httpapi.DefaultEmergencyTTL + time.Second)
		doctor = c.as("doctor")
		if res := doctor.do("GET", recordsOf(other), ""); res.status != 403 {
			t.Errorf("after the emergency expired: %d, want 403", res.status)
		}
		doctor.must(200, "GET", recordsOf(own), "")
	})
}
