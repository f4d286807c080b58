package httpsink

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/internal/settings"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// sinkTask delivers its partitions' records to the app. Put encodes
// records and hands them to the loop goroutine, which owns all delivery
// state and starts a goroutine per request (see loop).
type sinkTask struct {
	def      settings.Def
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
	health  chan healthCheck
	done    chan struct{}  // closed when the loop has returned
	wg      sync.WaitGroup // jobs and the health checker

	// Put's own: the average encoded size, to size the next Put's
	// buffers, and scratch space.
	fragHint int
	groups   map[plugin.TopicPartition]int
	slots    []slot
}

// slot is where encode put a record: its partition's group, its index
// there (-1: none, it was dead-lettered), and its bytes (see
// encoder.record) in the group's buffer.
type slot struct {
	at           position
	group, entry int
	frag, data   [2]int
}

type putRequest struct {
	groups [][]entry // one per partition
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

func newTask(def settings.Def, obs Observer, p *egress.Policy) *sinkTask {
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
	t.health = make(chan healthCheck)
	t.done = make(chan struct{})
	go t.run(newLoop(cfg, t.obs, plugin.Logger(ctx), t.spawn, time.Now()))
	if cfg.healthURL != "" {
		t.wg.Add(1)
		go t.watchHealth()
	}
	return nil
}

// run is the loop's goroutine.
func (t *sinkTask) run(l *loop) {
	defer close(t.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-t.ctx.Done():
			return
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

// spawn runs a job on its own goroutine and hands its result to the loop.
func (t *sinkTask) spawn(j *job) {
	j.ctx, j.cancel = context.WithCancel(t.ctx)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(j.done)
		defer j.cancel()
		var r result
		if j.expired {
			close(j.answered) // it does not ask the app
			r = t.expire(j)
		} else {
			r = t.deliver(j)
		}
		if r.dead > 0 {
			t.obs.OnDeadLetter(t.cfg.name, r.dead)
		}
		select {
		case t.results <- r:
		case <-t.ctx.Done():
		}
	}()
}

// Open implements plugin.SinkTask; partitions are tracked as their records
// come.
func (t *sinkTask) Open(context.Context, []plugin.TopicPartition) error { return nil }

// Put queues the records and returns, unless more than a bound of records
// or bytes is waiting (2 full batches per request in flight): then it
// waits for room, which makes the runtime stop reading. When ctx ends it
// returns at once; the records are held all the same, so no offset is
// committed past them. It returns the task's failure, if any.
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

// encode writes each record once, grouped by partition: each group has
// its own entries and buffer, so that records held up in one partition do
// not keep the others' memory. A record that cannot be written as JSON is
// dead-lettered here.
func (t *sinkTask) encode(ctx context.Context, recs []plugin.Record) ([][]entry, error) {
	now := time.Now()
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
		t.slots = append(t.slots, slot{at: at, group: g})
		sizes[g]++
	}
	groups := make([][]entry, len(sizes))
	bufs := make([][]byte, len(sizes))
	for g, n := range sizes {
		groups[g] = make([]entry, 0, n)
		bufs[g] = make([]byte, 0, n*t.fragHint)
	}
	total := 0
	for i := range recs {
		r, sl := &recs[i], &t.slots[i]
		start := len(bufs[sl.group])
		buf, data, err := t.enc.record(bufs[sl.group], r, sl.at)
		bufs[sl.group] = buf
		if err != nil {
			if err := t.report(ctx, r, sl.at, &unwritableError{err}); err != nil {
				return nil, err
			}
			t.obs.OnDeadLetter(t.cfg.name, 1)
			sl.entry = -1
			continue
		}
		sl.entry = len(groups[sl.group])
		sl.frag, sl.data = [2]int{start, len(buf)}, data
		groups[sl.group] = append(groups[sl.group], entry{rec: *r, at: sl.at, arrived: now})
		total += len(buf) - start
	}
	// The buffers have stopped growing: fragments can point into them now.
	for _, sl := range t.slots {
		if sl.entry < 0 {
			continue
		}
		e, buf := &groups[sl.group][sl.entry], bufs[sl.group]
		e.frag = buf[sl.frag[0]:sl.frag[1]:sl.frag[1]]
		if sl.data[1] > 0 {
			e.data = buf[sl.data[0]:sl.data[1]:sl.data[1]]
		}
	}
	if len(recs) > 0 {
		t.fragHint = total/len(recs) + 1
	}
	return groups, nil
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
