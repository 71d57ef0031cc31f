package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

func (s *Store) vitalColumns() string {
	t := s.dialect.storedTime
	return `g.id, g.patient_id, g.visit_id, g.code, g.value, g.value2, ` + t("g.effective_at") + `, g.recorded_by, ` +
		t("g.created_at") + `, g.source`
}

// vitalFrom joins each vital sign to its patient: those of a deactivated patient are hidden.
const vitalFrom = ` FROM vital_sign g JOIN patient p ON p.id = g.patient_id AND p.active`

func scanVital(row interface{ Scan(...any) error }) (domain.VitalSign, error) {
	var (
		v                  domain.VitalSign
		visit, by          sql.NullInt64
		value2             sql.NullFloat64
		effective, created dbTime
		source             sql.NullString
	)
	err := row.Scan(&v.ID, &v.PatientID, &visit, &v.Code, &v.Value, &value2, &effective, &by, &created, &source)
	v.VisitID, v.RecordedBy, v.EffectiveAt, v.CreatedAt, v.Source = nullableID(visit), nullableID(by), effective.Time, created.Time, source.String
	if value2.Valid {
		d := value2.Float64
		v.Diastolic = &d
	}
	v.Describe()
	return v, err
}

// RecordVitals stores measurements taken together and returns them as stored. When they
// include a weight, the BMI is computed with the height among them or else the patient's
// latest height, and stored too; its warning, if any, is returned.
func (s *Store) RecordVitals(ctx context.Context, vitals []domain.VitalSign) ([]domain.VitalSign, *domain.VitalWarning, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if len(vitals) == 0 {
		return nil, nil, domain.Errorf(domain.CodeInvalid, "no measurement to record")
	}
	var (
		warning *domain.VitalWarning
		ids     []int64
	)
	patientID := vitals[0].PatientID
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.requireActivePatient(ctx, tx, patientID, s.dialect.shareRows()); err != nil {
			return err
		}
		if err := s.requireUnsignedVisit(ctx, tx, vitals[0].VisitID, patientID); err != nil {
			return err
		}
		var weight *domain.VitalSign
		height := 0.0
		for i, v := range vitals {
			switch v.Code {
			case domain.VitalWeight.Code:
				weight = &vitals[i]
			case domain.VitalHeight.Code:
				height = v.Value
			}
		}
		if weight != nil && height == 0 {
			err := tx.QueryRowContext(ctx, `SELECT value FROM vital_sign WHERE patient_id = $1 AND code = $2
				ORDER BY effective_at DESC, id DESC LIMIT 1`, patientID, domain.VitalHeight.Code).Scan(&height)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if weight != nil && height > 0 {
			var bmi domain.VitalSign
			bmi, warning = domain.BMI(*weight, height)
			vitals = append(vitals, bmi)
		}
		for _, v := range vitals {
			id, err := s.insertVital(ctx, tx, v, domain.ActionCreate)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: record vitals: %w", err)
		}
		return nil, nil, err
	}
	out := make([]domain.VitalSign, 0, len(ids))
	for _, id := range ids {
		v, err := s.VitalSign(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	return out, warning, nil
}

// insertVital inserts one vital sign and audits it as action.
func (s *Store) insertVital(ctx context.Context, tx *sql.Tx, v domain.VitalSign, action string) (int64, error) {
	k, _ := domain.VitalKindByCode(v.Code)
	err := tx.QueryRowContext(ctx, `INSERT INTO vital_sign (patient_id, visit_id, code, value, value2, unit, effective_at,
		recorded_by, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		v.PatientID, v.VisitID, v.Code, v.Value, v.Diastolic, k.Unit, s.dialect.timeArg(v.EffectiveAt), actorID(ctx), nullString(v.Source),
		s.dialect.timeArg(time.Now())).Scan(&v.ID)
	if err != nil {
		return 0, fmt.Errorf("insert vital sign: %w", err)
	}
	return v.ID, s.audit(ctx, tx, Event{Action: action, ResourceType: domain.ResourceVitalSign, ResourceID: v.ID, PatientID: v.PatientID})
}

// VitalSign returns one vital sign.
func (s *Store) VitalSign(ctx context.Context, id int64) (domain.VitalSign, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return one(ctx, s.db, "vital sign", `SELECT `+s.vitalColumns()+vitalFrom+` WHERE g.id = $1`, id, scanVital)
}

// VitalFilter selects vital signs of active patients.
type VitalFilter struct {
	PatientID int64
	VisitID   int64
	Codes     []string  // LOINC codes; any of them
	From, To  time.Time // From inclusive, To exclusive; zero means open
	Limit     int       // for VitalPage
	Cursor    string
}

func (s *Store) vitalQuery(f VitalFilter) chartQuery {
	q := chartQuery{what: "vital signs", columns: s.vitalColumns(), table: "vital_sign", from: vitalFrom, id: "g.id"}
	if f.PatientID != 0 {
		q.where("g.patient_id = %s", f.PatientID)
	}
	if f.VisitID != 0 {
		q.where("g.visit_id = %s", f.VisitID)
	}
	if f.Codes != nil {
		q.whereIn("g.code", f.Codes)
	}
	if !f.From.IsZero() {
		q.where("g.effective_at >= %s", s.dialect.timeArg(f.From))
	}
	if !f.To.IsZero() {
		q.where("g.effective_at < %s", s.dialect.timeArg(f.To))
	}
	return q
}

// VitalSigns returns every vital sign matching f, by time then id: a trend.
func (s *Store) VitalSigns(ctx context.Context, f VitalFilter) ([]domain.VitalSign, error) {
	return list(ctx, s, s.vitalQuery(f), "g.effective_at, g.id", scanVital)
}

// VitalPage returns one page of the vital signs matching f, in id order.
func (s *Store) VitalPage(ctx context.Context, f VitalFilter) (Page[domain.VitalSign], error) {
	return page(ctx, s, s.vitalQuery(f), f.Limit, f.Cursor, scanVital, func(v domain.VitalSign) int64 { return v.ID })
}
