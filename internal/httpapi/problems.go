package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// listProblems answers a patient's problem list (?clinical_status= narrows).
func (a *API) listProblems(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	f := store.ProblemFilter{PatientID: p.ID}
	if st := r.URL.Query().Get("clinical_status"); st != "" {
		fields := domain.FieldErrors{}
		f.ClinicalStatus = oneOfQuery(fields, "clinical_status", st, domain.ProblemStatuses)
		if err := fields.Err(); err != nil {
			return err
		}
	}
	problems, err := a.store.Problems(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ofPatient(problems, p.ID))
	return nil
}

func (a *API) createProblem(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	var in domain.ProblemInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := in.ValidateNew(p.ID, a.now(), a.loc)
	if err == nil {
		err = c.CheckDates()
	}
	if err != nil {
		return err
	}
	if c, err = a.store.CreateProblem(r.Context(), c); err != nil {
		return err
	}
	writeResource(w, r, http.StatusCreated, c, c.Version)
	return nil
}

func (a *API) updateProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.ProblemInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := in.ValidateUpdate(a.now(), a.loc)
	if err != nil {
		return err
	}
	c.IfVersion = ifMatch(r)
	p, err := a.store.UpdateProblem(r.Context(), id, c)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, p, p.Version)
	return nil
}
