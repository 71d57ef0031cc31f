package httpapi

import (
	"context"
	"net/http"
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
// allows (403, recorded in the audit trail as the route's touches describe it). A GET of a
// route that touches patients is recorded in the audit trail by a readRecorder.
func (a *API) guard(rt route) handlerFunc {
	h := rt.handle
	if strings.HasPrefix(rt.pattern, "/api/auth/") {
		h = a.rateLimited(h)
	}
	if rt.perm == public {
		return h
	}
	recorded := rt.method == http.MethodGet && rt.touches.patient != noPatient
	return func(w http.ResponseWriter, r *http.Request) error {
		r, err := a.authenticate(r)
		if err != nil {
			return err
		}
		if role := domain.ActorFrom(r.Context()).Role; !rt.perm.allows(role) {
			if err := a.store.Audit(r.Context(), deniedEvent(rt.touches, r)); err != nil {
				return err
			}
			return domain.Errorf(domain.CodeForbidden, "your role (%s) may not %s %s", role, rt.method, rt.pattern)
		}
		if recorded {
			w = &readRecorder{ResponseWriter: w, api: a, r: r, touches: rt.touches}
		}
		if rt.method != http.MethodGet && a.store.HasReadReplica() {
			w = &writeMarker{ResponseWriter: w, api: a, r: r}
		}
		return h(w, r)
	}
}

// deniedEvent describes a refused request for the audit trail: the resource the route
// touches, and the resource and patient that its path or query names.
func deniedEvent(t touches, r *http.Request) store.Event {
	s := t.subject(r)
	return store.Event{Action: domain.ActionDenied, Outcome: domain.OutcomeDenied, ResourceType: t.resource,
		ResourceID: s.resourceID, PatientID: s.patientID}
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

// adminFlag reads a boolean query flag that only admins may set (403 for the others).
func adminFlag(r *http.Request, name string) (bool, error) {
	on, err := flag(r, name)
	if err == nil && on && domain.ActorFrom(r.Context()).Role != domain.RoleAdmin {
		return false, domain.Errorf(domain.CodeForbidden, "only an admin may use %s", name)
	}
	return on, err
}
