package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// seriesClashes is the conflict of a series that cannot be booked or moved as a whole: every
// occurrence that clashes, with what it clashes with.
func seriesClashes(clashes []map[string]any, total int) error {
	return &domain.Error{Code: domain.CodeConflict,
		Message: fmt.Sprintf("%d of the %d occurrences clash with other appointments; nothing was changed", len(clashes), total),
		Details: map[string]any{"conflicts": clashes}}
}

// clashesOf checks every occurrence of occ (each not clashing with the appointments in
// exclude, nor with each other) and returns one entry per occurrence that clashes.
func (s *Store) clashesOf(ctx context.Context, tx *sql.Tx, occ []domain.Appointment, exclude []int64) ([]map[string]any, error) {
	var out []map[string]any
	for i, a := range occ {
		c, err := s.findClash(ctx, tx, a, exclude)
		if err != nil {
			return nil, err
		}
		if c == nil {
			// Occurrences of one series share the doctor and the patient: they must not overlap.
			for j, b := range occ {
				if j != i && a.Span().Overlaps(b.Span()) {
					c = &clash{start: b.Start, end: b.End, who: "the series itself"}
					break
				}
			}
		}
		if c != nil {
			entry := map[string]any{"occurrence": i + 1, "start": a.Start, "end": a.End,
				"with": strings.TrimPrefix(c.who, "the "), "clash_start": c.start, "clash_end": c.end}
			if c.id != 0 {
				entry["appointment_id"] = c.id
			}
			if a.ID != 0 {
				entry["id"] = a.ID
			}
			out = append(out, entry)
		}
	}
	return out, nil
}

// CreateSeries books every occurrence of a recurring series in one transaction, after the
// patient's and the doctor's claims (see CreateAppointment): either all of them, each an
// appointment with the series' id, or, when any clashes, none, with a conflict listing
// every clashing occurrence.
func (s *Store) CreateSeries(ctx context.Context, occ []domain.Appointment, r domain.Recurrence) ([]domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out []domain.Appointment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		first := occ[0]
		patientName, err := s.requireActivePatient(ctx, tx, first.PatientID, s.dialect.claimRows())
		if err != nil {
			return err
		}
		doctorID, doctorName, err := s.resolveDoctor(ctx, tx, first.DoctorID, first.DoctorName)
		if err != nil {
			return err
		}
		for i := range occ {
			occ[i].DoctorID = doctorID
		}
		clashes, err := s.clashesOf(ctx, tx, occ, nil)
		if err != nil {
			return err
		}
		if len(clashes) > 0 {
			return seriesClashes(clashes, len(occ))
		}
		var series int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO appointment_series (frequency, repeat_every, occurrences, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, r.Frequency, r.Interval, len(occ), s.dialect.timeArg(time.Now())).Scan(&series); err != nil {
			return fmt.Errorf("store: create series: %w", err)
		}
		out = make([]domain.Appointment, 0, len(occ))
		for _, a := range occ {
			a.SeriesID = &series
			saved, err := s.insertAppointment(ctx, tx, a, patientName, doctorName)
			if err != nil {
				return err
			}
			if err := saved.CheckStored(); err != nil {
				return fmt.Errorf("the row as written cannot be given back: %w", err)
			}
			out = append(out, saved)
		}
		return nil
	})
	if err != nil {
		return nil, s.appointmentWriteError(ctx, err, occ[0], 0, "create series")
	}
	return out, nil
}

// scopeOf returns the appointments that scope names, starting from appointment cur, locked
// until tx ends and in time order: cur alone, or the occurrences of its series (from cur's
// start on, for following) that are still scheduled. Completed and other ended or begun
// occurrences are never touched by a change to a series.
func (s *Store) scopeOf(ctx context.Context, tx *sql.Tx, cur domain.Appointment, scope string) ([]domain.Appointment, error) {
	if scope == domain.ScopeThis {
		return []domain.Appointment{cur}, nil
	}
	if cur.SeriesID == nil {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("scope: appointment %d is not part of a series", cur.ID),
			Fields: map[string]string{"scope": "applies to an occurrence of a series; this appointment is not one"}}
	}
	q := appointmentSelect + ` WHERE a.series_id = $1 AND ` + appointmentVisible + ` AND a.status = $2`
	args := []any{*cur.SeriesID, domain.StatusScheduled}
	if scope == domain.ScopeFollowing {
		q += ` AND a.appointment_datetime >= $3`
		args = append(args, s.dialect.timeArg(cur.Start))
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY a.appointment_datetime, a.id`+s.dialect.lockRows("a"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: read the series: %w", err)
	}
	defer rows.Close()
	var out []domain.Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read the series: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, domain.Errorf(domain.CodeConflict, "no occurrence of the series is still scheduled from here on; nothing was changed")
	}
	return out, nil
}

// CancelAppointments answers DELETE with a scope: each appointment it names is cancelled
// as CancelAppointment does, in one transaction. It returns the ids it cancelled.
func (s *Store) CancelAppointments(ctx context.Context, id int64, scope string) ([]int64, error) {
	if scope == domain.ScopeThis {
		return []int64{id}, s.CancelAppointment(ctx, id)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockAppointment(ctx, tx, id)
		if err != nil {
			return err
		}
		all, err := s.scopeOf(ctx, tx, cur, scope)
		if err != nil {
			return err
		}
		now := s.dialect.timeArg(time.Now())
		for _, a := range all {
			if _, err := tx.ExecContext(ctx, `UPDATE appointment SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
				domain.StatusCancelled, now, a.ID); err != nil {
				return fmt.Errorf("store: cancel appointment: %w", err)
			}
			if err := s.recordStatus(ctx, tx, a.ID, &a.Status, domain.StatusCancelled, CancelledByDelete+" (scope "+scope+")"); err != nil {
				return err
			}
			if err := s.appointmentStatusChanged(ctx, tx, a, domain.StatusCancelled); err != nil {
				return err
			}
			if err := s.enqueueNotices(ctx, tx, &a, a.WithStatus(domain.StatusCancelled)); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, Event{Action: domain.ActionDelete, ResourceType: domain.ResourceAppointment, ResourceID: a.ID, PatientID: a.PatientID}); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	return ids, err
}

// MoveSeries reschedules the occurrences that scope names from appointment id: each moves
// by the same amount as id itself (to c.Start), and takes c.Duration when given. The moves
// are checked as a whole: when any occurrence would clash, nothing moves and the conflict
// lists every clash.
func (s *Store) MoveSeries(ctx context.Context, id int64, scope string, c domain.AppointmentChanges) ([]domain.Appointment, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.claimSchedulesOf(ctx, tx, id, deref64(c.DoctorID)); err != nil {
			return fmt.Errorf("store: claim the schedules: %w", err)
		}
		cur, err := s.lockAppointment(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.IfVersion != 0 && c.IfVersion != cur.Version {
			return stale("appointment", id, cur.Version)
		}
		all, err := s.scopeOf(ctx, tx, cur, scope)
		if err != nil {
			return err
		}
		if cur.Status != domain.StatusScheduled {
			return domain.Errorf(domain.CodeConflict, "only a scheduled appointment can be moved; this one is %s", cur.Status)
		}
		var shift time.Duration
		if c.Start != nil {
			shift = c.Start.Sub(cur.Start)
		}
		doctorID, doctorName := cur.DoctorID, cur.DoctorName
		if c.DoctorID != nil && *c.DoctorID != cur.DoctorID {
			if doctorID, doctorName, err = s.resolveDoctor(ctx, tx, *c.DoctorID, ""); err != nil {
				return err
			}
		}
		moved := make([]domain.Appointment, len(all))
		exclude := make([]int64, len(all))
		before := make(map[int64]domain.Appointment, len(all))
		for i, a := range all {
			a.Start = a.Start.Add(shift)
			a.DoctorID, a.DoctorName = doctorID, doctorName
			if c.Duration != nil {
				a.Duration = *c.Duration
			}
			a.End = a.Start.Add(time.Duration(a.Duration) * time.Minute)
			before[a.ID] = all[i]
			moved[i], exclude[i] = a, a.ID
		}
		clashes, err := s.clashesOf(ctx, tx, moved, exclude)
		if err != nil {
			return err
		}
		if len(clashes) > 0 {
			return seriesClashes(clashes, len(moved))
		}
		// Move the far end first, so that no occurrence lands on another's old slot while that
		// one is still there (the exclusion constraints check each row at once).
		if shift > 0 {
			sort.Slice(moved, func(i, j int) bool { return moved[i].Start.After(moved[j].Start) })
		}
		now := s.dialect.timeArg(time.Now())
		for _, a := range moved {
			if _, err := tx.ExecContext(ctx, `UPDATE appointment SET appointment_datetime = $1, duration_minutes = $2,
				end_datetime = $3, updated_at = $4, version = version + 1, doctor_id = $6 WHERE id = $5`,
				s.dialect.timeArg(a.Start), a.Duration, s.dialect.timeArg(a.End), now, a.ID, a.DoctorID); err != nil {
				return err
			}
			prev := before[a.ID]
			if err := s.enqueueNotices(ctx, tx, &prev, a); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceAppointment, ResourceID: a.ID, PatientID: a.PatientID}); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return nil, err
		}
		if s.dialect.isExclusionViolation(err) {
			return nil, domain.Errorf(domain.CodeConflict, "a concurrent booking took one of the slots; try again")
		}
		return nil, fmt.Errorf("store: move series: %w", err)
	}
	out := make([]domain.Appointment, 0, len(ids))
	for _, x := range ids {
		a, err := s.Appointment(ctx, x)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}
