package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

const identityKey ctxKey = 100

// identity returns the signed-in caller of a request that passed guard.
func identity(ctx context.Context) auth.Identity {
	id, _ := ctx.Value(identityKey).(auth.Identity)
	return id
}

// authenticate checks the request's bearer token and returns a request whose context
// carries the caller: as an auth.Identity and in the domain.Actor that the audit reads.
func (a *API) authenticate(r *http.Request) (*http.Request, error) {
	id, err := a.auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	actor := domain.ActorFrom(r.Context())
	actor.UserID, actor.Role = id.UserID, id.Role
	ctx := context.WithValue(domain.WithActor(r.Context(), actor), identityKey, id)
	return r.WithContext(ctx), nil
}

// guard enforces a route's permission: public routes pass (those under /api/auth/ through
// the per-IP rate limit); the rest need a valid bearer token (401) and a role the route
// allows (403, recorded in the audit trail).
func (a *API) guard(rt route) handlerFunc {
	h := rt.handle
	if strings.HasPrefix(rt.pattern, "/api/auth/") {
		h = a.rateLimited(h)
	}
	if rt.perm == public {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		r, err := a.authenticate(r)
		if err != nil {
			return err
		}
		if role := domain.ActorFrom(r.Context()).Role; !rt.perm.allows(role) {
			e := deniedEvent(rt.pattern, r)
			if err := a.store.Audit(r.Context(), e); err != nil {
				return err
			}
			return domain.Errorf(domain.CodeForbidden, "your role (%s) may not %s %s", role, rt.method, rt.pattern)
		}
		return h(w, r)
	}
}

// deniedEvent describes a refused request for the audit trail: the resource it aimed at,
// from the route pattern, and its id from the path.
func deniedEvent(pattern string, r *http.Request) store.Event {
	e := store.Event{Action: domain.ActionDenied, Outcome: domain.OutcomeDenied}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if id < 0 {
		id = 0
	}
	if rest, ok := strings.CutPrefix(pattern, "/fhir/"); ok {
		e.ResourceType = fhirResource(strings.Split(rest, "/")[0])
		e.ResourceID = id
		return e
	}
	segments := strings.Split(strings.TrimPrefix(pattern, "/api/"), "/")
	switch segments[0] {
	case "patients":
		e.ResourceType, e.ResourceID, e.PatientID = domain.ResourcePatient, id, id
		if len(segments) == 3 {
			if t, ok := chartResources[segments[2]]; ok {
				e.ResourceType, e.ResourceID = t, 0
			}
		}
	case "visits":
		e.ResourceType, e.ResourceID = domain.ResourceVisit, id
	case "allergies":
		e.ResourceType, e.ResourceID = domain.ResourceAllergy, id
	case "problems":
		e.ResourceType, e.ResourceID = domain.ResourceProblem, id
	case "medications":
		e.ResourceType, e.ResourceID = domain.ResourceRecord, id
	case "appointments":
		e.ResourceType, e.ResourceID = domain.ResourceAppointment, id
	case "records":
		e.ResourceType, e.ResourceID = domain.ResourceRecord, id
	case "users":
		e.ResourceType, e.ResourceID = domain.ResourceUser, id
	case "audit":
		e.ResourceType = domain.ResourceAudit
	}
	return e
}

// chartResources are the audit resource types of the lists under /api/patients/{id}/.
var chartResources = map[string]string{
	"records": domain.ResourceRecord, "medications": domain.ResourceRecord, "visits": domain.ResourceVisit,
	"vitals": domain.ResourceVitalSign, "allergies": domain.ResourceAllergy, "problems": domain.ResourceProblem,
}

// rateLimited counts the request against its client IP in the database-backed fixed
// window and answers 429 with Retry-After past the limit.
func (a *API) rateLimited(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		now := a.now()
		ip := domain.ActorFrom(r.Context()).IP
		hits, err := a.store.Hit(r.Context(), "auth-ip:"+ip, now, a.limit.Window)
		if err != nil {
			return err
		}
		if hits > a.limit.Requests {
			wait := now.Truncate(a.limit.Window).Add(a.limit.Window).Sub(now)
			return &domain.Error{Code: domain.CodeRateLimited, RetryAfter: wait,
				Message: "too many requests to /api/auth from this address; wait and try again"}
		}
		return h(w, r)
	}
}

// audited records that the caller read patient data. It runs after the read and before the
// response is written: when the event cannot be stored, the read fails.
func (a *API) audited(r *http.Request, resource string, id, patientID int64) error {
	return a.store.Audit(r.Context(), store.Event{Action: domain.ActionRead, ResourceType: resource, ResourceID: id, PatientID: patientID})
}

// adminFlag reads a boolean query flag that only admins may set (403 for the others).
func adminFlag(r *http.Request, name string) (bool, error) {
	on, err := flag(r, name)
	if err == nil && on && domain.ActorFrom(r.Context()).Role != domain.RoleAdmin {
		return false, domain.Errorf(domain.CodeForbidden, "only an admin may use %s", name)
	}
	return on, err
}

// fhirResource is the audit resource type of a FHIR resource type.
func fhirResource(resourceType string) string {
	switch resourceType {
	case "Patient", "Observation": // an Observation is a patient's blood group
		return domain.ResourcePatient
	case "Appointment":
		return domain.ResourceAppointment
	case "Condition", "MedicationRequest":
		return domain.ResourceRecord
	case "Encounter":
		return domain.ResourceVisit
	case "AllergyIntolerance":
		return domain.ResourceAllergy
	}
	return domain.ResourceDoctor
}
