package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// sinkTask runs a sink task: it joins the connector's consumer group,
// reads the partitions assigned to it, converts and transforms the
// records, puts them, and commits what the task flushed. The group is
// franz-go's, cooperative by default: a rebalance takes away only the
// partitions that move, each flushed, committed and closed first, and the
// others never stop. The task's goroutine polls and puts; the rebalance
// callbacks run on franz-go's, and mu keeps the two apart.
type sinkTask struct {
	t        *taskRun
	task     plugin.SinkTask
	class    string // the connector's, naming the task in errors
	pipe     *pipeline
	errs     *errorHandler
	consumer consumerSettings
	active   *activeTopics
	putCtx   context.Context // ends when the task stops
	paused   bool            // what the task last reported, between batches
	missing  *throttle       // warnings about subscribed topics that do not exist

	mu sync.Mutex
	// The partitions assigned, and the next offset to read after what was
	// put (or skipped).
	assigned map[plugin.TopicPartition]bool
	current  map[plugin.TopicPartition]int64
	// committed is what was committed last, per partition; background
	// commits write it, hence a lock of its own.
	committedMu sync.Mutex
	committed   map[plugin.TopicPartition]int64
	committing  atomic.Bool    // a background commit is on its way
	commits     sync.WaitGroup // background commits
	// failure is what a rebalance callback could not do (open, flush or
	// close partitions), which fails the task at its next poll.
	failure error
}

func runSink(t *taskRun, task plugin.SinkTask, class string) error {
	d := t.rt.deps
	conf := t.settings()
	errs, err := t.newErrorHandler(conf)
	if err != nil {
		return err
	}
	consumer, err := parseConsumerSettings(t.id.Connector, conf, clientSettings(d.Worker, t.spec.ConnectorConfig, "consumer"))
	if err != nil {
		return err
	}
	pipe, err := newPipeline(d.Plugins, d.Worker, t.spec.ConnectorConfig, errs)
	if err != nil {
		return err
	}
	if errs.dlq, err = newDeadLetterQueue(t.ctx, conf, d.Clients, t.id, t.log); err != nil {
		return err
	}
	if errs.dlq != nil {
		defer errs.dlq.close()
	}
	s := &sinkTask{t: t, task: task, class: class, pipe: pipe, errs: errs, consumer: consumer, active: newActiveTopics(t), missing: newThrottle()}
	return s.run()
}

func (s *sinkTask) run() error {
	if !s.t.holdWhilePaused() {
		return nil
	}
	if c, ok := s.task.(plugin.ContextSinkTask); ok {
		c.Initialize(s)
	}
	if err := protect(func() error { return s.task.Start(s.t.ctx, maps.Clone(s.t.spec.TaskConfig)) }); err != nil {
		return &stepError{step: "start task", err: err}
	}
	s.t.report(Running, nil)
	err := s.consume()
	if stopErr := protect(s.task.Stop); stopErr != nil {
		s.t.log.Warn("stopping the task", "err", stopErr)
	}
	return err
}

// consume is the task's membership of the consumer group, until the task
// stops or fails. On the way out it commits and closes what it still has
// and leaves the group, so the others take its partitions at once.
func (s *sinkTask) consume() error {
	s.assigned = map[plugin.TopicPartition]bool{}
	s.current, s.committed = map[plugin.TopicPartition]int64{}, map[plugin.TopicPartition]int64{}
	for _, key := range s.consumer.unknown {
		s.t.log.Warn("consumer setting ignored: the sink's consumer does not have it", "setting", key)
	}
	// Java's name for a sink task's consumer, as the group's tools show it.
	clientID := fmt.Sprintf("connector-consumer-%s-%d", s.t.id.Connector, s.t.id.Task)
	opts := slices.Concat(s.t.rt.deps.Clients.Franz, s.consumer.opts, s.consumer.balancerOpts(s.t.log), []kgo.Opt{
		kgo.ClientID(clientID),
		kgo.WithHooks(s.t.rt.hooks.consumerHooks(s.t.id, clientID)...),
		kgo.WithLogger(franzLogger{s.t.log}),
		kgo.OnPartitionsAssigned(s.onAssigned),
		kgo.OnPartitionsRevoked(s.onRevoked),
		kgo.OnPartitionsLost(s.onLost),
		// For UNKNOWN_TOPIC_OR_PARTITION, which says that a subscribed
		// topic does not exist (see poll).
		kgo.KeepRetryableFetchErrors(),
	})
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return configdef.Invalid("consumer", "", err.Error())
	}
	putCtx, cancel := context.WithCancel(s.t.stopping)
	defer cancel()
	s.putCtx = putCtx
	err = s.process(cl)
	s.mu.Lock()
	if cerr := s.release(s.t.ctx, cl, slices.Collect(maps.Keys(s.assigned)), true); err == nil {
		err = cerr
	}
	s.mu.Unlock()
	s.commits.Wait()
	cl.CloseAllowingRebalance()
	return err
}

// onAssigned opens newly assigned partitions.
func (s *sinkTask) onAssigned(_ context.Context, _ *kgo.Client, added map[string][]int32) {
	tps := partitionList(added)
	if len(tps) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.committedMu.Lock()
	for _, tp := range tps {
		s.assigned[tp] = true
		delete(s.committed, tp) // another owner may have committed since
	}
	s.committedMu.Unlock()
	s.t.log.Info("partitions assigned", "partitions", len(tps), "owned", len(s.assigned))
	if err := protect(func() error { return s.task.Open(s.t.ctx, slices.Clone(tps)) }); err != nil && s.failure == nil {
		s.failure = &stepError{step: "open partitions", err: err}
	}
}

// onRevoked flushes, commits and closes partitions taken away, before the
// group hands them to their next owner.
func (s *sinkTask) onRevoked(_ context.Context, cl *kgo.Client, revoked map[string][]int32) {
	s.settle(cl, revoked, true)
}

// onLost closes partitions the group has already given away (the session
// lapsed or the generation is gone): committing would be refused.
func (s *sinkTask) onLost(_ context.Context, cl *kgo.Client, lost map[string][]int32) {
	s.settle(cl, lost, false)
}

func (s *sinkTask) settle(cl *kgo.Client, m map[string][]int32, commit bool) {
	var tps []plugin.TopicPartition
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tp := range partitionList(m) {
		if s.assigned[tp] {
			tps = append(tps, tp)
		}
	}
	if len(tps) == 0 {
		return
	}
	s.t.log.Info("partitions revoked", "partitions", len(tps), "committed", commit, "owned", len(s.assigned)-len(tps))
	if err := s.release(s.t.ctx, cl, tps, commit); err != nil && s.failure == nil {
		s.failure = err
	}
}

// release gives partitions up: commits what the task flushed (all owned
// partitions', as Java does), then closes them and forgets them. Called
// with mu held.
func (s *sinkTask) release(ctx context.Context, cl *kgo.Client, tps []plugin.TopicPartition, commit bool) error {
	if len(tps) == 0 {
		return nil
	}
	var err error
	if commit {
		err = s.commit(ctx, cl, true)
	}
	if cerr := protect(func() error { return s.task.Close(ctx, slices.Clone(tps)) }); err == nil && cerr != nil {
		err = &stepError{step: "close partitions", err: cerr}
	}
	s.committedMu.Lock()
	defer s.committedMu.Unlock()
	for _, tp := range tps {
		delete(s.assigned, tp)
		delete(s.current, tp)
		delete(s.committed, tp)
	}
	return err
}

// idlePut is how often a task that got no records is put an empty batch.
const idlePut = time.Second

// process polls, converts and puts batches until the task stops or fails.
// It commits every offset.flush.interval.ms and follows the target state:
// a paused task reads nothing but stays in the group. Rebalances wait
// while a polled batch is being put (franz-go's BlockRebalanceOnPoll), as
// they wait for Java's poll loop, so no partition's records are put after
// it was taken away.
func (s *sinkTask) process(cl *kgo.Client) error {
	flushEvery := max(s.t.rt.deps.Worker.OffsetFlushInterval.D(), time.Millisecond)
	nextFlush, nextIdle := time.Now().Add(flushEvery), time.Now().Add(idlePut)
	s.followTarget()
	for s.t.stopping.Err() == nil {
		var recs []*kgo.Record
		if s.paused {
			select {
			case <-s.t.stopping.Done():
				return nil
			case <-s.t.target.changed():
				s.followTarget()
			case <-time.After(time.Until(earlier(nextFlush, nextIdle))):
			}
		} else {
			var err error
			if recs, err = s.poll(cl, time.Until(earlier(nextFlush, nextIdle))); err != nil {
				return err
			}
		}
		s.mu.Lock()
		err := s.failure
		if err == nil && len(recs) > 0 {
			err = s.deliver(recs)
			nextIdle = time.Now().Add(idlePut)
		}
		now := time.Now()
		if err == nil && !now.Before(nextFlush) {
			err = s.commit(s.t.ctx, cl, false)
			nextFlush = now.Add(flushEvery)
		}
		if err == nil && !now.Before(nextIdle) {
			// Java puts an empty batch after every poll that found
			// nothing, which is how a task that writes in the background
			// reports a failure while no records come.
			_, err = s.put(nil)
			nextIdle = now.Add(idlePut)
		}
		s.mu.Unlock()
		cl.AllowRebalance()
		if err != nil {
			return err
		}
	}
	return nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// poll waits up to wait for records, or less when the task stops or its
// target state changes.
func (s *sinkTask) poll(cl *kgo.Client, wait time.Duration) ([]*kgo.Record, error) {
	ctx, cancel := context.WithTimeout(s.t.stopping, max(wait, time.Millisecond))
	defer cancel()
	stop, exited := make(chan struct{}), make(chan struct{})
	changed := false
	go func() {
		defer close(exited)
		select {
		case <-s.t.target.changed():
			changed = true
			cancel()
		case <-stop:
		}
	}()
	fetches := cl.PollRecords(ctx, s.consumer.maxPollRecords)
	close(stop)
	<-exited
	if changed {
		s.followTarget()
	}
	var err error
	var kafkaErr *kerr.Error
	fetches.EachError(func(topic string, partition int32, ferr error) {
		switch {
		case errors.Is(ferr, context.Canceled), errors.Is(ferr, context.DeadlineExceeded):
		case errors.Is(ferr, kgo.ErrClientClosed):
			err = ferr
		case errors.Is(ferr, kerr.UnknownTopicOrPartition), errors.Is(ferr, kerr.UnknownTopicID):
			s.topicMissing(topic, ferr)
		case errors.As(ferr, &kafkaErr) && kafkaErr.Retriable:
			// A moved leader, a restarting broker: franz-go retries
			// these by itself, and returns them only because missing
			// topics are wanted (KeepRetryableFetchErrors).
		default:
			// franz-go retries fetches by itself; this is for the log.
			s.t.log.Warn("reading a partition", "stage", StageKafkaConsume, "topic", topic, "partition", partition, "err", ferr)
		}
	})
	return fetches.Records(), err
}

// missingTopicEvery is how often a sink task repeats that a topic it
// subscribes to does not exist; franz-go looks for it every 5 s.
const missingTopicEvery = time.Minute

// topicMissing says that a subscribed topic does not exist yet: at once,
// then every missingTopicEvery while it stays missing.
func (s *sinkTask) topicMissing(topic string, err error) {
	if _, ok := s.missing.allow(topic, time.Now(), missingTopicEvery); ok {
		s.t.log.Warn("waiting for a topic that does not exist; it is read once it is created", "topic", topic, "err", err)
	}
}

// followTarget pauses or resumes reading to match the target state.
func (s *sinkTask) followTarget() {
	want := paused(s.t.target.get())
	if want == s.paused {
		return
	}
	s.paused = want
	if want {
		s.t.report(Paused, nil)
	} else {
		s.t.report(Running, nil)
	}
}

// deliver converts and transforms a batch and puts what is left. Once it
// is put, the batch's offsets, skipped records' included, are ready to
// commit. A batch not put because the task is stopping is left for the
// partitions' next owner. Called with mu held.
func (s *sinkTask) deliver(polled []*kgo.Record) error {
	ctx := s.t.stopping
	batch := make([]kafka.Message, 0, len(polled))
	for _, r := range polled {
		if s.assigned[plugin.TopicPartition{Topic: r.Topic, Partition: r.Partition}] {
			batch = append(batch, message(r))
		}
	}
	recs := make([]plugin.Record, 0, len(batch))
	for i := range batch {
		r, keep, err := s.pipe.sinkRecord(ctx, &batch[i])
		if err != nil {
			var f *StageError
			if !errors.As(err, &f) {
				return nil // stopping
			}
			if err := s.errs.failed(s.t.ctx, f, &batch[i], nil); err != nil {
				return err
			}
			continue
		}
		if keep {
			recs = append(recs, r)
		}
	}
	if len(recs) > 0 {
		if ok, err := s.put(recs); !ok {
			return err
		}
	}
	last := ""
	for _, m := range batch {
		s.current[plugin.TopicPartition{Topic: m.Topic, Partition: int32(m.Partition)}] = m.Offset + 1
		if m.Topic != last {
			s.active.record(m.Topic)
			last = m.Topic
		}
	}
	return nil
}

// put hands a batch to the task. A retriable error puts the same batch
// again after a backoff, for as long as it takes, as Java redelivers it;
// any other error fails the task. ok is false when the batch was not put.
func (s *sinkTask) put(recs []plugin.Record) (ok bool, err error) {
	for attempt := 1; ; attempt++ {
		if !s.t.holdWithoutLease(s.t.stopping) {
			return false, nil
		}
		start := time.Now()
		err := protect(func() error { return s.task.Put(s.putCtx, recs) })
		if err == nil {
			if len(recs) > 0 {
				s.t.rt.hooks.sinkPut(s.t.id, len(recs), time.Since(start))
			}
			return true, nil
		}
		if s.putCtx.Err() != nil {
			return false, nil // a Put cut short by the stop or a rebalance; the batch is not committed
		}
		var p *PanicError
		if errors.As(err, &p) || !retriable(err) {
			return false, &StageError{Stage: StageTaskPut, Class: s.class, Err: err}
		}
		s.t.log.Warn("put failed; putting the batch again", "attempt", attempt, "err", err)
		if !sleep(s.t.stopping, s.errs.policy.backoff(attempt)) {
			return false, nil
		}
	}
}

// commit asks the task to flush what it was given and commits the offsets
// it returns (nil: all of them) to the consumer group, fenced by the
// group's generation. It is the one place sink offsets are committed. A
// retriable flush error or a failed commit leaves the offsets for the
// next commit; another flush error fails the task. Called with mu held.
//
// Periodic commits (wait false) go out in the background, as Java's are
// asynchronous: a commit waits while the group rebalances, and the
// partitions that stay must not wait with it. Giving partitions up
// commits in place (wait true), after any commit still on its way.
func (s *sinkTask) commit(ctx context.Context, cl *kgo.Client, wait bool) error {
	if len(s.current) == 0 || !s.t.rt.deps.Lease() {
		return nil
	}
	if !wait && s.committing.Load() {
		return nil // the next tick commits what this one would have
	}
	start := time.Now()
	current := maps.Clone(s.current)
	var offsets map[plugin.TopicPartition]int64
	err := protect(func() (err error) {
		offsets, err = s.task.Flush(ctx, current)
		return err
	})
	if err != nil {
		s.t.rt.hooks.offsetCommit(s.t.id, time.Since(start), err)
		var p *PanicError
		if errors.As(err, &p) || !retriable(err) {
			return &stepError{step: "flush", err: err}
		}
		s.t.log.Warn("flush failed; committing later", "err", err)
		return nil
	}
	if offsets == nil {
		offsets = current
	}
	commit := map[string]map[int32]kgo.EpochOffset{}
	s.committedMu.Lock()
	for tp, off := range offsets {
		if !s.assigned[tp] || s.committed[tp] == off {
			continue // Java ignores offsets of partitions the task does not own
		}
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		commit[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	s.committedMu.Unlock()
	if len(commit) == 0 {
		return nil
	}
	if wait {
		s.send(ctx, cl, commit, start)
		return nil
	}
	s.committing.Store(true)
	s.commits.Go(func() {
		defer s.committing.Store(false)
		s.send(ctx, cl, commit, start)
	})
	return nil
}

// send commits offsets and notes what was committed; a failure is logged
// and left for the next commit.
func (s *sinkTask) send(ctx context.Context, cl *kgo.Client, commit map[string]map[int32]kgo.EpochOffset, start time.Time) {
	cctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	var err error
	cl.CommitOffsetsSync(cctx, commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, cerr error) {
		if err = cerr; err != nil || resp == nil {
			return // no answer came
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if perr := kerr.ErrorForCode(p.ErrorCode); perr != nil && err == nil {
					err = perr
				}
			}
		}
	})
	s.t.rt.hooks.offsetCommit(s.t.id, time.Since(start), err)
	if err != nil {
		s.t.log.Warn("committing offsets failed; committing later", "group", s.consumer.groupID, "err", err)
		return
	}
	s.committedMu.Lock()
	defer s.committedMu.Unlock()
	for topic, parts := range commit {
		for p, off := range parts {
			s.committed[plugin.TopicPartition{Topic: topic, Partition: p}] = off.Offset
		}
	}
}

// commitTimeout bounds one offset commit, which a rebalance or an
// unreachable coordinator can hold up; what it did not commit is
// committed next time, or read again by the partition's next owner.
const commitTimeout = 10 * time.Second

// message is a polled record as the pipeline and the dead letter queue
// take it.
func message(r *kgo.Record) kafka.Message {
	m := kafka.Message{Topic: r.Topic, Partition: int(r.Partition), Offset: r.Offset, Key: r.Key, Value: r.Value, Time: r.Timestamp}
	if len(r.Headers) > 0 {
		m.Headers = make([]kafka.Header, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = kafka.Header{Key: h.Key, Value: h.Value}
		}
	}
	return m
}

// Report implements plugin.SinkTaskContext: a record the task could not
// write fails the task-put stage, as Java's ErrantRecordReporter does.
func (s *sinkTask) Report(ctx context.Context, r plugin.Record, err error) error {
	m, ok := r.Consumed.(*kafka.Message)
	if !ok {
		return fmt.Errorf("report: record %s-%d@%d was not put by this task", r.Topic, r.Partition, r.Offset)
	}
	if err := s.errs.failed(ctx, &StageError{Stage: StageTaskPut, Class: s.class, Err: err}, m, nil); err != nil {
		// The record could not be handled: the task must fail, not put its
		// batch again, whatever the cause looks like.
		return &finalError{err}
	}
	return nil
}

// finalError is never retriable, whatever the error it wraps.
type finalError struct{ error }

func (e *finalError) Unwrap() error { return e.error }

// partitionList lists franz-go's topic partitions in a stable order.
func partitionList(m map[string][]int32) []plugin.TopicPartition {
	var out []plugin.TopicPartition
	for topic, parts := range m {
		for _, p := range parts {
			out = append(out, plugin.TopicPartition{Topic: topic, Partition: p})
		}
	}
	slices.SortFunc(out, func(a, b plugin.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}
