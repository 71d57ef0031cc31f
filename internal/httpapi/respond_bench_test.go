package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// BenchmarkEncode times the JSON encoding of the largest common responses: a default page
// of patients and the 500-record history of one patient.
func BenchmarkEncode(b *testing.B) {
	str := func(s string) *string { return &s }
	created := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	patients := make([]domain.Patient, store.DefaultPageSize)
	for i := range patients {
		patients[i] = domain.Patient{ID: int64(i + 1), Name: fmt.Sprintf("Maria Garcia %d", i), Email: fmt.Sprintf("maria.garcia.%d@example.org", i),
			DateOfBirth: "1980-05-17", Phone: str("+1 555-0100"), Address: str("12 Main Street, Springfield"), BloodGroup: str("O+"),
			CreatedAt: created, UpdatedAt: created}
	}
	records := make([]domain.MedicalRecord, 500)
	for i := range records {
		records[i] = domain.MedicalRecord{ID: int64(i + 1), PatientID: 1, Diagnosis: "Essential hypertension",
			Prescription: str("Amlodipine 5 mg once daily"), DoctorName: "Dr. Meredith Grey", RecordDate: "2029-03-04",
			Notes: str("Follow-up in three months."), CreatedAt: created}
	}
	b.Run("page of 50 patients", func(b *testing.B) {
		page := store.Page[domain.Patient]{Items: patients, Total: 1_000_000, TotalEstimated: true, NextCursor: "NTA"}
		b.ReportAllocs()
		for b.Loop() {
			writePage(httptest.NewRecorder(), page, store.DefaultPageSize)
		}
	})
	b.Run("500 medical records", func(b *testing.B) {
		b.ReportAllocs()
		defer testutil.ReportCPU(b)()
		for b.Loop() {
			writeJSON(httptest.NewRecorder(), 200, recordsBody{true, records, len(records), patients[0]})
		}
	})
}
