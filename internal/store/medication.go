package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// PatientMedications returns the patient's medication list: the prescriptions of their
// medical records that are not voided, newest first, the stopped ones only when asked.
func (s *Store) PatientMedications(ctx context.Context, patientID int64, includeStopped bool) ([]domain.Medication, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	cond := ""
	if !includeStopped {
		cond = " AND m.record_id IS NULL"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.patient_id, r.visit_id, r.prescription, r.diagnosis, r.doctor_name, `+
		s.dialect.storedTime("r.record_date")+`, `+s.dialect.storedTime("m.stopped_on")+`, m.reason, m.stopped_by
		FROM medical_record r JOIN patient p ON p.id = r.patient_id AND p.active
		LEFT JOIN medication_stop m ON m.record_id = r.id
		WHERE r.patient_id = $1 AND r.voided_at IS NULL AND r.prescription IS NOT NULL`+cond+`
		ORDER BY r.record_date DESC, r.id DESC`, patientID)
	if err != nil {
		return nil, fmt.Errorf("store: list medications: %w", err)
	}
	defer rows.Close()
	out := []domain.Medication{}
	for rows.Next() {
		var (
			m         domain.Medication
			visit, by sql.NullInt64
			started   dbDate
			stopped   sql.Null[dbDate]
			reason    sql.NullString
		)
		if err := rows.Scan(&m.RecordID, &m.PatientID, &visit, &m.Prescription, &m.Diagnosis, &m.DoctorName, &started, &stopped,
			&reason, &by); err != nil {
			return nil, fmt.Errorf("store: list medications: %w", err)
		}
		m.VisitID, m.StartedOn, m.StoppedOn, m.StopReason, m.StoppedBy = nullableID(visit), string(started), datePtr(stopped), nullable(reason), nullableID(by)
		m.Status = "active"
		if m.StoppedOn != nil {
			m.Status = "stopped"
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// StopMedication stops the prescription of a record on date, for reason. The date may not
// come before the prescription's.
func (s *Store) StopMedication(ctx context.Context, recordID int64, date, reason string) (domain.Medication, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var patientID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			started      dbDate
			prescription sql.NullString
			stopped      int
		)
		err := tx.QueryRowContext(ctx, `SELECT r.patient_id, `+s.dialect.storedTime("r.record_date")+`, r.prescription,
			(SELECT count(*) FROM medication_stop m WHERE m.record_id = r.id)
			FROM medical_record r JOIN patient p ON p.id = r.patient_id AND p.active
			WHERE r.id = $1 AND r.voided_at IS NULL`+s.dialect.lockRows("r"), recordID).Scan(&patientID, &started, &prescription, &stopped)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return domain.NotFound("medication", recordID)
		case err != nil:
			return err
		case !prescription.Valid:
			return domain.Errorf(domain.CodeNotFound, "medical record %d has no prescription, so no medication to stop", recordID)
		case stopped > 0:
			return domain.Errorf(domain.CodeConflict, "the medication of record %d is already stopped", recordID)
		case date < string(started):
			return fieldError("date", "must not be before the prescription's date ("+string(started)+")")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO medication_stop (record_id, stopped_on, reason, stopped_by, created_at)
			VALUES ($1, $2, $3, $4, $5)`, recordID, date, reason, actorID(ctx), s.dialect.timeArg(time.Now())); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceRecord, ResourceID: recordID, PatientID: patientID})
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: stop medication: %w", err)
		}
		return domain.Medication{}, err
	}
	meds, err := s.PatientMedications(ctx, patientID, true)
	if err != nil {
		return domain.Medication{}, err
	}
	for _, m := range meds {
		if m.RecordID == recordID {
			return m, nil
		}
	}
	return domain.Medication{}, domain.NotFound("medication", recordID)
}
