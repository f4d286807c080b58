package configstore

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

func startStore(t testing.TB, w config.Worker) *Store {
	t.Helper()
	return kafkatest.Started(t, NewStore(kafkatest.Clients(t, w), w, kafkatest.Quiet()))
}

func TestStoreWritesAreReadBackAfterARestart(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	ctx := context.Background()
	s := startStore(t, w)
	if got := s.Snapshot().Offset(); got != -1 {
		t.Fatalf("empty topic: config offset %d, want -1", got)
	}
	paused := Paused
	conf := map[string]string{"connector.class": "FileStreamSource", "tasks.max": "2", "file": "/tmp/in.txt"}
	must(t, s.PutConnectorConfig(ctx, "files", conf, &paused))
	must(t, s.PutTaskConfigs(ctx, "files", []map[string]string{{"task": "0"}, {"task": "1"}}))
	must(t, s.PutConnectorConfig(ctx, "gone", conf, nil))
	must(t, s.RemoveConnector(ctx, "gone"))
	before := s.Snapshot()

	after := startStore(t, w).Snapshot()
	if after.Offset() != before.Offset() || after.Offset() != 8 {
		t.Errorf("config offset %d after restart, %d before, want 8 (8 records)", after.Offset(), before.Offset())
	}
	if got := after.Connectors(); len(got) != 1 || got[0] != "files" {
		t.Errorf("connectors %v, want [files]", got)
	}
	got, _ := after.ConnectorConfig("files")
	if !maps.EqualFunc(got, PropsOf(conf), func(a, b *string) bool { return *a == *b }) {
		t.Errorf("config %v", got)
	}
	if st, _ := after.TargetState("files"); st != Paused {
		t.Errorf("target state %v, want PAUSED", st)
	}
	if n := after.TaskCount("files"); n != 2 {
		t.Errorf("task count %d, want 2", n)
	}
	if tc, ok := after.TaskConfig(TaskID{Connector: "files", Task: 1}); !ok || *tc["task"] != "1" {
		t.Errorf("task 1 config %v", tc)
	}
}

// Records another tool wrote into the config topic are skipped, and the
// store keeps going with a consistent snapshot.
func TestStoreSkipsForeignRecords(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	s := startStore(t, w)
	b.Produce(t, w.ConfigStorageTopic, "connector-x", "not json", "hello", `{"a":1}`, "task-x-notanumber", `{"properties":{}}`)
	ctx := context.Background()
	must(t, s.PutConnectorConfig(ctx, "ok", map[string]string{"connector.class": "X"}, nil))
	snap := s.Snapshot()
	if got := snap.Connectors(); len(got) != 1 || got[0] != "ok" {
		t.Errorf("connectors %v, want [ok]", got)
	}
	if s.BadRecords() != 3 {
		t.Errorf("%d bad records counted, want 3", s.BadRecords())
	}
	// The two valid-JSON records count toward the offset, as in Java.
	if snap.Offset() != 4 {
		t.Errorf("config offset %d, want 4", snap.Offset())
	}
}

func TestStoreRefusesAConfigTopicWithSeveralPartitions(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	b.CreateTopic(t, w.ConfigStorageTopic, 3, "cleanup.policy", "compact")
	s := NewStore(kafkatest.Clients(t, w), w, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer s.Stop()
	err := s.Start(context.Background())
	if err == nil {
		t.Fatal("a 3-partition config topic was accepted")
	}
	for _, want := range []string{"3 partitions", "exactly 1", "CONNECT_CONFIG_STORAGE_TOPIC"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStoreStart1000Connectors loads a config topic of 1,000
// connectors × 10 tasks (with their commits and target states) from the
// broker into a snapshot, as a worker does at start.
func BenchmarkStoreStart1000Connectors(b *testing.B) {
	broker := kafkatest.Start(b)
	w := kafkatest.Worker(b, broker, kafkatest.Name(b, "g"))
	keys, values := syntheticTopic(b, 1000, 10)
	writer := kafkalog.New(kafkatest.Clients(b, w), kafkalog.Config{Topic: w.ConfigStorageTopic, SinglePartition: true}, nil, func(kafkalog.Record) {})
	ctx := context.Background()
	must(b, writer.Start(ctx))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		must(b, writer.SendAsync(ctx, []byte(keys[i]), values[i], func(err error) {
			if err != nil {
				b.Error(err)
			}
			wg.Done()
		}))
	}
	wg.Wait()
	writer.Stop()
	b.ResetTimer()
	for b.Loop() {
		s := NewStore(kafkatest.Clients(b, w), w, slog.New(slog.NewTextHandler(io.Discard, nil)))
		must(b, s.Start(ctx))
		if n := len(s.Snapshot().Connectors()); n != 1000 {
			b.Fatalf("%d connectors loaded", n)
		}
		s.Stop()
	}
	b.ReportMetric(float64(len(keys)), "records")
}
