package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

func TestConsumerHooksCountConnectionsAndBytes(t *testing.T) {
	m := New()
	m.RebalanceHooks(coordination.Hooks{}).RebalanceCompleted(assignment(nil, task0), time.Millisecond)
	h := m.ConsumerHooks(task0, consumerID(task0))[0].(*clientStats)
	a, b := net.Pipe()
	meta := kgo.BrokerMetadata{NodeID: 1}
	h.OnBrokerConnect(meta, time.Millisecond, a, nil)
	h.OnBrokerConnect(meta, time.Millisecond, b, nil)
	h.OnBrokerConnect(meta, time.Millisecond, nil, errors.New("connection refused")) // an attempt, no connection
	h.OnBrokerDisconnect(meta, a)
	h.OnBrokerDisconnect(meta, a) // kgo reports a connection once; a second report takes nothing
	h.OnBrokerRead(meta, 1, 1000, 0, 0, nil)
	h.OnBrokerRead(meta, 3, 24, 0, 0, nil)
	h.OnBrokerWrite(meta, 1, 70, 0, 0, nil)

	got := series(t, m)
	for s, want := range map[string]float64{
		`kafka_consumer_connection_count{clientid="connector-consumer-sink-0"}`:    1,
		`kafka_consumer_incoming_byte_total{clientid="connector-consumer-sink-0"}`: 1024,
		`kafka_consumer_outgoing_byte_total{clientid="connector-consumer-sink-0"}`: 70,
	} {
		if v, ok := got[s]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", s, v, ok, want)
		}
	}

	// A task that leaves the worker takes its client's series along, as
	// Java closes the client's metrics with the client.
	m.RebalanceHooks(coordination.Hooks{}).RebalanceCompleted(assignment(nil), time.Millisecond)
	if n := count(m.consumers.read) + count(m.consumers.conns) + count(m.consumers.written); n != 0 {
		t.Errorf("after the task left: %d consumer series", n)
	}
}

// TestClientSeriesOfRealClients points a franz-go consumer and a kafka-go
// producer, built as the runtime builds a task's, at a broker and reads
// what their series say while they are open and once they are closed.
func TestClientSeriesOfRealClients(t *testing.T) {
	b := kafkatest.Start(t)
	topic := kafkatest.Name(t, "bytes")
	b.CreateTopic(t, topic, 1)
	clients, err := kafkaclient.New(config.Worker{BootstrapServers: []string{b.Addr}, GroupID: "metrics-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer clients.Close()
	m := New()
	m.ObserveSharedClient(clients)
	m.RebalanceHooks(coordination.Hooks{}).RebalanceCompleted(assignment(nil, task0, task1), time.Millisecond)
	producerSeries := fmt.Sprintf("{clientid=%q}", producerID(task1))
	consumerSeries := fmt.Sprintf("{clientid=%q}", consumerID(task0))

	transport := clients.NewTransport(producerID(task1), m.ProducerObserver(task1, producerID(task1)))
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Transport: transport, Topic: topic, RequiredAcks: kafka.RequireAll}
	value := make([]byte, 10_000)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, kafka.Message{Value: value}); err != nil {
		t.Fatal(err)
	}
	got := series(t, m)
	if v := got["kafka_producer_outgoing_byte_total"+producerSeries]; v < float64(len(value)) {
		t.Errorf("producer sent %v bytes; the record alone has %d", v, len(value))
	}
	if v := got["kafka_producer_incoming_byte_total"+producerSeries]; v <= 0 {
		t.Errorf("producer received %v bytes; Kafka answered", v)
	}
	if v := got["kafka_producer_connection_count"+producerSeries]; v < 1 {
		t.Errorf("producer connections while it works: %v", v)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	transport.CloseIdleConnections()
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if v := series(t, m)["kafka_producer_connection_count"+producerSeries]; v != 0 {
			return fmt.Errorf("producer connections after close: %v", v)
		}
		return nil
	})

	cl, err := kgo.NewClient(append(clients.Franz,
		kgo.ClientID(consumerID(task0)), kgo.WithHooks(m.ConsumerHooks(task0, consumerID(task0))...),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	fetches := cl.PollRecords(ctx, 1)
	if err := fetches.Err(); err != nil || fetches.NumRecords() != 1 {
		t.Fatalf("consumer polled %d records: %v", fetches.NumRecords(), err)
	}
	got = series(t, m)
	if v := got["kafka_consumer_incoming_byte_total"+consumerSeries]; v < float64(len(value)) {
		t.Errorf("consumer received %v bytes; the record alone has %d", v, len(value))
	}
	if v := got["kafka_consumer_connection_count"+consumerSeries]; v < 1 {
		t.Errorf("consumer connections while it works: %v", v)
	}
	cl.Close()
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if v := series(t, m)["kafka_consumer_connection_count"+consumerSeries]; v != 0 {
			return fmt.Errorf("consumer connections after close: %v", v)
		}
		return nil
	})

	// The worker's shared client keeps its connections open between requests.
	if _, err := clients.ClusterID(ctx); err != nil {
		t.Fatal(err)
	}
	if v := series(t, m)[fmt.Sprintf("kafka_admin_client_connection_count{clientid=%q}", clients.Transport.ClientID)]; v < 1 {
		t.Errorf("shared client connections after a request: %v", v)
	}
}

func TestWorkerSeries(t *testing.T) {
	m := New()
	sink := func(n int32) runtime.TaskID { return runtime.TaskID{Connector: "sink", Task: n} }
	m.RebalanceHooks(coordination.Hooks{}).RebalanceCompleted(assignment([]string{"sink"}, sink(0), sink(1), task1), time.Millisecond)
	var s statusstore.Snapshot
	for _, ts := range []statusstore.TaskStatus{
		{ID: statusstore.TaskID{Connector: "sink", Task: 0}, Status: statusstore.Status{State: statusstore.Running}},
		{ID: statusstore.TaskID{Connector: "sink", Task: 1}, Status: statusstore.Status{State: statusstore.Failed}},
		{ID: statusstore.TaskID{Connector: "sink", Task: 2}, Status: statusstore.Status{State: statusstore.Running}}, // another worker's
		{ID: statusstore.TaskID{Connector: "source", Task: 1}, Status: statusstore.Status{State: statusstore.Paused}},
		{ID: statusstore.TaskID{Connector: "other", Task: 0}, Status: statusstore.Status{State: statusstore.Running}}, // another worker's
	} {
		s = s.Apply(ts)
	}
	m.publishStatuses(s, "w1:8083")
	var snap configstore.Snapshot
	for i, name := range []string{"sink", "source", "other"} {
		snap = snap.Apply(configstore.ConnectorConfig{Connector: name, Properties: configstore.PropsOf(map[string]string{"connector.class": "Test" + name})}, int64(i), false)
	}
	plugins, err := plugin.NewRegistry(
		plugin.Plugin{Class: "test.Testsink", Kind: plugin.KindSink, Version: "1.2", New: func() any { return nil }},
		plugin.Plugin{Class: "test.Testsource", Kind: plugin.KindSource, Version: "3.4", New: func() any { return nil }},
	)
	if err != nil {
		t.Fatal(err)
	}
	m.publishConnectors(connectorInfos(snap, plugins))

	got := series(t, m)
	want := map[string]float64{
		`kafka_connect_coordinator_assigned_connectors{}`: 1,
		`kafka_connect_coordinator_assigned_tasks{}`:      3,
		// Only the connector whose instance runs here is described here.
		`kafka_connect_connector_connector_class{connector="sink",connector_class="test.Testsink"}`: 1,
		`kafka_connect_connector_connector_type{connector="sink",connector_type="sink"}`:            1,
		`kafka_connect_connector_connector_version{connector="sink",connector_version="1.2"}`:       1,
		// Task-error series exist from the task's start.
		`kafka_connect_task_error_total_record_failures{connector="sink",task="1"}`: 0,
	}
	for conn, states := range map[string]map[string]float64{
		"sink":   {"total": 2, "running": 1, "failed": 1, "paused": 0, "unassigned": 0, "restarting": 0, "destroyed": 0},
		"source": {"total": 1, "running": 0, "failed": 0, "paused": 1, "unassigned": 0, "restarting": 0, "destroyed": 0},
	} {
		for state, n := range states {
			want[fmt.Sprintf("kafka_connect_worker_connector_%s_task_count{connector=%q}", state, conn)] = n
		}
	}
	for s, v := range want {
		if g, ok := got[s]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", s, g, ok, v)
		}
	}
	for s := range got {
		for _, absent := range []string{`connector="other"`, `connector="source",connector_class`} {
			if strings.Contains(s, absent) {
				t.Errorf("%s: this worker runs nothing of it", s)
			}
		}
	}

	m.OnRecordFailure(sink(1), runtime.StageTaskPut)
	m.OnRecordFailure(sink(1), runtime.StageTaskPut)
	if v := series(t, m)[`kafka_connect_task_error_total_record_failures{connector="sink",task="1"}`]; v != 2 {
		t.Errorf("record failures = %v, want 2", v)
	}
}
