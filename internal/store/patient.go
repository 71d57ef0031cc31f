package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

const patientColumns = "id, mrn, name, email, date_of_birth, phone, address, blood_group, created_at, updated_at"

func scanPatient(row interface{ Scan(...any) error }) (domain.Patient, error) {
	var (
		p                         domain.Patient
		dob                       dbDate
		created, updated          dbTime
		email, phone, addr, blood sql.NullString
	)
	err := row.Scan(&p.ID, &p.MRN, &p.Name, &email, &dob, &phone, &addr, &blood, &created, &updated)
	p.Email, p.DateOfBirth = email.String, string(dob)
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

// mrnTaken is the error for a second patient with the same medical record number.
func mrnTaken() error {
	return &domain.Error{Code: domain.CodeConflict, Message: "a patient with this medical record number already exists",
		Fields: map[string]string{"mrn": "is already the medical record number of another patient"}}
}

// patientConflict turns a unique violation on patient into the error that names its column.
func patientConflict(err error, email string) error {
	if strings.Contains(err.Error(), "mrn") {
		return mrnTaken()
	}
	return emailTaken(email)
}

// emailArg stores a missing email as NULL, so that only real addresses must be unique.
func emailArg(email string) any {
	if email == "" {
		return nil
	}
	return email
}

// CreatePatient inserts p and returns it as stored. When p.MRN is empty, the patient
// gets a generated medical record number, HMS- and the id in six or more digits.
func (s *Store) CreatePatient(ctx context.Context, p domain.Patient) (domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out domain.Patient
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.insertPatient(ctx, tx, p)
		return err
	})
	return out, err
}

// insertPatient inserts p within tx, generating its MRN when it has none.
func (s *Store) insertPatient(ctx context.Context, tx *sql.Tx, p domain.Patient) (domain.Patient, error) {
	now := s.dialect.timeArg(time.Now())
	mrn := p.MRN
	if mrn == "" {
		mrn = "pending-" + newToken() // replaced below, once the id is known
	}
	out, err := scanPatient(tx.QueryRowContext(ctx, `INSERT INTO patient (mrn, name, email, date_of_birth, phone, address, blood_group, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING `+patientColumns,
		mrn, p.Name, emailArg(p.Email), p.DateOfBirth, p.Phone, p.Address, p.BloodGroup, now))
	if s.dialect.isUniqueViolation(err) {
		return domain.Patient{}, patientConflict(err, p.Email)
	}
	if err != nil {
		return domain.Patient{}, fmt.Errorf("store: create patient: %w", err)
	}
	if p.MRN != "" {
		return out, nil
	}
	// An imported patient may already hold the number that this id generates: add a suffix then.
	out.MRN = fmt.Sprintf("HMS-%06d", out.ID)
	for n := 2; ; n++ {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM patient WHERE mrn = $1`, out.MRN).Scan(&taken); err != nil {
			return out, fmt.Errorf("store: create patient: %w", err)
		}
		if taken == 0 {
			break
		}
		out.MRN = fmt.Sprintf("HMS-%06d-%d", out.ID, n)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE patient SET mrn = $1 WHERE id = $2`, out.MRN, out.ID); err != nil {
		return out, fmt.Errorf("store: create patient: %w", err)
	}
	return out, nil
}

// newToken returns 16 random hex digits.
func newToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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

// PatientFilter selects a page of patients, ordered by id. Every field that is set narrows
// the selection.
type PatientFilter struct {
	Query      string   // case-insensitive match on name, email, phone or MRN
	IDs        []int64  // any of these ids
	MRN        string   // exact medical record number
	Name       []string // each a case-insensitive part of the name
	Phone      string   // part of the phone number
	Email      string   // exact email, case-insensitive
	BornFrom   string   // date_of_birth >= this YYYY-MM-DD
	BornBefore string   // date_of_birth < this YYYY-MM-DD
	// HasBloodGroup keeps only patients whose blood group is recorded.
	HasBloodGroup bool
	Limit         int
	Cursor        string
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
		conds = append(conds, "(lower(name) LIKE "+p+` ESCAPE '\' OR email LIKE `+p+` ESCAPE '\' OR phone LIKE `+p+
			` ESCAPE '\' OR lower(mrn) LIKE `+p+` ESCAPE '\')`)
	}
	if f.IDs != nil {
		ids := make([]string, len(f.IDs))
		for i, id := range f.IDs {
			ids[i] = arg(id)
		}
		if len(ids) == 0 {
			ids = []string{"NULL"}
		}
		conds = append(conds, "id IN ("+strings.Join(ids, ", ")+")")
	}
	if f.MRN != "" {
		conds = append(conds, "mrn = "+arg(f.MRN))
	}
	for _, n := range f.Name {
		conds = append(conds, "lower(name) LIKE "+arg(likePattern(n))+` ESCAPE '\'`)
	}
	if f.Phone != "" {
		conds = append(conds, "phone LIKE "+arg(likePattern(f.Phone))+` ESCAPE '\'`)
	}
	if f.Email != "" {
		conds = append(conds, "email = "+arg(strings.ToLower(f.Email)))
	}
	if f.BornFrom != "" {
		conds = append(conds, "date_of_birth >= "+arg(f.BornFrom))
	}
	if f.BornBefore != "" {
		conds = append(conds, "date_of_birth < "+arg(f.BornBefore))
	}
	if f.HasBloodGroup {
		conds = append(conds, "blood_group IS NOT NULL")
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
	if c.MRN != nil {
		set("mrn", *c.MRN)
	}
	if c.Email != nil {
		set("email", emailArg(*c.Email))
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
	p, err := scanPatient(s.db.QueryRowContext(ctx, q, args...))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return p, domain.NotFound("patient", id)
	case s.dialect.isUniqueViolation(err):
		email := ""
		if c.Email != nil {
			email = *c.Email
		}
		return p, patientConflict(err, email)
	case err != nil:
		return p, fmt.Errorf("store: update patient: %w", err)
	}
	return p, nil
}

// DeletePatient removes the patient with their appointments and records (ON DELETE CASCADE).
func (s *Store) DeletePatient(ctx context.Context, id int64) error {
	return s.deleteByID(ctx, "patient", id)
}

// deleteByID deletes one row of table by id, or returns not_found.
func (s *Store) deleteByID(ctx context.Context, table string, id int64) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", table, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound(resourceName(table), id)
	}
	return nil
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
