package httpapi

import (
	"net/http"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// recordVitals stores measurements taken together: impossible values are refused (400,
// naming the field), implausible ones stored with a warning.
func (a *API) recordVitals(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	var in domain.VitalsInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	vitals, warnings, err := in.Validate(p.ID, a.now(), a.loc)
	if err != nil {
		return err
	}
	stored, bmiWarning, err := a.store.RecordVitals(r.Context(), vitals)
	if err != nil {
		return err
	}
	if bmiWarning != nil {
		warnings = append(warnings, *bmiWarning)
	}
	if warnings == nil {
		warnings = []domain.VitalWarning{}
	}
	writeJSON(w, http.StatusCreated, struct {
		unpaged[domain.VitalSign]
		Warnings []domain.VitalWarning `json:"warnings"`
	}{ofPatient(stored, p.ID), warnings})
	return nil
}

// listVitals answers a patient's vital signs, oldest first (?kind= one or more kinds,
// comma-separated; ?from= and ?to= bound the time), with the latest of each kind.
func (a *API) listVitals(w http.ResponseWriter, r *http.Request) error {
	p, err := a.patient(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.VitalFilter{PatientID: p.ID}
	fields := domain.FieldErrors{}
	if kinds := q.Get("kind"); kinds != "" {
		f.Codes = []string{}
		for _, name := range strings.Split(kinds, ",") {
			k, ok := domain.VitalKindByName(strings.TrimSpace(name))
			if !ok {
				names := make([]string, len(domain.VitalKinds))
				for i, k := range domain.VitalKinds {
					names[i] = k.Name
				}
				fields.Add("kind", "must be one or more of "+strings.Join(names, ", "))
				break
			}
			f.Codes = append(f.Codes, k.Code)
		}
	}
	f.From = a.timeBound(fields, "from", q.Get("from"), false)
	f.To = a.timeBound(fields, "to", q.Get("to"), true)
	if err := fields.Err(); err != nil {
		return err
	}
	vitals, err := a.store.VitalSigns(r.Context(), f)
	if err != nil {
		return err
	}
	latest := map[string]domain.VitalSign{}
	for _, v := range vitals {
		latest[v.Kind] = v // oldest first: the last one seen is the latest
	}
	writeJSON(w, http.StatusOK, vitalsBody{ofPatient(vitals, p.ID), latest})
	return nil
}

// vitalsBody is the answer of GET /api/patients/{id}/vitals.
type vitalsBody struct {
	unpaged[domain.VitalSign]
	Latest map[string]domain.VitalSign `json:"latest"`
}
