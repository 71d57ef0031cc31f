package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hms-project/hms/internal/store"
)

// Metrics counts deliveries and reports the messages waiting. Labels are channels, kinds
// and statuses: never an address or an id.
type Metrics struct {
	sent, failed, retried *prometheus.CounterVec
	waiting               *waitingCollector
}

func newMetrics(st *store.Store) *Metrics {
	return &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hms_notifications_sent_total", Help: "Appointment messages sent, by channel and kind; kind emergency_alert counts the emails to admins about emergency access.",
		}, []string{"channel", "kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hms_notifications_failed_total", Help: "Appointment messages that failed for good (refused, or out of retries), by channel.",
		}, []string{"channel"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hms_notifications_retried_total", Help: "Failed delivery attempts that will be retried, by channel.",
		}, []string{"channel"}),
		waiting: &waitingCollector{st: st, desc: prometheus.NewDesc("hms_notifications_waiting",
			"Appointment messages in the queue, by status: scheduled (reminders not yet due) and queued (due, being delivered or retried).",
			[]string{"status"}, nil)},
	}
}

// Collectors returns the collectors to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.sent, m.failed, m.retried, m.waiting}
}

// waitingCollector counts the waiting messages in the database at each scrape: the queue
// depth of every replica together.
type waitingCollector struct {
	st   *store.Store
	desc *prometheus.Desc
}

func (c *waitingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *waitingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.st.WaitingNotices(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
