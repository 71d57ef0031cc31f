package store_test

import (
	"context"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestListTotalsFollowOnePolicy: the audit log, the list that grows fastest, counts its
// total as the patients do: exactly up to store.CountLimit matches, beyond that an
// estimate that says so; a narrower filter is counted exactly again.
func TestListTotalsFollowOnePolicy(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const many, few = store.CountLimit + 200, 120
		events := make([]store.Event, many)
		for i := range events {
			patient := int64(1 + i%2)
			if i < few {
				patient = 3
			}
			events[i] = store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, ResourceID: patient, PatientID: patient}
		}
		if err := st.AuditAll(ctx, events); err != nil {
			t.Fatal(err)
		}
		var stored int64
		if err := st.DB().QueryRow(`SELECT count(*) FROM audit_event`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		all, err := st.AuditEvents(ctx, store.AuditFilter{Limit: 50})
		// Unfiltered, with dense ids, the estimate is the exact number.
		if err != nil || !all.TotalEstimated || all.Total != stored || len(all.Items) != 50 || all.NextCursor == "" {
			t.Errorf("whole log: total %d (estimated %v), %d items, %v; want %d estimated", all.Total, all.TotalEstimated, len(all.Items), err, stored)
		}
		next, err := st.AuditEvents(ctx, store.AuditFilter{Limit: 50, Cursor: all.NextCursor})
		if err != nil || !next.TotalEstimated || next.Total != stored || next.Items[0].ID != all.Items[49].ID-1 {
			t.Errorf("second page: total %d (estimated %v), %v", next.Total, next.TotalEstimated, err)
		}
		one, err := st.AuditEvents(ctx, store.AuditFilter{PatientID: 3, Limit: 50})
		if err != nil || one.TotalEstimated || one.Total != few {
			t.Errorf("one patient's events: total %d (estimated %v), %v; want %d exact", one.Total, one.TotalEstimated, err, few)
		}
		whole, err := st.AuditEvents(ctx, store.AuditFilter{PatientID: 3, Limit: store.MaxPageSize})
		if err != nil || whole.TotalEstimated || whole.Total != few || len(whole.Items) != few || whole.NextCursor != "" {
			t.Errorf("one page of all a patient's events: total %d, %d items, %v", whole.Total, len(whole.Items), err)
		}
	})
}
