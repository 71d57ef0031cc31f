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

// patientColumns are the columns of a patient that patientScanner reads.
func (s *Store) patientColumns() string {
	t := s.dialect.storedTime
	return `id, mrn, name, email, ` + t("date_of_birth") + `, phone, address, blood_group, gender, active, ` + t("deactivated_at") +
		`, version, ` + t("created_at") + `, ` + t("updated_at") + `, replaced_by`
}

func scanPatient(row interface{ Scan(...any) error }) (domain.Patient, error) {
	return newPatientScanner(1).scan(row)
}

// patientScanner reads rows of patientColumns. A list scans all its rows with one, so that
// a row allocates little more than the strings it holds: the destinations are reused, and
// the optional texts are copied into one block for the page.
type patientScanner struct {
	p                              domain.Patient
	dob                            dbDate
	deactivated, created, updated  dbTime
	email, phone, addr, blood, gen sql.NullString
	replacedBy                     sql.NullInt64
	dest                           []any
	texts                          textBlocks
}

// newPatientScanner returns a scanner for up to rows rows; more take further blocks.
func newPatientScanner(rows int) *patientScanner {
	s := &patientScanner{texts: make(textBlocks, 0, 4*rows)}
	s.dest = []any{&s.p.ID, &s.p.MRN, &s.p.Name, &s.email, &s.dob, &s.phone, &s.addr, &s.blood, &s.gen, &s.p.Active, &s.deactivated,
		&s.p.Version, &s.created, &s.updated, &s.replacedBy}
	return s
}

func (s *patientScanner) scan(row interface{ Scan(...any) error }) (domain.Patient, error) {
	s.p, s.deactivated = domain.Patient{}, dbTime{}
	err := row.Scan(s.dest...)
	p := s.p
	p.Email, p.DateOfBirth = s.email.String, string(s.dob)
	p.Phone, p.Address = s.texts.copy(s.phone.String, s.phone.Valid), s.texts.copy(s.addr.String, s.addr.Valid)
	p.BloodGroup = s.texts.copy(s.blood.String, s.blood.Valid)
	p.Gender = s.texts.copy(s.gen.String, s.gen.Valid)
	p.CreatedAt, p.UpdatedAt = s.created.Time, s.updated.Time
	p.ReplacedBy = nullableID(s.replacedBy)
	if !s.deactivated.IsZero() {
		at := s.deactivated.Time
		p.DeactivatedAt = &at
	}
	return p, err
}

// phoneKeyArg is domain.PhoneKey as a column value: NULL when there is no phone.
func phoneKeyArg(phone *string) any {
	if k := domain.PhoneKey(phone); k != "" {
		return k
	}
	return nil
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
	if p.MRN == "" && s.dialect.writableCTEs() {
		out, err := s.createPatientInOneStatement(ctx, p)
		if !errors.Is(err, errMRNTaken) {
			return out, err
		}
		// An imported patient holds the MRN of the id drawn: the transaction below tries
		// the suffixes.
	}
	return writeRow(ctx, s, func(tx *sql.Tx) (domain.Patient, error) {
		out, err := s.insertPatient(ctx, tx, p)
		if err != nil {
			return out, err
		}
		return out, s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourcePatient, ResourceID: out.ID, PatientID: out.ID})
	})
}

// insertPatient inserts p within tx, generating its MRN when it has none: HMS- and the
// row's id in six or more digits, with -2, -3, … appended when an imported patient already
// holds that number. The row is written once, with its final MRN (an MRN update would touch
// every index of the table).
//
// On PostgreSQL the common case is one statement: the id comes from the identity default
// and the trigger patient_mrn_default (migration 00005) derives the MRN from it. On SQLite
// the id is read from the AUTOINCREMENT counter inside the write transaction, which costs
// no round trip. A generated MRN that is taken makes the insert do nothing (ON CONFLICT)
// rather than fail the transaction, and the next suffix is tried with the same id.
func (s *Store) insertPatient(ctx context.Context, tx *sql.Tx, p domain.Patient) (domain.Patient, error) {
	if p.MRN != "" {
		out, err := s.insertPatientRow(ctx, tx, p, 0)
		if errors.Is(err, errMRNTaken) {
			return out, mrnTaken()
		}
		return out, err
	}
	var id int64
	suffix := 1
	if q := s.dialect.drawnID("patient"); q != "" {
		out, err := s.insertPatientRow(ctx, tx, p, 0)
		if !errors.Is(err, errMRNTaken) {
			return out, err
		}
		// The attempt drew the id whose MRN is taken: keep it and try the suffixes.
		if err := tx.QueryRowContext(ctx, q).Scan(&id); err != nil {
			return domain.Patient{}, fmt.Errorf("store: create patient: %w", err)
		}
		suffix = 2
	} else {
		ids, err := s.dialect.reserveIDs(ctx, tx, "patient", 1)
		if err != nil {
			return domain.Patient{}, fmt.Errorf("store: create patient: %w", err)
		}
		id = ids[0]
	}
	for ; ; suffix++ {
		p.MRN = fmt.Sprintf("HMS-%06d", id)
		if suffix > 1 {
			p.MRN += "-" + strconv.Itoa(suffix)
		}
		out, err := s.insertPatientRow(ctx, tx, p, id)
		if !errors.Is(err, errMRNTaken) {
			return out, err
		}
	}
}

// errMRNTaken says that insertPatientRow wrote nothing because the MRN is taken.
var errMRNTaken = errors.New("store: medical record number taken")

// insertPatientRow inserts p with the given id (0: the table's next one) and p.MRN (on
// PostgreSQL, empty: the one patient_mrn_default derives from the id). It returns
// errMRNTaken when another patient holds that MRN, and a conflict for a taken email.
func (s *Store) insertPatientRow(ctx context.Context, tx *sql.Tx, p domain.Patient, id int64) (domain.Patient, error) {
	q, args := s.patientInsert(p, id)
	return insertedPatient(tx.QueryRowContext(ctx, q, args...), s, p)
}

// patientInsert is the INSERT of p (with id, unless 0) that returns the row, or no row
// when its MRN is taken.
func (s *Store) patientInsert(p domain.Patient, id int64) (string, []any) {
	args := []any{p.MRN, p.Name, emailArg(p.Email), p.DateOfBirth, p.Phone, phoneKeyArg(p.Phone), p.Address, p.BloodGroup,
		s.dialect.timeArg(time.Now()), p.Gender}
	idColumn, idValue := "", ""
	if id != 0 {
		idColumn, idValue, args = "id, ", "$11, ", append(args, id)
	}
	return `INSERT INTO patient (` + idColumn + `mrn, name, email, date_of_birth, phone, phone_key, address, blood_group, created_at, updated_at, gender)
		VALUES (` + idValue + `$1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) ON CONFLICT (mrn) DO NOTHING RETURNING ` + s.patientColumns(), args
}

// createPatientInOneStatement inserts p, whose MRN the database derives from its id, and
// its audit event in one statement, which commits both or neither: one round trip where
// a transaction takes four (BEGIN, the two INSERTs, COMMIT).
//
// With no transaction to roll back, what writeRow checks of the row read back is checked
// of p before: the database keeps its date of birth as given, and its times are now.
func (s *Store) createPatientInOneStatement(ctx context.Context, p domain.Patient) (domain.Patient, error) {
	now := time.Now()
	ahead := p
	ahead.CreatedAt, ahead.UpdatedAt = now, now
	if err := ahead.CheckStored(); err != nil {
		return domain.Patient{}, fmt.Errorf("store: create patient: the row as written could not be given back: %w", err)
	}
	q, args := s.patientInsert(p, 0)
	e := s.auditRow(ctx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourcePatient})
	values := make([]string, len(e))
	for i, v := range e {
		switch auditInsertColumns[i] {
		case "resource_id", "patient_id":
			values[i] = "p.id"
		default:
			args = append(args, v)
			values[i] = "$" + strconv.Itoa(len(args))
		}
	}
	q = `WITH p AS (` + q + `), e AS (INSERT INTO audit_event (` + strings.Join(auditInsertColumns, ", ") + `) SELECT ` +
		strings.Join(values, ", ") + ` FROM p) SELECT * FROM p`
	return insertedPatient(s.db.QueryRowContext(ctx, q, args...), s, p)
}

// insertedPatient reads the row that patientInsert returned.
func insertedPatient(row *sql.Row, s *Store, p domain.Patient) (domain.Patient, error) {
	out, err := scanPatient(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return domain.Patient{}, errMRNTaken
	case s.dialect.isUniqueViolation(err):
		return domain.Patient{}, patientConflict(err, p.Email)
	case err != nil:
		return domain.Patient{}, fmt.Errorf("store: create patient: %w", err)
	}
	return out, nil
}

// Patient returns the active patient with the given id; a deactivated patient is not found.
func (s *Store) Patient(ctx context.Context, id int64) (domain.Patient, error) {
	return s.patient(ctx, id, " AND active")
}

// AnyPatient returns the patient with the given id, active or deactivated.
func (s *Store) AnyPatient(ctx context.Context, id int64) (domain.Patient, error) {
	return s.patient(ctx, id, "")
}

func (s *Store) patient(ctx context.Context, id int64, cond string) (domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	found, err := s.patientList(ctx, `SELECT `+s.patientColumns()+` FROM patient WHERE id = $1`+cond, []any{id}, 1)
	if err != nil {
		return domain.Patient{}, fmt.Errorf("store: get patient: %w", err)
	}
	if len(found) == 0 {
		return domain.Patient{}, domain.NotFound("patient", id)
	}
	return found[0], nil
}

// PatientFilter selects a page of patients, ordered by id (by rank, then id, with Query).
// Every field that is set narrows the selection.
type PatientFilter struct {
	Query           string   // case-insensitive match on name, email, phone or MRN, ranked: see searchPatients
	IncludeInactive bool     // also list deactivated patients
	IDs             []int64  // any of these ids
	MRN             string   // exact medical record number
	Name            []string // each a case-insensitive part of the name
	Phone           string   // part of the phone number
	Email           string   // exact email, case-insensitive
	BornFrom        string   // date_of_birth >= this YYYY-MM-DD
	BornBefore      string   // date_of_birth < this YYYY-MM-DD
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
	if !f.IncludeInactive {
		conds = append(conds, "active")
	}
	unfiltered := len(conds)
	if f.IDs != nil {
		ids := []string{"NULL"}
		for _, id := range f.IDs {
			ids = append(ids, arg(id))
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
	if f.Query != "" {
		return s.searchPatients(ctx, f, conds, args)
	}
	filter, filterArgs := conds, args
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 1)
		if err != nil {
			return Page[domain.Patient]{}, err
		}
		conds = append(conds, "id > "+arg(c[0]))
	}
	limit := arg(f.Limit + 1)
	if len(f.Name) > 0 || f.Phone != "" {
		// Whether an index helps depends on the term: plan each search for its own.
		args, filterArgs = s.dialect.planPerValue(args), s.dialect.planPerValue(filterArgs)
	}
	query := `SELECT ` + s.patientColumns() + ` FROM patient` + where(conds) + ` ORDER BY id LIMIT ` + limit
	// One more than a page: the extra row says that there is a next page.
	items, err := s.patientList(ctx, query, args, f.Limit+1)
	if err != nil {
		return Page[domain.Patient]{}, fmt.Errorf("store: list patients: %w", err)
	}
	page, err := pageOf(ctx, s, items, f.Limit, f.Cursor, matches{table: "patient", from: "patient", id: "id",
		conds: filter, args: filterArgs, narrowed: len(filter) > unfiltered}, func(p domain.Patient) string { return encodeCursor(p.ID) })
	if err != nil {
		return page, fmt.Errorf("store: count patients: %w", err)
	}
	return page, nil
}

// patientList runs a query of patientColumns that returns at most rows patients.
func (s *Store) patientList(ctx context.Context, query string, args []any, rows int) ([]domain.Patient, error) {
	out := make([]domain.Patient, 0, rows)
	r, err := s.reader(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	scanner := newPatientScanner(rows)
	for r.Next() {
		p, err := scanner.scan(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, r.Err()
}

// UpdatePatient applies c to the patient and returns it as stored.
func (s *Store) UpdatePatient(ctx context.Context, id int64, c domain.PatientChanges) (domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var u assignments
	if c.Name != nil {
		u.set("name", *c.Name)
	}
	if c.MRN != nil {
		u.set("mrn", *c.MRN)
	}
	if c.Email != nil {
		u.set("email", emailArg(*c.Email))
	}
	if c.DateOfBirth != nil {
		u.set("date_of_birth", *c.DateOfBirth)
	}
	for _, o := range []struct {
		col string
		v   domain.Opt[string]
	}{{"phone", c.Phone}, {"address", c.Address}, {"blood_group", c.BloodGroup}, {"gender", c.Gender}} {
		if o.v.Set {
			u.set(o.col, optArg(o.v))
		}
	}
	if c.Phone.Set {
		u.set("phone_key", phoneKeyArg(optPtr(c.Phone)))
	}
	u.set("updated_at", s.dialect.timeArg(time.Now()))
	cond := ` WHERE id = ` + u.arg(id) + ` AND active`
	if c.IfVersion != 0 {
		cond += ` AND version = ` + u.arg(c.IfVersion)
	}
	q := `UPDATE patient SET ` + u.list() + `, version = version + 1` + cond + ` RETURNING ` + s.patientColumns()
	p, err := writeRow(ctx, s, func(tx *sql.Tx) (domain.Patient, error) {
		p, err := scanPatient(tx.QueryRowContext(ctx, q, u.args...))
		if err != nil {
			return p, err
		}
		return p, s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id})
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		cur, err := s.AnyPatient(ctx, id)
		if err == nil && !cur.Active {
			if err := s.mergedError(ctx, s.db, cur); err != nil {
				return p, err
			}
			return p, domain.NotFound("patient", id)
		}
		if err != nil {
			return p, err
		}
		return p, stale("patient", id, cur.Version)
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

// DeactivatePatient is the original API's DELETE of a patient, without losing anything:
// the patient is hidden from reads, lists and search, their future appointments are
// cancelled (freeing the slots, with the reason in each history) and their records kept.
func (s *Store) DeactivatePatient(ctx context.Context, id int64) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := time.Now()
		res, err := tx.ExecContext(ctx, `UPDATE patient SET active = FALSE, deactivated_at = $1, updated_at = $1,
			version = version + 1 WHERE id = $2 AND active`, s.dialect.timeArg(now), id)
		if err != nil {
			return fmt.Errorf("store: deactivate patient: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("patient", id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, status FROM appointment
			WHERE patient_id = $1 AND `+slotHeld+` AND status IN ($2, $3) AND appointment_datetime >= $4 ORDER BY id`,
			id, domain.StatusScheduled, domain.StatusCheckedIn, s.dialect.timeArg(now))
		if err != nil {
			return fmt.Errorf("store: deactivate patient: %w", err)
		}
		type future struct {
			id     int64
			status string
		}
		var cancelled []future
		for rows.Next() {
			var f future
			if err := rows.Scan(&f.id, &f.status); err != nil {
				rows.Close()
				return fmt.Errorf("store: deactivate patient: %w", err)
			}
			cancelled = append(cancelled, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: deactivate patient: %w", err)
		}
		for _, f := range cancelled {
			if _, err := tx.ExecContext(ctx, `UPDATE appointment SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
				domain.StatusCancelled, s.dialect.timeArg(now), f.id); err != nil {
				return fmt.Errorf("store: deactivate patient: %w", err)
			}
			if err := s.recordStatus(ctx, tx, f.id, &f.status, domain.StatusCancelled, "patient deactivated"); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionDelete, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id})
	})
}

// PatientDuplicates returns the active patients who are possibly the same person as the
// patient with the given id (see domain.PossibleDuplicate), oldest first.
func (s *Store) PatientDuplicates(ctx context.Context, id int64) ([]domain.Patient, error) {
	p, err := s.Patient(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.PatientDuplicatesOf(ctx, p)
}

// PatientDuplicatesOf is PatientDuplicates for a patient already in hand, such as one just
// created: it saves reading the patient again.
func (s *Store) PatientDuplicatesOf(ctx context.Context, p domain.Patient) ([]domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	// The name is compared in Go (domain.PersonKey); SQL narrows to the same birth date or phone.
	rows, err := s.db.QueryContext(ctx, `SELECT `+s.patientColumns()+` FROM patient
		WHERE active AND id <> $1 AND (date_of_birth = $2 OR phone_key = $3) ORDER BY id LIMIT 200`,
		p.ID, p.DateOfBirth, phoneKeyArg(p.Phone))
	if err != nil {
		return nil, fmt.Errorf("store: find duplicates: %w", err)
	}
	defer rows.Close()
	out := []domain.Patient{}
	for rows.Next() {
		c, err := scanPatient(rows)
		if err != nil {
			return nil, fmt.Errorf("store: find duplicates: %w", err)
		}
		if domain.PossibleDuplicate(p, c) {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// PatientMatches returns the patients who are possibly the person p about to be registered
// (domain.PossibleMatch), oldest first: the active ones and, withInactive, a deactivated one
// who holds the email (the registration would be refused with it; an admin may restore them).
func (s *Store) PatientMatches(ctx context.Context, p domain.Patient, withInactive bool) ([]domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var dob any
	if p.DateOfBirth != "" {
		dob = p.DateOfBirth
	}
	cond := `active AND (date_of_birth = $1 OR phone_key = $2 OR email = $3)`
	if withInactive {
		cond = `(active AND (date_of_birth = $1 OR phone_key = $2)) OR email = $3`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+s.patientColumns()+` FROM patient WHERE `+cond+` ORDER BY id LIMIT 200`,
		dob, phoneKeyArg(p.Phone), emailArg(p.Email))
	if err != nil {
		return nil, fmt.Errorf("store: find matches: %w", err)
	}
	defer rows.Close()
	out := []domain.Patient{}
	for rows.Next() {
		c, err := scanPatient(rows)
		if err != nil {
			return nil, fmt.Errorf("store: find matches: %w", err)
		}
		if domain.PossibleMatch(p, c) {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// optArg turns a set Opt into a column value: NULL when it was null.
func optArg(o domain.Opt[string]) any {
	if o.Null {
		return nil
	}
	return o.Value
}
