package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/seed"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// benchPatients is the size of the database the store benchmarks read. `hms-bench`
// measures the same queries at a million patients through the whole server.
const benchPatients = 20_000

// BenchmarkStoreQueries times the queries behind the API's hot paths on each database:
// go test -run '^$' -bench StoreQueries -benchmem ./internal/store
func BenchmarkStoreQueries(b *testing.B) {
	for _, db := range testutil.Databases {
		b.Run(db, func(b *testing.B) {
			ctx := context.Background()
			st := testutil.OpenStore(b, db)
			sum, err := seed.Run(ctx, st, seed.Options{Patients: benchPatients, AppointmentsPerPatient: 1, RecordsPerPatient: 1,
				HeavyPatients: 1, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			if db == "postgres" {
				if _, err := st.DB().Exec("VACUUM ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			mid, err := st.Patients(ctx, store.PatientFilter{Limit: benchPatients / 2})
			if err != nil {
				b.Fatal(err)
			}
			cases := []struct {
				name string
				run  func() error
			}{
				{"patient by id", func() error {
					_, err := st.Patient(ctx, sum.FirstPatientID+benchPatients/3)
					return err
				}},
				{"first page", func() error {
					_, err := st.Patients(ctx, store.PatientFilter{Limit: store.DefaultPageSize})
					return err
				}},
				{"deep page", func() error {
					_, err := st.Patients(ctx, store.PatientFilter{Limit: store.DefaultPageSize, Cursor: mid.NextCursor})
					return err
				}},
				{"search prefix", func() error {
					_, err := st.Patients(ctx, store.PatientFilter{Limit: store.DefaultPageSize, Query: "Garc"})
					return err
				}},
				{"search substring", func() error {
					_, err := st.Patients(ctx, store.PatientFilter{Limit: store.DefaultPageSize, Query: "ebvre"})
					return err
				}},
				{"500 records", func() error {
					_, err := st.PatientRecords(ctx, sum.HeavyPatientIDs[0], false)
					return err
				}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					defer testutil.ReportCPU(b)()
					for b.Loop() {
						if err := c.run(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkReadPath times what the store does for one authenticated read of a patient
// (the session lookup, the read, its audit event) from 64 concurrent requests, the
// way GET /api/patients/{id} uses it under load:
// go test -run '^$' -bench ReadPath ./internal/store
func BenchmarkReadPath(b *testing.B) {
	for _, db := range testutil.Databases {
		b.Run(db, func(b *testing.B) {
			ctx := context.Background()
			st := testutil.OpenStore(b, db)
			sum, err := seed.Run(ctx, st, seed.Options{Patients: 1000, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			u := signedInDoctor(b, st)
			b.SetParallelism(32) // 64 goroutines on two cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for i := int64(0); pb.Next(); i++ {
					if _, err := st.Session(ctx, "session"); err != nil {
						b.Error(err)
						return
					}
					id := sum.FirstPatientID + i%1000
					if _, err := st.Patient(ctx, id); err != nil {
						b.Error(err)
						return
					}
					actx := domain.WithActor(ctx, domain.Actor{UserID: u.ID, Role: u.Role, IP: "127.0.0.1"})
					if err := st.Audit(actx, store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// signedInDoctor creates a doctor user with a session "session" open for an hour.
func signedInDoctor(b *testing.B, st *store.Store) domain.User {
	b.Helper()
	ctx, now := context.Background(), time.Now()
	u, err := st.CreateUser(ctx, domain.User{Email: "doctor@clinic.test", Name: "Doctor", Role: domain.RoleDoctor}, "x")
	if err != nil {
		b.Fatal(err)
	}
	if err := st.NewSession(ctx, u, store.LoginAttempt{}, "session", "refresh", now.Add(time.Hour), now); err != nil {
		b.Fatal(err)
	}
	return u
}

// BenchmarkPatientRecords times reading the 500-record history of one patient, the
// query behind GET /api/patients/{id}/records, on each database:
// go test -run '^$' -bench PatientRecords -benchmem ./internal/store
func BenchmarkPatientRecords(b *testing.B) {
	for _, db := range testutil.Databases {
		b.Run(db, func(b *testing.B) {
			ctx := context.Background()
			st := testutil.OpenStore(b, db)
			sum, err := seed.Run(ctx, st, seed.Options{Patients: 200, RecordsPerPatient: 3, HeavyPatients: 1, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			if db == "postgres" {
				if _, err := st.DB().Exec("VACUUM ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			defer testutil.ReportCPU(b)()
			for b.Loop() {
				recs, err := st.PatientRecords(ctx, sum.HeavyPatientIDs[0], false)
				if err != nil || len(recs) != seed.DefaultHeavyRecords {
					b.Fatalf("%d records, %v", len(recs), err)
				}
			}
		})
	}
}

// BenchmarkStoreWrites times creating a patient (with its audit event, and the duplicate
// check the API runs after it) and booking an appointment, one at a time, on a database
// of benchPatients patients:
// go test -run '^$' -bench StoreWrites ./internal/store
//
// The test cluster of PostgreSQL runs without fsync, so these figures are the statements'
// work and round trips, not the durable commit that bounds them in production.
func BenchmarkStoreWrites(b *testing.B) {
	for _, db := range testutil.Databases {
		b.Run(db, func(b *testing.B) {
			ctx := context.Background()
			st := testutil.OpenStore(b, db)
			sum, err := seed.Run(ctx, st, seed.Options{Patients: benchPatients, AppointmentsPerPatient: 1, RecordsPerPatient: 1, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			doctor, err := st.CreateDoctor(ctx, domain.Doctor{Name: "Dr. Bench", WorkingHours: domain.DefaultWorkingHours(), Active: true})
			if err != nil {
				b.Fatal(err)
			}
			// The counters outlive each run of a sub-benchmark (the framework runs each
			// several times), so that every patient and every slot is new.
			patients, bookings := 0, int64(0)
			b.Run("create patient", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					patients++
					n := patients
					born := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%25_000)
					p, err := st.CreatePatient(ctx, domain.Patient{Name: fmt.Sprintf("Bench Person %d", n),
						Email: fmt.Sprintf("bench.%d@example.org", n), DateOfBirth: born.Format(domain.DateLayout)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := st.PatientDuplicatesOf(ctx, p); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("create appointment", func(b *testing.B) {
				b.ReportAllocs()
				// Consecutive half hours of one doctor, far from the seeded appointments,
				// each for the next patient.
				first := time.Date(2040, 1, 2, 0, 0, 0, 0, time.UTC)
				for b.Loop() {
					n := bookings
					_, err := st.CreateAppointment(ctx, domain.Appointment{PatientID: sum.FirstPatientID + n%benchPatients,
						DoctorID: doctor.ID, Start: first.Add(time.Duration(n) * 30 * time.Minute), Status: domain.StatusScheduled})
					if err != nil {
						b.Fatal(err)
					}
					bookings++
				}
			})
		})
	}
}
