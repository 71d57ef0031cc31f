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

const appointmentSelect = `SELECT a.id, a.patient_id, p.name, a.doctor_name, a.appointment_datetime, a.status,
	a.reason, a.notes, a.created_at, a.updated_at FROM appointment a JOIN patient p ON p.id = a.patient_id`

func scanAppointment(row interface{ Scan(...any) error }) (domain.Appointment, error) {
	var (
		a                       domain.Appointment
		start, created, updated dbTime
		reason, notes           sql.NullString
	)
	err := row.Scan(&a.ID, &a.PatientID, &a.PatientName, &a.DoctorName, &start, &a.Status, &reason, &notes, &created, &updated)
	a.Start, a.CreatedAt, a.UpdatedAt = start.Time, created.Time, updated.Time
	a.Reason, a.Notes = nullable(reason), nullable(notes)
	return a, err
}

// noSuchPatient is the validation error for a patient_id that names nobody.
func noSuchPatient(id int64) error {
	return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("patient_id: no patient with id %d", id),
		Fields: map[string]string{"patient_id": fmt.Sprintf("no patient with id %d", id)}}
}

// CreateAppointment books a and returns it as stored.
func (s *Store) CreateAppointment(ctx context.Context, a domain.Appointment) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out domain.Appointment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.dialect.timeArg(time.Now())
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO appointment (patient_id, doctor_name, appointment_datetime, status, reason, notes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			a.PatientID, a.DoctorName, s.dialect.timeArg(a.Start), a.Status, a.Reason, a.Notes, now).Scan(&id)
		if err != nil {
			return err
		}
		if out, err = s.appointment(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourceAppointment, ResourceID: id, PatientID: a.PatientID})
	})
	if s.dialect.isForeignKeyViolation(err) {
		return a, noSuchPatient(a.PatientID)
	}
	if err != nil {
		return a, fmt.Errorf("store: create appointment: %w", err)
	}
	return out, nil
}

// Appointment returns the appointment with the given id.
func (s *Store) Appointment(ctx context.Context, id int64) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.appointment(ctx, s.db, id)
}

func (s *Store) appointment(ctx context.Context, q queryer, id int64) (domain.Appointment, error) {
	a, err := scanAppointment(q.QueryRowContext(ctx, appointmentSelect+` WHERE a.id = $1`, id))
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
	DoctorName string // case-insensitive exact match
	Status     string
	From, To   time.Time // From inclusive, To exclusive; zero means open
	Limit      int
	Cursor     string
}

// Appointments returns one page of appointments matching f.
func (s *Store) Appointments(ctx context.Context, f AppointmentFilter) (Page[domain.Appointment], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.PatientID != 0 {
		conds = append(conds, "a.patient_id = "+arg(f.PatientID))
	}
	if f.DoctorName != "" {
		conds = append(conds, "lower(a.doctor_name) = "+arg(strings.ToLower(f.DoctorName)))
	}
	if f.Status != "" {
		conds = append(conds, "a.status = "+arg(f.Status))
	}
	if !f.From.IsZero() {
		conds = append(conds, "a.appointment_datetime >= "+arg(s.dialect.timeArg(f.From)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "a.appointment_datetime < "+arg(s.dialect.timeArg(f.To)))
	}
	var page Page[domain.Appointment]
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM appointment a`+where(conds), args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count appointments: %w", err)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 2)
		if err != nil {
			return page, err
		}
		t := s.dialect.timeArg(time.Unix(c[0], 0))
		conds = append(conds, "(a.appointment_datetime > "+arg(t)+" OR (a.appointment_datetime = "+arg(t)+" AND a.id > "+arg(c[1])+"))")
	}
	q := appointmentSelect + where(conds) + ` ORDER BY a.appointment_datetime, a.id LIMIT ` + arg(f.Limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
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
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = encodeCursor(last.Start.Unix(), last.ID)
	}
	return page, nil
}

// UpdateAppointment applies c and returns the appointment as stored.
func (s *Store) UpdateAppointment(ctx context.Context, id int64, c domain.AppointmentChanges) (domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		sets []string
		args []any
	)
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, col+" = $"+strconv.Itoa(len(args)))
	}
	if c.Status != nil {
		set("status", *c.Status)
	}
	if c.Start != nil {
		set("appointment_datetime", s.dialect.timeArg(*c.Start))
	}
	if c.Notes.Set {
		set("notes", optArg(c.Notes))
	}
	if c.Reason.Set {
		set("reason", optArg(c.Reason))
	}
	set("updated_at", s.dialect.timeArg(time.Now()))
	args = append(args, id)
	var out domain.Appointment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appointment SET `+strings.Join(sets, ", ")+` WHERE id = $`+strconv.Itoa(len(args)), args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("appointment", id)
		}
		if out, err = s.appointment(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceAppointment, ResourceID: id, PatientID: out.PatientID})
	})
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return out, fmt.Errorf("store: update appointment: %w", err)
	}
	return out, err
}

// DeleteAppointment removes the appointment.
func (s *Store) DeleteAppointment(ctx context.Context, id int64) error {
	return s.deleteByID(ctx, "appointment", "patient_id", id)
}
