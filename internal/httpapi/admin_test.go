package httpapi_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestMeSaysWhatTheRoleMayDo: GET /api/auth/me lists exactly the permissions whose route
// the route table allows the caller's role, and the clinical one for the roles that read
// the blood group.
func TestMeSaysWhatTheRoleMayDo(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		c := newClient(t, st, nil)
		allowed := map[string][]string{}
		for _, rt := range httpapi.RouteTable() {
			allowed[rt.Method+" "+rt.Pattern] = rt.Roles
		}
		for _, role := range domain.Roles {
			me := c.as(role).must(200, "GET", "/api/auth/me", "")["data"].(map[string]any)
			if me["role"] != role {
				t.Fatalf("me as %s: role %v", role, me["role"])
			}
			var got []string
			for _, p := range me["permissions"].([]any) {
				got = append(got, p.(string))
			}
			for name, route := range httpapi.PermissionRoutes() {
				roles := httpapi.ClinicalRoles()
				if route != "" {
					var ok bool
					if roles, ok = allowed[route]; !ok {
						t.Fatalf("permission %s names %s, which is not served", name, route)
					}
				}
				if want := slices.Contains(roles, role); slices.Contains(got, name) != want {
					t.Errorf("%s: holds %s = %v, the route table says %v", role, name, !want, want)
				}
			}
		}
		// The web UI's tests answer GET /api/auth/me from a copy of these lists: it must match.
		raw, err := os.ReadFile("../../web/src/test/permissions.json")
		if err != nil {
			t.Fatal(err)
		}
		var fixture map[string][]string
		if err := json.Unmarshal(raw, &fixture); err != nil {
			t.Fatal(err)
		}
		for _, role := range domain.Roles {
			var got []string
			for _, p := range c.as(role).must(200, "GET", "/api/auth/me", "")["data"].(map[string]any)["permissions"].([]any) {
				got = append(got, p.(string))
			}
			if !slices.Equal(fixture[role], got) {
				t.Errorf("web/src/test/permissions.json has %s: %v; the server answers %v", role, fixture[role], got)
			}
		}

		// Spot checks of the README's role table, so that a swapped route shows too.
		staff := c.as(domain.RoleStaff).must(200, "GET", "/api/auth/me", "")["data"].(map[string]any)["permissions"].([]any)
		if !slices.Contains(staff, any("patients.create")) || slices.Contains(staff, any("records.read")) || slices.Contains(staff, any("patients.clinical")) {
			t.Errorf("staff permissions %v: want patients.create, neither records.read nor patients.clinical", staff)
		}
		doc := c.as(domain.RoleDoctor).must(200, "GET", "/api/auth/me", "")["data"].(map[string]any)["permissions"].([]any)
		if !slices.Contains(doc, any("appointments.start")) || slices.Contains(doc, any("users.manage")) {
			t.Errorf("doctor permissions %v: want appointments.start, not users.manage", doc)
		}
	})
}

// TestAdminResetsAPassword: an admin sets another user's password, or has HMS make one up
// and show it once; every session of that user ends, the old password stops working, the
// reset is audited, and a bad request changes nothing.
func TestAdminResetsAPassword(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		admin := newClient(t, st, nil)
		nurse := admin.as(domain.RoleNurse)
		path := fmt.Sprintf("/api/users/%d/password", nurse.user)
		login := func(pw string) int {
			return admin.anonymous().do("POST", "/api/auth/login", fmt.Sprintf(`{"email":"nurse@clinic.test","password":%q}`, pw)).status
		}

		// Refused: nothing changes, the nurse stays signed in with the old password.
		for _, tc := range []struct {
			name, path, body string
			status           int
			field            string
		}{
			{"too short", path, `{"new_password":"short"}`, 400, "new_password"},
			{"the user's email", path, `{"new_password":"nurse@clinic.test"}`, 400, "new_password"},
			{"unknown field", path, `{"password":"Quartz-Meadow-Lantern-7"}`, 400, ""},
			{"one's own", fmt.Sprintf("/api/users/%d/password", admin.user), `{}`, 400, ""},
			{"no such user", "/api/users/999999/password", `{}`, 404, ""},
		} {
			res := admin.do("POST", tc.path, tc.body)
			if res.status != tc.status || (tc.field != "" && errorField(res.body, tc.field) == "") {
				t.Errorf("%s: %d %s, want %d naming %q", tc.name, res.status, res.raw, tc.status, tc.field)
			}
		}
		nurse.must(200, "GET", "/api/auth/me", "")
		if got := admin.count("audit_event WHERE action = 'password_reset'"); got != 0 {
			t.Fatalf("%d password_reset events after refused resets", got)
		}

		// Chosen by the admin: not echoed back.
		res := admin.must(200, "POST", path, `{"new_password":"Quartz-Meadow-Lantern-7"}`)
		if _, ok := res["password"]; ok {
			t.Errorf("a chosen password is echoed back: %v", res)
		}
		if r := nurse.do("GET", "/api/auth/me", ""); r.status != 401 {
			t.Errorf("the nurse's session after a reset: %d, want 401", r.status)
		}
		if login(testPassword) != 401 || login("Quartz-Meadow-Lantern-7") != 200 {
			t.Errorf("after the reset the old password should fail and the new one work")
		}

		// Made up by HMS: answered once, and it is the password.
		made, _ := admin.must(200, "POST", path, `{}`)["password"].(string)
		if len(made) < 12 {
			t.Fatalf("a made-up password of %d characters", len(made))
		}
		if login("Quartz-Meadow-Lantern-7") != 401 || login(made) != 200 {
			t.Errorf("after the second reset only the made-up password should work")
		}
		events := admin.must(200, "GET", "/api/audit?action=password_reset", "")["data"].([]any)
		if len(events) != 2 {
			t.Fatalf("%d password_reset events, want 2", len(events))
		}
		for _, e := range events {
			e := e.(map[string]any)
			if int64(e["resource_id"].(float64)) != nurse.user || int64(e["user_id"].(float64)) != admin.user {
				t.Errorf("reset event %v: want the admin resetting the nurse", e)
			}
		}
		if strings.Contains(admin.log.String(), made) {
			t.Errorf("the made-up password is in the log")
		}
	})
}

// TestAuditLogNamesUsersAndPatients: the audit log answers the names of the users and
// patients its events name; those names are patient data, so listing them is recorded as
// a read of each patient named. An unknown action is refused.
func TestAuditLogNamesUsersAndPatients(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		admin := newClient(t, st, nil)
		pid := admin.createPatient("Ada Lovelace", "ada@example.com")
		staff := admin.as(domain.RoleStaff)
		staff.must(200, "GET", fmt.Sprintf("/api/patients/%d", pid), "")
		before := admin.count(fmt.Sprintf("audit_event WHERE action = 'read' AND resource_type = 'audit_event' AND patient_id = %d", pid))

		events := admin.must(200, "GET", "/api/audit?action=read&user_id="+fmt.Sprint(staff.user), "")["data"].([]any)
		if len(events) == 0 {
			t.Fatal("no read event of the staff user")
		}
		e := events[0].(map[string]any)
		patient, _ := e["patient"].(map[string]any)
		if e["user_name"] != "Test staff" || patient["name"] != "Ada Lovelace" || !strings.HasPrefix(patient["mrn"].(string), "HMS-") {
			t.Errorf("event %v: want user Test staff and patient Ada Lovelace with an MRN", e)
		}
		after := admin.count(fmt.Sprintf("audit_event WHERE action = 'read' AND resource_type = 'audit_event' AND patient_id = %d", pid))
		if after != before+1 {
			t.Errorf("reading the audit log recorded %d reads naming the patient, want 1", after-before)
		}

		// Events without a patient name none, and record no patient.
		logins := admin.must(200, "GET", "/api/audit?action=login", "")["data"].([]any)
		if len(logins) == 0 || logins[0].(map[string]any)["patient"] != nil || logins[0].(map[string]any)["user_name"] == nil {
			t.Errorf("login events %v: want a user name and no patient", logins)
		}

		res := admin.do("GET", "/api/audit?action=peek", "")
		if res.status != 400 || !strings.Contains(errorField(res.body, "action"), "read") {
			t.Errorf("unknown action: %d %s, want 400 listing the actions", res.status, res.raw)
		}
	})
}

// TestAuditActionsListEveryAction: the audit log's filter (domain.AuditActions, and the
// enum of GET /api/audit's action in the OpenAPI document, from which the UI's choice is
// typed) lists every Action constant of the domain package, so a new action can be filtered.
func TestAuditActionsListEveryAction(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../domain", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, f := range pkgs["domain"].Files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(name.Name, "Action") && lit.Kind == token.STRING {
						consts = append(consts, strings.Trim(lit.Value, `"`))
					}
				}
			}
		}
	}
	if len(consts) < 10 {
		t.Fatalf("found only %v", consts)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPISpec(), &doc); err != nil {
		t.Fatal(err)
	}
	var get struct {
		Parameters []struct {
			Name   string `json:"name"`
			Schema struct {
				Enum []string `json:"enum"`
			} `json:"schema"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(doc.Paths["/api/audit"]["get"], &get); err != nil {
		t.Fatal(err)
	}
	var enum []string
	for _, p := range get.Parameters {
		if p.Name == "action" {
			enum = p.Schema.Enum
		}
	}
	for _, a := range consts {
		if !slices.Contains(domain.AuditActions, a) {
			t.Errorf("action %q is missing from domain.AuditActions", a)
		}
		if !slices.Contains(enum, a) {
			t.Errorf("action %q is missing from the enum of GET /api/audit's action in openapi.json", a)
		}
	}
	if len(enum) != len(domain.AuditActions) {
		t.Errorf("openapi.json lists %d actions, domain.AuditActions %d", len(enum), len(domain.AuditActions))
	}
}
