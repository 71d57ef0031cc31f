package httpapi

import (
	"net/http"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// listAllergies answers every allergy of a patient (?clinical_status= narrows) and whether
// they are stated to have none that is known: the data of the allergy banner.
func (a *API) listAllergies(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	f := store.AllergyFilter{PatientID: p.ID}
	if st := r.URL.Query().Get("clinical_status"); st != "" {
		fields := domain.FieldErrors{}
		if v := oneOfQuery(fields, "clinical_status", st, domain.AllergyStatuses); v != "" {
			f.ClinicalStatus = v
		}
		if err := fields.Err(); err != nil {
			return err
		}
	}
	allergies, err := a.store.Allergies(r.Context(), f)
	if err != nil {
		return err
	}
	noKnown := false
	for _, al := range allergies {
		noKnown = noKnown || (al.NoKnown && al.ClinicalStatus == "active")
	}
	writeJSON(w, http.StatusOK, allergiesBody{ofPatient(allergies, p.ID), noKnown})
	return nil
}

// allergiesBody is the answer of GET /api/patients/{id}/allergies.
type allergiesBody struct {
	unpaged[domain.Allergy]
	NoKnownAllergies bool `json:"no_known_allergies"`
}

// oneOfQuery checks a query parameter against its allowed values.
func oneOfQuery(fields domain.FieldErrors, name, v string, allowed []string) string {
	for _, ok := range allowed {
		if v == ok {
			return v
		}
	}
	fields.Add(name, "must be one of "+strings.Join(allowed, ", "))
	return ""
}

func (a *API) createAllergy(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	var in domain.AllergyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	al, err := in.ValidateNew(p.ID, a.now(), a.loc)
	if err != nil {
		return err
	}
	if al, err = a.store.CreateAllergy(r.Context(), al); err != nil {
		return err
	}
	writeResource(w, r, http.StatusCreated, al, al.Version)
	return nil
}

func (a *API) updateAllergy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.AllergyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := in.ValidateUpdate(a.now(), a.loc)
	if err != nil {
		return err
	}
	c.IfVersion = ifMatch(r)
	al, err := a.store.UpdateAllergy(r.Context(), id, c)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, al, al.Version)
	return nil
}
