package notify

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Message is one message as sent: what it says, in text and in HTML (email only). It names
// the clinic, the doctor and the time, never the patient's reason, notes or records.
type Message struct {
	Subject string
	Text    string
	HTML    string
	// MessageID is the same every time the notification is sent: after a crash between
	// sending and recording, the one duplicate carries it too, and mail systems drop it.
	MessageID string
}

// content is what a message says, filled into the templates below.
type content struct {
	Headline      string // "Your appointment is confirmed"
	When          string // "Tuesday 3 March 2030 at 10:00 CET"
	Doctor        string
	Clinic        string
	ClinicAddress string
	ClinicPhone   string
	RespondURL    string // confirm or cancel; empty for a cancellation
	OptOutURL     string
}

var headlines = map[string]string{
	domain.NoticeConfirmation: "Your appointment is booked",
	domain.NoticeReminder:     "Reminder of your appointment",
	domain.NoticeRescheduled:  "Your appointment has moved",
	domain.NoticeCancelled:    "Your appointment is cancelled",
}

// when writes an appointment's time in the clinic's time zone, in full.
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006 at 15:04 MST")
}

func (c content) textBody() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n%s with %s at %s.\n", c.Headline, c.When, c.Doctor, c.Clinic)
	if c.ClinicAddress != "" {
		fmt.Fprintf(&b, "%s\n", c.ClinicAddress)
	}
	if c.ClinicPhone != "" {
		fmt.Fprintf(&b, "Phone: %s\n", c.ClinicPhone)
	}
	if c.RespondURL != "" {
		fmt.Fprintf(&b, "\nConfirm or cancel: %s\n", c.RespondURL)
	}
	if c.OptOutURL != "" {
		fmt.Fprintf(&b, "\nTo receive no more messages: %s\n", c.OptOutURL)
	}
	return b.String()
}

// smsBody is the text message: short, one line of facts and the links.
func (c content) smsBody() string {
	s := fmt.Sprintf("%s: %s. %s with %s.", c.Clinic, c.Headline, c.When, c.Doctor)
	if c.ClinicPhone != "" {
		s += " Phone " + c.ClinicPhone + "."
	}
	if c.RespondURL != "" {
		s += " Confirm or cancel: " + c.RespondURL
	}
	if c.OptOutURL != "" {
		s += " Stop: " + c.OptOutURL
	}
	return s
}

var htmlTemplate = template.Must(template.New("email").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Headline}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2937">
<h1 style="font-size: 1.25rem">{{.Headline}}</h1>
<p><strong>{{.When}}</strong><br>with {{.Doctor}} at {{.Clinic}}</p>
{{if or .ClinicAddress .ClinicPhone}}<p>{{with .ClinicAddress}}{{.}}<br>{{end}}{{with .ClinicPhone}}Phone: {{.}}{{end}}</p>{{end}}
{{with .RespondURL}}<p><a href="{{.}}" style="display: inline-block; padding: 0.5rem 1rem; background: #0f766e; color: #fff; text-decoration: none; border-radius: 0.25rem">Confirm or cancel</a></p>{{end}}
{{with .OptOutURL}}<p style="font-size: 0.8rem; color: #6b7280"><a href="{{.}}">Receive no more messages</a></p>{{end}}
</body></html>
`))

func (c content) htmlBody() (string, error) {
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, c); err != nil {
		return "", err
	}
	return b.String(), nil
}
