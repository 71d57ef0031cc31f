package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the directory of the test data set name (e.g. "fhir-r4"): the copy
// committed under testdata/ at the repository's root, or $HMS_SHARED_DATA/name when that
// is set. The test fails when the data is missing.
func SharedData(t testing.TB, name string) string {
	t.Helper()
	if d := os.Getenv("HMS_SHARED_DATA"); d != "" {
		return filepath.Join(d, name)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", name)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("test data %q: no go.mod above the working directory", name)
		}
		dir = parent
	}
}
