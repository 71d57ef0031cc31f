package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Import creates the doctors that do not exist yet (matched by normalised name) and
// creates or updates each patient (matched by MRN) and their records (matched by patient
// and source), in one transaction: either all of it is written or, on any error, none of it.
func (s *Store) Import(ctx context.Context, doctors []domain.Doctor, items []domain.PatientImport) ([]domain.ImportedDoctor, []domain.ImportResult, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	results := make([]domain.ImportResult, len(items))
	docs := make([]domain.ImportedDoctor, len(doctors))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, d := range doctors {
			res, err := s.importDoctor(ctx, tx, d)
			if err != nil {
				return err
			}
			docs[i] = res
		}
		for i, it := range items {
			res, err := s.importPatient(ctx, tx, it)
			if err != nil {
				return err
			}
			results[i] = res
			if err := s.audit(ctx, tx, Event{Action: domain.ActionImport, ResourceType: domain.ResourcePatient, ResourceID: res.PatientID, PatientID: res.PatientID}); err != nil {
				return err
			}
			for _, rid := range res.RecordIDs {
				if err := s.audit(ctx, tx, Event{Action: domain.ActionImport, ResourceType: domain.ResourceRecord, ResourceID: rid, PatientID: res.PatientID}); err != nil {
					return err
				}
			}

		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return docs, results, nil
}

// importDoctor finds the doctor with d's normalised name, or creates one.
func (s *Store) importDoctor(ctx context.Context, tx *sql.Tx, d domain.Doctor) (domain.ImportedDoctor, error) {
	var res domain.ImportedDoctor
	err := tx.QueryRowContext(ctx, `SELECT id FROM doctor WHERE name_key = $1`, domain.DoctorKey(d.Name)).Scan(&res.ID)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		if err != nil {
			return res, fmt.Errorf("store: import doctor: %w", err)
		}
		return res, nil
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO doctor (name, name_key, specialty, working_hours, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		d.Name, domain.DoctorKey(d.Name), d.Specialty, hoursArg(d.WorkingHours), d.Active, s.dialect.timeArg(time.Now())).Scan(&res.ID)
	if err != nil {
		return res, fmt.Errorf("store: import doctor: %w", err)
	}
	res.Created = true
	return res, nil
}

func (s *Store) importPatient(ctx context.Context, tx *sql.Tx, it domain.PatientImport) (domain.ImportResult, error) {
	var res domain.ImportResult
	p := it.Patient
	now := s.dialect.timeArg(time.Now())
	var (
		id         int64
		replacedBy sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, replaced_by FROM patient WHERE mrn = $1`, p.MRN).Scan(&id, &replacedBy)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created, err := s.insertPatient(ctx, tx, p)
		if err != nil {
			return res, err
		}
		res.PatientID, res.PatientCreated = created.ID, true
	case err != nil:
		return res, fmt.Errorf("store: import patient: %w", err)
	case replacedBy.Valid:
		// A patient merged into another: what the bundle holds goes to the survivor, whose
		// details were kept by the merge and stay as they are.
		res.PatientID = replacedBy.Int64
	default:
		// The imported data is the newer word on what it carries; an email, blood group or gender that
		// the import does not have is kept. Nothing changes (not even the version) when the
		// patient is as imported.
		res.PatientID = id
		_, err := tx.ExecContext(ctx, `UPDATE patient SET name = $1, email = COALESCE($2, email), date_of_birth = $3,
			phone = $4, phone_key = $5, address = $6, blood_group = COALESCE($7, blood_group),
			gender = COALESCE($10, gender), updated_at = $8, version = version + 1
			WHERE id = $9 AND NOT (name = $1 AND date_of_birth = $3 AND `+same("email", "COALESCE($2, email)")+` AND `+same("phone", "$4")+`
			AND `+same("address", "$6")+` AND `+same("blood_group", "COALESCE($7, blood_group)")+`
			AND `+same("gender", "COALESCE($10, gender)")+`)`,
			p.Name, emailArg(p.Email), p.DateOfBirth, p.Phone, phoneKeyArg(p.Phone), p.Address, p.BloodGroup, now, id, p.Gender)
		if s.dialect.isUniqueViolation(err) {
			return res, patientConflict(err, p.Email)
		}
		if err != nil {
			return res, fmt.Errorf("store: import patient: %w", err)
		}
	}
	visits, err := s.importChart(ctx, tx, res.PatientID, it, &res)
	if err != nil {
		return res, err
	}
	for _, r := range it.Records {
		r.VisitID = visits[r.VisitSource]
		id, created, err := s.importRecord(ctx, tx, res.PatientID, r)
		if err != nil {
			return res, err
		}
		res.RecordIDs = append(res.RecordIDs, id)
		res.RecordCreated = append(res.RecordCreated, created)
	}
	return res, nil
}

// importRecord creates the record that came from r.Source, or amends it as a new version
// when the import changed it. A voided record stays voided.
func (s *Store) importRecord(ctx context.Context, tx *sql.Tx, patientID int64, r domain.MedicalRecord) (int64, bool, error) {
	r.PatientID = patientID
	cur, err := scanRecord(tx.QueryRowContext(ctx, `SELECT `+s.recordColumns()+` FROM medical_record r
		WHERE r.patient_id = $1 AND r.source = $2`, patientID, r.Source))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		now := s.dialect.timeArg(time.Now())
		err = tx.QueryRowContext(ctx, `INSERT INTO medical_record (patient_id, visit_id, diagnosis, prescription, doctor_name,
			record_date, notes, created_at, updated_at, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id`,
			patientID, r.VisitID, r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, r.Notes, now, r.Source).Scan(&r.ID)
		if err != nil {
			return 0, false, fmt.Errorf("store: import medical record: %w", err)
		}
		r.Version = 1
		if err := s.addRecordVersion(ctx, tx, r); err != nil {
			return 0, false, fmt.Errorf("store: import medical record: %w", err)
		}
		return r.ID, true, nil
	case err != nil:
		return 0, false, fmt.Errorf("store: import medical record: %w", err)
	}
	if cur.VoidedAt != nil || sameRecord(cur, r) {
		return cur.ID, false, nil
	}
	r.ID, r.Version = cur.ID, cur.Version+1
	_, err = tx.ExecContext(ctx, `UPDATE medical_record SET diagnosis = $1, prescription = $2, doctor_name = $3, record_date = $4,
		notes = $5, version = $6, updated_at = $7 WHERE id = $8`,
		r.Diagnosis, r.Prescription, r.DoctorName, r.RecordDate, r.Notes, r.Version, s.dialect.timeArg(time.Now()), r.ID)
	if err == nil {
		err = s.addRecordVersion(ctx, tx, r)
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: import medical record: %w", err)
	}
	return r.ID, false, nil
}

// sameRecord reports whether an import would leave a record as it is.
func sameRecord(a, b domain.MedicalRecord) bool {
	eq := func(x, y *string) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	return a.Diagnosis == b.Diagnosis && a.DoctorName == b.DoctorName && a.RecordDate == b.RecordDate &&
		eq(a.Prescription, b.Prescription) && eq(a.Notes, b.Notes)
}

// same is SQL that holds when column equals value, NULLs included.
func same(column, value string) string {
	return "(" + column + " = " + value + " OR (" + column + " IS NULL AND " + value + " IS NULL))"
}
