package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// tables lists the application tables that exist.
func tables(t *testing.T, st *store.Store) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('patient', 'appointment', 'medical_record') ORDER BY name`
	if st.Dialect() == "postgres" {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('patient', 'appointment', 'medical_record') ORDER BY tablename`
	}
	rows, err := st.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestMigrationsUpDownUp(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, testutil.StoreOptions(t, db))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if got := tables(t, st); len(got) != 0 {
				t.Fatalf("fresh database has tables %v", got)
			}
			n, err := st.MigrateUp(ctx)
			if err != nil || n == 0 {
				t.Fatalf("up from empty: applied %d, err %v", n, err)
			}
			if got := strings.Join(tables(t, st), ","); got != "appointment,medical_record,patient" {
				t.Fatalf("after up: tables %q", got)
			}
			latest, _ := st.SchemaVersion(ctx)
			if n, err := st.MigrateUp(ctx); err != nil || n != 0 {
				t.Fatalf("second up should apply nothing: %d, %v", n, err)
			}
			if _, err := st.MigrateDown(ctx, 0); err != nil {
				t.Fatalf("down to zero: %v", err)
			}
			if got := tables(t, st); len(got) != 0 {
				t.Fatalf("after down to zero: tables %v", got)
			}
			if v, _ := st.SchemaVersion(ctx); v != 0 {
				t.Fatalf("after down to zero: version %d", v)
			}
			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if v, _ := st.SchemaVersion(ctx); v != latest {
				t.Fatalf("after up again: version %d, want %d", v, latest)
			}
			var status strings.Builder
			if err := st.MigrateStatus(ctx, &status); err != nil || !strings.Contains(status.String(), "applied") {
				t.Fatalf("status: %v\n%s", err, status.String())
			}
		})
	}
}
