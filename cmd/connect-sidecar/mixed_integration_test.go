//go:build integration

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// mixedSession is the session of both the Connect group and the sink's
// consumer group, on Java and Go workers alike.
const mixedSession = 6 * time.Second

// mixedPartitions spreads the lines so that each of the sink's five tasks
// gets a partition.
const mixedPartitions = 6

// lineBytes is the length of "line-%06d\n": line i ends at byte
// lineBytes*(i+1), the FileStreamSource offset after it.
const lineBytes = 12

// A Java worker and two Go workers run a FileStreamSource and a
// FileStreamSink; the Java worker is SIGKILLed and the Go workers carry on
// from its offsets; then a Java worker joins again and is replaced by a Go
// one. Nothing is lost, lines repeat only where they came after the last
// offset flush before the kill, and the graceful replacements stop the
// pipeline for no longer than a rebalance.
func TestIntegrationMixedClusterLosesItsJavaWorker(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "mixed")
	timing := []string{
		"session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "heartbeat.interval.ms=1000",
		"scheduled.rebalance.max.delay.ms=0", "offset.flush.interval.ms=500",
		"consumer.session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "consumer.heartbeat.interval.ms=1000",
	}
	java := kafkatest.StartJavaWorker(t, b, group, timing...)
	dir := t.TempDir()
	goEnv := append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group)
	for _, kv := range timing {
		goEnv = append(goEnv, "CONNECT_"+envName(kv))
	}
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, mixedPartitions)
	src, sink := kafkatest.Name(t, "src"), kafkatest.Name(t, "sink")
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	lines := startLineWriter(t, in)
	stalls := watchGrowth(t, out)

	// The source is created while Java is alone, so its task starts there
	// and, assignments being sticky, stays there; the sink's five tasks
	// then even the load out at two tasks a worker, so Java runs one too.
	asText := `"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"`
	kafkatest.PutConnector(t, java.URL, src, fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q,%s}`, in, topic, asText))
	kafkatest.AwaitTasks(t, java.URL, src, 1)
	go1, go2 := kafkatest.StartWorker(t, b, goEnv...), kafkatest.StartWorker(t, b, goEnv...)
	go1.WaitHealthy(t, time.Minute)
	go2.WaitHealthy(t, time.Minute)
	kafkatest.PutConnector(t, java.URL, sink, fmt.Sprintf(`{"connector.class":"FileStreamSink","tasks.max":"5","file":%q,"topics":%q,%s}`, out, topic, asText))
	javaID := hostPort(java.URL)
	goIDs := []string{hostPort(go1.URL), hostPort(go2.URL)}
	kafkatest.Eventually(t, time.Minute, func() error {
		srcOn, err := kafkatest.TaskWorkers(go1.URL, src)
		if err != nil {
			return err
		}
		sinkOn, err := kafkatest.TaskWorkers(go1.URL, sink)
		if err != nil {
			return err
		}
		if !slices.Equal(srcOn, []string{javaID}) {
			return fmt.Errorf("the source task runs on %v, want the Java worker %s", srcOn, javaID)
		}
		if len(sinkOn) != 5 || !slices.Contains(sinkOn, javaID) || !slices.ContainsFunc(sinkOn, func(id string) bool { return slices.Contains(goIDs, id) }) {
			return fmt.Errorf("sink tasks run on %v: want them on the Java worker %s and the Go workers %v", sinkOn, javaID, goIDs)
		}
		return nil
	})
	awaitLines(t, out, 300, time.Minute)
	// Both connectors have committed a good part of it, so that the kill
	// finds flushed lines behind it and unflushed ones after.
	kafkatest.Eventually(t, time.Minute, func() error {
		var position, committed float64
		for _, o := range offsetsOf(t, go1.URL, src) {
			position, _ = o.Offset["position"].(float64)
		}
		for _, o := range offsetsOf(t, go1.URL, sink) {
			off, _ := o.Offset["kafka_offset"].(float64)
			committed += off
		}
		if position < 200*lineBytes || committed < 200 {
			return fmt.Errorf("the source has committed %v bytes, the sink %v records; waiting for 200 lines", position, committed)
		}
		return nil
	})

	// SIGKILL: Java neither flushes nor commits. What it committed last is
	// where the Go workers start; only what came after may repeat.
	java.Kill(t)
	killed := time.Now()
	var position int64
	for _, o := range offsetsOf(t, go1.URL, src) {
		position = int64(o.Offset["position"].(float64))
	}
	sinkCommitted := map[int]int64{}
	for _, o := range offsetsOf(t, go1.URL, sink) {
		sinkCommitted[int(o.Partition["kafka_partition"].(float64))] = int64(o.Offset["kafka_offset"].(float64))
	}
	written := lines.count()
	kafkatest.Eventually(t, mixedSession+time.Minute, func() error {
		for _, name := range []string{src, sink} {
			on, err := kafkatest.TaskWorkers(go1.URL, name)
			if err != nil {
				return err
			}
			if slices.Contains(on, javaID) {
				return fmt.Errorf("%s tasks still on the killed Java worker: %v", name, on)
			}
		}
		return nil
	})
	took := time.Since(killed)
	awaitLines(t, out, written+100, time.Minute)
	t.Logf("Java SIGKILLed at line %d (source committed to byte %d, line %d; sink committed %v): the Go workers ran every task %v later; output stalled at most %v",
		written, position, position/lineBytes, sinkCommitted, took.Round(time.Millisecond), stalls.longest(killed, time.Now()).Round(time.Millisecond))

	// Replace Java by Go: a Java worker joins again, then leaves for a Go
	// one. Graceful changes stop the flow for no more than a rebalance.
	replacing := time.Now()
	java2 := kafkatest.StartJavaWorker(t, b, group, timing...)
	java2ID := hostPort(java2.URL)
	kafkatest.Eventually(t, time.Minute, func() error {
		srcOn, err := kafkatest.TaskWorkers(go1.URL, src)
		if err != nil {
			return err
		}
		sinkOn, err := kafkatest.TaskWorkers(go1.URL, sink)
		if err != nil {
			return err
		}
		if on := append(srcOn, sinkOn...); !slices.Contains(on, java2ID) {
			return fmt.Errorf("no task on the new Java worker %s yet: %v", java2ID, on)
		}
		return nil
	})
	awaitLines(t, out, lines.count()+100, time.Minute)
	java2.Stop(t)
	go3 := kafkatest.StartWorker(t, b, goEnv...)
	go3.WaitHealthy(t, time.Minute)
	goIDs = append(goIDs, hostPort(go3.URL))
	kafkatest.Eventually(t, time.Minute, func() error {
		var all []string
		for _, name := range []string{src, sink} {
			on, err := kafkatest.TaskWorkers(go1.URL, name)
			if err != nil {
				return err
			}
			all = append(all, on...)
		}
		for _, id := range all {
			if !slices.Contains(goIDs, id) {
				return fmt.Errorf("tasks run on %v, want only the Go workers %v", all, goIDs)
			}
		}
		if !slices.Contains(all, goIDs[2]) {
			return fmt.Errorf("the new Go worker runs nothing yet: %v", all)
		}
		return nil
	})
	awaitLines(t, out, lines.count()+100, time.Minute)
	replaced := time.Now()

	// Every line arrives; duplicates come only from after the last flush
	// before the kill.
	total := lines.stop()
	awaitLines(t, out, total, 2*time.Minute)
	got := countTokens(t, out)
	produced := readTopicLines(t, b, topic, mixedPartitions)
	var lost, dups, flushedDups int
	for i := range total {
		line := fmt.Sprintf("line-%06d", i)
		n := got[line]
		if n == 0 {
			lost++
			continue
		}
		dups += n - 1
		// Flushed before the kill: the source had committed past it and
		// the sink had committed the record holding it.
		rec := produced[line]
		flushedBySource := int64(lineBytes*(i+1)) <= position
		if flushedBySource && len(rec) > 1 {
			flushedDups++
			if flushedDups <= 5 {
				t.Errorf("%s was committed by the source before the kill (byte %d) yet produced %d times", line, position, len(rec))
			}
			continue
		}
		if n > 1 && flushedBySource && len(rec) == 1 && rec[0].offset < sinkCommitted[rec[0].partition] {
			flushedDups++
			if flushedDups <= 5 {
				t.Errorf("%s was flushed before the kill (%s[%d]@%d, sink committed %d) yet written %d times", line, topic, rec[0].partition, rec[0].offset, sinkCommitted[rec[0].partition], n)
			}
		}
	}
	srcGap := produceGap(produced, replacing, replaced)
	sinkGap := stalls.longest(replacing, replaced)
	t.Logf("%d lines in, %d lost, %d written twice or more (%d of them flushed before the kill); while Java was replaced by Go the source paused at most %v and the output %v",
		total, lost, dups, flushedDups, srcGap.Round(time.Millisecond), sinkGap.Round(time.Millisecond))
	if lost > 0 {
		t.Errorf("%d of %d lines never reached the sink's file", lost, total)
	}
	// A graceful leave or join is one rebalance (delay 0) and a task
	// start; the bound is generous for slow machines.
	if limit := 20 * time.Second; srcGap > limit || sinkGap > limit {
		t.Errorf("the connector stopped for %v (source) and %v (output) while a worker joined or left gracefully; want under %v", srcGap, sinkGap, limit)
	}
}

// envName turns "a.b.c=v" into "A_B_C=v", the worker's env form.
func envName(kv string) string {
	k, v, _ := strings.Cut(kv, "=")
	return strings.ToUpper(strings.ReplaceAll(k, ".", "_")) + "=" + v
}

func hostPort(url string) string { return url[len("http://"):] }

type connectorOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

func offsetsOf(t *testing.T, base, name string) []connectorOffset {
	t.Helper()
	var body struct {
		Offsets []connectorOffset `json:"offsets"`
	}
	if err := kafkatest.GetJSON(base+"/connectors/"+name+"/offsets", &body); err != nil {
		t.Fatalf("offsets of %s: %v", name, err)
	}
	return body.Offsets
}

// lineToken is a line as the sink writes it. Matching tokens rather than
// splitting on newlines keeps the count right even if two workers' writes
// to the shared file interleave between a value and its newline.
var lineToken = regexp.MustCompile(`line-\d{6}`)

func countTokens(t *testing.T, file string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tok := range lineToken.FindAll(data, -1) {
		out[string(tok)]++
	}
	return out
}

// awaitLines waits until file holds n distinct lines.
func awaitLines(t *testing.T, file string, n int, timeout time.Duration) {
	t.Helper()
	kafkatest.Eventually(t, timeout, func() error {
		if got := len(countTokens(t, file)); got < n {
			return fmt.Errorf("%d of %d lines in %s", got, n, filepath.Base(file))
		}
		return nil
	})
}

// lineWriter appends "line-%06d" to a file a hundred times a second, as
// an application's log grows.
type lineWriter struct {
	mu   sync.Mutex
	n    int
	quit chan struct{}
	done chan struct{}
}

func startLineWriter(t *testing.T, file string) *lineWriter {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	w := &lineWriter{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer f.Close()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.quit:
				return
			case <-tick.C:
			}
			w.mu.Lock()
			_, _ = fmt.Fprintf(f, "line-%06d\n", w.n)
			w.n++
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() { w.stop() })
	return w
}

func (w *lineWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// stop stops writing and returns how many lines were written.
func (w *lineWriter) stop() int {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.done
	return w.count()
}

// growthWatch samples a file's size to find the longest time it did not
// grow: while lines keep coming in, that is how long the pipeline was down.
type growthWatch struct {
	mu    sync.Mutex
	grew  []time.Time // when each growth was seen
	quit  chan struct{}
	done  chan struct{}
	since time.Time
}

func watchGrowth(t *testing.T, file string) *growthWatch {
	g := &growthWatch{quit: make(chan struct{}), done: make(chan struct{}), since: time.Now()}
	go func() {
		defer close(g.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var size int64
		for {
			select {
			case <-g.quit:
				return
			case now := <-tick.C:
				if fi, err := os.Stat(file); err == nil && fi.Size() > size {
					size = fi.Size()
					g.mu.Lock()
					g.grew = append(g.grew, now)
					g.mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(func() { close(g.quit); <-g.done })
	return g
}

// longest returns the longest time without growth that overlaps
// [from, to].
func (g *growthWatch) longest(from, to time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out time.Duration
	for i := 1; i < len(g.grew); i++ {
		a, b := g.grew[i-1], g.grew[i]
		if b.After(from) && a.Before(to) {
			out = max(out, b.Sub(a))
		}
	}
	return out
}

// topicRecord is where a line landed in the topic.
type topicRecord struct {
	partition int
	offset    int64
	at        time.Time
}

// readTopicLines reads the whole topic: for each line, its records.
func readTopicLines(t *testing.T, b *kafkatest.Broker, topic string, partitions int) map[string][]topicRecord {
	t.Helper()
	ends := map[int32]int64{}
	var total int64
	for p := range partitions {
		end, err := kafkatest.LastOffset(b, topic, p)
		if err != nil {
			t.Fatal(err)
		}
		ends[int32(p)] = end
		total += end
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := map[string][]topicRecord{}
	var n int64
	for n < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records of %s", n, total, topic)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= ends[r.Partition] {
				return
			}
			n++
			out[string(r.Value)] = append(out[string(r.Value)], topicRecord{partition: int(r.Partition), offset: r.Offset, at: r.Timestamp})
		})
	}
	return out
}

// produceGap returns the longest time between consecutive records of the
// topic that overlaps [from, to].
func produceGap(recs map[string][]topicRecord, from, to time.Time) time.Duration {
	var at []time.Time
	for _, rs := range recs {
		for _, r := range rs {
			at = append(at, r.at)
		}
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	var out time.Duration
	for i := 1; i < len(at); i++ {
		if at[i].After(from) && at[i-1].Before(to) {
			out = max(out, at[i].Sub(at[i-1]))
		}
	}
	return out
}
