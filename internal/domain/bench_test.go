package domain_test

import (
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// BenchmarkValidate times the validation of the request bodies that the API receives most.
func BenchmarkValidate(b *testing.B) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	b.Run("new patient", func(b *testing.B) {
		in := domain.PatientInput{Name: domain.Some("Ada Lovelace"), Email: domain.Some("Ada.Lovelace@Example.org"),
			DateOfBirth: domain.Some("1990-12-10"), Phone: domain.Some("+44 20 7946 0000"),
			Address: domain.Some("12 St James's Square, London"), BloodGroup: domain.Some("o+")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := in.ValidateNew(now, time.UTC); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new appointment", func(b *testing.B) {
		in := domain.AppointmentInput{PatientID: domain.Some[int64](42), DoctorName: domain.Some("Dr. Grey"),
			Start: domain.Some("2030-07-01T09:30"), Reason: domain.Some("Follow-up visit")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := in.ValidateNew(now, time.UTC); err != nil {
				b.Fatal(err)
			}
		}
	})
}
