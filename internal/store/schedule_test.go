package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// ts is a timestamp as each database stores it.
func ts(st *store.Store, s string) any {
	t, _ := time.Parse(time.RFC3339, s)
	if st.Dialect() == "sqlite" {
		return t.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return t
}

// TestMigration3KeepsExistingData migrates a database that holds data of schema 1: the
// doctors named by appointments become doctors, and nothing is lost either way.
func TestMigration3KeepsExistingData(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, testutil.StoreOptions(t, db))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := st.MigrateDown(ctx, 2); err != nil {
				t.Fatal(err)
			}
			now := ts(st, "2030-01-01T08:00:00Z")
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := st.DB().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO patient (id, name, email, date_of_birth, phone, created_at, updated_at) VALUES (1, 'Ann', 'ann@example.org', '1980-01-01', '+1 (555) 010-0', $1, $1)`, now)
			for _, a := range []struct{ doctor, at, status string }{
				{"Dr. Grey", "2031-01-01T10:00:00Z", "scheduled"},
				{"dr.  GREY", "2031-01-01T11:00:00Z", "completed"},
				{"Dr. Yang", "2031-01-01T10:00:00Z", "cancelled"},
			} {
				exec(`INSERT INTO appointment (patient_id, doctor_name, appointment_datetime, status, created_at, updated_at) VALUES (1, $1, $2, $3, $4, $4)`,
					a.doctor, ts(st, a.at), a.status, now)
			}
			exec(`INSERT INTO medical_record (patient_id, diagnosis, doctor_name, record_date, created_at) VALUES (1, 'Flu', 'Dr. Grey', '2024-01-01', $1)`, now)

			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatalf("migrate up over data: %v", err)
			}
			count := func(q string) int {
				t.Helper()
				var n int
				if err := st.DB().QueryRowContext(ctx, q).Scan(&n); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return n
			}
			for q, want := range map[string]int{
				`SELECT count(*) FROM doctor`: 2,
				`SELECT count(*) FROM appointment a JOIN doctor d ON d.id = a.doctor_id WHERE d.name_key = 'dr. grey'`: 2,
				`SELECT count(*) FROM appointment_status_history`:                                                      3,
				`SELECT count(*) FROM medical_record_version WHERE version = 1 AND diagnosis = 'Flu'`:                  1,
				`SELECT count(*) FROM patient WHERE phone_key = '15550100' AND active`:                                 1,
			} {
				if n := count(q); n != want {
					t.Errorf("%s = %d, want %d", q, n, want)
				}
			}
			a, err := st.Appointment(ctx, 1)
			if err != nil || a.DoctorName != "Dr. Grey" || a.Duration != 30 || a.End.Format(time.RFC3339) != "2031-01-01T10:30:00Z" {
				t.Errorf("migrated appointment: %+v, %v", a, err)
			}
			if _, err := st.MigrateDown(ctx, 2); err != nil {
				t.Fatalf("migrate down over data: %v", err)
			}
			if n := count(`SELECT count(*) FROM appointment WHERE doctor_name = 'Dr. Grey'`); n != 2 {
				t.Errorf("after down, %d appointments of Dr. Grey, want 2", n)
			}
		})
	}
}

// TestPostgresRefusesDoubleBooking writes straight to the table, past the store's own
// check: the exclusion constraints refuse an overlap of an active appointment.
func TestPostgresRefusesDoubleBooking(t *testing.T) {
	st := testutil.OpenStore(t, "postgres")
	ctx := context.Background()
	db := st.DB()
	for _, q := range []string{
		`INSERT INTO patient (id, name, email, date_of_birth) VALUES (1, 'Ann', 'a@example.org', '1980-01-01'), (2, 'Bob', 'b@example.org', '1980-01-01')`,
		`INSERT INTO doctor (id, name, name_key, working_hours) VALUES (1, 'Dr. A', 'dr. a', '{}'), (2, 'Dr. B', 'dr. b', '{}')`,
		`INSERT INTO appointment (patient_id, doctor_id, appointment_datetime, end_datetime) VALUES (1, 1, '2031-01-01 10:00Z', '2031-01-01 10:30Z')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, values string
		refused      bool
	}{
		{"same doctor, overlapping", `(2, 1, '2031-01-01 10:29Z', '2031-01-01 11:00Z', 'scheduled')`, true},
		{"same patient, overlapping", `(1, 2, '2031-01-01 09:45Z', '2031-01-01 10:15Z', 'scheduled')`, true},
		{"same doctor, touching", `(2, 1, '2031-01-01 10:30Z', '2031-01-01 11:00Z', 'scheduled')`, false},
		{"cancelled does not hold the slot", `(1, 1, '2031-01-01 10:00Z', '2031-01-01 10:30Z', 'cancelled')`, false},
	} {
		_, err := db.ExecContext(ctx, `INSERT INTO appointment (patient_id, doctor_id, appointment_datetime, end_datetime, status) VALUES `+tc.values)
		if refused := err != nil && strings.Contains(err.Error(), "23P01"); refused != tc.refused {
			t.Errorf("%s: err %v, want refused=%v", tc.name, err, tc.refused)
		}
	}
}

// TestCreateAppointmentReturnsItAsStored checks that a booking answers with the appointment
// exactly as a later read gives it, names included, whether the doctor is named by id or,
// as in the original API, by name.
func TestCreateAppointmentReturnsItAsStored(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		p, err := st.CreatePatient(ctx, domain.Patient{Name: "Ada Byron", Email: "ada@clinic.test", DateOfBirth: "1985-12-10"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.CreateDoctor(ctx, domain.Doctor{Name: "Dr. Mary Somerville", WorkingHours: domain.DefaultWorkingHours(), Active: true})
		if err != nil {
			t.Fatal(err)
		}
		reason := "check-up"
		start := time.Date(2031, 3, 4, 9, 0, 0, 0, time.FixedZone("CET", 3600))
		for _, a := range []domain.Appointment{
			{PatientID: p.ID, DoctorID: d.ID, Start: start, Status: domain.StatusScheduled, Reason: &reason},
			{PatientID: p.ID, DoctorName: "dr. mary somerville", Start: start.Add(time.Hour), Duration: 45, Status: domain.StatusScheduled},
		} {
			booked, err := st.CreateAppointment(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			read, err := st.Appointment(ctx, booked.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(booked, read) {
				t.Errorf("booked %+v\nread   %+v", booked, read)
			}
			if booked.PatientName != "Ada Byron" || booked.DoctorName != "Dr. Mary Somerville" || booked.DoctorID != d.ID {
				t.Errorf("booked with the names %q and %q, doctor %d", booked.PatientName, booked.DoctorName, booked.DoctorID)
			}
		}
	})
}
