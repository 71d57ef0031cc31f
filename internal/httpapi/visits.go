package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
)

// ofPatient is the unpaged envelope of a list of the chart of patient patientID.
func ofPatient[T any](items []T, patientID int64) unpaged[T] {
	return unpaged[T]{Success: true, Data: items, Count: len(items), about: read{0, patientID}}
}

func (a *API) listPatientVisits(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	visits, err := a.store.PatientVisits(r.Context(), p.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ofPatient(visits, p.ID))
	return nil
}

// createVisit opens a visit: a walk-in, or for an appointment that has been checked in
// (checking in opens one by itself).
func (a *API) createVisit(w http.ResponseWriter, r *http.Request) error {
	var in domain.VisitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := in.ValidateNew()
	if err != nil {
		return err
	}
	if v, err = a.store.CreateVisit(r.Context(), v); err != nil {
		return err
	}
	writeResource(w, r, http.StatusCreated, v, v.Version)
	return nil
}

func (a *API) getVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := a.store.Visit(r.Context(), id)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, v, v.Version)
	return nil
}

// updateVisit changes the note of a visit that is not signed yet, as a new version.
func (a *API) updateVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.VisitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := in.ValidateUpdate()
	if err != nil {
		return err
	}
	c.IfVersion = ifMatch(r)
	v, err := a.store.UpdateVisitNote(r.Context(), id, c)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, v, v.Version)
	return nil
}

// signVisit locks the visit's note under the caller's name.
func (a *API) signVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := a.store.SignVisit(r.Context(), id, ifMatch(r))
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, v, v.Version)
	return nil
}

// addAddendum adds text to a signed visit.
func (a *API) addAddendum(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.AddendumInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	text, err := in.Validate()
	if err != nil {
		return err
	}
	v, err := a.store.AddAddendum(r.Context(), id, text)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusCreated, v, v.Version)
	return nil
}

// visitHistory lists every version of a visit's note, oldest first, and its addenda.
func (a *API) visitHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := a.store.Visit(r.Context(), id)
	if err != nil {
		return err
	}
	versions, err := a.store.VisitVersions(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, visitHistoryBody{unpaged[domain.VisitVersion]{Success: true, Data: versions, Count: len(versions),
		about: read{v.ID, v.PatientID}}, v.Addenda})
	return nil
}

// visitHistoryBody is the answer of GET /api/visits/{id}/history.
type visitHistoryBody struct {
	unpaged[domain.VisitVersion]
	Addenda []domain.VisitAddendum `json:"addenda"`
}
