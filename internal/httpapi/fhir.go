package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
	"github.com/hms-project/hms/internal/store"
)

// maxBundleBytes is the largest Bundle POST /fhir reads: real patient bundles run to
// megabytes.
const maxBundleBytes = 32 << 20

// isFHIR reports whether a request is for the FHIR API, whose errors are OperationOutcomes.
func isFHIR(r *http.Request) bool {
	return r.URL.Path == "/fhir" || strings.HasPrefix(r.URL.Path, "/fhir/")
}

// writeFHIR writes v as a FHIR JSON body with the given status.
func writeFHIR(w http.ResponseWriter, status int, v any) {
	offer(w, v)
	w.Header().Set("Content-Type", fhir.ContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fhirBase is the FHIR base URL the client reached, e.g. http://localhost:8080/fhir.
func fhirBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

func (a *API) fhirMetadata(w http.ResponseWriter, r *http.Request) error {
	writeFHIR(w, http.StatusOK, fhir.Capabilities(fhirBase(r), a.version, a.started))
	return nil
}

// fhirIDSyntax is FHIR's id datatype: what a resource id may look like at all.
var fhirIDSyntax = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// fhirPathID checks the {id} of a FHIR read. FHIR ids are case-sensitive strings, so a
// well-formed id that HMS never issued ("01", "abc") names no resource (404), while a
// value that is no FHIR id at all ("+1", " 1") is a malformed request (400).
func fhirPathID(r *http.Request, resourceType string) (string, error) {
	v := r.PathValue("id")
	if !fhirIDSyntax.MatchString(v) {
		return "", domain.Errorf(domain.CodeInvalid, "%q is not a FHIR id (letters, digits, '-' and '.', at most 64)", v)
	}
	return v, nil
}

// fhirID parses a resource id; a FHIR id that is not an HMS id is an unknown resource.
func fhirID(r *http.Request, resourceType string) (int64, error) {
	v, err := fhirPathID(r, resourceType)
	if err != nil {
		return 0, err
	}
	n, ok := domain.ParseID(v)
	if !ok {
		return 0, domain.Errorf(domain.CodeNotFound, "%s/%s not found", resourceType, v)
	}
	return n, nil
}

// fhirRead returns the handler of GET /fhir/{resourceType}/{id}.
func (a *API) fhirRead(resourceType string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		res, err := a.readFHIR(r, resourceType)
		if err != nil {
			return err
		}
		writeFHIR(w, http.StatusOK, res)
		return nil
	}
}

// readFHIR reads one resource.
func (a *API) readFHIR(r *http.Request, resourceType string) (any, error) {
	ctx := r.Context()
	notFound := domain.Errorf(domain.CodeNotFound, "%s/%s not found", resourceType, r.PathValue("id"))
	if resourceType == "Observation" {
		v, err := fhirPathID(r, resourceType)
		if err != nil {
			return nil, err
		}
		if vid, ok := fhir.ParseVitalID(v); ok {
			vs, err := a.store.VitalSign(ctx, vid)
			return fhir.FromVital(vs), asFHIRNotFound(err, notFound)
		}
		pid, ok := fhir.ParseBloodGroupID(v)
		if !ok {
			return nil, notFound
		}
		p, err := a.store.Patient(ctx, pid)
		if err != nil {
			return nil, asFHIRNotFound(err, notFound)
		}
		if obs, ok := fhir.FromBloodGroup(p); ok {
			return obs, nil
		}
		return nil, notFound
	}
	if pid, ok := fhir.ParseProblemID(r.PathValue("id")); ok && resourceType == "Condition" {
		c, err := a.store.Problem(ctx, pid)
		return fhir.FromProblem(c), asFHIRNotFound(err, notFound)
	}
	id, err := fhirID(r, resourceType)
	if err != nil {
		return nil, err
	}
	switch resourceType {
	case "Patient":
		// A merged patient is still read, inactive and replaced-by the survivor, so that a
		// client holding its id finds where the record went; other deactivated ones are not.
		p, err := a.store.AnyPatient(ctx, id)
		if err == nil && !p.Active && p.ReplacedBy == nil {
			err = domain.NotFound("patient", id)
		}
		if err != nil {
			return nil, asFHIRNotFound(err, notFound)
		}
		merged, err := a.store.PatientsReplacedBy(ctx, id)
		if err != nil {
			return nil, err
		}
		return fhir.WithReplaces(fhir.FromPatient(p), merged), nil
	case "Practitioner":
		d, err := a.store.Doctor(ctx, id)
		return fhir.FromDoctor(d), asFHIRNotFound(err, notFound)
	case "Appointment":
		ap, err := a.store.Appointment(ctx, id)
		return fhir.FromAppointment(ap), asFHIRNotFound(err, notFound)
	case "Encounter":
		v, err := a.store.Visit(ctx, id)
		return fhir.FromVisit(v), asFHIRNotFound(err, notFound)
	case "AllergyIntolerance":
		al, err := a.store.Allergy(ctx, id)
		return fhir.FromAllergy(al), asFHIRNotFound(err, notFound)
	case "Condition", "MedicationRequest":
		rec, err := a.store.Record(ctx, id)
		if err != nil {
			return nil, asFHIRNotFound(err, notFound)
		}
		if resourceType == "Condition" && fhir.HasCondition(rec) {
			return fhir.FromRecordCondition(rec), nil
		}
		if mr, ok := fhir.FromRecordMedication(rec); ok && resourceType == "MedicationRequest" {
			return mr, nil
		}
	}
	return nil, notFound
}

// asFHIRNotFound names the FHIR resource in a not-found error.
func asFHIRNotFound(err, notFound error) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return notFound
	}
	return err
}

// fhirSearch returns the handler of GET /fhir/{resourceType}?...: a searchset Bundle of one page.
func (a *API) fhirSearch(resourceType string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := fhir.ParseQuery(resourceType, r.URL.Query())
		if err != nil {
			return err
		}
		entries, total, next, err := a.searchFHIR(r, resourceType, q)
		if err != nil {
			return err
		}
		self := *r.URL
		self.Scheme, self.Host = "http", r.Host
		if strings.HasPrefix(fhirBase(r), "https:") {
			self.Scheme = "https"
		}
		b, err := fhir.Searchset(fhirBase(r), &self, total, entries, next)
		if err != nil {
			return err
		}
		writeFHIR(w, http.StatusOK, b)
		return nil
	}
}

func (a *API) searchFHIR(r *http.Request, resourceType string, q fhir.Query) ([]fhir.Entry, int64, string, error) {
	ctx := r.Context()
	var entries []fhir.Entry
	switch resourceType {
	case "Patient":
		f, err := q.PatientFilter()
		if err != nil {
			return nil, 0, "", err
		}
		page, err := a.store.Patients(ctx, f)
		if err != nil {
			return nil, 0, "", err
		}
		for _, p := range page.Items {
			entries = append(entries, fhir.Entry{Type: "Patient", ID: strconv.FormatInt(p.ID, 10), Resource: fhir.FromPatient(p)})
		}
		return entries, page.Total, page.NextCursor, nil
	case "Observation":
		return a.searchObservations(ctx, q)
	case "Condition":
		return a.searchConditions(ctx, q)
	case "Encounter":
		return a.searchEncounters(ctx, q)
	case "AllergyIntolerance":
		return a.searchAllergies(ctx, q)
	case "Practitioner":
		page, err := a.store.Doctors(ctx, q.DoctorFilter())
		if err != nil {
			return nil, 0, "", err
		}
		for _, d := range page.Items {
			entries = append(entries, fhir.Entry{Type: "Practitioner", ID: strconv.FormatInt(d.ID, 10), Resource: fhir.FromDoctor(d)})
		}
		return entries, page.Total, page.NextCursor, nil
	case "Appointment":
		f, err := q.AppointmentFilter(a.loc)
		if err != nil {
			return nil, 0, "", err
		}
		page, err := a.store.Appointments(ctx, f)
		if err != nil {
			return nil, 0, "", err
		}
		for _, ap := range page.Items {
			entries = append(entries, fhir.Entry{Type: "Appointment", ID: strconv.FormatInt(ap.ID, 10), Resource: fhir.FromAppointment(ap)})
		}
		return entries, page.Total, page.NextCursor, nil
	default: // MedicationRequest
		f, err := q.RecordFilter(resourceType)
		if err != nil {
			return nil, 0, "", err
		}
		f.Cursor = q.Cursor
		return a.recordEntries(ctx, f, resourceType)
	}
}

// recordEntries is a page of medical records as Conditions or MedicationRequests.
func (a *API) recordEntries(ctx context.Context, f store.RecordFilter, resourceType string) ([]fhir.Entry, int64, string, error) {
	page, err := a.store.Records(ctx, f)
	if err != nil {
		return nil, 0, "", err
	}
	var entries []fhir.Entry
	for _, rec := range page.Items {
		var res any = fhir.FromRecordCondition(rec)
		if resourceType == "MedicationRequest" {
			res, _ = fhir.FromRecordMedication(rec)
		}
		entries = append(entries, fhir.Entry{Type: resourceType, ID: strconv.FormatInt(rec.ID, 10), Resource: res})
	}
	return entries, page.Total, page.NextCursor, nil
}

// fhirImport is POST /fhir: a transaction or batch Bundle in, its response Bundle out.
func (a *API) fhirImport(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, maxBundleBytes)
	if err != nil {
		return err
	}
	resp, _, err := fhir.Import(r.Context(), a.store, body, a.now(), a.loc)
	if err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, resp)
	return nil
}

// bloodGroupEntries is a page of blood group Observations: of one patient, or of every
// patient with a blood group.
func (a *API) bloodGroupEntries(ctx context.Context, patientID int64, limit int, cursor string) ([]fhir.Entry, int64, string, error) {
	f := store.PatientFilter{Limit: limit, Cursor: cursor, HasBloodGroup: true}
	if patientID != 0 {
		f.IDs = []int64{patientID}
	}
	page, err := a.store.Patients(ctx, f)
	if err != nil {
		return nil, 0, "", err
	}
	var entries []fhir.Entry
	for _, p := range page.Items {
		if obs, ok := fhir.FromBloodGroup(p); ok {
			entries = append(entries, fhir.Entry{Type: "Observation", ID: obs.ID, Resource: obs})
		}
	}
	return entries, page.Total, page.NextCursor, nil
}
