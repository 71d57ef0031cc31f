package bench

import (
	"context"
	"strings"
	"testing"
)

// TestCompareNamesMissingReferences: without the reference programs the compare scenario
// says where it looked and how to point it elsewhere, and touches no database.
func TestCompareNamesMissingReferences(t *testing.T) {
	dir := t.TempDir()
	_, err := startReferences(context.Background(), Config{}, dir, "postgres://nowhere.invalid/db", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "BENCH_REFERENCE") {
		t.Errorf("missing references: %v", err)
	}
}

// TestCompareRunsWhenSelected: the compare scenario runs in a full run and when its name
// is asked for, not when only other scenarios are.
func TestCompareRunsWhenSelected(t *testing.T) {
	for filter, want := range map[string]bool{"": true, "compare": true, "by id,compare": true, "by id,search": false} {
		if got := wantsCompare(filter); got != want {
			t.Errorf("filter %q: compare %v, want %v", filter, got, want)
		}
	}
}
