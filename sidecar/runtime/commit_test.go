package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// committingClass is numberSource whose tasks also implement Commit and
// CommitRecord and log the calls to the commitLog named by their probe.
const committingClass = "com.example.test.CommittingSourceConnector"

var commitLogs sync.Map // probe name → *commitLog

type commitLog struct {
	mu      sync.Mutex
	records []commitRecordCall
	commits []int64 // for each Commit: the offset commits the runtime had reported by then
	stopped bool
	late    []string // calls after Stop
	hook    *countingHook
}

type commitRecordCall struct {
	n    int64 // the record's source offset
	r    plugin.Record
	meta plugin.RecordMetadata
}

func newCommitLog(name string, hook *countingHook) *commitLog {
	l := &commitLog{hook: hook}
	commitLogs.Store(name, l)
	return l
}

func (l *commitLog) snapshot() ([]commitRecordCall, []int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]commitRecordCall(nil), l.records...), append([]int64(nil), l.commits...)
}

type committingSource struct{ numberSource }

func (c *committingSource) NewTask() plugin.SourceTask { return &committingTask{} }

// committingTask fails Commit and panics in CommitRecord for odd records
// when commit.fail is true.
type committingTask struct {
	numberTask
	log  *commitLog
	fail bool
}

var (
	_ plugin.CommittingSourceTask       = (*committingTask)(nil)
	_ plugin.RecordCommittingSourceTask = (*committingTask)(nil)
)

func (t *committingTask) Start(ctx context.Context, props map[string]string, offsets plugin.OffsetReader) error {
	l, _ := commitLogs.Load(props["probe"])
	t.log, t.fail = l.(*commitLog), props["commit.fail"] == "true"
	return t.numberTask.Start(ctx, props, offsets)
}

func (t *committingTask) Commit(context.Context) error {
	t.log.mu.Lock()
	defer t.log.mu.Unlock()
	t.log.commits = append(t.log.commits, t.log.hook.commits.Load())
	if t.log.stopped {
		t.log.late = append(t.log.late, "Commit")
	}
	if t.fail {
		return errors.New("commit refused")
	}
	return nil
}

func (t *committingTask) CommitRecord(_ context.Context, r plugin.Record, meta plugin.RecordMetadata) error {
	n := r.SourceOffset["n"].(int64)
	t.log.mu.Lock()
	t.log.records = append(t.log.records, commitRecordCall{n: n, r: r, meta: meta})
	if t.log.stopped {
		t.log.late = append(t.log.late, fmt.Sprintf("CommitRecord %d", n))
	}
	t.log.mu.Unlock()
	if t.fail && n%2 == 1 {
		panic(fmt.Sprintf("record %d cannot be committed", n))
	}
	return nil
}

func (t *committingTask) Stop() error {
	t.log.mu.Lock()
	t.log.stopped = true
	t.log.mu.Unlock()
	return t.numberTask.Stop()
}

// newCommitEnv is newEnv whose runtime also knows the committing source.
func newCommitEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	reg, err := plugin.NewRegistry(append(e.reg.All(), plugin.Plugin{Class: committingClass, Kind: plugin.KindSource,
		Version: "1.0", New: func() any { return &committingSource{} }})...)
	if err != nil {
		t.Fatal(err)
	}
	// The first runtime runs nothing yet; stopAll stops this one.
	e.reg = reg
	e.rt = sidecarruntime.New(sidecarruntime.Deps{
		Worker:     e.w,
		Clients:    e.clients,
		Plugins:    reg,
		Offsets:    e.offsets,
		Statuses:   e.statuses,
		Log:        testLogger(t),
		Lease:      e.lease.Load,
		Generation: e.gen.Load,
		Changed:    func() { e.changed.Add(1) },
		Hooks:      []sidecarruntime.Hook{e.hook},
	})
	return e
}

// committingConf is sourceConf for the committing source, whose records
// a RegexRouter sends to topic + "-routed".
func committingConf(topic string, extra ...string) map[string]string {
	conf := sourceConf(topic, topic, append([]string{
		"connector.class", committingClass,
		"transforms", "route",
		"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex", "(.*)",
		"transforms.route.replacement", "$1-routed",
	}, extra...)...)
	return conf
}

// CommitRecord is called once per acknowledged record, with the record as
// the task polled it and where Kafka put it; Commit after each offset
// flush, the last one before Stop.
func TestSourceCommitHooks(t *testing.T) {
	e := newCommitEnv(t)
	topic := kafkatest.Name(t, "numbers")
	routed := topic + "-routed"
	e.b.CreateTopic(t, routed, 3)
	newProbe(topic)
	l := newCommitLog(topic, e.hook)
	ids := e.start("numbers", 1, committingConf(topic, "count", "30", "batch", "7"))

	where := map[string][2]int64{} // key → partition, offset in Kafka
	for p, ms := range consumeAll(t, e.b, routed, 3, 30) {
		for _, m := range ms {
			where[string(m.Key)] = [2]int64{int64(p), m.Offset}
		}
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, _ := offsetOf(t, e, "numbers", "0"); n != 29 {
			return fmt.Errorf("committed offset %d, want 29", n)
		}
		if recs, _ := l.snapshot(); len(recs) < 30 {
			return fmt.Errorf("%d CommitRecord calls", len(recs))
		}
		return nil
	})
	before := time.Now()
	e.stop("numbers", ids) // returns once the task has stopped

	recs, commits := l.snapshot()
	if len(recs) != 30 {
		t.Errorf("%d CommitRecord calls for 30 records", len(recs))
	}
	seen := map[int64]bool{}
	for _, c := range recs {
		key := fmt.Sprintf("k%d", c.n)
		if seen[c.n] {
			t.Errorf("record %d committed twice", c.n)
		}
		seen[c.n] = true
		if c.r.Topic != topic || c.r.Key != key {
			t.Errorf("record %d handed over as %s/%v, want as polled: %s/%s", c.n, c.r.Topic, c.r.Key, topic, key)
		}
		w, ok := where[key]
		if !ok || c.meta.Topic != routed || int64(c.meta.Partition) != w[0] || c.meta.Offset != w[1] {
			t.Errorf("record %d: metadata %s/%d@%d, Kafka has it at %s/%d@%d", c.n, c.meta.Topic, c.meta.Partition, c.meta.Offset, routed, w[0], w[1])
		}
		if c.meta.Timestamp.IsZero() || c.meta.Timestamp.After(before) {
			t.Errorf("record %d: timestamp %v", c.n, c.meta.Timestamp)
		}
	}
	// Each Commit follows an offset flush of its own.
	if len(commits) < 2 {
		t.Fatalf("%d Commit calls; want the periodic ones and the last", len(commits))
	}
	for i, flushes := range commits {
		if flushes <= 0 || i > 0 && flushes <= commits[i-1] {
			t.Fatalf("Commit calls came after %v offset commits: one without a flush of its own", commits)
		}
	}
	if flushes := e.hook.commits.Load(); commits[len(commits)-1] != flushes {
		t.Errorf("the last Commit came after %d offset commits, the task's last offset commit was number %d", commits[len(commits)-1], flushes)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.late) > 0 {
		t.Errorf("called after Stop: %v", l.late)
	}
}

// Records skipped under errors.tolerance=all get CommitRecord with no
// metadata, as Java passes null; a Commit or CommitRecord that fails, or
// panics, is logged and the task goes on.
func TestSourceCommitHooksSkippedRecordsAndFailures(t *testing.T) {
	e := newCommitEnv(t)
	topic := kafkatest.Name(t, "numbers")
	routed := topic + "-routed"
	e.b.CreateTopic(t, routed, 1)
	newProbe(topic)
	l := newCommitLog(topic, e.hook)
	ids := e.start("numbers", 1, committingConf(topic, "count", "10", "batch", "1", "bad.at", "3",
		"errors.tolerance", "all", "commit.fail", "true"))

	consumeAll(t, e.b, routed, 1, 9)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if n, _ := offsetOf(t, e, "numbers", "0"); n != 9 {
			return fmt.Errorf("committed offset %d, want 9", n)
		}
		if recs, commits := l.snapshot(); len(recs) < 10 || len(commits) < 2 {
			return fmt.Errorf("%d CommitRecord and %d Commit calls", len(recs), len(commits))
		}
		return nil
	})
	if st, _ := e.taskStatus(ids[0]); st.State != statusstore.Running {
		t.Errorf("task %v: failing commit hooks must not fail it", st.State)
	}
	recs, _ := l.snapshot()
	for _, c := range recs {
		offset := c.n
		if c.n > 3 {
			offset-- // record 3 never reached Kafka
		}
		switch {
		case c.n == 3 && c.meta != (plugin.RecordMetadata{}):
			t.Errorf("skipped record 3 came with metadata %+v", c.meta)
		case c.n != 3 && (c.meta.Topic != routed || c.meta.Offset != offset):
			t.Errorf("record %d: metadata %+v, want offset %d", c.n, c.meta, offset)
		}
	}
}
