package httpapi

import (
	"fmt"
	"sort"

	"github.com/hms-project/hms/internal/domain"
)

// permissions are what GET /api/auth/me tells the UI that its user may do, each named for
// the UI and derived from the server's own rules: a route of the route table (the user may
// do it when the route allows their role) or one of the rules beside it (clinical). The UI
// shows a control only when the user holds its permission; the server still checks every
// request, so a wrong entry here hides a control or shows one that answers 403, never more.
var permissions = []struct {
	name  string
	route string // "METHOD pattern" of a route in the table, or "" for rule
	rule  perm
}{
	{name: "patients.create", route: "POST /api/patients"},
	{name: "patients.update", route: "PUT /api/patients/{id}"},
	{name: "patients.delete", route: "DELETE /api/patients/{id}"},
	{name: "patients.clinical", rule: clinical}, // reads and writes the blood group
	{name: "appointments.create", route: "POST /api/appointments"},
	{name: "appointments.update", route: "PUT /api/appointments/{id}"},
	{name: "appointments.delete", route: "DELETE /api/appointments/{id}"},
	// Starting (and completing) an appointment is seeing the patient: whoever writes the
	// visit's note, not the front desk that checks the patient in.
	{name: "appointments.start", route: "PUT /api/visits/{id}"},
	{name: "records.read", route: "GET /api/records/{id}"},
	{name: "records.create", route: "POST /api/records"},
	{name: "records.delete", route: "DELETE /api/records/{id}"},
	{name: "chart.read", route: "GET /api/patients/{id}/allergies"},
	{name: "chart.nursing", route: "POST /api/patients/{id}/vitals"},
	{name: "chart.sign", route: "POST /api/visits/{id}/sign"},
	{name: "doctors.manage", route: "PUT /api/doctors/{id}"},
	{name: "users.manage", route: "GET /api/users"},
	{name: "audit.read", route: "GET /api/audit"},
	{name: "notifications.manage", route: "GET /api/notifications"},
}

// rolePermissions returns, for each role, the sorted names of the permissions it holds
// under the route table rts. It panics when a permission names a route the table lacks, so
// that renaming a route cannot silently take a control away from the UI.
func rolePermissions(rts []route) map[string][]string {
	byRoute := make(map[string]perm, len(rts))
	for _, rt := range rts {
		byRoute[rt.method+" "+rt.pattern] = rt.perm
	}
	out := map[string][]string{}
	for _, role := range domain.Roles {
		out[role] = []string{}
	}
	for _, p := range permissions {
		rule := p.rule
		if p.route != "" {
			var ok bool
			if rule, ok = byRoute[p.route]; !ok {
				panic(fmt.Sprintf("httpapi: permission %s names %s, which is not in the route table", p.name, p.route))
			}
		}
		for _, role := range domain.Roles {
			if rule.allows(role) {
				out[role] = append(out[role], p.name)
			}
		}
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out
}
