package domain

import (
	"errors"
	"time"
)

// MedicalRecord is one diagnosis of a patient, with its prescription. A record is never
// erased through the API: an amendment adds a version and a deletion voids it.
type MedicalRecord struct {
	ID           int64      `json:"id"`
	PatientID    int64      `json:"patient_id"`
	VisitID      *int64     `json:"visit_id"`
	Diagnosis    string     `json:"diagnosis"`
	Prescription *string    `json:"prescription"`
	DoctorName   string     `json:"doctor_name"`
	RecordDate   string     `json:"record_date"`
	Notes        *string    `json:"notes"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	VoidedAt     *time.Time `json:"voided_at,omitempty"`
	VoidedBy     *int64     `json:"voided_by,omitempty"`
	VoidReason   *string    `json:"void_reason,omitempty"`
	// Source names the FHIR resource an imported record came from ("Condition/abc");
	// empty for records entered in HMS.
	Source string `json:"-"`
	// VisitSource, in an import, names the Source of the record's visit.
	VisitSource string `json:"-"`
}

// CheckStored returns an error when the record, as the store read it back, holds a date or
// time that the stores or JSON cannot round-trip (see CheckStoredTime).
func (r MedicalRecord) CheckStored() error {
	err := errors.Join(checkStoredDate("record_date", r.RecordDate),
		CheckStoredTime("created_at", r.CreatedAt), CheckStoredTime("updated_at", r.UpdatedAt))
	if r.VoidedAt != nil {
		err = errors.Join(err, CheckStoredTime("voided_at", *r.VoidedAt))
	}
	return err
}

// RecordVersion is one version of a medical record, as it was written and by whom.
// Version 1 is the record as created; each amendment adds the next.
type RecordVersion struct {
	Version      int64     `json:"version"`
	Diagnosis    string    `json:"diagnosis"`
	Prescription *string   `json:"prescription"`
	DoctorName   string    `json:"doctor_name"`
	RecordDate   string    `json:"record_date"`
	Notes        *string   `json:"notes"`
	CreatedBy    *int64    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// SourceMedicationRequest starts the Source of a record imported from a MedicationRequest:
// such a record holds a prescription and no diagnosis of its own.
const SourceMedicationRequest = "MedicationRequest/"

// PatientImport is one patient of an import with the medical records that came with them.
// The patient is matched by MRN and each record by its Source, so importing the same data
// twice changes nothing.
type PatientImport struct {
	Patient Patient
	Records []MedicalRecord
	// The chart, each item matched by its Source. A record, vital sign or problem whose
	// VisitSource names the Source of one of Visits belongs to that visit.
	Visits    []Visit
	Vitals    []VitalSign
	Allergies []Allergy
	Problems  []Problem
}

// Kinds of chart items an import writes, the keys of ImportResult.Chart.
const (
	ImportVisit   = "visit"
	ImportVital   = "vital"
	ImportAllergy = "allergy"
	ImportProblem = "problem"
)

// ImportedItem says which row an imported chart item is, and whether the import created it.
type ImportedItem struct {
	ID      int64
	Created bool
}

// ImportedDoctor says which doctor an imported practitioner is, and whether the import created them.
type ImportedDoctor struct {
	ID      int64
	Created bool
}

// ImportResult says what an import did with one patient and each of their records:
// the ids, and whether each was created (true) or updated (false).
type ImportResult struct {
	PatientID      int64
	PatientCreated bool
	RecordIDs      []int64
	RecordCreated  []bool
	// Chart holds, per kind, what became of each item of the chart, in the import's order.
	Chart map[string][]ImportedItem
}

// RecordChanges is a validated amendment: nil leaves a field as it was.
type RecordChanges struct {
	Diagnosis    *string
	Prescription Opt[string]
	DoctorName   *string
	RecordDate   *string
	Notes        Opt[string]
	IfVersion    int64 // when not 0, the amendment applies only to this version (If-Match)
}

// Apply returns r with the changes made.
func (c RecordChanges) Apply(r MedicalRecord) MedicalRecord {
	if c.Diagnosis != nil {
		r.Diagnosis = *c.Diagnosis
	}
	if c.DoctorName != nil {
		r.DoctorName = *c.DoctorName
	}
	if c.RecordDate != nil {
		r.RecordDate = *c.RecordDate
	}
	if c.Prescription.Set {
		r.Prescription = optPtr(c.Prescription)
	}
	if c.Notes.Set {
		r.Notes = optPtr(c.Notes)
	}
	return r
}

func optPtr(o Opt[string]) *string {
	if o.Null {
		return nil
	}
	v := o.Value
	return &v
}

// MaxVoidReason bounds the reason given for voiding a record.
const MaxVoidReason = 255

// ValidVoidReason checks the reason for voiding a record; empty gives a default.
func ValidVoidReason(v string) (string, error) {
	if v == "" {
		return "deleted through the API", nil
	}
	f := FieldErrors{}
	r := required(f, "reason", Some(v), MaxVoidReason)
	return r, f.Err()
}

// RecordInput is the body of POST /api/records.
type RecordInput struct {
	PatientID    Opt[int64]  `json:"patient_id"`
	VisitID      Opt[int64]  `json:"visit_id"`
	Diagnosis    Opt[string] `json:"diagnosis"`
	Prescription Opt[string] `json:"prescription"`
	DoctorName   Opt[string] `json:"doctor_name"`
	RecordDate   Opt[string] `json:"record_date"`
	Notes        Opt[string] `json:"notes"`
}

// ValidateNew checks a create request; record_date defaults to today in loc.
func (in RecordInput) ValidateNew(now time.Time, loc *time.Location) (MedicalRecord, error) {
	f := FieldErrors{}
	var r MedicalRecord
	switch {
	case !in.PatientID.Given():
		f.Add("patient_id", "is required")
	case in.PatientID.Value <= 0:
		f.Add("patient_id", "must be a positive integer")
	default:
		r.PatientID = in.PatientID.Value
	}
	if id := positiveID(f, "visit_id", in.VisitID, false); id != 0 {
		r.VisitID = &id
	}
	in.validate(f, &r, now, loc)
	return r, f.Err()
}

// ValidateImport checks a record that arrives in an import, for a patient of the same
// import (who may not exist yet, so there is no patient_id to check).
func (in RecordInput) ValidateImport(now time.Time, loc *time.Location) (MedicalRecord, error) {
	f := FieldErrors{}
	var r MedicalRecord
	in.validate(f, &r, now, loc)
	return r, f.Err()
}

// validate checks every field but patient_id into r.
func (in RecordInput) validate(f FieldErrors, r *MedicalRecord, now time.Time, loc *time.Location) {
	r.Diagnosis = validDiagnosis(f, in.Diagnosis)
	r.Prescription = optional(f, "prescription", in.Prescription, maxTextLen, true)
	r.DoctorName = required(f, "doctor_name", in.DoctorName, 100)
	r.Notes = optional(f, "notes", in.Notes, maxTextLen, true)
	r.RecordDate = today(now, loc).Format(DateLayout)
	if in.RecordDate.Given() {
		r.RecordDate = dateField(f, "record_date", in.RecordDate, now, loc)
	}
}

// ValidateUpdate checks an amendment (PUT): any subset of the fields except patient_id.
func (in RecordInput) ValidateUpdate(now time.Time, loc *time.Location) (RecordChanges, error) {
	f := FieldErrors{}
	var c RecordChanges
	if in.PatientID.Set {
		f.Add("patient_id", "cannot be changed; void the record and create one for the right patient")
	}
	if in.VisitID.Set {
		f.Add("visit_id", "cannot be changed")
	}
	if in.Diagnosis.Set {
		v := validDiagnosis(f, in.Diagnosis)
		c.Diagnosis = &v
	}
	if in.DoctorName.Set {
		v := required(f, "doctor_name", in.DoctorName, 100)
		c.DoctorName = &v
	}
	if in.RecordDate.Set {
		v := dateField(f, "record_date", in.RecordDate, now, loc)
		c.RecordDate = &v
	}
	c.Prescription = toOpt(in.Prescription, optional(f, "prescription", in.Prescription, maxTextLen, true))
	c.Notes = toOpt(in.Notes, optional(f, "notes", in.Notes, maxTextLen, true))
	if !in.Diagnosis.Set && !in.DoctorName.Set && !in.RecordDate.Set && !in.Prescription.Set && !in.Notes.Set && len(f) == 0 {
		return c, Errorf(CodeInvalid, "the body names no field to change (diagnosis, prescription, doctor_name, record_date, notes)")
	}
	return c, f.Err()
}

func validDiagnosis(f FieldErrors, o Opt[string]) string {
	if !o.Given() {
		f.Add("diagnosis", "is required")
		return ""
	}
	v, msg := checkText(o.Value, maxTextLen, true)
	switch {
	case msg != "":
		f.Add("diagnosis", msg)
	case v == "":
		f.Add("diagnosis", "must not be empty")
	}
	return v
}
