package httpapi

import (
	"fmt"
	"net/http"
	"slices"
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
	f.PatientID = queryID(r, fields, "patient_id")
	f.DoctorID = queryID(r, fields, "doctor_id")
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
// so that to=2030-01-31 includes that day) or a date and time, from 1900-01-01 to
// 9999-12-31 (domain.InSearchRange).
func (a *API) timeBound(fields domain.FieldErrors, name, v string, end bool) time.Time {
	if v == "" {
		return time.Time{}
	}
	if d, ok := domain.ParseDate(v); ok {
		if !domain.InSearchRange(d) {
			fields.Add(name, domain.SearchRangeMessage)
			return time.Time{}
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, a.loc)
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return domain.ClampSearch(t)
	}
	if t, ok := domain.ParseDateTime(v, a.loc); ok {
		if !domain.InSearchRange(t) {
			fields.Add(name, domain.SearchRangeMessage)
			return time.Time{}
		}
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
	ap, err := in.ValidateNew(a.now(), a.loc)
	if err != nil {
		return err
	}
	if ap, err = a.store.CreateAppointment(r.Context(), ap); err != nil {
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

// deleteAppointment cancels the appointment, which stays in every list as cancelled; one
// that can no longer be cancelled (in progress, completed, no-show, cancelled) is a 409 that
// names its status.
func (a *API) deleteAppointment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.store.CancelAppointment(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: fmt.Sprintf("appointment %d cancelled", id)})
	return nil
}
