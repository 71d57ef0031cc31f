package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.AuditFilter{Limit: limit, Cursor: q.Get("cursor"), Action: q.Get("action")}
	fields := domain.FieldErrors{}
	f.UserID = queryID(r, fields, "user_id")
	f.PatientID = queryID(r, fields, "patient_id")
	if len(f.Action) > 30 {
		fields.Add("action", "must be at most 30 characters")
	}
	f.From = a.timeBound(fields, "from", q.Get("from"), false)
	f.To = a.timeBound(fields, "to", q.Get("to"), true)
	if err := fields.Err(); err != nil {
		return err
	}
	page, err := a.store.AuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, page, limit)
	return nil
}
