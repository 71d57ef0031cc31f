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

// patientMatches is the registration form's check before it saves: the patients who are
// possibly the person in the query (name, date_of_birth, phone, email), as POST would warn of
// them afterwards, and the holder of the email, which POST would refuse. Deactivated
// patients are among them for admins, who may restore them.
func (a *API) patientMatches(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := domain.PatientInput{}
	for name, o := range map[string]*domain.Opt[string]{"name": &in.Name, "date_of_birth": &in.DateOfBirth, "phone": &in.Phone, "email": &in.Email} {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			*o = domain.Some(v)
		}
	}
	p, err := in.ValidateMatch(a.now(), a.loc)
	if err != nil {
		return err
	}
	found, err := a.store.PatientMatches(r.Context(), p, domain.ActorFrom(r.Context()).Role == domain.RoleAdmin)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unpaged[domain.Patient]{Success: true, Data: shownPatients(r, found), Count: len(found)})
	return nil
}

// mergeInput is the body of POST /api/patients/{id}/merge.
type mergeInput struct {
	Into domain.Opt[int64] `json:"into"` // the survivor
}

// mergePatient merges the patient of the path into the survivor that the body names.
func (a *API) mergePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in mergeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !in.Into.Given() || in.Into.Value <= 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "name the patient to merge into",
			Fields: map[string]string{"into": "is required: the id of the patient who remains"}}
	}
	res, err := a.store.MergePatient(r.Context(), id, in.Into.Value)
	if err != nil {
		return err
	}
	res.Merged, res.Survivor = shownPatient(r, res.Merged), shownPatient(r, res.Survivor)
	writeJSON(w, http.StatusOK, item{Success: true, Data: res})
	return nil
}

// restorePatient makes a deactivated patient active again; a merged one is refused.
func (a *API) restorePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := a.store.RestorePatient(r.Context(), id)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, shownPatient(r, p), p.Version)
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
