package server

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
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

// limitsCollector reports, at each scrape, what the limits of the engine,
// the runs and the sink dropped or refused, and what they hold.
type limitsCollector struct {
	engine *delivery.Engine
	runs   *runs.Manager
	sink   *sink
}

var (
	descDropped = prometheus.NewDesc("standin_deliveries_dropped_total",
		"Deliveries a limit dropped or refused, by reason: backlog_full (failed at once, or a redelivery refused), evicted (retention count), evicted_bytes (retention bytes).",
		[]string{"reason"}, nil)
	descTrimmed = prometheus.NewDesc("standin_attempts_dropped_total",
		"Attempts dropped from deliveries beyond the attempts kept (the first and the latest are kept).", nil, nil)
	descTruncated = prometheus.NewDesc("standin_responses_truncated_total",
		"Attempts that kept only part of the receiver's response, by part: headers, body.", []string{"part"}, nil)
	descPending = prometheus.NewDesc("standin_deliveries_pending",
		"Deliveries not final (queued, in flight, retrying or held by a fault).", nil, nil)
	descRetained = prometheus.NewDesc("standin_deliveries_retained",
		"Deliveries in the log.", nil, nil)
	descRetainedBytes = prometheus.NewDesc("standin_deliveries_retained_bytes",
		"About how many bytes the delivery log holds.", nil, nil)
	descRuns = prometheus.NewDesc("standin_runs_running",
		"Scenario runs in progress.", nil, nil)
	descRunsRefused = prometheus.NewDesc("standin_runs_refused_total",
		"Runs refused (429) because the most runs were in progress.", nil, nil)
	descRunsForgotten = prometheus.NewDesc("standin_runs_forgotten_total",
		"Finished runs forgotten beyond the runs kept.", nil, nil)
	descSinkDropped = prometheus.NewDesc("standin_sink_dropped_total",
		"What the sink's limits dropped, by what: requests (also those of dropped names), names.", []string{"what"}, nil)
	descSinkNames = prometheus.NewDesc("standin_sink_names", "Names the sink holds requests for.", nil, nil)
	descSinkBytes = prometheus.NewDesc("standin_sink_bytes", "About how many bytes the sink holds.", nil, nil)
)

func (c limitsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDropped, descTrimmed, descTruncated, descPending, descRetained,
		descRetainedBytes, descRuns, descRunsRefused, descRunsForgotten, descSinkDropped, descSinkNames, descSinkBytes} {
		ch <- d
	}
}

func (c limitsCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
	st := c.engine.Stats()
	counter(descDropped, st.Refused, "backlog_full")
	counter(descDropped, st.Evicted-st.EvictedForBytes, "evicted")
	counter(descDropped, st.EvictedForBytes, "evicted_bytes")
	counter(descTrimmed, st.AttemptsDropped)
	counter(descTruncated, st.HeadersTruncated, "headers")
	counter(descTruncated, st.BodiesTruncated, "body")
	gauge(descPending, st.Pending)
	gauge(descRetained, st.Retained)
	gauge(descRetainedBytes, st.RetainedBytes)
	rs := c.runs.Stats()
	gauge(descRuns, rs.Running)
	counter(descRunsRefused, rs.Refused)
	counter(descRunsForgotten, rs.Forgotten)
	names, bytes, dropped := c.sink.stats()
	counter(descSinkDropped, dropped.requests, "requests")
	counter(descSinkDropped, dropped.names, "names")
	gauge(descSinkNames, names)
	gauge(descSinkBytes, bytes)
}

// watch adds the limits' counters of the server's engine, runs and sink.
func (m *metrics) watch(e *delivery.Engine, r *runs.Manager, k *sink) {
	m.reg.MustRegister(limitsCollector{engine: e, runs: r, sink: k})
}
