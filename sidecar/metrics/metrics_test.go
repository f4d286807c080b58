package metrics

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

var (
	task0 = runtime.TaskID{Connector: "sink", Task: 0}
	task1 = runtime.TaskID{Connector: "source", Task: 1}
)

func assignment(connectors []string, tasks ...runtime.TaskID) coordination.Assignment {
	w := wire.Work{Connectors: connectors}
	for _, t := range tasks {
		w.Tasks = append(w.Tasks, wire.TaskID(t))
	}
	return coordination.Assignment{Work: w}
}

// populate moves every series, so that each one has a sample.
func populate(m *Metrics) {
	hooks := m.RebalanceHooks(coordination.Hooks{})
	hooks.RebalanceStarted("test")
	hooks.RebalanceCompleted(assignment([]string{"sink", "source"}, task0, task1), 120*time.Millisecond)
	m.OnSourcePoll(task1, 10)
	m.OnSourceWrite(task1, 8, 800)
	m.OnSourceSendFailure(task1, "orders", 1)
	m.OnSinkPut(task0, 5, 3*time.Millisecond)
	m.OnOffsetCommit(task0, time.Millisecond, nil)
	m.OnOffsetCommit(task1, time.Second, errors.New("timeout"))
	m.OnRecordError(task0, runtime.StageValueConverter, true)
	m.OnRecordFailure(task0, runtime.StageValueConverter)
	consumer := m.ConsumerHooks(task0, consumerID(task0))[0].(*clientStats)
	conn, _ := net.Pipe()
	consumer.OnBrokerConnect(kgo.BrokerMetadata{}, time.Millisecond, conn, nil)
	consumer.OnBrokerRead(kgo.BrokerMetadata{}, 1, 300, 0, 0, nil)
	consumer.OnBrokerWrite(kgo.BrokerMetadata{}, 1, 60, 0, 0, nil)
	producer := m.ProducerObserver(task1, producerID(task1))
	producer.ConnOpened()
	producer.BytesWritten(900)
	producer.BytesRead(80)
	m.publishConnectors(map[string]connectorInfo{"sink": {class: "test.Sink", kind: "sink", version: "1.0"}})
	m.OnDelivery("sink", 5, 200, 20*time.Millisecond)
	m.OnRetry("sink", 5)
	m.OnDeadLetter("sink", 1)
	m.OnAppHealth("sink", true)
	m.OnPartition("sink", "t", 0, 2, 5, 1500*time.Millisecond)
	var s statusstore.Snapshot
	s = s.Apply(statusstore.ConnectorStatus{Connector: "sink", Status: statusstore.Status{State: statusstore.Running, WorkerID: "w1:8083"}})
	s = s.Apply(statusstore.TaskStatus{ID: statusstore.TaskID{Connector: "sink", Task: 0}, Status: statusstore.Status{State: statusstore.Failed, WorkerID: "w1:8083"}})
	// Another worker's: it reports them.
	s = s.Apply(statusstore.ConnectorStatus{Connector: "source", Status: statusstore.Status{State: statusstore.Running, WorkerID: "w2:8083"}})
	s = s.Apply(statusstore.TaskStatus{ID: statusstore.TaskID{Connector: "sink", Task: 1}, Status: statusstore.Status{State: statusstore.Running, WorkerID: "w2:8083"}})
	m.publishStatuses(s, "w1:8083")
	m.publishLag(newLagReport(clusterState{connectors: 1, tasks: 2, sinks: []sinkState{{
		name: "sink", running: true, earliest: true,
		partitions: []partitionOffsets{{topic: "t", partition: 0, committed: 3, start: 0, end: 10}},
	}}}, 5))
	m.lagPollFailed()
}

// strimziNames are the names Strimzi's JMX exporter rules give Java's
// attributes, which dashboards query; promlint would name them otherwise.
var strimziNames = map[string]string{
	"kafka_connect_worker_connector_count":                        `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_task_count":                             `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_rebalance_rebalance_avg_time_ms":        "metric names should not contain abbreviated units",
	"kafka_connect_worker_rebalance_time_since_last_rebalance_ms": "metric names should not contain abbreviated units",
	"kafka_consumer_connection_count":                             `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_producer_connection_count":                             `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_total_task_count":             `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_running_task_count":           `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_paused_task_count":            `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_failed_task_count":            `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_unassigned_task_count":        `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_restarting_task_count":        `non-histogram and non-summary metrics should not have "_count" suffix`,
	"kafka_connect_worker_connector_destroyed_task_count":         `non-histogram and non-summary metrics should not have "_count" suffix`,
}

func TestPromlint(t *testing.T) {
	m := New()
	m.Handler() // registers promhttp's error counter
	populate(m)
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) < 30 {
		t.Fatalf("gathered %d families; populate should have filled more", len(mfs))
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strimziNames[p.Metric] == p.Text {
			continue
		}
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestTaskHooks(t *testing.T) {
	m := New()
	m.OnSourcePoll(task1, 10)
	m.OnSourcePoll(task1, 0)
	m.OnSourceWrite(task1, 7, 700)
	m.OnSourceSendFailure(task1, "orders", 1)
	m.OnSourceSendFailure(task1, "orders", 1)
	m.OnSinkPut(task0, 5, time.Millisecond)
	m.OnSinkPut(task0, 6, time.Millisecond)
	m.OnOffsetCommit(task0, time.Millisecond, nil)
	m.OnOffsetCommit(task0, time.Millisecond, errors.New("no coordinator"))
	m.OnOffsetCommit(task0, time.Millisecond, nil)
	m.OnRecordError(task0, runtime.StageValueConverter, true)
	m.OnRecordError(task0, runtime.StageTaskPut, false)

	for _, c := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"poll", m.polled.WithLabelValues("source", "1"), 10},
		{"write", m.written.WithLabelValues("source", "1"), 7},
		{"send failures", m.sendFailures.WithLabelValues("source", "1", "orders"), 2},
		{"send", m.sent.WithLabelValues("sink", "0"), 11},
		{"errors", m.recordErrors.WithLabelValues("sink", "0"), 2},
		{"skipped", m.skipped.WithLabelValues("sink", "0"), 1},
		{"errors by stage", m.recordErrorsByStage.WithLabelValues("sink", "0", "VALUE_CONVERTER"), 1},
	} {
		if got := value(t, c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		result string
		want   uint64
	}{{"success", 2}, {"failure", 1}} {
		if got := observations(t, m.commitSeconds, "sink", "0", c.result); got != c.want {
			t.Errorf("%s commits = %d, want %d", c.result, got, c.want)
		}
	}
	if got := observations(t, m.putSeconds, "sink", "0"); got != 2 {
		t.Errorf("put batches = %d, want 2", got)
	}
}

// observations counts what a histogram of vec was given.
func observations(t *testing.T, vec *prometheus.HistogramVec, labels ...string) uint64 {
	t.Helper()
	var out dto.Metric
	if err := vec.WithLabelValues(labels...).(prometheus.Metric).Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetHistogram().GetSampleCount()
}

// gaugeValue gathers the value of a gauge without labels.
func gaugeValue(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s gathered", name)
	return 0
}
func TestRebalanceHooks(t *testing.T) {
	m := New()
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	if got := gaugeValue(t, m, "kafka_connect_worker_rebalance_time_since_last_rebalance_ms"); !math.IsInf(got, 1) {
		t.Errorf("time since last rebalance before any = %v, want +Inf", got)
	}
	var herderSaw []string
	hooks := m.RebalanceHooks(coordination.Hooks{RebalanceStarted: func(reason string) { herderSaw = append(herderSaw, reason) }})

	hooks.RebalanceStarted("joining")
	if got := value(t, m.rebalancing); got != 1 {
		t.Errorf("rebalancing during a rebalance = %v", got)
	}
	hooks.RebalanceCompleted(assignment([]string{"sink"}, task0, task1), 100*time.Millisecond)
	now = now.Add(2 * time.Second)
	hooks.RebalanceStarted("a worker joined")
	hooks.RebalanceCompleted(assignment(nil, task0), 300*time.Millisecond)
	now = now.Add(1500 * time.Millisecond)

	for _, c := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"rebalancing", m.rebalancing, 0},
		{"completed", m.rebalances, 2},
		{"avg ms", m.rebalanceAvg, 200},
		{"connectors", m.connectorCount, 0},
		{"tasks", m.taskCount, 1},
	} {
		if got := value(t, c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if got := gaugeValue(t, m, "kafka_connect_worker_rebalance_time_since_last_rebalance_ms"); got != 1500 {
		t.Errorf("time since last rebalance = %v ms, want 1500", got)
	}
	if len(herderSaw) != 2 {
		t.Errorf("the next hooks saw %q, want both rebalances", herderSaw)
	}
	if n := count(m.rebalanceSeconds); n != 1 {
		t.Errorf("rebalance histogram: %d series", n)
	}
}

func TestRevokedWorkLosesItsSeries(t *testing.T) {
	m := New()
	hooks := m.RebalanceHooks(coordination.Hooks{})
	hooks.RebalanceCompleted(assignment([]string{"sink"}, task0, task1), time.Millisecond)
	m.OnSinkPut(task0, 1, time.Millisecond)
	m.OnSourcePoll(task1, 1)
	m.OnDelivery("sink", 1, 200, time.Millisecond)
	m.OnAppHealth("source", true)

	// The sink's task moves away but its connector stays; the source goes.
	hooks.RebalanceCompleted(assignment([]string{"sink"}), time.Millisecond)
	for _, c := range []struct {
		name string
		c    prometheus.Collector
		want int
	}{
		{"sink task send", m.sent, 0},
		{"source task poll", m.polled, 0},
		{"sink connector deliveries", m.requests, 1},
		{"source connector app health", m.appHealthy, 0},
	} {
		if n := count(c.c); n != c.want {
			t.Errorf("%s: %d series, want %d", c.name, n, c.want)
		}
	}
}

func TestHTTPSinkObserver(t *testing.T) {
	m := New()
	m.OnDelivery("h", 10, 200, 10*time.Millisecond)
	m.OnDelivery("h", 10, 503, 10*time.Millisecond)
	m.OnDelivery("h", 10, 0, time.Second)
	m.OnDelivery("h", 4, 204, 10*time.Millisecond)
	m.OnRetry("h", 10)
	m.OnRetry("h", 10)
	m.OnDeadLetter("h", 3)
	m.OnAppHealth("h", true)
	m.OnAppHealth("h", false)

	for _, c := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"200", m.requests.WithLabelValues("h", "200"), 1},
		{"503", m.requests.WithLabelValues("h", "503"), 1},
		{"no answer", m.requests.WithLabelValues("h", "0"), 1},
		{"delivered", m.delivered.WithLabelValues("h"), 14},
		{"retries", m.retries.WithLabelValues("h"), 20},
		{"dead letters", m.deadLetters.WithLabelValues("h"), 3},
		{"app healthy", m.appHealthy.WithLabelValues("h"), 0},
	} {
		if got := value(t, c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if n := count(m.deliverySeconds); n != 1 {
		t.Errorf("delivery histograms: %d series", n)
	}
}

func TestHTTPSinkPartitions(t *testing.T) {
	m := New()
	m.OnPartition("h", "orders", 3, 2, 40, 1500*time.Millisecond)
	m.OnPartition("h", "orders", 4, 0, 0, 0)
	for _, c := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"in flight", m.inFlight.WithLabelValues("h", "orders", "3"), 2},
		{"waiting", m.waiting.WithLabelValues("h", "orders", "3"), 40},
		{"oldest", m.oldestAge.WithLabelValues("h", "orders", "3"), 1.5},
	} {
		if got := value(t, c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	m.OnPartitionClosed("h", "orders", 3)
	for _, v := range []*prometheus.GaugeVec{m.inFlight, m.waiting, m.oldestAge} {
		if n := count(v); n != 1 {
			t.Errorf("%d series after partition 3 closed, want partition 4's", n)
		}
	}
}

func TestClusterSeries(t *testing.T) {
	m := New()
	cluster := []string{"kafka_connect_connector_status", "kafka_connect_connector_task_status", "kafka_connect_sink_task_sink_record_lag_max",
		"connect_sidecar_sink_lag", "connect_sidecar_cluster_sink_lag", "connect_sidecar_desired_workers"}
	for s := range series(t, m) {
		for _, name := range cluster {
			if strings.HasPrefix(s, name+"{") {
				t.Errorf("before any poll: %s", s)
			}
		}
	}
	populate(m)
	got := series(t, m)
	for s, want := range map[string]float64{
		`kafka_connect_connector_status{connector="sink",status="running"}`:              1,
		`kafka_connect_connector_task_status{connector="sink",status="failed",task="0"}`: 1,
		`kafka_connect_sink_task_sink_record_lag_max{connector="sink"}`:                  7,
		`connect_sidecar_sink_lag{connector="sink",partition="0",topic="t"}`:             7,
		`connect_sidecar_cluster_sink_lag{}`:                                             7,
		`connect_sidecar_desired_workers{}`:                                              2,
		`connect_sidecar_lag_poll_failures_total{}`:                                      1,
	} {
		if v, ok := got[s]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", s, v, ok, want)
		}
	}
	// As in Java, only the worker that runs a connector or task reports
	// its status, so a join over workers finds one series each.
	for _, s := range []string{
		`kafka_connect_connector_status{connector="source",status="running"}`,
		`kafka_connect_connector_task_status{connector="sink",status="running",task="1"}`,
	} {
		if _, ok := got[s]; ok {
			t.Errorf("another worker's status is reported here: %s", s)
		}
	}
}

func TestHandler(t *testing.T) {
	m := New()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	status, body := get(t, srv.URL+"/metrics/scaling")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"error_code":503`) {
		t.Errorf("before any poll: %d %s", status, body)
	}
	populate(m)
	status, body = get(t, srv.URL+"/metrics/scaling")
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); status != http.StatusOK || err != nil {
		t.Fatalf("GET /metrics/scaling = %d %s", status, body)
	}
	want := map[string]any{"desired_workers": 2.0, "lag": 7.0, "tasks": 2.0, "lag_per_worker": 5.0}
	if len(got) != len(want) {
		t.Errorf("body %s, want the fields %v", body, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (body %s)", k, got[k], v, body)
		}
	}
	status, body = get(t, srv.URL+"/metrics")
	for _, s := range []string{"connect_sidecar_desired_workers 2", "kafka_connect_worker_task_count 2", "go_goroutines", "process_cpu_seconds_total"} {
		if status != http.StatusOK || !strings.Contains(body, s) {
			t.Errorf("GET /metrics = %d, lacks %q", status, s)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// value reads the one counter or gauge c yields.
func value(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	close(ch)
	var out dto.Metric
	if err := (<-ch).Write(&out); err != nil {
		t.Fatal(err)
	}
	if out.Counter != nil {
		return out.Counter.GetValue()
	}
	return out.Gauge.GetValue()
}

// count counts the series c yields.
func count(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	n := 0
	for range ch {
		n++
	}
	return n
}

// series gathers every counter and gauge as name{labels} = value, the
// labels sorted by name.
func series(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			key := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case s.Counter != nil:
				out[key] = s.Counter.GetValue()
			case s.Gauge != nil:
				out[key] = s.Gauge.GetValue()
			}
		}
	}
	return out
}
