package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hms-project/hms/internal/domain"
)

// PatientFootprint counts what a purge of the patient would erase.
type PatientFootprint struct {
	PatientID      int64 `json:"patient_id"`
	Appointments   int64 `json:"appointments"`
	StatusChanges  int64 `json:"appointment_status_changes"`
	Records        int64 `json:"medical_records"`
	RecordVersions int64 `json:"medical_record_versions"`
}

// patientData lists, child tables first, every row that belongs to a patient: the order
// in which a purge deletes them. A new table that holds patient data belongs here.
var patientData = []struct{ table, where string }{
	{"notification", "patient_id = $1"},
	{"contact_preference", "patient_id = $1"},
	{"appointment_status_history", "appointment_id IN (SELECT id FROM appointment WHERE patient_id = $1)"},
	{"medication_stop", "record_id IN (SELECT id FROM medical_record WHERE patient_id = $1)"},
	{"medical_record_version", "record_id IN (SELECT id FROM medical_record WHERE patient_id = $1)"},
	{"medical_record", "patient_id = $1"},
	{"vital_sign", "patient_id = $1"},
	{"allergy", "patient_id = $1"},
	{"problem", "patient_id = $1"},
	{"visit_addendum", "visit_id IN (SELECT id FROM visit WHERE patient_id = $1)"},
	{"visit_version", "visit_id IN (SELECT id FROM visit WHERE patient_id = $1)"},
	{"visit", "patient_id = $1"},
	{"appointment", "patient_id = $1"},
	{"patient_name_word", "patient_id = $1"}, // the words of the name, for the search
	{"patient", "id = $1"},
}

// Footprint returns what a purge of the patient (active or deactivated) would erase.
func (s *Store) Footprint(ctx context.Context, id int64) (PatientFootprint, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.footprint(ctx, s.db, id)
}

func (s *Store) footprint(ctx context.Context, q querier, id int64) (PatientFootprint, error) {
	f := PatientFootprint{PatientID: id}
	if err := s.patientExists(ctx, q, id); err != nil {
		return f, err
	}
	counts := map[string]*int64{"appointment_status_history": &f.StatusChanges, "appointment": &f.Appointments,
		"medical_record_version": &f.RecordVersions, "medical_record": &f.Records}
	for _, d := range patientData {
		if n, ok := counts[d.table]; ok {
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+d.table+` WHERE `+d.where, id).Scan(n); err != nil {
				return f, fmt.Errorf("store: count %s: %w", d.table, err)
			}
		}
	}
	return f, nil
}

func (s *Store) patientExists(ctx context.Context, q querier, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM patient WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound("patient", id)
	}
	return err
}

// PurgePatient erases a patient (active or deactivated) and everything of theirs from
// every table, in one transaction, for a lawful erasure request. It returns what it erased.
// Unlike everything else in HMS this loses data on purpose; only admins may call it.
func (s *Store) PurgePatient(ctx context.Context, id int64) (PatientFootprint, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var f PatientFootprint
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Claim the patient's row first, as bookings and moves do, so a purge and a move of
		// one of the patient's appointments take turns instead of deadlocking.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM patient WHERE id = $1`+s.dialect.claimRows(), id); err != nil {
			return fmt.Errorf("store: purge: claim patient: %w", err)
		}
		var err error
		if f, err = s.footprint(ctx, tx, id); err != nil {
			return err
		}
		// The patients merged into this one keep their own data, and lose only the link.
		if _, err := tx.ExecContext(ctx, `UPDATE patient SET replaced_by = NULL WHERE replaced_by = $1`, id); err != nil {
			return fmt.Errorf("store: purge: merged patients: %w", err)
		}
		for _, d := range patientData {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+d.table+` WHERE `+d.where, id); err != nil {
				return fmt.Errorf("store: purge %s: %w", d.table, err)
			}
		}
		// The audit trail keeps its events of the patient: they hold ids only.
		return s.audit(ctx, tx, Event{Action: domain.ActionPurge, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id})
	})
	return f, err
}
