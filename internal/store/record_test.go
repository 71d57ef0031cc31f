package store_test

import (
	"context"
	"encoding/base64"
	"reflect"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestPatientRecordsAreTheRecords: the list of a patient's records holds, newest first,
// each record exactly as reading it alone gives it, voided ones (with when, by whom and
// why) only when asked for.
func TestPatientRecordsAreTheRecords(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		p, err := st.CreatePatient(ctx, domain.Patient{Name: "Zoë Okafor", Email: "zoe@clinic.test", DateOfBirth: "1980-01-02"})
		if err != nil {
			t.Fatal(err)
		}
		str := func(s string) *string { return &s }
		var ids []int64
		for _, r := range []domain.MedicalRecord{
			{Diagnosis: "Essential hypertension", Prescription: str("Amlodipine 5 mg"), DoctorName: "Dr. Grey", RecordDate: "2024-03-04",
				Notes: str("<follow-up> & \"review\"")},
			{Diagnosis: "Otitis media", DoctorName: "Dr. Ünal", RecordDate: "2024-03-04"},
			{Diagnosis: "Asthma", Prescription: str(""), DoctorName: "Dr. Grey", RecordDate: "2025-01-31", Notes: str("")},
			{Diagnosis: "Entered in error", DoctorName: "Dr. Grey", RecordDate: "2023-12-31"},
			{Diagnosis: "Also in error", DoctorName: "Dr. Grey", RecordDate: "2025-02-01"},
		} {
			r.PatientID = p.ID
			created, err := st.CreateRecord(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, created.ID)
		}
		if _, err := st.AmendRecord(ctx, ids[0], domain.RecordChanges{Notes: domain.Some("amended")}); err != nil {
			t.Fatal(err)
		}
		if err := st.VoidRecord(ctx, ids[3], "wrong patient"); err != nil {
			t.Fatal(err)
		}
		if err := st.VoidRecord(domain.WithActor(ctx, domain.Actor{UserID: 99}), ids[4], "duplicate"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			voided bool
			want   []int64
		}{
			{false, []int64{ids[2], ids[1], ids[0]}},
			{true, []int64{ids[4], ids[2], ids[1], ids[0], ids[3]}},
		} {
			got, err := st.PatientRecords(ctx, p.ID, c.voided)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("include voided %v: %d records, want %d", c.voided, len(got), len(c.want))
			}
			for i, id := range c.want {
				one, err := st.AnyRecord(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[i], one) {
					t.Errorf("include voided %v, record %d:\n list %+v\n read %+v", c.voided, i, got[i], one)
				}
			}
			// Pages of any size walk the same list once, two records of one day included.
			for _, limit := range []int{1, 2, 3, 10} {
				var paged []domain.MedicalRecord
				cursor := ""
				for pages := 0; pages < 10; pages++ {
					page, err := st.PatientRecordsPage(ctx, p.ID, c.voided, limit, cursor)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Items) > limit {
						t.Fatalf("page of %d holds %d", limit, len(page.Items))
					}
					paged = append(paged, page.Items...)
					if cursor = page.NextCursor; cursor == "" {
						break
					}
				}
				if !reflect.DeepEqual(paged, got) {
					t.Errorf("include voided %v, pages of %d: %d records, not the list of %d", c.voided, limit, len(paged), len(got))
				}
			}
		}
		for _, cursor := range []string{"x", base64.RawURLEncoding.EncodeToString([]byte("20250101")), base64.RawURLEncoding.EncodeToString([]byte("-1.5"))} {
			if _, err := st.PatientRecordsPage(ctx, p.ID, false, 2, cursor); err == nil {
				t.Errorf("cursor %q accepted", cursor)
			}
		}
	})
}
