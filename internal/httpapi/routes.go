// Package httpapi serves HMS's JSON API: the route table, one file of handlers per
// resource, the middleware and the mapping of errors to HTTP statuses.
package httpapi

import (
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
	"github.com/hms-project/hms/internal/store"
)

// API holds what the handlers need.
type API struct {
	store    *store.Store
	auth     *auth.Service
	log      *slog.Logger
	loc      *time.Location
	now      func() time.Time
	limit    RateLimit
	version  string
	started  time.Time
	draining atomic.Bool
}

// RateLimit is the per-client-IP limit on /api/auth/*: Requests per Window.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// Options configures New.
type Options struct {
	Store    *store.Store
	Auth     *auth.Service
	Logger   *slog.Logger
	Location *time.Location   // the clinic's time zone
	Now      func() time.Time // the clock; time.Now when nil
	UI       http.Handler     // serves the web UI at /; nil answers 404 there
	Version  string           // the server's version, for the FHIR CapabilityStatement
	// Observe, when set, is told of every served request (for metrics).
	Observe func(method, route string, status int, d time.Duration)
	// AuthRateLimit bounds requests to /api/auth/* per client IP; 60 a minute when zero.
	AuthRateLimit RateLimit
	// CORSOrigins are the origins allowed to call the API from a browser (exact match).
	CORSOrigins []string
	// HSTS sends Strict-Transport-Security (production, behind TLS).
	HSTS bool
	// TrustProxy takes the client IP from the last X-Forwarded-For entry (behind one proxy).
	TrustProxy bool
}

// handlerFunc is an API handler: it writes a success response or returns an error,
// which writeError turns into the JSON error envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// perm says who may call a route: a set of roles, or anybody (public).
type perm uint8

const (
	admin perm = 1 << iota
	doctor
	staff
	public  // no sign-in: health checks and the calls that sign in
	anyRole = admin | doctor | staff
)

// allows reports whether a signed-in user with role may call the route.
func (p perm) allows(role string) bool {
	switch role {
	case domain.RoleAdmin:
		return p&admin != 0
	case domain.RoleDoctor:
		return p&doctor != 0
	case domain.RoleStaff:
		return p&staff != 0
	}
	return false
}

// route is one line of the route table.
type route struct {
	method, pattern string
	perm            perm
	handle          handlerFunc
}

// routes is HMS's route table: every endpoint and who may call it, in one place. The
// roles follow the README's table; the authorization tests are generated from it.
func (a *API) routes() []route {
	return []route{
		{"GET", "/health", public, a.health},
		{"GET", "/ready", public, a.ready},

		{"POST", "/api/auth/login", public, a.login},
		{"POST", "/api/auth/refresh", public, a.refresh},
		{"POST", "/api/auth/logout", public, a.logout}, // the refresh token in the body is the credential
		{"GET", "/api/auth/me", anyRole, a.me},
		{"POST", "/api/auth/password", anyRole, a.changePassword},

		{"GET", "/api/openapi.json", public, a.openAPI},
		{"GET", "/api/clinic", anyRole, a.clinic}, // the time zone the UI shows and reads times in

		// ?include_inactive=true (deactivated patients too) is for admins only.
		{"GET", "/api/patients", anyRole, a.listPatients},
		{"POST", "/api/patients", admin | staff, a.createPatient},
		{"GET", "/api/patients/{id}", anyRole, a.getPatient},
		{"PUT", "/api/patients/{id}", anyRole, a.updatePatient},
		{"DELETE", "/api/patients/{id}", admin, a.deletePatient},      // deactivates
		{"DELETE", "/api/patients/{id}/purge", admin, a.purgePatient}, // erases for good
		{"GET", "/api/patients/{id}/duplicates", admin | staff, a.patientDuplicates},
		{"GET", "/api/patients/{id}/records", admin | doctor, a.listPatientRecords},

		{"GET", "/api/doctors", anyRole, a.listDoctors},
		{"POST", "/api/doctors", admin, a.createDoctor},
		{"GET", "/api/doctors/{id}", anyRole, a.getDoctor},
		{"PUT", "/api/doctors/{id}", admin, a.updateDoctor},
		{"GET", "/api/doctors/{id}/availability", anyRole, a.availability},

		{"GET", "/api/appointments", anyRole, a.listAppointments},
		{"POST", "/api/appointments", anyRole, a.createAppointment},
		{"GET", "/api/appointments/{id}", anyRole, a.getAppointment},
		{"PUT", "/api/appointments/{id}", anyRole, a.updateAppointment},
		{"DELETE", "/api/appointments/{id}", admin | staff, a.deleteAppointment}, // cancels and hides
		{"GET", "/api/appointments/{id}/history", anyRole, a.appointmentHistory},

		{"POST", "/api/records", admin | doctor, a.createRecord},
		{"GET", "/api/records/{id}", admin | doctor, a.getRecord},
		{"PUT", "/api/records/{id}", admin | doctor, a.amendRecord}, // a new version
		{"DELETE", "/api/records/{id}", admin, a.deleteRecord},      // voids
		{"GET", "/api/records/{id}/history", admin | doctor, a.recordHistory},

		{"GET", "/api/users", admin, a.listUsers},
		{"POST", "/api/users", admin, a.createUser},
		{"GET", "/api/users/{id}", admin, a.getUser},
		{"PUT", "/api/users/{id}", admin, a.updateUser},
		{"DELETE", "/api/users/{id}", admin, a.deactivateUser},

		{"GET", "/api/audit", admin, a.listAudit},

		{"GET", "/fhir/metadata", public, a.fhirMetadata},
		{"POST", "/fhir", admin, a.fhirImport},
		{"POST", "/fhir/{$}", admin, a.fhirImport}, // the base with a slash, as some clients send it
		{"GET", "/fhir/Patient", anyRole, a.fhirSearch("Patient")},
		{"GET", "/fhir/Patient/{id}", anyRole, a.fhirRead("Patient")},
		{"GET", "/fhir/Observation", admin | doctor, a.fhirSearch("Observation")},
		{"GET", "/fhir/Observation/{id}", admin | doctor, a.fhirRead("Observation")},
		{"GET", "/fhir/Practitioner", anyRole, a.fhirSearch("Practitioner")},
		{"GET", "/fhir/Practitioner/{id}", anyRole, a.fhirRead("Practitioner")},
		{"GET", "/fhir/Appointment", anyRole, a.fhirSearch("Appointment")},
		{"GET", "/fhir/Appointment/{id}", anyRole, a.fhirRead("Appointment")},
		{"GET", "/fhir/Condition", admin | doctor, a.fhirSearch("Condition")},
		{"GET", "/fhir/Condition/{id}", admin | doctor, a.fhirRead("Condition")},
		{"GET", "/fhir/MedicationRequest", admin | doctor, a.fhirSearch("MedicationRequest")},
		{"GET", "/fhir/MedicationRequest/{id}", admin | doctor, a.fhirRead("MedicationRequest")},
	}
}

// New builds the HTTP handler of HMS.
func New(opts Options) (*API, http.Handler) {
	a := &API{store: opts.Store, auth: opts.Auth, log: opts.Logger, loc: opts.Location, now: opts.Now, limit: opts.AuthRateLimit,
		version: opts.Version, started: time.Now()}
	if a.now == nil {
		a.now = time.Now
	}
	if a.loc == nil {
		a.loc = time.UTC
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.limit.Requests <= 0 || a.limit.Window <= 0 {
		a.limit = RateLimit{Requests: 60, Window: time.Minute}
	}
	mux := http.NewServeMux()
	// Group the table by path, so one handler per path can answer 405 with Allow in JSON.
	byPath := map[string][]route{}
	var paths []string
	for _, rt := range a.routes() {
		if rt.perm == 0 {
			panic("httpapi: route " + rt.method + " " + rt.pattern + " has no permission")
		}
		if byPath[rt.pattern] == nil {
			paths = append(paths, rt.pattern)
		}
		byPath[rt.pattern] = append(byPath[rt.pattern], rt)
	}
	for _, p := range paths {
		mux.Handle(p, a.methods(byPath[p]))
	}
	mux.Handle("/api/", toHTTP(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := a.authenticate(r); err != nil {
			return err // an anonymous caller learns nothing about which routes exist
		}
		return domain.Errorf(domain.CodeNotFound, "no API endpoint %s %s", r.Method, r.URL.Path)
	}))
	mux.Handle("/fhir/", toHTTP(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := a.authenticate(r); err != nil {
			return err
		}
		return domain.Errorf(domain.CodeNotFound, "HMS does not serve %s %s; GET /fhir/metadata lists what it does", r.Method, r.URL.Path)
	}))
	if opts.UI != nil {
		mux.Handle("/", opts.UI)
	}
	sec := security{cors: opts.CORSOrigins, hsts: opts.HSTS, trustProxy: opts.TrustProxy}
	return a, withRequestLog(a.log, opts.Observe, sec.clientIP, sec.wrap(mux))
}

// StartDraining makes /ready answer 503, so load balancers stop sending traffic before shutdown.
func (a *API) StartDraining() { a.draining.Store(true) }

// methods dispatches a path's requests by method, each through its permission check;
// other methods get 405 with Allow (after sign-in, unless the whole path is public).
func (a *API) methods(rts []route) http.Handler {
	byMethod := map[string]handlerFunc{}
	allowed := make([]string, 0, len(rts)+1)
	open := true
	for _, rt := range rts {
		byMethod[rt.method] = a.guard(rt)
		allowed = append(allowed, rt.method)
		open = open && rt.perm == public
	}
	if _, ok := byMethod["GET"]; ok {
		allowed = append(allowed, "HEAD")
	}
	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")
	return toHTTP(func(w http.ResponseWriter, r *http.Request) error {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		h, ok := byMethod[method]
		if !ok {
			if !open {
				if _, err := a.authenticate(r); err != nil {
					return err
				}
			}
			w.Header().Set("Allow", allow)
			msg := "method " + r.Method + " is not allowed here; use " + allow
			if isFHIR(r) {
				writeFHIR(w, http.StatusMethodNotAllowed, fhir.OperationOutcome{ResourceType: "OperationOutcome",
					Issue: []fhir.Issue{{Severity: "error", Code: "not-supported", Diagnostics: msg}}})
				return nil
			}
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: msg})
			return nil
		}
		return h(w, r)
	})
}

// toHTTP adapts a handlerFunc, writing its error as JSON.
func toHTTP(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}
