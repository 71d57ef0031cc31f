package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// createUser posts a user and returns the response.
func (c *client) createUser(email, name, role string) response {
	c.t.Helper()
	return c.do("POST", "/api/users", fmt.Sprintf(`{"email":%q,"name":%q,"role":%q,"password":%q}`, email, name, role, testPassword))
}

// doctorOf returns the doctor linked to user userID, as GET /api/doctors/{id} shows it, or
// nil when there is none.
func (c *client) doctorOf(userID int64) map[string]any {
	c.t.Helper()
	page := c.must(200, "GET", "/api/doctors?include_inactive=true&limit=100", "")
	for _, d := range page["data"].([]any) {
		if d := d.(map[string]any); d["user_id"] == float64(userID) {
			return c.must(200, "GET", fmt.Sprintf("/api/doctors/%d", id(d)), "")["data"].(map[string]any)
		}
	}
	return nil
}

// doctorEvents returns the audit events about doctor doctorID, oldest first, as "action".
func (c *client) doctorEvents(doctorID int64) []string {
	c.t.Helper()
	page, err := c.st.AuditEvents(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for i := len(page.Items) - 1; i >= 0; i-- {
		e := page.Items[i]
		if deref(e.ResourceType) == domain.ResourceDoctor && deref(e.ResourceID) == doctorID {
			out = append(out, e.Action)
		}
	}
	return out
}

// TestDoctorUsers checks that users with role doctor are linked to a doctor row, found by
// name or created, and that the row takes appointments exactly while the user is active.
func TestDoctorUsers(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		yang := id(c.must(201, "POST", "/api/doctors", `{"name":"Dr. Cristina Yang","specialty":"Cardiothoracic surgery"}`)["data"])
		grey := id(c.must(201, "POST", "/api/doctors", `{"name":"Dr. Grey"}`)["data"])
		if d := c.must(200, "GET", fmt.Sprintf("/api/doctors/%d", yang), "")["data"].(map[string]any); d["user_id"] != nil {
			t.Fatalf("a doctor without a user shows user_id %v, want null", d["user_id"])
		}

		cases := []struct {
			name, email, userName, role string
			status                      int
			doctor                      int64 // the doctor it must be linked to; 0 for a new one, -1 for none
			doctorName                  string
		}{
			{"doctor without a namesake gets a new doctor", "shepherd@clinic.test", "Dr. Derek Shepherd", "doctor", 201, 0, "Dr. Derek Shepherd"},
			{"doctor is linked to the doctor of the same normalised name", "yang@clinic.test", "  dr. cristina   YANG ", "doctor", 201, yang, "Dr. Cristina Yang"},
			{"staff get no doctor", "desk@clinic.test", "Dr. Grey", "staff", 201, -1, ""},
			{"admin gets no doctor", "boss@clinic.test", "Dr. Bailey", "admin", 201, -1, ""},
			{"a name held by another user's doctor is a conflict", "yang2@clinic.test", "Dr. Cristina Yang", "doctor", 409, -1, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				doctors, users := c.count("doctor"), c.count("app_user")
				res := c.createUser(tc.email, tc.userName, tc.role)
				if res.status != tc.status {
					t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.raw)
				}
				if tc.status != 201 {
					if c.count("app_user") != users || c.count("doctor") != doctors {
						t.Error("a refused user left a user or a doctor behind")
					}
					if errorField(res.body, "name") == "" {
						t.Errorf("the conflict names no field: %s", res.raw)
					}
					return
				}
				uid := id(res.body["data"])
				d := c.doctorOf(uid)
				switch {
				case tc.doctor < 0:
					if d != nil || c.count("doctor") != doctors {
						t.Fatalf("a %s user got a doctor: %v", tc.role, d)
					}
					return
				case d == nil:
					t.Fatal("the doctor user has no doctor")
				case tc.doctor > 0 && id(d) != tc.doctor:
					t.Fatalf("linked to doctor %d, want %d", id(d), tc.doctor)
				case tc.doctor == 0 && c.count("doctor") != doctors+1:
					t.Fatalf("%d doctors, want %d", c.count("doctor"), doctors+1)
				case tc.doctor > 0 && c.count("doctor") != doctors:
					t.Fatal("linking to an existing doctor created another")
				}
				if d["name"] != tc.doctorName || d["active"] != true {
					t.Errorf("doctor %v, want %q and active", d, tc.doctorName)
				}
				if tc.doctor == 0 && !strings.Contains(fmt.Sprint(d["working_hours"]), "mon:[map[end:17:00 start:09:00]]") {
					t.Errorf("a new doctor's hours are %v, want the default", d["working_hours"])
				}
				want := []string{"update"}
				if tc.doctor == 0 {
					want = []string{"create"}
				}
				if got := c.doctorEvents(id(d)); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("audit events of the doctor %v, want %v", got, want)
				}
			})
		}
		c.t = t

		// A staff user made a doctor is linked to the doctor with their name.
		var staffID int64
		for _, u := range c.must(200, "GET", "/api/users?limit=100", "")["data"].([]any) {
			if u.(map[string]any)["email"] == "desk@clinic.test" {
				staffID = id(u)
			}
		}
		c.must(200, "PUT", fmt.Sprintf("/api/users/%d", staffID), `{"role":"doctor"}`)
		if d := c.doctorOf(staffID); d == nil || id(d) != grey {
			t.Fatalf("after the role change to doctor the user is linked to %v, want doctor %d", d, grey)
		}

		// Renaming the user leaves the doctor's display name alone.
		c.must(200, "PUT", fmt.Sprintf("/api/users/%d", staffID), `{"name":"Meredith Grey"}`)
		if d := c.doctorOf(staffID); d["name"] != "Dr. Grey" {
			t.Errorf("renaming the user renamed the doctor to %v", d["name"])
		}

		// Deactivation stops bookings with the doctor; reactivation restores them.
		p := c.createPatient("Ann", "ann@example.org")
		c.must(200, "DELETE", fmt.Sprintf("/api/users/%d", staffID), "")
		if d := c.doctorOf(staffID); d["active"] != false {
			t.Fatalf("a deactivated doctor user's doctor is %v", d)
		}
		res := c.book(p, byID(grey), "2031-06-02T10:00:00Z", "")
		if res.status != 400 || !strings.Contains(errorField(res.body, "doctor_id"), fmt.Sprintf("doctor %d", grey)) {
			t.Fatalf("booking a deactivated doctor user's doctor: %d %s", res.status, res.raw)
		}
		if res := c.book(p, byName("dr.  grey"), "2031-06-02T10:00:00Z", ""); res.status != 400 || errorField(res.body, "doctor_name") == "" {
			t.Fatalf("booking a deactivated doctor user's doctor by name: %d %s", res.status, res.raw)
		}
		c.must(200, "PUT", fmt.Sprintf("/api/users/%d", staffID), `{"active":true}`)
		if d := c.doctorOf(staffID); d["active"] != true {
			t.Fatalf("a reactivated doctor user's doctor is %v", d)
		}
		c.must(201, "POST", "/api/appointments", fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"appointment_datetime":"2031-06-02T10:00:00Z"}`, p, grey))
		if got := strings.Join(c.doctorEvents(grey), ","); got != "update,update,update" {
			t.Errorf("audit events of the doctor: %s, want the link, the deactivation and the reactivation", got)
		}

		// A doctor given another role and made a doctor again keeps the same doctor row.
		c.must(200, "PUT", fmt.Sprintf("/api/users/%d", staffID), `{"role":"staff"}`)
		c.must(200, "PUT", fmt.Sprintf("/api/users/%d", staffID), `{"role":"doctor"}`)
		if d := c.doctorOf(staffID); d == nil || id(d) != grey || d["active"] != true {
			t.Fatalf("made a doctor again, the user has doctor %v, want %d", d, grey)
		}
	})
}
