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

// recordColumns are the columns of a medical record that recordScanner reads, from the
// table aliased r.
func (s *Store) recordColumns() string {
	t := s.dialect.storedTime
	return `r.id, r.patient_id, r.diagnosis, r.prescription, r.doctor_name, ` + t("r.record_date") + `, r.notes, r.version, ` +
		t("r.created_at") + `, ` + t("r.updated_at") + `, ` + t("r.voided_at") + `, r.voided_by, r.void_reason, r.source, r.visit_id`
}

// recordFrom joins each record to its patient: records of a deactivated patient are hidden.
const recordFrom = ` FROM ` + recordTables

// recordTables are the tables of recordFrom.
const recordTables = `medical_record r JOIN patient p ON p.id = r.patient_id AND p.active`

func scanRecord(row interface{ Scan(...any) error }) (domain.MedicalRecord, error) {
	return newRecordScanner().scan(row)
}

// recordScanner reads rows of recordColumns. A list scans all its rows with one, so that a
// row allocates little more than the strings it holds: the destinations are reused, and the
// optional texts are copied into blocks shared by many records.
type recordScanner struct {
	r                           domain.MedicalRecord
	date                        dbDate
	created, updated, voided    dbTime
	prescription, notes, reason sql.NullString
	source                      sql.NullString
	voidedBy, visitID           sql.NullInt64
	dest                        []any
	texts                       textBlocks
}

func newRecordScanner() *recordScanner {
	s := &recordScanner{}
	s.dest = []any{&s.r.ID, &s.r.PatientID, &s.r.Diagnosis, &s.prescription, &s.r.DoctorName, &s.date, &s.notes, &s.r.Version,
		&s.created, &s.updated, &s.voided, &s.voidedBy, &s.reason, &s.source, &s.visitID}
	return s
}

func (s *recordScanner) scan(row interface{ Scan(...any) error }) (domain.MedicalRecord, error) {
	s.r, s.voided = domain.MedicalRecord{}, dbTime{}
	err := row.Scan(s.dest...)
	r := s.r
	r.Source, r.VisitID = s.source.String, nullableID(s.visitID)
	r.RecordDate, r.CreatedAt, r.UpdatedAt = string(s.date), s.created.Time, s.updated.Time
	r.Prescription, r.Notes = s.texts.copy(s.prescription.String, s.prescription.Valid), s.texts.copy(s.notes.String, s.notes.Valid)
	if !s.voided.IsZero() {
		at := s.voided.Time
		r.VoidedAt, r.VoidedBy, r.VoidReason = &at, nullableID(s.voidedBy), nullable(s.reason)
	}
	return r, err
}

// textBlocks hands out pointers to copies of optional texts, allocated in blocks that
// many records or patients share instead of one allocation each.
type textBlocks []string

// textBlock is how many texts a block holds.
const textBlock = 64

// copy returns a pointer to a copy of v, or nil when it is not valid (NULL).
func (b *textBlocks) copy(v string, valid bool) *string {
	if !valid {
		return nil
	}
	if len(*b) == cap(*b) {
		*b = make(textBlocks, 0, textBlock)
	}
	*b = append(*b, v)
	return &(*b)[len(*b)-1]
}

// CreateRecord inserts a medical record, with its first version, and returns it as stored.
func (s *Store) CreateRecord(ctx context.Context, r domain.MedicalRecord) (domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out, err := writeRow(ctx, s, func(tx *sql.Tx) (domain.MedicalRecord, error) {
		if _, err := s.requireActivePatient(ctx, tx, r.PatientID, s.dialect.shareRows()); err != nil {
			return r, err
		}
		if err := s.requireUnsignedVisit(ctx, tx, r.VisitID, r.PatientID); err != nil {
			return r, err
		}
		now := s.dialect.timeArg(time.Now())
		err := tx.QueryRowContext(ctx, `INSERT INTO medical_record (patient_id, visit_id, diagnosis, prescription, doctor_name,
			record_date, notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			r.PatientID, r.VisitID, r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, r.Notes, now).Scan(&r.ID)
		if err != nil {
			return r, err
		}
		r.Version = 1
		if err := s.addRecordVersion(ctx, tx, r); err != nil {
			return r, err
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourceRecord, ResourceID: r.ID, PatientID: r.PatientID}); err != nil {
			return r, err
		}
		return s.recordIn(ctx, tx, r.ID)
	})
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return r, err
	case s.dialect.isForeignKeyViolation(err):
		return r, noSuchPatient(r.PatientID)
	case err != nil:
		return r, fmt.Errorf("store: create medical record: %w", err)
	}
	return out, nil
}

// recordIn reads record id back inside tx, as a write has just left it.
func (s *Store) recordIn(ctx context.Context, tx *sql.Tx, id int64) (domain.MedicalRecord, error) {
	r, err := scanRecord(tx.QueryRowContext(ctx, `SELECT `+s.recordColumns()+recordFrom+` WHERE r.id = $1`, id))
	if err != nil {
		return r, fmt.Errorf("read the medical record back: %w", err)
	}
	return r, nil
}

// addRecordVersion keeps r, as it now is, as version r.Version of the record.
func (s *Store) addRecordVersion(ctx context.Context, tx *sql.Tx, r domain.MedicalRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO medical_record_version (record_id, version, diagnosis, prescription,
		doctor_name, record_date, notes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.Version, r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, r.Notes, actorID(ctx), s.dialect.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("keep record version: %w", err)
	}
	return nil
}

// Record returns the medical record with the given id, unless it has been voided.
func (s *Store) Record(ctx context.Context, id int64) (domain.MedicalRecord, error) {
	return s.record(ctx, id, " AND r.voided_at IS NULL")
}

// AnyRecord returns the medical record with the given id, voided or not.
func (s *Store) AnyRecord(ctx context.Context, id int64) (domain.MedicalRecord, error) {
	return s.record(ctx, id, "")
}

func (s *Store) record(ctx context.Context, id int64, cond string) (domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	r, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT `+s.recordColumns()+recordFrom+` WHERE r.id = $1`+cond, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.NotFound("medical record", id)
	}
	if err != nil {
		return r, fmt.Errorf("store: get medical record: %w", err)
	}
	return r, nil
}

// PatientRecords returns the records of a patient, newest first; voided ones only when asked.
func (s *Store) PatientRecords(ctx context.Context, patientID int64, includeVoided bool) ([]domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.patientRecords(ctx, includeVoided, "", []any{patientID}, 0)
}

// PatientRecordsPage returns one page of the records of a patient, newest first (by record
// date, then id), from the cursor of the page before; voided ones only when asked. It reads
// the rows of the page from the index on (patient_id, record_date, id) and counts nothing.
func (s *Store) PatientRecordsPage(ctx context.Context, patientID int64, includeVoided bool, limit int, cursor string) (Page[domain.MedicalRecord], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var page Page[domain.MedicalRecord]
	args := []any{patientID}
	var cond string
	if cursor != "" {
		c, err := decodeCursor(cursor, 2)
		if err != nil {
			return page, err
		}
		day := c[0]
		if day < 0 || day > 99991231 {
			return page, domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass the next_cursor of a previous page")
		}
		args = append(args, fmt.Sprintf("%04d-%02d-%02d", day/10000, day/100%100, day%100), c[1])
		cond = " AND (r.record_date < $2 OR (r.record_date = $2 AND r.id < $3))"
	}
	var err error
	if page.Items, err = s.patientRecords(ctx, includeVoided, cond, args, limit+1); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		day, err := strconv.ParseInt(strings.ReplaceAll(last.RecordDate, "-", ""), 10, 64)
		if err != nil {
			return page, fmt.Errorf("store: list medical records: record date %q: %w", last.RecordDate, err)
		}
		page.NextCursor = encodeCursor(day, last.ID)
	}
	return page, nil
}

// patientRecords runs the query of the records of a patient, newest first, with the
// condition after (the position of a page) and at most limit rows (0: all); args are the
// query's arguments, the patient's id first.
func (s *Store) patientRecords(ctx context.Context, includeVoided bool, after string, args []any, limit int) ([]domain.MedicalRecord, error) {
	cond := " AND r.voided_at IS NULL"
	if includeVoided {
		cond = ""
	}
	tail := ""
	if limit > 0 {
		args = append(args, limit)
		tail = " LIMIT $" + strconv.Itoa(len(args))
	}
	query := `SELECT ` + s.recordColumns() + ` FROM medical_record r WHERE r.patient_id = $1` + cond + after + `
		ORDER BY r.record_date DESC, r.id DESC` + tail
	out := []domain.MedicalRecord{}
	rows, err := s.reader(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list medical records: %w", err)
	}
	defer rows.Close()
	scanner := newRecordScanner()
	for rows.Next() {
		r, err := scanner.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list medical records: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordFilter selects a page of medical records that are not voided, of active patients,
// ordered by id.
type RecordFilter struct {
	PatientID int64
	// WithDiagnosis leaves out records imported from a MedicationRequest, which hold a
	// prescription and no diagnosis of their own.
	WithDiagnosis bool
	// WithPrescription keeps only records that have a prescription.
	WithPrescription bool
	Limit            int
	Cursor           string
}

// Records returns one page of medical records matching f.
func (s *Store) Records(ctx context.Context, f RecordFilter) (Page[domain.MedicalRecord], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		conds = []string{"r.voided_at IS NULL"}
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.PatientID != 0 {
		conds = append(conds, "r.patient_id = "+arg(f.PatientID))
	}
	if f.WithDiagnosis {
		conds = append(conds, "(r.source IS NULL OR r.source NOT LIKE "+arg(domain.SourceMedicationRequest+"%")+")")
	}
	if f.WithPrescription {
		conds = append(conds, "r.prescription IS NOT NULL")
	}
	var page Page[domain.MedicalRecord]
	filter, filterArgs := conds, args
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 1)
		if err != nil {
			return page, err
		}
		conds = append(conds, "r.id > "+arg(c[0]))
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+s.recordColumns()+recordFrom+where(conds)+` ORDER BY r.id LIMIT `+arg(f.Limit+1), args...)
	if err != nil {
		return page, fmt.Errorf("store: list medical records: %w", err)
	}
	defer rows.Close()
	page.Items = make([]domain.MedicalRecord, 0, f.Limit)
	scanner := newRecordScanner()
	for rows.Next() {
		r, err := scanner.scan(rows)
		if err != nil {
			return page, fmt.Errorf("store: list medical records: %w", err)
		}
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: list medical records: %w", err)
	}
	page, err = pageOf(ctx, s, page.Items, f.Limit, f.Cursor, matches{table: "medical_record", from: recordTables, id: "r.id",
		conds: filter, args: filterArgs, narrowed: len(filter) > 1},
		func(last domain.MedicalRecord) string { return encodeCursor(last.ID) })
	if err != nil {
		return page, fmt.Errorf("store: count medical records: %w", err)
	}
	return page, nil
}

// AmendRecord applies c to a record that is not voided as a new version, keeping every
// earlier version, and returns the record as stored.
func (s *Store) AmendRecord(ctx context.Context, id int64, c domain.RecordChanges) (domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out, err := writeRow(ctx, s, func(tx *sql.Tx) (domain.MedicalRecord, error) {
		cur, err := scanRecord(tx.QueryRowContext(ctx, `SELECT `+s.recordColumns()+recordFrom+`
			WHERE r.id = $1 AND r.voided_at IS NULL`+s.dialect.lockRows("r"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return cur, domain.NotFound("medical record", id)
		}
		if err != nil {
			return cur, err
		}
		if c.IfVersion != 0 && c.IfVersion != cur.Version {
			return cur, stale("medical record", id, cur.Version)
		}
		next := c.Apply(cur)
		next.Version = cur.Version + 1
		_, err = tx.ExecContext(ctx, `UPDATE medical_record SET diagnosis = $1, prescription = $2, doctor_name = $3,
			record_date = $4, notes = $5, version = $6, updated_at = $7 WHERE id = $8`,
			next.Diagnosis, next.Prescription, next.DoctorName, next.RecordDate, next.Notes, next.Version,
			s.dialect.timeArg(time.Now()), id)
		if err != nil {
			return next, err
		}
		if err := s.addRecordVersion(ctx, tx, next); err != nil {
			return next, err
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceRecord, ResourceID: id, PatientID: cur.PatientID}); err != nil {
			return next, err
		}
		return s.recordIn(ctx, tx, id)
	})
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return domain.MedicalRecord{}, err
	case err != nil:
		return domain.MedicalRecord{}, fmt.Errorf("store: amend medical record: %w", err)
	}
	return out, nil
}

// VoidRecord is the original API's DELETE of a record, without losing it: the record is
// marked void (when, by whom, why) and normal reads stop returning it.
func (s *Store) VoidRecord(ctx context.Context, id int64, reason string) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	now := s.dialect.timeArg(time.Now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var patientID int64
		err := tx.QueryRowContext(ctx, `UPDATE medical_record SET voided_at = $1, voided_by = $2, void_reason = $3,
			updated_at = $1, version = version + 1
			WHERE id = $4 AND voided_at IS NULL AND patient_id IN (SELECT id FROM patient WHERE active) RETURNING patient_id`,
			now, actorID(ctx), reason, id).Scan(&patientID)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.NotFound("medical record", id)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionDelete, ResourceType: domain.ResourceRecord, ResourceID: id, PatientID: patientID})
	})
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: void medical record: %w", err)
	}
	return err
}

// RecordVersions returns every version of a record, oldest first.
func (s *Store) RecordVersions(ctx context.Context, id int64) ([]domain.RecordVersion, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT version, diagnosis, prescription, doctor_name, record_date, notes,
		created_by, created_at FROM medical_record_version WHERE record_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("store: record history: %w", err)
	}
	defer rows.Close()
	out := []domain.RecordVersion{}
	for rows.Next() {
		var (
			v                   domain.RecordVersion
			date                dbDate
			prescription, notes sql.NullString
			by                  sql.NullInt64
			at                  dbTime
		)
		if err := rows.Scan(&v.Version, &v.Diagnosis, &prescription, &v.DoctorName, &date, &notes, &by, &at); err != nil {
			return nil, fmt.Errorf("store: record history: %w", err)
		}
		v.RecordDate, v.Prescription, v.Notes, v.CreatedBy, v.CreatedAt = string(date), nullable(prescription), nullable(notes), nullableID(by), at.Time
		out = append(out, v)
	}
	return out, rows.Err()
}
