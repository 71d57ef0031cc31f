package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// ImportPatients creates or updates each patient (matched by MRN) and their records
// (matched by patient and source) in one transaction: either all of it is written or,
// on any error, none of it.
func (s *Store) ImportPatients(ctx context.Context, items []domain.PatientImport) ([]domain.ImportResult, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	results := make([]domain.ImportResult, len(items))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, it := range items {
			res, err := s.importPatient(ctx, tx, it)
			if err != nil {
				return err
			}
			results[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func (s *Store) importPatient(ctx context.Context, tx *sql.Tx, it domain.PatientImport) (domain.ImportResult, error) {
	var res domain.ImportResult
	p := it.Patient
	now := s.dialect.timeArg(time.Now())
	err := tx.QueryRowContext(ctx, `SELECT id FROM patient WHERE mrn = $1`, p.MRN).Scan(&res.PatientID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created, err := s.insertPatient(ctx, tx, p)
		if err != nil {
			return res, err
		}
		res.PatientID, res.PatientCreated = created.ID, true
	case err != nil:
		return res, fmt.Errorf("store: import patient: %w", err)
	default:
		// The imported data is the newer word on what it carries; an email that the import
		// does not have is kept.
		_, err := tx.ExecContext(ctx, `UPDATE patient SET name = $1, email = COALESCE($2, email), date_of_birth = $3,
			phone = $4, address = $5, blood_group = COALESCE($6, blood_group), updated_at = $7 WHERE id = $8`,
			p.Name, emailArg(p.Email), p.DateOfBirth, p.Phone, p.Address, p.BloodGroup, now, res.PatientID)
		if s.dialect.isUniqueViolation(err) {
			return res, patientConflict(err, p.Email)
		}
		if err != nil {
			return res, fmt.Errorf("store: import patient: %w", err)
		}
	}
	for _, r := range it.Records {
		id, created, err := s.importRecord(ctx, tx, res.PatientID, r)
		if err != nil {
			return res, err
		}
		res.RecordIDs = append(res.RecordIDs, id)
		res.RecordCreated = append(res.RecordCreated, created)
	}
	return res, nil
}

func (s *Store) importRecord(ctx context.Context, tx *sql.Tx, patientID int64, r domain.MedicalRecord) (int64, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM medical_record WHERE patient_id = $1 AND source = $2`, patientID, r.Source).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO medical_record (patient_id, diagnosis, prescription, doctor_name, record_date, notes, created_at, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			patientID, r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, r.Notes, s.dialect.timeArg(time.Now()), r.Source).Scan(&id)
		if err != nil {
			return 0, false, fmt.Errorf("store: import medical record: %w", err)
		}
		return id, true, nil
	case err != nil:
		return 0, false, fmt.Errorf("store: import medical record: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE medical_record SET diagnosis = $1, prescription = $2, doctor_name = $3, record_date = $4 WHERE id = $5`,
		r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, id)
	if err != nil {
		return 0, false, fmt.Errorf("store: import medical record: %w", err)
	}
	return id, false, nil
}
