package httpapi

import (
	"encoding/json"
	"net/http"
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

// fhirID parses a resource id; anything that is not an HMS id is an unknown resource.
func fhirID(r *http.Request, resourceType string) (int64, error) {
	v := r.PathValue("id")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
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

func (a *API) readFHIR(r *http.Request, resourceType string) (any, error) {
	ctx := r.Context()
	notFound := domain.Errorf(domain.CodeNotFound, "%s/%s not found", resourceType, r.PathValue("id"))
	if resourceType == "Observation" {
		pid, ok := fhir.ParseBloodGroupID(r.PathValue("id"))
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
	id, err := fhirID(r, resourceType)
	if err != nil {
		return nil, err
	}
	switch resourceType {
	case "Patient":
		p, err := a.store.Patient(ctx, id)
		return fhir.FromPatient(p), asFHIRNotFound(err, notFound)
	case "Practitioner":
		d, err := a.store.Doctor(ctx, id)
		return fhir.FromDoctor(d), asFHIRNotFound(err, notFound)
	case "Appointment":
		ap, err := a.store.Appointment(ctx, id)
		return fhir.FromAppointment(ap), asFHIRNotFound(err, notFound)
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
	case "Patient", "Observation":
		f, err := a.patientFilter(resourceType, q)
		if err != nil {
			return nil, 0, "", err
		}
		page, err := a.store.Patients(ctx, f)
		if err != nil {
			return nil, 0, "", err
		}
		for _, p := range page.Items {
			if resourceType == "Patient" {
				entries = append(entries, fhir.Entry{Type: "Patient", ID: strconv.FormatInt(p.ID, 10), Resource: fhir.FromPatient(p)})
			} else if obs, ok := fhir.FromBloodGroup(p); ok {
				entries = append(entries, fhir.Entry{Type: "Observation", ID: obs.ID, Resource: obs})
			}
		}
		return entries, page.Total, page.NextCursor, nil
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
	default: // Condition, MedicationRequest
		f, err := q.RecordFilter(resourceType)
		if err != nil {
			return nil, 0, "", err
		}
		page, err := a.store.Records(ctx, f)
		if err != nil {
			return nil, 0, "", err
		}
		for _, rec := range page.Items {
			var res any = fhir.FromRecordCondition(rec)
			if resourceType == "MedicationRequest" {
				res, _ = fhir.FromRecordMedication(rec)
			}
			entries = append(entries, fhir.Entry{Type: resourceType, ID: strconv.FormatInt(rec.ID, 10), Resource: res})
		}
		return entries, page.Total, page.NextCursor, nil
	}
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

// patientFilter selects the patients of a Patient search, or those whose blood group
// Observations an Observation search asks for.
func (a *API) patientFilter(resourceType string, q fhir.Query) (store.PatientFilter, error) {
	if resourceType == "Patient" {
		return q.PatientFilter()
	}
	pid, bloodGroup, err := q.ObservationQuery()
	f := store.PatientFilter{Limit: q.Count, Cursor: q.Cursor, HasBloodGroup: true}
	switch {
	case !bloodGroup:
		f.IDs = []int64{} // a code other than 882-1: HMS has no such observations
	case pid != 0:
		f.IDs = []int64{pid}
	}
	return f, err
}
