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

const patientColumns = "id, name, email, date_of_birth, phone, address, blood_group, created_at, updated_at"

func scanPatient(row interface{ Scan(...any) error }) (domain.Patient, error) {
	var (
		p                  domain.Patient
		dob                dbDate
		created, updated   dbTime
		phone, addr, blood sql.NullString
	)
	err := row.Scan(&p.ID, &p.Name, &p.Email, &dob, &phone, &addr, &blood, &created, &updated)
	p.DateOfBirth = string(dob)
	p.Phone, p.Address, p.BloodGroup = nullable(phone), nullable(addr), nullable(blood)
	p.CreatedAt, p.UpdatedAt = created.Time, updated.Time
	return p, err
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// emailTaken is the error for a second patient with the same email.
func emailTaken(email string) error {
	return &domain.Error{Code: domain.CodeConflict, Message: "a patient with this email already exists",
		Fields: map[string]string{"email": "is already registered to another patient"}}
}

// CreatePatient inserts p and returns it as stored.
func (s *Store) CreatePatient(ctx context.Context, p domain.Patient) (domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out domain.Patient
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		now := s.dialect.timeArg(time.Now())
		out, err = scanPatient(tx.QueryRowContext(ctx, `INSERT INTO patient (name, email, date_of_birth, phone, address, blood_group, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING `+patientColumns,
			p.Name, p.Email, p.DateOfBirth, p.Phone, p.Address, p.BloodGroup, now))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourcePatient, ResourceID: out.ID, PatientID: out.ID})
	})
	if s.dialect.isUniqueViolation(err) {
		return domain.Patient{}, emailTaken(p.Email)
	}
	if err != nil {
		return domain.Patient{}, fmt.Errorf("store: create patient: %w", err)
	}
	return out, nil
}

// Patient returns the patient with the given id.
func (s *Store) Patient(ctx context.Context, id int64) (domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	p, err := scanPatient(s.db.QueryRowContext(ctx, `SELECT `+patientColumns+` FROM patient WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, domain.NotFound("patient", id)
	}
	if err != nil {
		return p, fmt.Errorf("store: get patient: %w", err)
	}
	return p, nil
}

// PatientFilter selects a page of patients, ordered by id.
type PatientFilter struct {
	Query  string // case-insensitive match on name, email or phone
	Limit  int
	Cursor string
}

// Patients returns one page of patients matching f.
func (s *Store) Patients(ctx context.Context, f PatientFilter) (Page[domain.Patient], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Query != "" {
		p := arg(likePattern(f.Query))
		conds = append(conds, "(lower(name) LIKE "+p+` ESCAPE '\' OR email LIKE `+p+` ESCAPE '\' OR phone LIKE `+p+` ESCAPE '\')`)
	}
	var page Page[domain.Patient]
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM patient`+where(conds), args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count patients: %w", err)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 1)
		if err != nil {
			return page, err
		}
		conds = append(conds, "id > "+arg(c[0]))
	}
	limit := arg(f.Limit + 1)
	rows, err := s.db.QueryContext(ctx, `SELECT `+patientColumns+` FROM patient`+where(conds)+` ORDER BY id LIMIT `+limit, args...)
	if err != nil {
		return page, fmt.Errorf("store: list patients: %w", err)
	}
	defer rows.Close()
	page.Items = make([]domain.Patient, 0, f.Limit)
	for rows.Next() {
		p, err := scanPatient(rows)
		if err != nil {
			return page, fmt.Errorf("store: list patients: %w", err)
		}
		page.Items = append(page.Items, p)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: list patients: %w", err)
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.NextCursor = encodeCursor(page.Items[f.Limit-1].ID)
	}
	return page, nil
}

// UpdatePatient applies c to the patient and returns it as stored.
func (s *Store) UpdatePatient(ctx context.Context, id int64, c domain.PatientChanges) (domain.Patient, error) {
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
	if c.Name != nil {
		set("name", *c.Name)
	}
	if c.Email != nil {
		set("email", *c.Email)
	}
	if c.DateOfBirth != nil {
		set("date_of_birth", *c.DateOfBirth)
	}
	for _, o := range []struct {
		col string
		v   domain.Opt[string]
	}{{"phone", c.Phone}, {"address", c.Address}, {"blood_group", c.BloodGroup}} {
		if o.v.Set {
			set(o.col, optArg(o.v))
		}
	}
	set("updated_at", s.dialect.timeArg(time.Now()))
	args = append(args, id)
	q := `UPDATE patient SET ` + strings.Join(sets, ", ") + ` WHERE id = $` + strconv.Itoa(len(args)) + ` RETURNING ` + patientColumns
	var p domain.Patient
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = scanPatient(tx.QueryRowContext(ctx, q, args...)); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id})
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return p, domain.NotFound("patient", id)
	case s.dialect.isUniqueViolation(err):
		return p, emailTaken(*c.Email)
	case err != nil:
		return p, fmt.Errorf("store: update patient: %w", err)
	}
	return p, nil
}

// DeletePatient removes the patient with their appointments and records (ON DELETE CASCADE).
func (s *Store) DeletePatient(ctx context.Context, id int64) error {
	return s.deleteByID(ctx, "patient", "id", id)
}

// deleteByID deletes one row of table by id and records the deletion, or returns
// not_found. patientColumn names the column that holds the patient's id.
func (s *Store) deleteByID(ctx context.Context, table, patientColumn string, id int64) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var patientID int64
		err := tx.QueryRowContext(ctx, `DELETE FROM `+table+` WHERE id = $1 RETURNING `+patientColumn, id).Scan(&patientID)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.NotFound(resourceName(table), id)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionDelete, ResourceType: table, ResourceID: id, PatientID: patientID})
	})
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: delete %s: %w", table, err)
	}
	return err
}

func resourceName(table string) string {
	if table == "medical_record" {
		return "medical record"
	}
	return table
}

// optArg turns a set Opt into a column value: NULL when it was null.
func optArg(o domain.Opt[string]) any {
	if o.Null {
		return nil
	}
	return o.Value
}
