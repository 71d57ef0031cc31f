package fhir

import (
	"slices"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// codes splits the comma-separated values of a token parameter, each as system|code.
func (q Query) codes(name string) [][2]string {
	var out [][2]string
	for _, v := range q.values[name] {
		for _, c := range strings.Split(v, ",") {
			system, code := token(strings.TrimSpace(c))
			out = append(out, [2]string{system, code})
		}
	}
	return out
}

// PatientParam returns the patient a search names, 0 for any.
func (q Query) PatientParam() (int64, error) { return q.patientID("patient") }

// EncounterFilter turns an Encounter search into a store filter.
func (q Query) EncounterFilter(loc *time.Location) (store.VisitFilter, error) {
	f := store.VisitFilter{Limit: q.Count, Cursor: q.Cursor}
	var err error
	if f.PatientID, err = q.patientID("patient"); err != nil {
		return f, err
	}
	if vals := q.values["date"]; len(vals) > 0 {
		if f.From, f.To, err = dateBounds("date", vals, loc, true); err != nil {
			return f, err
		}
	}
	for _, c := range q.codes("status") {
		if f.Statuses == nil {
			f.Statuses = []string{}
		}
		st, ok := VisitStatuses(c[1])
		if !ok {
			return f, invalid("status %q is not an R4 encounter status", c[1])
		}
		f.Statuses = append(f.Statuses, st...)
	}
	return f, nil
}

// statusParam reads the clinical-status values of a search against the allowed ones.
func (q Query) statusParam(allowed []string) ([]string, error) {
	var out []string
	for _, c := range q.codes("clinical-status") {
		if !slices.Contains(allowed, c[1]) {
			return nil, invalid("clinical-status %q is not one of %s", c[1], strings.Join(allowed, ", "))
		}
		out = append(out, c[1])
	}
	return out, nil
}

// AllergyQuery turns an AllergyIntolerance search into a patient and the clinical statuses
// asked for (nil for any).
func (q Query) AllergyQuery() (patientID int64, statuses []string, err error) {
	if patientID, err = q.patientID("patient"); err != nil {
		return 0, nil, err
	}
	statuses, err = q.statusParam(domain.AllergyStatuses)
	return patientID, statuses, err
}

// ConditionQuery says which Conditions a search can match: medical records (encounter
// diagnoses, which have no clinical status), problems of the problem list, and the
// statuses of the problems asked for (nil for any).
func (q Query) ConditionQuery() (records, problems bool, statuses []string, err error) {
	records, problems = true, true
	if cats := q.codes("category"); len(cats) > 0 {
		records, problems = false, false
		for _, c := range cats {
			records = records || c[1] == categoryEncounterDiag
			problems = problems || c[1] == categoryProblemList
		}
	}
	if statuses, err = q.statusParam(domain.ProblemStatuses); statuses != nil {
		records = false
	}
	return records, problems, statuses, err
}

// VitalsQuery says whether an Observation search can match vital signs and turns it into a
// filter, and whether it can match blood groups (which have no date and no vital code).
func (q Query) VitalsQuery(loc *time.Location) (f store.VitalFilter, vitals, bloodGroup bool, err error) {
	f = store.VitalFilter{Limit: q.Count}
	if f.PatientID, err = q.patientID("patient"); err != nil {
		return f, false, false, err
	}
	vitals, bloodGroup = true, true
	if cats := q.codes("category"); len(cats) > 0 {
		vitals, bloodGroup = false, false
		for _, c := range cats {
			vitals = vitals || c[1] == categoryVitalSigns
			bloodGroup = bloodGroup || c[1] == "laboratory"
		}
	}
	if codes := q.codes("code"); len(codes) > 0 {
		f.Codes = []string{}
		blood := false
		for _, c := range codes {
			if c[0] != "" && c[0] != systemLOINC {
				continue
			}
			if c[1] == LOINCBloodGroup {
				blood = true
			} else if _, ok := domain.VitalKindByCode(c[1]); ok {
				f.Codes = append(f.Codes, c[1])
			}
		}
		bloodGroup = bloodGroup && blood
		vitals = vitals && len(f.Codes) > 0
	}
	if vals := q.values["date"]; len(vals) > 0 {
		bloodGroup = false
		if f.From, f.To, err = dateBounds("date", vals, loc, true); err != nil {
			return f, false, false, err
		}
	}
	return f, vitals, bloodGroup, nil
}
