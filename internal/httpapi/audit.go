package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// listAudit answers a page of the audit trail with the names of its users and patients:
// the patients' names are patient data, so the read is recorded for each patient named
// (the route's touches), as any other read of patient data.
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
	if f.Action != "" && !slices.Contains(domain.AuditActions, f.Action) {
		fields.Add("action", "must be one of "+strings.Join(domain.AuditActions, ", "))
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
	names, err := a.store.AuditNames(r.Context(), page.Items)
	if err != nil {
		return err
	}
	writePage(w, store.Page[domain.AuditEntry]{Items: names.Named(page.Items), NextCursor: page.NextCursor,
		Total: page.Total, TotalEstimated: page.TotalEstimated}, limit)
	return nil
}
