package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// run runs an hms command with the given settings and returns its exit code and output.
func run(settings map[string]string, args ...string) (int, string) {
	var out bytes.Buffer
	code := Run(args, func(k string) string { return settings[k] }, &out, &out, "test")
	return code, out.String()
}

// dumpAll returns every row of every table, as text, in a stable order.
func dumpAll(t *testing.T, st *store.Store) map[string][]string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if st.Dialect() == "postgres" {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`
	}
	names, err := st.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		names.Scan(&n)
		tables = append(tables, n)
	}
	names.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := st.DB().Query("SELECT * FROM " + table + " ORDER BY 1")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], fmt.Sprintf("%q", vals))
		}
		rows.Close()
		// Sorted whole: a first column (patient_name_word's patient_id) may repeat, and
		// ORDER BY 1 leaves its ties in any order.
		slices.Sort(out[table])
	}
	return out
}

func populate(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 25; i++ {
		phone := fmt.Sprintf("555-%04d", i)
		p, err := st.CreatePatient(ctx, domain.Patient{Name: fmt.Sprintf("Patient %d ünïcødé", i), Email: fmt.Sprintf("p%d@example.org", i), DateOfBirth: "1980-02-29", Phone: &phone})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAppointment(ctx, domain.Appointment{PatientID: p.ID, DoctorName: "Dr. Grey", Start: time.Date(2031, 1, 1+i, 9, 0, 0, 0, time.UTC), Status: "scheduled"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateRecord(ctx, domain.MedicalRecord{PatientID: p.ID, Diagnosis: "Diagnosis\nline two", DoctorName: "Dr. Grey", RecordDate: "2024-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBackupRestoreRoundTrip backs up a populated database, destroys it, restores the
// backup and compares every row of every table.
func TestBackupRestoreRoundTrip(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			opts := testutil.StoreOptions(t, db)
			settings := map[string]string{"HMS_DATA_DIR": opts.DataDir, "HMS_DATABASE_URL": opts.DatabaseURL, "HMS_ENV": "test"}
			st := openMigrated(t, opts)
			populate(t, st)
			before := dumpAll(t, st)
			if len(before["patient"]) != 25 || len(before["appointment"]) != 25 || len(before["medical_record"]) != 25 {
				t.Fatalf("populated rows: %d patients", len(before["patient"]))
			}
			file := filepath.Join(t.TempDir(), "hms.backup")
			if code, out := run(settings, "backup", "--out", file); code != 0 {
				t.Fatalf("backup: %d %s", code, out)
			}
			if code, out := run(settings, "backup", "--out", file); code == 0 && db == "sqlite" {
				t.Errorf("backup over an existing file should fail: %s", out)
			}
			// Destroy the database.
			st.Close()
			if db == "sqlite" {
				os.Remove(filepath.Join(opts.DataDir, "hms.db"))
				os.Remove(filepath.Join(opts.DataDir, "hms.db-wal"))
				os.Remove(filepath.Join(opts.DataDir, "hms.db-shm"))
			} else {
				s2 := openMigrated(t, opts)
				if _, err := s2.DB().Exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
					t.Fatal(err)
				}
				s2.Close()
			}
			if code, out := run(settings, "restore", file); code == 0 || !strings.Contains(out, "--confirm") {
				t.Errorf("restore without --confirm should refuse: %d %s", code, out)
			}
			if code, out := run(settings, "restore", "--confirm", file); code != 0 {
				t.Fatalf("restore: %d %s", code, out)
			}
			st = openMigrated(t, opts)
			defer st.Close()
			after := dumpAll(t, st)
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("restored data differs from the original:\nbefore %v\nafter  %v", before, after)
			}
			// A file that is not a backup is refused.
			junk := filepath.Join(t.TempDir(), "junk")
			os.WriteFile(junk, []byte("not a backup"), 0o600)
			if code, out := run(settings, "restore", "--confirm", junk); code == 0 || !strings.Contains(out, "is not") {
				t.Errorf("restoring junk: %d %s", code, out)
			}
		})
	}
}

func openMigrated(t *testing.T, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
