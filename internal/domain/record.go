package domain

import "time"

// MedicalRecord is one diagnosis of a patient, with its prescription.
type MedicalRecord struct {
	ID           int64     `json:"id"`
	PatientID    int64     `json:"patient_id"`
	Diagnosis    string    `json:"diagnosis"`
	Prescription *string   `json:"prescription"`
	DoctorName   string    `json:"doctor_name"`
	RecordDate   string    `json:"record_date"`
	Notes        *string   `json:"notes"`
	CreatedAt    time.Time `json:"created_at"`
}

// RecordInput is the body of POST /api/records.
type RecordInput struct {
	PatientID    Opt[int64]  `json:"patient_id"`
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
	if !in.Diagnosis.Given() {
		f.Add("diagnosis", "is required")
	} else if v, msg := checkText(in.Diagnosis.Value, maxTextLen, true); msg != "" {
		f.Add("diagnosis", msg)
	} else if v == "" {
		f.Add("diagnosis", "must not be empty")
	} else {
		r.Diagnosis = v
	}
	r.Prescription = optional(f, "prescription", in.Prescription, maxTextLen, true)
	r.DoctorName = required(f, "doctor_name", in.DoctorName, 100)
	r.Notes = optional(f, "notes", in.Notes, maxTextLen, true)
	r.RecordDate = today(now, loc).Format(DateLayout)
	if in.RecordDate.Given() {
		d, ok := ParseDate(in.RecordDate.Value)
		switch {
		case !ok:
			f.Add("record_date", "must be a valid date in the form YYYY-MM-DD")
		case d.After(today(now, loc)):
			f.Add("record_date", "must not be in the future")
		default:
			r.RecordDate = in.RecordDate.Value
		}
	}
	return r, f.Err()
}
