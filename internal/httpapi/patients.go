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
	q := r.URL.Query()
	search := strings.TrimSpace(q.Get("q"))
	if len(search) > 100 {
		return domain.Errorf(domain.CodeInvalid, "q must be at most 100 characters")
	}
	page, err := a.store.Patients(r.Context(), store.PatientFilter{Query: search, Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	if err := a.audited(r, domain.ResourcePatient, 0, 0); err != nil {
		return err
	}
	writePage(w, page, limit)
	return nil
}

func (a *API) getPatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := a.store.Patient(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.audited(r, domain.ResourcePatient, id, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: p})
	return nil
}

func (a *API) createPatient(w http.ResponseWriter, r *http.Request) error {
	var in domain.PatientInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := in.ValidateNew(a.now(), a.loc)
	if err != nil {
		return err
	}
	if p, err = a.store.CreatePatient(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, item{Success: true, Data: p})
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
	changes, err := in.ValidateUpdate(a.now(), a.loc)
	if err != nil {
		return err
	}
	p, err := a.store.UpdatePatient(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: p})
	return nil
}

func (a *API) deletePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.store.DeletePatient(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "patient deleted"})
	return nil
}

// writePage writes a page in the list envelope.
func writePage[T any](w http.ResponseWriter, page store.Page[T], limit int) {
	body := list{Success: true, Data: page.Items, Count: len(page.Items), Total: page.Total, Limit: limit}
	if page.NextCursor != "" {
		body.NextCursor = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, body)
}
