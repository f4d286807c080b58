// Package metrics exports the worker's Prometheus metrics at GET /metrics
// and the scaling signal at GET /metrics/scaling.
//
// Series that Java's Connect worker has are named as Strimzi's JMX
// exporter rules name them (lower-case kafka_connect_*), so dashboards
// built for Strimzi keep working; the rest are connect_sidecar_*, in
// Prometheus' conventions. Strimzi's names are kept even where those
// conventions differ: counts it types as gauges stay gauges
// (kafka_connect_task_error_total_record_errors), and the gauges named
// _count and _ms keep their names.
//
// Worker and task series describe this worker, as Java's do; so do the
// series of the tasks' Kafka clients (kafka_consumer_*, kafka_producer_*),
// labelled clientid with Java's client.id. The cluster
// series (connector and task status, sink lag, desired workers) are the
// same on every worker: each computes them from the internal topics and
// from Kafka, as KEDA's Kafka scaler does, so any replica can answer. Add
// them up across workers with max, not sum.
//
// Nothing here talks to Kafka while serving a request: the Poller
// computes the cluster series every few seconds and the handlers read its
// last result.
package metrics

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
)

// Metrics holds the worker's series on a registry of its own, with the Go
// runtime and process collectors. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	now func() time.Time

	// This worker's assignment and rebalances.
	connectorCount, taskCount prometheus.Gauge
	rebalancing               prometheus.Gauge
	rebalances                prometheus.Counter
	rebalanceAvg              prometheus.Gauge
	rebalanceSeconds          prometheus.Histogram
	// Java's connect-coordinator-metrics, which say the same as the counts.
	assignedConnectors, assignedTasks prometheus.Gauge

	// The tasks this worker runs.
	polled, written, sent *prometheus.CounterVec
	sendFailures          *prometheus.CounterVec
	// Exactly-once source tasks' transactions, and the records in them.
	transactions, transactionRecords *prometheus.CounterVec
	putSeconds                       *prometheus.HistogramVec
	commitSeconds                    *prometheus.HistogramVec
	recordErrors, skipped            *prometheus.GaugeVec
	recordFailures                   *prometheus.GaugeVec
	recordErrorsByStage              *prometheus.CounterVec
	taskVecs, connectorVecs          []deleter

	// The HTTP sink's deliveries.
	deliverySeconds                 *prometheus.HistogramVec
	requests                        *prometheus.CounterVec
	delivered, retries, deadLetters *prometheus.CounterVec
	appHealthy                      *prometheus.GaugeVec
	// What its tasks hold, per partition.
	inFlight, waiting, oldestAge *prometheus.GaugeVec

	// The Kafka clients of the tasks this worker runs.
	consumers, producers clientVecs

	// The lag poller's health.
	pollFailures prometheus.Counter
	lastPoll     prometheus.Gauge

	mu             sync.Mutex
	lastRebalance  time.Time // zero before the first
	rebalanceCount int
	rebalanceSum   time.Duration
	tasks          map[runtime.TaskID]bool // assigned to this worker by the last rebalance
	connectors     map[string]bool         // with a connector instance or a task here
	instances      map[string]bool         // connector instances assigned here

	// Each connector's class, type and version, published by the Poller.
	infos atomic.Pointer[map[string]connectorInfo]

	// The cluster view, published by the Poller.
	statuses atomic.Pointer[workerStatuses]
	lag      atomic.Pointer[lagReport]
}

// deleter is a metric vector whose series can be dropped by label.
type deleter interface {
	DeletePartialMatch(prometheus.Labels) int
}

// Buckets for durations from a millisecond to about a minute.
var durationBuckets = prometheus.ExponentialBuckets(0.001, 2.5, 13)

// New builds the metrics; nothing is collected until their hooks are
// called and a Poller publishes.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), now: time.Now}
	f := factory{m.reg}
	task := []string{"connector", "task"}

	m.connectorCount = f.gauge("kafka_connect_worker_connector_count", "The number of connectors assigned to this worker.")
	m.taskCount = f.gauge("kafka_connect_worker_task_count", "The number of tasks assigned to this worker.")
	m.assignedConnectors = f.gauge("kafka_connect_coordinator_assigned_connectors", "The number of connectors assigned to this worker by the last rebalance.")
	m.assignedTasks = f.gauge("kafka_connect_coordinator_assigned_tasks", "The number of tasks assigned to this worker by the last rebalance.")
	m.rebalancing = f.gauge("kafka_connect_worker_rebalance_rebalancing", "1 while this worker is in a rebalance, else 0.")
	m.rebalances = f.counter("kafka_connect_worker_rebalance_completed_rebalances_total", "Rebalances completed by this worker.")
	m.rebalanceAvg = f.gauge("kafka_connect_worker_rebalance_rebalance_avg_time_ms",
		"The average time of this worker's rebalances since it started, in milliseconds (Java averages over its metrics window; connect_sidecar_rebalance_duration_seconds gives any window).")
	m.rebalanceSeconds = f.histogram("connect_sidecar_rebalance_duration_seconds", "How long this worker's rebalances took, from join to assignment.")
	f.gaugeFunc("kafka_connect_worker_rebalance_time_since_last_rebalance_ms",
		"Milliseconds since this worker completed its last rebalance; +Inf before the first, as in Java.", m.sinceLastRebalance)

	m.polled = f.counterVec("kafka_connect_source_task_source_record_poll_total", "Records source tasks returned from poll, before transforms.", task)
	m.written = f.counterVec("kafka_connect_source_task_source_record_write_total", "Records source tasks wrote to Kafka and Kafka acknowledged.", task)
	// Java's producer counts record-retry-total and record-error-total
	// inside its own retries; the runtime retries here, so this counts
	// each attempt Kafka refused, under a name of our own.
	m.sendFailures = f.counterVec("connect_sidecar_source_send_failures_total",
		"Attempts to send a source record to Kafka that failed (unknown topic, authorization, record too large, broker down), per record and attempt, by topic.",
		[]string{"connector", "task", "topic"})
	// Java's transaction-size-avg/min/max are windowed; records per
	// transaction is the ratio of these two over any window.
	m.transactions = f.counterVec("connect_sidecar_source_transactions_total",
		"Transactions of exactly-once source tasks, by result (committed or aborted).", []string{"connector", "task", "result"})
	m.transactionRecords = f.counterVec("connect_sidecar_source_transaction_records_total",
		"Records in the transactions of exactly-once source tasks, by result (committed or aborted).", []string{"connector", "task", "result"})
	m.sent = f.counterVec("kafka_connect_sink_task_sink_record_send_total", "Records sink tasks were given in put, after transforms.", task)
	m.putSeconds = f.histogramVec("connect_sidecar_sink_put_batch_duration_seconds", "How long sink tasks took to put a batch.", task)
	m.commitSeconds = f.histogramVec("connect_sidecar_offset_commit_duration_seconds",
		"How long offset commits took, by result (success or failure): source offsets to the offsets topic, sink offsets to the consumer group.",
		[]string{"connector", "task", "result"})
	m.recordErrors = f.gaugeVec("kafka_connect_task_error_total_record_errors", "Records that failed a stage after retries (a count; a gauge as Strimzi types it).", task)
	m.skipped = f.gaugeVec("kafka_connect_task_error_total_records_skipped", "Records skipped under errors.tolerance=all (a count; a gauge as Strimzi types it).", task)
	// Java counts every failed attempt at a stage here, retries included.
	m.recordFailures = f.gaugeVec("kafka_connect_task_error_total_record_failures", "Failed attempts at a stage of a record, retries included (a count; a gauge as Strimzi types it).", task)
	m.recordErrorsByStage = f.counterVec("connect_sidecar_record_errors_total", "Records that failed a stage after retries, by stage (Connect's names, e.g. VALUE_CONVERTER).",
		[]string{"connector", "task", "stage"})
	m.taskVecs = []deleter{m.polled, m.written, m.sendFailures, m.transactions, m.transactionRecords, m.sent, m.putSeconds, m.commitSeconds, m.recordErrors, m.skipped, m.recordFailures, m.recordErrorsByStage}

	m.deliverySeconds = f.histogramVec("connect_sidecar_http_delivery_seconds", "How long the HTTP sink took to deliver a batch to the app, whatever the answer.", []string{"connector"})
	m.requests = f.counterVec("connect_sidecar_http_requests_total", "Requests the HTTP sink made to the app, by status code (0: no answer).", []string{"connector", "code"})
	m.delivered = f.counterVec("connect_sidecar_http_records_delivered_total", "Records the app accepted (a 2xx answer).", []string{"connector"})
	m.retries = f.counterVec("connect_sidecar_http_retries_total", "Records the HTTP sink sent again after a failed delivery.", []string{"connector"})
	m.deadLetters = f.counterVec("connect_sidecar_http_dead_letters_total", "Records the HTTP sink gave up on and sent to the dead letter queue.", []string{"connector"})
	m.appHealthy = f.gaugeVec("connect_sidecar_app_healthy", "1 while the app's health endpoint answers, else 0 (the HTTP sink pauses).", []string{"connector"})
	sinkPartition := []string{"connector", "topic", "partition"}
	m.inFlight = f.gaugeVec("connect_sidecar_http_requests_in_flight", "Requests the HTTP sink has sent the app for a partition and not had an answer to.", sinkPartition)
	m.waiting = f.gaugeVec("connect_sidecar_http_records_waiting", "Records of a partition the HTTP sink holds for a first attempt or a retry.", sinkPartition)
	m.oldestAge = f.gaugeVec("connect_sidecar_http_oldest_uncommitted_record_age_seconds",
		"How long ago the HTTP sink was given the first record of a partition whose offset it cannot commit yet (not delivered or dead-lettered); 0 when it can commit all.", sinkPartition)
	m.connectorVecs = []deleter{m.deliverySeconds, m.requests, m.delivered, m.retries, m.deadLetters, m.appHealthy, m.inFlight, m.waiting, m.oldestAge}

	m.consumers = newClientVecs(f, "consumer", "sink tasks' consumers")
	m.producers = newClientVecs(f, "producer", "source tasks' producers")

	m.pollFailures = f.counter("connect_sidecar_lag_poll_failures_total", "Lag polls that failed; the cluster series keep the last good poll's values meanwhile.")
	m.lastPoll = f.gauge("connect_sidecar_lag_poll_last_success_timestamp_seconds", "When the last lag poll succeeded, in Unix seconds.")

	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		clusterCollector{m},
		workerCollector{m},
	)
	return m
}

// Registry is the registry the series are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves GET /metrics (Prometheus' text format) and GET
// /metrics/scaling (the Scaling JSON; 503 until the first lag poll
// completed).
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /metrics/scaling", m.serveScaling)
	return mux
}

func (m *Metrics) serveScaling(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	s, ok := m.Scaling()
	if !ok {
		// Connect's error shape. No guess instead: a platform that reads 0
		// would scale the cluster in.
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"error_code": http.StatusServiceUnavailable, "message": "the worker has not computed the sink lag yet; retry in a few seconds"})
		return
	}
	_ = json.NewEncoder(w).Encode(s)
}

// Scaling returns the last lag poll's scaling signal; ok is false before
// the first.
func (m *Metrics) Scaling() (s Scaling, ok bool) {
	if r := m.lag.Load(); r != nil {
		return r.scaling, true
	}
	return Scaling{}, false
}

func (m *Metrics) sinceLastRebalance() float64 {
	m.mu.Lock()
	last := m.lastRebalance
	m.mu.Unlock()
	if last.IsZero() {
		return posInf
	}
	return float64(m.now().Sub(last).Milliseconds())
}

// factory makes metrics and registers them.
type factory struct{ reg prometheus.Registerer }

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) gaugeFunc(name, help string, fn func() float64) {
	f.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogram(name, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: durationBuckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) gaugeVec(name, help string, labels []string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

func (f factory) counterVec(name, help string, labels []string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogramVec(name, help string, labels []string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: durationBuckets}, labels)
	f.reg.MustRegister(h)
	return h
}
