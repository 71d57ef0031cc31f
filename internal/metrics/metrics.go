// Package metrics exposes HMS's Prometheus metrics: HTTP requests by route pattern and
// status, the database pool (and the read replica's), and the Go runtime. Labels never carry a raw path, an id or
// any patient value.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/hms-project/hms/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a registry with HMS's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New registers the HTTP, database pool and runtime collectors.
func New(db *sql.DB, version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hms_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hms_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "hms_build_info",
		Help:        "Always 1; the version label names the running build.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(m.requests, m.duration, build,
		collectors.NewDBStatsCollector(db, "hms"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe records one served request. route must be a route pattern, never a raw path.
func (m *Metrics) Observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// WatchReadReplica adds the read replica's metrics when st has one: whether heavy reads
// may use it, its lag, heavy reads by where they went and why, and its connection pool.
func (m *Metrics) WatchReadReplica(st *store.Store) {
	if !st.HasReadReplica() {
		return
	}
	up := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hms_db_read_replica_in_use",
		Help: "1 when heavy reads may use the read replica; 0 when it is down, lagging or not a standby, and they use the primary.",
	}, func() float64 {
		if s, _ := st.ReadReplica(); s.State == store.ReadOnReplica {
			return 1
		}
		return 0
	})
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hms_db_read_replica_lag_seconds",
		Help: "How long the read replica has been missing WAL that the primary had, at the last check.",
	}, func() float64 {
		s, _ := st.ReadReplica()
		return s.Lag.Seconds()
	})
	m.reg.MustRegister(up, lag, heavyReads{st}, collectors.NewDBStatsCollector(st.ReadDB(), "hms_read_replica"))
}

// heavyReads collects hms_db_heavy_reads_total from the store's counters.
type heavyReads struct{ st *store.Store }

var heavyReadsDesc = prometheus.NewDesc("hms_db_heavy_reads_total",
	"Heavy reads (lists, searches) by where they ran: reason replica ran on the read replica; replica_down, replica_lag, own_writes and not_a_standby on the primary.",
	[]string{"reason"}, nil)

func (c heavyReads) Describe(ch chan<- *prometheus.Desc) { ch <- heavyReadsDesc }

func (c heavyReads) Collect(ch chan<- prometheus.Metric) {
	for reason, n := range c.st.ReplicaReads() {
		ch <- prometheus.MustNewConstMetric(heavyReadsDesc, prometheus.CounterValue, float64(n), reason)
	}
}

// Register adds collectors of other parts of HMS (the message queue's).
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
