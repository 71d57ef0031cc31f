package seed_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/seed"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// TestSeedLoadsValidReproducibleData loads a small data set on each database and checks
// the counts, the heavy patients, that the API reads the rows back, and that the same
// seed gives the same patients.
func TestSeedLoadsValidReproducibleData(t *testing.T) {
	now := time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)
	opts := seed.Options{Patients: 120, AppointmentsPerPatient: 2, RecordsPerPatient: 3, HeavyPatients: 2, HeavyRecords: 40,
		Seed: 7, BatchSize: 50, Now: now}
	var names [2][]string
	for i, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			st := testutil.OpenStore(t, db)
			sum, err := seed.Run(ctx, st, opts)
			if err != nil {
				t.Fatal(err)
			}
			wantRecords := 118*3 + 2*40
			if sum.Patients != 120 || sum.Appointments != 240 || sum.Records != wantRecords {
				t.Fatalf("summary %+v, want 120 patients, 240 appointments, %d records", sum, wantRecords)
			}
			if len(sum.HeavyPatientIDs) != 2 {
				t.Fatalf("heavy patients %v", sum.HeavyPatientIDs)
			}
			recs, err := st.PatientRecords(ctx, sum.HeavyPatientIDs[1], false)
			if err != nil || len(recs) != 40 {
				t.Fatalf("heavy patient has %d records (%v), want 40", len(recs), err)
			}
			for _, r := range recs {
				if r.RecordDate > "2030-06-15" || r.Diagnosis == "" {
					t.Fatalf("bad record %+v", r)
				}
			}
			page, err := st.Patients(ctx, store.PatientFilter{Limit: 500})
			if err != nil || len(page.Items) != 120 || page.Total != 120 {
				t.Fatalf("listed %d patients, total %d (%v)", len(page.Items), page.Total, err)
			}
			if page.Items[0].ID != sum.FirstPatientID || page.Items[119].ID != sum.LastPatientID {
				t.Errorf("ids %d–%d, summary says %d–%d", page.Items[0].ID, page.Items[119].ID, sum.FirstPatientID, sum.LastPatientID)
			}
			for _, p := range page.Items {
				names[i] = append(names[i], p.Name+" "+p.Email+" "+p.DateOfBirth)
				if p.DateOfBirth >= "2030-06-15" || p.DateOfBirth < "1900-01-01" {
					t.Errorf("date of birth %s", p.DateOfBirth)
				}
			}
			// No doctor and no patient is booked twice at once (PostgreSQL's exclusion
			// constraints would have refused the load; SQLite has none).
			var overlaps int
			err = st.DB().QueryRow(`SELECT count(*) FROM appointment a JOIN appointment b ON a.id < b.id
				AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id)
				AND a.appointment_datetime < b.end_datetime AND b.appointment_datetime < a.end_datetime
				AND a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')`).Scan(&overlaps)
			if err != nil || overlaps != 0 {
				t.Errorf("%d overlapping appointments (%v)", overlaps, err)
			}
			if sum.Doctors < 20 {
				t.Errorf("%d doctors", sum.Doctors)
			}
			// The API can create a patient after the load: the id counters moved past it.
			p := page.Items[0]
			p.Email, p.MRN = "after.seed@example.org", ""
			if created, err := st.CreatePatient(ctx, p); err != nil || created.ID <= sum.LastPatientID {
				t.Errorf("create after seed: id %d, %v", created.ID, err)
			}
			// Loading again with the same seed collides on the emails, and says so.
			if _, err := seed.Run(ctx, st, opts); err == nil {
				t.Error("a second load with the same seed succeeded")
			}
		})
	}
	if len(names[0]) > 0 && len(names[1]) > 0 {
		for j := range names[0] {
			if names[0][j] != names[1][j] {
				t.Fatalf("the same seed gave different data: %q vs %q", names[0][j], names[1][j])
			}
		}
	}
}

// TestSeedFillsTodayInTheClinicsHours: a demo load books a real day today, in the clinic's
// zone and the doctors' working hours (09:00–17:00 on weekdays there), with about as many
// appointments after today as before, over doctors of varied names.
func TestSeedFillsTodayInTheClinicsHours(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// A Wednesday, 14:00 in New York: 19:00 UTC, so a UTC diary would put the day elsewhere.
	now := time.Date(2030, 3, 13, 14, 0, 0, 0, ny)
	opts := seed.Options{Patients: 400, AppointmentsPerPatient: 2, Seed: 3, BatchSize: 100, Now: now, Location: ny}
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := seed.Run(ctx, st, opts); err != nil {
			t.Fatal(err)
		}
		page, err := st.Appointments(ctx, store.AppointmentFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var today, before, after int
		families := map[string]bool{}
		for _, a := range page.Items {
			local := a.Start.In(ny)
			if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Fatalf("appointment on a %s: %v", wd, local)
			}
			if h := local.Hour(); h < 9 || h >= 17 {
				t.Fatalf("appointment at %v, outside 09:00–17:00 in New York", local)
			}
			if local.Format(time.DateOnly) == "2030-03-13" {
				today++
			}
			if a.Start.Before(now) {
				before++
			} else {
				after++
			}
			name := strings.Fields(a.DoctorName)
			families[name[len(name)-1]] = true
		}
		if today < 10 {
			t.Errorf("%d appointments today in the clinic, want a real day", today)
		}
		if before == 0 || after == 0 || before > 3*after || after > 3*before {
			t.Errorf("%d appointments before now and %d after: want them spread around today", before, after)
		}
		if len(families) < 10 {
			t.Errorf("doctors of %d family names: %v", len(families), families)
		}
	})
}
