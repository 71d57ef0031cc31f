package httpapi

import (
	"net/http"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// emergencyInput is the body of POST /api/patients/{id}/emergency-access.
type emergencyInput struct {
	Reason string `json:"reason"`
}

// startEmergencyAccess opens a patient's chart to the calling doctor for emergencyTTL,
// whatever HMS_CHART_ACCESS says: recorded, and listed to admins at once.
func (a *API) startEmergencyAccess(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in emergencyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reason, err := domain.ValidEmergencyReason(in.Reason)
	if err != nil {
		return err
	}
	now := a.now()
	e, err := a.store.StartEmergencyAccess(r.Context(), identity(r.Context()).UserID, id, reason, now, now.Add(a.emergencyTTL))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, item{Success: true, Data: e})
	return nil
}

// emergencyWindow is how far back admins' list of emergency accesses goes.
const emergencyWindow = 7 * 24 * time.Hour

// listEmergencyAccess answers the emergency accesses of the last 7 days, the newest first.
func (a *API) listEmergencyAccess(w http.ResponseWriter, r *http.Request) error {
	out, err := a.store.EmergencyAccesses(r.Context(), a.now().Add(-emergencyWindow))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: out})
	return nil
}
