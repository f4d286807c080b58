package httpsink

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// sinkTask delivers its partitions' records to the app. Put encodes
// records and hands them to the loop goroutine, which owns all delivery
// state and starts a goroutine per request (see loop).
type sinkTask struct {
	def      configdef.Def
	obs      Observer
	egress   *egress.Policy
	reporter plugin.SinkTaskContext

	cfg    *config
	enc    *encoder
	client *http.Client

	ctx     context.Context // ends at Stop
	cancel  context.CancelFunc
	puts    chan putRequest
	flushes chan flushRequest
	closes  chan closeRequest
	results chan result
	jobs    chan *job // to idle workers
	workers int       // the loop's: workers started
	health  chan healthCheck
	done    chan struct{}  // closed when the loop has returned
	wg      sync.WaitGroup // workers and the health checker

	// Put's own: the average encoded size, to size the next Put's
	// buffers, and scratch space.
	fragHint int
	groups   map[plugin.TopicPartition]int
	slots    []slot
}

// slot is where encode put a record under partition ordering: its
// partition's group, its index there (-1: none, it was dead-lettered), and
// its bytes (see encoder.record) in the group's buffer.
type slot struct {
	at           position
	group, entry int
	frag, data   [2]int
}

type putRequest struct {
	groups [][]*entry // one per partition
	reply  chan<- error
}

type flushRequest struct {
	offsets map[plugin.TopicPartition]int64
	reply   chan<- flushReply
}

type flushReply struct {
	offsets map[plugin.TopicPartition]int64
	err     error
}

type closeRequest struct {
	tps   []plugin.TopicPartition
	reply chan<- []*job
}

var (
	_ plugin.SinkTask        = (*sinkTask)(nil)
	_ plugin.ContextSinkTask = (*sinkTask)(nil)
)

func newTask(def configdef.Def, obs Observer, p *egress.Policy) *sinkTask {
	if obs == nil {
		obs = nopObserver{}
	}
	return &sinkTask{def: def, obs: obs, egress: p, fragHint: 256, groups: map[plugin.TopicPartition]int{}}
}

// Initialize implements plugin.ContextSinkTask: records the app rejects
// are reported to c.
func (t *sinkTask) Initialize(c plugin.SinkTaskContext) { t.reporter = c }

// Start reads the settings and starts delivering, and checking the app's
// health if a health URL is set.
func (t *sinkTask) Start(ctx context.Context, props map[string]string) error {
	cfg, err := parse(t.def, props)
	if err != nil {
		return err
	}
	t.cfg, t.enc, t.client = cfg, newEncoder(cfg.format), newClient(cfg, t.egress)
	t.ctx, t.cancel = context.WithCancel(ctx)
	t.puts = make(chan putRequest)
	t.flushes = make(chan flushRequest)
	t.closes = make(chan closeRequest)
	t.results = make(chan result)
	t.jobs = make(chan *job)
	t.health = make(chan healthCheck)
	t.done = make(chan struct{})
	go t.run(newLoop(cfg, t.obs, plugin.Logger(ctx), t.spawn, time.Now()))
	if cfg.healthURL != "" {
		t.wg.Add(1)
		go t.watchHealth()
	}
	return nil
}

// observeEvery is how often a task tells a PartitionObserver what it
// holds.
const observeEvery = time.Second

// run is the loop's goroutine.
func (t *sinkTask) run(l *loop) {
	defer close(t.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var observe <-chan time.Time // nil: nobody to tell
	if l.held != nil {
		tick := time.NewTicker(observeEvery)
		defer tick.Stop()
		observe = tick.C
	}
	for {
		select {
		case <-t.ctx.Done():
			for _, p := range l.order {
				l.forget(p)
			}
			return
		case now := <-observe:
			l.observe(now)
			continue
		case r := <-t.puts:
			l.put(r.groups, r.reply)
		case r := <-t.flushes:
			offsets, err := l.flush(r.offsets)
			r.reply <- flushReply{offsets, err}
			continue // nothing changed
		case r := <-t.closes:
			r.reply <- l.close(r.tps)
		case r := <-t.results:
			l.finish(r, time.Now())
		case h := <-t.health:
			if h.refused != nil {
				l.fail(h.refused)
			} else {
				l.setHealth(h.ok, time.Now())
			}
		case <-timer.C:
		}
		if wake := l.dispatch(time.Now()); wake.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(time.Until(wake))
		}
	}
}

// spawn hands a job to an idle worker goroutine, or starts one: at most
// max.in.flight, as many as jobs run at once. Workers outlive their jobs
// so that each request does not grow a new goroutine's stack.
func (t *sinkTask) spawn(j *job) {
	j.ctx, j.cancel = context.WithCancel(t.ctx)
	select {
	case t.jobs <- j:
		return
	default:
	}
	if t.workers < t.cfg.maxInFlight {
		t.workers++
		t.wg.Add(1)
		go t.work(j)
		return
	}
	// Fewer jobs than workers run (see loop.dispatch): one is on its way.
	select {
	case t.jobs <- j:
	case <-t.ctx.Done():
	}
}

// work runs jobs, starting with j, and hands their results to the loop.
func (t *sinkTask) work(j *job) {
	defer t.wg.Done()
	for {
		var r result
		if j.expired {
			close(j.answered) // it does not ask the app
			r = t.expire(j)
		} else {
			r = t.deliver(j)
		}
		j.cancel()
		if r.dead > 0 {
			t.obs.OnDeadLetter(t.cfg.name, r.dead)
		}
		select {
		case t.results <- r:
		case <-t.ctx.Done():
			return
		}
		select {
		case j = <-t.jobs:
		case <-t.ctx.Done():
			return
		}
	}
}

// Open implements plugin.SinkTask; partitions are tracked as their records
// come.
func (t *sinkTask) Open(context.Context, []plugin.TopicPartition) error { return nil }

// Put queues the records and returns, unless the task holds more than
// buffer.max.bytes: then it waits for room, which makes the runtime stop
// reading. When ctx ends it returns at once; the records are held all the
// same, so no offset is committed past them. It returns the task's
// failure, if any.
func (t *sinkTask) Put(ctx context.Context, recs []plugin.Record) error {
	groups, err := t.encode(ctx, recs)
	if err != nil {
		return err
	}
	reply := make(chan error, 1)
	select {
	case t.puts <- putRequest{groups, reply}:
	case <-t.done:
		return nil
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return nil
	case <-t.done:
		return nil
	}
}

// encode writes each record once, grouped by partition. Under partition
// ordering a partition's records are done in order, so those of one Put
// share an array and a buffer; otherwise each record has its own, so that
// one held back does not keep its neighbours' memory. A record that cannot
// be written as JSON is dead-lettered here.
func (t *sinkTask) encode(ctx context.Context, recs []plugin.Record) ([][]*entry, error) {
	now := time.Now()
	shared := t.cfg.ordering == byPartition
	clear(t.groups)
	t.slots = t.slots[:0]
	var sizes []int
	for i := range recs {
		at := positionOf(&recs[i])
		g, ok := t.groups[at.tp]
		if !ok {
			g = len(sizes)
			t.groups[at.tp] = g
			sizes = append(sizes, 0)
		}
		t.slots = append(t.slots, slot{at: at, group: g, entry: -1})
		sizes[g]++
	}
	groups := make([][]*entry, len(sizes))
	slabs := make([][]entry, len(sizes))
	bufs := make([][]byte, len(sizes))
	for g, n := range sizes {
		groups[g] = make([]*entry, 0, n)
		if shared {
			slabs[g] = make([]entry, 0, n)
			bufs[g] = make([]byte, 0, n*t.fragHint)
		}
	}
	total := 0
	for i := range recs {
		r, sl := &recs[i], &t.slots[i]
		buf := bufs[sl.group]
		if !shared {
			buf = make([]byte, 0, t.fragHint)
		}
		start := len(buf)
		buf, data, err := t.enc.record(buf, r, sl.at)
		if err != nil {
			if err := t.report(ctx, r, sl.at, &unwritableError{err}); err != nil {
				return nil, err
			}
			t.obs.OnDeadLetter(t.cfg.name, 1)
			continue
		}
		total += len(buf) - start
		var e *entry
		if shared {
			bufs[sl.group] = buf
			sl.entry, sl.frag, sl.data = len(slabs[sl.group]), [2]int{start, len(buf)}, data
			slabs[sl.group] = append(slabs[sl.group], entry{})
			e = &slabs[sl.group][sl.entry]
		} else {
			e = new(entry)
		}
		*e = entry{rec: *r, at: sl.at, arrived: now, key: t.keyOf(r)}
		if !shared {
			e.setFrag(buf, [2]int{0, len(buf)}, data)
		}
		groups[sl.group] = append(groups[sl.group], e)
	}
	if shared {
		// The buffers have stopped growing: fragments can point into them now.
		for _, sl := range t.slots {
			if sl.entry >= 0 {
				slabs[sl.group][sl.entry].setFrag(bufs[sl.group], sl.frag, sl.data)
			}
		}
	}
	if len(recs) > 0 {
		t.fragHint = total/len(recs) + 1
	}
	return groups, nil
}

// setFrag points e at its bytes, buf[frag], and its data, buf[data] (none
// when data[1] is 0), and sizes it.
func (e *entry) setFrag(buf []byte, frag, data [2]int) {
	e.frag = buf[frag[0]:frag[1]:frag[1]]
	if data[1] > 0 {
		e.data = buf[data[0]:data[1]:data[1]]
	}
	e.size = len(e.frag)
	if m, ok := e.rec.Consumed.(*kafka.Message); ok {
		e.size += len(m.Key) + len(m.Value)
		for _, h := range m.Headers {
			e.size += len(h.Key) + len(h.Value)
		}
	}
}

// keyOf is what names r's lane under key ordering: its key as read from
// Kafka, or, for a record that was not (in tests), its key as text.
func (t *sinkTask) keyOf(r *plugin.Record) []byte {
	if t.cfg.ordering != byKey {
		return nil
	}
	if m, ok := r.Consumed.(*kafka.Message); ok {
		return m.Key
	}
	k, _ := t.enc.keyText(nil, r) // written once already, so it cannot fail
	return k
}

// positionOf is where r was read. The runtime keeps the Kafka message as
// Consumed; a transform may have renamed r's topic, but offsets are
// committed for the partition it came from.
func positionOf(r *plugin.Record) position {
	if m, ok := r.Consumed.(*kafka.Message); ok {
		return position{plugin.TopicPartition{Topic: m.Topic, Partition: int32(m.Partition)}, m.Offset}
	}
	return position{plugin.TopicPartition{Topic: r.Topic, Partition: r.Partition}, r.Offset}
}

// report hands a record to the runtime's errant record reporter: the dead
// letter queue and errors.tolerance decide what follows. An error means
// the task must fail.
func (t *sinkTask) report(ctx context.Context, r *plugin.Record, at position, why error) error {
	if t.reporter == nil {
		return fmt.Errorf("record %s: %w (and the runtime gave the task no way to report it)", at.id(), why)
	}
	if err := t.reporter.Report(ctx, *r, why); err != nil {
		return fmt.Errorf("record %s: %w", at.id(), err)
	}
	return nil
}

// Flush returns, per partition, the offset of the first record not yet
// delivered or dead-lettered, or the offset given when there is none. It
// does not wait for deliveries (what is on its way is committed by a later
// Flush, or delivered again by the partition's next owner), so it answers
// at once, even once ctx has ended.
func (t *sinkTask) Flush(_ context.Context, offsets map[plugin.TopicPartition]int64) (map[plugin.TopicPartition]int64, error) {
	none := map[plugin.TopicPartition]int64{} // stopped: commit nothing
	reply := make(chan flushReply, 1)
	select {
	case t.flushes <- flushRequest{offsets, reply}:
	case <-t.done:
		return none, nil
	}
	select {
	case r := <-reply:
		return r.offsets, r.err
	case <-t.done:
		return none, nil
	}
}

// Close stops sending the partitions' records and drops those waiting: the
// partitions' next owner reads them again. It waits, at most
// http.timeout.ms, for their requests in flight to be answered, so two
// workers never deliver one partition at once; then it cancels them. It
// does not wait for the dead letter queue: records go there one at a
// time, and a rejected batch can take seconds that would hold the
// partitions back from their next owner, which sends what was not
// dead-lettered yet again.
func (t *sinkTask) Close(ctx context.Context, tps []plugin.TopicPartition) error {
	reply := make(chan []*job, 1)
	select {
	case t.closes <- closeRequest{tps, reply}:
	case <-t.done:
		return nil
	}
	var jobs []*job
	select {
	case jobs = <-reply:
	case <-t.done:
		return nil
	}
	timer := time.NewTimer(t.cfg.timeout)
	defer timer.Stop()
	defer cancelAll(jobs)
	for _, j := range jobs {
		select {
		case <-j.answered:
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

func cancelAll(jobs []*job) {
	for _, j := range jobs {
		j.cancel()
	}
}

// Stop cancels everything in flight and waits for the task's goroutines.
func (t *sinkTask) Stop() error {
	if t.cancel == nil {
		return nil // never started
	}
	t.cancel()
	<-t.done
	t.wg.Wait()
	t.client.CloseIdleConnections()
	return nil
}

// unwritableError is a record that cannot be written as JSON.
type unwritableError struct{ err error }

func (e *unwritableError) Error() string {
	return "the record cannot be written as JSON: " + e.err.Error()
}

func (e *unwritableError) Unwrap() error { return e.err }

type nopObserver struct{}

func (nopObserver) OnDelivery(string, int, int, time.Duration) {}
func (nopObserver) OnRetry(string, int)                        {}
func (nopObserver) OnDeadLetter(string, int)                   {}
func (nopObserver) OnAppHealth(string, bool)                   {}
