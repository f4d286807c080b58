//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// Java and Go workers share one exactly-once cluster (KIP-618): each runs
// FileStreamSource tasks with transactional producers, asks the leader of
// the other kind for fencing rounds over the signed internal REST call,
// and takes over the tasks of a SIGKILLed worker of the other kind; the
// second connector keeps its offsets in its own offsets.storage.topic. A
// read_committed reader finds every line of every file exactly once, and
// both kinds list the same offsets.
func TestIntegrationExactlyOnceMixedCluster(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "eos")
	props := []string{
		"exactly.once.source.support=enabled",
		"session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "heartbeat.interval.ms=1000",
		"scheduled.rebalance.max.delay.ms=0", "offset.flush.interval.ms=500",
	}
	dir := t.TempDir()
	goEnv := append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group)
	for _, kv := range props {
		goEnv = append(goEnv, "CONNECT_"+envName(kv))
	}
	startGo := func() *kafkatest.Process {
		w := kafkatest.StartWorker(t, b, goEnv...)
		w.WaitHealthy(t, time.Minute)
		return w
	}
	java := kafkatest.StartJavaWorker(t, b, group, props...)

	// Two connectors, so that a second worker takes one task: its own
	// start then asks the leader, of the other kind, for a fencing round.
	asText := `"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"`
	var names, topics, files []string
	var writers []*lineWriter
	for i := range 2 {
		names = append(names, kafkatest.Name(t, "src"+strconv.Itoa(i)))
		topics = append(topics, kafkatest.Name(t, "lines"+strconv.Itoa(i)))
		files = append(files, filepath.Join(dir, fmt.Sprintf("in%d.txt", i)))
		b.CreateTopic(t, topics[i], 1)
		writers = append(writers, startLineWriter(t, files[i]))
		own := ""
		if i == 1 {
			own = fmt.Sprintf(`"offsets.storage.topic":%q,`, kafkatest.Name(t, "own-offsets"))
		}
		kafkatest.PutConnector(t, java.URL, names[i], fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q,"exactly.once.support":"required",%s%s}`,
			files[i], topics[i], own, asText))
	}
	// One task per worker: each kind runs a task while the other leads.
	spread := func(via string, workers ...string) {
		t.Helper()
		kafkatest.Eventually(t, 2*time.Minute, func() error {
			var on []string
			for _, name := range names {
				w, err := kafkatest.TaskWorkers(via, name)
				if err != nil {
					return err
				}
				on = append(on, w...)
			}
			slices.Sort(on)
			want := slices.Sorted(slices.Values(workers))
			if !slices.Equal(on, want) {
				return fmt.Errorf("tasks run on %v, want one on each of %v", on, want)
			}
			return nil
		})
	}
	awaitLines := func(topic string, n int) {
		t.Helper()
		kafkatest.Eventually(t, time.Minute, func() error {
			end, err := kafkatest.LastOffset(b, topic, 0)
			if err != nil || end < int64(n) {
				return fmt.Errorf("%s holds %d records, waiting for %d (%v)", topic, end, n, err)
			}
			return nil
		})
	}

	goA := startGo()
	spread(java.URL, hostPort(java.URL), hostPort(goA.URL)) // Go asks the Java leader
	awaitLines(topics[0], 200)
	java.Kill(t)
	spread(goA.URL, hostPort(goA.URL), hostPort(goA.URL))
	t.Log("the Java leader was SIGKILLed; the Go worker runs both tasks")

	java2 := kafkatest.StartJavaWorker(t, b, group, props...)
	spread(goA.URL, hostPort(java2.URL), hostPort(goA.URL)) // Java asks the Go leader
	awaitLines(topics[1], 600)
	goA.Signal(t, 9)
	spread(java2.URL, hostPort(java2.URL), hostPort(java2.URL))
	t.Log("the Go leader was SIGKILLed; the Java worker runs both tasks")
	goB := startGo()
	spread(java2.URL, hostPort(java2.URL), hostPort(goB.URL))

	for i, w := range writers {
		written := w.stop()
		awaitCommittedLines(t, b, topics[i], written)
		got := readCommittedValues(t, b, topics[i])
		counts := map[string]int{}
		for _, v := range got {
			counts[v]++
		}
		var missing, repeated []string
		for n := range written {
			line := fmt.Sprintf("line-%06d", n)
			switch c := counts[line]; {
			case c == 0:
				missing = append(missing, line)
			case c > 1:
				repeated = append(repeated, fmt.Sprintf("%s×%d", line, c))
			}
		}
		t.Logf("%s: %d lines written, %d records read committed", names[i], written, len(got))
		kafkatest.Eventually(t, time.Minute, func() error {
			want := fmt.Sprintf(`"position":%d`, written*lineBytes)
			for kind, get := range map[string]func(string) (int, string, error){"Java": java2.Get, "Go": goB.Get} {
				if code, body, err := get("/connectors/" + names[i] + "/offsets"); err != nil || code != 200 || !strings.Contains(body, want) {
					return fmt.Errorf("%s worker's offsets of %s: %d %s %v, want %s", kind, names[i], code, body, err, want)
				}
			}
			return nil
		})
		if len(missing) > 0 || len(repeated) > 0 {
			t.Errorf("%s: %d lines missing %v, %d repeated %v", names[i], len(missing), head(missing), len(repeated), head(repeated))
		}
	}
}

func head(s []string) []string { return s[:min(len(s), 10)] }

// awaitCommittedLines waits until a read_committed reader sees n records.
func awaitCommittedLines(t *testing.T, b *kafkatest.Broker, topic string, n int) {
	t.Helper()
	kafkatest.Eventually(t, 2*time.Minute, func() error {
		if got := len(readCommittedValues(t, b, topic)); got < n {
			return fmt.Errorf("%s holds %d committed records, waiting for %d", topic, got, n)
		}
		return nil
	})
}

// readCommittedValues reads a one-partition topic as a read_committed
// consumer sees it, up to a mark it writes at the end outside any
// transaction (offsets do not tell where the committed records end), and
// checks the topic holds transaction markers, so that what it read was
// written in transactions.
func readCommittedValues(t *testing.T, b *kafkatest.Broker, topic string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	producer, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	mark := &kgo.Record{Topic: topic, Value: []byte("end-mark")}
	if err := producer.ProduceSync(ctx, mark).FirstErr(); err != nil {
		t.Fatalf("end mark on %s: %v", topic, err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	gaps := 0
	next := int64(0)
	for done := false; !done; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s up to its end mark at %d: %v", topic, mark.Offset, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset != next {
				gaps++
			}
			next = r.Offset + 1
			switch {
			case r.Offset == mark.Offset:
				done = true
			case r.Offset < mark.Offset && !strings.HasPrefix(string(r.Value), "end-mark"):
				out = append(out, string(r.Value))
			}
		})
	}
	if len(out) > 0 && gaps == 0 {
		t.Fatalf("%s has no transaction markers: its %d records were not written in transactions", topic, len(out))
	}
	return out
}

// An exactly-once connector's offsets are altered as Java's are: after a
// fencing round, in a transaction under its task 0's transactional id;
// the resumed task goes on from them, and the topic holds each record
// once.
func TestIntegrationExactlyOnceOffsetsAltered(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+kafkatest.Name(t, "eos"),
		"CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT=enabled", "CONNECT_OFFSET_FLUSH_INTERVAL_MS=500")
	w.WaitHealthy(t, time.Minute)
	topic := kafkatest.Name(t, "gen")
	b.CreateTopic(t, topic, 1)
	kafkatest.PutConnector(t, w.URL, "gen", fmt.Sprintf(`{"connector.class":"Datagen","tasks.max":"1","topic":%q,"rate":"200","exactly.once.support":"required",`+
		`"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"}`, topic))
	kafkatest.AwaitTasks(t, w.URL, "gen", 1)
	kafkatest.Eventually(t, time.Minute, func() error {
		if end, err := kafkatest.LastOffset(b, topic, 0); err != nil || end < 100 {
			return fmt.Errorf("%s holds %d records, waiting for 100 (%v)", topic, end, err)
		}
		return nil
	})
	send := func(method, path, body string, want int) string {
		t.Helper()
		var text string
		kafkatest.Eventually(t, time.Minute, func() error {
			code, got, err := w.Do(method, path, body)
			if err != nil || code != want {
				return fmt.Errorf("%s %s: %d %s %v", method, path, code, got, err)
			}
			text = got
			return nil
		})
		return text
	}
	send("PUT", "/connectors/gen/stop", "", 204)
	kafkatest.Eventually(t, time.Minute, func() error {
		if code, body, _ := w.Get("/connectors/gen/status"); code != 200 || !strings.Contains(body, `"STOPPED"`) || !strings.Contains(body, `"tasks":[]`) {
			return fmt.Errorf("status %d %s, waiting for STOPPED", code, body)
		}
		return nil
	})
	before := committedSeqs(t, b, topic)
	const resumeAt = 1_000_000
	send("PATCH", "/connectors/gen/offsets", fmt.Sprintf(`{"offsets":[{"partition":{"task":0},"offset":{"seq":%d}}]}`, resumeAt), 200)
	if got := send("GET", "/connectors/gen/offsets", "", 200); !strings.Contains(got, fmt.Sprintf(`"seq":%d`, resumeAt)) {
		t.Fatalf("offsets after PATCH: %s", got)
	}
	send("PUT", "/connectors/gen/resume", "", 202)
	kafkatest.Eventually(t, time.Minute, func() error {
		if seqs := committedSeqs(t, b, topic); len(seqs) < len(before)+50 {
			return fmt.Errorf("%d records after the resume, waiting for 50", len(seqs)-len(before))
		}
		return nil
	})
	seqs := committedSeqs(t, b, topic)
	for i, s := range seqs {
		want := int64(i)
		if i >= len(before) {
			want = resumeAt + int64(i-len(before))
		}
		if s != want {
			t.Fatalf("record %d has seq %d, want %d (%d records before the stop): %v", i, s, want, len(before), head64(seqs[max(0, i-3):]))
		}
	}
	t.Logf("%d records before the offsets were altered, then seq %d on", len(before), resumeAt)
}

// committedSeqs is the seq of each datagen record a read_committed reader
// sees, in order.
func committedSeqs(t *testing.T, b *kafkatest.Broker, topic string) []int64 {
	t.Helper()
	var out []int64
	for _, v := range readCommittedValues(t, b, topic) {
		var rec struct{ Seq int64 }
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			t.Fatalf("record %q: %v", v, err)
		}
		out = append(out, rec.Seq)
	}
	return out
}

func head64(s []int64) []int64 { return s[:min(len(s), 10)] }
