package httpapi

import (
	"net/http"
	"time"
)

// clinicInfo is the body of GET /api/clinic: what a client needs to show and read times
// as the clinic does, whatever the zone of the computer it runs on.
type clinicInfo struct {
	TimeZone string    `json:"time_zone"` // HMS_TIMEZONE, an IANA name
	Today    string    `json:"today"`     // the clinic's date now, YYYY-MM-DD
	Now      time.Time `json:"now"`       // the server's clock, in the clinic's zone
}

func (a *API) clinic(w http.ResponseWriter, r *http.Request) error {
	now := a.now().In(a.loc).Truncate(time.Second)
	writeJSON(w, http.StatusOK, item{Success: true, Data: clinicInfo{TimeZone: a.loc.String(), Today: now.Format(time.DateOnly), Now: now}})
	return nil
}
