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
	now := a.now()
	if in.Recurrence.Set {
		return a.createSeries(w, r, in, now)
	}
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

// seriesBody is the answer to booking or moving occurrences of a series: the appointment
// the request named, and every occurrence it booked or moved.
type seriesBody struct {
	Success bool               `json:"success"`
	Data    domain.Appointment `json:"data"`
	Series  seriesOf           `json:"series"`
}

type seriesOf struct {
	ID           int64                `json:"id"`
	Appointments []domain.Appointment `json:"appointments"`
}

// createSeries books a recurring series as a whole: 201 with the first occurrence and all
// of them, or 409 listing every clashing occurrence with nothing booked.
func (a *API) createSeries(w http.ResponseWriter, r *http.Request, in domain.AppointmentInput, now time.Time) error {
	occ, rule, err := in.ValidateSeries(now, a.loc)
	if err != nil {
		return err
	}
	booked, err := a.store.CreateSeries(r.Context(), occ, rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, seriesBody{Success: true, Data: booked[0], Series: seriesOf{ID: *booked[0].SeriesID, Appointments: booked}})
	return nil
}

func (a *API) updateAppointment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	scope, err := domain.ParseScope(r.URL.Query().Get("scope"))
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
	if scope != domain.ScopeThis {
		return a.moveSeries(w, r, id, scope, changes)
	}
	ap, err := a.store.UpdateAppointment(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, ap, ap.Version)
	return nil
}

// moveSeries moves the occurrences of id's series that scope names by as much as id moves.
func (a *API) moveSeries(w http.ResponseWriter, r *http.Request, id int64, scope string, c domain.AppointmentChanges) error {
	if !c.Moves() || c.Status != nil || c.Notes.Set || c.Reason.Set {
		return &domain.Error{Code: domain.CodeInvalid, Message: "scope: with following or series, change only appointment_datetime, duration_minutes and doctor_id",
			Fields: map[string]string{"scope": "moves occurrences only; change status, notes and reason one appointment at a time"}}
	}
	moved, err := a.store.MoveSeries(r.Context(), id, scope, c)
	if err != nil {
		return err
	}
	body := seriesBody{Success: true, Data: moved[0], Series: seriesOf{ID: *moved[0].SeriesID, Appointments: moved}}
	for _, m := range moved {
		if m.ID == id {
			body.Data = m
		}
	}
	writeJSON(w, http.StatusOK, body)
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
	scope, err := domain.ParseScope(r.URL.Query().Get("scope"))
	if err != nil {
		return err
	}
	ids, err := a.store.CancelAppointments(r.Context(), id, scope)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("appointment %d cancelled", id)
	if scope != domain.ScopeThis {
		msg = fmt.Sprintf("%d appointments of the series cancelled", len(ids))
	}
	writeJSON(w, http.StatusOK, struct {
		Success bool    `json:"success"`
		Message string  `json:"message"`
		Deleted []int64 `json:"deleted"`
	}{true, msg, ids})
	return nil
}
