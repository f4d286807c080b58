package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Test-only connectors. A test hands a connector a "probe" setting naming a
// probe it registered; the connector's tasks report to it what they did.

const (
	numbersClass = "com.example.test.NumberSourceConnector"
	collectClass = "com.example.test.CollectSinkConnector"
)

var testPlugins = []plugin.Plugin{
	{Class: numbersClass, Kind: plugin.KindSource, Version: "1.2.3", New: func() any { return &numberSource{} }},
	{Class: collectClass, Kind: plugin.KindSink, Version: "4.5.6", New: func() any { return &collectSink{} }},
}

// probe is what a test sees of its connector's tasks.
type probe struct {
	mu       sync.Mutex
	polls    int
	starts   int
	stops    int
	received []received                                // sink: records put, in order
	owned    map[string]map[plugin.TopicPartition]bool // sink: task.id → partitions open
	opened   map[string]int                            // sink: task.id → Open calls
	closed   map[string]int                            // sink: task.id → partitions closed
	flushes  int
	start    map[string]string // last task config started with
	offset   map[string]any    // source: the offset the task resumed from
}

type received struct {
	task    string
	topic   string
	part    int32
	offset  int64
	key     any
	value   any
	headers []plugin.Header
}

var probes sync.Map // name → *probe

func newProbe(name string) *probe {
	p := &probe{owned: map[string]map[plugin.TopicPartition]bool{}, opened: map[string]int{}, closed: map[string]int{}}
	probes.Store(name, p)
	return p
}

func probeOf(props map[string]string) *probe {
	p, ok := probes.Load(props["probe"])
	if !ok {
		panic("no probe " + props["probe"])
	}
	return p.(*probe)
}

func (p *probe) snapshot() (polls int, recs []received) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.polls, append([]received(nil), p.received...)
}

// baseConnector splits its own configuration into tasks.max copies, each
// with a task.id.
type baseConnector struct {
	props   map[string]string
	started bool
}

func (c *baseConnector) Version() string          { return "1.0" }
func (c *baseConnector) Config() plugin.ConfigDef { return nil }
func (c *baseConnector) Start(_ context.Context, props map[string]string) error {
	if props["connector.fail"] == "true" {
		return errors.New("connector refuses to start")
	}
	c.props, c.started = props, true
	return nil
}

func (c *baseConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.props["connector.panic"] == "true" {
		panic("connector panics in TaskConfigs")
	}
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = maps.Clone(c.props)
		out[i]["task.id"] = strconv.Itoa(i)
	}
	return out, nil
}

func (c *baseConnector) Stop() error {
	c.started = false
	return nil
}

// numberSource's tasks produce records numbered from 0 to one topic:
// key "k<n>" (or none with keys=false), value "v<n>", the header n, source
// partition {"source": <task.id>} and offset {"n": <n>}. They resume after
// the committed offset.
//
// Settings: topic, batch (records per poll, default 10), count (stop
// producing after that many; default unlimited), partition (explicit
// partition), alternate (record n goes to partition n%alternate), keys,
// panic.at (panic when polling record n), bad.at (record n carries a value
// the converter cannot write), padding (value bytes), pad.odd (more bytes
// for odd records).
type numberSource struct{ baseConnector }

func (c *numberSource) NewTask() plugin.SourceTask { return &numberTask{} }

type numberTask struct {
	props   map[string]string
	probe   *probe
	next    int64
	batch   int64
	count   int64
	panicAt int64
	badAt   int64
	padding string
	padOdd  string
	alt     int64
}

func (t *numberTask) Start(ctx context.Context, props map[string]string, offsets plugin.OffsetReader) error {
	t.props, t.probe = props, probeOf(props)
	t.batch = intSetting(props, "batch", 10)
	t.count = intSetting(props, "count", -1)
	t.panicAt = intSetting(props, "panic.at", -1)
	t.badAt = intSetting(props, "bad.at", -1)
	t.padding = strings.Repeat("x", int(intSetting(props, "padding", 0)))
	t.padOdd = strings.Repeat("x", int(intSetting(props, "pad.odd", 0)))
	t.alt = intSetting(props, "alternate", 0)
	plugin.Logger(ctx).Info("number task starting")
	if props["start.block"] == "true" {
		<-ctx.Done()
		return ctx.Err()
	}
	off, err := offsets.Offset(ctx, t.partition())
	if err != nil {
		return err
	}
	if off != nil {
		t.next = off["n"].(int64) + 1
	}
	t.probe.mu.Lock()
	t.probe.starts++
	t.probe.start = props
	t.probe.offset = off
	t.probe.mu.Unlock()
	return nil
}

func (t *numberTask) partition() map[string]any { return map[string]any{"source": t.props["task.id"]} }

func (t *numberTask) Poll(ctx context.Context) ([]plugin.Record, error) {
	t.probe.mu.Lock()
	t.probe.polls++
	t.probe.mu.Unlock()
	if t.count >= 0 && t.next >= t.count {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
		return nil, nil
	}
	n := t.batch
	if t.count >= 0 {
		n = min(n, t.count-t.next)
	}
	recs := make([]plugin.Record, 0, n)
	for range n {
		if t.next == t.panicAt {
			panic(fmt.Sprintf("number %d is cursed", t.next))
		}
		r := plugin.Record{
			Topic:           t.props["topic"],
			Partition:       plugin.NoPartition,
			ValueSchema:     &plugin.Schema{Type: plugin.String},
			Value:           fmt.Sprintf("v%d%s", t.next, t.padding),
			Headers:         []plugin.Header{{Key: "n", Schema: &plugin.Schema{Type: plugin.Int64}, Value: t.next}},
			SourcePartition: t.partition(),
			SourceOffset:    map[string]any{"n": t.next},
		}
		if t.props["keys"] != "false" {
			r.KeySchema, r.Key = &plugin.Schema{Type: plugin.String}, fmt.Sprintf("k%d", t.next)
		}
		if p, ok := t.props["partition"]; ok {
			n, _ := strconv.Atoi(p)
			r.Partition = int32(n)
		}
		if t.alt > 0 {
			r.Partition = int32(t.next % t.alt)
		}
		if t.next%2 == 1 {
			r.Value = r.Value.(string) + t.padOdd
		}
		if t.next == t.badAt {
			r.ValueSchema, r.Value = nil, make(chan int) // no converter writes a channel
		}
		recs = append(recs, r)
		t.next++
	}
	return recs, nil
}

func (t *numberTask) Stop() error {
	t.probe.mu.Lock()
	t.probe.stops++
	t.probe.mu.Unlock()
	return nil
}

// collectSink's tasks record what they are given. Settings: put.panic
// (panic in Put), put.block (Put blocks until its context ends),
// put.retriable (fail the first Put with a retriable error), put.discard
// (record nothing), put.fails.later (every Put after one with records
// fails, as a task whose background writes broke).
type collectSink struct{ baseConnector }

func (c *collectSink) NewTask() plugin.SinkTask { return &collectTask{} }

type collectTask struct {
	props     map[string]string
	probe     *probe
	id        string
	retriable bool
	broken    bool // put.fails.later, once records came
	ctx       plugin.SinkTaskContext
}

// Initialize makes collectTask a plugin.ContextSinkTask: with put.reject
// set, records with that value are reported instead of collected.
func (t *collectTask) Initialize(c plugin.SinkTaskContext) { t.ctx = c }

// rejected is the error a collecting task reports a record with; it
// brings its own dead letter headers.
type rejected struct{ value any }

func (r rejected) Error() string { return fmt.Sprintf("the app rejected %v", r.value) }

func (rejected) DeadLetterHeaders() []plugin.Header {
	return []plugin.Header{{Key: "why", Value: "rejected by the app"}}
}

func (t *collectTask) Start(_ context.Context, props map[string]string) error {
	t.props, t.probe, t.id = props, probeOf(props), props["task.id"]
	t.retriable = props["put.retriable"] == "true"
	t.probe.mu.Lock()
	t.probe.starts++
	t.probe.start = props
	t.probe.mu.Unlock()
	return nil
}

func (t *collectTask) Open(_ context.Context, parts []plugin.TopicPartition) error {
	t.probe.mu.Lock()
	defer t.probe.mu.Unlock()
	owned := t.probe.owned[t.id]
	if owned == nil {
		owned = map[plugin.TopicPartition]bool{}
		t.probe.owned[t.id] = owned
	}
	for _, p := range parts {
		owned[p] = true
	}
	t.probe.opened[t.id]++
	return nil
}

func (t *collectTask) Close(_ context.Context, parts []plugin.TopicPartition) error {
	t.probe.mu.Lock()
	defer t.probe.mu.Unlock()
	for _, p := range parts {
		delete(t.probe.owned[t.id], p)
	}
	t.probe.closed[t.id] += len(parts)
	return nil
}

// temporary is a retriable error.
type temporary struct{ error }

func (temporary) Temporary() bool { return true }

func (t *collectTask) Put(ctx context.Context, recs []plugin.Record) error {
	if t.broken {
		return errors.New("the background write failed")
	}
	t.broken = t.props["put.fails.later"] == "true" && len(recs) > 0
	switch {
	case t.props["put.panic"] == "true":
		panic("put panics")
	case t.props["put.block"] == "true":
		<-ctx.Done()
		return ctx.Err()
	case t.retriable:
		t.retriable = false
		return temporary{errors.New("the database is busy")}
	case t.props["put.discard"] == "true":
		return nil
	}
	if reject := t.props["put.reject"]; reject != "" {
		var keep []plugin.Record
		for _, r := range recs {
			if fmt.Sprint(r.Value) != reject {
				keep = append(keep, r)
				continue
			}
			if err := t.ctx.Report(ctx, r, rejected{r.Value}); err != nil {
				return err
			}
		}
		recs = keep
	}
	t.probe.mu.Lock()
	defer t.probe.mu.Unlock()
	for _, r := range recs {
		t.probe.received = append(t.probe.received, received{task: t.id, topic: r.Topic, part: r.Partition, offset: r.Offset, key: r.Key, value: r.Value, headers: r.Headers})
	}
	return nil
}

func (t *collectTask) Flush(_ context.Context, offsets map[plugin.TopicPartition]int64) (map[plugin.TopicPartition]int64, error) {
	t.probe.mu.Lock()
	t.probe.flushes++
	t.probe.mu.Unlock()
	return offsets, nil
}

func (t *collectTask) Stop() error {
	t.probe.mu.Lock()
	t.probe.stops++
	t.probe.mu.Unlock()
	return nil
}

func intSetting(props map[string]string, key string, dflt int64) int64 {
	v, ok := props[key]
	if !ok {
		return dflt
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: %v", key, v, err))
	}
	return n
}

const blastClass = "com.example.test.BlastSourceConnector"

func init() {
	testPlugins = append(testPlugins, plugin.Plugin{Class: blastClass, Kind: plugin.KindSource, Version: "1", New: func() any { return &blastSource{} }})
}

// blastSource's tasks do no work of their own: each poll returns 1000
// records of size bytes (value only, no key), with source offsets, until
// count records went out. Settings: topic, size, count.
type blastSource struct{ baseConnector }

func (c *blastSource) NewTask() plugin.SourceTask { return &blastTask{} }

type blastTask struct {
	topic       string
	value       []byte
	next, count int64
	partition   map[string]any
}

func (t *blastTask) Start(_ context.Context, props map[string]string, _ plugin.OffsetReader) error {
	t.topic = props["topic"]
	t.value = make([]byte, intSetting(props, "size", 100))
	t.count = intSetting(props, "count", 0)
	t.partition = map[string]any{"blast": props["task.id"]}
	return nil
}

func (t *blastTask) Poll(ctx context.Context) ([]plugin.Record, error) {
	if t.next >= t.count {
		<-ctx.Done()
		return nil, nil
	}
	n := min(1000, t.count-t.next)
	recs := make([]plugin.Record, n)
	for i := range recs {
		recs[i] = plugin.Record{
			Topic: t.topic, Partition: plugin.NoPartition,
			ValueSchema: &plugin.Schema{Type: plugin.Bytes}, Value: t.value,
			SourcePartition: t.partition, SourceOffset: map[string]any{"n": t.next},
		}
		t.next++
	}
	return recs, nil
}

func (t *blastTask) Stop() error { return nil }
