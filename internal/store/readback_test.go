package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestAWriteThatCannotBeReadBackRollsBack: the store does not validate what it is given,
// so a row it cannot give back (a time in year 10000, which SQLite's text of times does not
// read and JSON cannot write) reaches it here. The write must fail with nothing committed,
// and every read must work as before: once, such a PUT committed and then failed on
// reading the row back, and every list of appointments failed from then on.
func TestAWriteThatCannotBeReadBackRollsBack(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		p, err := st.CreatePatient(ctx, domain.Patient{Name: "Ann", Email: "ann@example.org", DateOfBirth: "1980-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(24 * time.Hour).Truncate(time.Second).UTC()
		a, err := st.CreateAppointment(ctx, domain.Appointment{PatientID: p.ID, DoctorName: "Dr. Grey", Start: start, Status: domain.StatusScheduled})
		if err != nil {
			t.Fatal(err)
		}
		last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) // ends in year 10000
		history := func() int {
			h, err := st.AppointmentHistory(ctx, a.ID)
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			return len(h)
		}
		before := history()
		if _, err := st.UpdateAppointment(ctx, a.ID, domain.AppointmentChanges{Start: &last}); err == nil {
			t.Error("moving the appointment into year 10000 succeeded")
		}
		got, err := st.Appointment(ctx, a.ID)
		if err != nil {
			t.Fatalf("the appointment no longer reads: %v", err)
		}
		if !reflect.DeepEqual(got, a) || history() != before {
			t.Errorf("the failed move changed the appointment:\n%+v\nwas\n%+v", got, a)
		}
		page, err := st.Appointments(ctx, store.AppointmentFilter{Limit: 10})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("list after the failed move: %v %v", page.Items, err)
		}

		if _, err := st.CreateAppointment(ctx, domain.Appointment{PatientID: p.ID, DoctorName: "Dr. Yang", Start: last, Status: domain.StatusScheduled}); err == nil {
			t.Error("booking an appointment that ends in year 10000 succeeded")
		}
		if page, err := st.Appointments(ctx, store.AppointmentFilter{Limit: 10}); err != nil || len(page.Items) != 1 {
			t.Errorf("after the failed booking: %d appointments, %v", len(page.Items), err)
		}

		// A calendar date the stores cannot give back as YYYY-MM-DD.
		if _, err := st.CreateRecord(ctx, domain.MedicalRecord{PatientID: p.ID, Diagnosis: "Flu", DoctorName: "Dr. Grey", RecordDate: "10000-01-01"}); err == nil {
			t.Error("a record dated in year 10000 was created")
		}
		if recs, err := st.PatientRecords(ctx, p.ID, true); err != nil || len(recs) != 0 {
			t.Errorf("after the failed record: %v %v", recs, err)
		}
		if _, err := st.UpdatePatient(ctx, p.ID, domain.PatientChanges{DateOfBirth: ptr("10000-01-01")}); err == nil {
			t.Error("a birth in year 10000 was stored")
		}
		if got, err := st.Patient(ctx, p.ID); err != nil || got.DateOfBirth != "1980-01-01" || got.Version != p.Version {
			t.Errorf("after the failed update the patient is %+v, %v", got, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
