package domain

import (
	"strings"
	"time"
)

// ProblemStatuses are the clinical statuses of a problem, as FHIR's Condition names them.
var ProblemStatuses = []string{"active", "recurrence", "relapse", "inactive", "remission", "resolved"}

// Problem is an entry of a patient's problem list: a condition followed over time, apart
// from the diagnosis of one visit (a medical record).
type Problem struct {
	ID             int64     `json:"id"`
	PatientID      int64     `json:"patient_id"`
	VisitID        *int64    `json:"visit_id"`
	Description    string    `json:"description"`
	Code           *string   `json:"code"`
	ClinicalStatus string    `json:"clinical_status"`
	OnsetDate      *string   `json:"onset_date"`
	AbatementDate  *string   `json:"abatement_date"`
	RecordedBy     *int64    `json:"recorded_by"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Source         string    `json:"-"`
	VisitSource    string    `json:"-"` // in an import, the Source of its visit
}

// ProblemInput is the body of POST /api/patients/{id}/problems and PUT /api/problems/{id}.
type ProblemInput struct {
	VisitID        Opt[int64]  `json:"visit_id"`
	Description    Opt[string] `json:"description"`
	Code           Opt[string] `json:"code"`
	ClinicalStatus Opt[string] `json:"clinical_status"`
	OnsetDate      Opt[string] `json:"onset_date"`
	AbatementDate  Opt[string] `json:"abatement_date"`
}

// ProblemChanges is a validated PUT: unset fields stay as they are.
type ProblemChanges struct {
	Description, ClinicalStatus *string
	Code, Onset, Abatement      Opt[string]
	IfVersion                   int64
}

// Apply returns p with the changes made.
func (c ProblemChanges) Apply(p Problem) Problem {
	if c.Description != nil {
		p.Description = *c.Description
	}
	if c.ClinicalStatus != nil {
		p.ClinicalStatus = *c.ClinicalStatus
	}
	if c.Code.Set {
		p.Code = optPtr(c.Code)
	}
	if c.Onset.Set {
		p.OnsetDate = optPtr(c.Onset)
	}
	if c.Abatement.Set {
		p.AbatementDate = optPtr(c.Abatement)
	}
	return p
}

// ValidateNew checks a new problem; its status is active unless told otherwise.
func (in ProblemInput) ValidateNew(patientID int64, now time.Time, loc *time.Location) (Problem, error) {
	f := FieldErrors{}
	p := Problem{PatientID: patientID, ClinicalStatus: "active"}
	if id := positiveID(f, "visit_id", in.VisitID, false); id != 0 {
		p.VisitID = &id
	}
	p.Description = required(f, "description", in.Description, 500)
	p.Code = optional(f, "code", in.Code, 40, false)
	if s := oneOf(f, "clinical_status", in.ClinicalStatus, ProblemStatuses); s != nil {
		p.ClinicalStatus = *s
	}
	p.OnsetDate = optionalDate(f, "onset_date", in.OnsetDate, now, loc)
	p.AbatementDate = optionalDate(f, "abatement_date", in.AbatementDate, now, loc)
	return p, f.Err()
}

// ValidateUpdate checks a PUT: any subset of the fields but visit_id.
func (in ProblemInput) ValidateUpdate(now time.Time, loc *time.Location) (ProblemChanges, error) {
	f := FieldErrors{}
	var c ProblemChanges
	if in.VisitID.Set {
		f.Add("visit_id", "cannot be changed")
	}
	if in.Description.Set {
		v := required(f, "description", in.Description, 500)
		c.Description = &v
	}
	if in.ClinicalStatus.Set {
		if v := oneOf(f, "clinical_status", in.ClinicalStatus, ProblemStatuses); v != nil {
			c.ClinicalStatus = v
		} else {
			f.Add("clinical_status", "must be one of "+strings.Join(ProblemStatuses, ", "))
		}
	}
	c.Code = toOpt(in.Code, optional(f, "code", in.Code, 40, false))
	c.Onset = toOpt(in.OnsetDate, optionalDate(f, "onset_date", in.OnsetDate, now, loc))
	c.Abatement = toOpt(in.AbatementDate, optionalDate(f, "abatement_date", in.AbatementDate, now, loc))
	if !in.Description.Set && !in.ClinicalStatus.Set && !in.Code.Set && !in.OnsetDate.Set && !in.AbatementDate.Set && len(f) == 0 {
		return c, Errorf(CodeInvalid, "the body names no field to change (description, code, clinical_status, onset_date, abatement_date)")
	}
	return c, f.Err()
}

// CheckDates refuses a problem that abates before its onset.
func (p Problem) CheckDates() error {
	if p.OnsetDate != nil && p.AbatementDate != nil && *p.AbatementDate < *p.OnsetDate {
		f := FieldErrors{}
		f.Add("abatement_date", "must not be before onset_date ("+*p.OnsetDate+")")
		return f.Err()
	}
	return nil
}

// Medication is a prescription on the patient's medication list: active until stopped.
// Its id is that of the medical record that holds the prescription.
type Medication struct {
	RecordID     int64   `json:"record_id"`
	PatientID    int64   `json:"patient_id"`
	VisitID      *int64  `json:"visit_id"`
	Prescription string  `json:"prescription"`
	Diagnosis    string  `json:"diagnosis"`
	DoctorName   string  `json:"doctor_name"`
	StartedOn    string  `json:"started_on"`
	Status       string  `json:"status"` // active or stopped
	StoppedOn    *string `json:"stopped_on"`
	StopReason   *string `json:"stop_reason"`
	StoppedBy    *int64  `json:"stopped_by"`
}

// MedicationStopInput is the body of POST /api/medications/{id}/stop.
type MedicationStopInput struct {
	Date   Opt[string] `json:"date"`
	Reason Opt[string] `json:"reason"`
}

// Validate checks a stop: a reason, and a date (today when left out) not in the future.
func (in MedicationStopInput) Validate(now time.Time, loc *time.Location) (date, reason string, err error) {
	f := FieldErrors{}
	reason = required(f, "reason", in.Reason, MaxVoidReason)
	date = today(now, loc).Format(DateLayout)
	if d := optionalDate(f, "date", in.Date, now, loc); d != nil {
		date = *d
	} else if in.Date.Set && in.Date.Null {
		f.Add("date", "must be a date, or left out for today")
	}
	return date, reason, f.Err()
}
