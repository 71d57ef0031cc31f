package fhir

import (
	"strings"

	"github.com/hms-project/hms/internal/domain"
)

// The chart as FHIR: visits as Encounters, vital signs as Observations of the category
// vital-signs, allergies as AllergyIntolerances and the problem list as Conditions of the
// category problem-list-item.

const (
	systemActCode          = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemUCUM             = "http://unitsofmeasure.org"
	systemAllergyClinical  = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	systemAllergyVerify    = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	systemConditionClin    = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	snomedNoKnownAllergy   = "716186003"
	categoryVitalSigns     = "vital-signs"
	categoryProblemList    = "problem-list-item"
	categoryEncounterDiag  = "encounter-diagnosis"
	vitalIDPrefix          = "vital-"
	problemIDPrefix        = "problem-"
	encounterClassAmbulant = "AMB"
)

// encounterStatus maps a visit's status to R4 EncounterStatus.
var encounterStatus = map[string]string{
	domain.VisitOpen:      "in-progress",
	domain.VisitClosed:    "finished",
	domain.VisitCancelled: "cancelled",
}

// VisitStatuses returns the visit statuses that show as an R4 Encounter status, and false
// when the code is not an R4 EncounterStatus at all.
func VisitStatuses(code string) ([]string, bool) {
	var out []string
	for s, c := range encounterStatus {
		if c == code {
			out = append(out, s)
		}
	}
	switch code {
	case "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown":
		return out, true
	}
	return out, false
}

// FromVisit maps a visit to an Encounter.
func FromVisit(v domain.Visit) Encounter {
	out := Encounter{
		ResourceType: "Encounter",
		ID:           id(v.ID),
		Meta:         meta(v.Version, v.UpdatedAt),
		Status:       encounterStatus[v.Status],
		Class:        Coding{systemActCode, encounterClassAmbulant, "ambulatory"},
		Subject:      &Reference{Reference: "Patient/" + id(v.PatientID)},
		Period:       &Period{Start: instant(v.StartedAt)},
	}
	if v.EndedAt != nil {
		out.Period.End = instant(*v.EndedAt)
	}
	if v.DoctorID != nil {
		out.Participant = []EncounterParticipant{{Individual: &Reference{Reference: "Practitioner/" + id(*v.DoctorID)}}}
	}
	if v.AppointmentID != nil {
		out.Appointment = []Reference{{Reference: "Appointment/" + id(*v.AppointmentID)}}
	}
	if v.Reason != nil {
		out.ReasonCode = []CodeableConcept{{Text: *v.Reason}}
	}
	return out
}

// VitalID is the Observation id of vital sign n.
func VitalID(n int64) string { return vitalIDPrefix + id(n) }

// ParseVitalID returns the vital sign id of an Observation id.
func ParseVitalID(v string) (int64, bool) { return parsePrefixed(v, vitalIDPrefix) }

// ProblemID is the Condition id of problem n (a record's Condition has the record's id).
func ProblemID(n int64) string { return problemIDPrefix + id(n) }

// ParseProblemID returns the problem id of a Condition id.
func ParseProblemID(v string) (int64, bool) { return parsePrefixed(v, problemIDPrefix) }

func parsePrefixed(v, prefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return 0, false
	}
	return domain.ParseID(rest)
}

func quantity(v float64, unit string) *Quantity {
	return &Quantity{Value: &v, Unit: unit, System: systemUCUM, Code: unit}
}

func loinc(code, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{systemLOINC, code, display}}, Text: display}
}

// FromVital maps a vital sign to an Observation of the category vital-signs: blood pressure
// as the panel 85354-9 with the systolic and diastolic pressures as components.
func FromVital(v domain.VitalSign) Observation {
	ref := Reference{Reference: "Patient/" + id(v.PatientID)}
	out := Observation{
		ResourceType:      "Observation",
		ID:                VitalID(v.ID),
		Meta:              &Meta{VersionID: "1", LastUpdated: instant(v.CreatedAt)},
		Status:            "final",
		Category:          []CodeableConcept{{Coding: []Coding{{systemObsCategory, categoryVitalSigns, "Vital Signs"}}}},
		Code:              loinc(v.Code, v.Display),
		Subject:           &ref,
		EffectiveDateTime: instant(v.EffectiveAt),
	}
	if v.VisitID != nil {
		out.Encounter = &Reference{Reference: "Encounter/" + id(*v.VisitID)}
	}
	if v.Code == domain.LOINCBloodPressure {
		out.Component = []ObservationComponent{
			{Code: loinc(domain.LOINCSystolic, "Systolic blood pressure"), ValueQuantity: quantity(v.Value, v.Unit)},
		}
		if v.Diastolic != nil {
			out.Component = append(out.Component, ObservationComponent{Code: loinc(domain.LOINCDiastolic, "Diastolic blood pressure"),
				ValueQuantity: quantity(*v.Diastolic, v.Unit)})
		}
		return out
	}
	out.ValueQuantity = quantity(v.Value, v.Unit)
	return out
}

// FromAllergy maps an allergy to an AllergyIntolerance.
func FromAllergy(a domain.Allergy) AllergyIntolerance {
	out := AllergyIntolerance{
		ResourceType:       "AllergyIntolerance",
		ID:                 id(a.ID),
		Meta:               meta(a.Version, a.UpdatedAt),
		ClinicalStatus:     &CodeableConcept{Coding: []Coding{{System: systemAllergyClinical, Code: a.ClinicalStatus}}},
		VerificationStatus: &CodeableConcept{Coding: []Coding{{System: systemAllergyVerify, Code: "confirmed"}}},
		Code:               &CodeableConcept{Text: a.Substance},
		Patient:            Reference{Reference: "Patient/" + id(a.PatientID)},
		RecordedDate:       instant(a.CreatedAt),
	}
	switch {
	case a.NoKnown:
		out.Code.Coding = []Coding{{systemSNOMED, snomedNoKnownAllergy, "No known allergy"}}
	case a.Code != nil:
		out.Code.Coding = []Coding{{System: systemSNOMED, Code: *a.Code}}
	}
	if a.Category != nil {
		out.Category = []string{*a.Category}
	}
	if a.Criticality != nil {
		out.Criticality = *a.Criticality
	}
	if a.OnsetDate != nil {
		out.OnsetDateTime = *a.OnsetDate
	}
	if a.Reaction != nil || a.Severity != nil {
		r := AllergyReaction{Manifestation: []CodeableConcept{{Text: "not recorded"}}}
		if a.Reaction != nil {
			r.Manifestation[0].Text = *a.Reaction
		}
		if a.Severity != nil {
			r.Severity = *a.Severity
		}
		out.Reaction = []AllergyReaction{r}
	}
	return out
}

// FromProblem maps an entry of the problem list to a Condition of the category
// problem-list-item.
func FromProblem(p domain.Problem) Condition {
	out := Condition{
		ResourceType:   "Condition",
		ID:             ProblemID(p.ID),
		Meta:           meta(p.Version, p.UpdatedAt),
		ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: systemConditionClin, Code: p.ClinicalStatus}}},
		Category:       []CodeableConcept{{Coding: []Coding{{systemCondCategory, categoryProblemList, "Problem List Item"}}}},
		Code:           &CodeableConcept{Text: p.Description},
		Subject:        Reference{Reference: "Patient/" + id(p.PatientID)},
		RecordedDate:   p.CreatedAt.UTC().Format(domain.DateLayout),
	}
	if p.Code != nil {
		out.Code.Coding = []Coding{{System: systemSNOMED, Code: *p.Code}}
	}
	if p.VisitID != nil {
		out.Encounter = &Reference{Reference: "Encounter/" + id(*p.VisitID)}
	}
	if p.OnsetDate != nil {
		out.OnsetDateTime = *p.OnsetDate
	}
	// R4 (con-4): an abatement only with a status that says the condition is over.
	if p.AbatementDate != nil && (p.ClinicalStatus == "inactive" || p.ClinicalStatus == "resolved" || p.ClinicalStatus == "remission") {
		out.AbatementDateTime = *p.AbatementDate
	}
	return out
}
