package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hms-project/hms/internal/domain"
)

// clinical is who reads and writes the clinical fields of a patient
// (domain.ClinicalPatientFields: the blood group), in the REST API as in FHIR, where the
// blood-group Observation is a route for the same roles: those who read medical records.
// Others (staff) get patients without those fields, and a write of theirs that names one
// is refused with 403 and a denied audit event, before anything is written.
const clinical = chart

// seesClinical reports whether the caller of r may read and write clinical data.
func seesClinical(r *http.Request) bool { return clinical.allows(domain.ActorFrom(r.Context()).Role) }

// shownPatient is what the caller of r may see of p.
func shownPatient(r *http.Request, p domain.Patient) domain.Patient {
	if seesClinical(r) {
		return p
	}
	return p.WithoutClinical()
}

// shownPatients is shownPatient for each of ps, which it changes in place.
func shownPatients(r *http.Request, ps []domain.Patient) []domain.Patient {
	if !seesClinical(r) {
		for i := range ps {
			ps[i] = ps[i].WithoutClinical()
		}
	}
	return ps
}

// checkClinicalWrite refuses a patient write that names a clinical field, null or not, when
// the caller of r may not write clinical data: 403 naming the fields, and a denied event in
// the audit trail as for a route the role may not call.
func (a *API) checkClinicalWrite(r *http.Request, in domain.PatientInput) error {
	fields := in.ClinicalFields()
	if len(fields) == 0 || seesClinical(r) {
		return nil
	}
	// The patient is the one of the path (PUT), or none yet (POST), as the route table says.
	if err := a.store.Audit(r.Context(), deniedEvent(touches{domain.ResourcePatient, pathPatient}, r)); err != nil {
		return err
	}
	e := &domain.Error{Code: domain.CodeForbidden, Fields: map[string]string{},
		Message: fmt.Sprintf("your role (%s) may not write %s: it is clinical data, which only admins and doctors read or write",
			domain.ActorFrom(r.Context()).Role, strings.Join(fields, ", "))}
	for _, f := range fields {
		e.Fields[f] = "is clinical data: only admins and doctors may read or write it"
	}
	return e
}
