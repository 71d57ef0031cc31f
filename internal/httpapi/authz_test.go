package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// roleTable is the README's table of who may call what. A route missing here, or one
// whose roles differ from the route table's, fails TestRouteTableMatchesTheRoleTable.
var roleTable = map[string]string{
	"GET /health":                     "public",
	"GET /ready":                      "public",
	"POST /api/auth/login":            "public",
	"POST /api/auth/refresh":          "public",
	"POST /api/auth/logout":           "public",
	"GET /api/auth/methods":           "public",
	"GET /api/auth/oidc/start":        "public",
	"GET /api/auth/oidc/callback":     "public",
	"POST /api/auth/oidc/session":     "public",
	"GET /api/auth/me":                "admin doctor nurse staff",
	"POST /api/auth/password":         "admin doctor nurse staff",
	"GET /api/auth/sessions":          "admin doctor nurse staff",
	"DELETE /api/auth/sessions/{id}":  "admin doctor nurse staff",
	"DELETE /api/users/{id}/sessions": "admin",
	"DELETE /api/users/{id}/mfa":      "admin",
	"GET /api/auth/mfa":               "admin doctor nurse staff",
	"POST /api/auth/mfa/setup":        "admin doctor nurse staff mfa_enrolment",
	"POST /api/auth/mfa/confirm":      "admin doctor nurse staff mfa_enrolment",
	"POST /api/auth/mfa/disable":      "admin doctor nurse staff",
	"POST /api/auth/mfa/verify":       "mfa",

	"POST /api/patients/{id}/emergency-access": "doctor",
	"GET /api/emergency-access":                "admin",
	"GET /api/patients":                        "admin doctor nurse staff",
	"POST /api/patients":                       "admin staff",
	"GET /api/patients/{id}":                   "admin doctor nurse staff",
	"PUT /api/patients/{id}":                   "admin doctor nurse staff",
	"DELETE /api/patients/{id}":                "admin",
	"GET /api/patients/{id}/records":           "admin doctor nurse",
	"GET /api/appointments":                    "admin doctor nurse staff",
	"POST /api/appointments":                   "admin doctor nurse staff",
	"GET /api/appointments/{id}":               "admin doctor nurse staff",
	"PUT /api/appointments/{id}":               "admin doctor nurse staff",
	"DELETE /api/appointments/{id}":            "admin staff",
	"POST /api/records":                        "admin doctor",
	"GET /api/records/{id}":                    "admin doctor nurse",
	"DELETE /api/records/{id}":                 "admin",
	"GET /api/users":                           "admin",
	"POST /api/users":                          "admin",
	"GET /api/users/{id}":                      "admin",
	"PUT /api/users/{id}":                      "admin",
	"DELETE /api/users/{id}":                   "admin",
	"GET /api/audit":                           "admin",

	"GET /api/openapi.json":                     "public",
	"GET /api/clinic":                           "admin doctor nurse staff",
	"DELETE /api/patients/{id}/purge":           "admin",
	"GET /api/patients/{id}/duplicates":         "admin staff",
	"GET /api/doctors":                          "admin doctor nurse staff",
	"POST /api/doctors":                         "admin",
	"GET /api/doctors/{id}":                     "admin doctor nurse staff",
	"PUT /api/doctors/{id}":                     "admin",
	"GET /api/doctors/{id}/availability":        "admin doctor nurse staff",
	"GET /api/appointments/{id}/history":        "admin doctor nurse staff",
	"PUT /api/records/{id}":                     "admin doctor",
	"GET /api/records/{id}/history":             "admin doctor nurse",
	"GET /api/patients/{id}/visits":             "admin doctor nurse",
	"GET /api/patients/{id}/vitals":             "admin doctor nurse",
	"POST /api/patients/{id}/vitals":            "admin doctor nurse",
	"GET /api/patients/{id}/allergies":          "admin doctor nurse",
	"POST /api/patients/{id}/allergies":         "admin doctor nurse",
	"GET /api/patients/{id}/problems":           "admin doctor nurse",
	"POST /api/patients/{id}/problems":          "admin doctor",
	"GET /api/patients/{id}/medications":        "admin doctor nurse",
	"POST /api/visits":                          "admin doctor nurse",
	"GET /api/visits/{id}":                      "admin doctor nurse",
	"PUT /api/visits/{id}":                      "admin doctor",
	"POST /api/visits/{id}/sign":                "admin doctor",
	"POST /api/visits/{id}/addenda":             "admin doctor",
	"GET /api/visits/{id}/history":              "admin doctor nurse",
	"PUT /api/allergies/{id}":                   "admin doctor nurse",
	"PUT /api/problems/{id}":                    "admin doctor",
	"POST /api/medications/{id}/stop":           "admin doctor",
	"GET /fhir/metadata":                        "public",
	"POST /fhir":                                "admin",
	"POST /fhir/{$}":                            "admin",
	"GET /fhir/Patient":                         "admin doctor nurse staff",
	"GET /fhir/Patient/{id}":                    "admin doctor nurse staff",
	"GET /fhir/Observation":                     "admin doctor nurse",
	"GET /fhir/Observation/{id}":                "admin doctor nurse",
	"GET /fhir/Practitioner":                    "admin doctor nurse staff",
	"GET /fhir/Practitioner/{id}":               "admin doctor nurse staff",
	"GET /fhir/Appointment":                     "admin doctor nurse staff",
	"GET /fhir/Appointment/{id}":                "admin doctor nurse staff",
	"GET /fhir/Condition":                       "admin doctor nurse",
	"GET /fhir/Condition/{id}":                  "admin doctor nurse",
	"GET /fhir/MedicationRequest":               "admin doctor nurse",
	"GET /fhir/MedicationRequest/{id}":          "admin doctor nurse",
	"GET /fhir/Encounter":                       "admin doctor nurse",
	"GET /fhir/Encounter/{id}":                  "admin doctor nurse",
	"GET /fhir/AllergyIntolerance":              "admin doctor nurse",
	"GET /fhir/AllergyIntolerance/{id}":         "admin doctor nurse",
	"GET /api/appointments/{id}/notifications":  "admin doctor nurse staff",
	"GET /api/notifications":                    "admin",
	"POST /api/users/{id}/password":             "admin",
	"POST /api/notifications/{id}/resend":       "admin",
	"GET /api/patients/{id}/contact-preference": "admin doctor nurse staff",
	"GET /api/patients/matches":                 "admin staff",
	"POST /api/patients/{id}/merge":             "admin",
	"POST /api/patients/{id}/restore":           "admin",
	"PUT /api/patients/{id}/contact-preference": "admin staff",
	"GET /respond/{token}":                      "public",
	"POST /respond/{token}":                     "public",
	"GET /opt-out/{token}":                      "public",
	"POST /opt-out/{token}":                     "public",
}

func TestRouteTableMatchesTheRoleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range httpapi.RouteTable() {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		want, ok := roleTable[key]
		switch {
		case !rt.Valid:
			t.Errorf("%s has no permission in the route table", key)
		case !ok:
			t.Errorf("%s is in the route table but not in the role table of this test (and the README): add it", key)
		case rt.Public && want != "public", !rt.Public && strings.Join(append(rt.Roles, rt.Pending...), " ") != want:
			t.Errorf("%s allows %v and the tokens %v (public %v); the role table says %q", key, rt.Roles, rt.Pending, rt.Public, want)
		}
	}
	for key := range roleTable {
		if !seen[key] {
			t.Errorf("%s is in the role table but not served", key)
		}
	}
}

// principal is a way of calling the API in the matrix.
type principal struct {
	name    string
	token   string
	role    string // the role when the token is valid; "" when it must be refused (401)
	pending string // the purpose of the token of a sign-in's second step: 401 unless the route takes it
}

// principals signs in as each role and builds the tokens that must be refused.
func principals(t *testing.T, c *client) []principal {
	t.Helper()
	adminTok := c.token
	signer, _ := auth.NewSigner(testSecret, time.Hour)
	claims, err := signer.Parse(adminTok, c.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := signer.Issue(claims.UserID(), claims.Session, "admin", claims.TokenVersion, c.clock.now().Add(-2*time.Hour))
	parts := strings.Split(adminTok, ".")
	// tampered: the payload claims another user, the signature stays.
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	_ = json.Unmarshal(payload, &m)
	m["sub"] = "2"
	forged, _ := json.Marshal(m)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, claims).SignedString(testSecret)
	otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("another-secret-that-is-32-bytes-long!!"))

	gone := c.signIn("gone@clinic.test", "doctor")
	c.must(200, "DELETE", fmt.Sprintf("/api/users/%d", gone.user), "")
	// The tokens of a sign-in's second step: of a user with a second factor, and of one
	// whose role must enrol one first.
	challenge := c.pendingSignIn("two-factor@clinic.test", domain.RoleDoctor, true)
	enrolment := c.pendingSignIn("must-enrol@clinic.test", domain.RoleNurse, false)
	return []principal{
		{"MFA challenge token", challenge, "", auth.PurposeMFA},
		{"MFA enrolment token", enrolment, "", auth.PurposeEnrol},
		{"anonymous", "", "", ""},
		{"admin", adminTok, "admin", ""},
		{"doctor", c.as("doctor").token, "doctor", ""},
		{"nurse", c.as("nurse").token, "nurse", ""},
		{"staff", c.as("staff").token, "staff", ""},
		{"deactivated user", gone.token, "", ""},
		{"expired token", expired, "", ""},
		{"tampered token", tampered, "", ""},
		{"alg none token", none, "", ""},
		{"HS512 token", hs512, "", ""},
		{"token signed with another key", otherKey, "", ""},
		{"not a JWT", "garbage", "", ""},
	}
}

// TestAuthorizationMatrix calls every route of the route table as every principal and
// checks the status the table implies: 401 for refused tokens, 403 (and a denied audit
// event) for a role the route does not allow, anything else for an allowed role.
func TestAuthorizationMatrix(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		ps := principals(t, c)
		for _, rt := range httpapi.RouteTable() {
			// Ids that match nothing: an allowed call answers 404 or 400, and changes nothing.
			path := strings.ReplaceAll(strings.ReplaceAll(rt.Pattern, "{id}", "999999"), "{$}", "")
			body := ""
			if rt.Method == "POST" || rt.Method == "PUT" {
				body = `{}`
			}
			for _, p := range ps {
				t.Run(rt.Method+" "+rt.Pattern+" as "+p.name, func(t *testing.T) {
					caller := c.anonymous()
					caller.t, caller.token = t, p.token
					denied := c.count("audit_event WHERE action = 'denied'")
					fhir := strings.HasPrefix(rt.Pattern, "/fhir") // errors are OperationOutcomes there
					res := caller.do(rt.Method, path, body)
					want := "allowed"
					switch {
					case rt.Public:
					case p.pending != "" && slices.Contains(rt.Pending, p.pending):
					case p.role == "":
						want = "401"
					case !slices.Contains(rt.Roles, p.role):
						want = "403"
					}
					switch want {
					case "allowed":
						if res.status == 401 || res.status == 403 || res.status >= 500 {
							t.Errorf("status %d, want the route to run: %s", res.status, res.raw)
						}
					case "401":
						if res.status != 401 || (!fhir && res.body["success"] != false) {
							t.Errorf("status %d, want 401: %s", res.status, res.raw)
						}
					case "403":
						if res.status != 403 || (!fhir && res.body["success"] != false) {
							t.Errorf("status %d, want 403: %s", res.status, res.raw)
						}
						if n := c.count("audit_event WHERE action = 'denied'"); n != denied+1 {
							t.Errorf("a 403 should write one denied event; %d before, %d after", denied, n)
						}
					}
				})
			}
		}
		// Routes the table does not list: 401 before anything else for anonymous callers.
		c.t = t
		anon := c.anonymous()
		for _, req := range [][2]string{{"GET", "/api/nothing-here"}, {"PATCH", "/api/patients"}, {"DELETE", "/api/audit"}} {
			if res := anon.do(req[0], req[1], ""); res.status != 401 {
				t.Errorf("anonymous %s %s: %d, want 401", req[0], req[1], res.status)
			}
		}
		if res := anon.do("GET", "/api/auth/login", ""); res.status != 405 {
			t.Errorf("GET on the public login route: %d, want 405", res.status)
		}
	})
}

// clinicalTable is the README's rule for the clinical fields of a patient: who reads and
// writes each. TestClinicalFieldsMatchTheRoleTable holds the code to it.
var clinicalTable = map[string]string{"blood_group": "admin doctor nurse"}

func TestClinicalFieldsMatchTheRoleTable(t *testing.T) {
	roles := strings.Join(httpapi.ClinicalRoles(), " ")
	for _, f := range domain.ClinicalPatientFields {
		if want, ok := clinicalTable[f]; !ok || roles != want {
			t.Errorf("%s is clinical for %q; the role table of this test (and the README) says %q", f, roles, want)
		}
	}
	if len(clinicalTable) != len(domain.ClinicalPatientFields) {
		t.Errorf("the table names %v; the code %v", clinicalTable, domain.ClinicalPatientFields)
	}
	// The blood-group Observation is the same data in FHIR, for the same roles.
	for _, key := range []string{"GET /fhir/Observation", "GET /fhir/Observation/{id}"} {
		if roleTable[key] != clinicalTable["blood_group"] {
			t.Errorf("%s is for %q, the blood group for %q", key, roleTable[key], clinicalTable["blood_group"])
		}
	}
}

// TestClinicalFieldsOnEveryRoute calls every route of the route table that reads, as every
// role it allows, on data whose patients have a blood group: a role outside the clinical
// rule never sees one, in any answer; the others see it where patients are answered. Then
// every route that writes a patient, with blood_group in the body: 403 naming the field, a
// denied event and nothing written for the others, the write for the clinical roles.
func TestClinicalFieldsOnEveryRoute(t *testing.T) {
	const group = "AB-"
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		patient := `{"name":"Ann Able","email":%q,"date_of_birth":"1980-05-17","phone":"555-0100","blood_group":"` + group + `"}`
		pid := id(c.must(201, "POST", "/api/patients", fmt.Sprintf(patient, "ann@example.org"))["data"])
		c.must(201, "POST", "/api/patients", fmt.Sprintf(patient, "ann.able@example.org")) // a possible duplicate
		aid := c.createAppointment(pid, "Dr. Grey", "2031-03-04T10:00:00Z")
		rid := c.createRecord(pid, "Flu")
		did := int64(field(c.must(200, "GET", fmt.Sprintf("/api/appointments/%d", aid), ""), "doctor_id").(float64))
		ids := map[string]string{"patients": fmt.Sprint(pid), "appointments": fmt.Sprint(aid), "records": fmt.Sprint(rid),
			"doctors": fmt.Sprint(did), "users": fmt.Sprint(c.user), "Patient": fmt.Sprint(pid), "Observation": "blood-group-" + fmt.Sprint(pid),
			"Appointment": fmt.Sprint(aid), "Condition": fmt.Sprint(rid), "MedicationRequest": fmt.Sprint(rid), "Practitioner": fmt.Sprint(did),
			"visits": "1", "Encounter": "1", "AllergyIntolerance": "1"}
		// The routes that answer patients, where the clinical roles must see the blood group.
		answersPatients := map[string]bool{"GET /api/patients": true, "GET /api/patients/{id}": true, "GET /api/patients/{id}/duplicates": true,
			"GET /api/patients/{id}/records": true, "GET /fhir/Observation": true, "GET /fhir/Observation/{id}": true}
		clients := map[string]*client{"admin": c, "doctor": c.as("doctor"), "nurse": c.as("nurse"), "staff": c.as("staff")}
		clinicalRoles := httpapi.ClinicalRoles()
		for _, rt := range httpapi.RouteTable() {
			if rt.Method != "GET" || rt.Public {
				continue
			}
			segments := strings.Split(strings.Trim(strings.TrimPrefix(strings.TrimPrefix(rt.Pattern, "/api"), "/fhir"), "/"), "/")
			path := strings.ReplaceAll(rt.Pattern, "{id}", ids[segments[0]])
			for _, role := range rt.Roles {
				key := rt.Method + " " + rt.Pattern
				caller := *clients[role]
				caller.t = t
				res := caller.do("GET", path, "")
				seen := strings.Contains(res.raw, "blood_group") || strings.Contains(res.raw, group)
				switch {
				case !slices.Contains(clinicalRoles, role) && seen:
					t.Errorf("%s as %s shows a blood group: %.600s", key, role, res.raw)
				case slices.Contains(clinicalRoles, role) && answersPatients[key] && !strings.Contains(res.raw, group):
					t.Errorf("%s as %s: %d, no blood group: %.600s", key, role, res.status, res.raw)
				}
			}
		}
		for _, rt := range httpapi.RouteTable() {
			var (
				path string
				body func(role string) map[string]any
			)
			switch {
			case rt.Method == "POST" && rt.Pattern == "/api/patients":
				path = rt.Pattern
				body = func(role string) map[string]any {
					return map[string]any{"name": "Cy", "email": "cy." + role + "@example.org", "date_of_birth": "1990-01-01", "blood_group": "O+"}
				}
			case rt.Method == "PUT" && rt.Pattern == "/api/patients/{id}":
				path = fmt.Sprintf("/api/patients/%d", pid)
				body = func(string) map[string]any { return map[string]any{"phone": "555-0199", "blood_group": nil} }
			default:
				continue
			}
			encode := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }
			for _, role := range rt.Roles {
				caller := *clients[role]
				caller.t = t
				rows, denied := caller.count("patient"), caller.count("audit_event WHERE action = 'denied'")
				before := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d", pid), ""), "version")
				res := caller.do(rt.Method, path, encode(body(role)))
				if slices.Contains(clinicalRoles, role) {
					if res.status/100 != 2 || rt.Method == "POST" && field(res.body, "blood_group") != "O+" {
						t.Errorf("%s %s as %s: %d %s", rt.Method, rt.Pattern, role, res.status, res.raw)
					}
					continue
				}
				if res.status != 403 || errorField(res.body, "blood_group") == "" {
					t.Errorf("%s %s as %s with blood_group: %d %s, want 403 naming blood_group", rt.Method, rt.Pattern, role, res.status, res.raw)
				}
				after := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d", pid), ""), "version")
				if caller.count("patient") != rows || after != before {
					t.Errorf("%s %s as %s: the refused write changed patients", rt.Method, rt.Pattern, role)
				}
				if caller.count("audit_event WHERE action = 'denied'") != denied+1 {
					t.Errorf("%s %s as %s: the refusal wrote no denied event", rt.Method, rt.Pattern, role)
				}
				// Without the field, the same write works, and its answer has no blood group.
				plain := body(role)
				delete(plain, "blood_group")
				if res := caller.do(rt.Method, path, encode(plain)); res.status/100 != 2 || strings.Contains(res.raw, "blood_group") {
					t.Errorf("%s %s as %s without blood_group: %d %s", rt.Method, rt.Pattern, role, res.status, res.raw)
				}
			}
		}
		if got := field(c.must(200, "GET", fmt.Sprintf("/api/patients/%d", pid), ""), "blood_group"); got != nil {
			// The admin's PUT cleared it (null); staff could not.
			t.Errorf("blood group after the writes: %v", got)
		}
	})
}
