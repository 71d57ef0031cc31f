package httpapi

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/notify"
	"github.com/hms-project/hms/internal/store"
)

// appointmentNotifications lists what was sent (or is waiting) for an appointment.
func (a *API) appointmentNotifications(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ap, err := a.store.Appointment(r.Context(), id) // whose messages they are, for the audit trail
	if err != nil {
		return err
	}
	ns, err := a.store.AppointmentNotifications(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unpaged[domain.Notification]{Success: true, Data: ns, Count: len(ns), about: read{ap.ID, ap.PatientID}})
	return nil
}

// listNotifications is the admins' outbox: every message, newest first, by status.
func (a *API) listNotifications(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.OutboxFilter{Limit: limit, Status: strings.ToLower(q.Get("status"))}
	fields := domain.FieldErrors{}
	if f.Status != "" && !slices.Contains(domain.NoticeStatuses, f.Status) {
		fields.Add("status", "must be one of "+strings.Join(domain.NoticeStatuses, ", "))
	}
	if v := q.Get("before"); v != "" {
		var ok bool
		if f.Before, ok = domain.ParseID(v); !ok {
			fields.Add("before", "must be a positive integer (the id to list below)")
		}
	}
	if err := fields.Err(); err != nil {
		return err
	}
	ns, err := a.store.Outbox(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unpaged[domain.Notification]{Success: true, Data: ns, Count: len(ns)})
	return nil
}

// resendNotification queues a failed or skipped message again.
func (a *API) resendNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := a.store.ResendNotice(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, item{Success: true, Data: n})
	return nil
}

// contactPreference is the body of GET and PUT /api/patients/{id}/contact-preference.
type contactPreference struct {
	PatientID  int64  `json:"patient_id"`
	Preference string `json:"contact_preference"` // "" is the default: every channel with an address
}

func (a *API) getContactPreference(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pref, err := a.store.ContactPreference(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: contactPreference{PatientID: id, Preference: pref}})
	return nil
}

func (a *API) setContactPreference(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Preference *string `json:"contact_preference"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Preference == nil {
		return domain.Errorf(domain.CodeInvalid, "contact_preference is required: email, sms, both, none or \"\" for the default")
	}
	if err := a.store.SetContactPreference(r.Context(), id, strings.ToLower(*in.Preference)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: contactPreference{PatientID: id, Preference: strings.ToLower(*in.Preference)}})
	return nil
}

// The patients' pages: what a message's link opens, without signing in. The token in the
// path is the credential. A GET only shows (mail systems open links to scan them); the
// form's POST acts. The pages are plain HTML, so that they work in any phone's browser.

// patientPage is what the page template shows.
type patientPage struct {
	Title, Message, Error string
	Clinic                notify.Clinic
	Appointment           *store.LinkedAppointment
	When                  string
	Action                string // the form's target; empty: no form
	OptOut                bool
}

var patientPageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} – {{.Clinic.Name}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2937}
h1{font-size:1.4rem}.card{border:1px solid #d1d5db;border-radius:.5rem;padding:1rem;margin:1rem 0}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #0f766e;margin:.25rem .5rem .25rem 0;cursor:pointer}
.primary{background:#0f766e;color:#fff}.danger{border-color:#b91c1c;color:#b91c1c;background:#fff}
.note{color:#4b5563}.error{color:#b91c1c}small{color:#6b7280}</style></head>
<body><h1>{{.Title}}</h1>
{{with .Appointment}}<div class="card"><strong>{{$.When}}</strong><br>with {{.DoctorName}} at {{$.Clinic.Name}}
{{with $.Clinic.Address}}<br><small>{{.}}</small>{{end}}<br>Status: {{.Status}}</div>{{end}}
{{with .Message}}<p class="note">{{.}}</p>{{end}}{{with .Error}}<p class="error">{{.}}</p>{{end}}
{{if .Action}}<form method="post" action="{{.Action}}">
{{if .OptOut}}<button class="primary" name="answer" value="opt-out">Receive no more messages</button>
{{else}}<button class="primary" name="answer" value="confirm">Confirm</button><button class="danger" name="answer" value="cancel">Cancel the appointment</button>{{end}}
</form>{{end}}
{{with .Clinic.Phone}}<p><small>Questions? Call {{.}}.</small></p>{{end}}
</body></html>
`))

// writePage writes a patient's page with its own security headers: no scripts, forms to
// this server only, and no Referer, which would carry the token.
func (a *API) writePage(w http.ResponseWriter, status int, p patientPage) {
	if a.notices != nil {
		p.Clinic = a.notices.Clinic()
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := patientPageTemplate.Execute(w, p); err != nil {
		a.log.Error("patient page", "error", err)
	}
}

// patientActor marks the request's actor as the patient, for the audit trail.
func patientActor(r *http.Request) *http.Request {
	actor := domain.ActorFrom(r.Context())
	actor.UserID, actor.Role = 0, store.ActorPatient
	return r.WithContext(domain.WithActor(r.Context(), actor))
}

// pageError shows err on a patient's page: its message for what the patient can act on,
// "something went wrong" for the rest (logged with the request id, like a 500).
func (a *API) pageError(w http.ResponseWriter, r *http.Request, title string, err error) {
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal {
		a.writePage(w, statusOf[de.Code], patientPage{Title: title, Error: de.Message})
		return
	}
	a.log.Error("patient page failed", "request_id", domain.ActorFrom(r.Context()).RequestID, "error", err)
	a.writePage(w, http.StatusInternalServerError, patientPage{Title: title, Error: "Something went wrong. Please try again later or call the clinic."})
}

// linkNotification checks the token of a confirm/cancel link.
func (a *API) linkNotification(r *http.Request) (int64, error) {
	return a.checkLink(r, (*notify.Links).CheckRespond)
}

// optOutPatient checks the token of an opt-out link.
func (a *API) optOutPatient(r *http.Request) (int64, error) {
	return a.checkLink(r, (*notify.Links).CheckOptOut)
}

// checkLink returns what the token in the path names, by check; any fault is a 404.
func (a *API) checkLink(r *http.Request, check func(*notify.Links, string, time.Time) (int64, error)) (int64, error) {
	if a.notices == nil {
		return 0, domain.Errorf(domain.CodeNotFound, "this link is not valid")
	}
	id, err := check(a.notices.Links(), r.PathValue("token"), a.now())
	if err != nil {
		return 0, domain.Errorf(domain.CodeNotFound, "this link is not valid or has expired")
	}
	return id, nil
}

// respondPage shows the appointment a message's link is about, with Confirm and Cancel.
func (a *API) respondPage(w http.ResponseWriter, r *http.Request) error {
	r = patientActor(r)
	const title = "Your appointment"
	id, err := a.linkNotification(r)
	if err != nil {
		a.pageError(w, r, title, err)
		return nil
	}
	l, err := a.store.LinkedAppointment(r.Context(), id, a.now())
	if err != nil {
		a.pageError(w, r, title, err)
		return nil
	}
	p := patientPage{Title: title, Appointment: &l, When: a.localWhen(l), Message: l.Why}
	if l.Answerable {
		p.Action = r.URL.Path
	}
	a.writePage(w, http.StatusOK, p)
	return nil
}

// respond confirms or cancels the appointment, once, as the patient.
func (a *API) respond(w http.ResponseWriter, r *http.Request) error {
	r = patientActor(r)
	const title = "Your appointment"
	id, err := a.linkNotification(r)
	if err != nil {
		a.pageError(w, r, title, err)
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	answer := r.PostFormValue("answer")
	l, err := a.store.AnswerLink(r.Context(), id, answer, a.now())
	if err != nil {
		a.pageError(w, r, title, err)
		return nil
	}
	msg := "Thank you: your appointment is confirmed."
	if answer == store.AnswerCancel {
		msg = "Your appointment is cancelled. You will receive a confirmation of the cancellation."
	}
	a.writePage(w, http.StatusOK, patientPage{Title: title, Appointment: &l, When: a.localWhen(l), Message: msg})
	return nil
}

func (a *API) localWhen(l store.LinkedAppointment) string {
	return l.Start.In(a.loc).Format("Monday 2 January 2006 at 15:04 MST")
}

// optOutPage asks the patient to confirm that they want no more messages.
func (a *API) optOutPage(w http.ResponseWriter, r *http.Request) error {
	const title = "Stop appointment messages"
	if _, err := a.optOutPatient(r); err != nil {
		a.pageError(w, r, title, err)
		return nil
	}
	a.writePage(w, http.StatusOK, patientPage{Title: title, Action: r.URL.Path, OptOut: true,
		Message: "You will receive no more emails or text messages about your appointments. The clinic can turn them on again."})
	return nil
}

// optOut sets the patient's contact preference to none, as the patient.
func (a *API) optOut(w http.ResponseWriter, r *http.Request) error {
	r = patientActor(r)
	const title = "Stop appointment messages"
	id, err := a.optOutPatient(r)
	if err == nil {
		err = a.store.SetContactPreference(r.Context(), id, domain.ContactNone)
	}
	if err != nil {
		a.pageError(w, r, title, err)
		return nil
	}
	a.writePage(w, http.StatusOK, patientPage{Title: title, Message: "Done: you will receive no more messages about your appointments."})
	return nil
}
