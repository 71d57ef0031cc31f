package testutil

import (
	"context"
	"testing"

	"github.com/hms-project/hms/internal/store"
)

// Databases are the back ends that every store-backed test runs on.
var Databases = []string{"sqlite", "postgres"}

// StoreOptions returns options for a fresh, empty database of the given kind.
func StoreOptions(t testing.TB, db string) store.Options {
	t.Helper()
	opts := store.Options{DataDir: t.TempDir(), MaxOpenConns: 20, MaxIdleConns: 10}
	if db == "postgres" {
		opts.DatabaseURL = PostgresURL(t)
	}
	return opts
}

// OpenStore opens a fresh database of the given kind, migrated to the latest schema,
// and closes it when the test ends.
func OpenStore(t testing.TB, db string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, StoreOptions(t, db))
	if err != nil {
		t.Fatalf("open %s store: %v", db, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate %s: %v", db, err)
	}
	return st
}

// ForEachDatabase runs fn as a subtest on a fresh store of every back end.
func ForEachDatabase(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, db := range Databases {
		t.Run(db, func(t *testing.T) { fn(t, OpenStore(t, db)) })
	}
}
