package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestPatientMRNAndOptionalEmail checks that every patient gets a unique medical record
// number, that an imported patient may have no email, and that only real emails are unique.
func TestPatientMRNAndOptionalEmail(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		create := func(mrn, email string) (domain.Patient, error) {
			return st.CreatePatient(ctx, domain.Patient{MRN: mrn, Name: "Ann Lee", Email: email, DateOfBirth: "1990-01-02"})
		}
		a, err := create("", "ann@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if want := "HMS-" + pad6(a.ID); a.MRN != want {
			t.Fatalf("generated MRN %q, want %q", a.MRN, want)
		}
		// Two patients without email, one with a given MRN.
		b, err := create("EXT-1", "")
		if err != nil || b.MRN != "EXT-1" || b.Email != "" {
			t.Fatalf("no email, given MRN: %+v, %v", b, err)
		}
		if _, err := create("", ""); err != nil {
			t.Fatalf("second patient without email: %v", err)
		}
		// A given MRN that the next id would generate: the generated one is another, of its
		// own id (on PostgreSQL the next id; on SQLite, which reads the id before the
		// insert, the same id with a suffix).
		next := "HMS-" + pad6(b.ID+3)
		if _, err := create(next, ""); err != nil {
			t.Fatal(err)
		}
		c, err := create("", "")
		if own := "HMS-" + pad6(c.ID); err != nil || c.MRN == next || (c.MRN != own && c.MRN != own+"-2") {
			t.Fatalf("generated MRN next to a taken one: %q (id %d), %v", c.MRN, c.ID, err)
		}
		for _, tc := range []struct{ mrn, email, field string }{{"EXT-1", "", "mrn"}, {"", "ann@example.org", "email"}} {
			_, err := create(tc.mrn, tc.email)
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.CodeConflict || e.Fields[tc.field] == "" {
				t.Fatalf("duplicate %s: %v", tc.field, err)
			}
		}
		page, err := st.Patients(ctx, store.PatientFilter{Query: "ext-1", Limit: 10})
		if err != nil || page.Total != 1 || page.Items[0].ID != b.ID {
			t.Fatalf("q finds the MRN: %+v, %v", page, err)
		}
	})
}

func pad6(id int64) string { return fmt.Sprintf("%06d", id) }
