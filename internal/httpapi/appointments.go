package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

func (a *API) listAppointments(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.AppointmentFilter{Limit: limit, Cursor: q.Get("cursor"), DoctorName: strings.TrimSpace(q.Get("doctor_name"))}
	fields := domain.FieldErrors{}
	if v := q.Get("patient_id"); v != "" {
		if f.PatientID, err = strconv.ParseInt(v, 10, 64); err != nil || f.PatientID <= 0 {
			fields.Add("patient_id", "must be a positive integer")
		}
	}
	if v := q.Get("doctor_id"); v != "" {
		if f.DoctorID, err = strconv.ParseInt(v, 10, 64); err != nil || f.DoctorID <= 0 {
			fields.Add("doctor_id", "must be a positive integer")
		}
	}
	if v := q.Get("status"); v != "" {
		f.Status = strings.ToLower(v)
		if !slices.Contains(domain.AppointmentStatuses, f.Status) {
			fields.Add("status", "must be one of "+strings.Join(domain.AppointmentStatuses, ", "))
		}
	}
	f.From = a.timeBound(fields, "from", q.Get("from"), false)
	f.To = a.timeBound(fields, "to", q.Get("to"), true)
	if err := fields.Err(); err != nil {
		return err
	}
	page, err := a.store.Appointments(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, page, limit)
	return nil
}

// timeBound parses a from/to filter: a date (the whole day in the clinic's time zone,
// so that to=2030-01-31 includes that day) or a date and time.
func (a *API) timeBound(fields domain.FieldErrors, name, v string, end bool) time.Time {
	if v == "" {
		return time.Time{}
	}
	if d, ok := domain.ParseDate(v); ok {
		t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, a.loc)
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC()
	}
	if t, ok := domain.ParseDateTime(v, a.loc); ok {
		return t
	}
	fields.Add(name, "must be a date (YYYY-MM-DD) or a date and time (RFC 3339)")
	return time.Time{}
}

func (a *API) getAppointment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ap, err := a.store.Appointment(r.Context(), id)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, ap, ap.Version)
	return nil
}

func (a *API) createAppointment(w http.ResponseWriter, r *http.Request) error {
	var in domain.AppointmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	now := a.now()
	ap, err := in.ValidateNew(now, a.loc)
	if err != nil {
		return err
	}
	if in.WalkIn.Value {
		// A walk-in is seen today or not at all: the slot must start before the clinic's midnight.
		y, m, d := now.In(a.loc).Date()
		ap, err = a.store.CreateWalkIn(r.Context(), ap, time.Date(y, m, d+1, 0, 0, 0, 0, a.loc))
	} else {
		ap, err = a.store.CreateAppointment(r.Context(), ap)
	}
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusCreated, ap, ap.Version)
	return nil
}

func (a *API) updateAppointment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.AppointmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	changes, err := in.ValidateUpdate(a.now(), a.loc)
	if err != nil {
		return err
	}
	changes.IfVersion = ifMatch(r)
	ap, err := a.store.UpdateAppointment(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, ap, ap.Version)
	return nil
}

func (a *API) appointmentHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ap, err := a.store.Appointment(r.Context(), id) // whose history it is, for the audit trail
	if err != nil {
		return err
	}
	changes, err := a.store.AppointmentHistory(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unpaged[domain.StatusChange]{Success: true, Data: changes, Count: len(changes),
		about: read{ap.ID, ap.PatientID}})
	return nil
}

// deleteAppointment cancels and hides the appointment: the original API's answer, with
// the row and its history kept.
func (a *API) deleteAppointment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteAppointment(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "appointment deleted"})
	return nil
}
