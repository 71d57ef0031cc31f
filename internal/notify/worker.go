package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// deliverWorker sends one notification.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

// Work sends the notification unless it no longer applies, and records the outcome. It
// returns an error for a temporary failure (River retries it with backoff), cancels the job
// for a permanent one, and snoozes an SMS that falls in the quiet hours.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	s := w.s
	id := job.Args.NotificationID
	d, err := s.st.NoticeDelivery(ctx, id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil // purged with its patient
	}
	if err != nil {
		return err
	}
	n := d.Notification
	if n.Status != domain.NoticeQueued {
		return nil // dropped by a move or a cancellation, or already done
	}
	now := s.now()
	if status, why := s.applies(d, now); status != "" {
		_, err := s.st.FinishNotice(ctx, id, status, why, now)
		s.log.Info("message not sent", "notification", id, "kind", n.Kind, "channel", n.Channel, "status", status, "why", why)
		return err
	}
	if n.Channel == domain.ChannelSMS {
		if quiet, until := s.cfg.QuietAt(now.In(s.loc)); quiet {
			return river.JobSnooze(until.Sub(now))
		}
	}
	msg, err := s.render(d)
	if err != nil {
		return err
	}
	recipient := d.Email
	if n.Channel == domain.ChannelSMS {
		recipient = d.Phone
		err = s.sms.Send(ctx, d.Phone, msg.Text, "hms-notification-"+strconv.FormatInt(id, 10))
	} else {
		err = s.mail.Send(ctx, d.Email, msg)
	}
	if err != nil {
		why := scrub(err.Error(), recipient)
		final := IsPermanent(err) || job.Attempt >= job.MaxAttempts
		s.log.Warn("message delivery failed", "notification", id, "kind", n.Kind, "channel", n.Channel,
			"attempt", job.Attempt, "final", final, "error", why)
		if final {
			s.Metrics.failed.WithLabelValues(n.Channel).Inc()
			if _, err := s.st.FinishNotice(ctx, id, domain.NoticeFailed, why, now); err != nil {
				return err
			}
			return river.JobCancel(fmt.Errorf("%s", why))
		}
		s.Metrics.retried.WithLabelValues(n.Channel).Inc()
		if err := s.st.NoticeAttemptFailed(ctx, id, why, now); err != nil {
			return err
		}
		return fmt.Errorf("%s", why)
	}
	s.Metrics.sent.WithLabelValues(n.Channel, n.Kind).Inc()
	// A crash here, after the send and before this record, makes the queue run the job
	// again once it is rescued: the one duplicate carries the same Message-ID.
	if _, err := s.st.FinishNotice(context.WithoutCancel(ctx), id, domain.NoticeSent, "", s.now()); err != nil {
		return err
	}
	s.log.Info("message sent", "notification", id, "kind", n.Kind, "channel", n.Channel)
	return nil
}

// applies returns the final status and why when a queued notification is not to be sent.
func (s *Service) applies(d store.Delivery, now time.Time) (string, string) {
	n := d.Notification
	switch {
	case !d.PatientActive:
		return domain.NoticeDropped, "the patient was deactivated"
	case n.Kind != domain.NoticeCancelled && (d.AppointmentDeleted || d.AppointmentStatus != domain.StatusScheduled):
		return domain.NoticeDropped, "the appointment is no longer scheduled"
	case !d.AppointmentStart.After(now):
		return domain.NoticeSkipped, "the appointment has begun"
	case !domain.AllowsChannel(d.Preference, n.Channel):
		return domain.NoticeSkipped, "the patient opted out of " + n.Channel
	case n.Channel == domain.ChannelEmail && (d.Email == "" || s.mail == nil):
		return domain.NoticeSkipped, "no email address or no email configured"
	case n.Channel == domain.ChannelSMS && (domain.PhoneKey(&d.Phone) == "" || s.sms == nil):
		return domain.NoticeSkipped, "no phone number or no SMS configured"
	}
	return "", ""
}

// render makes the message of a delivery.
func (s *Service) render(d store.Delivery) (Message, error) {
	n := d.Notification
	c := content{
		Headline:      headlines[n.Kind],
		When:          when(d.AppointmentStart, s.loc),
		Doctor:        d.DoctorName,
		Clinic:        s.cfg.ClinicName,
		ClinicAddress: s.cfg.ClinicAddress,
		ClinicPhone:   s.cfg.ClinicPhone,
	}
	if s.cfg.PublicURL != "" && s.links != nil {
		if n.Kind != domain.NoticeCancelled {
			c.RespondURL = s.cfg.PublicURL + "/respond/" + s.links.RespondToken(n.ID, d.AppointmentStart)
		}
		c.OptOutURL = s.cfg.PublicURL + "/opt-out/" + s.links.OptOutToken(n.PatientID, s.now())
	}
	msg := Message{
		Subject:   fmt.Sprintf("%s: %s", c.Headline, when(d.AppointmentStart, s.loc)),
		MessageID: fmt.Sprintf("<hms.notification.%d@%s>", n.ID, s.host),
	}
	if n.Channel == domain.ChannelSMS {
		msg.Text = c.smsBody()
		return msg, nil
	}
	msg.Text = c.textBody()
	html, err := c.htmlBody()
	msg.HTML = html
	return msg, err
}

// scrub removes the recipient's address from an error text, so that what is stored and
// logged holds no patient data.
func scrub(text, recipient string) string {
	if recipient != "" {
		text = strings.ReplaceAll(text, recipient, "<recipient>")
	}
	return text
}

// scanArgs is the periodic scan for due reminders.
type scanArgs struct{}

func (scanArgs) Kind() string { return "hms.notification.scan" }

// InsertOpts keeps one scan waiting at a time.
func (scanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type scanWorker struct {
	river.WorkerDefaults[scanArgs]
	s *Service
}

func (w *scanWorker) Work(ctx context.Context, job *river.Job[scanArgs]) error {
	n, err := w.s.ScanNow(ctx)
	if n > 0 {
		w.s.log.Info("reminders queued", "count", n)
	}
	return err
}
