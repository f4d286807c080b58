package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// TestPollerFollowsTheGroupsCommits runs the poller against a broker: a
// sink connector's group has committed part of one partition and nothing
// of the other, then commits the end of both.
func TestPollerFollowsTheGroupsCommits(t *testing.T) {
	b := kafkatest.Start(t)
	t.Logf("broker: %s", b)
	topic := kafkatest.Name(t, "lag")
	b.CreateTopic(t, topic, 2)
	var kvs []string
	for i := range 20 {
		kvs = append(kvs, "key-"+strconv.Itoa(i), "value")
	}
	b.Produce(t, topic, kvs...)
	end := [2]int64{}
	for p := range end {
		var err error
		if end[p], err = kafkatest.LastOffset(b, topic, p); err != nil {
			t.Fatal(err)
		}
	}
	if end[0] < 2 || end[1] < 1 {
		t.Fatalf("the keys did not spread over both partitions: ends %v", end)
	}

	connector := kafkatest.Name(t, "sink")
	group := "connect-" + connector
	commit(t, b, group, topic, map[int]int64{0: 2})
	wantLag := end[0] - 2 + end[1] // partition 1 has no committed offset: counted from its start

	clients, err := kafkaclient.New(config.Worker{BootstrapServers: []string{b.Addr}, GroupID: "metrics-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer clients.Close()
	plugins, err := plugin.NewRegistry(plugin.Plugin{Class: "test.LagSink", Kind: plugin.KindSink, New: func() any { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	const perWorker, tasks = 3, 20
	p := NewPoller(m, PollerConfig{LagPerWorker: perWorker, Interval: 20 * time.Millisecond},
		Sources{Configs: sinkConfig(connector, topic, tasks), Statuses: func() statusstore.Snapshot { return statusstore.Snapshot{} }},
		plugins, clients, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Stop(context.Background()) }()

	want := Scaling{DesiredWorkers: int((wantLag + perWorker - 1) / perWorker), Lag: wantLag, Tasks: tasks, LagPerWorker: perWorker}
	kafkatest.Eventually(t, 30*time.Second, func() error { return scalingIs(m, want) })
	lag := series(t, m)
	for part, l := range []int64{end[0] - 2, end[1]} {
		key := fmt.Sprintf(`connect_sidecar_sink_lag{connector=%q,partition="%d",topic=%q}`, connector, part, topic)
		if lag[key] != float64(l) {
			t.Errorf("%s = %v, want %d", key, lag[key], l)
		}
	}

	commit(t, b, group, topic, map[int]int64{0: end[0], 1: end[1]})
	want = Scaling{DesiredWorkers: 1, Lag: 0, Tasks: tasks, LagPerWorker: perWorker}
	kafkatest.Eventually(t, 30*time.Second, func() error { return scalingIs(m, want) })
}

func scalingIs(m *Metrics, want Scaling) error {
	got, ok := m.Scaling()
	if !ok || got != want {
		return fmt.Errorf("scaling %+v (polled: %v), want %+v", got, ok, want)
	}
	return nil
}

// sinkConfig is a config topic holding one sink connector with tasks
// tasks, and a source connector whose one task counts toward the cap but
// whose lack of lag counts nothing.
func sinkConfig(connector, topic string, tasks int) func() configstore.Snapshot {
	var snap configstore.Snapshot
	var offset int64
	apply := func(r configstore.Record) {
		snap = snap.Apply(r, offset, false)
		offset++
	}
	apply(configstore.ConnectorConfig{Connector: connector, Properties: configstore.PropsOf(map[string]string{
		"connector.class": "LagSink", "topics": topic, "tasks.max": strconv.Itoa(tasks - 1)})})
	for i := range tasks - 1 {
		apply(configstore.TaskConfig{ID: configstore.TaskID{Connector: connector, Task: int32(i)}, Properties: configstore.PropsOf(map[string]string{"topics": topic})})
	}
	apply(configstore.Commit{Connector: connector, Tasks: int32(tasks - 1)})
	apply(configstore.ConnectorConfig{Connector: "source-" + connector, Properties: configstore.PropsOf(map[string]string{"connector.class": "Unknown"})})
	apply(configstore.TaskConfig{ID: configstore.TaskID{Connector: "source-" + connector, Task: 0}, Properties: configstore.Props{}})
	apply(configstore.Commit{Connector: "source-" + connector, Tasks: 1})
	return func() configstore.Snapshot { return snap }
}

// commit commits offsets for group as a client outside the group does
// (generation -1), which Kafka allows while the group has no members.
func commit(t *testing.T, b *kafkatest.Broker, group, topic string, offsets map[int]int64) {
	t.Helper()
	var commits []kafka.OffsetCommit
	for p, o := range offsets {
		commits = append(commits, kafka.OffsetCommit{Partition: p, Offset: o})
	}
	resp, err := b.Client().OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{topic: commits},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("commit %s[%d]: %v", topic, p.Partition, p.Error)
		}
	}
}
