package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// ChartAccess is how a doctor user reaches one patient's chart under HMS_CHART_ACCESS=care-team.
type ChartAccess struct {
	// InCareTeam: the patient has an appointment or a visit with the user's doctor, or a
	// medical record by them.
	InCareTeam bool
	// Emergency: an emergency access the user declared for the patient is open.
	Emergency bool
}

// ChartAccessOf answers, in one query, how a doctor user reaches each of the patients at
// now; a patient that does not exist is absent from the answer.
func (s *Store) ChartAccessOf(ctx context.Context, userID int64, patientIDs []int64, now time.Time) (map[int64]ChartAccess, error) {
	out := make(map[int64]ChartAccess, len(patientIDs))
	if len(patientIDs) == 0 {
		return out, nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	args := []any{userID, s.dialect.timeArg(now)}
	in := make([]string, len(patientIDs))
	for i, id := range patientIDs {
		args = append(args, id)
		in[i] = "$" + strconv.Itoa(len(args))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id,
		EXISTS (SELECT 1 FROM appointment a JOIN doctor d ON d.id = a.doctor_id WHERE d.user_id = $1 AND a.patient_id = p.id)
		OR EXISTS (SELECT 1 FROM visit v JOIN doctor d ON d.id = v.doctor_id WHERE d.user_id = $1 AND v.patient_id = p.id)
		OR EXISTS (SELECT 1 FROM medical_record r JOIN doctor d ON d.name = r.doctor_name WHERE d.user_id = $1 AND r.patient_id = p.id),
		EXISTS (SELECT 1 FROM emergency_access e WHERE e.user_id = $1 AND e.patient_id = p.id AND e.started_at <= $2 AND e.expires_at > $2)
		FROM patient p WHERE p.id IN (`+strings.Join(in, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: chart access: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			a  ChartAccess
		)
		if err := rows.Scan(&id, &a.InCareTeam, &a.Emergency); err != nil {
			return nil, fmt.Errorf("store: chart access: %w", err)
		}
		out[id] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: chart access: %w", err)
	}
	return out, nil
}

// StartEmergencyAccess records a doctor user's declared emergency for a patient, open
// from now until expires, with its audit event, in one transaction.
func (s *Store) StartEmergencyAccess(ctx context.Context, userID, patientID int64, reason string, now, expires time.Time) (domain.EmergencyAccess, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out := domain.EmergencyAccess{UserID: userID, PatientID: patientID, Reason: reason, StartedAt: now.UTC(), ExpiresAt: expires.UTC()}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.patientExists(ctx, tx, patientID); err != nil {
			return err
		}
		u, err := s.user(ctx, tx, userID)
		if err != nil {
			return err
		}
		out.UserName = u.Name
		if err := tx.QueryRowContext(ctx, `INSERT INTO emergency_access (user_id, patient_id, reason, started_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, userID, patientID, reason, s.dialect.timeArg(now), s.dialect.timeArg(expires)).Scan(&out.ID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionEmergencyAccess, ResourceType: domain.ResourcePatient, ResourceID: patientID, PatientID: patientID}); err != nil {
			return err
		}
		return s.queueEmergencyAlerts(ctx, tx, out.ID)
	})
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return out, fmt.Errorf("store: start emergency access: %w", err)
	}
	return out, err
}

// queueEmergencyAlerts queues, inside tx, the email to each active admin about the
// emergency access id, when email is configured: they are sent if and only if the access
// is recorded.
func (s *Store) queueEmergencyAlerts(ctx context.Context, tx *sql.Tx, id int64) error {
	p := s.notices
	if p == nil || !p.Email || p.Alerts == nil {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM app_user WHERE role = 'admin' AND active ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var admins []int64
	for rows.Next() {
		var a int64
		if err := rows.Scan(&a); err != nil {
			return err
		}
		admins = append(admins, a)
	}
	if err := rows.Err(); err != nil || len(admins) == 0 {
		return err
	}
	return p.Alerts.EnqueueAlertsTx(ctx, tx, id, admins)
}

// EmergencyAlert is what the email to one admin about an emergency access needs.
type EmergencyAlert struct {
	Access      domain.EmergencyAccess
	AdminEmail  string
	AdminActive bool // still an active admin: a deactivated or demoted one is not written to
}

// EmergencyAlert returns the emergency access id and the address of the admin adminID;
// a not-found error when either is gone (the access goes when its patient is purged).
func (s *Store) EmergencyAlert(ctx context.Context, id, adminID int64) (EmergencyAlert, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		out              EmergencyAlert
		started, expires dbTime
		role             string
	)
	e := &out.Access
	err := s.db.QueryRowContext(ctx, `SELECT e.id, e.user_id, u.name, e.patient_id, e.reason, e.started_at, e.expires_at, a.email, a.role, a.active
		FROM emergency_access e JOIN app_user u ON u.id = e.user_id, app_user a WHERE e.id = $1 AND a.id = $2`, id, adminID).
		Scan(&e.ID, &e.UserID, &e.UserName, &e.PatientID, &e.Reason, &started, &expires, &out.AdminEmail, &role, &out.AdminActive)
	if errors.Is(err, sql.ErrNoRows) {
		return out, domain.NotFound("emergency access", id)
	}
	if err != nil {
		return out, fmt.Errorf("store: emergency alert: %w", err)
	}
	e.StartedAt, e.ExpiresAt = started.UTC(), expires.UTC()
	out.AdminActive = out.AdminActive && role == domain.RoleAdmin
	return out, nil
}

// EmergencyAccesses lists the emergency accesses started since, the newest first.
func (s *Store) EmergencyAccesses(ctx context.Context, since time.Time) ([]domain.EmergencyAccess, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.user_id, u.name, e.patient_id, e.reason, e.started_at, e.expires_at
		FROM emergency_access e JOIN app_user u ON u.id = e.user_id WHERE e.started_at >= $1 ORDER BY e.started_at DESC, e.id DESC LIMIT 500`,
		s.dialect.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("store: list emergency access: %w", err)
	}
	defer rows.Close()
	out := []domain.EmergencyAccess{}
	for rows.Next() {
		var (
			e                domain.EmergencyAccess
			started, expires dbTime
		)
		if err := rows.Scan(&e.ID, &e.UserID, &e.UserName, &e.PatientID, &e.Reason, &started, &expires); err != nil {
			return nil, fmt.Errorf("store: list emergency access: %w", err)
		}
		e.StartedAt, e.ExpiresAt = started.UTC(), expires.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list emergency access: %w", err)
	}
	return out, nil
}
