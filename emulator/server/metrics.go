package server

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/standin-dev/standin/emulator/delivery"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers can live in one process (tests, the testkit).
type metrics struct {
	reg        *prometheus.Registry
	emitted    *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	attempts   *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		emitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "standin_events_emitted_total", Help: "Events emitted, by vendor and event.",
		}, []string{"vendor", "event"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "standin_deliveries_total", Help: "Deliveries that reached a final status, by vendor and status.",
		}, []string{"vendor", "status"}),
		attempts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "standin_attempt_duration_seconds", Help: "Duration of delivery attempts, by vendor and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"vendor", "outcome"}),
	}
	m.reg.MustRegister(m.emitted, m.deliveries, m.attempts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Attempted records one attempt's latency.
func (m *metrics) Attempted(vendor string, success bool, d time.Duration) {
	outcome := "failure"
	if success {
		outcome = "success"
	}
	m.attempts.WithLabelValues(vendor, outcome).Observe(d.Seconds())
}

// Finished counts a delivery reaching a final status.
func (m *metrics) Finished(vendor string, status delivery.Status) {
	m.deliveries.WithLabelValues(vendor, string(status)).Inc()
}
