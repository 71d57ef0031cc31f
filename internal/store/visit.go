package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// visitColumns are the columns of a visit that scanVisit reads, from the table aliased v.
func (s *Store) visitColumns() string {
	t := s.dialect.storedTime
	return `v.id, v.patient_id, v.appointment_id, v.doctor_id, v.status, ` + t("v.started_at") + `, ` + t("v.ended_at") +
		`, v.reason, v.findings, v.assessment, v.plan, ` + t("v.signed_at") + `, v.signed_by, v.version, v.created_by, ` +
		t("v.created_at") + `, ` + t("v.updated_at") + `, v.source`
}

// visitFrom joins each visit to its patient: visits of a deactivated patient are hidden.
const visitFrom = ` FROM visit v JOIN patient p ON p.id = v.patient_id AND p.active`

func scanVisit(row interface{ Scan(...any) error }) (domain.Visit, error) {
	var (
		v                                  domain.Visit
		appt, doctor, signedBy, createdBy  sql.NullInt64
		started, ended, signed, created    dbTime
		updated                            dbTime
		reason, findings, assessment, plan sql.NullString
		source                             sql.NullString
	)
	err := row.Scan(&v.ID, &v.PatientID, &appt, &doctor, &v.Status, &started, &ended, &reason, &findings, &assessment, &plan,
		&signed, &signedBy, &v.Version, &createdBy, &created, &updated, &source)
	v.AppointmentID, v.DoctorID, v.SignedBy, v.CreatedBy = nullableID(appt), nullableID(doctor), nullableID(signedBy), nullableID(createdBy)
	v.StartedAt, v.EndedAt, v.SignedAt = started.Time, timePtr(ended), timePtr(signed)
	v.CreatedAt, v.UpdatedAt, v.Source = created.Time, updated.Time, source.String
	v.Reason, v.Findings, v.Assessment, v.Plan = nullable(reason), nullable(findings), nullable(assessment), nullable(plan)
	return v, err
}

func timePtr(t dbTime) *time.Time {
	if t.IsZero() {
		return nil
	}
	at := t.Time
	return &at
}

// CreateVisit opens a visit: a walk-in, or one for an appointment of the patient that has
// been checked in and has no visit yet.
func (s *Store) CreateVisit(ctx context.Context, v domain.Visit) (domain.Visit, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.requireActivePatient(ctx, tx, v.PatientID, s.dialect.shareRows()); err != nil {
			return err
		}
		if v.AppointmentID != nil {
			a, err := s.lockAppointment(ctx, tx, *v.AppointmentID)
			if domain.ErrorCode(err) == domain.CodeNotFound {
				return fieldError("appointment_id", fmt.Sprintf("no appointment with id %d", *v.AppointmentID))
			}
			if err != nil {
				return err
			}
			if a.PatientID != v.PatientID {
				return fieldError("appointment_id", fmt.Sprintf("appointment %d is not of patient %d", a.ID, v.PatientID))
			}
			if a.Status != domain.StatusCheckedIn && a.Status != domain.StatusInProgress {
				return domain.Errorf(domain.CodeConflict, "appointment %d is %s; a visit opens when the patient is checked in", a.ID, a.Status)
			}
			if existing, err := s.visitOfAppointment(ctx, tx, a.ID); err != nil || existing != 0 {
				if err == nil {
					err = &domain.Error{Code: domain.CodeConflict, Message: fmt.Sprintf("appointment %d already has visit %d", a.ID, existing),
						Details: map[string]any{"visit_id": existing}}
				}
				return err
			}
			if v.DoctorID == nil {
				v.DoctorID = &a.DoctorID
			}
		}
		id, err := s.insertVisit(ctx, tx, v, domain.ActionCreate)
		v.ID = id
		return err
	})
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return v, err
	case s.dialect.isForeignKeyViolation(err):
		return v, fieldError("doctor_id", fmt.Sprintf("no doctor with id %d", deref64(v.DoctorID)))
	case err != nil:
		return v, fmt.Errorf("store: create visit: %w", err)
	}
	return s.Visit(ctx, v.ID)
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// insertVisit inserts a visit (open unless it says otherwise) with the first version of its
// note, and audits it as action.
func (s *Store) insertVisit(ctx context.Context, tx *sql.Tx, v domain.Visit, action string) (int64, error) {
	now := time.Now()
	if v.StartedAt.IsZero() {
		v.StartedAt = now
	}
	if v.Status == "" {
		v.Status = domain.VisitOpen
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO visit (patient_id, appointment_id, doctor_id, status, started_at, ended_at, reason,
		findings, assessment, plan, source, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
		v.PatientID, v.AppointmentID, v.DoctorID, v.Status, s.dialect.timeArg(v.StartedAt), s.timeOrNil(v.EndedAt),
		v.Reason, v.Findings, v.Assessment, v.Plan, nullString(v.Source), actorID(ctx), s.dialect.timeArg(now)).Scan(&v.ID)
	if err != nil {
		return 0, err
	}
	v.Version = 1
	if err := s.addVisitVersion(ctx, tx, v); err != nil {
		return 0, err
	}
	return v.ID, s.audit(ctx, tx, Event{Action: action, ResourceType: domain.ResourceVisit, ResourceID: v.ID, PatientID: v.PatientID})
}

func (s *Store) timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.dialect.timeArg(*t)
}

func (s *Store) addVisitVersion(ctx context.Context, tx *sql.Tx, v domain.Visit) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO visit_version (visit_id, version, reason, findings, assessment, plan, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		v.ID, v.Version, v.Reason, v.Findings, v.Assessment, v.Plan, actorID(ctx), s.dialect.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("keep visit version: %w", err)
	}
	return nil
}

// visitOfAppointment returns the id of the appointment's visit, or 0.
func (s *Store) visitOfAppointment(ctx context.Context, q querier, appointmentID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM visit WHERE appointment_id = $1`, appointmentID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// appointmentStatusChanged keeps an appointment's visit in step with it, inside the
// transaction that changes the status: checking in opens the visit, completing the
// appointment closes it, cancelling it or a no-show cancels a visit still open.
func (s *Store) appointmentStatusChanged(ctx context.Context, tx *sql.Tx, a domain.Appointment, to string) error {
	if a.Status == to {
		return nil
	}
	switch to {
	case domain.StatusCheckedIn, domain.StatusInProgress:
		existing, err := s.visitOfAppointment(ctx, tx, a.ID)
		if err != nil || existing != 0 {
			return err
		}
		doctor := a.DoctorID
		_, err = s.insertVisit(ctx, tx, domain.Visit{PatientID: a.PatientID, AppointmentID: &a.ID, DoctorID: &doctor,
			VisitNote: domain.VisitNote{Reason: a.Reason}}, domain.ActionCreate)
		return err
	case domain.StatusCompleted:
		return s.endVisitOf(ctx, tx, a, domain.VisitClosed)
	case domain.StatusCancelled, domain.StatusNoShow:
		return s.endVisitOf(ctx, tx, a, domain.VisitCancelled)
	}
	return nil
}

// endVisitOf closes or cancels the open visit of an appointment, if it has one.
func (s *Store) endVisitOf(ctx context.Context, tx *sql.Tx, a domain.Appointment, status string) error {
	var id int64
	now := s.dialect.timeArg(time.Now())
	err := tx.QueryRowContext(ctx, `UPDATE visit SET status = $1, ended_at = $2, updated_at = $2, version = version + 1
		WHERE appointment_id = $3 AND status = 'open' RETURNING id`, status, now, a.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: end visit: %w", err)
	}
	return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceVisit, ResourceID: id, PatientID: a.PatientID})
}

// Visit returns a visit with its addenda.
func (s *Store) Visit(ctx context.Context, id int64) (domain.Visit, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	v, err := one(ctx, s.db, "visit", `SELECT `+s.visitColumns()+visitFrom+` WHERE v.id = $1`, id, scanVisit)
	if err != nil {
		return v, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, visit_id, text, created_by, `+s.dialect.storedTime("created_at")+`
		FROM visit_addendum WHERE visit_id = $1 ORDER BY id`, id)
	if err != nil {
		return v, fmt.Errorf("store: visit addenda: %w", err)
	}
	defer rows.Close()
	v.Addenda = []domain.VisitAddendum{}
	for rows.Next() {
		var (
			a  domain.VisitAddendum
			by sql.NullInt64
			at dbTime
		)
		if err := rows.Scan(&a.ID, &a.VisitID, &a.Text, &by, &at); err != nil {
			return v, fmt.Errorf("store: visit addenda: %w", err)
		}
		a.CreatedBy, a.CreatedAt = nullableID(by), at.Time
		v.Addenda = append(v.Addenda, a)
	}
	return v, rows.Err()
}

// PatientVisits returns the visits of a patient, newest first.
func (s *Store) PatientVisits(ctx context.Context, patientID int64) ([]domain.Visit, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+s.visitColumns()+visitFrom+` WHERE v.patient_id = $1
		ORDER BY v.started_at DESC, v.id DESC`, patientID)
	if err != nil {
		return nil, fmt.Errorf("store: list visits: %w", err)
	}
	defer rows.Close()
	out := []domain.Visit{}
	for rows.Next() {
		v, err := scanVisit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list visits: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// lockVisit reads a visible visit inside tx and locks it until tx ends.
func (s *Store) lockVisit(ctx context.Context, tx *sql.Tx, id int64) (domain.Visit, error) {
	return one(ctx, tx, "visit", `SELECT `+s.visitColumns()+visitFrom+` WHERE v.id = $1`+s.dialect.lockRows("v"), id, scanVisit)
}

// signedError is the conflict of changing a signed visit.
func signedError(v domain.Visit) error {
	return &domain.Error{Code: domain.CodeConflict,
		Message: fmt.Sprintf("visit %d was signed at %s and is locked; add an addendum (POST /api/visits/%d/addenda)",
			v.ID, v.SignedAt.UTC().Format(time.RFC3339), v.ID),
		Details: map[string]any{"signed_at": v.SignedAt}}
}

// requireUnsignedVisit checks, inside tx, that a visit a new entry names (when it names
// one) is of the patient and not signed, and keeps it from being signed until tx ends.
func (s *Store) requireUnsignedVisit(ctx context.Context, tx *sql.Tx, visitID *int64, patientID int64) error {
	if visitID == nil {
		return nil
	}
	v, err := s.lockVisit(ctx, tx, *visitID)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return fieldError("visit_id", fmt.Sprintf("no visit with id %d", *visitID))
	case err != nil:
		return err
	case v.PatientID != patientID:
		return fieldError("visit_id", fmt.Sprintf("visit %d is not of patient %d", v.ID, patientID))
	case v.Signed():
		return signedError(v)
	}
	return nil
}

// UpdateVisitNote changes the note of an unsigned visit as a new version, keeping every
// earlier one.
func (s *Store) UpdateVisitNote(ctx context.Context, id int64, c domain.VisitChanges) (domain.Visit, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockVisit(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Signed() {
			return signedError(cur)
		}
		if c.IfVersion != 0 && c.IfVersion != cur.Version {
			return stale("visit", id, cur.Version)
		}
		next := cur
		next.VisitNote = c.Apply(cur.VisitNote)
		next.Version = cur.Version + 1
		if _, err := tx.ExecContext(ctx, `UPDATE visit SET reason = $1, findings = $2, assessment = $3, plan = $4, version = $5,
			updated_at = $6 WHERE id = $7`, next.Reason, next.Findings, next.Assessment, next.Plan, next.Version,
			s.dialect.timeArg(time.Now()), id); err != nil {
			return err
		}
		if err := s.addVisitVersion(ctx, tx, next); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceVisit, ResourceID: id, PatientID: cur.PatientID})
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: update visit: %w", err)
		}
		return domain.Visit{}, err
	}
	return s.Visit(ctx, id)
}

// SignVisit locks a visit's note under the signer's name. A walk-in (a visit without an
// appointment) closes when it is signed; other visits close with their appointment.
func (s *Store) SignVisit(ctx context.Context, id int64, ifVersion int64) (domain.Visit, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockVisit(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case cur.Signed():
			return signedError(cur)
		case ifVersion != 0 && ifVersion != cur.Version:
			return stale("visit", id, cur.Version)
		case cur.Status == domain.VisitCancelled:
			return domain.Errorf(domain.CodeConflict, "visit %d was cancelled; there is nothing to sign", id)
		case cur.VisitNote.Empty():
			return domain.Errorf(domain.CodeInvalid, "the note of visit %d is empty; write it before signing", id)
		}
		now := s.dialect.timeArg(time.Now())
		status, ended := cur.Status, s.timeOrNil(cur.EndedAt)
		if cur.AppointmentID == nil && status == domain.VisitOpen {
			status, ended = domain.VisitClosed, now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE visit SET signed_at = $1, signed_by = $2, status = $3, ended_at = $4,
			version = version + 1, updated_at = $1 WHERE id = $5`, now, actorID(ctx), status, ended, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceVisit, ResourceID: id, PatientID: cur.PatientID})
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: sign visit: %w", err)
		}
		return domain.Visit{}, err
	}
	return s.Visit(ctx, id)
}

// AddAddendum adds text to a signed visit, attributed to the actor.
func (s *Store) AddAddendum(ctx context.Context, visitID int64, text string) (domain.Visit, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockVisit(ctx, tx, visitID)
		if err != nil {
			return err
		}
		if !cur.Signed() {
			return domain.Errorf(domain.CodeConflict, "visit %d is not signed; change its note (PUT /api/visits/%d) instead", visitID, visitID)
		}
		now := s.dialect.timeArg(time.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_addendum (visit_id, text, created_by, created_at) VALUES ($1, $2, $3, $4)`,
			visitID, text, actorID(ctx), now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE visit SET version = version + 1, updated_at = $1 WHERE id = $2`, now, visitID); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceVisit, ResourceID: visitID, PatientID: cur.PatientID})
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = fmt.Errorf("store: add addendum: %w", err)
		}
		return domain.Visit{}, err
	}
	return s.Visit(ctx, visitID)
}

// VisitVersions returns every version of a visit's note, oldest first.
func (s *Store) VisitVersions(ctx context.Context, id int64) ([]domain.VisitVersion, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT version, reason, findings, assessment, plan, created_by, `+
		s.dialect.storedTime("created_at")+` FROM visit_version WHERE visit_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("store: visit history: %w", err)
	}
	defer rows.Close()
	out := []domain.VisitVersion{}
	for rows.Next() {
		var (
			v                                  domain.VisitVersion
			reason, findings, assessment, plan sql.NullString
			by                                 sql.NullInt64
			at                                 dbTime
		)
		if err := rows.Scan(&v.Version, &reason, &findings, &assessment, &plan, &by, &at); err != nil {
			return nil, fmt.Errorf("store: visit history: %w", err)
		}
		v.Reason, v.Findings, v.Assessment, v.Plan = nullable(reason), nullable(findings), nullable(assessment), nullable(plan)
		v.CreatedBy, v.CreatedAt = nullableID(by), at.Time
		out = append(out, v)
	}
	return out, rows.Err()
}
