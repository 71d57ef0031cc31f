package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hms-project/hms/internal/domain"
)

// NoticeQueue hands notifications over for delivery inside the transaction that makes them
// due, so that they are queued exactly when that transaction commits. round is 0 for the
// first delivery and counts an admin's resends: the queue takes one delivery per
// notification and round.
type NoticeQueue interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, notificationIDs []int64, round int) error
}

// AlertQueue hands the emails that tell the admins of an emergency access over for
// delivery, one per admin, inside the transaction that starts the access.
type AlertQueue interface {
	EnqueueAlertsTx(ctx context.Context, tx *sql.Tx, emergencyID int64, adminIDs []int64) error
}

// NoticePolicy says which messages appointment changes produce (see SetNoticePolicy).
type NoticePolicy struct {
	Email, SMS      bool            // the channels configured
	ReminderOffsets []time.Duration // how long before an appointment reminders are due
	Now             func() time.Time
	Queue           NoticeQueue
	// Alerts, with Email, makes each emergency access email every active admin.
	Alerts AlertQueue
}

// SetNoticePolicy makes bookings, moves and cancellations produce messages from now on.
// Call it before the store serves requests; without it, appointment changes send nothing.
func (s *Store) SetNoticePolicy(p NoticePolicy) {
	if p.Now == nil {
		p.Now = time.Now
	}
	s.notices = &p
}

const notificationColumns = `n.id, n.appointment_id, n.patient_id, n.kind, n.channel, n.offset_minutes, n.appointment_start,
	n.due_at, n.status, n.attempts, n.last_error, n.sent_at, n.created_at, n.updated_at`

func scanNotification(row interface{ Scan(...any) error }, extra ...any) (domain.Notification, error) {
	var (
		n                                  domain.Notification
		start, due, created, updated, sent dbTime
		lastError                          sql.NullString
	)
	err := row.Scan(append([]any{&n.ID, &n.AppointmentID, &n.PatientID, &n.Kind, &n.Channel, &n.OffsetMinutes, &start, &due,
		&n.Status, &n.Attempts, &lastError, &sent, &created, &updated}, extra...)...)
	n.AppointmentStart, n.DueAt, n.CreatedAt, n.UpdatedAt = start.Time, due.Time, created.Time, updated.Time
	n.LastError = nullable(lastError)
	if !sent.IsZero() {
		n.SentAt = &sent.Time
	}
	return n, err
}

// enqueueNotices adds, inside the transaction tx that changes an appointment from prev
// (nil for a booking) to next, the messages the change calls for, and queues those due
// now: a confirmation on booking, a notice on a move or a cancellation, and the reminders
// before the (new) time. Whatever was still waiting for the appointment is dropped first,
// so that a moved or cancelled appointment is never reminded of.
func (s *Store) enqueueNotices(ctx context.Context, tx *sql.Tx, prev *domain.Appointment, next domain.Appointment) error {
	p := s.notices
	if p == nil {
		return nil
	}
	now := p.Now()
	moved := prev != nil && (!prev.Start.Equal(next.Start) || prev.DoctorID != next.DoctorID) // a new time or another doctor
	if prev != nil && (moved || prev.Status != next.Status) {
		if _, err := tx.ExecContext(ctx, `UPDATE notification SET status = $1, updated_at = $2
			WHERE appointment_id = $3 AND status IN ($4, $5)`, domain.NoticeDropped, s.dialect.timeArg(now), next.ID,
			domain.NoticeScheduled, domain.NoticeQueued); err != nil {
			return fmt.Errorf("store: drop waiting messages: %w", err)
		}
	}
	var kind string
	switch {
	case prev == nil && next.Status == domain.StatusScheduled:
		kind = domain.NoticeConfirmation
	case prev != nil && prev.Status == domain.StatusScheduled && next.Status == domain.StatusCancelled:
		kind = domain.NoticeCancelled
	case moved && next.Status == domain.StatusScheduled:
		kind = domain.NoticeRescheduled
	}
	if kind == "" || !next.Start.After(now) {
		return nil // nothing to say, or about a time that has passed
	}
	channels, err := s.noticeChannels(ctx, tx, next.PatientID)
	if err != nil {
		return err
	}
	version := next.Version
	if prev != nil {
		version = prev.Version + 1 // the version the change's UPDATE gives the appointment
	}
	var queued []int64
	add := func(kind, channel string, offset time.Duration, due time.Time, status string) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO notification (appointment_id, patient_id, appointment_version, kind, channel,
			offset_minutes, appointment_start, due_at, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			next.ID, next.PatientID, version, kind, channel, int(offset/time.Minute), s.dialect.timeArg(next.Start),
			s.dialect.timeArg(due), status, s.dialect.timeArg(now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: add a %s message: %w", kind, err)
		}
		if status == domain.NoticeQueued {
			queued = append(queued, id)
		}
		return nil
	}
	for _, ch := range channels {
		if err := add(kind, ch, 0, now, domain.NoticeQueued); err != nil {
			return err
		}
		if kind == domain.NoticeCancelled {
			continue
		}
		// Offsets are longest first: of those already past, only the last (the nearest to
		// the appointment) is sent, at once; the others are not made at all.
		late := -1
		for i, off := range p.ReminderOffsets {
			if !next.Start.Add(-off).After(now) {
				late = i
			}
		}
		for i, off := range p.ReminderOffsets {
			due := next.Start.Add(-off)
			switch {
			case due.After(now):
				err = add(domain.NoticeReminder, ch, off, due, domain.NoticeScheduled)
			case i == late:
				err = add(domain.NoticeReminder, ch, off, now, domain.NoticeQueued)
			}
			if err != nil {
				return err
			}
		}
	}
	if len(queued) == 0 {
		return nil
	}
	if err := p.Queue.EnqueueTx(ctx, tx, queued, 0); err != nil {
		return fmt.Errorf("store: queue messages: %w", err)
	}
	return nil
}

// noticeChannels returns the configured channels that the patient has an address for and
// has not opted out of.
func (s *Store) noticeChannels(ctx context.Context, q querier, patientID int64) ([]string, error) {
	var (
		email       string
		phone, pref sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT p.email, p.phone, c.preference FROM patient p
		LEFT JOIN contact_preference c ON c.patient_id = p.id WHERE p.id = $1`, patientID).Scan(&email, &phone, &pref)
	if err != nil {
		return nil, fmt.Errorf("store: read contact details: %w", err)
	}
	var out []string
	if s.notices.Email && email != "" && domain.AllowsChannel(pref.String, domain.ChannelEmail) {
		out = append(out, domain.ChannelEmail)
	}
	if s.notices.SMS && domain.PhoneKey(&phone.String) != "" && domain.AllowsChannel(pref.String, domain.ChannelSMS) {
		out = append(out, domain.ChannelSMS)
	}
	return out, nil
}

// QueueDueReminders queues up to limit reminders due at now, in one transaction, and
// returns how many it queued and whether more may be due. A reminder whose appointment has begun, or for which a nearer reminder
// is also due (HMS was down in between), is skipped: only the nearest is sent.
// Concurrent scans are harmless: a reminder is taken from scheduled to queued once.
func (s *Store) QueueDueReminders(ctx context.Context, now time.Time, limit int) (int, bool, error) {
	p := s.notices
	if p == nil {
		return 0, false, nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		queued []int64
		more   bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		queued = queued[:0]
		rows, err := tx.QueryContext(ctx, `SELECT n.id, n.appointment_id, n.channel, a.appointment_datetime
			FROM notification n JOIN appointment a ON a.id = n.appointment_id
			WHERE n.status = $1 AND n.due_at <= $2
			ORDER BY n.appointment_id, n.channel, n.offset_minutes, n.id LIMIT $3`,
			domain.NoticeScheduled, s.dialect.timeArg(now), limit)
		if err != nil {
			return err
		}
		type due struct {
			id, appointment int64
			channel         string
			start           dbTime
		}
		var all []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.appointment, &d.channel, &d.start); err != nil {
				rows.Close()
				return err
			}
			all = append(all, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		more = len(all) == limit
		for i, d := range all {
			status := domain.NoticeQueued
			nearer := i > 0 && all[i-1].appointment == d.appointment && all[i-1].channel == d.channel
			if nearer || !d.start.After(now) {
				status = domain.NoticeSkipped
			}
			res, err := tx.ExecContext(ctx, `UPDATE notification SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4`,
				status, s.dialect.timeArg(now), d.id, domain.NoticeScheduled)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 && status == domain.NoticeQueued {
				queued = append(queued, d.id)
			}
		}
		if len(queued) == 0 {
			return nil
		}
		return p.Queue.EnqueueTx(ctx, tx, queued, 0)
	})
	if err != nil {
		return 0, false, fmt.Errorf("store: queue due reminders: %w", err)
	}
	return len(queued), more, nil
}

// Delivery is what sending a notification needs: the message, its appointment and where
// the patient is reached. It holds no reason, note or record of the appointment.
type Delivery struct {
	Notification       domain.Notification
	AppointmentStart   time.Time
	AppointmentEnd     time.Time
	AppointmentStatus  string
	AppointmentDeleted bool
	PatientActive      bool
	DoctorName         string
	Email              string
	Phone              string
	Preference         string // empty: the default
	LinkUsed           bool
}

// NoticeDelivery returns notification id with what sending it needs.
func (s *Store) NoticeDelivery(ctx context.Context, id int64) (Delivery, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		d                         Delivery
		start, end, deleted, used dbTime
		phone, pref               sql.NullString
	)
	n, err := scanNotification(s.db.QueryRowContext(ctx, `SELECT `+notificationColumns+`, a.appointment_datetime, a.end_datetime,
		a.status, a.deleted_at, p.active, d.name, p.email, p.phone, c.preference, n.link_used_at
		FROM notification n JOIN appointment a ON a.id = n.appointment_id JOIN doctor d ON d.id = a.doctor_id
		JOIN patient p ON p.id = n.patient_id LEFT JOIN contact_preference c ON c.patient_id = n.patient_id
		WHERE n.id = $1`, id), &start, &end, &d.AppointmentStatus, &deleted, &d.PatientActive, &d.DoctorName, &d.Email, &phone, &pref, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return d, domain.NotFound("notification", id)
	}
	if err != nil {
		return d, fmt.Errorf("store: read a message for delivery: %w", err)
	}
	d.Notification, d.AppointmentStart, d.AppointmentEnd = n, start.Time, end.Time
	d.AppointmentDeleted, d.Phone, d.Preference, d.LinkUsed = !deleted.IsZero(), phone.String, pref.String, !used.IsZero()
	return d, nil
}

// maxErrorLength bounds the error kept with a notification.
const maxErrorLength = 500

// FinishNotice records the end of a queued notification: sent, failed, dropped or skipped,
// with why (no patient data). It counts a send attempt for sent and failed. It changes
// nothing when the notification is no longer queued (an admin or a move got there first)
// and reports whether it did.
func (s *Store) FinishNotice(ctx context.Context, id int64, status, why string, at time.Time) (bool, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var sent, reason any
	if status == domain.NoticeSent {
		sent = s.dialect.timeArg(at)
	}
	if why != "" {
		reason = truncate(why, maxErrorLength)
	}
	attempt := 0
	if status == domain.NoticeSent || status == domain.NoticeFailed {
		attempt = 1
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notification SET status = $1, last_error = COALESCE($2, last_error), sent_at = $3,
		attempts = attempts + $4, updated_at = $5 WHERE id = $6 AND status = $7`,
		status, reason, sent, attempt, s.dialect.timeArg(at), id, domain.NoticeQueued)
	if err != nil {
		return false, fmt.Errorf("store: record a message's delivery: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// NoticeAttemptFailed records a failed attempt at a notification that will be retried.
func (s *Store) NoticeAttemptFailed(ctx context.Context, id int64, why string, at time.Time) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, `UPDATE notification SET attempts = attempts + 1, last_error = $1, updated_at = $2
		WHERE id = $3 AND status = $4`, truncate(why, maxErrorLength), s.dialect.timeArg(at), id, domain.NoticeQueued); err != nil {
		return fmt.Errorf("store: record a failed delivery: %w", err)
	}
	return nil
}

// truncate cuts s to at most n bytes, at the start of a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// AppointmentNotifications returns every message of a visible appointment, oldest first.
func (s *Store) AppointmentNotifications(ctx context.Context, appointmentID int64) ([]domain.Notification, error) {
	if _, err := s.Appointment(ctx, appointmentID); err != nil {
		return nil, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.notifications(ctx, `WHERE n.appointment_id = $1 ORDER BY n.id`, appointmentID)
}

func (s *Store) notifications(ctx context.Context, where string, args ...any) ([]domain.Notification, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+notificationColumns+` FROM notification n `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	out := []domain.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// WaitingNotices counts the notifications still to be sent: scheduled and queued.
func (s *Store) WaitingNotices(ctx context.Context) (map[string]int64, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out := map[string]int64{domain.NoticeScheduled: 0, domain.NoticeQueued: 0}
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM notification WHERE status IN ($1, $2) GROUP BY status`,
		domain.NoticeScheduled, domain.NoticeQueued)
	if err != nil {
		return nil, fmt.Errorf("store: count waiting messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status string
			n      int64
		)
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("store: count waiting messages: %w", err)
		}
		out[status] = n
	}
	return out, rows.Err()
}
