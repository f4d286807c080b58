package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
)

// The producer's defaults, as Java's (Kafka 4.0) are; each can be set with
// producer.* on the worker or producer.override.* on the connector.
const (
	defaultLinger         = 5 * time.Millisecond // linger.ms
	defaultBufferMemory   = 32 << 20             // buffer.memory
	defaultMaxRequestSize = 1 << 20              // max.request.size
	// Java's worker sets its source producers' delivery.timeout.ms to
	// Integer.MAX_VALUE: a record Kafka cannot take now (a missing topic,
	// a broker down) is retried until it can, never skipped or failed.
	defaultDeliveryTimeout = math.MaxInt32 * time.Millisecond
	defaultRequestTimeout  = 30 * time.Second // request.timeout.ms
	// kafka-go caps a batch in records as well as bytes, and allocates
	// room for the whole count up front: 1000 records fill a batch of
	// 1 KiB records to max.request.size and keep small ones cheap.
	maxBatchRecords = 1000
	producerClass   = "github.com/segmentio/kafka-go.Writer"
)

// producerSettings are the settings of a source task's producer.
type producerSettings struct {
	linger          time.Duration
	deliveryTimeout time.Duration
	requestTimeout  time.Duration
	bufferMemory    int
	maxRequestSize  int
}

func parseProducerSettings(s configdef.Props) (producerSettings, error) {
	var p producerSettings
	var err error
	if p.linger, err = millis(s, "linger.ms", defaultLinger, 0); err != nil {
		return p, err
	}
	// kafka-go takes a zero batch timeout as its default of a second.
	p.linger = max(p.linger, time.Millisecond)
	if p.deliveryTimeout, err = millis(s, "delivery.timeout.ms", defaultDeliveryTimeout, 0); err != nil {
		return p, err
	}
	if p.requestTimeout, err = millis(s, "request.timeout.ms", defaultRequestTimeout, 1); err != nil {
		return p, err
	}
	memory, err := s.Long("buffer.memory", defaultBufferMemory)
	if err != nil {
		return p, err
	}
	size, err := s.Long("max.request.size", defaultMaxRequestSize)
	if err != nil {
		return p, err
	}
	p.bufferMemory, p.maxRequestSize = int(memory), int(size)
	return p, nil
}

// sourceTask runs a source task: poll, transform, convert, produce with
// acks=all, and commit the offsets of acknowledged records. The task's
// goroutine runs everything but the producer's acknowledgements
// (completed) and the periodic offset commits (commitEvery).
type sourceTask struct {
	t        *taskRun
	task     plugin.SourceTask
	class    string // the connector's, naming the task in errors
	pipe     *pipeline
	errs     *errorHandler
	topics   *topicCreator
	producer producerSettings
	writer   *kafka.Writer
	window   *window
	tracker  *tracker
	active   *activeTopics
	offsets  *offsetstore.Writer
	stores   offsetstore.Connector // where its offsets are read and written
	sticky   int                   // poll batches so far; spreads keyless records
	// sendWarnings paces the warnings about records Kafka does not take.
	sendWarnings *throttle

	lastKey       string         // the tracker key of lastPartition
	lastPartition map[string]any // the source partition submitted last

	// The producer's connections, its own as in Java (see newWriter).
	transport *kafka.Transport

	// The task's optional hooks; nil when it has none.
	committer       plugin.CommittingSourceTask
	recordCommitter plugin.RecordCommittingSourceTask
	commitRecordMu  sync.Mutex // one CommitRecord call at a time

	mu       sync.Mutex
	failures []failure // records Kafka did not take, for the task's goroutine
	fatal    error     // an acknowledged record's offset cannot be stored
}

// inflight is what a record handed to the producer carries along.
type inflight struct {
	sub      *submitted     // nil: the record has no source partition or offset
	rec      *plugin.Record // as polled, for CommitRecord; nil when the task has none
	sticky   int
	bytes    int
	deadline time.Time // of its retries; zero: none
	attempt  int       // retries so far; the task's goroutine only
}

type failure struct {
	msg kafka.Message
	err error
}

func runSource(t *taskRun, task plugin.SourceTask, class string) error {
	s, err := newSourceTask(t, task, class)
	if err != nil {
		return err
	}
	if t.rt.deps.Worker.ExactlyOnceSource() {
		e, err := newExactlyOnceSource(s)
		if err != nil {
			return err
		}
		return e.run()
	}
	return s.run()
}

// offsetStoreTimeout bounds opening a connector's own offsets topic.
const offsetStoreTimeout = time.Minute

// offsetStores are where the task's offsets live: the worker's offsets
// topic, or the connector's offsets.storage.topic with the worker's as
// its copy (KIP-618), whose store opens now if no task here has yet.
func (t *taskRun) offsetStores(conf configdef.Props) (offsetstore.Connector, error) {
	d := t.rt.deps
	topic := conf.String("offsets.storage.topic", "")
	if topic == "" || d.OffsetStores == nil {
		return offsetstore.Connector{Primary: d.Offsets}, nil
	}
	ctx, cancel := context.WithTimeout(t.stopping, offsetStoreTimeout)
	defer cancel()
	stores, err := d.OffsetStores.For(ctx, topic)
	if err != nil {
		return stores, &stepError{step: "open the connector's offsets topic " + topic, err: err}
	}
	return stores, nil
}

// recordOverhead is what a record in flight costs beyond its key and
// value: the message, its headers and the offset bookkeeping, about 700
// bytes measured. buffer.memory counts it, so that small records cannot
// pile up hundreds of thousands deep (hundreds of MB) while Kafka is slow.
const recordOverhead = 1024

func newSourceTask(t *taskRun, task plugin.SourceTask, class string) (*sourceTask, error) {
	d := t.rt.deps
	conf := t.settings()
	errs, err := t.newErrorHandler(conf)
	if err != nil {
		return nil, err
	}
	pipe, err := newPipeline(d.Plugins, d.Worker, t.spec.ConnectorConfig, errs)
	if err != nil {
		return nil, err
	}
	topics, err := newTopicCreator(d.Worker, d.Plugins, t.spec.ConnectorConfig, d.Clients.Client, t.log)
	if err != nil {
		return nil, err
	}
	ps, err := parseProducerSettings(clientSettings(d.Worker, t.spec.ConnectorConfig, "producer"))
	if err != nil {
		return nil, err
	}
	stores, err := t.offsetStores(conf)
	if err != nil {
		return nil, err
	}
	s := &sourceTask{
		t:        t,
		task:     task,
		class:    class,
		pipe:     pipe,
		errs:     errs,
		topics:   topics,
		producer: ps,
		window:   newWindow(ps.bufferMemory),
		tracker:  newTracker(),
		active:   newActiveTopics(t),
		offsets:  stores.Writer(t.id.Connector),
		stores:   stores,

		sendWarnings: newThrottle(),
	}
	s.committer, _ = task.(plugin.CommittingSourceTask)
	s.recordCommitter, _ = task.(plugin.RecordCommittingSourceTask)
	return s, nil
}

func (s *sourceTask) run() error {
	if !s.t.holdWhilePaused() {
		return nil
	}
	reader := offsetReader{store: s.stores.Primary, connector: s.t.id.Connector}
	if err := protect(func() error { return s.task.Start(s.t.ctx, maps.Clone(s.t.spec.TaskConfig), reader) }); err != nil {
		return &stepError{step: "start task", err: err}
	}
	s.t.report(Running, nil)
	s.writer = s.newWriter()
	commits, stopCommits := context.WithCancel(s.t.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.commitEvery(commits) })

	err := s.loop()
	s.closeWriter()
	stopCommits()
	wg.Wait()
	s.commit(s.t.ctx) // what was acknowledged, failed or not, as Java does
	if stopErr := protect(s.task.Stop); stopErr != nil {
		s.t.log.Warn("stopping the task", "err", stopErr)
	}
	return err
}

// loop polls and delivers until the task is stopped or fails.
func (s *sourceTask) loop() error {
	ctx := s.t.stopping
	for {
		if err := s.retryFailed(ctx); err != nil {
			return err
		}
		if !s.t.holdWhilePaused() || !s.t.holdWithoutLease(ctx) {
			return nil
		}
		s.t.report(Running, nil)
		recs, err := s.poll(ctx)
		if err != nil {
			return err
		}
		if err := s.deliver(ctx, recs); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// poll asks the task for records. While stopping, what it returns is
// dropped: those records' offsets are not committed, so they come again.
func (s *sourceTask) poll(ctx context.Context) ([]plugin.Record, error) {
	var recs []plugin.Record
	err := protect(func() (err error) {
		recs, err = s.task.Poll(ctx)
		return err
	})
	var p *PanicError
	switch {
	case ctx.Err() != nil:
		return nil, nil
	case err != nil && !errors.As(err, &p) && retriable(err):
		s.t.log.Warn("poll failed; polling again", "err", err) // as Java does with a RetriableException
		return nil, nil
	case err != nil:
		return nil, &StageError{Stage: StageTaskPoll, Class: s.class, Err: err}
	}
	s.t.rt.hooks.sourcePoll(s.t.id, len(recs))
	return recs, nil
}

// deliver transforms, converts and produces a polled batch. It is the one
// place where records enter the offset tracker, in poll order, and go to
// the producer; their offsets become committable as Kafka acknowledges
// them (completed) and are written by commit. Under exactly-once this is
// where a transaction would begin, with commit ending it.
func (s *sourceTask) deliver(ctx context.Context, recs []plugin.Record) error {
	if len(recs) == 0 {
		return nil
	}
	s.sticky++
	now := time.Now()
	deadline := s.deadline(now)
	msgs := make([]kafka.Message, 0, len(recs))
	size := 0
	for i := range recs {
		r := &recs[i]
		m, keep, err := s.pipe.sourceMessage(ctx, *r, now)
		if err != nil {
			var f *StageError
			if !errors.As(err, &f) {
				return nil // stopping
			}
			if err := s.errs.failed(ctx, f, nil, r); err != nil {
				return err
			}
		}
		sub, err := s.submit(r)
		if err != nil {
			return err
		}
		if !keep {
			// Dropped by a transform or skipped as failed: its offset is
			// committed in its turn, as Java does.
			s.commitRecord(r, plugin.RecordMetadata{})
			s.acked(sub)
			continue
		}
		if err := s.topics.ensure(ctx, m.Topic); err != nil {
			return err
		}
		n := len(m.Key) + len(m.Value) + recordOverhead
		p := &inflight{sub: sub, sticky: s.sticky, bytes: n, deadline: deadline}
		if s.recordCommitter != nil {
			p.rec = r
		}
		m.WriterData = p
		msgs = append(msgs, m)
		size += n
	}
	if len(msgs) == 0 || !s.t.holdWithoutLease(ctx) || !s.window.acquire(ctx, size) {
		return nil
	}
	if err := s.writer.WriteMessages(ctx, msgs...); err != nil {
		// Nothing was queued (a topic's metadata or a record's size was
		// refused): send one at a time, so one record does not hold up the
		// rest.
		s.window.release(size)
		for _, m := range msgs {
			if err := s.sendOne(ctx, m); err != nil || ctx.Err() != nil {
				return err
			}
		}
	}
	return nil
}

// submit enters a record in the offset tracker.
func (s *sourceTask) submit(r *plugin.Record) (*submitted, error) {
	if r.SourcePartition == nil && r.SourceOffset == nil {
		return nil, nil
	}
	// Consecutive records mostly share their source partition; comparing
	// costs less than encoding the key again.
	if s.lastKey == "" || !samePrimitives(r.SourcePartition, s.lastPartition) {
		key, err := offsetstore.CanonicalKey(s.t.id.Connector, r.SourcePartition)
		if err != nil {
			return nil, fmt.Errorf("source partition of a record: %w", err)
		}
		s.lastKey, s.lastPartition = key, r.SourcePartition
	}
	return s.tracker.submit(s.lastKey, r.SourcePartition, r.SourceOffset), nil
}

// samePrimitives reports whether two source partitions hold the same
// primitive values; anything else counts as different.
func samePrimitives(a, b map[string]any) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok {
			return false
		}
		switch va.(type) {
		case string, bool, int, int32, int64, float64, nil:
			if va != vb {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// deadline is when a record produced now stops being retried: after
// delivery.timeout.ms, as Java's producer gives up, or errors.retry.timeout
// if that is longer.
func (s *sourceTask) deadline(now time.Time) time.Time {
	retry := s.errs.policy.retryTimeout
	if retry < 0 {
		return time.Time{}
	}
	return now.Add(max(s.producer.deliveryTimeout, retry))
}

func (s *sourceTask) sendOne(ctx context.Context, m kafka.Message) error {
	p := m.WriterData.(*inflight)
	if !s.window.acquire(ctx, p.bytes) {
		return nil
	}
	err := s.writer.WriteMessages(ctx, m)
	if err == nil {
		return nil
	}
	s.window.release(p.bytes)
	return s.resend(ctx, m, err)
}

// resend handles a record that failed with cause: it retries it while the
// error is retriable and the record's deadline has not passed, then skips
// it (errors.tolerance=all) or fails the task.
func (s *sourceTask) resend(ctx context.Context, m kafka.Message, cause error) error {
	p := m.WriterData.(*inflight)
	for retriable(cause) {
		var refused errNoLease
		if errors.As(cause, &refused) {
			// Not sent for want of the lease (see leasedTransport): no
			// attempt counts, and the record waits for the lease however
			// long, since giving up would commit its offset unsent.
			if !s.t.holdWithoutLease(ctx) || !s.window.acquire(ctx, p.bytes) {
				break
			}
		} else {
			p.attempt++
			delay := s.errs.policy.backoff(p.attempt)
			s.sendFailed(m.Topic, cause, delay)
			if !wait(ctx, p.deadline, delay) || !s.window.acquire(ctx, p.bytes) {
				break
			}
		}
		if cause = s.writer.WriteMessages(ctx, m); cause == nil {
			return nil
		}
		s.window.release(p.bytes)
	}
	if ctx.Err() != nil {
		return nil // stopping: not sent, not skipped, so never committed
	}
	if !retriable(cause) {
		s.sendFailed(m.Topic, cause, retryDelayMin) // not counted by the loop
	}
	f := &StageError{Stage: StageKafkaProduce, Class: producerClass, Err: cause}
	if err := s.errs.failed(ctx, f, nil, p.rec); err != nil {
		var tol *ToleranceError
		if errors.As(err, &tol) && tol.Record == nil { // the trace still says where it was going
			tol.Record = &RecordPosition{Topic: m.Topic, Partition: plugin.NoPartition, Offset: -1}
		}
		return err
	}
	s.commitRecord(p.rec, plugin.RecordMetadata{})
	s.acked(p.sub) // tolerated: Java commits its offset too
	return nil
}

// sendFailed counts a failed attempt to send a record to topic and warns,
// once per retry period however many records fail: Java's producer logs
// each failed attempt, and a task that cannot write must not look idle.
func (s *sourceTask) sendFailed(topic string, err error, retryIn time.Duration) {
	s.t.rt.hooks.sourceSendFailure(s.t.id, topic, 1)
	n, ok := s.sendWarnings.allow(topic, time.Now(), retryIn)
	if !ok {
		return
	}
	if retriable(err) {
		s.t.log.Warn("could not send records to Kafka; retrying", "topic", topic, "err", err, "failed_sends", n, "retry_in", retryIn)
		return
	}
	s.t.log.Warn("could not send a record to Kafka; not retriable", "topic", topic, "err", err, "failed_sends", n)
}

// retryFailed resends what the producer reported as failed.
func (s *sourceTask) retryFailed(ctx context.Context) error {
	s.mu.Lock()
	failures, fatal := s.failures, s.fatal
	s.failures = nil
	s.mu.Unlock()
	if fatal != nil {
		return fatal
	}
	for _, f := range failures {
		if err := s.resend(ctx, f.msg, f.err); err != nil || ctx.Err() != nil {
			return err
		}
	}
	return nil
}

// completed is the producer's report on a batch, from its goroutine.
func (s *sourceTask) completed(msgs []kafka.Message, err error) {
	bytes := 0
	subs := make([]*submitted, 0, len(msgs))
	for _, m := range msgs {
		p := m.WriterData.(*inflight)
		bytes += p.bytes
		if p.sub != nil {
			subs = append(subs, p.sub)
		}
	}
	s.window.release(bytes)
	if err != nil {
		s.mu.Lock()
		for _, m := range msgs {
			s.failures = append(s.failures, failure{msg: m, err: err})
		}
		s.mu.Unlock()
		return
	}
	// CommitRecord before the offsets become committable, so that it comes
	// before the Commit that covers them, as in Java.
	if s.recordCommitter != nil {
		for _, m := range msgs {
			s.commitRecord(m.WriterData.(*inflight).rec, plugin.RecordMetadata{
				Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, Timestamp: m.Time})
		}
	}
	s.acked(subs...)
	s.t.rt.hooks.sourceWrite(s.t.id, len(msgs), bytes)
	last := ""
	for _, m := range msgs {
		if m.Topic != last {
			s.active.record(m.Topic)
			last = m.Topic
		}
	}
}

// commitRecord hands a record the runtime is done with to the task's
// CommitRecord, if it has one, one call at a time as Java's producer
// thread makes them. Its errors are logged, as Java logs them.
func (s *sourceTask) commitRecord(r *plugin.Record, meta plugin.RecordMetadata) {
	if s.recordCommitter == nil {
		return
	}
	s.commitRecordMu.Lock()
	defer s.commitRecordMu.Unlock()
	if err := protect(func() error { return s.recordCommitter.CommitRecord(s.t.ctx, *r, meta) }); err != nil {
		s.t.log.Error("the task's CommitRecord failed", "err", err)
	}
}

// acked hands the offsets that became committable to the offset writer.
func (s *sourceTask) acked(subs ...*submitted) {
	subs = nonNil(subs)
	if len(subs) == 0 {
		return
	}
	for _, c := range s.tracker.ack(subs...) {
		if err := s.offsets.Offset(c.partition, c.offset); err != nil {
			s.mu.Lock()
			s.fatal = fmt.Errorf("source offset of a record: %w", err)
			s.mu.Unlock()
		}
	}
}

func nonNil(subs []*submitted) []*submitted {
	out := subs[:0]
	for _, s := range subs {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (s *sourceTask) newWriter() *kafka.Writer {
	clients := s.t.rt.deps.Clients
	log := s.t.log
	// Java's name for a task's producer. Its connections are its own, so
	// that the metrics of its connections and bytes are the producer's.
	clientID := fmt.Sprintf("connector-producer-%s-%d", s.t.id.Connector, s.t.id.Task)
	s.transport = clients.NewTransport(clientID, s.t.rt.hooks.producerObserver(s.t.id, clientID))
	// Records queued while the task owned its work go out only while it
	// still does (see leasedTransport).
	transport := &leasedTransport{RoundTripper: kafkaclient.Resending(s.transport), refuse: func() error {
		switch {
		case s.t.rt.deps.Lease() && s.t.ctx.Err() == nil:
			return nil
		case s.t.stopping.Err() != nil:
			return errNoLease{stopping: true}
		}
		return errNoLease{}
	}}
	return &kafka.Writer{
		Addr:                   clients.Client.Addr,
		Transport:              transport,
		Balancer:               kafka.BalancerFunc(balance),
		RequiredAcks:           kafka.RequireAll,
		Async:                  true,
		BatchSize:              maxBatchRecords,
		BatchBytes:             int64(s.producer.maxRequestSize),
		BatchTimeout:           s.producer.linger,
		WriteTimeout:           s.producer.requestTimeout,
		Completion:             s.completed,
		AllowAutoTopicCreation: true, // as Java's producer asks; the broker decides
		ErrorLogger: kafka.LoggerFunc(func(format string, args ...any) {
			log.Debug(fmt.Sprintf(format, args...))
		}),
	}
}

// balance picks a record's partition as Java's producer does: the one the
// record names, else murmur2 of its key. Records without a key go to one
// partition per poll batch, in turn: a simple form of Java's sticky
// partitioner that keeps batches large.
func balance(m kafka.Message, partitions ...int) int {
	if m.Partition >= 0 {
		return m.Partition // one out of range fails at the broker
	}
	p := m.WriterData.(*inflight)
	return partitions[javaPartition(m.Key, len(partitions), p.sticky)]
}

// closeWriter waits until everything handed to the producer is
// acknowledged or failed, or the task is abandoned.
func (s *sourceTask) closeWriter() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.writer.Close()
		s.transport.CloseIdleConnections()
	}()
	select {
	case <-done:
	case <-s.t.ctx.Done():
	}
}

// commitEvery commits offsets every offset.flush.interval.ms.
func (s *sourceTask) commitEvery(ctx context.Context) {
	tick := time.NewTicker(max(s.t.rt.deps.Worker.OffsetFlushInterval.D(), time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.commit(ctx)
		}
	}
}

// commit writes the offsets Kafka acknowledged so far to the offsets
// topic: the one place source offsets are committed. A worker without its
// lease leaves them to the task's next owner.
func (s *sourceTask) commit(ctx context.Context) {
	if !s.t.rt.deps.Lease() {
		return
	}
	start := time.Now()
	err := s.offsets.Flush(ctx)
	if errors.Is(err, offsetstore.ErrFlushInProgress) {
		return
	}
	s.t.rt.hooks.offsetCommit(s.t.id, time.Since(start), err)
	if err != nil {
		s.t.log.Warn("offset commit failed; its offsets wait for the next one", "err", err)
		return
	}
	if s.committer == nil {
		return
	}
	// Also when nothing was new, as Java calls commit.
	if err := protect(func() error { return s.committer.Commit(ctx) }); err != nil {
		s.t.log.Error("the task's Commit failed", "err", err)
	}
}
