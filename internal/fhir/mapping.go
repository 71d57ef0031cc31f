package fhir

import (
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// This file is the one place where HMS data becomes FHIR: when HMS's model changes
// (doctors, appointment durations, record versions), only these functions follow.

// Code systems and codes HMS uses.
const (
	systemIdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203"
	systemLOINC          = "http://loinc.org"
	systemSNOMED         = "http://snomed.info/sct"
	systemObsCategory    = "http://terminology.hl7.org/CodeSystem/observation-category"
	systemCondCategory   = "http://terminology.hl7.org/CodeSystem/condition-category"
	// MRNSystem is the identifier system of HMS's medical record numbers.
	MRNSystem = "urn:hms:mrn"
	// LOINCBloodGroup is the LOINC code of the ABO and Rh blood group observation.
	LOINCBloodGroup = "882-1"
)

// appointmentStatus maps the HMS lifecycle to R4 AppointmentStatus. R4 has no code for a
// visit in progress: the patient has arrived and is being seen, so in_progress is "arrived"
// too (an Encounter would say more; HMS does not model encounters).
var appointmentStatus = map[string]string{
	domain.StatusScheduled:  "booked",
	domain.StatusCheckedIn:  "arrived",
	domain.StatusInProgress: "arrived",
	domain.StatusCompleted:  "fulfilled",
	domain.StatusCancelled:  "cancelled",
	domain.StatusNoShow:     "noshow",
}

// AppointmentStatuses returns the HMS statuses that show as the FHIR status code, and
// false when HMS has none (an R4 code HMS never emits, or no R4 code at all).
func AppointmentStatuses(code string) ([]string, bool) {
	var out []string
	for _, s := range domain.AppointmentStatuses {
		if appointmentStatus[s] == code {
			out = append(out, s)
		}
	}
	return out, len(out) > 0 || validAppointmentCodes[code]
}

// validAppointmentCodes are the R4 AppointmentStatus codes.
var validAppointmentCodes = map[string]bool{"proposed": true, "pending": true, "booked": true, "arrived": true,
	"fulfilled": true, "cancelled": true, "noshow": true, "entered-in-error": true, "checked-in": true, "waitlist": true}

// bloodGroupCodes are the SNOMED CT concepts of the eight ABO/Rh(D) groups.
var bloodGroupCodes = map[string]Coding{
	"A+":  {systemSNOMED, "278149003", "Blood group A Rh(D) positive"},
	"A-":  {systemSNOMED, "278152006", "Blood group A Rh(D) negative"},
	"B+":  {systemSNOMED, "278150003", "Blood group B Rh(D) positive"},
	"B-":  {systemSNOMED, "278153001", "Blood group B Rh(D) negative"},
	"AB+": {systemSNOMED, "278151004", "Blood group AB Rh(D) positive"},
	"AB-": {systemSNOMED, "278154007", "Blood group AB Rh(D) negative"},
	"O+":  {systemSNOMED, "278147001", "Blood group O Rh(D) positive"},
	"O-":  {systemSNOMED, "278148006", "Blood group O Rh(D) negative"},
}

// instant writes a timestamp as a FHIR instant, in UTC.
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// meta is the metadata of a resource at version, last changed at updated: versionId is
// the version the REST API's ETag carries.
func meta(version int64, updated time.Time) *Meta {
	return &Meta{VersionID: strconv.FormatInt(version, 10), LastUpdated: instant(updated)}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// PatientRef is the reference to patient id.
func PatientRef(id int64, name string) Reference {
	return Reference{Reference: "Patient/" + strconv.FormatInt(id, 10), Display: name}
}

// splitName turns HMS's one name field into a FHIR name: the last word is the family name.
func splitName(name string) HumanName {
	words := strings.Fields(name)
	h := HumanName{Use: "official", Text: name}
	if len(words) > 0 {
		h.Family = words[len(words)-1]
		h.Given = words[:len(words)-1]
	}
	return h
}

// FromPatient maps an HMS patient to a FHIR Patient.
func FromPatient(p domain.Patient) Patient {
	out := Patient{
		ResourceType: "Patient",
		ID:           id(p.ID),
		Meta:         meta(p.Version, p.UpdatedAt),
		Active:       &p.Active,
		Identifier: []Identifier{{
			Use:    "usual",
			Type:   &CodeableConcept{Coding: []Coding{{systemIdentifierType, "MR", "Medical record number"}}, Text: "Medical record number"},
			System: MRNSystem,
			Value:  p.MRN,
		}},
		Name:      []HumanName{splitName(p.Name)},
		BirthDate: p.DateOfBirth,
	}
	if p.Phone != nil {
		out.Telecom = append(out.Telecom, ContactPoint{System: "phone", Value: *p.Phone})
	}
	if p.Email != "" {
		out.Telecom = append(out.Telecom, ContactPoint{System: "email", Value: p.Email})
	}
	if p.Address != nil {
		out.Address = []Address{{Text: *p.Address}}
	}
	if p.Gender != nil {
		out.Gender = *p.Gender
	}
	if p.ReplacedBy != nil {
		out.Link = append(out.Link, PatientLink{Other: Reference{Reference: "Patient/" + id(*p.ReplacedBy)}, Type: "replaced-by"})
	}
	return out
}

// WithReplaces adds to the Patient p the links to the patients merged into it.
func WithReplaces(p Patient, merged []int64) Patient {
	for _, m := range merged {
		p.Link = append(p.Link, PatientLink{Other: Reference{Reference: "Patient/" + id(m)}, Type: "replaces"})
	}
	return p
}

// BloodGroupID is the id of the blood group Observation of patient id.
func BloodGroupID(patientID int64) string { return "blood-group-" + id(patientID) }

// ParseBloodGroupID returns the patient id of a blood group Observation id.
func ParseBloodGroupID(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, "blood-group-")
	if !ok {
		return 0, false
	}
	return domain.ParseID(rest)
}

// FromBloodGroup maps a patient's blood group to an Observation (LOINC 882-1), or
// returns false when the patient has none recorded.
func FromBloodGroup(p domain.Patient) (Observation, bool) {
	if p.BloodGroup == nil {
		return Observation{}, false
	}
	value := CodeableConcept{Text: *p.BloodGroup}
	if c, ok := bloodGroupCodes[*p.BloodGroup]; ok {
		value.Coding = []Coding{c}
	}
	ref := PatientRef(p.ID, p.Name)
	return Observation{
		ResourceType:         "Observation",
		ID:                   BloodGroupID(p.ID),
		Meta:                 meta(p.Version, p.UpdatedAt),
		Status:               "final",
		Category:             []CodeableConcept{{Coding: []Coding{{systemObsCategory, "laboratory", "Laboratory"}}}},
		Code:                 CodeableConcept{Coding: []Coding{{systemLOINC, LOINCBloodGroup, "ABO and Rh group [Type] in Blood"}}, Text: "Blood group"},
		Subject:              &ref,
		ValueCodeableConcept: &value,
	}, true
}

// FromAppointment maps an HMS appointment to a FHIR Appointment.
func FromAppointment(a domain.Appointment) Appointment {
	out := Appointment{
		ResourceType:    "Appointment",
		ID:              id(a.ID),
		Meta:            meta(a.Version, a.UpdatedAt),
		Status:          appointmentStatus[a.Status],
		Start:           instant(a.Start),
		End:             instant(a.End),
		MinutesDuration: a.Duration,
		Created:         instant(a.CreatedAt),
		Participant: []AppointmentParticipant{
			{Actor: &Reference{Reference: "Patient/" + id(a.PatientID), Display: a.PatientName}, Status: "accepted"},
			{Actor: &Reference{Reference: "Practitioner/" + id(a.DoctorID), Display: a.DoctorName}, Status: "accepted"},
		},
	}
	if out.Status == "" {
		out.Status = "booked"
	}
	if a.Reason != nil {
		out.Description = *a.Reason
	}
	if a.Notes != nil {
		out.Comment = *a.Notes
	}
	return out
}

// HasCondition reports whether a record carries a diagnosis of its own: records imported
// from a MedicationRequest hold only a prescription.
func HasCondition(r domain.MedicalRecord) bool {
	return !strings.HasPrefix(r.Source, domain.SourceMedicationRequest)
}

// FromRecordCondition maps a medical record's diagnosis to a FHIR Condition.
func FromRecordCondition(r domain.MedicalRecord) Condition {
	out := Condition{
		ResourceType: "Condition",
		ID:           id(r.ID),
		Meta:         meta(r.Version, r.UpdatedAt),
		Category:     []CodeableConcept{{Coding: []Coding{{systemCondCategory, "encounter-diagnosis", "Encounter Diagnosis"}}}},
		Code:         &CodeableConcept{Text: r.Diagnosis},
		Subject:      Reference{Reference: "Patient/" + id(r.PatientID)},
		RecordedDate: r.RecordDate,
		Recorder:     &Reference{Display: r.DoctorName},
	}
	if r.VisitID != nil {
		out.Encounter = &Reference{Reference: "Encounter/" + id(*r.VisitID)}
	}
	if r.Notes != nil {
		out.Note = []Annotation{{Text: *r.Notes}}
	}
	return out
}

// FromRecordMedication maps a medical record's prescription to a FHIR MedicationRequest,
// or returns false when the record has no prescription.
func FromRecordMedication(r domain.MedicalRecord) (MedicationRequest, bool) {
	if r.Prescription == nil {
		return MedicationRequest{}, false
	}
	out := MedicationRequest{
		ResourceType: "MedicationRequest",
		ID:           id(r.ID),
		Meta:         meta(r.Version, r.UpdatedAt),
		// HMS does not track whether a prescription is still being taken.
		Status:                    "unknown",
		Intent:                    "order",
		MedicationCodeableConcept: &CodeableConcept{Text: *r.Prescription},
		Subject:                   Reference{Reference: "Patient/" + id(r.PatientID)},
		AuthoredOn:                r.RecordDate,
		Requester:                 &Reference{Display: r.DoctorName},
	}
	if HasCondition(r) {
		out.ReasonCode = []CodeableConcept{{Text: r.Diagnosis}}
	}
	return out, true
}

// FromDoctor maps an HMS doctor to a FHIR Practitioner.
func FromDoctor(d domain.Doctor) Practitioner {
	return Practitioner{
		ResourceType: "Practitioner",
		ID:           id(d.ID),
		Meta:         meta(d.Version, d.UpdatedAt),
		Active:       &d.Active,
		Name:         []HumanName{doctorName(d.Name)},
	}
}

// doctorName splits a doctor's name, with a leading title such as "Dr." as the prefix.
func doctorName(name string) HumanName {
	h := splitName(name)
	if len(h.Given) > 0 && strings.HasSuffix(h.Given[0], ".") {
		h.Prefix, h.Given = h.Given[:1], h.Given[1:]
	}
	return h
}
