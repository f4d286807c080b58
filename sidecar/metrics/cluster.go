package metrics

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// The series read from the internal topics. The status series are Java's:
// each worker reports the connectors and tasks the status topic says it
// runs, so that summing over workers counts each once, and dashboards that
// join on them (Strimzi's) find one series per task. The lag series are
// the same on every worker.
var (
	connectorStatusDesc = prometheus.NewDesc("kafka_connect_connector_status",
		"1 for the state in the status topic (running, paused, stopped, failed, unassigned, restarting) of each connector this worker runs.",
		[]string{"connector", "status"}, nil)
	taskStatusDesc = prometheus.NewDesc("kafka_connect_connector_task_status",
		"1 for the state in the status topic of each task this worker runs.",
		[]string{"connector", "task", "status"}, nil)
	lagMaxDesc = prometheus.NewDesc("kafka_connect_sink_task_sink_record_lag_max",
		"The largest lag, in records, of any partition of the sink connector: log end offset minus the group's committed offset, cluster-wide.",
		[]string{"connector"}, nil)
	partitionLagDesc = prometheus.NewDesc("connect_sidecar_sink_lag",
		"Records of the partition the sink connector's consumer group has yet to read (committed offset to log end; see desired workers for partitions without one).",
		[]string{"connector", "topic", "partition"}, nil)
	// Not connect_sidecar_sink_lag_total: _total marks a counter.
	clusterLagDesc = prometheus.NewDesc("connect_sidecar_cluster_sink_lag",
		"Sink lag in records over the connectors whose target state is STARTED: the lag desired workers is computed from.", nil, nil)
	desiredWorkersDesc = prometheus.NewDesc("connect_sidecar_desired_workers",
		"Workers the cluster needs: ceil(sink lag / SIDECAR_LAG_PER_WORKER), at most the task count, at least 1 while any connector exists.", nil, nil)
)

// clusterCollector reads the last cluster view the Poller published, so a
// scrape never waits for Kafka. Before the first poll it has nothing to
// say: an absent series is better than a 0 that scales the cluster in.
type clusterCollector struct{ m *Metrics }

func (c clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{connectorStatusDesc, taskStatusDesc, lagMaxDesc, partitionLagDesc, clusterLagDesc, desiredWorkersDesc} {
		ch <- d
	}
}

func (c clusterCollector) Collect(ch chan<- prometheus.Metric) {
	if s := c.m.statuses.Load(); s != nil {
		for _, name := range s.Connectors() {
			if st, ok := s.Connector(name); ok && st.WorkerID == s.self {
				ch <- prometheus.MustNewConstMetric(connectorStatusDesc, prometheus.GaugeValue, 1, name, stateLabel(st.State))
			}
			for _, t := range s.Tasks(name) {
				if t.Status.WorkerID == s.self {
					ch <- prometheus.MustNewConstMetric(taskStatusDesc, prometheus.GaugeValue, 1, name, strconv.Itoa(int(t.ID.Task)), stateLabel(t.Status.State))
				}
			}
		}
	}
	r := c.m.lag.Load()
	if r == nil {
		return
	}
	for name, lag := range r.maxLag {
		ch <- prometheus.MustNewConstMetric(lagMaxDesc, prometheus.GaugeValue, float64(lag), name)
	}
	for _, p := range r.partitions {
		ch <- prometheus.MustNewConstMetric(partitionLagDesc, prometheus.GaugeValue, float64(p.lag), p.connector, p.topic, strconv.Itoa(p.partition))
	}
	ch <- prometheus.MustNewConstMetric(clusterLagDesc, prometheus.GaugeValue, float64(r.scaling.Lag))
	ch <- prometheus.MustNewConstMetric(desiredWorkersDesc, prometheus.GaugeValue, float64(r.scaling.DesiredWorkers))
}

// stateLabel is the state as Java's metrics write it: lower case.
func stateLabel(s statusstore.State) string { return strings.ToLower(s.String()) }

// workerStatuses is a status snapshot and the worker that reads it.
type workerStatuses struct {
	statusstore.Snapshot
	self string // worker id, host:port
}

// publishStatuses makes s the status snapshot the status series show, for
// the worker whose id is self.
func (m *Metrics) publishStatuses(s statusstore.Snapshot, self string) {
	m.statuses.Store(&workerStatuses{Snapshot: s, self: self})
}

// publishLag makes r the lag and scaling signal shown.
func (m *Metrics) publishLag(r lagReport) {
	m.lag.Store(&r)
	m.lastPoll.Set(float64(m.now().UnixNano()) / 1e9)
}

// lagPollFailed counts a failed poll; the last good one stays shown.
func (m *Metrics) lagPollFailed() { m.pollFailures.Inc() }
