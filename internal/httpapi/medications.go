package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
)

// listMedications answers a patient's medication list, built from the prescriptions of
// their records: the active ones, and the stopped ones too with ?include_stopped=true.
func (a *API) listMedications(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	stopped, err := flag(r, "include_stopped")
	if err != nil {
		return err
	}
	meds, err := a.store.PatientMedications(r.Context(), p.ID, stopped)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ofPatient(meds, p.ID))
	return nil
}

// stopMedication stops the prescription of record {id}, with a reason and a date.
func (a *API) stopMedication(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.MedicationStopInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	date, reason, err := in.Validate(a.now(), a.loc)
	if err != nil {
		return err
	}
	m, err := a.store.StopMedication(r.Context(), id, date, reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: m})
	return nil
}
