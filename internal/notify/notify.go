// Package notify sends appointment messages (confirmations, reminders, notices of a move
// or a cancellation) by email and SMS, and the emails that tell admins of an emergency
// access, through a durable job queue. The store adds the
// messages inside the transaction of the booking, move or cancellation and hands the due
// ones to River (see store/queue.go); this package's workers deliver them, retry temporary
// failures with backoff and record the outcome; a periodic scan, run by the queue's leader
// on one replica at a time, queues the reminders that come due.
package notify

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/riverqueue/river"

	"github.com/hms-project/hms/internal/config"
	"github.com/hms-project/hms/internal/store"
)

// Options configures New.
type Options struct {
	Config   config.Notify
	Location *time.Location // the clinic's time zone
	Store    *store.Store
	Logger   *slog.Logger
	Links    *Links
	Now      func() time.Time // the clock; time.Now when nil
	// Mailer and SMS override the senders that Config describes (tests).
	Mailer emailSender
	SMS    smsSender
	// ScanInterval is how often the leader looks for due reminders; a minute when zero.
	ScanInterval time.Duration
	// RescueAfter overrides Config.RescueAfter: how long a delivery may stay running before
	// the queue takes it for dead (its process crashed) and runs it again; 5m when neither is set.
	RescueAfter time.Duration
	// Workers is how many messages one process sends at a time; 4 when zero.
	Workers int
}

type emailSender interface {
	Send(ctx context.Context, to string, msg Message) error
}

type smsSender interface {
	Send(ctx context.Context, to, body, idempotencyKey string) error
}

// Service sends appointment messages. It implements store.NoticeQueue.
type Service struct {
	cfg     config.Notify
	loc     *time.Location
	st      *store.Store
	log     *slog.Logger
	links   *Links
	now     func() time.Time
	mail    emailSender
	sms     smsSender
	host    string // of HMS_PUBLIC_URL, for Message-IDs
	client  *river.Client[*sql.Tx]
	Metrics *Metrics
}

// maxAttempts is how often a message is tried before it counts as failed. With River's
// backoff (attempt⁴ seconds) the eighth attempt comes about 80 minutes after the first.
const maxAttempts = 8

// New configures the queue's client and the senders, and makes the store's appointment
// changes queue messages. Start starts delivering.
func New(opts Options) (*Service, error) {
	s := &Service{cfg: opts.Config, loc: opts.Location, st: opts.Store, log: opts.Logger, links: opts.Links,
		now: opts.Now, mail: opts.Mailer, sms: opts.SMS, Metrics: newMetrics(opts.Store)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Hostname() != "" {
		s.host = u.Hostname()
	} else {
		s.host = "hms.invalid"
	}
	if s.mail == nil && s.cfg.SMTPURL != "" {
		m, err := NewMailer(s.cfg.SMTPURL, s.cfg.SMTPFrom)
		if err != nil {
			return nil, err
		}
		s.mail = m
	}
	if s.sms == nil && s.cfg.SMSURL != "" {
		s.sms = &SMSGateway{URL: s.cfg.SMSURL, Token: s.cfg.SMSToken}
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliverWorker{s: s})
	river.AddWorker(workers, &scanWorker{s: s})
	river.AddWorker(workers, &alertWorker{s: s})
	interval := opts.ScanInterval
	if interval <= 0 {
		interval = time.Minute
	}
	rescue := cmp.Or(opts.RescueAfter, s.cfg.RescueAfter, 5*time.Minute)
	// A delivery is cut off well before it could be taken for dead and run again.
	jobTimeout := min(2*sendTimeout, rescue/2)
	n := opts.Workers
	if n <= 0 {
		n = 4
	}
	client, err := river.NewClient(opts.Store.JobDriver(), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}},
		Workers: workers,
		// The leader inserts the scan; RunOnStart catches up at once after downtime.
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return scanArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true})},
		MaxAttempts:          maxAttempts,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescue,
		FetchPollInterval:    500 * time.Millisecond,
		Logger:               slog.New(warnings{s.log.Handler()}).With("component", "queue"),
	})
	if err != nil {
		return nil, fmt.Errorf("notify: configure the queue: %w", err)
	}
	s.client = client
	opts.Store.SetNoticePolicy(store.NoticePolicy{Email: s.mail != nil, SMS: s.sms != nil,
		ReminderOffsets: s.cfg.ReminderOffsets, Now: s.now, Queue: s, Alerts: s})
	return s, nil
}

// Start starts delivering and scanning; Stop ends it.
func (s *Service) Start(ctx context.Context) error {
	if err := s.client.Start(ctx); err != nil {
		return fmt.Errorf("notify: start the queue: %w", err)
	}
	return nil
}

// Stop lets the deliveries in progress finish (until ctx ends) and stops.
func (s *Service) Stop(ctx context.Context) error {
	err := s.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// A delivery cut off here is rescued and retried by a running replica or the next start.
		return nil
	}
	return err
}

// deliverArgs is a delivery job: only the notification's id, no patient data.
type deliverArgs struct {
	NotificationID int64 `json:"notification_id"`
	Round          int   `json:"round,omitempty"` // an admin's resend: 1, 2, …
}

func (deliverArgs) Kind() string { return "hms.notification.deliver" }

// InsertOpts makes a second delivery job of the same notification and round, while the
// first is waiting, running or done, a no-op (River's unique jobs).
func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EnqueueTx queues the delivery of the notifications inside tx.
func (s *Service) EnqueueTx(ctx context.Context, tx *sql.Tx, ids []int64, round int) error {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: deliverArgs{NotificationID: id, Round: round}}
	}
	_, err := s.client.InsertManyTx(ctx, tx, params)
	return err
}

// scanBatch bounds the reminders one scan queues; the next scan takes the rest.
const scanBatch = 500

// ScanNow queues the reminders due now, as the periodic scan does, and returns how many.
func (s *Service) ScanNow(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := s.st.QueueDueReminders(ctx, s.now(), scanBatch)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// Clinic is how messages and the patients' pages name the clinic.
type Clinic struct{ Name, Address, Phone string }

// Clinic returns the clinic's name, address and phone.
func (s *Service) Clinic() Clinic {
	return Clinic{Name: s.cfg.ClinicName, Address: s.cfg.ClinicAddress, Phone: s.cfg.ClinicPhone}
}

// Links returns the signer of the links in messages.
func (s *Service) Links() *Links { return s.links }

// warnings passes on the queue's warnings and errors only: its routine reports (a count of
// jobs every minute) would drown HMS's own log lines.
type warnings struct{ slog.Handler }

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnings) WithAttrs(as []slog.Attr) slog.Handler { return warnings{w.Handler.WithAttrs(as)} }
func (w warnings) WithGroup(g string) slog.Handler       { return warnings{w.Handler.WithGroup(g)} }
