package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

func (s *Store) problemColumns() string {
	t := s.dialect.storedTime
	return `c.id, c.patient_id, c.visit_id, c.description, c.code, c.clinical_status, ` + t("c.onset_date") + `, ` +
		t("c.abatement_date") + `, c.recorded_by, c.version, ` + t("c.created_at") + `, ` + t("c.updated_at") + `, c.source`
}

// problemFrom joins each problem to its patient: those of a deactivated patient are hidden.
const problemFrom = ` FROM problem c JOIN patient p ON p.id = c.patient_id AND p.active`

func scanProblem(row interface{ Scan(...any) error }) (domain.Problem, error) {
	var (
		c                domain.Problem
		visit, by        sql.NullInt64
		code, source     sql.NullString
		onset, abatement sql.Null[dbDate]
		created, updated dbTime
	)
	err := row.Scan(&c.ID, &c.PatientID, &visit, &c.Description, &code, &c.ClinicalStatus, &onset, &abatement, &by, &c.Version,
		&created, &updated, &source)
	c.VisitID, c.Code, c.OnsetDate, c.AbatementDate = nullableID(visit), nullable(code), datePtr(onset), datePtr(abatement)
	c.RecordedBy, c.CreatedAt, c.UpdatedAt, c.Source = nullableID(by), created.Time, updated.Time, source.String
	return c, err
}

// CreateProblem adds a problem to a patient's list.
func (s *Store) CreateProblem(ctx context.Context, c domain.Problem) (domain.Problem, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.requireActivePatient(ctx, tx, c.PatientID, s.dialect.shareRows()); err != nil {
			return err
		}
		if err := s.requireUnsignedVisit(ctx, tx, c.VisitID, c.PatientID); err != nil {
			return err
		}
		id, err := s.insertProblem(ctx, tx, c, domain.ActionCreate)
		c.ID = id
		return err
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: create problem: %w", err)
		}
		return c, err
	}
	return s.Problem(ctx, c.ID)
}

func (s *Store) insertProblem(ctx context.Context, tx *sql.Tx, c domain.Problem, action string) (int64, error) {
	now := s.dialect.timeArg(time.Now())
	err := tx.QueryRowContext(ctx, `INSERT INTO problem (patient_id, visit_id, description, code, clinical_status, onset_date,
		abatement_date, recorded_by, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
		c.PatientID, c.VisitID, c.Description, c.Code, c.ClinicalStatus, c.OnsetDate, c.AbatementDate, actorID(ctx), nullString(c.Source), now).Scan(&c.ID)
	if err != nil {
		return 0, fmt.Errorf("insert problem: %w", err)
	}
	return c.ID, s.audit(ctx, tx, Event{Action: action, ResourceType: domain.ResourceProblem, ResourceID: c.ID, PatientID: c.PatientID})
}

// Problem returns one problem.
func (s *Store) Problem(ctx context.Context, id int64) (domain.Problem, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return one(ctx, s.db, "problem", `SELECT `+s.problemColumns()+problemFrom+` WHERE c.id = $1`, id, scanProblem)
}

// ProblemFilter selects problems of active patients.
type ProblemFilter struct {
	PatientID      int64
	ClinicalStatus string
	Statuses       []string // any of these clinical statuses; nil for any
	Limit          int      // for ProblemPage
	Cursor         string
}

func (s *Store) problemQuery(f ProblemFilter) chartQuery {
	q := chartQuery{what: "problems", columns: s.problemColumns(), table: "problem", from: problemFrom, id: "c.id"}
	if f.PatientID != 0 {
		q.where("c.patient_id = %s", f.PatientID)
	}
	if f.ClinicalStatus != "" {
		q.where("c.clinical_status = %s", f.ClinicalStatus)
	}
	if f.Statuses != nil {
		q.whereIn("c.clinical_status", f.Statuses)
	}
	return q
}

// Problems returns every problem matching f, in id order.
func (s *Store) Problems(ctx context.Context, f ProblemFilter) ([]domain.Problem, error) {
	return list(ctx, s, s.problemQuery(f), "c.id", scanProblem)
}

// ProblemPage returns one page of the problems matching f.
func (s *Store) ProblemPage(ctx context.Context, f ProblemFilter) (Page[domain.Problem], error) {
	return page(ctx, s, s.problemQuery(f), f.Limit, f.Cursor, scanProblem, func(p domain.Problem) int64 { return p.ID })
}

// UpdateProblem applies c to a problem and returns it as stored.
func (s *Store) UpdateProblem(ctx context.Context, id int64, ch domain.ProblemChanges) (domain.Problem, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := one(ctx, tx, "problem", `SELECT `+s.problemColumns()+problemFrom+` WHERE c.id = $1`+s.dialect.lockRows("c"), id, scanProblem)
		if err != nil {
			return err
		}
		if ch.IfVersion != 0 && ch.IfVersion != cur.Version {
			return stale("problem", id, cur.Version)
		}
		next := ch.Apply(cur)
		if err := next.CheckDates(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE problem SET description = $1, code = $2, clinical_status = $3, onset_date = $4,
			abatement_date = $5, version = version + 1, updated_at = $6 WHERE id = $7`,
			next.Description, next.Code, next.ClinicalStatus, next.OnsetDate, next.AbatementDate, s.dialect.timeArg(time.Now()), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceProblem, ResourceID: id, PatientID: cur.PatientID})
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: update problem: %w", err)
		}
		return domain.Problem{}, err
	}
	return s.Problem(ctx, id)
}
