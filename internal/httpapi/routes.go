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
	"github.com/hms-project/hms/internal/notify"
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
	notices  *notify.Service // nil: no messages, and the patients' pages answer 404
	sso      *auth.SSO       // nil: no single sign-on, and its routes answer 404
	// breakGlass: password sign-in is off for everyone but the break-glass admin.
	breakGlass bool
	// may is what each role may do, from the route table (see permissions).
	may map[string][]string
	// chartAccessRule and emergencyTTL: see Options.ChartAccess and Options.EmergencyTTL.
	chartAccessRule string
	emergencyTTL    time.Duration
}

// The rules of HMS_CHART_ACCESS: which charts a doctor opens without declaring an emergency.
const (
	ChartAccessAll      = "all"       // every patient's
	ChartAccessCareTeam = "care-team" // their care team's (store.ChartAccessOf)
)

// DefaultEmergencyTTL is how long an emergency access lasts.
const DefaultEmergencyTTL = time.Hour

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
	// Notices sends appointment messages; its links open the patients' pages.
	Notices *notify.Service
	// SSO signs users in with the clinic's OpenID Connect provider; nil: no single sign-on.
	SSO *auth.SSO
	// BreakGlass tells the sign-in screen that passwords are off but for the break-glass admin.
	BreakGlass bool
	// ChartAccess is ChartAccessAll (the default when empty) or ChartAccessCareTeam.
	ChartAccess string
	// EmergencyTTL is how long an emergency access lasts; DefaultEmergencyTTL when zero.
	EmergencyTTL time.Duration
}

// handlerFunc is an API handler: it writes a success response or returns an error,
// which writeError turns into the JSON error envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// perm says who may call a route: a set of roles, or anybody (public).
type perm uint8

const (
	admin perm = 1 << iota
	doctor
	nurse
	staff
	public       // no sign-in: health checks and the calls that sign in
	mfaStep      // the token of a sign-in's second step (auth.PurposeMFA); 401 on every other route
	mfaEnrolment // the token of a sign-in that must first enrol a second factor (auth.PurposeEnrol)
	anyRole      = admin | doctor | nurse | staff
	// chart reads the chart: everyone who treats patients, not the front desk.
	chart = admin | doctor | nurse
)

// allowsPending reports whether the token of a sign-in's second step, of purpose, may
// call the route.
func (p perm) allowsPending(purpose string) bool {
	switch purpose {
	case auth.PurposeMFA:
		return p&mfaStep != 0
	case auth.PurposeEnrol:
		return p&mfaEnrolment != 0
	}
	return false
}

// allows reports whether a signed-in user with role may call the route.
func (p perm) allows(role string) bool {
	switch role {
	case domain.RoleAdmin:
		return p&admin != 0
	case domain.RoleDoctor:
		return p&doctor != 0
	case domain.RoleNurse:
		return p&nurse != 0
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
	touches         touches
}

// touches says what a route's requests are about, for the audit trail: the resource type
// of their events and how their patient is found. guard writes the events from it: the
// read event of a GET that succeeds (see readRecorder), and the denied event of a refused
// request. Every route that needs sign-in declares it; New refuses one that does not.
type touches struct {
	resource string // domain.Resource*
	patient  patientOf
}

// patientOf says how the audit trail finds the patients of a route's requests.
type patientOf uint8

const (
	// noPatient: the route touches no patient's data (doctors, users, one's own account);
	// its reads are not recorded.
	noPatient patientOf = iota + 1
	// dataPatients: the patients of the data the answer holds, one read event each, or one
	// event without a patient when it holds none. A denied request names no patient.
	dataPatients
	// pathPatient: the {id} of the path is a patient's id: the read event names that
	// patient, and the patients of the data the answer holds.
	pathPatient
	// pathBloodGroup: the {id} of the path is blood-group-N, patient N's blood-group
	// Observation; otherwise as pathPatient.
	pathBloodGroup
	// queryPatient: the patient that the patient_id query parameter names, if any, and the
	// patients of the data the answer holds (the audit trail: the patients it names).
	queryPatient
)

// nothing is what the public routes without an account touch: the health checks and the
// descriptions of the API.
var nothing = touches{}

// routes is HMS's route table: every endpoint, who may call it and what it touches for the
// audit trail, in one place. fromReplica marks the heavy reads (lists and searches) that a
// read replica may serve. The roles follow the README's table; the authorization tests
// and the tests of the read events are generated from it.
func (a *API) routes() []route {
	return []route{
		{"GET", "/health", public, a.health, nothing},
		{"GET", "/ready", public, a.ready, nothing},

		{"POST", "/api/auth/login", public, a.login, touches{domain.ResourceSession, noPatient}},
		{"POST", "/api/auth/refresh", public, a.refresh, touches{domain.ResourceSession, noPatient}},
		{"POST", "/api/auth/logout", public, a.logout, touches{domain.ResourceSession, noPatient}},            // the refresh token in the body is the credential
		{"GET", "/api/auth/methods", public, a.signInMethods, nothing},                                        // what the sign-in screen offers
		{"GET", "/api/auth/oidc/start", public, a.ssoStart, touches{domain.ResourceSession, noPatient}},       // redirects to the identity provider
		{"GET", "/api/auth/oidc/callback", public, a.ssoCallback, touches{domain.ResourceSession, noPatient}}, // the provider's redirect back; redirects to the UI
		{"POST", "/api/auth/oidc/session", public, a.ssoSession, touches{domain.ResourceSession, noPatient}},  // the callback's one-time code for HMS's tokens
		{"GET", "/api/auth/me", anyRole, a.me, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/auth/password", anyRole, a.changePassword, touches{domain.ResourceUser, noPatient}},
		{"GET", "/api/auth/sessions", anyRole, a.listSessions, touches{domain.ResourceSession, noPatient}},       // one's own
		{"DELETE", "/api/auth/sessions/{id}", anyRole, a.endSession, touches{domain.ResourceSession, noPatient}}, // one's own; {id}: its public id
		// Two-factor sign-in: one's own; the second step of a sign-in calls verify (or setup
		// and confirm, when its role requires a second factor it has not enrolled).
		{"GET", "/api/auth/mfa", anyRole, a.mfaStatus, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/auth/mfa/setup", anyRole | mfaEnrolment, a.mfaSetup, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/auth/mfa/confirm", anyRole | mfaEnrolment, a.mfaConfirm, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/auth/mfa/disable", anyRole, a.mfaDisable, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/auth/mfa/verify", mfaStep, a.mfaVerify, touches{domain.ResourceSession, noPatient}},

		{"GET", "/api/openapi.json", public, a.openAPI, nothing},
		{"GET", "/api/clinic", anyRole, a.clinic, touches{domain.ResourceClinic, noPatient}}, // the time zone the UI shows and reads times in

		// ?include_inactive=true (deactivated patients too) is for admins only.
		{"GET", "/api/patients", anyRole, a.fromReplica(a.listPatients), touches{domain.ResourcePatient, dataPatients}},
		{"POST", "/api/patients", admin | staff, a.createPatient, touches{domain.ResourcePatient, dataPatients}},
		{"GET", "/api/patients/{id}", anyRole, a.getPatient, touches{domain.ResourcePatient, pathPatient}},
		{"PUT", "/api/patients/{id}", anyRole, a.updatePatient, touches{domain.ResourcePatient, pathPatient}},
		{"DELETE", "/api/patients/{id}", admin, a.deletePatient, touches{domain.ResourcePatient, pathPatient}},      // deactivates
		{"DELETE", "/api/patients/{id}/purge", admin, a.purgePatient, touches{domain.ResourcePatient, pathPatient}}, // erases for good
		{"GET", "/api/patients/{id}/duplicates", admin | staff, a.patientDuplicates, touches{domain.ResourcePatient, pathPatient}},
		// The registration form's check before it saves: ?name=&date_of_birth=&phone=&email=.
		{"GET", "/api/patients/matches", admin | staff, a.patientMatches, touches{domain.ResourcePatient, dataPatients}},
		{"POST", "/api/patients/{id}/merge", admin, a.mergePatient, touches{domain.ResourcePatient, pathPatient}},     // {"into": survivor id}
		{"POST", "/api/patients/{id}/restore", admin, a.restorePatient, touches{domain.ResourcePatient, pathPatient}}, // a deactivated, not a merged, patient
		{"GET", "/api/patients/{id}/records", chart, a.fromReplica(a.listPatientRecords), touches{domain.ResourceRecord, pathPatient}},
		{"GET", "/api/patients/{id}/visits", chart, a.fromReplica(a.listPatientVisits), touches{domain.ResourceVisit, pathPatient}},
		{"GET", "/api/patients/{id}/vitals", chart, a.listVitals, touches{domain.ResourceVitalSign, pathPatient}},
		{"POST", "/api/patients/{id}/vitals", chart, a.recordVitals, touches{domain.ResourceVitalSign, pathPatient}},
		{"GET", "/api/patients/{id}/allergies", chart, a.listAllergies, touches{domain.ResourceAllergy, pathPatient}},
		{"POST", "/api/patients/{id}/allergies", chart, a.createAllergy, touches{domain.ResourceAllergy, pathPatient}},
		{"GET", "/api/patients/{id}/problems", chart, a.listProblems, touches{domain.ResourceProblem, pathPatient}},
		{"POST", "/api/patients/{id}/problems", admin | doctor, a.createProblem, touches{domain.ResourceProblem, pathPatient}},
		{"GET", "/api/patients/{id}/medications", chart, a.listMedications, touches{domain.ResourceRecord, pathPatient}},
		// Break-glass: a doctor opens a chart outside their care team (HMS_CHART_ACCESS).
		{"POST", "/api/patients/{id}/emergency-access", doctor, a.startEmergencyAccess, touches{domain.ResourcePatient, pathPatient}},
		{"GET", "/api/emergency-access", admin, a.listEmergencyAccess, touches{domain.ResourcePatient, dataPatients}}, // the last 7 days
		{"GET", "/api/patients/{id}/contact-preference", anyRole, a.getContactPreference, touches{domain.ResourcePatient, pathPatient}},
		{"PUT", "/api/patients/{id}/contact-preference", admin | staff, a.setContactPreference, touches{domain.ResourcePatient, pathPatient}},

		{"GET", "/api/doctors", anyRole, a.fromReplica(a.listDoctors), touches{domain.ResourceDoctor, noPatient}},
		{"POST", "/api/doctors", admin, a.createDoctor, touches{domain.ResourceDoctor, noPatient}},
		{"GET", "/api/doctors/{id}", anyRole, a.getDoctor, touches{domain.ResourceDoctor, noPatient}},
		{"PUT", "/api/doctors/{id}", admin, a.updateDoctor, touches{domain.ResourceDoctor, noPatient}},
		{"GET", "/api/doctors/{id}/availability", anyRole, a.availability, touches{domain.ResourceDoctor, noPatient}},

		{"GET", "/api/appointments", anyRole, a.fromReplica(a.listAppointments), touches{domain.ResourceAppointment, dataPatients}},
		{"POST", "/api/appointments", anyRole, a.createAppointment, touches{domain.ResourceAppointment, dataPatients}},
		{"GET", "/api/appointments/{id}", anyRole, a.getAppointment, touches{domain.ResourceAppointment, dataPatients}},
		{"PUT", "/api/appointments/{id}", anyRole, a.updateAppointment, touches{domain.ResourceAppointment, dataPatients}},
		{"DELETE", "/api/appointments/{id}", admin | staff, a.deleteAppointment, touches{domain.ResourceAppointment, dataPatients}}, // cancels; stays listed
		{"GET", "/api/appointments/{id}/history", anyRole, a.appointmentHistory, touches{domain.ResourceAppointment, dataPatients}},
		{"GET", "/api/appointments/{id}/notifications", anyRole, a.appointmentNotifications, touches{domain.ResourceAppointment, dataPatients}},

		{"GET", "/api/notifications", admin, a.fromReplica(a.listNotifications), touches{domain.ResourceNotification, dataPatients}}, // the outbox
		{"POST", "/api/notifications/{id}/resend", admin, a.resendNotification, touches{domain.ResourceNotification, dataPatients}},

		// The patients' pages that messages link to: the signed token is the credential.
		{"GET", "/respond/{token}", public, a.respondPage, nothing},
		{"POST", "/respond/{token}", public, a.respond, nothing},
		{"GET", "/opt-out/{token}", public, a.optOutPage, nothing},
		{"POST", "/opt-out/{token}", public, a.optOut, nothing},

		{"POST", "/api/records", admin | doctor, a.createRecord, touches{domain.ResourceRecord, dataPatients}},
		{"GET", "/api/records/{id}", chart, a.getRecord, touches{domain.ResourceRecord, dataPatients}},
		{"PUT", "/api/records/{id}", admin | doctor, a.amendRecord, touches{domain.ResourceRecord, dataPatients}}, // a new version
		{"DELETE", "/api/records/{id}", admin, a.deleteRecord, touches{domain.ResourceRecord, dataPatients}},      // voids
		{"GET", "/api/records/{id}/history", chart, a.recordHistory, touches{domain.ResourceRecord, dataPatients}},

		// Visits: opened at check-in or as a walk-in; signing locks the note, addenda follow.
		{"POST", "/api/visits", chart, a.createVisit, touches{domain.ResourceVisit, dataPatients}},
		{"GET", "/api/visits/{id}", chart, a.getVisit, touches{domain.ResourceVisit, dataPatients}},
		{"PUT", "/api/visits/{id}", admin | doctor, a.updateVisit, touches{domain.ResourceVisit, dataPatients}}, // the note, while unsigned
		{"POST", "/api/visits/{id}/sign", admin | doctor, a.signVisit, touches{domain.ResourceVisit, dataPatients}},
		{"POST", "/api/visits/{id}/addenda", admin | doctor, a.addAddendum, touches{domain.ResourceVisit, dataPatients}},
		{"GET", "/api/visits/{id}/history", chart, a.visitHistory, touches{domain.ResourceVisit, dataPatients}},

		{"PUT", "/api/allergies/{id}", chart, a.updateAllergy, touches{domain.ResourceAllergy, dataPatients}},
		{"PUT", "/api/problems/{id}", admin | doctor, a.updateProblem, touches{domain.ResourceProblem, dataPatients}},
		// {id}: the record of the prescription.
		{"POST", "/api/medications/{id}/stop", admin | doctor, a.stopMedication, touches{domain.ResourceRecord, dataPatients}},

		{"GET", "/api/users", admin, a.listUsers, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/users", admin, a.createUser, touches{domain.ResourceUser, noPatient}},
		{"GET", "/api/users/{id}", admin, a.getUser, touches{domain.ResourceUser, noPatient}},
		{"PUT", "/api/users/{id}", admin, a.updateUser, touches{domain.ResourceUser, noPatient}},
		{"DELETE", "/api/users/{id}", admin, a.deactivateUser, touches{domain.ResourceUser, noPatient}},
		{"DELETE", "/api/users/{id}/sessions", admin, a.endUserSessions, touches{domain.ResourceUser, noPatient}},
		{"POST", "/api/users/{id}/password", admin, a.resetPassword, touches{domain.ResourceUser, noPatient}}, // ends their sessions
		{"DELETE", "/api/users/{id}/mfa", admin, a.resetUserMFA, touches{domain.ResourceUser, noPatient}},     // ends their sessions too

		{"GET", "/api/audit", admin, a.listAudit, touches{domain.ResourceAudit, queryPatient}},

		{"GET", "/fhir/metadata", public, a.fhirMetadata, nothing},
		{"POST", "/fhir", admin, a.fhirImport, touches{domain.ResourcePatient, dataPatients}},
		{"POST", "/fhir/{$}", admin, a.fhirImport, touches{domain.ResourcePatient, dataPatients}}, // the base with a slash, as some clients send it
		{"GET", "/fhir/Patient", anyRole, a.fromReplica(a.fhirSearch("Patient")), touches{domain.ResourcePatient, dataPatients}},
		{"GET", "/fhir/Patient/{id}", anyRole, a.fhirRead("Patient"), touches{domain.ResourcePatient, pathPatient}},
		{"GET", "/fhir/Observation", chart, a.fromReplica(a.fhirSearch("Observation")), touches{domain.ResourcePatient, dataPatients}},
		{"GET", "/fhir/Observation/{id}", chart, a.fhirRead("Observation"), touches{domain.ResourcePatient, pathBloodGroup}},
		{"GET", "/fhir/Practitioner", anyRole, a.fromReplica(a.fhirSearch("Practitioner")), touches{domain.ResourceDoctor, noPatient}},
		{"GET", "/fhir/Practitioner/{id}", anyRole, a.fhirRead("Practitioner"), touches{domain.ResourceDoctor, noPatient}},
		{"GET", "/fhir/Appointment", anyRole, a.fromReplica(a.fhirSearch("Appointment")), touches{domain.ResourceAppointment, dataPatients}},
		{"GET", "/fhir/Appointment/{id}", anyRole, a.fhirRead("Appointment"), touches{domain.ResourceAppointment, dataPatients}},
		{"GET", "/fhir/Condition", chart, a.fromReplica(a.fhirSearch("Condition")), touches{domain.ResourceRecord, dataPatients}},
		{"GET", "/fhir/Condition/{id}", chart, a.fhirRead("Condition"), touches{domain.ResourceRecord, dataPatients}},
		{"GET", "/fhir/MedicationRequest", chart, a.fromReplica(a.fhirSearch("MedicationRequest")), touches{domain.ResourceRecord, dataPatients}},
		{"GET", "/fhir/MedicationRequest/{id}", chart, a.fhirRead("MedicationRequest"), touches{domain.ResourceRecord, dataPatients}},
		{"GET", "/fhir/Encounter", chart, a.fromReplica(a.fhirSearch("Encounter")), touches{domain.ResourceVisit, dataPatients}},
		{"GET", "/fhir/Encounter/{id}", chart, a.fhirRead("Encounter"), touches{domain.ResourceVisit, dataPatients}},
		{"GET", "/fhir/AllergyIntolerance", chart, a.fromReplica(a.fhirSearch("AllergyIntolerance")), touches{domain.ResourceAllergy, dataPatients}},
		{"GET", "/fhir/AllergyIntolerance/{id}", chart, a.fhirRead("AllergyIntolerance"), touches{domain.ResourceAllergy, dataPatients}},
	}
}

// New builds the HTTP handler of HMS.
func New(opts Options) (*API, http.Handler) {
	a := &API{store: opts.Store, auth: opts.Auth, log: opts.Logger, loc: opts.Location, now: opts.Now, limit: opts.AuthRateLimit,
		version: opts.Version, started: time.Now(), notices: opts.Notices, sso: opts.SSO, breakGlass: opts.BreakGlass,
		chartAccessRule: opts.ChartAccess, emergencyTTL: opts.EmergencyTTL}
	if a.emergencyTTL <= 0 {
		a.emergencyTTL = DefaultEmergencyTTL
	}
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
	rts := a.routes()
	a.may = rolePermissions(rts)
	mux := a.serve(rts)
	if opts.UI != nil {
		mux.Handle("/", opts.UI)
	}
	sec := security{cors: opts.CORSOrigins, hsts: opts.HSTS, trustProxy: opts.TrustProxy}
	return a, withRequestLog(a.log, opts.Observe, sec.clientIP, sec.wrap(mux))
}

// serve returns a mux that serves the route table rts, each route through its guard. It
// panics on a line that names no permission, or that needs sign-in and does not say what
// it touches for the audit trail.
func (a *API) serve(rts []route) *http.ServeMux {
	mux := http.NewServeMux()
	// Group the table by path, so one handler per path can answer 405 with Allow in JSON.
	byPath := map[string][]route{}
	var paths []string
	for _, rt := range rts {
		if rt.perm == 0 {
			panic("httpapi: route " + rt.method + " " + rt.pattern + " has no permission")
		}
		if rt.perm != public && (rt.touches.resource == "" || rt.touches.patient == 0) {
			panic("httpapi: route " + rt.method + " " + rt.pattern + " does not say what it touches for the audit trail")
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
	return mux
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
