package runtime_test

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// sinkConf is a collecting sink reading text keys and values.
func sinkConf(probe string, extra ...string) map[string]string {
	conf := map[string]string{
		"connector.class": collectClass,
		"probe":           probe,
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}
	for i := 0; i < len(extra); i += 2 {
		conf[extra[i]] = extra[i+1]
	}
	return conf
}

// produceNumbered writes records k<i>/v<i> for i in [from, to).
func produceNumbered(t *testing.T, b *kafkatest.Broker, topic string, from, to int) {
	t.Helper()
	var kvs []string
	for i := from; i < to; i++ {
		kvs = append(kvs, "k"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	b.Produce(t, topic, kvs...)
}

// waitReceived waits until the probe holds n records and returns them.
func waitReceived(t *testing.T, p *probe, n int) []received {
	t.Helper()
	var recs []received
	kafkatest.Eventually(t, 60*time.Second, func() error {
		_, recs = p.snapshot()
		if len(recs) < n {
			return fmt.Errorf("%d of %d records put", len(recs), n)
		}
		return nil
	})
	return recs
}

// values are the distinct values received; repeats fail t.
func values(t *testing.T, recs []received) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, r := range recs {
		v := fmt.Sprint(r.value)
		if out[v] {
			t.Errorf("%s put twice", v)
		}
		out[v] = true
	}
	return out
}

func TestSinkPutsEverythingAndCommitsToItsGroup(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 4)
	produceNumbered(t, e.b, topic, 0, 40)
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic))

	recs := waitReceived(t, p, 40)
	if got := values(t, recs); len(got) != 40 {
		t.Fatalf("%d distinct records, want 40", len(got))
	}
	r := recs[0]
	if r.topic != topic || r.key != "k"+strings.TrimPrefix(r.value.(string), "v") {
		t.Errorf("record %+v", r)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		var total int64
		for _, off := range e.committed("connect-collect", topic, 4) {
			total += max(off, 0)
		}
		if total != 40 {
			return fmt.Errorf("group connect-collect committed %d records, want 40", total)
		}
		return nil
	})
	e.waitTaskState(ids[0], statusstore.Running)

	// A restarted task goes on after the committed offsets.
	e.stop("collect", ids)
	produceNumbered(t, e.b, topic, 40, 50)
	p = newProbe(topic)
	e.start("collect", 1, sinkConf(topic, "topics", topic))
	waitReceived(t, p, 10)
	time.Sleep(200 * time.Millisecond) // would anything old come again?
	_, recs = p.snapshot()
	got := values(t, recs)
	for i := 40; i < 50; i++ {
		if !got["v"+strconv.Itoa(i)] {
			t.Errorf("v%d not put after the restart", i)
		}
	}
	if len(got) != 10 {
		t.Errorf("%d records put after the restart, want the 10 new ones", len(got))
	}
}

func TestSinkTasksSharePartitions(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 4)
	p := newProbe(topic)
	e.start("collect", 2, sinkConf(topic, "topics", topic, "consumer.override.heartbeat.interval.ms", "200"))
	kafkatest.Eventually(t, 60*time.Second, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		a, b := p.owned["0"], p.owned["1"]
		if len(a) != 2 || len(b) != 2 {
			return fmt.Errorf("task 0 owns %v, task 1 owns %v", a, b)
		}
		for tp := range a {
			if b[tp] {
				return fmt.Errorf("both own %v", tp)
			}
		}
		return nil
	})
	produceNumbered(t, e.b, topic, 0, 40)
	recs := waitReceived(t, p, 40)
	byTask := map[string]int{}
	for _, r := range recs {
		byTask[r.task]++
	}
	if len(values(t, recs)) != 40 || byTask["0"] == 0 || byTask["1"] == 0 {
		t.Errorf("records per task %v, want all 40 split between both", byTask)
	}
}

// A stopping task leaves its group once: its partitions go to the task
// that stays in a single rebalance, without the stopping task joining
// again on its way out (which would take two, the second only once it
// has left), and the partitions the staying task had are never closed.
func TestSinkTaskLeavesWithoutJoiningAgain(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 4)
	p := newProbe(topic)
	conf := sinkConf(topic, "topics", topic, "consumer.override.heartbeat.interval.ms", "100")
	conf["name"] = "collect"
	ids := e.start("collect", 2, conf)
	owns := func(task string, n int) func() error {
		return func() error {
			p.mu.Lock()
			defer p.mu.Unlock()
			if len(p.owned[task]) != n {
				return fmt.Errorf("task %s owns %v, want %d partitions", task, p.owned[task], n)
			}
			return nil
		}
	}
	// A last join would be a race, so give it a few chances to show.
	for range 3 {
		kafkatest.Eventually(t, 30*time.Second, owns("0", 2))
		kafkatest.Eventually(t, 30*time.Second, owns("1", 2))
		p.mu.Lock()
		before, closedBefore := p.opened["1"], p.closed["1"]
		p.mu.Unlock()
		e.rt.StopTasks(ids[:1])
		kafkatest.Eventually(t, 30*time.Second, owns("1", 4))
		p.mu.Lock()
		opened, closed := p.opened["1"]-before, p.closed["1"]-closedBefore
		p.mu.Unlock()
		if opened != 1 || closed != 0 {
			t.Fatalf("task 1 took over task 0's partitions in %d rebalances, closing %d of its own; want 1 and none", opened, closed)
		}
		configs, err := e.rt.TaskConfigs("collect", 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.rt.StartTask(sidecarruntime.TaskSpec{ID: ids[0], ConnectorConfig: conf, TaskConfig: configs[0], Target: configstore.Started}); err != nil {
			t.Fatal(err)
		}
	}
}

// A task that joins takes only its share: the task already there closes
// the partitions that move, keeps delivering the others without closing
// them, and no partition is open on both at once.
func TestSinkNewTaskMovesOnlyItsShare(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 4)
	p := newProbe(topic)
	conf := sinkConf(topic, "topics", topic, "consumer.override.heartbeat.interval.ms", "100")
	conf["name"] = "collect"
	ids := e.start("collect", 2, conf)
	e.rt.StopTasks(ids[1:])
	kafkatest.Eventually(t, 30*time.Second, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.owned["0"]) != 4 || len(p.owned["1"]) != 0 {
			return fmt.Errorf("task 0 owns %v, task 1 %v; want all on task 0", p.owned["0"], p.owned["1"])
		}
		return nil
	})
	produceNumbered(t, e.b, topic, 0, 20)
	waitReceived(t, p, 20)
	p.mu.Lock()
	kept := maps.Clone(p.owned["0"])
	opened, closed := p.opened["0"], p.closed["0"]
	p.mu.Unlock()

	configs, err := e.rt.TaskConfigs("collect", 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rt.StartTask(sidecarruntime.TaskSpec{ID: ids[1], ConnectorConfig: conf, TaskConfig: configs[1], Target: configstore.Started}); err != nil {
		t.Fatal(err)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		a, b := p.owned["0"], p.owned["1"]
		for tp := range b {
			if a[tp] {
				return fmt.Errorf("%v is open on both tasks", tp)
			}
		}
		if len(a) != 2 || len(b) != 2 {
			return fmt.Errorf("task 0 owns %v, task 1 %v; want two each", a, b)
		}
		return nil
	})
	p.mu.Lock()
	stayed := 0
	for tp := range p.owned["0"] {
		if kept[tp] {
			stayed++
		}
	}
	reopened, moved := p.opened["0"]-opened, p.closed["0"]-closed
	p.mu.Unlock()
	if stayed != 2 || reopened != 0 || moved != 2 {
		t.Errorf("task 0 kept %d partitions, closed %d and opened %d times; want 2 kept, 2 closed, none reopened", stayed, moved, reopened)
	}
	produceNumbered(t, e.b, topic, 20, 40)
	recs := waitReceived(t, p, 40)
	if got := len(values(t, recs)); got != 40 {
		t.Errorf("%d distinct records, want 40", got)
	}
}

// With group.protocol=consumer (KIP-848) the broker assigns the
// partitions; the tasks share them and deliver everything all the same.
func TestSinkConsumerGroupProtocol(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 4)
	p := newProbe(topic)
	e.start("collect", 2, sinkConf(topic, "topics", topic, "consumer.override.group.protocol", "consumer"))
	kafkatest.Eventually(t, 60*time.Second, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if a, b := p.owned["0"], p.owned["1"]; len(a) != 2 || len(b) != 2 {
			return fmt.Errorf("task 0 owns %v, task 1 owns %v; want two each", a, b)
		}
		return nil
	})
	produceNumbered(t, e.b, topic, 0, 40)
	if got := len(values(t, waitReceived(t, p, 40))); got != 40 {
		t.Errorf("%d distinct records, want 40", got)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		var sum int64
		for _, off := range e.committed("connect-collect", topic, 4) {
			sum += off
		}
		if sum != 40 {
			return fmt.Errorf("committed %d of 40", sum)
		}
		return nil
	})
}

func TestSinkPauseKeepsMembership(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 1)
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic))
	produceNumbered(t, e.b, topic, 0, 5)
	waitReceived(t, p, 5)

	if err := e.rt.SetTaskTarget(ids[0], configstore.Paused); err != nil {
		t.Fatal(err)
	}
	e.waitTaskState(ids[0], statusstore.Paused)
	produceNumbered(t, e.b, topic, 5, 10)
	time.Sleep(500 * time.Millisecond)
	if _, recs := p.snapshot(); len(recs) != 5 {
		t.Fatalf("a paused task was given %d records", len(recs)-5)
	}
	p.mu.Lock()
	opened := p.opened["0"]
	p.mu.Unlock()

	if err := e.rt.SetTaskTarget(ids[0], configstore.Started); err != nil {
		t.Fatal(err)
	}
	e.waitTaskState(ids[0], statusstore.Running)
	waitReceived(t, p, 10)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opened["0"] != opened {
		t.Errorf("pausing reopened the partitions (%d Open calls, was %d): membership was lost", p.opened["0"], opened)
	}
}

func TestSinkRegexAndGroupOverride(t *testing.T) {
	e := newEnv(t)
	prefix := kafkatest.Name(t, "rx")
	e.b.CreateTopic(t, prefix+"-a", 1)
	e.b.CreateTopic(t, prefix+"-b", 2)
	e.b.CreateTopic(t, prefix+"-skipped-x", 1)
	produceNumbered(t, e.b, prefix+"-a", 0, 5)
	produceNumbered(t, e.b, prefix+"-b", 5, 10)
	produceNumbered(t, e.b, prefix+"-skipped-x", 100, 105)
	p := newProbe(prefix)
	group := prefix + "-group"
	e.start("collect", 1, sinkConf(prefix, "topics.regex", prefix+"-[ab]", "consumer.override.group.id", group))
	waitReceived(t, p, 10)
	time.Sleep(200 * time.Millisecond) // would a skipped topic come too?
	_, recs := p.snapshot()
	if got := values(t, recs); len(got) != 10 {
		t.Errorf("put %v, want v0..v9 only", got)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if off := e.committed(group, prefix+"-a", 1); off[0] != 5 {
			return fmt.Errorf("group %s committed %v", group, off)
		}
		return nil
	})
}

func TestSinkPoisonRecord(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 1)
	e.b.Produce(t, topic, "a", `{"n":1}`, "b", `not json`, "c", `{"n":3}`)
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic,
		"value.converter", "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable", "false"))
	st := e.waitTaskState(ids[0], statusstore.Failed)
	// The trace says what failed where, for a person: the stage, the
	// connector, the record's place (not its value) and the converter's
	// error; no Go stack, which would be the reporting goroutine's.
	if first := strings.SplitN(st.Trace, "\n", 2)[0]; first != "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler" {
		t.Errorf("trace starts %q, want Java's class and message", first)
	}
	for _, want := range []string{
		"stage: VALUE_CONVERTER (converting a record's value) in org.apache.kafka.connect.json.JsonConverter",
		"connector: " + collectClass,
		fmt.Sprintf("record: topic %s, partition 0, offset 1", topic),
		"Caused by: org.apache.kafka.connect.errors.DataException: ",
	} {
		if !strings.Contains(st.Trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, st.Trace)
		}
	}
	for _, unwanted := range []string{"goroutine", ".go:", "not json"} {
		if strings.Contains(st.Trace, unwanted) {
			t.Errorf("trace has %q:\n%s", unwanted, st.Trace)
		}
	}
	// Records fetched in an earlier batch may have been put; nothing after
	// the poison record may be, or it would have been skipped silently.
	if _, recs := p.snapshot(); len(recs) > 1 || (len(recs) == 1 && !strings.Contains(fmt.Sprint(recs[0].value), "1")) {
		t.Errorf("put %v: only the record before the poison one may be put", recs)
	}
	var tol *sidecarruntime.ToleranceError
	if info := e.rt.Tasks()[ids[0]]; !errors.As(info.Err, &tol) || tol.Stage != sidecarruntime.StageValueConverter {
		t.Errorf("task error %v, want a ToleranceError at VALUE_CONVERTER", info.Err)
	}
}

func TestSinkDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	dlq := topic + "-dlq"
	e.b.CreateTopic(t, topic, 1)
	w := &kafka.Writer{Addr: kafka.TCP(e.b.Addr), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, Transport: &kafka.Transport{}}
	defer w.Close()
	if err := w.WriteMessages(t.Context(),
		kafka.Message{Key: []byte("a"), Value: []byte(`{"n":1}`)},
		kafka.Message{Key: []byte("b"), Value: []byte(`not json`), Headers: []kafka.Header{{Key: "origin", Value: []byte("test")}}},
		kafka.Message{Key: []byte("c"), Value: []byte(`{"n":3}`)},
	); err != nil {
		t.Fatal(err)
	}
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic,
		"value.converter", "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable", "false",
		"errors.tolerance", "all",
		"errors.deadletterqueue.topic.name", dlq,
		"errors.deadletterqueue.topic.replication.factor", "1",
		"errors.deadletterqueue.context.headers.enable", "true"))

	recs := waitReceived(t, p, 2)
	if len(recs) != 2 || fmt.Sprint(recs[0].key) != "a" || fmt.Sprint(recs[1].key) != "c" {
		t.Errorf("put %+v, want a and c", recs)
	}
	dead := b2s(e.b.Consume(t, dlq, 0, 1, 30*time.Second)[0])
	want := map[string]string{
		"origin":                                "test",
		"__connect.errors.topic":                topic,
		"__connect.errors.partition":            "0",
		"__connect.errors.offset":               "1",
		"__connect.errors.connector.name":       "collect",
		"__connect.errors.task.id":              "0",
		"__connect.errors.stage":                "VALUE_CONVERTER",
		"__connect.errors.class.name":           "org.apache.kafka.connect.json.JsonConverter",
		"__connect.errors.exception.class.name": "org.apache.kafka.connect.errors.DataException",
	}
	if dead.key != "b" || dead.value != "not json" {
		t.Errorf("dead letter %s=%s, want b=not json", dead.key, dead.value)
	}
	for k, v := range want {
		if dead.headers[k] != v {
			t.Errorf("header %s=%q, want %q", k, dead.headers[k], v)
		}
	}
	if !strings.Contains(dead.headers["__connect.errors.exception.message"], "JSON") || dead.headers["__connect.errors.exception.stacktrace"] == "" {
		t.Errorf("exception message %q, stack trace %q", dead.headers["__connect.errors.exception.message"], dead.headers["__connect.errors.exception.stacktrace"])
	}
	if order := dead.order; order[0] != "origin" || order[1] != "__connect.errors.topic" {
		t.Errorf("header order %v: the record's own headers come first", order)
	}
	e.waitTaskState(ids[0], statusstore.Running)
	if e.hook.tolerated.Load() != 1 {
		t.Errorf("%d tolerated errors counted, want 1", e.hook.tolerated.Load())
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if off := e.committed("connect-collect", topic, 1); off[0] != 3 {
			return fmt.Errorf("committed %v, want 3: the dead letter counts as done", off)
		}
		return nil
	})
}

func TestSinkTaskReportsARecord(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	dlq := topic + "-dlq"
	e.b.CreateTopic(t, topic, 1)
	e.b.Produce(t, topic, "a", "ok1", "b", "bad", "c", "ok2")
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic, "put.reject", "bad",
		"errors.tolerance", "all",
		"errors.deadletterqueue.topic.name", dlq,
		"errors.deadletterqueue.topic.replication.factor", "1"))

	recs := waitReceived(t, p, 2)
	if got := values(t, recs); !got["ok1"] || !got["ok2"] || got["bad"] {
		t.Errorf("put %v, want ok1 and ok2 only", got)
	}
	dead := b2s(e.b.Consume(t, dlq, 0, 1, 30*time.Second)[0])
	if dead.key != "b" || dead.value != "bad" || dead.headers["why"] != "rejected by the app" {
		t.Errorf("dead letter %+v, want b=bad with the task's own header", dead)
	}
	if _, ok := dead.headers["__connect.errors.topic"]; ok {
		t.Errorf("context headers written although not enabled: %v", dead.order)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if off := e.committed("connect-collect", topic, 1); off[0] != 3 {
			return fmt.Errorf("committed %v, want 3: the reported record counts as done", off)
		}
		return nil
	})
	e.stop("collect", ids)

	// With errors.tolerance=none, reporting fails the task with the reason.
	newProbe(topic + "-none")
	ids = e.start("strict", 1, sinkConf(topic+"-none", "topics", topic, "put.reject", "bad"))
	st := e.waitTaskState(ids[0], statusstore.Failed)
	for _, want := range []string{"Tolerance exceeded in error handler", "the app rejected bad"} {
		if !strings.Contains(st.Trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, st.Trace)
		}
	}
}

type textMessage struct {
	key, value string
	headers    map[string]string
	order      []string
}

func b2s(m kafka.Message) textMessage {
	out := textMessage{key: string(m.Key), value: string(m.Value), headers: map[string]string{}}
	for _, h := range m.Headers {
		out.headers[h.Key] = string(h.Value)
		out.order = append(out.order, h.Key)
	}
	return out
}

func TestSinkFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setting string
		state   statusstore.State
		trace   string
	}{
		{"panic in put", "put.panic", statusstore.Failed, "put panics"},
		{"retriable put error", "put.retriable", statusstore.Running, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			topic := kafkatest.Name(t, "in")
			e.b.CreateTopic(t, topic, 1)
			produceNumbered(t, e.b, topic, 0, 3)
			p := newProbe(topic)
			ids := e.start("collect", 1, sinkConf(topic, "topics", topic, tc.setting, "true", "errors.retry.delay.max.ms", "100"))
			st := e.waitTaskState(ids[0], tc.state)
			if tc.state == statusstore.Failed {
				if !strings.Contains(st.Trace, tc.trace) || !strings.Contains(st.Trace, "stage: TASK_PUT") || !strings.Contains(st.Trace, "goroutine") {
					t.Errorf("trace lacks %q, the stage and the panic's stack:\n%s", tc.trace, st.Trace)
				}
				if strings.Contains(st.Trace, "traceOf") || strings.Contains(st.Trace, "runtime/debug.Stack") {
					t.Errorf("trace has the frames of the panic's recovery or report:\n%s", st.Trace)
				}
				return
			}
			waitReceived(t, p, 3)
		})
	}
}

// A task failing in its own code has a trace with the connector's error
// chain and the step it failed in.
func TestSinkTaskStartFailureTrace(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 1)
	dir, err := filepath.EvalSymlinks(t.TempDir()) // as the connector opens it
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "out.txt")
	ids := e.start("files", 1, map[string]string{"connector.class": "FileStreamSink", "topics": topic, "file": missing})
	st := e.waitTaskState(ids[0], statusstore.Failed)
	want := fmt.Sprintf(`org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '%s' for FileStreamSinkTask
	connector: org.apache.kafka.connect.file.FileStreamSinkConnector
	stage: start task
Caused by: *fs.PathError: open %s
Caused by: syscall.Errno: no such file or directory`, missing, missing)
	if st.Trace != want {
		t.Errorf("trace:\n%s\nwant:\n%s", st.Trace, want)
	}
}

// A task whose writes fail in the background says so at its next Put;
// the runtime puts an empty batch while no records come, as Java does, so
// the task fails then and not at the next offset commit.
func TestSinkIdlePutSurfacesABackgroundFailure(t *testing.T) {
	e := newEnv(t, "CONNECT_OFFSET_FLUSH_INTERVAL_MS=3600000")
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 1)
	produceNumbered(t, e.b, topic, 0, 1)
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic, "put.fails.later", "true"))
	waitReceived(t, p, 1)
	st := e.waitTaskState(ids[0], statusstore.Failed)
	if !strings.Contains(st.Trace, "the background write failed") {
		t.Errorf("trace:\n%s", st.Trace)
	}
}

// A task that does not finish within task.shutdown.graceful.timeout.ms is
// abandoned: StopTasks returns and the worker goes on.
func TestStopAbandonsAStuckTask(t *testing.T) {
	e := newEnv(t, "CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS=300")
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 1)
	produceNumbered(t, e.b, topic, 0, 1)
	p := newProbe(topic)
	ids := e.start("collect", 1, sinkConf(topic, "topics", topic, "put.block", "true"))
	kafkatest.Eventually(t, 30*time.Second, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.opened["0"] == 0 {
			return errors.New("not assigned yet")
		}
		return nil
	})
	time.Sleep(200 * time.Millisecond) // into Put
	start := time.Now()
	e.rt.StopTasks(ids)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("StopTasks took %v", took)
	}
	if _, ok := e.rt.Tasks()[ids[0]]; ok {
		t.Error("an abandoned task is still listed")
	}
	// Its context is cancelled, so it winds down; the goroutine check in
	// TestMain sees that it did.
}

// A listed topic that does not exist yet is waited for, without churning
// the consumer group, and consumed once it appears.
func TestSinkWaitsForAMissingTopic(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "late")
	p := newProbe(topic)
	e.start("collect", 1, sinkConf(topic, "topics", topic, "consumer.override.metadata.max.age.ms", "200"))
	time.Sleep(500 * time.Millisecond)
	p.mu.Lock()
	opened := p.opened["0"]
	p.mu.Unlock()
	if opened != 0 {
		t.Errorf("joined %d generations without a topic", opened)
	}
	e.b.CreateTopic(t, topic, 1)
	produceNumbered(t, e.b, topic, 0, 3)
	waitReceived(t, p, 3)
}

func TestSinkWaitsForLease(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "in")
	e.b.CreateTopic(t, topic, 1)
	produceNumbered(t, e.b, topic, 0, 3)
	p := newProbe(topic)
	e.lease.Store(false)
	e.start("collect", 1, sinkConf(topic, "topics", topic))
	time.Sleep(time.Second)
	if _, recs := p.snapshot(); len(recs) != 0 {
		t.Fatalf("put %d records without a lease", len(recs))
	}
	if got := e.committed("connect-collect", topic, 1)[0]; got > 0 {
		t.Fatalf("committed offset %d without a lease", got)
	}
	e.lease.Store(true)
	waitReceived(t, p, 3)
}

// A sink subscribed to a topic that does not exist says so, once rather
// than at each of franz-go's metadata refreshes (every 5 s), and reads the
// topic once it is created.
func TestSinkSaysItWaitsForAMissingTopic(t *testing.T) {
	e := newEnv(t)
	start := time.Now()
	topic := kafkatest.Name(t, "later")
	p := newProbe(topic)
	e.start("collect", 1, sinkConf(topic, "topics", topic))
	said := func() []string {
		return e.logs.matching("level=WARN", "waiting for a topic that does not exist", "connector=collect", "task=0", "topic="+topic)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if len(said()) == 0 {
			return fmt.Errorf("no warning that %s does not exist", topic)
		}
		return nil
	})
	e.b.CreateTopic(t, topic, 1)
	produceNumbered(t, e.b, topic, 0, 3)
	waitReceived(t, p, 3)
	// One a minute at most (runtime.missingTopicEvery).
	if n, most := len(said()), 1+int(time.Since(start)/time.Minute); n > most {
		t.Errorf("%d warnings in %v, want at most %d:\n%s", n, time.Since(start), most, strings.Join(said(), "\n"))
	}
}
