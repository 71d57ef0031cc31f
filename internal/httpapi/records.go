package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
)

func (a *API) listPatientRecords(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	voided, err := flag(r, "include_voided")
	if err != nil {
		return err
	}
	if q := r.URL.Query(); q.Has("limit") || q.Has("cursor") {
		// Pages on request: without limit or cursor the answer stays the original API's.
		limit, err := pageLimit(r)
		if err != nil {
			return err
		}
		page, err := a.store.PatientRecordsPage(r.Context(), p.ID, voided, limit, q.Get("cursor"))
		if err != nil {
			return err
		}
		body := recordsPageBody{Success: true, Data: page.Items, Count: len(page.Items), Patient: p, Limit: limit}
		if page.NextCursor != "" {
			body.NextCursor = &page.NextCursor
		}
		writeJSON(w, http.StatusOK, body)
		return nil
	}
	records, err := a.store.PatientRecords(r.Context(), p.ID, voided)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recordsBody{true, records, len(records), p})
	return nil
}

// recordsPageBody is the answer of GET /api/patients/{id}/records?limit=&cursor=: a page of
// the records, with the cursor of the next (null on the last).
type recordsPageBody struct {
	Success    bool                   `json:"success"`
	Data       []domain.MedicalRecord `json:"data"`
	Count      int                    `json:"count"`
	Patient    domain.Patient         `json:"patient"`
	Limit      int                    `json:"limit"`
	NextCursor *string                `json:"next_cursor"`
}

// recordsBody is the answer of GET /api/patients/{id}/records.
type recordsBody struct {
	Success bool                   `json:"success"`
	Data    []domain.MedicalRecord `json:"data"`
	Count   int                    `json:"count"`
	Patient domain.Patient         `json:"patient"`
}

// record reads the record of the {id} path, voided ones only with ?include_voided=true.
func (a *API) record(r *http.Request) (domain.MedicalRecord, error) {
	id, err := pathID(r)
	if err != nil {
		return domain.MedicalRecord{}, err
	}
	voided, err := flag(r, "include_voided")
	if err != nil {
		return domain.MedicalRecord{}, err
	}
	if voided {
		return a.store.AnyRecord(r.Context(), id)
	}
	return a.store.Record(r.Context(), id)
}

func (a *API) getRecord(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.record(r)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, rec, rec.Version)
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
	writeResource(w, r, http.StatusCreated, rec, rec.Version)
	return nil
}

// amendRecord writes a new version of the record; earlier versions stay in its history.
func (a *API) amendRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.RecordInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	changes, err := in.ValidateUpdate(a.now(), a.loc)
	if err != nil {
		return err
	}
	changes.IfVersion = ifMatch(r)
	rec, err := a.store.AmendRecord(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, rec, rec.Version)
	return nil
}

func (a *API) recordHistory(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.record(r)
	if err != nil {
		return err
	}
	versions, err := a.store.RecordVersions(r.Context(), rec.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unpaged[domain.RecordVersion]{Success: true, Data: versions, Count: len(versions),
		about: read{rec.ID, rec.PatientID}})
	return nil
}

// deleteRecord voids the record (?reason= says why): the original API's answer, nothing lost.
func (a *API) deleteRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	reason, err := domain.ValidVoidReason(r.URL.Query().Get("reason"))
	if err != nil {
		return err
	}
	if err := a.store.VoidRecord(r.Context(), id, reason); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "medical record deleted"})
	return nil
}
