package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the directory of the shared test data set name (e.g. "fhir-r4"):
// $HMS_SHARED_DATA/name when that is set, else shared/data/name in the nearest directory
// above the working directory that has one (the shared folder sits beside the repository).
// It skips the test when the data is missing, and fails it on CI.
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
		candidate := filepath.Join(dir, "shared", "data", name)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("shared test data %q not found above the working directory; set HMS_SHARED_DATA", name)
	}
	t.Skipf("shared test data %q not found; set HMS_SHARED_DATA", name)
	return ""
}
