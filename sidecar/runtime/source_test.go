package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// sourceConf is a numbers source writing keys with StringConverter and
// values with JsonConverter (schemas on), overriding the worker's.
func sourceConf(topic, probe string, extra ...string) map[string]string {
	conf := map[string]string{
		"connector.class":                "NumberSource", // the alias, as Java resolves it
		"topic":                          topic,
		"probe":                          probe,
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true",
	}
	for i := 0; i < len(extra); i += 2 {
		conf[extra[i]] = extra[i+1]
	}
	return conf
}

// consumeAll waits until topic's partitions hold n records and returns
// them.
func consumeAll(t *testing.T, b *kafkatest.Broker, topic string, partitions, n int) map[int][]kafka.Message {
	t.Helper()
	var counts []int64
	kafkatest.Eventually(t, 30*time.Second, func() error {
		counts = counts[:0]
		var total int64
		for p := range partitions {
			c, err := countRecords(b, topic, p)
			if err != nil {
				return err
			}
			counts = append(counts, c)
			total += c
		}
		if total < int64(n) {
			return fmt.Errorf("%d of %d records in %s", total, n, topic)
		}
		if total > int64(n) {
			t.Fatalf("%d records in %s, want %d", total, topic, n)
		}
		return nil
	})
	out := map[int][]kafka.Message{}
	for p, c := range counts {
		if c > 0 {
			out[p] = b.Consume(t, topic, p, int(c), 30*time.Second)
		}
	}
	return out
}

// readPartition reads what a partition holds now.
func readPartition(t *testing.T, b *kafkatest.Broker, topic string, p int) []kafka.Message {
	t.Helper()
	var n int64
	kafkatest.Eventually(t, 30*time.Second, func() (err error) {
		n, err = countRecords(b, topic, p)
		return err
	})
	if n == 0 {
		return nil
	}
	return b.Consume(t, topic, p, int(n), 30*time.Second)
}

// countRecords is how many records a partition holds.
func countRecords(b *kafkatest.Broker, topic string, p int) (int64, error) {
	conn, err := kafka.DialLeader(context.Background(), "tcp", b.Addr, topic, p)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	return last - first, err
}

func TestSourceWritesConvertedRecordsWhereJavaWould(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 3)
	newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "count", "30"))

	msgs := consumeAll(t, e.b, topic, 3, 30)
	for p, ms := range msgs {
		for _, m := range ms {
			n := strings.TrimPrefix(string(m.Key), "k")
			if want := kafkalog.PartitionForKey(m.Key, 3); want != p {
				t.Errorf("key %s in partition %d, Java puts it in %d", m.Key, p, want)
			}
			if want := `{"schema":{"type":"string","optional":false},"payload":"v` + n + `"}`; string(m.Value) != want {
				t.Errorf("value %s, want %s", m.Value, want)
			}
			if len(m.Headers) != 1 || m.Headers[0].Key != "n" || string(m.Headers[0].Value) != n {
				t.Errorf("headers %v, want n=%s", m.Headers, n)
			}
		}
	}
	st := e.waitTaskState(ids[0], statusstore.Running)
	if st.WorkerID != "worker-a:8083" || st.Generation != 7 || st.Version != "1.2.3" {
		t.Errorf("status %+v, want worker-a:8083, generation 7, version 1.2.3", st)
	}
	if e.hook.written.Load() != 30 || e.hook.polled.Load() != 30 {
		t.Errorf("hooks saw %d polled, %d written; want 30 each", e.hook.polled.Load(), e.hook.written.Load())
	}
}

func TestSourceExplicitPartitionAndTransforms(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	routed := topic + "-routed"
	e.b.CreateTopic(t, routed, 3)
	newProbe(topic)
	e.start("numbers", 1, sourceConf(topic, topic, "count", "10", "partition", "2",
		"transforms", "route,stamp",
		"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex", "(.*)",
		"transforms.route.replacement", "$1-routed",
		"transforms.stamp.type", "InsertHeader",
		"transforms.stamp.header", "by",
		"transforms.stamp.value.literal", "go"))

	msgs := consumeAll(t, e.b, routed, 3, 10)
	if len(msgs[2]) != 10 {
		t.Fatalf("%d records in partition 2, want all 10", len(msgs[2]))
	}
	if h := msgs[2][0].Headers; len(h) != 2 || h[1].Key != "by" || string(h[1].Value) != "go" {
		t.Errorf("headers %v, want n and by=go", h)
	}
}

// offsetOf is the committed source offset n of a task's source partition.
func offsetOf(t *testing.T, e *env, connector, task string) (int64, bool) {
	t.Helper()
	off, ok, err := e.offsets.Offset(context.Background(), connector, map[string]any{"source": task})
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return -1, false
	}
	n, _ := off.Get("n")
	return n.(int64), true
}

func TestSourceResumesAfterCommittedOffset(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	p := newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "count", "25"))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, _ := offsetOf(t, e, "numbers", "0"); n != 24 {
			return fmt.Errorf("committed offset %d, want 24", n)
		}
		return nil
	})
	// A later generation: the status store drops an UNASSIGNED over a
	// RUNNING of the same generation, as Java's does.
	e.gen.Store(8)
	e.stop("numbers", ids)
	e.waitTaskState(ids[0], statusstore.Unassigned)

	ids = e.start("numbers", 1, sourceConf(topic, topic, "count", "40"))
	msgs := consumeAll(t, e.b, topic, 1, 40)
	for i, m := range msgs[0] {
		if want := "k" + strconv.Itoa(i); string(m.Key) != want {
			t.Fatalf("record %d has key %s, want %s: lost or repeated records", i, m.Key, want)
		}
	}
	p.mu.Lock()
	resumed := p.offset
	p.mu.Unlock()
	if resumed["n"] != int64(24) {
		t.Errorf("restarted task read offset %v, want n=24", resumed)
	}
	e.waitTaskState(ids[0], statusstore.Running)
}

// While records flow, a committed offset never runs ahead of what Kafka
// holds: a crash at any moment loses nothing.
func TestSourceCommitsOnlyWhatKafkaHas(t *testing.T) {
	e := newEnv(t, "CONNECT_OFFSET_FLUSH_INTERVAL_MS=20")
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	newProbe(topic)
	e.start("numbers", 1, sourceConf(topic, topic, "batch", "50", "count", "3000"))
	seen := 0
	kafkatest.Eventually(t, 60*time.Second, func() error {
		n, ok := offsetOf(t, e, "numbers", "0")
		if !ok {
			return errors.New("nothing committed yet")
		}
		inKafka := len(readPartition(t, e.b, topic, 0))
		if int64(inKafka) <= n {
			t.Fatalf("offset %d committed with only %d records in Kafka", n, inKafka)
		}
		seen++
		if n != 2999 {
			return fmt.Errorf("committed offset %d", n)
		}
		return nil
	})
	t.Logf("checked %d commits", seen)
}

// A record Kafka refuses holds back the committed offset of the records
// polled after it, even those Kafka acknowledged: only the contiguous
// acknowledged prefix of a source partition is committed.
func TestSourceCommitsContiguousAcknowledgedPrefix(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 2, "max.message.bytes", "2000")
	newProbe(topic)
	// Even records go to partition 0 and fit; odd ones to partition 1 and
	// are too large for the topic.
	ids := e.start("numbers", 1, sourceConf(topic, topic, "batch", "10", "count", "10", "alternate", "2", "pad.odd", "5000",
		"value.converter", "org.apache.kafka.connect.storage.StringConverter"))
	st := e.waitTaskState(ids[0], statusstore.Failed)
	if !strings.Contains(st.Trace, "KAFKA_PRODUCE") {
		t.Errorf("trace does not name the produce stage:\n%s", st.Trace)
	}
	if even := readPartition(t, e.b, topic, 0); len(even) != 5 {
		t.Fatalf("%d even records in Kafka, want 5", len(even))
	}
	n, ok := offsetOf(t, e, "numbers", "0")
	if !ok || n != 0 {
		t.Errorf("committed offset %d (%v), want 0: record 1 failed, so 2..8 must wait", n, ok)
	}
}

func TestSourcePauseResume(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	p := newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "batch", "1"))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if polls, _ := p.snapshot(); polls < 5 {
			return fmt.Errorf("%d polls", polls)
		}
		return nil
	})
	if err := e.rt.SetTaskTarget(ids[0], configstore.Paused); err != nil {
		t.Fatal(err)
	}
	e.waitTaskState(ids[0], statusstore.Paused)
	before, _ := p.snapshot()
	time.Sleep(300 * time.Millisecond)
	if after, _ := p.snapshot(); after != before {
		t.Fatalf("a paused task polled %d times", after-before)
	}
	if got := e.rt.Tasks()[ids[0]].State; got != sidecarruntime.Paused {
		t.Errorf("state %v, want paused", got)
	}
	if err := e.rt.SetTaskTarget(ids[0], configstore.Started); err != nil {
		t.Fatal(err)
	}
	e.waitTaskState(ids[0], statusstore.Running)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if after, _ := p.snapshot(); after <= before {
			return errors.New("no polls since resuming")
		}
		return nil
	})
}

func TestSourceStartsPausedWithoutStartingTheTask(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	p := newProbe(topic)
	conf := sourceConf(topic, topic)
	conf["name"] = "numbers"
	id := sidecarruntime.TaskID{Connector: "numbers"}
	if err := e.rt.StartTask(sidecarruntime.TaskSpec{ID: id, ConnectorConfig: conf, TaskConfig: map[string]string{"probe": topic, "topic": topic, "task.id": "0"}, Target: configstore.Paused}); err != nil {
		t.Fatal(err)
	}
	e.waitTaskState(id, statusstore.Paused)
	p.mu.Lock()
	starts := p.starts
	p.mu.Unlock()
	if starts != 0 {
		t.Errorf("a task started paused was started %d times", starts)
	}
}

func TestSourceWaitsForLease(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	p := newProbe(topic)
	e.lease.Store(false)
	e.start("numbers", 1, sourceConf(topic, topic, "batch", "1"))
	time.Sleep(500 * time.Millisecond)
	if polls, _ := p.snapshot(); polls != 0 {
		t.Fatalf("polled %d times without a lease", polls)
	}
	e.lease.Store(true)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if polls, _ := p.snapshot(); polls == 0 {
			return errors.New("no polls with a lease")
		}
		return nil
	})
	e.lease.Store(false)
	time.Sleep(300 * time.Millisecond) // a poll in progress finishes
	before := e.hook.written.Load()
	time.Sleep(500 * time.Millisecond)
	if after := e.hook.written.Load(); after != before {
		t.Fatalf("wrote %d records after losing the lease", after-before)
	}
}

// Records already handed to the producer when the lease lapses (they wait
// out linger.ms there) are not sent until it is renewed: a worker that
// thaws after its session must not produce for a task that moved.
func TestSourceQueuedRecordsWaitForTheLease(t *testing.T) {
	e := newEnv(t, "CONNECT_PRODUCER_LINGER_MS=1000")
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	p := newProbe(topic)
	e.start("numbers", 1, sourceConf(topic, topic, "batch", "5", "count", "5"))
	// A second poll means the first batch was handed to the producer.
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if polls, _ := p.snapshot(); polls < 2 {
			return errors.New("the first batch is not with the producer yet")
		}
		return nil
	})
	e.lease.Store(false)
	time.Sleep(2 * time.Second) // past linger.ms: the batch would have gone out
	if n, err := countRecords(e.b, topic, 0); err != nil || n != 0 {
		t.Fatalf("%d records produced after the lease lapsed (%v)", n, err)
	}
	e.lease.Store(true)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, err := countRecords(e.b, topic, 0); err != nil || n != 5 {
			return fmt.Errorf("%d of 5 records produced once the lease was back (%v)", n, err)
		}
		return nil
	})
}

func TestSourcePanicFailsTheTaskNotTheWorker(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "batch", "1", "panic.at", "5"))
	st := e.waitTaskState(ids[0], statusstore.Failed)
	for _, want := range []string{"number 5 is cursed", "stage: TASK_POLL", "connector: " + numbersClass, "goroutine", "numberTask"} {
		if !strings.Contains(st.Trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, st.Trace)
		}
	}
	info := e.rt.Tasks()[ids[0]]
	var pe *sidecarruntime.PanicError
	if info.State != sidecarruntime.Failed || !errors.As(info.Err, &pe) {
		t.Errorf("task info %+v, want failed with a PanicError", info)
	}
	if e.changed.Load() < 2 { // the connector's start, then the task's failure
		t.Error("the herder was not told")
	}
	// Records polled before the panic were delivered and committed.
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, _ := offsetOf(t, e, "numbers", "0"); n != 4 {
			return fmt.Errorf("committed offset %d, want 4", n)
		}
		return nil
	})
	// The worker goes on.
	other := topic + "-other"
	e.b.CreateTopic(t, other, 1)
	newProbe(other)
	e.start("others", 1, sourceConf(other, other, "count", "3"))
	consumeAll(t, e.b, other, 1, 3)
}

func TestSourcePoisonRecord(t *testing.T) {
	for _, tc := range []struct {
		tolerance string
		state     statusstore.State
		delivered int
	}{
		{"none", statusstore.Failed, 3},
		{"all", statusstore.Running, 9},
	} {
		t.Run(tc.tolerance, func(t *testing.T) {
			e := newEnv(t)
			topic := kafkatest.Name(t, "numbers")
			e.b.CreateTopic(t, topic, 1)
			newProbe(topic)
			ids := e.start("numbers", 1, sourceConf(topic, topic, "batch", "1", "count", "10", "bad.at", "3",
				"errors.tolerance", tc.tolerance, "errors.log.enable", "true"))
			consumeAll(t, e.b, topic, 1, tc.delivered)
			st := e.waitTaskState(ids[0], tc.state)
			if tc.state == statusstore.Failed {
				for _, want := range []string{"Tolerance exceeded in error handler", "VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter"} {
					if !strings.Contains(st.Trace, want) {
						t.Errorf("trace lacks %q:\n%s", want, st.Trace)
					}
				}
				return
			}
			// The skipped record's offset is committed in its turn.
			kafkatest.Eventually(t, 30*time.Second, func() error {
				if n, _ := offsetOf(t, e, "numbers", "0"); n != 9 {
					return fmt.Errorf("committed offset %d, want 9", n)
				}
				return nil
			})
			if got := e.hook.tolerated.Load(); got != 1 {
				t.Errorf("%d tolerated errors counted, want 1", got)
			}
		})
	}
}

func TestSourceCreatesTopics(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "created")
	newProbe(topic)
	e.start("numbers", 1, sourceConf(topic, topic, "count", "5",
		"topic.creation.default.replication.factor", "1",
		"topic.creation.default.partitions", "4"))
	consumeAll(t, e.b, topic, 4, 5)
	conn, err := kafka.Dial("tcp", e.b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 4 {
		t.Errorf("topic created with %d partitions, want 4", len(parts))
	}
}

// A topic chosen by a topic.creation group gets the group's settings,
// not the default group's (KIP-158).
func TestSourceCreatesTopicsByGroup(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "compacted")
	newProbe(topic)
	e.start("numbers", 1, sourceConf(topic, topic, "count", "5",
		"key.converter", "org.apache.kafka.connect.storage.StringConverter",
		"topic.creation.groups", "compacted",
		"topic.creation.compacted.include", "compacted-.*",
		"topic.creation.compacted.partitions", "2",
		"topic.creation.compacted.cleanup.policy", "compact",
		"topic.creation.default.replication.factor", "1",
		"topic.creation.default.partitions", "4"))
	consumeAll(t, e.b, topic, 2, 5)
	resp, err := e.b.Client().DescribeConfigs(t.Context(), &kafka.DescribeConfigsRequest{
		Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"cleanup.policy"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := ""
	for _, r := range resp.Resources {
		for _, c := range r.ConfigEntries {
			if c.ConfigName == "cleanup.policy" {
				policy = c.ConfigValue
			}
		}
	}
	if policy != "compact" {
		t.Errorf("cleanup.policy = %q, want the group's compact", policy)
	}
	conn, err := kafka.Dial("tcp", e.b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if parts, err := conn.ReadPartitions(topic); err != nil || len(parts) != 2 {
		t.Errorf("topic created with %d partitions (%v), want the group's 2", len(parts), err)
	}
}

// A worker that loses its lease (frozen, its session expired) stops
// producing and committing; the task's next owner resumes after the last
// committed offset. Nothing is lost, and only records after that offset
// are written twice.
func TestSourceHandOverAfterAFrozenWorker(t *testing.T) {
	a := newEnv(t, "CONNECT_OFFSET_FLUSH_INTERVAL_MS=200")
	topic := kafkatest.Name(t, "numbers")
	a.b.CreateTopic(t, topic, 1)
	newProbe(topic)
	a.start("numbers", 1, sourceConf(topic, topic, "batch", "5"))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, _ := offsetOf(t, a, "numbers", "0"); n < 50 {
			return fmt.Errorf("committed offset %d", n)
		}
		return nil
	})
	a.lease.Store(false)
	time.Sleep(500 * time.Millisecond) // a poll, a produce or a flush in progress ends
	last, _ := offsetOf(t, a, "numbers", "0")
	frozenAt := len(readPartition(t, a.b, topic, 0))

	b := newEnvOn(t, a.b, a.w.GroupID)
	b.start("numbers", 1, sourceConf(topic, topic, "batch", "5", "count", strconv.Itoa(frozenAt+20)))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, _ := offsetOf(t, b, "numbers", "0"); n != int64(frozenAt+19) {
			return fmt.Errorf("committed offset %d", n)
		}
		return nil
	})
	seen := map[int]int{}
	for _, m := range readPartition(t, a.b, topic, 0) {
		n, _ := strconv.Atoi(strings.TrimPrefix(string(m.Key), "k"))
		seen[n]++
	}
	for n := 0; n < frozenAt+20; n++ {
		switch {
		case seen[n] == 0:
			t.Errorf("record %d lost", n)
		case seen[n] > 1 && int64(n) <= last:
			t.Errorf("record %d written %d times though committed (last commit %d)", n, seen[n], last)
		}
	}
	if int64(frozenAt-1) > last && seen[frozenAt-1] != 2 {
		t.Errorf("record %d, written after the last commit, was written %d times; want twice", frozenAt-1, seen[frozenAt-1])
	}
}

// A source whose topic does not exist (a broker without auto-creation)
// says so in a warning naming the connector, task, topic and Kafka's
// error, paced by the retries rather than one per record, and counts
// every failed attempt; errors.tolerance=all then skips the records.
func TestSourceWarnsWhenKafkaRefusesItsTopic(t *testing.T) {
	e := newEnv(t)
	if e.b.Real() {
		t.Skip("a real broker may create topics on first use; TestSourceWarnsWhenARecordIsTooLarge covers it")
	}
	topic := kafkatest.Name(t, "missing")
	newProbe(topic)
	const records = 20
	ids := e.start("numbers", 1, sourceConf(topic, topic, "batch", strconv.Itoa(records), "count", strconv.Itoa(records),
		"errors.tolerance", "all", "producer.override.delivery.timeout.ms", "1000"))
	// Each record fails at least once; the first is retried until its
	// delivery timeout, the others find theirs passed.
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n := e.hook.tolerated.Load(); n < records {
			return fmt.Errorf("%d of %d records skipped", n, records)
		}
		return nil
	})
	warnings := e.logs.matching("level=WARN", "could not send records to Kafka; retrying",
		"connector=numbers", "task=0", "topic="+topic, "Unknown Topic Or Partition")
	failures := int(e.hook.sendFailures.Load())
	if len(warnings) == 0 {
		t.Fatalf("no warning names the connector, task, topic and Kafka's error:\n%s", strings.Join(e.logs.matching("level=WARN"), "\n"))
	}
	if failures < records {
		t.Errorf("%d failed sends counted, want at least %d", failures, records)
	}
	if len(warnings)*2 > failures {
		t.Errorf("%d warnings for %d failed sends; want them paced by the retries:\n%s", len(warnings), failures, strings.Join(warnings, "\n"))
	}
	e.waitTaskState(ids[0], statusstore.Running)
}

// A record larger than the topic's max.message.bytes cannot be retried:
// the warning says why, the attempt is counted and the task fails.
func TestSourceWarnsWhenARecordIsTooLarge(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "small")
	e.b.CreateTopic(t, topic, 1, "max.message.bytes", "1000")
	newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "batch", "1", "count", "1", "padding", "2000"))
	st := e.waitTaskState(ids[0], statusstore.Failed)
	for _, line := range []string{"\tstage: KAFKA_PRODUCE", "\trecord: topic " + topic + "\n"} {
		if !strings.Contains(st.Trace, line) {
			t.Errorf("the trace does not say %q:\n%s", line, st.Trace)
		}
	}
	warnings := e.logs.matching("level=WARN", "could not send a record to Kafka; not retriable",
		"connector=numbers", "task=0", "topic="+topic, "Message Size Too Large")
	if len(warnings) != 1 {
		t.Errorf("%d warnings naming the connector, task, topic and Kafka's error, want 1:\n%s", len(warnings), strings.Join(e.logs.matching("level=WARN"), "\n"))
	}
	if n := e.hook.sendFailures.Load(); n != 1 {
		t.Errorf("%d failed sends counted, want 1", n)
	}
}

// What a task logs through plugin.Logger names its connector and task,
// as Java's connector log context does.
func TestTaskLogsNameTheirConnectorAndTask(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "named")
	e.b.CreateTopic(t, topic, 1)
	newProbe(topic)
	e.start("numbers", 1, sourceConf(topic, topic, "count", "1"))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if len(e.logs.matching(`msg="number task starting"`, "connector=numbers", "task=0")) == 0 {
			return errors.New("the task's log line does not name its connector and task")
		}
		return nil
	})
}

// A task stuck in Start past task.shutdown.graceful.timeout.ms is
// abandoned; when its context's cancellation finally ends it, that is not
// the task failing, and the log must not say it is.
func TestAbandonedTaskIsNotLoggedAsFailed(t *testing.T) {
	e := newEnv(t, "CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS=200")
	topic := kafkatest.Name(t, "out")
	e.b.CreateTopic(t, topic, 1)
	newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "start.block", "true"))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if len(e.logs.matching(`msg="number task starting"`, "connector=numbers")) == 0 {
			return errors.New("the task has not started yet")
		}
		return nil
	})
	e.rt.StopTasks(ids)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if len(e.logs.matching("level=WARN", "abandoned task ended", "connector=numbers")) == 0 {
			return errors.New("the abandoned task has not ended yet")
		}
		return nil
	})
	if failed := e.logs.matching("level=ERROR", "task failed"); len(failed) > 0 {
		t.Errorf("the abandoned task was logged as failed: %s", strings.Join(failed, "\n"))
	}
}
