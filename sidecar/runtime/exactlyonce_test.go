package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

const boundedClass = "test.BoundedSource"

func init() {
	testPlugins = append(testPlugins, plugin.Plugin{Class: boundedClass, Kind: plugin.KindSource, Version: "1", New: func() any { return &boundedSource{} }})
}

// boundedSource's task defines its own transactions: it makes records
// n = 0, 1, ... up to count, one poll of batch records at a time, commits
// after each record with n%3 == 2, and aborts the transaction holding the
// record numbered abort. Its source offset is the last n.
type boundedSource struct{ baseConnector }

func (c *boundedSource) NewTask() plugin.SourceTask { return &boundedTask{} }

func (c *boundedSource) CanDefineTransactionBoundaries(map[string]string) (bool, error) {
	return true, nil
}

type boundedTask struct {
	topic              string
	next, count, batch int64
	abort              int64
	transactions       plugin.TransactionContext
}

func (t *boundedTask) Start(ctx context.Context, props map[string]string, offsets plugin.OffsetReader) error {
	t.topic = props["topic"]
	t.count, t.batch, t.abort = intSetting(props, "count", 0), intSetting(props, "batch", 4), intSetting(props, "abort", -1)
	t.transactions = plugin.Transactions(ctx)
	off, err := offsets.Offset(ctx, map[string]any{"task": "0"})
	if err != nil {
		return err
	}
	if off != nil {
		t.next = off["n"].(int64) + 1
	}
	return nil
}

func (t *boundedTask) Poll(ctx context.Context) ([]plugin.Record, error) {
	if t.next >= t.count {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
		return nil, nil
	}
	recs := make([]plugin.Record, 0, t.batch)
	for ; t.next < t.count && int64(len(recs)) < t.batch; t.next++ {
		recs = append(recs, plugin.Record{
			Topic: t.topic, Partition: 0,
			ValueSchema: &plugin.Schema{Type: plugin.String}, Value: strconv.FormatInt(t.next, 10),
			SourcePartition: map[string]any{"task": "0"}, SourceOffset: map[string]any{"n": t.next},
		})
	}
	for i := range recs {
		switch n := t.next - int64(len(recs)) + int64(i); {
		case n == t.abort:
			t.transactions.AbortTransactionAfter(&recs[i])
		case n%3 == 2:
			t.transactions.CommitTransactionAfter(&recs[i])
		}
	}
	return recs, nil
}

func (t *boundedTask) Stop() error { return nil }

// With transaction.boundary=connector the task's commits and aborts are
// what a read_committed reader sees: the aborted transaction's records
// never appear, every other record appears once, and the offset committed
// with the last transaction is where a restarted task resumes.
func TestExactlyOnceTaskDefinesItsTransactions(t *testing.T) {
	e := newEnv(t, "CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT=enabled")
	topic := kafkatest.Name(t, "bounded")
	e.b.CreateTopic(t, topic, 1)
	conf := map[string]string{
		"connector.class": boundedClass, "topic": topic, "count": "21", "abort": "7",
		"transaction.boundary": "connector",
		"value.converter":      "org.apache.kafka.connect.storage.StringConverter",
	}
	ids := e.start("bounded", 1, conf)
	// 6 and 7 share the transaction the task aborts after 7.
	want := []string{"0", "1", "2", "3", "4", "5", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if got := readCommitted(t, e.b, topic); !slices.Equal(got, want) {
			return fmt.Errorf("read_committed sees %v, want %v", got, want)
		}
		return nil
	})
	e.stop("bounded", ids)

	// The restarted task resumes after the last committed record: it has
	// nothing left to send, and the topic stays as it was.
	conf["count"] = "24"
	ids = e.start("bounded", 1, conf)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if got := readCommitted(t, e.b, topic); !slices.Equal(got, append(want, "21", "22", "23")) {
			return fmt.Errorf("after a restart read_committed sees %v", got)
		}
		return nil
	})
	e.stop("bounded", ids)
	if n := e.hook.transactions.Load(); n < 7 {
		t.Errorf("%d transactions reported, want at least 7", n)
	}
	if n := e.hook.aborted.Load(); n != 1 {
		t.Errorf("%d aborted transactions reported, want 1", n)
	}
}

// startExactlyOnceNumbers runs a numbers source, 10 records a poll, on an
// exactly-once worker of its own, writing to a new topic of partitions;
// settings are extra key, value pairs.
func startExactlyOnceNumbers(t *testing.T, partitions int, settings ...string) (*env, string, []sidecarruntime.TaskID) {
	t.Helper()
	e := newEnv(t, "CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT=enabled")
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, partitions)
	newProbe(t.Name())
	conf := map[string]string{
		"connector.class": numbersClass, "topic": topic, "batch": "10", "probe": t.Name(),
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}
	for i := 0; i+1 < len(settings); i += 2 {
		conf[settings[i]] = settings[i+1]
	}
	return e, topic, e.start("numbers", 1, conf)
}

// A task that polls batches gets a transaction per batch by default: the
// records of a stopped task are all there once, and the offsets topic,
// read_committed, names the last of them.
func TestExactlyOnceTaskCommitsEachPoll(t *testing.T) {
	e, topic, ids := startExactlyOnceNumbers(t, 3, "count", "50")
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n := e.hook.transactions.Load(); n < 5 {
			return fmt.Errorf("%d transactions committed, want 5", n)
		}
		return nil
	})
	e.stop("numbers", ids)
	if err := e.offsets.ReadToEnd(context.Background()); err != nil {
		t.Fatal(err)
	}
	off, ok, err := e.offsets.Offset(context.Background(), "numbers", map[string]any{"source": "0"})
	if err != nil || !ok || off.Plain()["n"] != int64(49) {
		t.Fatalf("committed offset %v (found %v, %v), want n=49", off, ok, err)
	}
	var got []string
	for p := range 3 {
		got = append(got, readCommittedPartition(t, e.b, topic, int32(p))...)
	}
	if len(got) != 50 {
		t.Fatalf("read_committed sees %d records, want 50", len(got))
	}
	if n := e.hook.written.Load(); n != 50 {
		t.Errorf("%d records reported written, want 50", n)
	}
}

// A task whose producer a newer instance fenced is a zombie: it stops,
// asks the herder to look again, and writes no FAILED over the status its
// successor wrote (a FAILED from here, of an older generation, would hide
// the running task from every worker's status API).
func TestFencedTaskLeavesItsSuccessorsStatus(t *testing.T) {
	e, _, ids := startExactlyOnceNumbers(t, 1)
	id := ids[0]
	e.waitTaskState(id, statusstore.Running)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n := e.hook.transactions.Load(); n < 2 {
			return fmt.Errorf("%d transactions committed, want 2", n)
		}
		return nil
	})

	// The successor, on another worker: its RUNNING, then its producer.
	successor := statusstore.Status{State: statusstore.Running, WorkerID: "worker-b:8083", Generation: 8}
	e.statuses.PutTask(statusstore.TaskID{Connector: id.Connector, Task: id.Task}, successor)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if st, _ := e.taskStatus(id); st.WorkerID != successor.WorkerID {
			return fmt.Errorf("status written by %s, want the successor's", st.WorkerID)
		}
		return nil
	})
	changed := e.changed.Load()
	newer, err := e.clients.TransactionalProducer(sidecarruntime.TaskTransactionalID(e.w.GroupID, id))
	if err != nil {
		t.Fatal(err)
	}
	defer newer.Close()
	if _, _, err := newer.ProducerID(context.Background()); err != nil {
		t.Fatal(err)
	}

	kafkatest.Eventually(t, 30*time.Second, func() error {
		info := e.rt.Tasks()[id]
		var fenced *sidecarruntime.FencedError
		if info.State != sidecarruntime.Failed || !errors.As(info.Err, &fenced) {
			return fmt.Errorf("task is %v (%v), want failed as fenced", info.State, info.Err)
		}
		return nil
	})
	if e.changed.Load() == changed {
		t.Error("the fenced task did not ask the herder to look again")
	}
	e.statuses.Flush()
	if err := e.statuses.ReadToEnd(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.taskStatus(id); st.State != statusstore.Running || st.WorkerID != successor.WorkerID {
		t.Errorf("status is %v by %s, want the successor's RUNNING", st.State, st.WorkerID)
	}
}

func readCommitted(t *testing.T, b *kafkatest.Broker, topic string) []string {
	return readCommittedPartition(t, b, topic, 0)
}

// readCommittedPartition reads a partition read_committed up to a mark it
// writes outside any transaction at its end: committed records end there,
// whatever offsets markers and aborted records took.
func readCommittedPartition(t *testing.T, b *kafkatest.Broker, topic string, partition int32) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	producer, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	mark := &kgo.Record{Topic: topic, Partition: partition, Value: []byte("end-mark")}
	if err := producer.ProduceSync(ctx, mark).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for done := false; !done; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s[%d] up to its end mark: %v", topic, partition, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			switch {
			case r.Offset == mark.Offset:
				done = true
			case r.Offset < mark.Offset && string(r.Value) != "end-mark":
				out = append(out, string(r.Value))
			}
		})
	}
	return out
}

var _ sidecarruntime.TransactionHook = (*countingHook)(nil)

// A connector's offsets.storage.topic holds its offsets, and the worker's
// offsets topic a copy, as Java writes them (KIP-618); a restarted task
// resumes from the connector's topic, whatever the worker's says.
func TestConnectorOffsetsTopic(t *testing.T) {
	for _, mode := range []string{"disabled", "enabled"} {
		t.Run("exactly-once "+mode, func(t *testing.T) {
			e := newEnv(t, "CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT="+mode)
			topic, offsetsTopic := kafkatest.Name(t, "numbers"), kafkatest.Name(t, "own-offsets")
			e.b.CreateTopic(t, topic, 1)
			p := newProbe(t.Name())
			conf := map[string]string{
				"connector.class": numbersClass, "topic": topic, "count": "30", "batch": "10", "probe": t.Name(),
				"offsets.storage.topic": offsetsTopic, "value.converter": "org.apache.kafka.connect.storage.StringConverter",
			}
			partition := map[string]any{"source": "0"}
			stored := func(store *offsetstore.Store) any {
				t.Helper()
				off, ok, err := store.Offset(context.Background(), "numbers", partition)
				if err != nil || !ok {
					return fmt.Sprintf("none (%v)", err)
				}
				return off.Plain()["n"]
			}
			own, err := e.connectorOffsets.For(context.Background(), offsetsTopic)
			if err != nil {
				t.Fatal(err)
			}
			ids := e.start("numbers", 1, conf)
			kafkatest.Eventually(t, 30*time.Second, func() error {
				if got, copied := stored(own.Primary), stored(e.offsets); got != int64(29) || copied != int64(29) {
					return fmt.Errorf("offset %v in %s and %v in the worker's topic, want 29 in both", got, offsetsTopic, copied)
				}
				return nil
			})
			e.stop("numbers", ids)

			// The worker's topic says 4; the connector's own topic wins.
			if err := e.offsets.Write(context.Background(), "numbers", []offsetstore.Offset{{Partition: partition, Offset: map[string]any{"n": int64(4)}}}); err != nil {
				t.Fatal(err)
			}
			conf["count"] = "40"
			ids = e.start("numbers", 1, conf)
			kafkatest.Eventually(t, 30*time.Second, func() error {
				if got := stored(own.Primary); got != int64(39) {
					return fmt.Errorf("offset %v in %s, want 39", got, offsetsTopic)
				}
				return nil
			})
			e.stop("numbers", ids)
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.offset["n"] != int64(29) {
				t.Errorf("the restarted task resumed from %v, want the connector topic's n=29", p.offset)
			}
		})
	}
}
