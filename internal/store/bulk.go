package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Bulk loading is for `hms seed`: it writes many rows at once, the fast way for each
// database (COPY on PostgreSQL, multi-row INSERTs on SQLite), and skips the per-row
// checks of the API, so its input must already be valid.

// sqliteRowsPerInsert keeps a multi-row INSERT well under SQLite's limit of 32,766 parameters.
const sqliteRowsPerInsert = 500

// BulkInsertPatients inserts ps, sets each one's ID and gives those without a medical
// record number the one CreatePatient would: HMS- and the id in six or more digits.
func (s *Store) BulkInsertPatients(ctx context.Context, ps []domain.Patient) error {
	cols := []string{"id", "mrn", "name", "email", "date_of_birth", "phone", "phone_key", "address", "blood_group", "gender", "created_at", "updated_at"}
	err := s.bulkWrite(ctx, "patient", cols, len(ps), true, func(ids []int64) ([][]any, error) {
		now := s.dialect.timeArg(time.Now())
		rows := make([][]any, len(ps))
		for i := range ps {
			p := &ps[i]
			p.ID = ids[i]
			if p.MRN == "" {
				p.MRN = fmt.Sprintf("HMS-%06d", p.ID)
			}
			dob, err := s.dialect.bulkDateArg(p.DateOfBirth)
			if err != nil {
				return nil, err
			}
			rows[i] = []any{p.ID, p.MRN, p.Name, emailArg(p.Email), dob, p.Phone, phoneKeyArg(p.Phone), p.Address, p.BloodGroup, p.Gender, now, now}
		}
		return rows, nil
	})
	if s.dialect.isUniqueViolation(err) {
		return &domain.Error{Code: domain.CodeConflict, Message: "store: bulk insert patients: an email or MRN is already registered (load with another seed)"}
	}
	if err != nil {
		return fmt.Errorf("store: bulk insert patients: %w", err)
	}
	return nil
}

// BulkInsertAppointments inserts as, each with the first entry of its status history.
// The caller guarantees what CreateAppointment checks: no doctor and no patient is booked
// twice at once.
func (s *Store) BulkInsertAppointments(ctx context.Context, as []domain.Appointment) error {
	cols := []string{"id", "patient_id", "doctor_id", "appointment_datetime", "duration_minutes", "end_datetime", "status",
		"reason", "notes", "created_at", "updated_at"}
	err := s.bulkWrite(ctx, "appointment", cols, len(as), true, func(ids []int64) ([][]any, error) {
		rows := make([][]any, len(as))
		for i := range as {
			a := &as[i]
			a.ID = ids[i]
			if a.Duration == 0 {
				a.Duration = domain.DefaultDuration
			}
			a.End = a.Start.Add(time.Duration(a.Duration) * time.Minute)
			created := s.dialect.timeArg(a.CreatedAt)
			rows[i] = []any{a.ID, a.PatientID, a.DoctorID, s.dialect.timeArg(a.Start), a.Duration, s.dialect.timeArg(a.End), a.Status,
				a.Reason, a.Notes, created, created}
		}
		return rows, nil
	})
	if err != nil {
		return fmt.Errorf("store: bulk insert appointments: %w", err)
	}
	cols = []string{"appointment_id", "from_status", "to_status", "reason", "changed_at"}
	err = s.bulkWrite(ctx, "appointment_status_history", cols, len(as), false, func([]int64) ([][]any, error) {
		rows := make([][]any, len(as))
		for i, a := range as {
			rows[i] = []any{a.ID, nil, a.Status, "loaded by hms seed", s.dialect.timeArg(a.CreatedAt)}
		}
		return rows, nil
	})
	if err != nil {
		return fmt.Errorf("store: bulk insert appointment history: %w", err)
	}
	return nil
}

// BulkInsertRecords inserts rs, each with its first version.
func (s *Store) BulkInsertRecords(ctx context.Context, rs []domain.MedicalRecord) error {
	cols := []string{"id", "patient_id", "diagnosis", "prescription", "doctor_name", "record_date", "notes", "created_at", "updated_at"}
	err := s.bulkWrite(ctx, "medical_record", cols, len(rs), true, func(ids []int64) ([][]any, error) {
		rows := make([][]any, len(rs))
		for i := range rs {
			r := &rs[i]
			r.ID, r.Version = ids[i], 1
			date, err := s.dialect.bulkDateArg(r.RecordDate)
			if err != nil {
				return nil, err
			}
			created := s.dialect.timeArg(r.CreatedAt)
			rows[i] = []any{r.ID, r.PatientID, r.Diagnosis, r.Prescription, r.DoctorName, date, r.Notes, created, created}
		}
		return rows, nil
	})
	if err != nil {
		return fmt.Errorf("store: bulk insert medical records: %w", err)
	}
	cols = []string{"record_id", "version", "diagnosis", "prescription", "doctor_name", "record_date", "notes", "created_at"}
	err = s.bulkWrite(ctx, "medical_record_version", cols, len(rs), false, func([]int64) ([][]any, error) {
		rows := make([][]any, len(rs))
		for i, r := range rs {
			date, _ := s.dialect.bulkDateArg(r.RecordDate)
			rows[i] = []any{r.ID, 1, r.Diagnosis, r.Prescription, r.DoctorName, date, r.Notes, s.dialect.timeArg(r.CreatedAt)}
		}
		return rows, nil
	})
	if err != nil {
		return fmt.Errorf("store: bulk insert medical record versions: %w", err)
	}
	return nil
}

// bulkWrite writes n rows into table, all or none (see dialect.bulkLoad). With withIDs,
// build receives n newly reserved ids for the rows' id column.
func (s *Store) bulkWrite(ctx context.Context, table string, cols []string, n int, withIDs bool, build func(ids []int64) ([][]any, error)) error {
	if n == 0 {
		return nil
	}
	return s.dialect.bulkLoad(ctx, s.db, table, cols, func(q querier) ([][]any, error) {
		var ids []int64
		if withIDs {
			var err error
			if ids, err = s.dialect.reserveIDs(ctx, q, table, n); err != nil {
				return nil, err
			}
		}
		return build(ids)
	})
}

// insertRows writes rows into table in multi-row INSERTs.
func insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	var stmt *sql.Stmt
	for start := 0; start < len(rows); start += sqliteRowsPerInsert {
		chunk := rows[start:min(start+sqliteRowsPerInsert, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if len(chunk) < sqliteRowsPerInsert {
			_, err := tx.ExecContext(ctx, multiRowInsert(table, cols, len(chunk), false), args...)
			return err
		}
		if stmt == nil {
			var err error
			if stmt, err = tx.PrepareContext(ctx, multiRowInsert(table, cols, len(chunk), false)); err != nil {
				return err
			}
			defer stmt.Close()
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// multiRowInsert returns INSERT INTO table (cols) VALUES (?, ...), (...), ... for n rows,
// with PostgreSQL's numbered parameters ($1, $2, ...) when numbered is set. SQLite gets
// anonymous ? parameters: binding numbered $N parameters looks each name up in a list,
// which makes a statement with thousands of them quadratic.
func multiRowInsert(table string, cols []string, n int, numbered bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			if numbered {
				b.WriteString("$" + strconv.Itoa(i*len(cols)+j+1))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// AfterBulkLoad brings the planner's statistics and PostgreSQL's indexes up to date after
// a bulk load, as autovacuum would some time later: without it, the first minutes of
// searches scan the GIN indexes' pending lists (every trigram COPY added, unsorted) and
// plans rest on no statistics at all (19 searches/s instead of 250 at 100,000 patients).
func (s *Store) AfterBulkLoad(ctx context.Context) error {
	q := s.dialect.afterBulkLoad()
	if q == "" {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("store: vacuum after bulk load: %w", err)
	}
	return nil
}
