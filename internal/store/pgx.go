package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/hms-project/hms/internal/domain"
)

// pgxQuery runs a query on PostgreSQL through pgx itself rather than database/sql, which
// boxes every value of every row in an interface and converts it again into its
// destination: for a list that is half the work of reading it. scan reads each row.
func pgxQuery(ctx context.Context, db *sql.DB, query string, args []any, scan func(pgx.Rows) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		rows, err := driverConn.(*stdlib.Conn).Conn().Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("pgx: %w", err)
	}
	return nil
}

// pgxRecords runs a query of recordColumns on PostgreSQL through pgx and appends its
// records to out.
func pgxRecords(ctx context.Context, db *sql.DB, query string, args []any, out []domain.MedicalRecord) ([]domain.MedicalRecord, error) {
	var (
		r                           domain.MedicalRecord
		date                        time.Time
		voided                      pgtype.Timestamptz
		prescription, notes, reason pgtype.Text
		source                      pgtype.Text
		voidedBy, visitID           pgtype.Int8
		texts                       textBlocks
	)
	dest := []any{&r.ID, &r.PatientID, &r.Diagnosis, &prescription, &r.DoctorName, &date, &notes, &r.Version,
		&r.CreatedAt, &r.UpdatedAt, &voided, &voidedBy, &reason, &source, &visitID}
	err := pgxQuery(ctx, db, query, args, func(rows pgx.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		rec := r
		rec.RecordDate = date.Format(domain.DateLayout)
		rec.CreatedAt, rec.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		rec.Prescription = texts.copy(prescription.String, prescription.Valid)
		rec.Notes, rec.Source = texts.copy(notes.String, notes.Valid), source.String
		if visitID.Valid {
			v := visitID.Int64
			rec.VisitID = &v
		}
		if voided.Valid {
			at := voided.Time.UTC()
			rec.VoidedAt, rec.VoidReason = &at, texts.copy(reason.String, reason.Valid)
			if voidedBy.Valid {
				by := voidedBy.Int64
				rec.VoidedBy = &by
			}
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// pgxPatients runs a query of patientColumns on PostgreSQL through pgx and appends its
// patients to out. rows is how many the query returns at most, to size the block that
// holds their optional texts.
func pgxPatients(ctx context.Context, db *sql.DB, query string, args []any, rows int, out []domain.Patient) ([]domain.Patient, error) {
	var (
		p                         domain.Patient
		dob                       time.Time
		deactivated               pgtype.Timestamptz
		email, phone, addr, blood pgtype.Text
	)
	texts := make(textBlocks, 0, 3*rows)
	dest := []any{&p.ID, &p.MRN, &p.Name, &email, &dob, &phone, &addr, &blood, &p.Active, &deactivated, &p.Version,
		&p.CreatedAt, &p.UpdatedAt}
	err := pgxQuery(ctx, db, query, args, func(r pgx.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		patient := p
		patient.Email, patient.DateOfBirth = email.String, dob.Format(domain.DateLayout)
		patient.Phone, patient.Address = texts.copy(phone.String, phone.Valid), texts.copy(addr.String, addr.Valid)
		patient.BloodGroup = texts.copy(blood.String, blood.Valid)
		patient.CreatedAt, patient.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		if deactivated.Valid {
			at := deactivated.Time.UTC()
			patient.DeactivatedAt = &at
		}
		out = append(out, patient)
		return nil
	})
	return out, err
}
