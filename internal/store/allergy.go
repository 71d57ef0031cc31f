package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

func (s *Store) allergyColumns() string {
	t := s.dialect.storedTime
	return `l.id, l.patient_id, l.substance, l.code, l.category, l.reaction, l.severity, l.criticality, l.clinical_status,
		l.no_known, ` + t("l.onset_date") + `, l.recorded_by, l.version, ` + t("l.created_at") + `, ` + t("l.updated_at") + `, l.source`
}

// allergyFrom joins each allergy to its patient: those of a deactivated patient are hidden.
const allergyFrom = ` FROM allergy l JOIN patient p ON p.id = l.patient_id AND p.active`

func scanAllergy(row interface{ Scan(...any) error }) (domain.Allergy, error) {
	var (
		a                                                       domain.Allergy
		code, category, reaction, severity, criticality, source sql.NullString
		onset                                                   sql.Null[dbDate]
		by                                                      sql.NullInt64
		created, updated                                        dbTime
	)
	err := row.Scan(&a.ID, &a.PatientID, &a.Substance, &code, &category, &reaction, &severity, &criticality, &a.ClinicalStatus,
		&a.NoKnown, &onset, &by, &a.Version, &created, &updated, &source)
	a.Code, a.Category, a.Reaction, a.Severity, a.Criticality = nullable(code), nullable(category), nullable(reaction), nullable(severity), nullable(criticality)
	a.OnsetDate, a.RecordedBy, a.CreatedAt, a.UpdatedAt, a.Source = datePtr(onset), nullableID(by), created.Time, updated.Time, source.String
	return a, err
}

func datePtr(d sql.Null[dbDate]) *string {
	if !d.Valid {
		return nil
	}
	v := string(d.V)
	return &v
}

// CreateAllergy records an allergy, or the statement that the patient has no known
// allergies. The two exclude each other: an active allergy refutes the statement (which
// becomes inactive), and the statement is refused while an allergy is active.
func (s *Store) CreateAllergy(ctx context.Context, a domain.Allergy) (domain.Allergy, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.requireActivePatient(ctx, tx, a.PatientID, s.dialect.claimRows()); err != nil {
			return err
		}
		if a.NoKnown {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM allergy WHERE patient_id = $1 AND clinical_status = 'active'
				AND NOT no_known`, a.PatientID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return domain.Errorf(domain.CodeConflict, "the patient has %d active allergies; mark them inactive or resolved first", n)
			}
			var existing int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM allergy WHERE patient_id = $1 AND no_known AND clinical_status = 'active'`,
				a.PatientID).Scan(&existing)
			if err == nil {
				a.ID = existing // stated already: stating it again changes nothing
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		} else if a.ClinicalStatus == "active" {
			if err := s.refuteNoKnownAllergies(ctx, tx, a.PatientID); err != nil {
				return err
			}
		}
		id, err := s.insertAllergy(ctx, tx, a, domain.ActionCreate)
		a.ID = id
		return err
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: create allergy: %w", err)
		}
		return a, err
	}
	return s.Allergy(ctx, a.ID)
}

// refuteNoKnownAllergies marks an active "no known allergies" of the patient inactive.
func (s *Store) refuteNoKnownAllergies(ctx context.Context, tx *sql.Tx, patientID int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, `UPDATE allergy SET clinical_status = 'inactive', version = version + 1, updated_at = $1
		WHERE patient_id = $2 AND no_known AND clinical_status = 'active' RETURNING id`,
		s.dialect.timeArg(time.Now()), patientID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceAllergy, ResourceID: id, PatientID: patientID})
}

func (s *Store) insertAllergy(ctx context.Context, tx *sql.Tx, a domain.Allergy, action string) (int64, error) {
	now := s.dialect.timeArg(time.Now())
	err := tx.QueryRowContext(ctx, `INSERT INTO allergy (patient_id, substance, code, category, reaction, severity, criticality,
		clinical_status, no_known, onset_date, recorded_by, source, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
		a.PatientID, a.Substance, a.Code, a.Category, a.Reaction, a.Severity, a.Criticality, a.ClinicalStatus, a.NoKnown,
		a.OnsetDate, actorID(ctx), nullString(a.Source), now).Scan(&a.ID)
	if err != nil {
		return 0, fmt.Errorf("insert allergy: %w", err)
	}
	return a.ID, s.audit(ctx, tx, Event{Action: action, ResourceType: domain.ResourceAllergy, ResourceID: a.ID, PatientID: a.PatientID})
}

// Allergy returns one allergy.
func (s *Store) Allergy(ctx context.Context, id int64) (domain.Allergy, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return one(ctx, s.db, "allergy", `SELECT `+s.allergyColumns()+allergyFrom+` WHERE l.id = $1`, id, scanAllergy)
}

// AllergyFilter selects allergies of active patients.
type AllergyFilter struct {
	PatientID      int64
	ClinicalStatus string
	Statuses       []string // any of these clinical statuses; nil for any
	Limit          int      // for AllergyPage
	Cursor         string
}

func (s *Store) allergyQuery(f AllergyFilter) chartQuery {
	q := chartQuery{what: "allergies", columns: s.allergyColumns(), table: "allergy", from: allergyFrom, id: "l.id"}
	if f.PatientID != 0 {
		q.where("l.patient_id = %s", f.PatientID)
	}
	if f.ClinicalStatus != "" {
		q.where("l.clinical_status = %s", f.ClinicalStatus)
	}
	if f.Statuses != nil {
		q.whereIn("l.clinical_status", f.Statuses)
	}
	return q
}

// Allergies returns every allergy matching f, in id order.
func (s *Store) Allergies(ctx context.Context, f AllergyFilter) ([]domain.Allergy, error) {
	return list(ctx, s, s.allergyQuery(f), "l.id", scanAllergy)
}

// AllergyPage returns one page of the allergies matching f.
func (s *Store) AllergyPage(ctx context.Context, f AllergyFilter) (Page[domain.Allergy], error) {
	return page(ctx, s, s.allergyQuery(f), f.Limit, f.Cursor, scanAllergy, func(a domain.Allergy) int64 { return a.ID })
}

// UpdateAllergy applies c to an allergy and returns it as stored.
func (s *Store) UpdateAllergy(ctx context.Context, id int64, c domain.AllergyChanges) (domain.Allergy, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := one(ctx, tx, "allergy", `SELECT `+s.allergyColumns()+allergyFrom+` WHERE l.id = $1`+s.dialect.lockRows("l"), id, scanAllergy)
		if err != nil {
			return err
		}
		if c.IfVersion != 0 && c.IfVersion != cur.Version {
			return stale("allergy", id, cur.Version)
		}
		if cur.NoKnown && (c.Substance != nil || c.Reaction.Set || c.Severity.Set || c.Critic.Set || c.Category.Set || c.Code.Set) {
			return domain.Errorf(domain.CodeConflict, "allergy %d states that there are no known allergies; only its clinical_status can change", id)
		}
		next := c.Apply(cur)
		if !cur.NoKnown && next.ClinicalStatus == "active" && cur.ClinicalStatus != "active" {
			if err := s.refuteNoKnownAllergies(ctx, tx, cur.PatientID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE allergy SET substance = $1, code = $2, category = $3, reaction = $4, severity = $5,
			criticality = $6, clinical_status = $7, onset_date = $8, version = version + 1, updated_at = $9 WHERE id = $10`,
			next.Substance, next.Code, next.Category, next.Reaction, next.Severity, next.Criticality, next.ClinicalStatus,
			next.OnsetDate, s.dialect.timeArg(time.Now()), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceAllergy, ResourceID: id, PatientID: cur.PatientID})
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: update allergy: %w", err)
		}
		return domain.Allergy{}, err
	}
	return s.Allergy(ctx, id)
}
