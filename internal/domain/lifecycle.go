package domain

import (
	"slices"
	"strings"
	"time"
)

// nextStatuses is the appointment lifecycle: for each status, the statuses it may change to.
// scheduled → checked_in → in_progress → completed; cancelled and no_show end an
// appointment that has not started. Completed, cancelled and no_show are final. The FHIR
// names are booked, arrived, (in progress), fulfilled, cancelled and noshow.
var nextStatuses = map[string][]string{
	StatusScheduled:  {StatusCheckedIn, StatusCancelled, StatusNoShow},
	StatusCheckedIn:  {StatusInProgress, StatusCancelled, StatusNoShow},
	StatusInProgress: {StatusCompleted},
	StatusCompleted:  {},
	StatusCancelled:  {},
	StatusNoShow:     {},
}

// NextStatuses returns the statuses an appointment in status from may change to.
func NextStatuses(from string) []string { return slices.Clone(nextStatuses[from]) }

// CheckTransition returns nil when an appointment may change from one status to another,
// and otherwise a conflict that names the allowed next statuses. Staying in the same
// status is not a transition and is always allowed, so that a repeated PUT is harmless.
func CheckTransition(from, to string) error {
	if from == to || slices.Contains(nextStatuses[from], to) {
		return nil
	}
	allowed := nextStatuses[from]
	msg := "an appointment that is " + from + " cannot become " + to + "; "
	if len(allowed) == 0 {
		msg += from + " is final"
	} else {
		msg += "allowed next statuses: " + strings.Join(allowed, ", ")
	}
	if allowed == nil {
		allowed = []string{}
	}
	return &Error{Code: CodeConflict, Message: msg,
		Details: map[string]any{"current_status": from, "allowed_statuses": allowed}}
}

// CheckCancel returns nil when an appointment in status may still be cancelled (scheduled
// or checked in), and otherwise a conflict that names its status. DELETE of an appointment
// cancels it and nothing else: a visit that has begun, ended or been missed stays as it is,
// and cancelling twice is refused rather than repeated.
func CheckCancel(status string) error {
	if slices.Contains(nextStatuses[status], StatusCancelled) {
		return nil
	}
	msg := "the appointment is " + status + " and can no longer be cancelled"
	if status == StatusCancelled {
		msg = "the appointment is already cancelled"
	}
	return &Error{Code: CodeConflict, Message: msg,
		Details: map[string]any{"current_status": status, "allowed_statuses": NextStatuses(status)}}
}

// HoldsSlot reports whether an appointment in status keeps its doctor and patient busy:
// cancelled and no-show appointments free their slot.
func HoldsSlot(status string) bool { return status != StatusCancelled && status != StatusNoShow }

// StatusChange is one entry of an appointment's status history. From is nil for the booking.
type StatusChange struct {
	ID        int64     `json:"id"`
	From      *string   `json:"from_status"`
	To        string    `json:"to_status"`
	Reason    *string   `json:"reason"`
	ChangedBy *int64    `json:"changed_by"`
	ChangedAt time.Time `json:"changed_at"`
	// Actor names who changed it when that was not a user: "patient" through a message's link.
	Actor *string `json:"actor"`
}
