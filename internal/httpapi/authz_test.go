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
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// roleTable is the README's table of who may call what. A route missing here, or one
// whose roles differ from the route table's, fails TestRouteTableMatchesTheRoleTable.
var roleTable = map[string]string{
	"GET /health":                    "public",
	"GET /ready":                     "public",
	"POST /api/auth/login":           "public",
	"POST /api/auth/refresh":         "public",
	"POST /api/auth/logout":          "public",
	"GET /api/auth/me":               "admin doctor staff",
	"POST /api/auth/password":        "admin doctor staff",
	"GET /api/patients":              "admin doctor staff",
	"POST /api/patients":             "admin staff",
	"GET /api/patients/{id}":         "admin doctor staff",
	"PUT /api/patients/{id}":         "admin doctor staff",
	"DELETE /api/patients/{id}":      "admin",
	"GET /api/patients/{id}/records": "admin doctor",
	"GET /api/appointments":          "admin doctor staff",
	"POST /api/appointments":         "admin doctor staff",
	"GET /api/appointments/{id}":     "admin doctor staff",
	"PUT /api/appointments/{id}":     "admin doctor staff",
	"DELETE /api/appointments/{id}":  "admin staff",
	"POST /api/records":              "admin doctor",
	"GET /api/records/{id}":          "admin doctor",
	"DELETE /api/records/{id}":       "admin",
	"GET /api/users":                 "admin",
	"POST /api/users":                "admin",
	"GET /api/users/{id}":            "admin",
	"PUT /api/users/{id}":            "admin",
	"DELETE /api/users/{id}":         "admin",
	"GET /api/audit":                 "admin",

	"GET /api/openapi.json":              "public",
	"GET /api/clinic":                    "admin doctor staff",
	"DELETE /api/patients/{id}/purge":    "admin",
	"GET /api/patients/{id}/duplicates":  "admin staff",
	"GET /api/doctors":                   "admin doctor staff",
	"POST /api/doctors":                  "admin",
	"GET /api/doctors/{id}":              "admin doctor staff",
	"PUT /api/doctors/{id}":              "admin",
	"GET /api/doctors/{id}/availability": "admin doctor staff",
	"GET /api/appointments/{id}/history": "admin doctor staff",
	"PUT /api/records/{id}":              "admin doctor",
	"GET /api/records/{id}/history":      "admin doctor",
	"GET /fhir/metadata":                 "public",
	"POST /fhir":                         "admin",
	"POST /fhir/{$}":                     "admin",
	"GET /fhir/Patient":                  "admin doctor staff",
	"GET /fhir/Patient/{id}":             "admin doctor staff",
	"GET /fhir/Observation":              "admin doctor",
	"GET /fhir/Observation/{id}":         "admin doctor",
	"GET /fhir/Practitioner":             "admin doctor staff",
	"GET /fhir/Practitioner/{id}":        "admin doctor staff",
	"GET /fhir/Appointment":              "admin doctor staff",
	"GET /fhir/Appointment/{id}":         "admin doctor staff",
	"GET /fhir/Condition":                "admin doctor",
	"GET /fhir/Condition/{id}":           "admin doctor",
	"GET /fhir/MedicationRequest":        "admin doctor",
	"GET /fhir/MedicationRequest/{id}":   "admin doctor",
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
		case rt.Public && want != "public", !rt.Public && strings.Join(rt.Roles, " ") != want:
			t.Errorf("%s allows %v (public %v); the role table says %q", key, rt.Roles, rt.Public, want)
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
	name  string
	token string
	role  string // the role when the token is valid; "" when it must be refused (401)
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
	return []principal{
		{"anonymous", "", ""},
		{"admin", adminTok, "admin"},
		{"doctor", c.as("doctor").token, "doctor"},
		{"staff", c.as("staff").token, "staff"},
		{"deactivated user", gone.token, ""},
		{"expired token", expired, ""},
		{"tampered token", tampered, ""},
		{"alg none token", none, ""},
		{"HS512 token", hs512, ""},
		{"token signed with another key", otherKey, ""},
		{"not a JWT", "garbage", ""},
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
