package domain

import "time"

// Visit statuses. A visit is open from check-in (or a walk-in) until its appointment is
// completed (closed) or cancelled; a walk-in closes when it is signed.
const (
	VisitOpen      = "open"
	VisitClosed    = "closed"
	VisitCancelled = "cancelled"
)

// ResourceVisit and the other chart resources name audit events.
const (
	ResourceVisit     = "visit"
	ResourceVitalSign = "vital_sign"
	ResourceAllergy   = "allergy"
	ResourceProblem   = "problem"
)

// VisitNote is what a doctor writes about a visit.
type VisitNote struct {
	Reason     *string `json:"reason"`
	Findings   *string `json:"findings"`
	Assessment *string `json:"assessment"`
	Plan       *string `json:"plan"`
}

// Empty reports whether the note says nothing yet.
func (n VisitNote) Empty() bool {
	return n.Reason == nil && n.Findings == nil && n.Assessment == nil && n.Plan == nil
}

// Visit is one encounter of a patient with the clinic. Signing locks its note: what comes
// later is an addendum, never an edit.
type Visit struct {
	ID            int64      `json:"id"`
	PatientID     int64      `json:"patient_id"`
	AppointmentID *int64     `json:"appointment_id"`
	DoctorID      *int64     `json:"doctor_id"`
	Status        string     `json:"status"`
	StartedAt     time.Time  `json:"started_at"`
	EndedAt       *time.Time `json:"ended_at"`
	VisitNote
	SignedAt  *time.Time `json:"signed_at"`
	SignedBy  *int64     `json:"signed_by"`
	Version   int64      `json:"version"`
	CreatedBy *int64     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// Addenda are filled when one visit is read.
	Addenda []VisitAddendum `json:"addenda,omitempty"`
	// Source names the FHIR Encounter an imported visit came from; empty for HMS's own.
	Source string `json:"-"`
}

// Signed reports whether the visit's note is locked.
func (v Visit) Signed() bool { return v.SignedAt != nil }

// VisitAddendum is text added to a signed visit, attributed and never changed.
type VisitAddendum struct {
	ID        int64     `json:"id"`
	VisitID   int64     `json:"visit_id"`
	Text      string    `json:"text"`
	CreatedBy *int64    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// VisitVersion is one version of a visit's note, as written and by whom.
type VisitVersion struct {
	Version int64 `json:"version"`
	VisitNote
	CreatedBy *int64    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// VisitInput is the body of POST /api/visits and PUT /api/visits/{id}.
type VisitInput struct {
	PatientID     Opt[int64]  `json:"patient_id"`
	AppointmentID Opt[int64]  `json:"appointment_id"`
	DoctorID      Opt[int64]  `json:"doctor_id"`
	Reason        Opt[string] `json:"reason"`
	Findings      Opt[string] `json:"findings"`
	Assessment    Opt[string] `json:"assessment"`
	Plan          Opt[string] `json:"plan"`
}

// VisitChanges is a validated change of a visit's note: unset fields stay as they are.
type VisitChanges struct {
	Reason, Findings, Assessment, Plan Opt[string]
	IfVersion                          int64 // when not 0, the change applies only to this version (If-Match)
}

// Apply returns n with the changes made.
func (c VisitChanges) Apply(n VisitNote) VisitNote {
	for _, x := range []struct {
		o   Opt[string]
		dst **string
	}{{c.Reason, &n.Reason}, {c.Findings, &n.Findings}, {c.Assessment, &n.Assessment}, {c.Plan, &n.Plan}} {
		if x.o.Set {
			*x.dst = optPtr(x.o)
		}
	}
	return n
}

// ValidateNew checks POST /api/visits: a patient, optionally their appointment and doctor,
// and the note so far.
func (in VisitInput) ValidateNew() (Visit, error) {
	f := FieldErrors{}
	var v Visit
	v.PatientID = positiveID(f, "patient_id", in.PatientID, true)
	if id := positiveID(f, "appointment_id", in.AppointmentID, false); id != 0 {
		v.AppointmentID = &id
	}
	if id := positiveID(f, "doctor_id", in.DoctorID, false); id != 0 {
		v.DoctorID = &id
	}
	v.VisitNote = in.note(f)
	return v, f.Err()
}

// ValidateUpdate checks PUT /api/visits/{id}: the note only.
func (in VisitInput) ValidateUpdate() (VisitChanges, error) {
	f := FieldErrors{}
	for name, o := range map[string]Opt[int64]{"patient_id": in.PatientID, "appointment_id": in.AppointmentID, "doctor_id": in.DoctorID} {
		if o.Set {
			f.Add(name, "cannot be changed; only the note (reason, findings, assessment, plan) can")
		}
	}
	n := in.note(f)
	c := VisitChanges{Reason: toOpt(in.Reason, n.Reason), Findings: toOpt(in.Findings, n.Findings),
		Assessment: toOpt(in.Assessment, n.Assessment), Plan: toOpt(in.Plan, n.Plan)}
	if !in.Reason.Set && !in.Findings.Set && !in.Assessment.Set && !in.Plan.Set && len(f) == 0 {
		return c, Errorf(CodeInvalid, "the body names no field to change (reason, findings, assessment, plan)")
	}
	return c, f.Err()
}

func (in VisitInput) note(f FieldErrors) VisitNote {
	return VisitNote{
		Reason:     optional(f, "reason", in.Reason, maxTextLen, true),
		Findings:   optional(f, "findings", in.Findings, maxTextLen, true),
		Assessment: optional(f, "assessment", in.Assessment, maxTextLen, true),
		Plan:       optional(f, "plan", in.Plan, maxTextLen, true),
	}
}

// AddendumInput is the body of POST /api/visits/{id}/addenda.
type AddendumInput struct {
	Text Opt[string] `json:"text"`
}

// Validate checks an addendum: text is required.
func (in AddendumInput) Validate() (string, error) {
	f := FieldErrors{}
	t := optional(f, "text", in.Text, maxTextLen, true)
	if t == nil {
		f.Add("text", "is required")
		return "", f.Err()
	}
	return *t, f.Err()
}

// positiveID reads an id field: required or not, it must be a positive integer when given.
func positiveID(f FieldErrors, field string, o Opt[int64], required bool) int64 {
	switch {
	case !o.Given():
		if required {
			f.Add(field, "is required")
		}
		return 0
	case o.Value <= 0:
		f.Add(field, "must be a positive integer")
		return 0
	}
	return o.Value
}

// optionalDate checks an optional YYYY-MM-DD date between 1900 and today.
func optionalDate(f FieldErrors, field string, o Opt[string], now time.Time, loc *time.Location) *string {
	if !o.Given() {
		return nil
	}
	d, ok := ParseDate(o.Value)
	switch {
	case !ok:
		f.Add(field, "must be a valid date in the form YYYY-MM-DD")
		return nil
	case d.Before(EarliestDate):
		f.Add(field, "must not be before 1900-01-01")
		return nil
	case d.After(today(now, loc)):
		f.Add(field, "must not be in the future")
		return nil
	}
	v := o.Value
	return &v
}
