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

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
	"github.com/hms-project/hms/internal/store"
)

// API holds what the handlers need.
type API struct {
	store    *store.Store
	log      *slog.Logger
	loc      *time.Location
	now      func() time.Time
	version  string
	started  time.Time
	draining atomic.Bool
}

// Options configures New.
type Options struct {
	Store    *store.Store
	Logger   *slog.Logger
	Location *time.Location   // the clinic's time zone
	Now      func() time.Time // the clock; time.Now when nil
	UI       http.Handler     // serves the web UI at /; nil answers 404 there
	Version  string           // the server's version, for the FHIR CapabilityStatement
	// Observe, when set, is told of every served request (for metrics).
	Observe func(method, route string, status int, d time.Duration)
}

// handlerFunc is an API handler: it writes a success response or returns an error,
// which writeError turns into the JSON error envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one line of the route table.
type route struct {
	method, pattern string
	handle          handlerFunc
}

// routes is HMS's route table: every endpoint, in one place.
func (a *API) routes() []route {
	return []route{
		{"GET", "/health", a.health},
		{"GET", "/ready", a.ready},

		{"GET", "/api/openapi.json", a.openAPI},

		// ?include_inactive=true (deactivated patients) is for admins once access control lands.
		{"GET", "/api/patients", a.listPatients},
		{"POST", "/api/patients", a.createPatient},
		{"GET", "/api/patients/{id}", a.getPatient},
		{"PUT", "/api/patients/{id}", a.updatePatient},
		{"DELETE", "/api/patients/{id}", a.deletePatient},      // deactivates
		{"DELETE", "/api/patients/{id}/purge", a.purgePatient}, // erases for good: admin only
		{"GET", "/api/patients/{id}/duplicates", a.patientDuplicates},
		{"GET", "/api/patients/{id}/records", a.listPatientRecords},

		{"GET", "/api/doctors", a.listDoctors},
		{"POST", "/api/doctors", a.createDoctor}, // admin only
		{"GET", "/api/doctors/{id}", a.getDoctor},
		{"PUT", "/api/doctors/{id}", a.updateDoctor}, // admin only
		{"GET", "/api/doctors/{id}/availability", a.availability},

		{"GET", "/api/appointments", a.listAppointments},
		{"POST", "/api/appointments", a.createAppointment},
		{"GET", "/api/appointments/{id}", a.getAppointment},
		{"PUT", "/api/appointments/{id}", a.updateAppointment},
		{"DELETE", "/api/appointments/{id}", a.deleteAppointment}, // cancels and hides
		{"GET", "/api/appointments/{id}/history", a.appointmentHistory},

		{"POST", "/api/records", a.createRecord},
		{"GET", "/api/records/{id}", a.getRecord},
		{"PUT", "/api/records/{id}", a.amendRecord},     // a new version
		{"DELETE", "/api/records/{id}", a.deleteRecord}, // voids
		{"GET", "/api/records/{id}/history", a.recordHistory},

		{"GET", "/fhir/metadata", a.fhirMetadata},
		{"POST", "/fhir", a.fhirImport},
		{"POST", "/fhir/{$}", a.fhirImport}, // the base with a slash, as some clients send it
		{"GET", "/fhir/Patient", a.fhirSearch("Patient")},
		{"GET", "/fhir/Patient/{id}", a.fhirRead("Patient")},
		{"GET", "/fhir/Observation", a.fhirSearch("Observation")},
		{"GET", "/fhir/Observation/{id}", a.fhirRead("Observation")},
		{"GET", "/fhir/Practitioner", a.fhirSearch("Practitioner")},
		{"GET", "/fhir/Practitioner/{id}", a.fhirRead("Practitioner")},
		{"GET", "/fhir/Appointment", a.fhirSearch("Appointment")},
		{"GET", "/fhir/Appointment/{id}", a.fhirRead("Appointment")},
		{"GET", "/fhir/Condition", a.fhirSearch("Condition")},
		{"GET", "/fhir/Condition/{id}", a.fhirRead("Condition")},
		{"GET", "/fhir/MedicationRequest", a.fhirSearch("MedicationRequest")},
		{"GET", "/fhir/MedicationRequest/{id}", a.fhirRead("MedicationRequest")},
	}
}

// New builds the HTTP handler of HMS.
func New(opts Options) (*API, http.Handler) {
	a := &API{store: opts.Store, log: opts.Logger, loc: opts.Location, now: opts.Now, version: opts.Version, started: time.Now()}
	if a.now == nil {
		a.now = time.Now
	}
	if a.loc == nil {
		a.loc = time.UTC
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	mux := http.NewServeMux()
	// Group the table by path, so one handler per path can answer 405 with Allow in JSON.
	byPath := map[string]map[string]handlerFunc{}
	var paths []string
	for _, rt := range a.routes() {
		if byPath[rt.pattern] == nil {
			byPath[rt.pattern] = map[string]handlerFunc{}
			paths = append(paths, rt.pattern)
		}
		byPath[rt.pattern][rt.method] = rt.handle
	}
	for _, p := range paths {
		mux.Handle(p, methods(byPath[p]))
	}
	mux.Handle("/api/", toHTTP(func(w http.ResponseWriter, r *http.Request) error {
		return domain.Errorf(domain.CodeNotFound, "no API endpoint %s %s", r.Method, r.URL.Path)
	}))
	mux.Handle("/fhir/", toHTTP(func(w http.ResponseWriter, r *http.Request) error {
		return domain.Errorf(domain.CodeNotFound, "HMS does not serve %s %s; GET /fhir/metadata lists what it does", r.Method, r.URL.Path)
	}))
	if opts.UI != nil {
		mux.Handle("/", opts.UI)
	}
	return a, withRequestLog(a.log, opts.Observe, mux)
}

// StartDraining makes /ready answer 503, so load balancers stop sending traffic before shutdown.
func (a *API) StartDraining() { a.draining.Store(true) }

// methods dispatches a path's requests by method; other methods get 405 with Allow.
func methods(byMethod map[string]handlerFunc) http.Handler {
	allowed := make([]string, 0, len(byMethod)+1)
	for m := range byMethod {
		allowed = append(allowed, m)
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
