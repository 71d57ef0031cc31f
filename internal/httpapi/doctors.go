package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

func (a *API) listDoctors(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	inactive, err := flag(r, "include_inactive")
	if err != nil {
		return err
	}
	page, err := a.store.Doctors(r.Context(), store.DoctorFilter{IncludeInactive: inactive, Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	writePage(w, page, limit)
	return nil
}

func (a *API) getDoctor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := a.store.Doctor(r.Context(), id)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, d, d.Version)
	return nil
}

func (a *API) createDoctor(w http.ResponseWriter, r *http.Request) error {
	var in domain.DoctorInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := in.ValidateNew()
	if err != nil {
		return err
	}
	if d, err = a.store.CreateDoctor(r.Context(), d); err != nil {
		return err
	}
	writeResource(w, r, http.StatusCreated, d, d.Version)
	return nil
}

func (a *API) updateDoctor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.DoctorInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	changes, err := in.ValidateUpdate()
	if err != nil {
		return err
	}
	changes.IfVersion = ifMatch(r)
	d, err := a.store.UpdateDoctor(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeResource(w, r, http.StatusOK, d, d.Version)
	return nil
}

// availability answers the free slots of a doctor's working day: ?date=YYYY-MM-DD (in the
// clinic's time zone) and ?duration_minutes= (default 30), slots laid end to end from the
// start of each working interval, skipping those already held or already begun.
func (a *API) availability(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fields := domain.FieldErrors{}
	day, ok := domain.ParseDate(q.Get("date"))
	switch {
	case !ok:
		fields.Add("date", "is required, as YYYY-MM-DD")
	case !domain.InSearchRange(day):
		fields.Add("date", domain.SearchRangeMessage)
	}
	duration := domain.DefaultDuration
	if v := q.Get("duration_minutes"); v != "" {
		n, ok := domain.ParseID(v)
		if !ok || n < domain.MinDuration || n > domain.MaxDuration {
			fields.Add("duration_minutes", fmt.Sprintf("must be a whole number of minutes from %d to %d", domain.MinDuration, domain.MaxDuration))
		}
		duration = int(n)
	}
	if err := fields.Err(); err != nil {
		return err
	}
	d, err := a.store.Doctor(r.Context(), id)
	if err != nil {
		return err
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, a.loc)
	busy, err := a.store.DoctorBusy(r.Context(), id, start, start.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	slots := []domain.Span{}
	if d.Active {
		slots = d.WorkingHours.FreeSlots(day, a.loc, time.Duration(duration)*time.Minute, busy, a.now())
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: struct {
		DoctorID int64         `json:"doctor_id"`
		Date     string        `json:"date"`
		TimeZone string        `json:"time_zone"`
		Duration int           `json:"duration_minutes"`
		Slots    []domain.Span `json:"slots"`
	}{d.ID, q.Get("date"), a.loc.String(), duration, slots}})
	return nil
}
