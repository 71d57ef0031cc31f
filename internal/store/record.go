package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

const recordColumns = "id, patient_id, diagnosis, prescription, doctor_name, record_date, notes, created_at"

func scanRecord(row interface{ Scan(...any) error }) (domain.MedicalRecord, error) {
	var (
		r                   domain.MedicalRecord
		date                dbDate
		created             dbTime
		prescription, notes sql.NullString
	)
	err := row.Scan(&r.ID, &r.PatientID, &r.Diagnosis, &prescription, &r.DoctorName, &date, &notes, &created)
	r.RecordDate, r.CreatedAt = string(date), created.Time
	r.Prescription, r.Notes = nullable(prescription), nullable(notes)
	return r, err
}

// CreateRecord inserts a medical record and returns it as stored.
func (s *Store) CreateRecord(ctx context.Context, r domain.MedicalRecord) (domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out domain.MedicalRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanRecord(tx.QueryRowContext(ctx, `INSERT INTO medical_record (patient_id, diagnosis, prescription, doctor_name, record_date, notes, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+recordColumns,
			r.PatientID, r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, r.Notes, s.dialect.timeArg(time.Now())))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourceRecord, ResourceID: out.ID, PatientID: out.PatientID})
	})
	if s.dialect.isForeignKeyViolation(err) {
		return out, noSuchPatient(r.PatientID)
	}
	if err != nil {
		return out, fmt.Errorf("store: create medical record: %w", err)
	}
	return out, nil
}

// Record returns the medical record with the given id.
func (s *Store) Record(ctx context.Context, id int64) (domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	r, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM medical_record WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.NotFound("medical record", id)
	}
	if err != nil {
		return r, fmt.Errorf("store: get medical record: %w", err)
	}
	return r, nil
}

// PatientRecords returns every record of a patient, newest first.
func (s *Store) PatientRecords(ctx context.Context, patientID int64) ([]domain.MedicalRecord, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM medical_record WHERE patient_id = $1
		ORDER BY record_date DESC, id DESC`, patientID)
	if err != nil {
		return nil, fmt.Errorf("store: list medical records: %w", err)
	}
	defer rows.Close()
	out := []domain.MedicalRecord{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list medical records: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRecord removes the medical record.
func (s *Store) DeleteRecord(ctx context.Context, id int64) error {
	return s.deleteByID(ctx, "medical_record", "patient_id", id)
}
