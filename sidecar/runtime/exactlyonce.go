package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
)

// Preflight is what an exactly-once source task asks of the herder before
// it starts (KIP-618).
type Preflight interface {
	// PrepareTask has the leader fence the producers of the connector's
	// older task generations.
	PrepareTask(ctx context.Context, id TaskID) error
	// StillOwns checks, after the task's producer fenced older holders of
	// its transactional id, that the task's configs are still those of
	// generation and the task is still assigned to this worker.
	StillOwns(ctx context.Context, id TaskID, generation int32) error
}

// TaskTransactionalID is Java's transactional id of a source task's
// producer, <group.id>-<connector>-<task>, so that Java and Go workers
// fence each other's zombies.
func TaskTransactionalID(groupID string, id TaskID) string {
	return fmt.Sprintf("%s-%s-%d", groupID, id.Connector, id.Task)
}

// FencedError is an exactly-once source task whose producer was fenced: a
// newer instance of the task (on this worker or another) took over its
// transactional id, or the leader fenced its generation. The task fails;
// the herder starts it again if it is still assigned here once this
// worker is back in the group, as Java's worker restarts its work then.
type FencedError struct{ Err error }

func (e *FencedError) Error() string {
	return "the task's transactional producer was fenced by a newer instance of the task: " + e.Err.Error()
}

func (e *FencedError) Unwrap() error { return e.Err }

// fenced wraps err as a FencedError when the broker says the producer was
// fenced.
func fenced(err error) error {
	if kafkaclient.Fenced(err) {
		return &FencedError{Err: err}
	}
	return err
}

// Transaction boundaries (transaction.boundary).
const (
	boundaryPoll      = "poll"
	boundaryInterval  = "interval"
	boundaryConnector = "connector"
)

// exactlyOnceSource runs a source task under
// exactly.once.source.support=enabled: its records and their source offsets
// go to Kafka in the same transactions, so a record's offset is committed
// exactly when the record is, and a zombie copy of the task is fenced by
// the transactional id it shares with its successor. It shares polling,
// transforms and converters with sourceTask and replaces the producer and
// the offset commits.
type exactlyOnceSource struct {
	*sourceTask
	cl           *kgo.Client
	offsetsTopic string
	boundary     string
	interval     time.Duration

	mu      sync.Mutex
	txn     uint64 // counts transactions begun; sends carry theirs
	sendErr error  // the open transaction's first failed send
	// The task's requests through TransactionContext.
	commitAll, abortAll     bool
	commitAfter, abortAfter map[*plugin.Record]bool

	// Owned by the task's goroutine.
	open    bool
	begun   time.Time // of the open transaction
	records int       // sent in the open transaction
	bytes   int
}

func newExactlyOnceSource(s *sourceTask) (*exactlyOnceSource, error) {
	conf := s.t.settings()
	e := &exactlyOnceSource{
		sourceTask:  s,
		boundary:    strings.ToLower(conf.String("transaction.boundary", boundaryPoll)),
		commitAfter: map[*plugin.Record]bool{},
		abortAfter:  map[*plugin.Record]bool{},
	}
	switch e.boundary {
	case boundaryPoll, boundaryInterval, boundaryConnector:
	default:
		return nil, configdef.Invalid("transaction.boundary", e.boundary, "must be poll, interval or connector")
	}
	e.offsetsTopic = s.stores.Primary.Topic()
	interval, err := millis(conf, "transaction.boundary.interval.ms", s.t.rt.deps.Worker.OffsetFlushInterval.D(), 0)
	if err != nil {
		return nil, err
	}
	e.interval = interval
	return e, nil
}

func (e *exactlyOnceSource) run() error {
	if !e.t.holdWhilePaused() {
		return nil
	}
	if err := e.prepare(); err != nil {
		if e.t.stopping.Err() != nil {
			return nil // stopped while preparing
		}
		return err
	}
	defer e.cl.Close()
	ctx := e.t.ctx
	if e.boundary == boundaryConnector {
		ctx = plugin.WithTransactionContext(ctx, e)
	}
	reader := offsetReader{store: e.stores.Primary, connector: e.t.id.Connector}
	if err := protect(func() error { return e.task.Start(ctx, maps.Clone(e.t.spec.TaskConfig), reader) }); err != nil {
		return &stepError{step: "start task", err: err}
	}
	e.t.report(Running, nil)
	err := e.loop()
	if err == nil && e.t.ctx.Err() == nil {
		// A stopped task commits what it sent, as Java's does. If it
		// cannot (its worker was cut off and the task runs elsewhere by
		// now), nothing of the transaction counts and the task's next run
		// sends it again: no reason to call the task failed.
		if cerr := e.commit(e.t.ctx); cerr != nil {
			e.t.log.Warn("the last transaction did not commit as the task stopped; it is aborted, and the task's next run sends its records again", "err", cerr)
		}
	}
	if err != nil || e.open {
		e.abort()
	}
	if stopErr := protect(e.task.Stop); stopErr != nil {
		e.t.log.Warn("stopping the task", "err", stopErr)
	}
	return err
}

// prepare is Java's start of an exactly-once task: a fencing round by the
// leader, the producer's initialization (which fences any other holder of
// the task's transactional id), then a last check that the task is still
// this worker's with the configs it was started with.
func (e *exactlyOnceSource) prepare() error {
	d := e.t.rt.deps
	if d.ExactlyOnce == nil {
		return errors.New("exactly-once source support is enabled but this worker cannot fence zombie tasks")
	}
	ctx := e.t.stopping
	// A worker out of the group must not fence the task's current owner.
	if !e.t.holdWithoutLease(ctx) {
		return ctx.Err()
	}
	if err := e.fence(ctx); err != nil {
		return &stepError{step: "zombie fencing", err: err}
	}
	clientID := fmt.Sprintf("connector-producer-%s-%d", e.t.id.Connector, e.t.id.Task)
	cl, err := d.Clients.TransactionalProducer(TaskTransactionalID(d.Worker.GroupID, e.t.id),
		kgo.ClientID(clientID),
		kgo.RecordPartitioner(javaPartitioner{}),
		kgo.ProducerLinger(e.producer.linger),
		kgo.ProducerBatchMaxBytes(int32(e.producer.maxRequestSize)),
		kgo.MaxBufferedBytes(e.producer.bufferMemory),
		kgo.AllowAutoTopicCreation(), // as Java's producer asks; the broker decides
		kgo.WithLogger(franzLogger{e.t.log}),
	)
	if err != nil {
		return configdef.Invalid("producer", "", err.Error())
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return &stepError{step: "initialize the transactional producer", err: fenced(err)}
	}
	if err := d.ExactlyOnce.StillOwns(ctx, e.t.id, e.t.spec.Generation); err != nil {
		cl.Close()
		return &stepError{step: "check task ownership", err: err}
	}
	e.cl = cl
	return nil
}

// fenceFor bounds how long a task keeps asking for its fencing round.
const fenceFor = 2 * time.Minute

// fence asks for the fencing round until it is done. Java fails the task
// at the first refusal; here a round refused while leadership moves (a
// rebalance, a leader that just lost its place, a broker restart) is
// asked for again, and only one refused for fenceFor fails the task.
func (e *exactlyOnceSource) fence(ctx context.Context) error {
	deadline := time.Now().Add(fenceFor)
	for attempt := 1; ; attempt++ {
		err := e.t.rt.deps.ExactlyOnce.PrepareTask(ctx, e.t.id)
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		delay := min(retryDelayMin<<min(attempt-1, 5), 5*time.Second)
		e.t.log.Warn("zombie fencing round refused; asking again", "err", err, "retry_in", delay)
		if !wait(ctx, deadline, delay) {
			return err
		}
	}
}

// loop polls and sends until the task is stopped or fails. A step cut
// short by the stop is no failure: run commits or aborts what is open.
func (e *exactlyOnceSource) loop() error {
	err := e.steps()
	if e.t.stopping.Err() != nil {
		return nil
	}
	return err
}

func (e *exactlyOnceSource) steps() error {
	ctx := e.t.stopping
	for {
		if paused(e.t.target.get()) {
			// Nothing waits in an open transaction while paused.
			if err := e.commit(ctx); err != nil {
				return err
			}
		}
		if !e.t.holdWhilePaused() || !e.t.holdWithoutLease(ctx) {
			return nil
		}
		e.t.report(Running, nil)
		recs, err := e.poll(ctx)
		if err != nil {
			return err
		}
		if err := e.deliver(ctx, recs); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := e.endBatch(ctx, len(recs) > 0); err != nil {
			return err
		}
	}
}

// deliver sends a polled batch in the open transaction (begun with its
// first record), committing or aborting after a record where the task
// asked for it.
func (e *exactlyOnceSource) deliver(ctx context.Context, recs []plugin.Record) error {
	if len(recs) == 0 {
		return nil
	}
	e.sticky++
	batch := context.WithValue(context.Background(), stickyKey{}, e.sticky)
	now := time.Now()
	for i := range recs {
		r := &recs[i]
		m, keep, err := e.pipe.sourceMessage(ctx, *r, now)
		if err != nil {
			var f *StageError
			if !errors.As(err, &f) {
				return nil // stopping
			}
			if err := e.errs.failed(ctx, f, nil, r); err != nil {
				return err
			}
		}
		if r.SourcePartition != nil || r.SourceOffset != nil {
			if err := e.offsets.Offset(r.SourcePartition, r.SourceOffset); err != nil {
				return fmt.Errorf("source offset of a record: %w", err)
			}
		}
		if keep {
			if err := e.topics.ensure(ctx, m.Topic); err != nil {
				return err
			}
			if err := e.send(batch, m, r); err != nil {
				return err
			}
		} else {
			// Dropped or skipped: its offset goes with the transaction.
			e.commitRecord(r, plugin.RecordMetadata{})
		}
		if err := e.afterRecord(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (e *exactlyOnceSource) send(batch context.Context, m kafka.Message, r *plugin.Record) error {
	if !e.open {
		if err := e.cl.BeginTransaction(); err != nil {
			return &StageError{Stage: StageKafkaProduce, Class: transactionalProducerClass, Err: fenced(err)}
		}
		e.begin()
		e.begun = time.Now()
	}
	rec := &kgo.Record{Topic: m.Topic, Key: m.Key, Value: m.Value, Timestamp: m.Time, Partition: int32(m.Partition), Context: batch}
	if len(m.Headers) > 0 {
		rec.Headers = make([]kgo.RecordHeader, len(m.Headers))
		for i, h := range m.Headers {
			rec.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
	e.records++
	e.bytes += len(m.Key) + len(m.Value)
	var polled *plugin.Record
	if e.recordCommitter != nil {
		polled = r
	}
	// The task's context, not its stopping one: a task stopped on purpose
	// still commits what it sent.
	txn := e.current()
	e.cl.Produce(e.t.ctx, rec, func(rec *kgo.Record, err error) {
		if err != nil {
			e.sendFailed(txn, fmt.Errorf("send to %s: %w", rec.Topic, err))
			return
		}
		if polled != nil {
			e.commitRecord(polled, plugin.RecordMetadata{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp})
		}
	})
	return nil
}

// begin marks a transaction begun: sends from here on are its own, and
// failures of an aborted one's sends (reported as it is aborted) no longer
// count.
func (e *exactlyOnceSource) begin() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.open = true
	e.txn++
	e.sendErr = nil
}

func (e *exactlyOnceSource) current() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.txn
}

// sendFailed keeps the first failed send of transaction txn, which stops
// it from committing.
func (e *exactlyOnceSource) sendFailed(txn uint64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if txn == e.txn && e.sendErr == nil {
		e.sendErr = err
	}
}

// afterRecord acts on the task's requests to commit or abort after r.
func (e *exactlyOnceSource) afterRecord(ctx context.Context, r *plugin.Record) error {
	e.mu.Lock()
	commit, abort := e.commitAfter[r], e.abortAfter[r]
	delete(e.commitAfter, r)
	delete(e.abortAfter, r)
	e.mu.Unlock()
	switch {
	case abort:
		e.abort()
	case commit:
		return e.commit(ctx)
	}
	return nil
}

// endBatch commits or aborts after a poll batch, as the boundary says.
func (e *exactlyOnceSource) endBatch(ctx context.Context, polled bool) error {
	switch e.boundary {
	case boundaryPoll:
		if polled {
			return e.commit(ctx)
		}
	case boundaryInterval:
		if e.open && time.Since(e.begun) >= e.interval {
			return e.commit(ctx)
		}
	case boundaryConnector:
		e.mu.Lock()
		commit, abort := e.commitAll, e.abortAll
		e.commitAll, e.abortAll = false, false
		e.mu.Unlock()
		switch {
		case abort:
			e.abort()
		case commit:
			return e.commit(ctx)
		}
	}
	return nil
}

// commit writes the offsets of the records handled since the last
// transaction into the open one and commits it; a transaction that cannot
// commit fails the task and is aborted, never partly committed.
func (e *exactlyOnceSource) commit(ctx context.Context) error {
	offsets := e.offsets.Take()
	if !e.open && len(offsets) == 0 {
		return nil
	}
	start := time.Now()
	err := e.commitTransaction(ctx, offsets)
	e.t.rt.hooks.offsetCommit(e.t.id, time.Since(start), err)
	if err != nil {
		return &StageError{Stage: StageKafkaProduce, Class: transactionalProducerClass, Err: fenced(err)}
	}
	e.t.rt.hooks.sourceWrite(e.t.id, e.records, e.bytes)
	e.t.rt.hooks.transaction(e.t.id, e.records, true)
	e.open, e.records, e.bytes = false, 0, 0
	if e.stores.Secondary != nil && len(offsets) > 0 {
		// The worker's topic gets a copy, as Java writes one; the
		// connector's own topic, just committed, is what counts.
		if err := e.stores.Secondary.Write(ctx, e.t.id.Connector, offsets); err != nil {
			e.t.log.Warn("could not copy committed offsets to the worker's offsets topic", "topic", e.stores.Secondary.Topic(), "err", err)
		}
	}
	if e.committer != nil {
		if err := protect(func() error { return e.committer.Commit(ctx) }); err != nil {
			e.t.log.Error("the task's Commit failed", "err", err)
		}
	}
	return nil
}

func (e *exactlyOnceSource) commitTransaction(ctx context.Context, offsets []offsetstore.Offset) error {
	if !e.open {
		// Records dropped by transforms still move their offsets on.
		if err := e.cl.BeginTransaction(); err != nil {
			return err
		}
		e.begin()
	}
	recs, err := e.offsets.Records(offsets)
	if err != nil {
		return err
	}
	txn := e.current()
	for _, kv := range recs {
		e.cl.Produce(e.t.ctx, &kgo.Record{Topic: e.offsetsTopic, Key: kv.Key, Value: kv.Value, Partition: -1}, func(rec *kgo.Record, err error) {
			if err != nil {
				e.sendFailed(txn, fmt.Errorf("write offsets to %s: %w", rec.Topic, err))
			}
		})
	}
	if err := e.cl.Flush(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	sendErr := e.sendErr
	e.mu.Unlock()
	if sendErr != nil {
		return sendErr
	}
	return e.cl.EndTransaction(ctx, kgo.TryCommit)
}

// abort drops the open transaction: its records and offsets are never
// visible to read_committed readers.
func (e *exactlyOnceSource) abort() {
	e.offsets.Take()
	if !e.open {
		return
	}
	n := e.records
	e.open, e.records, e.bytes = false, 0, 0
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.t.ctx), e.producer.requestTimeout)
	defer cancel()
	if err := e.cl.AbortBufferedRecords(ctx); err != nil {
		e.t.log.Warn("could not drop the aborted transaction's unsent records", "err", err)
	}
	if err := e.cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		e.t.log.Warn("could not abort the transaction; the coordinator aborts it when it times out or the task's next producer starts", "err", err)
	}
	e.t.rt.hooks.transaction(e.t.id, n, false)
}

// CommitTransaction implements plugin.TransactionContext.
func (e *exactlyOnceSource) CommitTransaction() {
	e.mu.Lock()
	e.commitAll = true
	e.mu.Unlock()
}

// CommitTransactionAfter implements plugin.TransactionContext.
func (e *exactlyOnceSource) CommitTransactionAfter(r *plugin.Record) {
	e.mu.Lock()
	e.commitAfter[r] = true
	e.mu.Unlock()
}

// AbortTransaction implements plugin.TransactionContext.
func (e *exactlyOnceSource) AbortTransaction() {
	e.mu.Lock()
	e.abortAll = true
	e.mu.Unlock()
}

// AbortTransactionAfter implements plugin.TransactionContext.
func (e *exactlyOnceSource) AbortTransactionAfter(r *plugin.Record) {
	e.mu.Lock()
	e.abortAfter[r] = true
	e.mu.Unlock()
}

// transactionalProducerClass names the producer in error traces.
const transactionalProducerClass = "github.com/twmb/franz-go/pkg/kgo.Client"

// stickyKey carries a poll batch's number on its records, for javaPartitioner.
type stickyKey struct{}

// javaPartitioner picks partitions as balance does for the kafka-go
// producer: the record's own, else murmur2 of its key as Java's producer,
// else one partition per poll batch.
type javaPartitioner struct{}

func (javaPartitioner) ForTopic(string) kgo.TopicPartitioner { return javaPartitioner{} }

// RequiresConsistency keeps a record on the partition first picked, even
// while that partition has no leader.
func (javaPartitioner) RequiresConsistency(*kgo.Record) bool { return true }

func (javaPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition) // one out of range fails at the broker
	}
	sticky := 0
	if r.Context != nil {
		sticky, _ = r.Context.Value(stickyKey{}).(int)
	}
	return javaPartition(r.Key, n, sticky)
}
