package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// chainBase is the time of the first seeded event; event i (from 1) is i seconds later.
var chainBase = time.Now().UTC().AddDate(0, 0, -30).Truncate(time.Second)

// seedChain inserts n read events one second apart, in id order, and seals them: seq i is
// the event of chainBase + i seconds.
func seedChain(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ts := func(i int) any {
		at := chainBase.Add(time.Duration(i) * time.Second)
		if st.Dialect() == "sqlite" { // as HMS stores it: UTC text of fixed width
			return at.Format("2006-01-02T15:04:05.000000Z")
		}
		return at
	}
	for start := 1; start <= n; start += 200 {
		var (
			values []string
			args   []any
		)
		for i := start; i < start+200 && i <= n; i++ {
			values = append(values, fmt.Sprintf("($%d, 'read', 'patient', $%d, $%d, 'success')", len(args)+1, len(args)+2, len(args)+3))
			args = append(args, ts(i), int64(i%7+1), int64(i%7+1))
		}
		if _, err := st.DB().Exec(`INSERT INTO audit_event (time, action, resource_type, resource_id, patient_id, outcome) VALUES `+
			strings.Join(values, ", "), args...); err != nil {
			t.Fatal(err)
		}
	}
	if sealed, err := st.SealAudit(context.Background()); err != nil || sealed != n {
		t.Fatalf("sealed %d of %d events: %v", sealed, n, err)
	}
}

func mustExec(t *testing.T, st *store.Store, query string, args ...any) {
	t.Helper()
	if _, err := st.DB().Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func verify(t *testing.T, st *store.Store) store.ChainReport {
	t.Helper()
	r, err := st.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantBroken fails the test unless r reports a break at seq whose reason contains every
// one of words.
func wantBroken(t *testing.T, r store.ChainReport, seq int64, words ...string) {
	t.Helper()
	if r.Broken == nil {
		t.Fatalf("the chain verifies (%d events, seq %d to %d), want a break at seq %d", r.Checked, r.FirstSeq, r.HeadSeq, seq)
	}
	if r.Broken.Seq != seq {
		t.Errorf("broken at seq %d (%s), want seq %d", r.Broken.Seq, r.Broken.Reason, seq)
	}
	for _, w := range words {
		if !strings.Contains(r.Broken.Reason, w) {
			t.Errorf("the reason %q does not say %q", r.Broken.Reason, w)
		}
	}
}

// TestAuditChainDetectsDeletionsWithoutPurge deletes sealed events behind HMS's back (at the
// start, in the middle, at the end) and forges the chain's head: verify names what is missing.
func TestAuditChainDetectsDeletionsWithoutPurge(t *testing.T) {
	// Where the break is once another event is sealed onto the chain, when it moves.
	afterSeal := map[string]store.ChainBreak{
		"the head's hash": {Seq: 1001, Reason: "prev_hash does not match the hash of the event before"},
	}
	for _, c := range []struct {
		name   string
		tamper []string
		seq    int64
		words  []string
	}{
		{"oldest", []string{`DELETE FROM audit_event WHERE seq <= 600`}, 1, []string{"events 1 to 600 are missing", "no purge"}},
		{"first only", []string{`DELETE FROM audit_event WHERE seq = 1`}, 1, []string{"event 1 is missing"}},
		{"middle", []string{`DELETE FROM audit_event WHERE seq BETWEEN 300 AND 450`}, 300, []string{"events 300 to 450 are missing"}},
		{"newest", []string{`DELETE FROM audit_event WHERE seq > 995`}, 996, []string{"events 996 to 1000 are missing"}},
		{"every event", []string{`DELETE FROM audit_event`}, 1, []string{"events 1 to 1000 are missing"}},
		{"oldest, with the head moved to match", []string{
			`DELETE FROM audit_event WHERE seq <= 600`,
			`UPDATE audit_chain SET first_seq = 601, first_prev_hash = (SELECT prev_hash FROM audit_event WHERE seq = 601)`,
		}, 1, []string{"events 1 to 600", "no purge"}},
		{"the head's hash", []string{`UPDATE audit_chain SET hash = 'ab' || substr(hash, 3)`}, 1000, []string{"head"}},
		{"the head's seq moved back", []string{`UPDATE audit_chain SET seq = 900`}, 901, []string{"beyond the chain's head"}},
		{"the head's first seq moved on", []string{`UPDATE audit_chain SET first_seq = 2`}, 1, []string{"head"}},
		{"a purge event forged in the chain", []string{
			`UPDATE audit_event SET action = 'purge', resource_type = 'audit_event', resource_id = 10 WHERE seq = 20`,
		}, 20, []string{"edited"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
				seedChain(t, st, 1000)
				if r := verify(t, st); r.Broken != nil || r.Checked != 1000 || r.FirstSeq != 1 || r.HeadSeq != 1000 {
					t.Fatalf("the intact chain: %+v", r)
				}
				for _, q := range c.tamper {
					mustExec(t, st, q)
				}
				wantBroken(t, verify(t, st), c.seq, c.words...)
				// Sealing more events on top hides nothing: the break stays in the chain.
				if err := st.Audit(context.Background(), store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, ResourceID: 1}); err != nil {
					t.Fatal(err)
				}
				// (A head moved back makes the sealer fail on a seq already taken.)
				if _, err := st.SealAudit(context.Background()); err != nil && c.name != "the head's seq moved back" {
					t.Fatal(err)
				}
				if b, ok := afterSeal[c.name]; ok {
					wantBroken(t, verify(t, st), b.Seq, b.Reason)
				} else {
					wantBroken(t, verify(t, st), c.seq, c.words...)
				}
			})
		})
	}
}

// TestAuditPurgeLeavesEvidence: a purge removes the oldest events and seals its range into
// the chain, which then verifies; a deletion after it, or before it that it would hide, does not.
func TestAuditPurgeLeavesEvidence(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedChain(t, st, 1000)
		p, err := st.PurgeAudit(ctx, chainBase.Add(600*time.Second+time.Millisecond))
		if err != nil || p.Removed != 600 || p.FromSeq != 1 || p.ToSeq != 600 {
			t.Fatalf("purge: %+v, %v", p, err)
		}
		r := verify(t, st)
		if r.Broken != nil || r.FirstSeq != 601 || r.HeadSeq != 1001 || r.Checked != 401 || r.PurgeSeq != 1001 {
			t.Fatalf("after the purge of events 1 to 600: %+v %+v", r, r.Broken)
		}
		var from, to int64
		var last, prev string
		if err := st.DB().QueryRow(`SELECT purge_from_seq, purge_to_seq, purge_last_hash FROM audit_event WHERE seq = 1001 AND action = 'purge'`).Scan(&from, &to, &last); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().QueryRow(`SELECT prev_hash FROM audit_event WHERE seq = 601`).Scan(&prev); err != nil {
			t.Fatal(err)
		}
		if from != 1 || to != 600 || last != prev || p.LastHash != prev {
			t.Errorf("the purge event records %d to %d, last hash %s; want 1 to 600, %s", from, to, last, prev)
		}

		// A second purge goes on from the first; both ranges are in the chain.
		if p, err := st.PurgeAudit(ctx, chainBase.Add(800*time.Second+time.Millisecond)); err != nil || p.Removed != 200 || p.FromSeq != 601 {
			t.Fatalf("second purge: %+v, %v", p, err)
		}
		if r := verify(t, st); r.Broken != nil || r.FirstSeq != 801 || r.HeadSeq != 1002 || r.PurgeSeq != 1002 {
			t.Fatalf("after the second purge: %+v %+v", r, r.Broken)
		}
		// Editing a purge event's range is an edit like any other.
		mustExec(t, st, `UPDATE audit_event SET purge_from_seq = 2 WHERE seq = 1001`)
		wantBroken(t, verify(t, st), 1001, "edited")
		mustExec(t, st, `UPDATE audit_event SET purge_from_seq = 1 WHERE seq = 1001`)

		// Removing the next events by SQL after a purge is caught.
		mustExec(t, st, `DELETE FROM audit_event WHERE seq BETWEEN 801 AND 810`)
		wantBroken(t, verify(t, st), 801, "events 801 to 810 are missing")
		// And a purge refuses to cover up the gap: nothing is removed.
		if _, err := st.PurgeAudit(ctx, chainBase.Add(900*time.Second+time.Millisecond)); err == nil || !strings.Contains(err.Error(), "events 801 to 810 are missing") {
			t.Errorf("a purge over a gap: %v", err)
		}
		wantBroken(t, verify(t, st), 801, "events 801 to 810 are missing")
	})
}

// TestAuditPurgeOfEverything removes every sealed event, purge events included: what is left
// (the last purge's own event) verifies, and deleting it is caught.
func TestAuditPurgeOfEverything(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if p, err := st.PurgeAudit(ctx, time.Now().Add(-time.Hour)); err != nil || p.Removed != 0 {
			t.Fatalf("purge of an empty trail: %+v %v", p, err)
		}
		if r := verify(t, st); r.Broken != nil || r.Checked != 1 || r.FirstSeq != 1 {
			t.Fatalf("a purge that removed nothing: %+v %+v", r, r.Broken)
		}
		seedChain(t, st, 100)
		if p, err := st.PurgeAudit(ctx, time.Now().Add(time.Hour)); err != nil || p.Removed != 101 {
			t.Fatalf("purge everything: %+v, %v", p, err)
		}
		if r := verify(t, st); r.Broken != nil || r.Checked != 1 || r.FirstSeq != 102 || r.HeadSeq != 102 {
			t.Fatalf("after purging everything: %+v %+v", r, r.Broken)
		}
		mustExec(t, st, `DELETE FROM audit_event WHERE seq = 102`)
		wantBroken(t, verify(t, st), 102, "event 102 is missing")
	})
}

// TestAuditChainUnderConcurrentSealsAndPurges writes events while several sealers (the
// replicas) seal and purges run: every verification meanwhile, and the one at the end, holds.
func TestAuditChainUnderConcurrentSealsAndPurges(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedChain(t, st, 300)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			failures []string
		)
		fail := func(format string, args ...any) {
			mu.Lock()
			failures = append(failures, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		done := make(chan struct{})
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					if err := st.Audit(ctx, store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, ResourceID: int64(i + 1)}); err != nil {
						fail("audit: %v", err)
					}
				}
			}()
		}
		for s := 0; s < 2; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					if _, err := st.SealAudit(ctx); err != nil {
						fail("seal: %v", err)
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= 3; i++ {
				if _, err := st.PurgeAudit(ctx, chainBase.Add(time.Duration(i*100)*time.Second+time.Millisecond)); err != nil {
					fail("purge %d: %v", i, err)
				}
			}
		}()
		var verifier sync.WaitGroup
		verifier.Add(1)
		go func() {
			defer verifier.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if r, err := st.VerifyAudit(ctx); err != nil || r.Broken != nil {
					fail("verify while sealing and purging: %+v %v", r.Broken, err)
					return
				}
			}
		}()
		wg.Wait()
		close(done)
		verifier.Wait()
		for _, f := range failures {
			t.Error(f)
		}
		if _, err := st.SealAudit(ctx); err != nil {
			t.Fatal(err)
		}
		r := verify(t, st)
		if r.Broken != nil || r.FirstSeq != 301 {
			t.Errorf("after the concurrent run: %+v %+v", r, r.Broken)
		}
		var kept int64
		if err := st.DB().QueryRow(`SELECT count(*) FROM audit_event`).Scan(&kept); err != nil || kept != r.Checked || r.HeadSeq-r.FirstSeq+1 != kept {
			t.Errorf("%d events kept, %d verified (seq %d to %d): %v", kept, r.Checked, r.FirstSeq, r.HeadSeq, err)
		}
	})
}

// TestAuditChainAfterUpgrade: a chain purged before the head kept its first seq (a purge
// then recorded only the last seq it removed) verifies after the migration that adds it;
// one whose oldest events were deleted without a purge does not.
func TestAuditChainAfterUpgrade(t *testing.T) {
	for _, c := range []struct {
		name      string
		purged    bool
		wantBreak bool
	}{{"purged before", true, false}, {"deleted without a purge before", false, true}} {
		t.Run(c.name, func(t *testing.T) {
			testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
				ctx := context.Background()
				seedChain(t, st, 1000)
				mustExec(t, st, `DELETE FROM audit_event WHERE seq <= 600`)
				if c.purged { // what a purge wrote until the head kept its first seq
					if err := st.Audit(ctx, store.Event{Action: domain.ActionPurge, ResourceType: domain.ResourceAudit, ResourceID: 600}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := st.SealAudit(ctx); err != nil {
					t.Fatal(err)
				}
				const purgeEvidence = 9 // the migration 00009_audit_purge_evidence
				if _, err := st.MigrateDown(ctx, purgeEvidence-1); err != nil {
					t.Fatal(err)
				}
				if _, err := st.MigrateUp(ctx); err != nil {
					t.Fatal(err)
				}
				r := verify(t, st)
				if c.wantBreak {
					wantBroken(t, r, 1, "events 1 to 600 are missing")
				} else if r.Broken != nil || r.FirstSeq != 601 || r.PurgeSeq != 1001 || r.Checked != 401 {
					t.Errorf("after the upgrade: %+v %+v", r, r.Broken)
				}
			})
		})
	}
}
