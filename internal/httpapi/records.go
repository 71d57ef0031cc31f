package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
)

func (a *API) listPatientRecords(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := a.store.Patient(r.Context(), id)
	if err != nil {
		return err
	}
	records, err := a.store.PatientRecords(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.audited(r, domain.ResourceRecord, 0, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Success bool                   `json:"success"`
		Data    []domain.MedicalRecord `json:"data"`
		Count   int                    `json:"count"`
		Patient domain.Patient         `json:"patient"`
	}{true, records, len(records), p})
	return nil
}

func (a *API) getRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rec, err := a.store.Record(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.audited(r, domain.ResourceRecord, id, rec.PatientID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: rec})
	return nil
}

func (a *API) createRecord(w http.ResponseWriter, r *http.Request) error {
	var in domain.RecordInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := in.ValidateNew(a.now(), a.loc)
	if err != nil {
		return err
	}
	if rec, err = a.store.CreateRecord(r.Context(), rec); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, item{Success: true, Data: rec})
	return nil
}

func (a *API) deleteRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteRecord(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "medical record deleted"})
	return nil
}
