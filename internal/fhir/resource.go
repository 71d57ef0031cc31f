// Package fhir speaks HL7 FHIR R4 (4.0.1) for HMS: it maps patients, appointments and
// medical records to FHIR resources, builds search Bundles, OperationOutcomes and the
// CapabilityStatement, and imports transaction and batch Bundles into HMS.
package fhir

import "encoding/json"

// Version is the FHIR version HMS speaks.
const Version = "4.0.1"

// ContentType is the media type of every FHIR response.
const ContentType = "application/fhir+json; charset=utf-8"

// The data types below hold the parts of FHIR that HMS emits and reads. Unknown fields of
// an imported resource are ignored.

// Meta is a resource's metadata.
type Meta struct {
	VersionID   string `json:"versionId,omitempty"`
	LastUpdated string `json:"lastUpdated,omitempty"`
}

// Coding is a code in a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given by codes and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier, such as a medical record number.
type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
}

// ContactPoint is a phone number or an email address.
type ContactPoint struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
	Use    string `json:"use,omitempty"`
}

// Address is a postal address.
type Address struct {
	Text       string   `json:"text,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
}

// Reference points at another resource, or only names it (display).
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Annotation is a note.
type Annotation struct {
	Text string `json:"text"`
}

// Dosage is how a medication is to be taken.
type Dosage struct {
	Text string `json:"text,omitempty"`
}

// Patient is the FHIR Patient resource.
type Patient struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Meta         *Meta          `json:"meta,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Active       *bool          `json:"active,omitempty"`
	Name         []HumanName    `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
	Gender       string         `json:"gender,omitempty"`
	BirthDate    string         `json:"birthDate,omitempty"`
	Address      []Address      `json:"address,omitempty"`
	Link         []PatientLink  `json:"link,omitempty"`
}

// PatientLink links a Patient to another record of the same person: after a merge, the
// merged record is replaced-by the survivor, and the survivor replaces it.
type PatientLink struct {
	Other Reference `json:"other"`
	Type  string    `json:"type"` // replaced-by, replaces
}

// Practitioner is the FHIR Practitioner resource (a doctor).
type Practitioner struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Meta         *Meta        `json:"meta,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Active       *bool        `json:"active,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
}

// Observation is the FHIR Observation resource; HMS emits one for a patient's blood group
// and one for each vital sign.
type Observation struct {
	ResourceType         string                 `json:"resourceType"`
	ID                   string                 `json:"id,omitempty"`
	Meta                 *Meta                  `json:"meta,omitempty"`
	Status               string                 `json:"status"`
	Category             []CodeableConcept      `json:"category,omitempty"`
	Code                 CodeableConcept        `json:"code"`
	Subject              *Reference             `json:"subject,omitempty"`
	Encounter            *Reference             `json:"encounter,omitempty"`
	EffectiveDateTime    string                 `json:"effectiveDateTime,omitempty"`
	EffectivePeriod      *Period                `json:"effectivePeriod,omitempty"`
	ValueQuantity        *Quantity              `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept       `json:"valueCodeableConcept,omitempty"`
	Component            []ObservationComponent `json:"component,omitempty"`
}

// Quantity is a measured amount; HMS writes UCUM units.
type Quantity struct {
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	System string   `json:"system,omitempty"`
	Code   string   `json:"code,omitempty"`
}

// ObservationComponent is one part of an Observation, such as the systolic pressure of a
// blood pressure panel.
type ObservationComponent struct {
	Code          CodeableConcept `json:"code"`
	ValueQuantity *Quantity       `json:"valueQuantity,omitempty"`
}

// Period is a span of time; an open end is left out.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// EncounterParticipant is someone who took part in an encounter.
type EncounterParticipant struct {
	Individual *Reference `json:"individual,omitempty"`
}

// Encounter is the FHIR Encounter resource: a visit.
type Encounter struct {
	ResourceType string                 `json:"resourceType"`
	ID           string                 `json:"id,omitempty"`
	Meta         *Meta                  `json:"meta,omitempty"`
	Status       string                 `json:"status"`
	Class        Coding                 `json:"class"`
	Type         []CodeableConcept      `json:"type,omitempty"`
	Subject      *Reference             `json:"subject,omitempty"`
	Participant  []EncounterParticipant `json:"participant,omitempty"`
	Appointment  []Reference            `json:"appointment,omitempty"`
	Period       *Period                `json:"period,omitempty"`
	ReasonCode   []CodeableConcept      `json:"reasonCode,omitempty"`
}

// AllergyReaction is one reaction of an allergy.
type AllergyReaction struct {
	Manifestation []CodeableConcept `json:"manifestation"`
	Severity      string            `json:"severity,omitempty"`
}

// AllergyIntolerance is the FHIR AllergyIntolerance resource.
type AllergyIntolerance struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []string          `json:"category,omitempty"`
	Criticality        string            `json:"criticality,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Patient            Reference         `json:"patient"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Reaction           []AllergyReaction `json:"reaction,omitempty"`
}

// AppointmentParticipant is a patient or practitioner taking part in an appointment.
type AppointmentParticipant struct {
	Actor  *Reference `json:"actor,omitempty"`
	Status string     `json:"status"`
}

// Appointment is the FHIR Appointment resource.
type Appointment struct {
	ResourceType    string                   `json:"resourceType"`
	ID              string                   `json:"id,omitempty"`
	Meta            *Meta                    `json:"meta,omitempty"`
	Status          string                   `json:"status"`
	Description     string                   `json:"description,omitempty"`
	Start           string                   `json:"start,omitempty"`
	End             string                   `json:"end,omitempty"`
	MinutesDuration int                      `json:"minutesDuration,omitempty"`
	Created         string                   `json:"created,omitempty"`
	Comment         string                   `json:"comment,omitempty"`
	Participant     []AppointmentParticipant `json:"participant"`
}

// Condition is the FHIR Condition resource: a medical record's diagnosis, or a problem.
type Condition struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Meta              *Meta             `json:"meta,omitempty"`
	ClinicalStatus    *CodeableConcept  `json:"clinicalStatus,omitempty"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              *CodeableConcept  `json:"code,omitempty"`
	Subject           Reference         `json:"subject"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	OnsetDateTime     string            `json:"onsetDateTime,omitempty"`
	AbatementDateTime string            `json:"abatementDateTime,omitempty"`
	RecordedDate      string            `json:"recordedDate,omitempty"`
	Recorder          *Reference        `json:"recorder,omitempty"`
	Asserter          *Reference        `json:"asserter,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
}

// MedicationRequest is the FHIR MedicationRequest resource: a medical record's prescription.
type MedicationRequest struct {
	ResourceType              string            `json:"resourceType"`
	ID                        string            `json:"id,omitempty"`
	Meta                      *Meta             `json:"meta,omitempty"`
	Status                    string            `json:"status"`
	Intent                    string            `json:"intent"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   Reference         `json:"subject"`
	AuthoredOn                string            `json:"authoredOn,omitempty"`
	Requester                 *Reference        `json:"requester,omitempty"`
	ReasonCode                []CodeableConcept `json:"reasonCode,omitempty"`
	DosageInstruction         []Dosage          `json:"dosageInstruction,omitempty"`
}

// Medication is the FHIR Medication resource, read on import when a MedicationRequest
// refers to one.
type Medication struct {
	Code *CodeableConcept `json:"code,omitempty"`
}

// BundleLink is a link of a Bundle (self, next).
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one entry of a Bundle.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Search   *EntrySearch    `json:"search,omitempty"`
	Request  *EntryRequest   `json:"request,omitempty"`
	Response *EntryResponse  `json:"response,omitempty"`
}

// EntrySearch says why an entry is in a searchset.
type EntrySearch struct {
	Mode string `json:"mode"`
}

// EntryRequest is the request of a transaction or batch entry.
type EntryRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// EntryResponse is the outcome of a transaction or batch entry.
type EntryResponse struct {
	Status   string          `json:"status"`
	Location string          `json:"location,omitempty"`
	Outcome  json.RawMessage `json:"outcome,omitempty"`
}

// Bundle is the FHIR Bundle resource.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Meta         *Meta         `json:"meta,omitempty"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Total        *int64        `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}
