package notify

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/riverqueue/river"

	"github.com/hms-project/hms/internal/domain"
)

// alertArgs is the email to one admin about one emergency access: ids only, no patient
// data in the queue.
type alertArgs struct {
	EmergencyID int64 `json:"emergency_id"`
	AdminID     int64 `json:"admin_id"`
}

func (alertArgs) Kind() string { return "hms.emergency.alert" }

// InsertOpts makes a second job of the same access and admin a no-op.
func (alertArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EnqueueAlertsTx queues inside tx the email about the emergency access to each admin. It
// implements store.AlertQueue.
func (s *Service) EnqueueAlertsTx(ctx context.Context, tx *sql.Tx, emergencyID int64, adminIDs []int64) error {
	params := make([]river.InsertManyParams, len(adminIDs))
	for i, id := range adminIDs {
		params[i] = river.InsertManyParams{Args: alertArgs{EmergencyID: emergencyID, AdminID: id}}
	}
	_, err := s.client.InsertManyTx(ctx, tx, params)
	return err
}

// alertKind labels the emergency alerts in the metrics of messages sent.
const alertKind = "emergency_alert"

type alertWorker struct {
	river.WorkerDefaults[alertArgs]
	s *Service
}

// Work emails the admin, unless the access is gone (purged with its patient) or the admin
// is no longer an active admin. Temporary failures are retried with backoff, like the
// appointment messages; a permanent one is logged and given up.
func (w *alertWorker) Work(ctx context.Context, job *river.Job[alertArgs]) error {
	s := w.s
	a, err := s.st.EmergencyAlert(ctx, job.Args.EmergencyID, job.Args.AdminID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !a.AdminActive || s.mail == nil {
		s.log.Info("emergency alert not sent", "emergency_access", a.Access.ID, "admin", job.Args.AdminID)
		return nil
	}
	msg, err := s.renderAlert(a.Access, job.Args.AdminID)
	if err != nil {
		return err
	}
	if err := s.mail.Send(ctx, a.AdminEmail, msg); err != nil {
		why := scrub(err.Error(), a.AdminEmail)
		final := IsPermanent(err) || job.Attempt >= job.MaxAttempts
		s.log.Warn("emergency alert delivery failed", "emergency_access", a.Access.ID, "admin", job.Args.AdminID,
			"attempt", job.Attempt, "final", final, "error", why)
		if final {
			s.Metrics.failed.WithLabelValues(domain.ChannelEmail).Inc()
			return river.JobCancel(fmt.Errorf("%s", why))
		}
		s.Metrics.retried.WithLabelValues(domain.ChannelEmail).Inc()
		return fmt.Errorf("%s", why)
	}
	s.Metrics.sent.WithLabelValues(domain.ChannelEmail, alertKind).Inc()
	s.log.Info("emergency alert sent", "emergency_access", a.Access.ID, "admin", job.Args.AdminID)
	return nil
}

// alertContent is what the email about an emergency access says. It names the doctor and
// the times and links to the patient's page in HMS, where the admin, signed in, sees who the
// patient is and the reason given; neither is in the email, which leaves HMS's audit.
type alertContent struct {
	Doctor, Started, Expires, Clinic, URL string
}

// renderAlert makes the email about an emergency access; its Message-ID is the same at
// every attempt, so a duplicate after a crash is dropped by mail systems.
func (s *Service) renderAlert(e domain.EmergencyAccess, adminID int64) (Message, error) {
	c := alertContent{Doctor: e.UserName, Started: when(e.StartedAt, s.loc), Expires: e.ExpiresAt.In(s.loc).Format("15:04 MST"),
		Clinic: s.cfg.ClinicName}
	if s.cfg.PublicURL != "" {
		c.URL = s.cfg.PublicURL + "/patients/" + strconv.FormatInt(e.PatientID, 10)
	}
	msg := Message{
		Subject:   "Emergency access to a patient's chart by " + e.UserName,
		MessageID: fmt.Sprintf("<hms.emergency.%d.%d@%s>", e.ID, adminID, s.host),
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s declared an emergency on %s to open the chart of a patient outside their care team", c.Doctor, c.Started)
	if c.Clinic != "" {
		fmt.Fprintf(&b, " at %s", c.Clinic)
	}
	fmt.Fprintf(&b, ".\nThe access lasts until %s; every read during it is recorded as emergency access.\n", c.Expires)
	if c.URL != "" {
		fmt.Fprintf(&b, "\nThe patient and the reason given, once you are signed in to HMS: %s\n", c.URL)
	} else {
		b.WriteString("\nThe patient and the reason given are listed to admins in HMS.\n")
	}
	b.WriteString("\nYou receive this because you are an administrator of HMS.\n")
	msg.Text = b.String()
	var h strings.Builder
	err := alertTemplate.Execute(&h, c)
	msg.HTML = h.String()
	return msg, err
}

var alertTemplate = template.Must(template.New("alert").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Emergency access</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2937">
<h1 style="font-size: 1.25rem">Emergency access to a patient's chart</h1>
<p><strong>{{.Doctor}}</strong> declared an emergency on {{.Started}} to open the chart of a patient outside their care team{{with .Clinic}} at {{.}}{{end}}.</p>
<p>The access lasts until {{.Expires}}; every read during it is recorded as emergency access.</p>
{{if .URL}}<p><a href="{{.URL}}" style="display: inline-block; padding: 0.5rem 1rem; background: #b45309; color: #fff; text-decoration: none; border-radius: 0.25rem">See the patient and the reason in HMS</a></p>{{else}}<p>The patient and the reason given are listed to admins in HMS.</p>{{end}}
<p style="font-size: 0.8rem; color: #6b7280">You receive this because you are an administrator of HMS.</p>
</body></html>
`))
