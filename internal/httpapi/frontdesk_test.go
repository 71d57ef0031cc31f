package httpapi_test

import (
	"testing"
	"time"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestClinicTellsItsTimeZone: GET /api/clinic gives the UI the clinic's zone and date, so
// that a browser elsewhere shows and reads times as the clinic does.
func TestClinicTellsItsTimeZone(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		for _, zone := range []string{"America/New_York", "Pacific/Kiritimati", "UTC"} {
			t.Run(zone, func(t *testing.T) {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					t.Fatal(err)
				}
				c := newClient(t, st, loc)
				before := c.clock.now().In(loc).Format(time.DateOnly)
				data := c.must(200, "GET", "/api/clinic", "")["data"].(map[string]any)
				after := c.clock.now().In(loc).Format(time.DateOnly)
				if data["time_zone"] != zone {
					t.Errorf("time_zone %v, want %s", data["time_zone"], zone)
				}
				if data["today"] != before && data["today"] != after {
					t.Errorf("today %v, want the clinic's date %s", data["today"], before)
				}
				now, err := time.Parse(time.RFC3339, data["now"].(string))
				if err != nil {
					t.Fatalf("now %v: %v", data["now"], err)
				}
				if _, off := now.Zone(); off != func() int { _, o := now.In(loc).Zone(); return o }() {
					t.Errorf("now %v is not given with the clinic's offset", data["now"])
				}
				if res := c.anonymous().do("GET", "/api/clinic", ""); res.status != 401 {
					t.Errorf("anonymous GET /api/clinic: %d, want 401", res.status)
				}
			})
		}
	})
}
