package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Appointment statuses. The lifecycle is scheduled → checked_in → in_progress → completed,
// with cancelled and no_show as other endings.
const (
	StatusScheduled  = "scheduled"
	StatusCheckedIn  = "checked_in"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusCancelled  = "cancelled"
	StatusNoShow     = "no_show"
)

// AppointmentStatuses lists every valid status.
var AppointmentStatuses = []string{StatusScheduled, StatusCheckedIn, StatusInProgress, StatusCompleted, StatusCancelled, StatusNoShow}

// Appointment durations, in minutes.
const (
	DefaultDuration = 30
	MinDuration     = 5
	MaxDuration     = 480
)

// Appointment is a booked visit of a patient with a doctor, from Start for Duration minutes.
type Appointment struct {
	ID          int64     `json:"id"`
	PatientID   int64     `json:"patient_id"`
	PatientName string    `json:"patient_name"`
	DoctorID    int64     `json:"doctor_id"`
	DoctorName  string    `json:"doctor_name"`
	Start       time.Time `json:"appointment_datetime"`
	Duration    int       `json:"duration_minutes"`
	End         time.Time `json:"end_datetime"`
	Status      string    `json:"status"`
	Reason      *string   `json:"reason"`
	Notes       *string   `json:"notes"`
	// CheckedInAt is when the patient arrived (the status history's change to
	// checked_in), or nil before then: the front desk's "waiting for 12 min".
	CheckedInAt *time.Time `json:"checked_in_at"`
	// SeriesID is the recurring series the appointment is an occurrence of, or nil.
	SeriesID  *int64    `json:"series_id"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CheckStored returns an error when the appointment, as the store read it back, holds a
// time that the stores or JSON cannot round-trip (see CheckStoredTime).
func (a Appointment) CheckStored() error {
	return errors.Join(CheckStoredTime("appointment_datetime", a.Start), CheckStoredTime("end_datetime", a.End),
		CheckStoredTime("created_at", a.CreatedAt), CheckStoredTime("updated_at", a.UpdatedAt))
}

// Span returns the time the appointment takes.
func (a Appointment) Span() Span { return Span{a.Start, a.End} }

// AppointmentInput is the body of POST and PUT /api/appointments.
type AppointmentInput struct {
	PatientID  Opt[int64]  `json:"patient_id"`
	DoctorID   Opt[int64]  `json:"doctor_id"`
	DoctorName Opt[string] `json:"doctor_name"`
	Start      Opt[string] `json:"appointment_datetime"`
	Duration   Opt[int]    `json:"duration_minutes"`
	Reason     Opt[string] `json:"reason"`
	Status     Opt[string] `json:"status"`
	// StatusReason says why the status changes (a cancellation's reason); it is kept in the
	// status history.
	StatusReason Opt[string] `json:"status_reason"`
	Notes        Opt[string] `json:"notes"`
	// WalkIn books the doctor's first free moment from now on and checks the patient in
	// at once; appointment_datetime is then left out.
	WalkIn Opt[bool] `json:"walk_in"`
	// Recurrence books a series: this appointment and its repetitions, checked as a whole.
	Recurrence Opt[RecurrenceInput] `json:"recurrence"`
}

// ValidateSeries checks a create request with a recurrence and returns every occurrence,
// the first being the one the request describes.
func (in AppointmentInput) ValidateSeries(now time.Time, loc *time.Location) ([]Appointment, Recurrence, error) {
	first, err := in.ValidateNew(now, loc)
	f := FieldErrors{}
	if fe, ok := err.(*Error); ok && fe.Fields != nil {
		for k, v := range fe.Fields {
			f.Add(k, v)
		}
	} else if err != nil {
		return nil, Recurrence{}, err
	}
	if in.WalkIn.Value {
		f.Add("walk_in", "a walk-in cannot repeat; book the series instead")
	}
	r := in.Recurrence.Value.Validate(f)
	if err := f.Err(); err != nil {
		return nil, r, err
	}
	occ, err := r.SeriesOf(first, now, loc)
	return occ, r, err
}

// AppointmentChanges is a validated PUT: nil leaves a column alone.
type AppointmentChanges struct {
	Status       *string
	StatusReason string // for the status history; "" for none
	Notes        Opt[string]
	Start        *time.Time
	Duration     *int
	DoctorID     *int64 // a move to another doctor
	Reason       Opt[string]
	IfVersion    int64 // when not 0, the update applies only to this version (If-Match)
}

// Moves reports whether the change reschedules the appointment.
func (c AppointmentChanges) Moves() bool {
	return c.Start != nil || c.Duration != nil || c.DoctorID != nil
}

// ValidateNew checks a create request. Appointments cannot be booked in the past. The
// doctor is doctor_id or, as in the original API, doctor_name; the store resolves the name.
func (in AppointmentInput) ValidateNew(now time.Time, loc *time.Location) (Appointment, error) {
	f := FieldErrors{}
	a := Appointment{Status: StatusScheduled, Duration: DefaultDuration}
	switch {
	case !in.PatientID.Given():
		f.Add("patient_id", "is required")
	case in.PatientID.Value <= 0:
		f.Add("patient_id", "must be a positive integer")
	default:
		a.PatientID = in.PatientID.Value
	}
	switch {
	case in.DoctorID.Given() && in.DoctorID.Value <= 0:
		f.Add("doctor_id", "must be a positive integer")
	case in.DoctorID.Given():
		a.DoctorID = in.DoctorID.Value
		if in.DoctorName.Given() {
			a.DoctorName = required(f, "doctor_name", in.DoctorName, 100)
		}
	case !in.DoctorName.Given():
		f.Add("doctor_name", "is required (or give doctor_id)")
	default:
		a.DoctorName = required(f, "doctor_name", in.DoctorName, 100)
	}
	if in.Duration.Set {
		a.Duration = validDuration(f, in.Duration)
	}
	switch {
	case in.WalkIn.Given() && in.WalkIn.Value:
		if in.Start.Set {
			f.Add("appointment_datetime", "must be left out for a walk-in: it starts at the doctor's first free moment from now")
		}
		a.Start = now.Truncate(time.Minute) // the store moves it on to the first free moment
		a.End = a.Start.Add(time.Duration(a.Duration) * time.Minute)
	default:
		if t, ok := validStart(f, in.Start, now, loc); ok {
			a.Start = t
			a.End = t.Add(time.Duration(a.Duration) * time.Minute)
		}
	}
	a.Reason = optional(f, "reason", in.Reason, maxTextLen, true)
	a.Notes = optional(f, "notes", in.Notes, maxTextLen, true)
	if in.Status.Given() && in.Status.Value != StatusScheduled {
		f.Add("status", "a new appointment is always scheduled; change the status afterwards")
	}
	if in.StatusReason.Set {
		f.Add("status_reason", "applies to a change of status")
	}
	return a, f.Err()
}

// ValidateUpdate checks a PUT body: status, notes, appointment_datetime, duration_minutes,
// doctor_id (a move to another doctor) and reason may change.
func (in AppointmentInput) ValidateUpdate(now time.Time, loc *time.Location) (AppointmentChanges, error) {
	f := FieldErrors{}
	var c AppointmentChanges
	if in.PatientID.Set {
		f.Add("patient_id", "cannot be changed; book a new appointment instead")
	}
	if in.DoctorName.Set {
		f.Add("doctor_name", "cannot be changed; give doctor_id to move the appointment to another doctor")
	}
	if in.DoctorID.Set {
		if !in.DoctorID.Given() || in.DoctorID.Value <= 0 {
			f.Add("doctor_id", "must be a positive integer")
		} else {
			d := in.DoctorID.Value
			c.DoctorID = &d
		}
	}
	if in.Duration.Set {
		d := validDuration(f, in.Duration)
		c.Duration = &d
	}
	if in.WalkIn.Set {
		f.Add("walk_in", "applies to booking only; check a booked patient in with status checked_in")
	}
	if in.Recurrence.Set {
		f.Add("recurrence", "applies to booking only; move or cancel occurrences with ?scope=this|following|series")
	}
	if in.Status.Set {
		v := strings.ToLower(required(f, "status", in.Status, 20))
		if v != "" && !slices.Contains(AppointmentStatuses, v) {
			f.Add("status", "must be one of "+strings.Join(AppointmentStatuses, ", "))
		}
		c.Status = &v
	}
	if in.StatusReason.Set {
		if !in.Status.Set {
			f.Add("status_reason", "applies to a change of status; give status too")
		} else if r := optional(f, "status_reason", in.StatusReason, 255, true); r != nil {
			c.StatusReason = *r
		}
	}
	if in.Start.Set {
		if t, ok := validStart(f, in.Start, now, loc); ok {
			c.Start = &t
		}
	}
	c.Notes = toOpt(in.Notes, optional(f, "notes", in.Notes, maxTextLen, true))
	c.Reason = toOpt(in.Reason, optional(f, "reason", in.Reason, maxTextLen, true))
	if !in.Status.Set && !in.Start.Set && !in.Duration.Set && !in.DoctorID.Set && !in.Notes.Set && !in.Reason.Set && len(f) == 0 {
		return c, Errorf(CodeInvalid, "the body names no field to change (status, notes, appointment_datetime, duration_minutes, doctor_id, reason)")
	}
	return c, f.Err()
}

func validDuration(f FieldErrors, o Opt[int]) int {
	if o.Null || o.Value < MinDuration || o.Value > MaxDuration {
		f.Add("duration_minutes", fmt.Sprintf("must be a whole number of minutes from %d to %d", MinDuration, MaxDuration))
		return DefaultDuration
	}
	return o.Value
}

// validStart checks appointment_datetime as written: a date and time from now to
// BookingYears ahead, in whole seconds (what the stores keep of it).
func validStart(f FieldErrors, o Opt[string], now time.Time, loc *time.Location) (time.Time, bool) {
	if !o.Given() {
		f.Add("appointment_datetime", "is required")
		return time.Time{}, false
	}
	t, ok := ParseDateTime(o.Value, loc)
	switch {
	case !ok:
		f.Add("appointment_datetime", "must be a date and time such as 2030-01-31T09:30 or 2030-01-31T09:30:00+01:00")
	case t.Nanosecond() != 0:
		f.Add("appointment_datetime", "must be a whole second")
	case t.Before(now):
		f.Add("appointment_datetime", "must not be in the past")
	case t.After(LatestStart(now)):
		f.Add("appointment_datetime", fmt.Sprintf("must be at most %d years ahead (until %s)", BookingYears,
			LatestStart(now).Truncate(time.Second).UTC().Format(time.RFC3339)))
	default:
		return t, true
	}
	return time.Time{}, false
}
