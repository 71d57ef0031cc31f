package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// recordingQueue stands in for the job queue: it sees what a transaction queues, and fails
// when told to.
type recordingQueue struct {
	queued []int64
	fail   error
}

func (q *recordingQueue) EnqueueTx(ctx context.Context, tx *sql.Tx, ids []int64, round int) error {
	q.queued = append(q.queued, ids...)
	return q.fail
}

// A booking and its messages commit together: when queueing fails, nothing of the booking
// is left, and a booking that commits has its messages queued.
func TestBookingAndItsMessagesCommitTogether(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		q := &recordingQueue{fail: errors.New("queue down")}
		st.SetNoticePolicy(store.NoticePolicy{Email: true, SMS: true, ReminderOffsets: []time.Duration{24 * time.Hour}, Queue: q})
		phone := "+1 555 0100"
		p, err := st.CreatePatient(ctx, domain.Patient{Name: "Ann Lee", Email: "ann@example.org", Phone: &phone, DateOfBirth: "1980-01-02"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.CreateDoctor(ctx, domain.Doctor{Name: "Dr. Grey", WorkingHours: domain.DefaultWorkingHours(), Active: true})
		if err != nil {
			t.Fatal(err)
		}
		a := domain.Appointment{PatientID: p.ID, DoctorID: d.ID, Start: time.Now().Add(72 * time.Hour).Truncate(time.Minute),
			Duration: 30, Status: domain.StatusScheduled}
		if _, err := st.CreateAppointment(ctx, a); err == nil {
			t.Fatal("the booking committed although its messages could not be queued")
		}
		count := func(table string) (n int) {
			if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, m := count("appointment"), count("notification"); n != 0 || m != 0 {
			t.Fatalf("after a failed queue: %d appointments, %d messages", n, m)
		}
		q.fail, q.queued = nil, nil
		if _, err := st.CreateAppointment(ctx, a); err != nil {
			t.Fatal(err)
		}
		// A confirmation on each channel is queued at once; the reminders wait for the scan.
		if len(q.queued) != 2 || count("notification") != 4 {
			t.Errorf("queued %v of %d messages", q.queued, count("notification"))
		}
		queued, _, err := st.QueueDueReminders(ctx, a.Start.Add(-23*time.Hour), 100)
		if err != nil || queued != 2 || len(q.queued) != 4 {
			t.Errorf("the scan queued %d (%v): %v", queued, q.queued, err)
		}
		if queued, _, err := st.QueueDueReminders(ctx, a.Start.Add(-22*time.Hour), 100); err != nil || queued != 0 {
			t.Errorf("a second scan queued %d again: %v", queued, err)
		}
	})
}
