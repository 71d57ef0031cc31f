package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestUserCreateLinksDoctor checks that `hms user create --role doctor` links the new user
// to the doctor of the same name, and that `hms user disable` stops that doctor's bookings.
func TestUserCreateLinksDoctor(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			opts := testutil.StoreOptions(t, db)
			settings := map[string]string{"HMS_DATA_DIR": opts.DataDir, "HMS_DATABASE_URL": opts.DatabaseURL, "HMS_ENV": "test"}
			st := openMigrated(t, opts)
			defer st.Close()
			ctx := context.Background()
			grey, err := st.CreateDoctor(ctx, domain.Doctor{Name: "Dr. Grey", Active: true, WorkingHours: domain.DefaultWorkingHours()})
			if err != nil {
				t.Fatal(err)
			}
			linked := func() domain.Doctor {
				t.Helper()
				d, err := st.Doctor(ctx, grey.ID)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			if code, out := run(settings, "user", "create", "--email", "desk@clinic.test", "--name", "Dr. Grey", "--role", "staff"); code != 0 {
				t.Fatalf("create staff: %d %s", code, out)
			}
			if d := linked(); d.UserID != nil {
				t.Fatalf("a staff user was linked to doctor %d", d.ID)
			}
			if code, out := run(settings, "user", "create", "--email", "grey@clinic.test", "--name", "dr. GREY", "--role", "doctor"); code != 0 {
				t.Fatalf("create doctor: %d %s", code, out)
			}
			u, _, err := st.UserByEmail(ctx, "grey@clinic.test")
			if err != nil {
				t.Fatal(err)
			}
			if d := linked(); d.UserID == nil || *d.UserID != u.ID || !d.Active {
				t.Fatalf("doctor %+v, want linked to user %d and active", d, u.ID)
			}
			page, err := st.Doctors(ctx, store.DoctorFilter{IncludeInactive: true, Limit: 10})
			if err != nil || page.Total != 1 {
				t.Fatalf("%d doctors, want 1: %v", page.Total, err)
			}
			if code, out := run(settings, "user", "disable", "--email", "grey@clinic.test"); code != 0 || !strings.Contains(out, "disabled") {
				t.Fatalf("disable: %d %s", code, out)
			}
			if d := linked(); d.Active {
				t.Fatal("a disabled doctor user's doctor still takes appointments")
			}
		})
	}
}

// TestUserCreateNurse checks that `hms user create --role nurse` makes a nurse, on both
// databases (the role's CHECK constraint came with migration 00012), and that an unknown
// role is refused naming the roles.
func TestUserCreateNurse(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			opts := testutil.StoreOptions(t, db)
			settings := map[string]string{"HMS_DATA_DIR": opts.DataDir, "HMS_DATABASE_URL": opts.DatabaseURL, "HMS_ENV": "test"}
			st := openMigrated(t, opts)
			defer st.Close()
			if code, out := run(settings, "user", "create", "--email", "nurse@clinic.test", "--name", "Nora Nurse", "--role", "nurse"); code != 0 {
				t.Fatalf("create nurse: %d %s", code, out)
			}
			u, _, err := st.UserByEmail(context.Background(), "nurse@clinic.test")
			if err != nil || u.Role != domain.RoleNurse {
				t.Fatalf("user %+v, %v; want a nurse", u, err)
			}
			if code, out := run(settings, "user", "create", "--email", "x@clinic.test", "--name", "X", "--role", "matron"); code == 0 || !strings.Contains(out, "nurse") {
				t.Fatalf("unknown role: %d %s", code, out)
			}
		})
	}
}
