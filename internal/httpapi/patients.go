package httpapi

import (
	"net/http"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

func (a *API) listPatients(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	inactive, err := adminFlag(r, "include_inactive")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	search := strings.TrimSpace(q.Get("q"))
	if len(search) > 100 {
		return domain.Errorf(domain.CodeInvalid, "q must be at most 100 characters")
	}
	page, err := a.store.Patients(r.Context(), store.PatientFilter{Query: search, IncludeInactive: inactive, Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	page.Items = shownPatients(r, page.Items)
	writePage(w, page, limit)
	return nil
}

// patient reads the patient of the {id} path, deactivated ones only with ?include_inactive=true.
func (a *API) patient(r *http.Request) (domain.Patient, error) {
	id, err := pathID(r)
	if err != nil {
		return domain.Patient{}, err
	}
	inactive, err := adminFlag(r, "include_inactive")
	if err != nil {
		return domain.Patient{}, err
	}
	if inactive {
		return a.store.AnyPatient(r.Context(), id)
	}
	return a.store.Patient(r.Context(), id)
}

func (a *API) getPatient(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, shownPatient(r, p), p.Version)
	return nil
}

func (a *API) createPatient(w http.ResponseWriter, r *http.Request) error {
	var in domain.PatientInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.checkClinicalWrite(r, in); err != nil {
		return err
	}
	p, err := in.ValidateNew(a.now(), a.loc)
	if err != nil {
		return err
	}
	if p, err = a.store.CreatePatient(r.Context(), p); err != nil {
		return err
	}
	dups, err := a.store.PatientDuplicatesOf(r.Context(), p)
	if err != nil {
		return err
	}
	body := struct {
		Success  bool             `json:"success"`
		Data     domain.Patient   `json:"data"`
		Warnings []domain.Warning `json:"warnings,omitempty"`
	}{Success: true, Data: shownPatient(r, p)}
	for _, d := range dups {
		body.Warnings = append(body.Warnings, domain.Warning{Type: "possible_duplicate", PatientID: d.ID,
			Message: "an active patient with the same name and date of birth or phone exists"})
	}
	w.Header().Set("ETag", etag(p.Version))
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (a *API) updatePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.PatientInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.checkClinicalWrite(r, in); err != nil {
		return err
	}
	changes, err := in.ValidateUpdate(a.now(), a.loc)
	if err != nil {
		return err
	}
	changes.IfVersion = ifMatch(r)
	p, err := a.store.UpdatePatient(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, shownPatient(r, p), p.Version)
	return nil
}

// deletePatient deactivates the patient: the original API's answer, nothing lost.
func (a *API) deletePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.store.DeactivatePatient(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "patient deleted"})
	return nil
}

// purgePatient erases the patient and everything of theirs, for a lawful erasure request.
// It needs ?confirm=true, as `hms purge` needs --confirm.
func (a *API) purgePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	confirm, err := flag(r, "confirm")
	if err != nil {
		return err
	}
	if !confirm {
		return domain.Errorf(domain.CodeInvalid, "a purge erases the patient and all their data for good; add ?confirm=true")
	}
	erased, err := a.store.PurgePatient(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Success bool                   `json:"success"`
		Message string                 `json:"message"`
		Data    store.PatientFootprint `json:"data"`
	}{true, "patient and all their data erased", erased})
	return nil
}

func (a *API) patientDuplicates(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	dups, err := a.store.PatientDuplicates(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unpaged[domain.Patient]{Success: true, Data: shownPatients(r, dups), Count: len(dups)})
	return nil
}

// writePage writes a page in the list envelope.
func writePage[T any](w http.ResponseWriter, page store.Page[T], limit int) {
	body := list{Success: true, Data: page.Items, Count: len(page.Items), Total: page.Total, TotalEstimated: page.TotalEstimated, Limit: limit}
	if page.NextCursor != "" {
		body.NextCursor = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, body)
}
