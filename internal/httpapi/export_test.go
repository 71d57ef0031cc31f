package httpapi

import "github.com/hms-project/hms/internal/auth"

// RouteEntry is one line of the route table as the authorization tests see it.
type RouteEntry struct {
	Method, Pattern string
	Public          bool
	Roles           []string // the roles allowed; empty when Public
	// Pending are the purposes (auth.PurposeMFA, auth.PurposeEnrol) of the tokens of a
	// sign-in's second step that the route takes.
	Pending []string
	Valid   bool // the line names a permission at all
}

// RouteTable returns the route table that New serves and guard enforces.
func RouteTable() []RouteEntry {
	var out []RouteEntry
	for _, rt := range (&API{}).routes() {
		e := RouteEntry{Method: rt.method, Pattern: rt.pattern, Public: rt.perm == public, Valid: rt.perm != 0}
		for _, role := range []string{"admin", "doctor", "nurse", "staff"} {
			if rt.perm.allows(role) {
				e.Roles = append(e.Roles, role)
			}
		}
		for _, purpose := range []string{auth.PurposeMFA, auth.PurposeEnrol} {
			if rt.perm.allowsPending(purpose) {
				e.Pending = append(e.Pending, purpose)
			}
		}
		out = append(out, e)
	}
	return out
}

// ClinicalRoles are the roles that read and write the clinical fields of a patient
// (domain.ClinicalPatientFields).
func ClinicalRoles() []string {
	var out []string
	for _, role := range []string{"admin", "doctor", "nurse", "staff"} {
		if clinical.allows(role) {
			out = append(out, role)
		}
	}
	return out
}

// OpenAPISpec returns the OpenAPI 3.1 document of the JSON API.
func OpenAPISpec() []byte { return openAPISpec }

// PermissionRoutes maps each permission that GET /api/auth/me reports to the route it is
// derived from ("METHOD pattern"), or to "" for one derived from a rule.
func PermissionRoutes() map[string]string {
	out := map[string]string{}
	for _, p := range permissions {
		out[p.name] = p.route
	}
	return out
}
