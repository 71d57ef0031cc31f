package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

const appointmentSelect = `SELECT a.id, a.patient_id, p.name, a.doctor_id, d.name, a.appointment_datetime, a.duration_minutes,
	a.end_datetime, a.status, a.reason, a.notes, a.version, a.created_at, a.updated_at, ` + checkedInAt + `, a.series_id
	FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN doctor d ON d.id = a.doctor_id`

// checkedInAt is when appointment a was checked in, from its status history (one index
// probe of the few history rows of a).
const checkedInAt = `(SELECT max(h.changed_at) FROM appointment_status_history h
	WHERE h.appointment_id = a.id AND h.to_status = 'checked_in')`

// appointmentVisible is what every read of appointments requires: a patient who has not
// been deactivated. Every appointment of such a patient is seen, whatever its status: DELETE
// cancels, and nothing of a visit is hidden. deleted_at marks only the rows that releases
// before this rule deleted; they are seen again, with the status they kept (cancelled, when
// the delete could cancel them), and do not hold their slot.
const appointmentVisible = "p.active"

// slotHeld is the SQL form of domain.HoldsSlot for a row of appointment. It must match the
// predicate of the PostgreSQL exclusion constraints (migration 00003).
const slotHeld = "deleted_at IS NULL AND status NOT IN ('cancelled', 'no_show')"

func scanAppointment(row interface{ Scan(...any) error }) (domain.Appointment, error) {
	var (
		a                                       domain.Appointment
		start, end, created, updated, checkedIn dbTime
		reason, notes                           sql.NullString
		series                                  sql.NullInt64
	)
	err := row.Scan(&a.ID, &a.PatientID, &a.PatientName, &a.DoctorID, &a.DoctorName, &start, &a.Duration, &end,
		&a.Status, &reason, &notes, &a.Version, &created, &updated, &checkedIn, &series)
	a.SeriesID = nullableID(series)
	a.Start, a.End, a.CreatedAt, a.UpdatedAt = start.Time, end.Time, created.Time, updated.Time
	if !checkedIn.IsZero() {
		a.CheckedInAt = &checkedIn.Time
	}
	a.Reason, a.Notes = nullable(reason), nullable(notes)
	return a, err
}

// noSuchPatient is the validation error for a patient_id that names no active patient.
func noSuchPatient(id int64) error {
	return fieldError("patient_id", fmt.Sprintf("no patient with id %d", id))
}

// requireActivePatient checks, inside tx, that the patient exists and is active, returns
// their name, and locks the patient's row with lock (a dialect clause) until tx ends:
// shareRows keeps the patient from being deactivated; claimRows also makes bookings of
// the patient take turns.
func (s *Store) requireActivePatient(ctx context.Context, tx *sql.Tx, id int64, lock string) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM patient WHERE id = $1 AND active`+lock, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		if p, err := s.patientIn(ctx, tx, id); err == nil {
			if err := s.mergedError(ctx, tx, p); err != nil {
				return "", err // book the survivor instead
			}
		}
		return "", noSuchPatient(id)
	}
	return name, err
}

// CreateAppointment books a and returns it as stored. The overlap check and the insert run
// in one write transaction. On PostgreSQL that transaction first claims the patient's and
// then the doctor's row (claimRows), so that bookings which could overlap take turns and
// the loser's check sees the winner; the exclusion constraints remain the last word.
//
// Without the claims, concurrent bookings all pass the check and insert, and each
// insert's exclusion check then waits for the other uncommitted bookings. They wait on
// each other in cycles that PostgreSQL breaks only one per deadlock_timeout, by failing a
// victim, while new bookings keep joining: under load no booking won before the timeout.
func (s *Store) CreateAppointment(ctx context.Context, a domain.Appointment) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if a.Duration == 0 {
		a.Duration = domain.DefaultDuration
	}
	a.End = a.Start.Add(time.Duration(a.Duration) * time.Minute)
	out, err := writeRow(ctx, s, func(tx *sql.Tx) (domain.Appointment, error) {
		patientName, err := s.requireActivePatient(ctx, tx, a.PatientID, s.dialect.claimRows())
		if err != nil {
			return a, err
		}
		doctorID, doctorName, err := s.resolveDoctor(ctx, tx, a.DoctorID, a.DoctorName)
		if err != nil {
			return a, err
		}
		a.DoctorID = doctorID
		if err := s.checkFree(ctx, tx, a, 0); err != nil {
			return a, err
		}
		return s.insertAppointment(ctx, tx, a, patientName, doctorName)
	})
	if err != nil {
		return a, s.appointmentWriteError(ctx, err, a, 0, "create appointment")
	}
	return out, nil
}

// insertAppointment adds a, with its first status history entry and its audit event, in
// tx, after the caller has claimed the patient and doctor and checked the slot.
func (s *Store) insertAppointment(ctx context.Context, tx *sql.Tx, a domain.Appointment, patientName, doctorName string) (domain.Appointment, error) {
	// RETURNING gives the appointment as stored, with the names the claims read: what
	// reading it again after the commit would give, without the round trip.
	now := s.dialect.timeArg(time.Now())
	out, err := scanAppointment(tx.QueryRowContext(ctx, `INSERT INTO appointment (patient_id, doctor_id, appointment_datetime, duration_minutes,
		end_datetime, status, reason, notes, created_at, updated_at, series_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $12)
		RETURNING id, patient_id, CAST($10 AS TEXT), doctor_id, CAST($11 AS TEXT), appointment_datetime, duration_minutes,
		end_datetime, status, reason, notes, version, created_at, updated_at, NULL, series_id`,
		a.PatientID, a.DoctorID, s.dialect.timeArg(a.Start), a.Duration, s.dialect.timeArg(a.End), a.Status,
		a.Reason, a.Notes, now, patientName, doctorName, a.SeriesID))
	if err != nil {
		return out, err
	}
	if err := s.recordStatus(ctx, tx, out.ID, nil, a.Status, "booked"); err != nil {
		return out, err
	}
	if err := s.enqueueNotices(ctx, tx, nil, out); err != nil {
		return out, err
	}
	return out, s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourceAppointment, ResourceID: out.ID, PatientID: a.PatientID})
}

// CreateWalkIn books a walk-in and checks the patient in, in one transaction: the
// appointment starts at the first moment from a.Start on at which the doctor and the
// patient are both free for a.Duration, and it must start before until (the end of the
// clinic's day), or the answer is a conflict and nothing is booked. Working hours do not
// apply: a patient who walks in is seen when the doctor is free.
func (s *Store) CreateWalkIn(ctx context.Context, a domain.Appointment, until time.Time) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if a.Duration == 0 {
		a.Duration = domain.DefaultDuration
	}
	length := time.Duration(a.Duration) * time.Minute
	var out domain.Appointment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		patientName, err := s.requireActivePatient(ctx, tx, a.PatientID, s.dialect.claimRows())
		if err != nil {
			return err
		}
		doctorID, doctorName, err := s.resolveDoctor(ctx, tx, a.DoctorID, a.DoctorName)
		if err != nil {
			return err
		}
		a.DoctorID = doctorID
		busy, err := s.busySpans(ctx, tx, a.DoctorID, a.PatientID, a.Start, until.Add(length))
		if err != nil {
			return fmt.Errorf("store: walk-in: %w", err)
		}
		a.Start = firstFree(a.Start, length, busy)
		a.End = a.Start.Add(length)
		if !a.Start.Before(until) {
			return domain.Errorf(domain.CodeConflict, "%s has no free %d minutes left today; book another day or another doctor", doctorName, a.Duration)
		}
		if err := s.checkFree(ctx, tx, a, 0); err != nil {
			return err
		}
		if out, err = s.insertAppointment(ctx, tx, a, patientName, doctorName); err != nil {
			return err
		}
		return s.checkIn(ctx, tx, out, "walk-in")
	})
	if err != nil {
		return a, s.appointmentWriteError(ctx, err, a, 0, "book walk-in")
	}
	return s.Appointment(ctx, out.ID)
}

// checkIn changes scheduled appointment a to checked_in inside tx, with its history entry.
func (s *Store) checkIn(ctx context.Context, tx *sql.Tx, a domain.Appointment, reason string) error {
	if err := domain.CheckTransition(a.Status, domain.StatusCheckedIn); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appointment SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
		domain.StatusCheckedIn, s.dialect.timeArg(time.Now()), a.ID); err != nil {
		return fmt.Errorf("store: check in: %w", err)
	}
	if err := s.recordStatus(ctx, tx, a.ID, &a.Status, domain.StatusCheckedIn, reason); err != nil {
		return err
	}
	if err := s.enqueueNotices(ctx, tx, &a, a.WithStatus(domain.StatusCheckedIn)); err != nil {
		return err
	}
	return s.appointmentStatusChanged(ctx, tx, a, domain.StatusCheckedIn) // as any check-in: the visit opens
}

// busySpans returns the slots that the doctor's or the patient's appointments hold
// between from and to, by start time.
func (s *Store) busySpans(ctx context.Context, q querier, doctorID, patientID int64, from, to time.Time) ([]domain.Span, error) {
	rows, err := q.QueryContext(ctx, `SELECT appointment_datetime, end_datetime FROM appointment
		WHERE `+slotHeld+` AND (doctor_id = $1 OR patient_id = $2)
		AND appointment_datetime < $3 AND end_datetime > $4 AND appointment_datetime > $5
		ORDER BY appointment_datetime, id`,
		doctorID, patientID, s.dialect.timeArg(to), s.dialect.timeArg(from),
		s.dialect.timeArg(from.Add(-domain.MaxDuration*time.Minute)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Span
	for rows.Next() {
		var start, end dbTime
		if err := rows.Scan(&start, &end); err != nil {
			return nil, err
		}
		out = append(out, domain.Span{Start: start.Time, End: end.Time})
	}
	return out, rows.Err()
}

// firstFree returns the first moment from start on at which a slot of length overlaps
// none of busy (sorted by start).
func firstFree(start time.Time, length time.Duration, busy []domain.Span) time.Time {
	for _, b := range busy {
		if !b.Start.Before(start.Add(length)) {
			break // the gap before b is long enough
		}
		if b.End.After(start) {
			start = b.End
		}
	}
	return start
}

// appointmentWriteError turns the failure of a booking or a move into the error to return:
// a double booking that PostgreSQL's exclusion constraint caught becomes the same conflict
// that checkFree reports, naming the appointment that holds the slot.
func (s *Store) appointmentWriteError(ctx context.Context, err error, a domain.Appointment, self int64, doing string) error {
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return err
	case s.dialect.isExclusionViolation(err):
		if conflict := s.checkFree(ctx, s.db, a, self); conflict != nil {
			return conflict
		}
		// The winner has since been cancelled; the client may simply retry.
		return domain.Errorf(domain.CodeConflict, "the slot was taken by a concurrent booking; try again")
	case s.dialect.isForeignKeyViolation(err):
		return noSuchPatient(a.PatientID)
	}
	return fmt.Errorf("store: %s: %w", doing, err)
}

// checkFree returns a conflict when another appointment (not self) of the same doctor or
// the same patient holds a slot that overlaps a's.
func (s *Store) checkFree(ctx context.Context, q querier, a domain.Appointment, self int64) error {
	c, err := s.findClash(ctx, q, a, []int64{self})
	if err != nil || c == nil {
		return err
	}
	return &domain.Error{Code: domain.CodeConflict,
		Message: fmt.Sprintf("%s already has an appointment from %s to %s", c.who, c.start.Format(time.RFC3339), c.end.Format(time.RFC3339)),
		Details: map[string]any{"conflict": map[string]any{"appointment_id": c.id, "start": c.start, "end": c.end}}}
}

// clash is the first held appointment that overlaps a slot: its id and times, and whose
// ("the doctor" or "the patient") it is.
type clash struct {
	id         int64
	start, end time.Time
	who        string
}

// findClash returns the first appointment, not one of exclude, of a's doctor or a's patient
// that holds a slot overlapping a's; nil when there is none.
func (s *Store) findClash(ctx context.Context, q querier, a domain.Appointment, exclude []int64) (*clash, error) {
	var (
		id, doctorID int64
		start, end   dbTime
	)
	// No appointment lasts longer than MaxDuration, so one that overlaps a starts after
	// a.Start - MaxDuration. Without that bound the database walks every earlier
	// appointment in time order to find the first overlap: 80 ms at 200,000 appointments.
	earliest := a.Start.Add(-domain.MaxDuration * time.Minute)
	args := []any{a.DoctorID, a.PatientID, s.dialect.timeArg(a.End), s.dialect.timeArg(a.Start), s.dialect.timeArg(earliest)}
	not := make([]string, 0, len(exclude))
	for _, x := range exclude {
		args = append(args, x)
		not = append(not, "$"+strconv.Itoa(len(args)))
	}
	if len(not) == 0 {
		not = append(not, "0")
	}
	err := q.QueryRowContext(ctx, `SELECT id, doctor_id, appointment_datetime, end_datetime FROM appointment
		WHERE `+slotHeld+` AND id NOT IN (`+strings.Join(not, ", ")+`) AND (doctor_id = $1 OR patient_id = $2)
		AND appointment_datetime < $3 AND end_datetime > $4 AND appointment_datetime > $5
		ORDER BY appointment_datetime, id LIMIT 1`, args...).Scan(&id, &doctorID, &start, &end)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: check the slot: %w", err)
	}
	who := "the patient"
	if doctorID == a.DoctorID {
		who = "the doctor"
	}
	return &clash{id: id, start: start.Time, end: end.Time, who: who}, nil
}

// recordStatus adds an entry to the appointment's status history.
func (s *Store) recordStatus(ctx context.Context, tx *sql.Tx, id int64, from *string, to, reason string) error {
	var r any
	if reason != "" {
		r = reason
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO appointment_status_history (appointment_id, from_status, to_status, reason, changed_by, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, from, to, r, actorID(ctx), s.dialect.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("record status change: %w", err)
	}
	return nil
}

// Appointment returns the appointment with the given id.
func (s *Store) Appointment(ctx context.Context, id int64) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	a, err := scanAppointment(s.db.QueryRowContext(ctx, appointmentSelect+` WHERE a.id = $1 AND `+appointmentVisible, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, domain.NotFound("appointment", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: get appointment: %w", err)
	}
	return a, nil
}

// AppointmentFilter selects a page of appointments, ordered by time, then id.
type AppointmentFilter struct {
	PatientID  int64
	DoctorID   int64
	DoctorName string // matched by domain.DoctorKey
	Status     string
	Statuses   []string  // any of these statuses (with Status, both must hold)
	From, To   time.Time // From inclusive, To exclusive; zero means open
	Limit      int
	Cursor     string
}

// Appointments returns one page of appointments matching f.
func (s *Store) Appointments(ctx context.Context, f AppointmentFilter) (Page[domain.Appointment], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		conds = []string{appointmentVisible}
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.PatientID != 0 {
		conds = append(conds, "a.patient_id = "+arg(f.PatientID))
	}
	if f.DoctorID != 0 {
		conds = append(conds, "a.doctor_id = "+arg(f.DoctorID))
	}
	if f.DoctorName != "" {
		conds = append(conds, "d.name_key = "+arg(domain.DoctorKey(f.DoctorName)))
	}
	if f.Status != "" {
		conds = append(conds, "a.status = "+arg(f.Status))
	}
	if f.Statuses != nil {
		in := []string{"NULL"}
		for _, st := range f.Statuses {
			in = append(in, arg(st))
		}
		conds = append(conds, "a.status IN ("+strings.Join(in, ", ")+")")
	}
	if !f.From.IsZero() {
		conds = append(conds, "a.appointment_datetime >= "+arg(s.dialect.timeArg(f.From)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "a.appointment_datetime < "+arg(s.dialect.timeArg(f.To)))
	}
	var page Page[domain.Appointment]
	filter, filterArgs := conds, args
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 2)
		if err != nil {
			return page, err
		}
		// A cursor holds the start of the last appointment of a page: a time the store keeps.
		if domain.CheckStoredTime("cursor", time.Unix(c[0], 0)) != nil {
			return page, errBadCursor()
		}
		t := s.dialect.timeArg(time.Unix(c[0], 0))
		conds = append(conds, "(a.appointment_datetime > "+arg(t)+" OR (a.appointment_datetime = "+arg(t)+" AND a.id > "+arg(c[1])+"))")
	}
	q := appointmentSelect + where(conds) + ` ORDER BY a.appointment_datetime, a.id LIMIT ` + arg(f.Limit+1)
	rows, err := s.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return page, fmt.Errorf("store: list appointments: %w", err)
	}
	defer rows.Close()
	page.Items = make([]domain.Appointment, 0, f.Limit)
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return page, fmt.Errorf("store: list appointments: %w", err)
		}
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: list appointments: %w", err)
	}
	page, err = pageOf(ctx, s, page.Items, f.Limit, f.Cursor, matches{table: "appointment",
		from: "appointment a JOIN patient p ON p.id = a.patient_id JOIN doctor d ON d.id = a.doctor_id", id: "a.id",
		conds: filter, args: filterArgs, narrowed: true}, func(last domain.Appointment) string { return encodeCursor(last.Start.Unix(), last.ID) })
	if err != nil {
		return page, fmt.Errorf("store: count appointments: %w", err)
	}
	return page, nil
}

// lockAppointment reads a visible appointment inside tx and locks it until tx ends.
func (s *Store) lockAppointment(ctx context.Context, tx *sql.Tx, id int64) (domain.Appointment, error) {
	a, err := scanAppointment(tx.QueryRowContext(ctx, appointmentSelect+` WHERE a.id = $1 AND `+appointmentVisible+s.dialect.lockRows("a"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, domain.NotFound("appointment", id)
	}
	return a, err
}

// claimSchedulesOf claims (see CreateAppointment) the rows of appointment id's patient and
// doctor, in that order and before the appointment itself is locked, so that a move takes
// turns with the bookings and moves of either, and with a patient's deactivation (which
// locks the patient, then the appointments), without a lock-order cycle. A move to another
// doctor (toDoctor, 0 for none) claims both doctors, the lower id first, so that two moves
// between the same doctors in opposite directions take turns too.
func (s *Store) claimSchedulesOf(ctx context.Context, tx *sql.Tx, id, toDoctor int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM patient WHERE id = (SELECT patient_id FROM appointment WHERE id = $1)`+
		s.dialect.claimRows(), id); err != nil {
		return err
	}
	var doctorID int64
	if err := tx.QueryRowContext(ctx, `SELECT doctor_id FROM appointment WHERE id = $1`, id).Scan(&doctorID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil // lockAppointment reports it
		}
		return err
	}
	doctors := []int64{doctorID}
	if toDoctor != 0 && toDoctor != doctorID {
		doctors = []int64{min(doctorID, toDoctor), max(doctorID, toDoctor)}
	}
	for _, d := range doctors {
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM doctor WHERE id = $1`+s.dialect.claimRows(), d); err != nil {
			return err
		}
	}
	return nil
}

// UpdateAppointment applies c and returns the appointment as stored. A status change must
// follow the lifecycle and is kept in the history; a move (new time or duration) is
// allowed while the appointment is scheduled and obeys the rule of no double booking.
func (s *Store) UpdateAppointment(ctx context.Context, id int64, c domain.AppointmentChanges) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var next domain.Appointment // the appointment as it is to become, for the error of a double booking
	out, err := writeRow(ctx, s, func(tx *sql.Tx) (domain.Appointment, error) {
		if c.Moves() {
			if err := s.claimSchedulesOf(ctx, tx, id, deref64(c.DoctorID)); err != nil {
				return next, fmt.Errorf("store: claim the schedules: %w", err)
			}
		}
		cur, err := s.lockAppointment(ctx, tx, id)
		if err != nil {
			return next, err
		}
		if c.IfVersion != 0 && c.IfVersion != cur.Version {
			return next, stale("appointment", id, cur.Version)
		}
		next = cur
		if c.Status != nil {
			if err := domain.CheckTransition(cur.Status, *c.Status); err != nil {
				return next, err
			}
			next.Status = *c.Status
		}
		if c.Moves() {
			if cur.Status != domain.StatusScheduled {
				return next, domain.Errorf(domain.CodeConflict, "only a scheduled appointment can be moved; this one is %s", cur.Status)
			}
			if c.Start != nil {
				next.Start = *c.Start
			}
			if c.Duration != nil {
				next.Duration = *c.Duration
			}
			if c.DoctorID != nil && *c.DoctorID != cur.DoctorID {
				if next.DoctorID, next.DoctorName, err = s.resolveDoctor(ctx, tx, *c.DoctorID, ""); err != nil {
					return next, err
				}
			}
			next.End = next.Start.Add(time.Duration(next.Duration) * time.Minute)
			if domain.HoldsSlot(next.Status) {
				if err := s.checkFree(ctx, tx, next, id); err != nil {
					return next, err
				}
			}
		}
		if c.Notes.Set {
			next.Notes = optPtr(c.Notes)
		}
		if c.Reason.Set {
			next.Reason = optPtr(c.Reason)
		}
		_, err = tx.ExecContext(ctx, `UPDATE appointment SET status = $1, appointment_datetime = $2, duration_minutes = $3,
			end_datetime = $4, notes = $5, reason = $6, updated_at = $7, version = version + 1, doctor_id = $9 WHERE id = $8`,
			next.Status, s.dialect.timeArg(next.Start), next.Duration, s.dialect.timeArg(next.End), next.Notes, next.Reason,
			s.dialect.timeArg(time.Now()), id, next.DoctorID)
		if err != nil {
			return next, err
		}
		if next.Status != cur.Status {
			if err := s.recordStatus(ctx, tx, id, &cur.Status, next.Status, c.StatusReason); err != nil {
				return next, err
			}
		}
		if err := s.appointmentStatusChanged(ctx, tx, cur, next.Status); err != nil {
			return next, err
		}
		if err := s.enqueueNotices(ctx, tx, &cur, next); err != nil {
			return next, err
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceAppointment, ResourceID: id, PatientID: cur.PatientID}); err != nil {
			return next, err
		}
		return s.appointmentIn(ctx, tx, id)
	})
	if err != nil {
		return next, s.appointmentWriteError(ctx, err, next, id, "update appointment")
	}
	return out, nil
}

// appointmentIn reads appointment id back inside tx, as a write has just left it.
func (s *Store) appointmentIn(ctx context.Context, tx *sql.Tx, id int64) (domain.Appointment, error) {
	a, err := scanAppointment(tx.QueryRowContext(ctx, appointmentSelect+` WHERE a.id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("read the appointment back: %w", err)
	}
	return a, nil
}

func optPtr(o domain.Opt[string]) *string {
	if !o.Given() {
		return nil
	}
	v := o.Value
	return &v
}

// CancelAppointment is the original API's DELETE of an appointment: it cancels an
// appointment that may still be cancelled (scheduled or checked in; domain.CheckCancel),
// which frees its slot and keeps it, seen in every list as cancelled, with the change in its
// history. Any other status is a conflict that names it, and nothing changes.
func (s *Store) CancelAppointment(ctx context.Context, id int64) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockAppointment(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := domain.CheckCancel(cur.Status); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE appointment SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
			domain.StatusCancelled, s.dialect.timeArg(time.Now()), id); err != nil {
			return fmt.Errorf("store: cancel appointment: %w", err)
		}
		if err := s.recordStatus(ctx, tx, id, &cur.Status, domain.StatusCancelled, CancelledByDelete); err != nil {
			return err
		}
		if err := s.appointmentStatusChanged(ctx, tx, cur, domain.StatusCancelled); err != nil {
			return err
		}
		if err := s.enqueueNotices(ctx, tx, &cur, cur.WithStatus(domain.StatusCancelled)); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionDelete, ResourceType: domain.ResourceAppointment, ResourceID: id, PatientID: cur.PatientID})
	})
}

// CancelledByDelete is the reason in the history of an appointment that DELETE cancelled.
const CancelledByDelete = "cancelled by DELETE"

// AppointmentHistory returns every status change of a visible appointment, oldest first.
func (s *Store) AppointmentHistory(ctx context.Context, id int64) ([]domain.StatusChange, error) {
	if _, err := s.Appointment(ctx, id); err != nil {
		return nil, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT id, from_status, to_status, reason, changed_by, changed_at, actor
		FROM appointment_status_history WHERE appointment_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: appointment history: %w", err)
	}
	defer rows.Close()
	out := []domain.StatusChange{}
	for rows.Next() {
		var (
			c            domain.StatusChange
			from, reason sql.NullString
			actor        sql.NullString
			by           sql.NullInt64
			at           dbTime
		)
		if err := rows.Scan(&c.ID, &from, &c.To, &reason, &by, &at, &actor); err != nil {
			return nil, fmt.Errorf("store: appointment history: %w", err)
		}
		c.From, c.Reason, c.ChangedBy, c.ChangedAt, c.Actor = nullable(from), nullable(reason), nullableID(by), at.Time, nullable(actor)
		out = append(out, c)
	}
	return out, rows.Err()
}
