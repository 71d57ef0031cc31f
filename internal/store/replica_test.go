package store

import (
	"testing"
	"time"
)

// TestReplicaLag: the lag of a replica is how long it has been missing WAL that the
// primary had, from the watcher's samples of the primary's position; samples it has
// replayed are forgotten.
func TestReplicaLag(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &replica{samples: []lsnSample{{t0, 100}, {t0.Add(time.Second), 200}, {t0.Add(2 * time.Second), 300}}}
	now := t0.Add(5 * time.Second)
	for _, c := range []struct {
		replay int64
		want   time.Duration
	}{
		{50, 5 * time.Second},  // missing what the primary had at t0
		{100, 4 * time.Second}, // has t0's position, misses the next sample's
		{250, 3 * time.Second},
		{300, 0}, // has everything sampled
		{900, 0},
	} {
		if got := r.lagAt(c.replay, now); got != c.want {
			t.Errorf("replayed to %d: lag %v, want %v", c.replay, got, c.want)
		}
	}
	r.forget(200)
	if len(r.samples) != 1 || r.samples[0].lsn != 300 {
		t.Errorf("after replaying 200 the samples should be the one at 300: %v", r.samples)
	}
	if got := r.lagAt(200, now); got != 3*time.Second {
		t.Errorf("after forgetting: lag %v, want 3s", got)
	}
}
