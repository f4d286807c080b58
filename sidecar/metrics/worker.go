package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/connect-sidecar/connect-sidecar/sidecar/herder"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// Java's connect-worker-metrics per connector: how many of the connector's
// tasks on this worker are in each state. Summed across workers (as
// Strimzi's dashboard does) they count the cluster's tasks.
var (
	taskStateDescs = []struct {
		state statusstore.State
		desc  *prometheus.Desc
	}{
		{statusstore.Running, taskCountDesc("running")},
		{statusstore.Paused, taskCountDesc("paused")},
		{statusstore.Failed, taskCountDesc("failed")},
		{statusstore.Unassigned, taskCountDesc("unassigned")},
		{statusstore.Restarting, taskCountDesc("restarting")},
		// The status topic never keeps DESTROYED (it is a tombstone), so
		// this is 0, as Java's is but for an instant; kept for dashboards.
		{statusstore.Destroyed, taskCountDesc("destroyed")},
	}
	taskTotalDesc = prometheus.NewDesc("kafka_connect_worker_connector_total_task_count",
		"The connector's tasks this worker runs, whatever their state.", []string{"connector"}, nil)

	// Java's connector-metrics string attributes, which Strimzi's rules
	// turn into series of value 1 that carry the string as a label. Like
	// Java's, they come from the worker that runs the connector instance,
	// so that dashboards can join on them one to one.
	connectorClassDesc = prometheus.NewDesc("kafka_connect_connector_connector_class",
		"1, naming the class of each connector whose instance runs on this worker.", []string{"connector", "connector_class"}, nil)
	connectorTypeDesc = prometheus.NewDesc("kafka_connect_connector_connector_type",
		"1, naming the type (source or sink) of each connector whose instance runs on this worker.", []string{"connector", "connector_type"}, nil)
	connectorVersionDesc = prometheus.NewDesc("kafka_connect_connector_connector_version",
		"1, naming the version of each connector whose instance runs on this worker.", []string{"connector", "connector_version"}, nil)
)

func taskCountDesc(state string) *prometheus.Desc {
	return prometheus.NewDesc("kafka_connect_worker_connector_"+state+"_task_count",
		"The connector's tasks this worker runs that the status topic says are "+state+".", []string{"connector"}, nil)
}

// connectorInfo is what Java's connector-metrics name of a connector.
type connectorInfo struct{ class, kind, version string }

// connectorInfos reads each connector's class from its config and its
// type and version from the plugin; a class this worker does not have is
// left out, as it runs no instance of it.
func connectorInfos(snap configstore.Snapshot, plugins *plugin.Registry) map[string]connectorInfo {
	out := map[string]connectorInfo{}
	for _, name := range snap.Connectors() {
		props, _ := snap.ConnectorConfig(name)
		if p, ok := plugins.Lookup(herder.Plain(props)["connector.class"], plugin.KindSource, plugin.KindSink); ok {
			out[name] = connectorInfo{class: p.Class, kind: string(p.Kind), version: p.Version}
		}
	}
	return out
}

// publishConnectors makes infos the connectors the info series describe.
func (m *Metrics) publishConnectors(infos map[string]connectorInfo) { m.infos.Store(&infos) }

// workerCollector computes the series of this worker's assignment at
// scrape time from the last rebalance and the last status snapshot.
type workerCollector struct{ m *Metrics }

func (c workerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range taskStateDescs {
		ch <- d.desc
	}
	for _, d := range []*prometheus.Desc{taskTotalDesc, connectorClassDesc, connectorTypeDesc, connectorVersionDesc} {
		ch <- d
	}
}

func (c workerCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	tasks := make([]runtime.TaskID, 0, len(c.m.tasks))
	for id := range c.m.tasks {
		tasks = append(tasks, id)
	}
	instances := make([]string, 0, len(c.m.instances))
	for name := range c.m.instances {
		instances = append(instances, name)
	}
	c.m.mu.Unlock()

	var statuses statusstore.Snapshot
	if s := c.m.statuses.Load(); s != nil {
		statuses = s.Snapshot
	}
	total := map[string]int{}
	byState := map[string]map[statusstore.State]int{}
	for _, id := range tasks {
		total[id.Connector]++
		if byState[id.Connector] == nil {
			byState[id.Connector] = map[statusstore.State]int{}
		}
		if st, ok := statuses.Task(statusstore.TaskID{Connector: id.Connector, Task: id.Task}); ok {
			byState[id.Connector][st.State]++
		}
	}
	for name, n := range total {
		ch <- prometheus.MustNewConstMetric(taskTotalDesc, prometheus.GaugeValue, float64(n), name)
		for _, d := range taskStateDescs {
			ch <- prometheus.MustNewConstMetric(d.desc, prometheus.GaugeValue, float64(byState[name][d.state]), name)
		}
	}

	infos := c.m.infos.Load()
	if infos == nil {
		return
	}
	for _, name := range instances {
		if info, ok := (*infos)[name]; ok {
			ch <- prometheus.MustNewConstMetric(connectorClassDesc, prometheus.GaugeValue, 1, name, info.class)
			ch <- prometheus.MustNewConstMetric(connectorTypeDesc, prometheus.GaugeValue, 1, name, info.kind)
			ch <- prometheus.MustNewConstMetric(connectorVersionDesc, prometheus.GaugeValue, 1, name, info.version)
		}
	}
}
