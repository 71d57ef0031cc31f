package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/hms-project/hms/internal/domain"
)

// pgxRecords runs a query of recordColumns on PostgreSQL through pgx itself rather than
// database/sql, which boxes every value of every row in an interface and converts it again
// into its destination: for the 500 records of a long history that is half the work.
func pgxRecords(ctx context.Context, db *sql.DB, query string, args []any, out []domain.MedicalRecord) ([]domain.MedicalRecord, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return out, err
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		rows, err := driverConn.(*stdlib.Conn).Conn().Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			r                           domain.MedicalRecord
			date                        time.Time
			voided                      pgtype.Timestamptz
			prescription, notes, reason pgtype.Text
			source                      pgtype.Text
			voidedBy                    pgtype.Int8
			texts                       textBlocks
		)
		dest := []any{&r.ID, &r.PatientID, &r.Diagnosis, &prescription, &r.DoctorName, &date, &notes, &r.Version,
			&r.CreatedAt, &r.UpdatedAt, &voided, &voidedBy, &reason, &source}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			rec := r
			rec.RecordDate = date.Format(domain.DateLayout)
			rec.CreatedAt, rec.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
			rec.Prescription = texts.copy(prescription.String, prescription.Valid)
			rec.Notes, rec.Source = texts.copy(notes.String, notes.Valid), source.String
			if voided.Valid {
				at := voided.Time.UTC()
				rec.VoidedAt, rec.VoidReason = &at, texts.copy(reason.String, reason.Valid)
				if voidedBy.Valid {
					by := voidedBy.Int64
					rec.VoidedBy = &by
				}
			}
			out = append(out, rec)
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("pgx: %w", err)
	}
	return out, nil
}
