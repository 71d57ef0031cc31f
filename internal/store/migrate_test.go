package store_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river/rivermigrate"

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

// TestReplicasStartingTogetherMigrateOnce runs MigrateUp from several stores on one fresh
// database at the same time, as replicas that start together do: each succeeds, HMS's
// migrations are applied once in all, and River's (the job queue's) once each.
func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	for _, db := range testutil.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			opts := testutil.StoreOptions(t, db)
			const replicas = 4
			stores := make([]*store.Store, replicas)
			for i := range stores {
				st, err := store.Open(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				stores[i] = st
			}
			migrateTogether := func() int {
				applied := make([]int, replicas)
				errs := make([]error, replicas)
				var wg sync.WaitGroup
				for i, st := range stores {
					wg.Add(1)
					go func() {
						defer wg.Done()
						applied[i], errs[i] = st.MigrateUp(ctx)
					}()
				}
				wg.Wait()
				total := 0
				for i, err := range errs {
					if err != nil {
						t.Errorf("replica %d: migrate up: %v", i, err)
					}
					total += applied[i]
				}
				var runs, versions int
				if err := stores[0].DB().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT version) FROM river_migration`).Scan(&runs, &versions); err != nil {
					t.Fatal(err)
				}
				if runs == 0 || runs != versions {
					t.Errorf("River's migrations: %d recorded for %d versions, want each once", runs, versions)
				}
				return total
			}
			total := migrateTogether()
			var status strings.Builder
			if err := stores[0].MigrateStatus(ctx, &status); err != nil {
				t.Fatal(err)
			}
			if migrations := strings.Count(status.String(), "  applied "); total != migrations {
				t.Errorf("the replicas applied %d migrations in all, want each of the %d once", total, migrations)
			}
			// Only River's migrations pending (as after an upgrade of River): the replicas
			// pass HMS's at once and meet at River's.
			m, err := rivermigrate.New(stores[0].JobDriver(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
				t.Fatalf("remove River's tables: %v", err)
			}
			if total := migrateTogether(); total != 0 {
				t.Errorf("HMS's migrations applied %d times again, want none", total)
			}
		})
	}
}
