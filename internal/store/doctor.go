package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

const doctorColumns = "id, name, specialty, working_hours, active, user_id, version, created_at, updated_at"

func scanDoctor(row interface{ Scan(...any) error }) (domain.Doctor, error) {
	var (
		d                domain.Doctor
		specialty        sql.NullString
		hours            string
		userID           sql.NullInt64
		created, updated dbTime
	)
	if err := row.Scan(&d.ID, &d.Name, &specialty, &hours, &d.Active, &userID, &d.Version, &created, &updated); err != nil {
		return d, err
	}
	d.Specialty, d.UserID = nullable(specialty), nullableID(userID)
	d.CreatedAt, d.UpdatedAt = created.Time, updated.Time
	if err := json.Unmarshal([]byte(hours), &d.WorkingHours); err != nil {
		return d, fmt.Errorf("working hours of doctor %d: %w", d.ID, err)
	}
	return d, nil
}

func hoursArg(wh domain.WorkingHours) string {
	b, _ := json.Marshal(wh) // a map of string slices always marshals
	return string(b)
}

// doctorNameTaken is the error for a second doctor with the same normalised name.
func doctorNameTaken(name string) error {
	return &domain.Error{Code: domain.CodeConflict, Message: fmt.Sprintf("a doctor named %q already exists", name),
		Fields: map[string]string{"name": "is already the name of another doctor"}}
}

// CreateDoctor inserts d and returns it as stored.
func (s *Store) CreateDoctor(ctx context.Context, d domain.Doctor) (domain.Doctor, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	now := s.dialect.timeArg(time.Now())
	out, err := scanDoctor(s.db.QueryRowContext(ctx, `INSERT INTO doctor (name, name_key, specialty, working_hours, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING `+doctorColumns,
		d.Name, domain.DoctorKey(d.Name), d.Specialty, hoursArg(d.WorkingHours), d.Active, now))
	switch {
	case s.dialect.isUniqueViolation(err):
		return out, doctorNameTaken(d.Name)
	case err != nil:
		return out, fmt.Errorf("store: create doctor: %w", err)
	}
	return out, nil
}

// Doctor returns the doctor with the given id, active or not.
func (s *Store) Doctor(ctx context.Context, id int64) (domain.Doctor, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	d, err := scanDoctor(s.db.QueryRowContext(ctx, `SELECT `+doctorColumns+` FROM doctor WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, domain.NotFound("doctor", id)
	}
	if err != nil {
		return d, fmt.Errorf("store: get doctor: %w", err)
	}
	return d, nil
}

// DoctorFilter selects a page of doctors, ordered by id.
type DoctorFilter struct {
	IncludeInactive bool
	Name            []string // each a case-insensitive part of the name
	Limit           int
	Cursor          string
}

// Doctors returns one page of doctors; only active ones unless f says otherwise.
func (s *Store) Doctors(ctx context.Context, f DoctorFilter) (Page[domain.Doctor], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		conds []string
		args  []any
		page  Page[domain.Doctor]
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if !f.IncludeInactive {
		conds = append(conds, "active")
	}
	for _, n := range f.Name {
		conds = append(conds, "lower(name) LIKE "+arg(likePattern(n))+` ESCAPE '\'`)
	}
	filter, filterArgs := conds, args
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 1)
		if err != nil {
			return page, err
		}
		conds = append(conds, "id > "+arg(c[0]))
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+doctorColumns+` FROM doctor`+where(conds)+` ORDER BY id LIMIT `+arg(f.Limit+1), args...)
	if err != nil {
		return page, fmt.Errorf("store: list doctors: %w", err)
	}
	defer rows.Close()
	page.Items = make([]domain.Doctor, 0, f.Limit)
	for rows.Next() {
		d, err := scanDoctor(rows)
		if err != nil {
			return page, fmt.Errorf("store: list doctors: %w", err)
		}
		page.Items = append(page.Items, d)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: list doctors: %w", err)
	}
	page, err = pageOf(ctx, s, page.Items, f.Limit, f.Cursor, matches{table: "doctor", from: "doctor", id: "id",
		conds: filter, args: filterArgs, narrowed: len(f.Name) > 0},
		func(last domain.Doctor) string { return encodeCursor(last.ID) })
	if err != nil {
		return page, fmt.Errorf("store: count doctors: %w", err)
	}
	return page, nil
}

// UpdateDoctor applies c and returns the doctor as stored. Deactivating a doctor leaves
// their booked appointments alone; it only stops new bookings.
func (s *Store) UpdateDoctor(ctx context.Context, id int64, c domain.DoctorChanges) (domain.Doctor, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var u assignments
	if c.Name != nil {
		u.set("name", *c.Name)
		u.set("name_key", domain.DoctorKey(*c.Name))
	}
	if c.Specialty.Set {
		u.set("specialty", optArg(c.Specialty))
	}
	if c.WorkingHours != nil {
		u.set("working_hours", hoursArg(c.WorkingHours))
	}
	if c.Active != nil {
		u.set("active", *c.Active)
	}
	u.set("updated_at", s.dialect.timeArg(time.Now()))
	cond := ` WHERE id = ` + u.arg(id)
	if c.IfVersion != 0 {
		cond += ` AND version = ` + u.arg(c.IfVersion)
	}
	q := `UPDATE doctor SET ` + u.list() + `, version = version + 1` + cond + ` RETURNING ` + doctorColumns
	d, err := scanDoctor(s.db.QueryRowContext(ctx, q, u.args...))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		cur, err := s.Doctor(ctx, id)
		if err != nil {
			return d, err
		}
		return d, stale("doctor", id, cur.Version)
	case s.dialect.isUniqueViolation(err):
		return d, doctorNameTaken(*c.Name)
	case err != nil:
		return d, fmt.Errorf("store: update doctor: %w", err)
	}
	return d, nil
}

// resolveDoctor returns the id and name of the doctor an appointment is booked with: doctorID
// when given (and name, if also given, must be that doctor's), otherwise the doctor whose
// normalised name is name, created with default working hours when there is none, so
// that clients of the original API, which knew only doctor names, keep working. It claims
// the doctor's row (claimRows) until tx ends, so that bookings with the doctor take turns.
func (s *Store) resolveDoctor(ctx context.Context, tx *sql.Tx, doctorID int64, name string) (int64, string, error) {
	var (
		key, stored string
		active      bool
	)
	if doctorID != 0 {
		err := tx.QueryRowContext(ctx, `SELECT name, name_key, active FROM doctor WHERE id = $1`+s.dialect.claimRows(), doctorID).Scan(&stored, &key, &active)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return 0, "", fieldError("doctor_id", fmt.Sprintf("no doctor with id %d", doctorID))
		case err != nil:
			return 0, "", err
		case !active:
			return 0, "", fieldError("doctor_id", fmt.Sprintf("doctor %d no longer takes appointments", doctorID))
		case name != "" && domain.DoctorKey(name) != key:
			return 0, "", fieldError("doctor_name", fmt.Sprintf("is not the name of doctor %d", doctorID))
		}
		return doctorID, stored, nil
	}
	key = domain.DoctorKey(name)
	now := s.dialect.timeArg(time.Now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO doctor (name, name_key, working_hours, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name_key) DO NOTHING`, name, key, hoursArg(domain.DefaultWorkingHours()), now); err != nil {
		return 0, "", err
	}
	if err := tx.QueryRowContext(ctx, `SELECT id, name, active FROM doctor WHERE name_key = $1`+s.dialect.claimRows(), key).Scan(&doctorID, &stored, &active); err != nil {
		return 0, "", err
	}
	if !active {
		return 0, "", fieldError("doctor_name", "this doctor no longer takes appointments")
	}
	return doctorID, stored, nil
}

// linkDoctor gives u, a user with role doctor, their doctor row inside the user's
// transaction tx, and makes it take appointments exactly while u is active: the row already
// linked to u (a doctor who was given another role and is a doctor again), else the
// unlinked doctor with u's normalised name (doctor names are unique, so there is at most
// one), else a new doctor with u's name and default working hours. A doctor of that name
// linked to another user is a conflict, since two doctors may not share a name.
func (s *Store) linkDoctor(ctx context.Context, tx *sql.Tx, u domain.User) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM doctor WHERE user_id = $1`, u.ID).Scan(&id)
	switch {
	case err == nil:
		return s.setDoctorActive(ctx, tx, u.ID, u.Active)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	now := s.dialect.timeArg(time.Now())
	key := domain.DoctorKey(u.Name)
	err = tx.QueryRowContext(ctx, `UPDATE doctor SET user_id = $1, active = $2, version = version + 1, updated_at = $3
		WHERE name_key = $4 AND user_id IS NULL RETURNING id`, u.ID, u.Active, now, key).Scan(&id)
	switch {
	case err == nil:
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceDoctor, ResourceID: id})
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO doctor (name, name_key, working_hours, active, user_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, u.Name, key, hoursArg(domain.DefaultWorkingHours()), u.Active, u.ID, now).Scan(&id)
	switch {
	case s.dialect.isUniqueViolation(err):
		msg := "is the name of a doctor linked to another user; choose another name or rename that doctor"
		return &domain.Error{Code: domain.CodeConflict, Fields: map[string]string{"name": msg},
			Message: fmt.Sprintf("the doctor named %q is already linked to another user", u.Name)}
	case err != nil:
		return err
	}
	return s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourceDoctor, ResourceID: id})
}

// setDoctorActive makes the doctor linked to user userID, if any, take appointments or
// stop taking them, inside the user's transaction tx. A doctor already in that state is
// left alone, so that its version (its ETag) does not change for nothing.
func (s *Store) setDoctorActive(ctx context.Context, tx *sql.Tx, userID int64, active bool) error {
	var id int64
	err := tx.QueryRowContext(ctx, `UPDATE doctor SET active = $1, version = version + 1, updated_at = $2
		WHERE user_id = $3 AND active <> $1 RETURNING id`, active, s.dialect.timeArg(time.Now()), userID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceDoctor, ResourceID: id})
}

// fieldError is a validation error about one field.
func fieldError(field, msg string) error {
	return &domain.Error{Code: domain.CodeInvalid, Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// DoctorBusy returns the spans in [from, to) that the doctor's appointments hold.
func (s *Store) DoctorBusy(ctx context.Context, doctorID int64, from, to time.Time) ([]domain.Span, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT appointment_datetime, end_datetime FROM appointment
		WHERE doctor_id = $1 AND `+slotHeld+` AND appointment_datetime < $2 AND end_datetime > $3
		ORDER BY appointment_datetime`, doctorID, s.dialect.timeArg(to), s.dialect.timeArg(from))
	if err != nil {
		return nil, fmt.Errorf("store: doctor's appointments: %w", err)
	}
	defer rows.Close()
	var out []domain.Span
	for rows.Next() {
		var start, end dbTime
		if err := rows.Scan(&start, &end); err != nil {
			return nil, fmt.Errorf("store: doctor's appointments: %w", err)
		}
		out = append(out, domain.Span{Start: start.Time, End: end.Time})
	}
	return out, rows.Err()
}
