package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// harness is a broker, shared clients and helpers to run logs on it.
type harness struct {
	t       testing.TB
	broker  *kafkatest.Broker
	clients *kafkaclient.Clients
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	b := kafkatest.Start(t)
	c, err := kafkaclient.New(config.Worker{BootstrapServers: config.List{b.Addr}, GroupID: "kafkalog-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &harness{t: t, broker: b, clients: c}
}

// collector is an apply function that keeps what it was given.
type collector struct {
	mu   sync.Mutex
	recs []Record
}

func (c *collector) apply(r Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r)
}

func (c *collector) records() []Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.recs)
}

// byPartition renders records as one line per partition: offset:key=value.
func byPartition(recs []Record) map[int]string {
	out := map[int]string{}
	for _, r := range recs {
		v := "<nil>"
		if r.Value != nil {
			v = string(r.Value)
		}
		out[r.Partition] += fmt.Sprintf("%d:%s=%s ", r.Offset, r.Key, v)
	}
	return out
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// start starts a log on topic and stops it when the test ends.
func (h *harness) start(cfg Config) (*Log, *collector, error) {
	h.t.Helper()
	if cfg.ReplicationFactor == 0 {
		cfg.ReplicationFactor = 1
	}
	c := &collector{}
	l := New(h.clients, cfg, testLogger(h.t), c.apply)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := l.Start(ctx)
	h.t.Cleanup(l.Stop)
	return l, c, err
}

func (h *harness) mustStart(cfg Config) (*Log, *collector) {
	h.t.Helper()
	l, c, err := h.start(cfg)
	if err != nil {
		h.t.Fatalf("start: %v", err)
	}
	return l, c
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// A new log started on a topic sees exactly what an earlier one wrote, in
// the same partitions and order; ReadToEnd makes a Send visible.
func TestRestartReadsWhatWasSent(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "log")
	cfg := Config{Topic: topic, Partitions: 5}
	l, first := h.mustStart(cfg)
	if l.Partitions() != 5 {
		t.Fatalf("Partitions() = %d, want 5", l.Partitions())
	}
	ctx := ctxFor(t, 60*time.Second)
	for i := range 120 {
		var value []byte
		if i%7 != 6 {
			value = fmt.Appendf(nil, "v%d", i)
		}
		if err := l.Send(ctx, fmt.Appendf(nil, "key-%d", i%30), value); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	written := first.records()
	if len(written) != 120 {
		t.Fatalf("the writing log saw %d records after ReadToEnd, want 120", len(written))
	}
	l.Stop()
	if err := l.ReadToEnd(ctx); !errors.Is(err, ErrStopped) {
		t.Errorf("ReadToEnd after Stop: %v, want ErrStopped", err)
	}
	if err := l.Send(ctx, []byte("k"), nil); !errors.Is(err, ErrStopped) {
		t.Errorf("Send after Stop: %v, want ErrStopped", err)
	}

	_, second := h.mustStart(cfg)
	got, want := byPartition(second.records()), byPartition(written)
	for p := range 5 {
		if got[p] != want[p] {
			t.Errorf("partition %d after restart:\n got  %s\n want %s", p, got[p], want[p])
		}
	}
	// Per key, the values come back in the order they were sent.
	last := map[string]int{}
	for _, r := range second.records() {
		var i int
		if r.Value == nil {
			continue
		}
		if _, err := fmt.Sscanf(string(r.Value), "v%d", &i); err != nil {
			t.Fatal(err)
		}
		if prev, ok := last[string(r.Key)]; ok && i <= prev {
			t.Errorf("key %s: v%d after v%d", r.Key, i, prev)
		}
		last[string(r.Key)] = i
	}
}

// Records land where Java's producer puts them: murmur2 of the key.
func TestSameKeySamePartitionAsJava(t *testing.T) {
	h := newHarness(t)
	l, c := h.mustStart(Config{Topic: kafkatest.Name(t, "log"), Partitions: 5})
	ctx := ctxFor(t, 60*time.Second)
	keys := []string{"status-connector-a", "status-task-a-0", "status-task-a-1", `["file-source",{"filename":"/tmp/in.txt"}]`, "x", "connector-b"}
	for round := range 3 {
		for _, k := range keys {
			if err := l.Send(ctx, []byte(k), fmt.Appendf(nil, "%d", round)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	recs := c.records()
	if len(recs) != 3*len(keys) {
		t.Fatalf("%d records, want %d", len(recs), 3*len(keys))
	}
	used := map[int]bool{}
	for _, r := range recs {
		if want := PartitionForKey(r.Key, 5); r.Partition != want {
			t.Errorf("%s in partition %d, want %d", r.Key, r.Partition, want)
		}
		used[r.Partition] = true
	}
	if len(used) < 2 {
		t.Errorf("all keys in one partition: %v", used)
	}
}

func TestTombstonesAreNilValues(t *testing.T) {
	h := newHarness(t)
	l, c := h.mustStart(Config{Topic: kafkatest.Name(t, "log"), SinglePartition: true})
	ctx := ctxFor(t, 30*time.Second)
	for _, v := range [][]byte{[]byte("x"), nil, {}} {
		if err := l.Send(ctx, []byte("k"), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	recs := c.records()
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	if string(recs[0].Value) != "x" || recs[1].Value != nil || recs[2].Value == nil || len(recs[2].Value) != 0 {
		t.Errorf("values %q %q %q: want x, nil (tombstone), empty", recs[0].Value, recs[1].Value, recs[2].Value)
	}
	if recs[0].Timestamp.IsZero() || time.Since(recs[0].Timestamp) > time.Minute {
		t.Errorf("timestamp %v", recs[0].Timestamp)
	}
}

// Records another producer writes after Start reach apply without a
// ReadToEnd.
func TestTailsOtherProducers(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "log")
	// Created by kafkatest: its Produce uses kafka-go's DefaultTransport,
	// whose metadata cache learns of topics other clients create only after
	// its refresh interval.
	h.broker.CreateTopic(t, topic, 3, "cleanup.policy", "compact")
	_, c := h.mustStart(Config{Topic: topic})
	h.broker.Produce(t, topic, "a", "1", "b", "2", "c", "3", "a", "4")
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if n := len(c.records()); n != 4 {
			return fmt.Errorf("%d records applied, want 4", n)
		}
		return nil
	})
	for _, r := range c.records() {
		if want := PartitionForKey(r.Key, 3); r.Partition != want {
			t.Errorf("%s in partition %d, want %d", r.Key, r.Partition, want)
		}
	}
}

func TestStartRefusesAConfigTopicWithManyPartitions(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "configs")
	h.broker.CreateTopic(t, topic, 3, "cleanup.policy", "compact")
	_, _, err := h.start(Config{Topic: topic, SinglePartition: true, Property: "config.storage.topic"})
	if err == nil {
		t.Fatal("started on a 3-partition config topic")
	}
	for _, want := range []string{topic, "3 partitions", "exactly 1", "CONNECT_CONFIG_STORAGE_TOPIC"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestStartRefusesATopicThatIsNotCompacted(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "offsets")
	h.broker.CreateTopic(t, topic, 2, "cleanup.policy", "delete")
	_, _, err := h.start(Config{Topic: topic, Partitions: 25, Property: "offset.storage.topic"})
	if err == nil {
		t.Fatal("started on a topic with cleanup.policy=delete")
	}
	for _, want := range []string{topic, "cleanup.policy=delete", "compact", "kafka-configs.sh", "CONNECT_OFFSET_STORAGE_TOPIC"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// An existing, well-formed topic is used as it is, whatever Partitions says.
func TestStartUsesAnExistingTopic(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "status")
	h.broker.CreateTopic(t, topic, 2, "cleanup.policy", "compact")
	h.broker.Produce(t, topic, "k1", "v1", "k2", "v2")
	l, c := h.mustStart(Config{Topic: topic, Partitions: 5})
	if l.Partitions() != 2 {
		t.Errorf("Partitions() = %d, want 2", l.Partitions())
	}
	if n := len(c.records()); n != 2 {
		t.Errorf("%d records read at start, want 2", n)
	}
}

func TestStartCreatesACompactedTopic(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "log")
	h.mustStart(Config{Topic: topic, Partitions: 4, TopicConfigs: map[string]string{
		"cleanup.policy":        "delete", // ignored
		"min.compaction.lag.ms": "12345",
	}})
	resp, err := h.clients.Client.DescribeConfigs(ctxFor(t, 10*time.Second), &kafka.DescribeConfigsRequest{
		Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range resp.Resources[0].ConfigEntries {
		got[e.ConfigName] = e.ConfigValue
	}
	if got["cleanup.policy"] != "compact" || got["min.compaction.lag.ms"] != "12345" {
		t.Errorf("cleanup.policy=%q min.compaction.lag.ms=%q", got["cleanup.policy"], got["min.compaction.lag.ms"])
	}
	meta, err := h.clients.Client.Metadata(ctxFor(t, 10*time.Second), &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(meta.Topics[0].Partitions); n != 4 {
		t.Errorf("%d partitions, want 4", n)
	}
}

// SendAsync keeps the order of sequential calls and reports each record.
func TestSendAsyncKeepsOrder(t *testing.T) {
	h := newHarness(t)
	l, c := h.mustStart(Config{Topic: kafkatest.Name(t, "log"), Partitions: 2})
	ctx := ctxFor(t, 60*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 500)
	for i := range 500 {
		wg.Add(1)
		err := l.SendAsync(ctx, []byte("same"), fmt.Appendf(nil, "%04d", i), func(err error) {
			if err != nil {
				errs <- err
			}
			wg.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	recs := c.records()
	if len(recs) != 500 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if want := fmt.Sprintf("%04d", i); string(r.Value) != want {
			t.Fatalf("record %d is %s, want %s", i, r.Value, want)
		}
	}
}

// Stop leaves no goroutine of the log or its producer behind.
func TestStopWaitsForItsGoroutines(t *testing.T) {
	h := newHarness(t)
	l, _ := h.mustStart(Config{Topic: kafkatest.Name(t, "log"), Partitions: 3})
	if err := l.Send(ctxFor(t, 30*time.Second), []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	l.Stop()
	l.Stop()
	var stacks string
	kafkatest.Eventually(t, 30*time.Second, func() error {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		for _, leak := range []string{"kafkalog.(*Log)", "kafka-go.(*partitionWriter)", "kafka-go.(*Writer)"} {
			if strings.Contains(stacks, leak) {
				return fmt.Errorf("goroutine in %s after Stop", leak)
			}
		}
		return nil
	})
}

func TestStopBeforeStart(t *testing.T) {
	l := New(&kafkaclient.Clients{}, Config{Topic: "x"}, nil, func(Record) {})
	l.Stop()
	if err := l.Start(context.Background()); err == nil {
		t.Error("Start after Stop succeeded")
	}
	if err := l.ReadToEnd(context.Background()); !errors.Is(err, ErrStopped) {
		t.Errorf("ReadToEnd: %v", err)
	}
	if err := l.Send(context.Background(), []byte("k"), nil); !errors.Is(err, ErrStopped) {
		t.Errorf("Send: %v", err)
	}
}

// fill writes a Connect-sized config history: per connector, a connector
// record, ten task records and a commit, about 150 bytes each.
func fill(tb testing.TB, l *Log, connectors int) int {
	tb.Helper()
	ctx := ctxFor(tb, 5*time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	n := 0
	send := func(key string, value []byte) {
		wg.Add(1)
		n++
		err := l.SendAsync(ctx, []byte(key), value, func(err error) {
			if err != nil {
				mu.Lock()
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
			}
			wg.Done()
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	for c := range connectors {
		name := fmt.Sprintf("connector-%04d", c)
		send("connector-"+name, fmt.Appendf(nil, `{"properties":{"connector.class":"FileStreamSource","tasks.max":"10","file":"/tmp/%s.txt","topic":"t"}}`, name))
		for task := range 10 {
			send(fmt.Sprintf("task-%s-%d", name, task), fmt.Appendf(nil, `{"properties":{"task.class":"FileStreamSourceTask","file":"/tmp/%s.txt","topic":"t","n":"%d"}}`, name, task))
		}
		send("commit-"+name, []byte(`{"tasks":10}`))
	}
	wg.Wait()
	if firstErr != nil {
		tb.Fatal(firstErr)
	}
	return n
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Reading 12,000 records (1,000 connectors × 12) to the end, as a worker
// does at every start; the time is logged (go test -v).
func TestReadToEndOf12000Records(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 12,000 records")
	}
	h := newHarness(t)
	topic := kafkatest.Name(t, "configs")
	cfg := Config{Topic: topic, SinglePartition: true}
	w, _ := h.mustStart(cfg)
	start := time.Now()
	n := fill(t, w, 1000)
	t.Logf("wrote %d records in %v (%s)", n, time.Since(start).Round(time.Millisecond), h.broker)
	w.Stop()

	start = time.Now()
	_, c := h.mustStart(cfg)
	took := time.Since(start)
	if got := len(c.records()); got != n {
		t.Fatalf("read %d records, want %d", got, n)
	}
	t.Logf("Start read %d records to the end in %v (%s)", n, took.Round(time.Millisecond), h.broker)
}

// BenchmarkStartReads12000Records measures Start on a filled config topic.
func BenchmarkStartReads12000Records(b *testing.B) {
	h := newHarness(b)
	cfg := Config{Topic: kafkatest.Name(b, "configs"), SinglePartition: true, ReplicationFactor: 1}
	w, _ := h.mustStart(cfg)
	n := fill(b, w, 1000)
	w.Stop()
	b.ResetTimer()
	for b.Loop() {
		c := &collector{}
		l := New(h.clients, cfg, slog.New(slog.DiscardHandler), c.apply)
		if err := l.Start(ctxFor(b, time.Minute)); err != nil {
			b.Fatal(err)
		}
		l.Stop()
		if len(c.recs) != n {
			b.Fatalf("%d records, want %d", len(c.recs), n)
		}
	}
}

// A start that fails (here: out of time before it could read) can be
// retried, and the retry hands on only the records not seen yet: the worker
// retries its stores' start until Kafka lets it read them.
func TestStartAgainAfterAFailedStart(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "retry")
	first, _ := h.mustStart(Config{Topic: topic, SinglePartition: true})
	for _, k := range []string{"a", "b"} {
		if err := first.Send(ctxFor(t, 10*time.Second), []byte(k), []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	c := &collector{}
	l := New(h.clients, Config{Topic: topic, SinglePartition: true, ReplicationFactor: 1}, testLogger(t), c.apply)
	t.Cleanup(l.Stop)
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Start(expired); err == nil {
		t.Fatal("Start with an ended context succeeded")
	}
	if err := l.Start(ctxFor(t, 30*time.Second)); err != nil {
		t.Fatalf("Start after a failed one: %v", err)
	}
	if got := byPartition(c.records())[0]; got != "0:a=a 1:b=b " {
		t.Errorf("after the retry the log applied %q, want each record once", got)
	}
	if err := first.Send(ctxFor(t, 10*time.Second), []byte("c"), []byte("c")); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadToEnd(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := byPartition(c.records())[0]; got != "0:a=a 1:b=b 2:c=c " {
		t.Errorf("the retried log tails %q", got)
	}
}
