package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// MergeResult says what a merge moved from the merged patient to the survivor.
type MergeResult struct {
	Merged   domain.Patient   `json:"merged"`   // deactivated, replaced_by the survivor
	Survivor domain.Patient   `json:"survivor"` // who holds everything now
	Moved    map[string]int64 `json:"moved"`    // rows moved, by table
}

// mergedTables are the tables of patientData whose rows name their patient in patient_id
// and simply change hands in a merge. The rows below them (status history, record versions,
// addenda, stops) follow their parent; contact_preference has one row per patient and is
// settled on its own; patient_name_word is the merged patient's own name; an emergency
// access was declared for the merged patient and opens no other chart.
func mergedTables() []string {
	var out []string
	for _, d := range patientData {
		if d.where == "patient_id = $1" && d.table != "contact_preference" && d.table != "patient_name_word" && d.table != "emergency_access" {
			out = append(out, d.table)
		}
	}
	return out
}

// MergePatient merges patient from into patient into, in one transaction: every
// appointment (with its history and messages), medical record, visit, vital sign, allergy
// and problem of from moves to into (its emergency accesses stay: they were declared for
// from); into keeps its own contact preference, or takes from's when it has none; from is
// deactivated with replaced_by naming into, and patients
// merged into from before now name into (replaced_by always names the end of the chain).
// Both patients' audit events are written with the change.
//
// Nothing moves when the two hold appointments at overlapping times: the conflict lists
// every pair, as the no-double-booking rule of a patient must keep holding. Merging a
// patient into itself is invalid; either patient deactivated (or merged) is a conflict.
func (s *Store) MergePatient(ctx context.Context, from, into int64) (MergeResult, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	res := MergeResult{Moved: map[string]int64{}}
	if from == into {
		return res, &domain.Error{Code: domain.CodeInvalid, Message: "a patient cannot be merged into themselves",
			Fields: map[string]string{"into": "must name another patient"}}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Claim both patients in id order, as bookings claim a patient first: a merge takes
		// turns with bookings, moves and deactivations of either, and with a merge the other way.
		first, second := min(from, into), max(from, into)
		for _, id := range []int64{first, second} {
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM patient WHERE id = $1`+s.dialect.claimRows(), id); err != nil {
				return fmt.Errorf("store: merge: claim patient: %w", err)
			}
		}
		if err := s.mergeable(ctx, tx, from, "patient"); err != nil {
			return err
		}
		if err := s.mergeable(ctx, tx, into, "into"); err != nil {
			return err
		}
		if err := s.mergeClashes(ctx, tx, from, into); err != nil {
			return err
		}
		now := s.dialect.timeArg(time.Now())
		for _, table := range mergedTables() {
			set := "patient_id = $1"
			if table == "appointment" {
				// A new version: a client holding the old one must read it again.
				set += ", version = version + 1, updated_at = $3"
			}
			q := `UPDATE ` + table + ` SET ` + set + ` WHERE patient_id = $2`
			args := []any{into, from}
			if table == "appointment" {
				args = append(args, now)
			}
			r, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("store: merge %s: %w", table, err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Moved[table] = n
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contact_preference SET patient_id = $1 WHERE patient_id = $2
			AND NOT EXISTS (SELECT 1 FROM contact_preference WHERE patient_id = $1)`, into, from); err != nil {
			return fmt.Errorf("store: merge contact preference: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contact_preference WHERE patient_id = $1`, from); err != nil {
			return fmt.Errorf("store: merge contact preference: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patient SET replaced_by = $1, updated_at = $2, version = version + 1
			WHERE replaced_by = $3`, into, now, from); err != nil {
			return fmt.Errorf("store: merge: follow the chain: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patient SET active = FALSE, deactivated_at = $1, updated_at = $1,
			replaced_by = $2, version = version + 1 WHERE id = $3`, now, into, from); err != nil {
			return fmt.Errorf("store: merge: deactivate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patient SET updated_at = $1, version = version + 1 WHERE id = $2`, now, into); err != nil {
			return fmt.Errorf("store: merge: survivor: %w", err)
		}
		for _, id := range []int64{from, into} {
			if err := s.audit(ctx, tx, Event{Action: domain.ActionMerge, ResourceType: domain.ResourcePatient, ResourceID: from, PatientID: id}); err != nil {
				return err
			}
		}
		var err error
		if res.Merged, err = s.patientIn(ctx, tx, from); err != nil {
			return err
		}
		res.Survivor, err = s.patientIn(ctx, tx, into)
		return err
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return res, err
		}
		if s.dialect.isExclusionViolation(err) {
			return res, domain.Errorf(domain.CodeConflict, "a concurrent booking took an overlapping slot; nothing was merged; try again")
		}
		return res, fmt.Errorf("store: merge patients: %w", err)
	}
	return res, nil
}

// mergeable checks, in tx, that patient id exists and is active; field names it in the error.
func (s *Store) mergeable(ctx context.Context, tx *sql.Tx, id int64, field string) error {
	p, err := s.patientIn(ctx, tx, id)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && field == "into" {
			return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("no patient with id %d to merge into", id),
				Fields: map[string]string{"into": fmt.Sprintf("no patient with id %d", id)}}
		}
		return err
	}
	if p.Active {
		return nil
	}
	if err := s.mergedError(ctx, tx, p); err != nil {
		return err
	}
	return domain.Errorf(domain.CodeConflict, "patient %d (%s) is deactivated; restore them before a merge", p.ID, p.MRN)
}

// mergedError is the conflict for a write to patient p when p was merged into another:
// it names the survivor; nil when p was not merged.
func (s *Store) mergedError(ctx context.Context, q querier, p domain.Patient) error {
	if p.ReplacedBy == nil {
		return nil
	}
	var mrn string
	if err := q.QueryRowContext(ctx, `SELECT mrn FROM patient WHERE id = $1`, *p.ReplacedBy).Scan(&mrn); err != nil {
		return fmt.Errorf("store: read the survivor of a merge: %w", err)
	}
	return &domain.Error{Code: domain.CodeConflict,
		Message: fmt.Sprintf("patient %d (%s) was merged into patient %d (%s); use that patient", p.ID, p.MRN, *p.ReplacedBy, mrn),
		Details: map[string]any{"replaced_by": *p.ReplacedBy, "replaced_by_mrn": mrn}}
}

// mergeClashes returns the conflict listing every pair of appointments of from and into
// that hold overlapping slots; nil when there is none.
func (s *Store) mergeClashes(ctx context.Context, tx *sql.Tx, from, into int64) error {
	held := func(alias string) string {
		return strings.NewReplacer("deleted_at", alias+".deleted_at", "status", alias+".status").Replace(slotHeld)
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.appointment_datetime, a.end_datetime, b.id, b.appointment_datetime, b.end_datetime
		FROM appointment a JOIN appointment b ON b.patient_id = $2 AND `+held("b")+`
			AND b.appointment_datetime < a.end_datetime AND b.end_datetime > a.appointment_datetime
		WHERE a.patient_id = $1 AND `+held("a")+` ORDER BY a.appointment_datetime, a.id, b.id LIMIT 100`, from, into)
	if err != nil {
		return fmt.Errorf("store: merge: check the appointments: %w", err)
	}
	defer rows.Close()
	var clashes []map[string]any
	for rows.Next() {
		var (
			aID, bID                   int64
			aStart, aEnd, bStart, bEnd dbTime
		)
		if err := rows.Scan(&aID, &aStart, &aEnd, &bID, &bStart, &bEnd); err != nil {
			return fmt.Errorf("store: merge: check the appointments: %w", err)
		}
		clashes = append(clashes, map[string]any{"appointment_id": aID, "start": aStart.Time, "end": aEnd.Time,
			"survivor_appointment_id": bID, "clash_start": bStart.Time, "clash_end": bEnd.Time})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: merge: check the appointments: %w", err)
	}
	if len(clashes) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.CodeConflict,
		Message: fmt.Sprintf("%d appointments of the two patients overlap; cancel or move one of each pair first; nothing was merged", len(clashes)),
		Details: map[string]any{"conflicts": clashes}}
}

// patientIn reads patient id (active or not) inside tx.
func (s *Store) patientIn(ctx context.Context, q querier, id int64) (domain.Patient, error) {
	return one(ctx, q, "patient", `SELECT `+s.patientColumns()+` FROM patient WHERE id = $1`, id, scanPatient)
}

// RestorePatient makes a deactivated patient active again, with its audit event. The
// appointments that the deactivation cancelled stay cancelled. An active patient, and a
// merged one (whose data now belongs to the survivor: restoring it would bring back an
// empty duplicate), is a conflict.
func (s *Store) RestorePatient(ctx context.Context, id int64) (domain.Patient, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return writeRow(ctx, s, func(tx *sql.Tx) (domain.Patient, error) {
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM patient WHERE id = $1`+s.dialect.claimRows(), id); err != nil {
			return domain.Patient{}, fmt.Errorf("store: restore: claim patient: %w", err)
		}
		p, err := s.patientIn(ctx, tx, id)
		if err != nil {
			return p, err
		}
		if p.Active {
			return p, domain.Errorf(domain.CodeConflict, "patient %d (%s) is active; there is nothing to restore", p.ID, p.MRN)
		}
		if err := s.mergedError(ctx, tx, p); err != nil {
			var de *domain.Error
			if errors.As(err, &de) {
				de.Message += "; a merge is not undone by a restore"
			}
			return p, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patient SET active = TRUE, deactivated_at = NULL, updated_at = $1,
			version = version + 1 WHERE id = $2`, s.dialect.timeArg(time.Now()), id); err != nil {
			return p, fmt.Errorf("store: restore patient: %w", err)
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionRestore, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id}); err != nil {
			return p, err
		}
		return s.patientIn(ctx, tx, id)
	})
}

// PatientsReplacedBy returns the ids of the patients merged into patient id, oldest first:
// FHIR's Patient.link replaces.
func (s *Store) PatientsReplacedBy(ctx context.Context, id int64) ([]int64, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM patient WHERE replaced_by = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: merged patients: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: merged patients: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
