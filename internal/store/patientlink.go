package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// ActorPatient is who acts through a message's link: the patient, without an account.
const ActorPatient = "patient"

// LinkedAppointment is what a message's confirm/cancel link shows the patient: the time,
// the doctor and whether they may still answer. Nothing else of the appointment.
type LinkedAppointment struct {
	AppointmentID int64     `json:"-"`
	PatientID     int64     `json:"-"`
	Start         time.Time `json:"appointment_datetime"`
	End           time.Time `json:"end_datetime"`
	DoctorName    string    `json:"doctor_name"`
	Status        string    `json:"status"`
	// Answerable is false once the link was used, the appointment moved (the link speaks
	// of another time), was cancelled, or began.
	Answerable bool   `json:"answerable"`
	Why        string `json:"why,omitempty"` // why it is not answerable
}

// Patient answers to a message's link.
const (
	AnswerConfirm = "confirm"
	AnswerCancel  = "cancel"
)

// linked reads, through q, the appointment that notification id's link is about.
func (s *Store) linked(ctx context.Context, q querier, id int64, now time.Time, lock string) (LinkedAppointment, domain.Appointment, error) {
	var (
		l             LinkedAppointment
		sentFor, used dbTime
		deleted       dbTime
		kind          string
	)
	a, err := scanAppointment(withExtra(q.QueryRowContext(ctx, `SELECT a.id, a.patient_id, p.name, a.doctor_id, d.name, a.appointment_datetime,
		a.duration_minutes, a.end_datetime, a.status, a.reason, a.notes, a.version, a.created_at, a.updated_at,
		`+checkedInAt+`, a.series_id, n.appointment_start, n.link_used_at, a.deleted_at, n.kind
		FROM notification n JOIN appointment a ON a.id = n.appointment_id JOIN patient p ON p.id = a.patient_id
		JOIN doctor d ON d.id = a.doctor_id WHERE n.id = $1 AND p.active`+lock, id),
		&sentFor, &used, &deleted, &kind))
	if errors.Is(err, sql.ErrNoRows) {
		return l, a, domain.Errorf(domain.CodeNotFound, "this link is not valid")
	}
	if err != nil {
		return l, a, fmt.Errorf("store: read a linked appointment: %w", err)
	}
	l = LinkedAppointment{AppointmentID: a.ID, PatientID: a.PatientID, Start: a.Start, End: a.End, DoctorName: a.DoctorName,
		Status: a.Status, Answerable: true}
	switch {
	case kind == domain.NoticeCancelled:
		l.Answerable, l.Why = false, "this message has no answer"
	case !deleted.IsZero() || a.Status == domain.StatusCancelled:
		l.Status, l.Answerable, l.Why = domain.StatusCancelled, false, "the appointment is cancelled"
	case a.Status != domain.StatusScheduled:
		l.Answerable, l.Why = false, "the appointment is no longer open to changes"
	case !sentFor.Equal(a.Start):
		l.Answerable, l.Why = false, "the appointment has moved since this message; use the link of the latest one"
	case !a.Start.After(now):
		l.Answerable, l.Why = false, "the appointment has begun"
	case !used.IsZero():
		l.Answerable, l.Why = false, "this link has been used"
	}
	return l, a, nil
}

// LinkedAppointment returns what notification id's link is about, and records the read
// in the audit trail as the patient's.
func (s *Store) LinkedAppointment(ctx context.Context, notificationID int64, now time.Time) (LinkedAppointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	l, _, err := s.linked(ctx, s.db, notificationID, now, "")
	if err != nil {
		return l, err
	}
	return l, s.Audit(ctx, Event{Action: domain.ActionRead, ResourceType: domain.ResourceAppointment, ResourceID: l.AppointmentID,
		PatientID: l.PatientID})
}

// AnswerLink confirms or cancels the appointment of notification id's link, once: the
// link is used up, the answer goes into the appointment's history with the actor
// "patient", and the audit trail records it. A cancellation frees the slot and sends the
// cancellation notice (and drops the reminders) as any other cancellation does.
func (s *Store) AnswerLink(ctx context.Context, notificationID int64, answer string, now time.Time) (LinkedAppointment, error) {
	if answer != AnswerConfirm && answer != AnswerCancel {
		return LinkedAppointment{}, fieldError("answer", "must be confirm or cancel")
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out LinkedAppointment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Lock the appointment first (as a move does), then read the link's state.
		var appointmentID int64
		if err := tx.QueryRowContext(ctx, `SELECT appointment_id FROM notification WHERE id = $1`, notificationID).Scan(&appointmentID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return domain.Errorf(domain.CodeNotFound, "this link is not valid")
			}
			return err
		}
		if err := s.claimSchedulesOf(ctx, tx, appointmentID, 0); err != nil {
			return err
		}
		l, cur, err := s.linked(ctx, tx, notificationID, now, s.dialect.lockRows("a"))
		if err != nil {
			return err
		}
		if !l.Answerable {
			return domain.Errorf(domain.CodeConflict, "%s", l.Why)
		}
		at := s.dialect.timeArg(now)
		if _, err := tx.ExecContext(ctx, `UPDATE notification SET link_used_at = $1, updated_at = $1 WHERE id = $2`, at, notificationID); err != nil {
			return err
		}
		next := cur
		reason := "confirmed by the patient"
		if answer == AnswerCancel {
			next.Status, reason = domain.StatusCancelled, "cancelled by the patient"
			if _, err := tx.ExecContext(ctx, `UPDATE appointment SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
				next.Status, at, cur.ID); err != nil {
				return err
			}
			if err := s.appointmentStatusChanged(ctx, tx, cur, next.Status); err != nil {
				return err
			}
			if err := s.enqueueNotices(ctx, tx, &cur, next); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appointment_status_history (appointment_id, from_status, to_status, reason,
			changed_by, changed_at, actor) VALUES ($1, $2, $3, $4, NULL, $5, $6)`,
			cur.ID, cur.Status, next.Status, reason, at, ActorPatient); err != nil {
			return fmt.Errorf("record the patient's answer: %w", err)
		}
		l.Status, l.Answerable, l.Why = next.Status, false, "this link has been used"
		out = l
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceAppointment, ResourceID: cur.ID,
			PatientID: cur.PatientID})
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return out, err
		}
		return out, fmt.Errorf("store: answer a link: %w", err)
	}
	return out, nil
}

// ContactPreference returns the patient's contact preference: how they receive messages.
// "" is the default, every channel they have an address for.
func (s *Store) ContactPreference(ctx context.Context, patientID int64) (string, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if err := s.patientExists(ctx, s.db, patientID); err != nil {
		return "", err
	}
	var pref sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT preference FROM contact_preference WHERE patient_id = $1`, patientID).Scan(&pref)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: read a contact preference: %w", err)
	}
	return pref.String, nil
}

// SetContactPreference sets the patient's contact preference ("" returns to the default)
// and records it in the audit trail; an opt-out link does so with the actor "patient".
func (s *Store) SetContactPreference(ctx context.Context, patientID int64, pref string) error {
	if pref != "" && !slices.Contains(domain.ContactPreferences, pref) {
		return fieldError("contact_preference", "must be one of "+strings.Join(domain.ContactPreferences, ", ")+" (or empty for the default)")
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.patientExists(ctx, tx, patientID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contact_preference WHERE patient_id = $1`, patientID); err != nil {
			return fmt.Errorf("store: set a contact preference: %w", err)
		}
		if pref != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO contact_preference (patient_id, preference, updated_at) VALUES ($1, $2, $3)`,
				patientID, pref, s.dialect.timeArg(time.Now())); err != nil {
				return fmt.Errorf("store: set a contact preference: %w", err)
			}
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourcePatient, ResourceID: patientID, PatientID: patientID})
	})
}

// OutboxFilter selects notifications for the admins' outbox, newest first.
type OutboxFilter struct {
	Status string // empty: any
	Limit  int
	Before int64 // the id to continue below; 0 starts at the newest
}

// Outbox returns one page of notifications, newest first.
func (s *Store) Outbox(ctx context.Context, f OutboxFilter) ([]domain.Notification, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	conds, args := []string{"1 = 1"}, []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		conds = append(conds, "n.status = "+arg(f.Status))
	}
	if f.Before > 0 {
		conds = append(conds, "n.id < "+arg(f.Before))
	}
	return s.notifications(ctx, where(conds)+` ORDER BY n.id DESC LIMIT `+arg(f.Limit), args...)
}

// ResendNotice queues a failed or skipped notification again and returns it. The admin's
// resend is recorded in the audit trail.
func (s *Store) ResendNotice(ctx context.Context, id int64) (domain.Notification, error) {
	p := s.notices
	if p == nil {
		return domain.Notification{}, domain.Errorf(domain.CodeConflict, "messages are off: set HMS_SMTP_URL or HMS_SMS_URL")
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var n domain.Notification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notification n WHERE n.id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return domain.NotFound("notification", id)
		}
		if err != nil {
			return err
		}
		if n.Status != domain.NoticeFailed && n.Status != domain.NoticeSkipped {
			return domain.Errorf(domain.CodeConflict, "only a failed or skipped message can be sent again; this one is %s", n.Status)
		}
		now := p.Now()
		var round int
		if err := tx.QueryRowContext(ctx, `UPDATE notification SET status = $1, resends = resends + 1, updated_at = $2
			WHERE id = $3 AND status = $4 RETURNING resends`,
			domain.NoticeQueued, s.dialect.timeArg(now), id, n.Status).Scan(&round); errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.CodeConflict, "the message changed meanwhile; read it again")
		} else if err != nil {
			return err
		}
		n.Status, n.UpdatedAt = domain.NoticeQueued, now
		if err := p.Queue.EnqueueTx(ctx, tx, []int64{id}, round); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceNotification, ResourceID: id, PatientID: n.PatientID})
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return n, err
		}
		return n, fmt.Errorf("store: resend a message: %w", err)
	}
	return n, nil
}

// extraScan scans a row into the columns its reader expects and then into extra.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func withExtra(row interface{ Scan(...any) error }, extra ...any) extraScan {
	return extraScan{row, extra}
}
