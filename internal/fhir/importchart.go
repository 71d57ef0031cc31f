package fhir

import (
	"encoding/json"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// What an import makes of encounters, vital signs, allergies and problems.

// importedVitalCodes maps the LOINC codes of vital signs that bundles use to the code HMS
// keeps them under: its own, and the alternatives Synthea and US Core write.
var importedVitalCodes = map[string]string{
	"59408-5": "2708-6",  // oxygen saturation by pulse oximetry
	"8331-1":  "8310-5",  // oral temperature
	"55284-4": "85354-9", // blood pressure systolic and diastolic
}

// unitConversions turn other UCUM units of a vital sign into HMS's.
var unitConversions = map[string]func(float64) float64{
	"[degF]":  func(v float64) float64 { return (v - 32) * 5 / 9 },
	"[lb_av]": func(v float64) float64 { return v * 0.45359237 },
	"g":       func(v float64) float64 { return v / 1000 },
	"[in_i]":  func(v float64) float64 { return v * 2.54 },
	"m":       func(v float64) float64 { return v * 100 },
}

// noKnownAllergyCodes are the SNOMED CT concepts that state there is no known allergy.
var noKnownAllergyCodes = map[string]bool{"716186003": true, "409137002": true, "428607008": true, "429625007": true}

// chartLocation is the FHIR location of an imported chart item.
func chartLocation(kind string, n int64) string {
	switch kind {
	case domain.ImportVisit:
		return "Encounter/" + id(n)
	case domain.ImportVital:
		return "Observation/" + VitalID(n)
	case domain.ImportAllergy:
		return "AllergyIntolerance/" + id(n)
	}
	return "Condition/" + ProblemID(n)
}

// fhirTime reads a FHIR dateTime: a date, or a date and time with an offset.
func fhirTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// visitSource is the source of the Encounter of the bundle that ref names, or "".
func (p *plan) visitSource(ref *Reference) string {
	if t := p.resolve(ref); t != nil && t.resourceType == "Encounter" {
		return sourceOf(t)
	}
	return ""
}

// firstCode is the code of the first coding of c in system.
func firstCode(c *CodeableConcept, system string) string {
	if c == nil {
		return ""
	}
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// encounter reads an Encounter into a visit of its patient. Planned encounters (not begun)
// and those entered in error are skipped.
func (p *plan) encounter(e *entry) error {
	var r Encounter
	if err := json.Unmarshal(e.raw, &r); err != nil {
		return invalid("%s: not a valid Encounter: %v", e.name(), err)
	}
	var status string
	switch r.Status {
	case "finished":
		status = domain.VisitClosed
	case "arrived", "triaged", "in-progress", "onleave":
		status = domain.VisitOpen
	case "cancelled":
		status = domain.VisitCancelled
	default:
		e.skipped = "HMS keeps encounters that have begun, not one that is " + r.Status
		return nil
	}
	if r.Period == nil || r.Period.Start == "" {
		e.skipped = "HMS keeps an encounter with its start (period.start), and this one has none"
		return nil
	}
	pi, err := p.subjectPatient(e, r.Subject)
	if err != nil {
		return err
	}
	start, ok := fhirTime(r.Period.Start)
	if !ok {
		return invalid("%s: period.start %q is not a FHIR dateTime", e.name(), r.Period.Start)
	}
	in := domain.VisitInput{PatientID: domain.Some(int64(1))}
	reason := ""
	for _, rc := range r.ReasonCode {
		if reason = conceptText(&rc); reason != "" {
			break
		}
	}
	if reason == "" && len(r.Type) > 0 {
		reason = conceptText(&r.Type[0])
	}
	if reason != "" {
		in.Reason = domain.Some(reason)
	}
	v, err := in.ValidateNew()
	if err != nil {
		return entryError(e, fhirFields(err, map[string]string{"reason": "reasonCode"}))
	}
	v.PatientID, v.Status, v.StartedAt, v.Source = 0, status, start, sourceOf(e)
	if r.Period.End != "" {
		if end, ok := fhirTime(r.Period.End); ok {
			v.EndedAt = &end
		}
	}
	e.patient, e.kind, e.item = pi, domain.ImportVisit, len(p.imports[pi].Visits)
	p.imports[pi].Visits = append(p.imports[pi].Visits, v)
	return nil
}

// vital reads an Observation of the category vital-signs of a kind HMS keeps.
func (p *plan) vital(e *entry, o Observation) error {
	isVital := false
	for _, c := range o.Category {
		isVital = isVital || firstCode(&c, systemObsCategory) == categoryVitalSigns
	}
	code := ""
	for _, c := range o.Code.Coding {
		if c.System != systemLOINC {
			continue
		}
		if alt, ok := importedVitalCodes[c.Code]; ok {
			code = alt
		} else if _, ok := domain.VitalKindByCode(c.Code); ok {
			code = c.Code
		}
		if code != "" {
			break
		}
	}
	if !isVital || code == "" {
		e.skipped = "HMS keeps a patient's blood group (LOINC 882-1) and vital signs (blood pressure, heart and respiratory rate, temperature, SpO2, weight, height, BMI)"
		return nil
	}
	if o.Status == "entered-in-error" || o.Status == "cancelled" {
		e.skipped = "the observation is " + o.Status
		return nil
	}
	kind, _ := domain.VitalKindByCode(code)
	value := func(q *Quantity) (float64, string) {
		if q == nil || q.Value == nil {
			return 0, "it has no value"
		}
		unit := q.Code
		if unit == "" {
			unit = q.Unit
		}
		if unit == "" || unit == kind.Unit {
			return *q.Value, ""
		}
		if conv, ok := unitConversions[unit]; ok {
			return conv(*q.Value), ""
		}
		return 0, "its unit " + unit + " is not " + kind.Unit
	}
	var (
		v, dia    float64
		diastolic *float64
		why       string
	)
	if code == domain.LOINCBloodPressure {
		var sysWhy, diaWhy = "it has no systolic pressure", "it has no diastolic pressure"
		for _, c := range o.Component {
			switch firstCode(&c.Code, systemLOINC) {
			case domain.LOINCSystolic:
				v, sysWhy = value(c.ValueQuantity)
			case domain.LOINCDiastolic:
				dia, diaWhy = value(c.ValueQuantity)
			}
		}
		why = sysWhy
		if why == "" {
			why, diastolic = diaWhy, &dia
		}
	} else {
		v, why = value(o.ValueQuantity)
	}
	if why != "" {
		e.skipped = "HMS cannot keep this vital sign: " + why
		return nil
	}
	when := o.EffectiveDateTime
	if when == "" && o.EffectivePeriod != nil {
		when = o.EffectivePeriod.Start
	}
	at, ok := fhirTime(when)
	if !ok {
		e.skipped = "HMS cannot keep this vital sign: it has no effectiveDateTime"
		return nil
	}
	pi, err := p.subjectPatient(e, o.Subject)
	if err != nil {
		return err
	}
	vs, err := domain.ImportedVital(code, v, diastolic, at)
	if err != nil {
		return entryError(e, fhirFields(err, map[string]string{"value": "valueQuantity"}))
	}
	vs.Source, vs.VisitSource = sourceOf(e), p.visitSource(o.Encounter)
	e.patient, e.kind, e.item = pi, domain.ImportVital, len(p.imports[pi].Vitals)
	p.imports[pi].Vitals = append(p.imports[pi].Vitals, vs)
	return nil
}

// allergy reads an AllergyIntolerance into its patient's allergies.
func (p *plan) allergy(e *entry) error {
	var r AllergyIntolerance
	if err := json.Unmarshal(e.raw, &r); err != nil {
		return invalid("%s: not a valid AllergyIntolerance: %v", e.name(), err)
	}
	if firstCode(r.VerificationStatus, systemAllergyVerify) == "entered-in-error" {
		e.skipped = "the allergy was entered in error"
		return nil
	}
	pi, err := p.subjectPatient(e, &r.Patient)
	if err != nil {
		return err
	}
	in := domain.AllergyInput{}
	if noKnownAllergyCodes[firstCode(r.Code, systemSNOMED)] {
		in.NoKnownAllergies = domain.Some(true)
	} else {
		if s := conceptText(r.Code); s != "" {
			in.Substance = domain.Some(s)
		}
		if c := firstCode(r.Code, systemSNOMED); c != "" {
			in.Code = domain.Some(c)
		}
		if len(r.Category) > 0 {
			in.Category = domain.Some(r.Category[0])
		}
		if r.Criticality != "" {
			in.Criticality = domain.Some(r.Criticality)
		}
		if len(r.Reaction) > 0 {
			rx := r.Reaction[0]
			if len(rx.Manifestation) > 0 {
				if t := conceptText(&rx.Manifestation[0]); t != "" {
					in.Reaction = domain.Some(t)
				}
			}
			if rx.Severity != "" {
				in.Severity = domain.Some(rx.Severity)
			}
		}
		if d := dateOf(r.OnsetDateTime); d != "" {
			in.OnsetDate = domain.Some(d)
		}
	}
	if st := firstCode(r.ClinicalStatus, systemAllergyClinical); st != "" && !in.NoKnownAllergies.Given() {
		in.ClinicalStatus = domain.Some(st)
	}
	a, err := in.ValidateNew(0, p.now, p.loc)
	if err != nil {
		return entryError(e, fhirFields(err, map[string]string{"substance": "code", "onset_date": "onsetDateTime",
			"clinical_status": "clinicalStatus", "severity": "reaction.severity", "reaction": "reaction.manifestation"}))
	}
	if st := firstCode(r.ClinicalStatus, systemAllergyClinical); a.NoKnown && st != "" {
		a.ClinicalStatus = st
	}
	a.Source = sourceOf(e)
	e.patient, e.kind, e.item = pi, domain.ImportAllergy, len(p.imports[pi].Allergies)
	p.imports[pi].Allergies = append(p.imports[pi].Allergies, a)
	return nil
}

// condition reads a Condition of the category problem-list-item into the problem list, and
// any other Condition into a medical record.
func (p *plan) condition(e *entry) error {
	var c Condition
	if err := json.Unmarshal(e.raw, &c); err != nil {
		return invalid("%s: not a valid Condition: %v", e.name(), err)
	}
	problem := false
	for _, cat := range c.Category {
		problem = problem || firstCode(&cat, systemCondCategory) == categoryProblemList
	}
	if !problem {
		return p.record(e)
	}
	pi, err := p.subjectPatient(e, &c.Subject)
	if err != nil {
		return err
	}
	in := domain.ProblemInput{}
	if d := conceptText(c.Code); d != "" {
		in.Description = domain.Some(d)
	}
	if code := firstCode(c.Code, systemSNOMED); code != "" {
		in.Code = domain.Some(code)
	}
	if st := firstCode(c.ClinicalStatus, systemConditionClin); st != "" {
		in.ClinicalStatus = domain.Some(st)
	}
	if d := dateOf(c.OnsetDateTime); d != "" {
		in.OnsetDate = domain.Some(d)
	}
	if d := dateOf(c.AbatementDateTime); d != "" {
		in.AbatementDate = domain.Some(d)
	}
	pr, err := in.ValidateNew(0, p.now, p.loc)
	if err == nil {
		err = pr.CheckDates()
	}
	if err != nil {
		return entryError(e, fhirFields(err, map[string]string{"description": "code", "clinical_status": "clinicalStatus",
			"onset_date": "onsetDateTime", "abatement_date": "abatementDateTime"}))
	}
	pr.Source, pr.VisitSource = sourceOf(e), p.visitSource(c.Encounter)
	e.patient, e.kind, e.item = pi, domain.ImportProblem, len(p.imports[pi].Problems)
	p.imports[pi].Problems = append(p.imports[pi].Problems, pr)
	return nil
}
