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
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// sinkTask runs a sink task: it joins the connector's consumer group,
// reads the partitions each generation assigns, converts and transforms
// the records, puts them, and commits what the task flushed. The task's
// goroutine runs it, except that each generation's work runs inside
// kafka-go's Generation.Start while the task's goroutine waits, so the
// final commit of a generation happens before the group moves on.
type sinkTask struct {
	t        *taskRun
	task     plugin.SinkTask
	class    string // the connector's, naming the task in errors
	pipe     *pipeline
	errs     *errorHandler
	consumer consumerSettings
	active   *activeTopics
	putCtx   context.Context // ends when the task stops or the generation ends
	paused   bool            // what the task last reported, between batches

	// Partitions of the current generation: the next offset to read after
	// what was put (or skipped), and what was committed.
	assigned  map[plugin.TopicPartition]bool
	current   map[plugin.TopicPartition]int64
	committed map[plugin.TopicPartition]int64
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
	s := &sinkTask{t: t, task: task, class: class, pipe: pipe, errs: errs, consumer: consumer, active: newActiveTopics(t)}
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
		return fmt.Errorf("start task: %w", err)
	}
	s.t.report(Running, nil)
	err := s.subscribe()
	if stopErr := protect(s.task.Stop); stopErr != nil {
		s.t.log.Warn("stopping the task", "err", stopErr)
	}
	return err
}

// subscribe follows the subscription: the group is joined again whenever
// the topics to consume change (see recheck).
func (s *sinkTask) subscribe() error {
	ctx := s.t.stopping
	for ctx.Err() == nil {
		topics, err := s.consumer.matchTopics(ctx, s.t.rt.deps.Clients)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.t.log.Warn("listing topics", "err", err)
		case len(topics) == 0:
			s.t.log.Info("waiting for a topic to consume", "topics", s.consumer.topics, "topics.regex", s.consumer.pattern)
		default:
			if err := s.consume(topics); err != nil {
				return err
			}
			continue
		}
		sleep(ctx, max(s.consumer.recheck(nil), time.Millisecond))
	}
	return nil
}

// consume is a membership of the consumer group for a set of topics. It
// returns when the task stops, or fails, or the topics changed.
func (s *sinkTask) consume(topics []string) error {
	clients := s.t.rt.deps.Clients
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    s.consumer.groupID,
		Brokers:               clients.Bootstrap,
		Dialer:                clients.Dialer,
		Topics:                topics,
		HeartbeatInterval:     s.consumer.heartbeatInterval,
		SessionTimeout:        s.consumer.sessionTimeout,
		RebalanceTimeout:      s.consumer.rebalanceTimeout,
		StartOffset:           s.consumer.startOffset,
		WatchPartitionChanges: true,
	})
	if err != nil {
		return err
	}
	// Leaving the group (Close) makes the others rebalance at once. It
	// starts before the last generation's work returns: a generation whose
	// work returns first is ended, and kafka-go would join the group again.
	left := make(chan struct{})
	var once sync.Once
	leave := func() {
		once.Do(func() {
			go func() {
				defer close(left)
				_ = group.Close()
			}()
		})
	}
	defer func() {
		leave()
		<-left
	}()
	for {
		gen, err := group.Next(s.t.stopping)
		if s.t.stopping.Err() != nil {
			return nil
		}
		if err != nil {
			// kafka-go rejoins, with a backoff for lasting errors.
			s.t.log.Warn("joining the consumer group", "group", s.consumer.groupID, "err", err)
			continue
		}
		changed, err := s.generation(gen, topics, leave)
		if err != nil || changed {
			return err
		}
	}
}

// generation runs one generation's work inside gen.Start, whose context
// ends when the group rebalances, and waits for it. Work that ends while
// the generation goes on (the task stops or fails, or the topics changed)
// calls leave, and returns only once kafka-go has ended the generation
// for it: kafka-go ends a generation whose work returned and joins the
// group again unless it saw the group closed first, and such a last join
// costs the other members two rebalances, the second only when it leaves.
func (s *sinkTask) generation(gen *kafka.Generation, topics []string, leave func()) (changed bool, err error) {
	done := make(chan struct{})
	gen.Start(func(genCtx context.Context) {
		defer close(done)
		err = protect(func() (err error) {
			changed, err = s.work(genCtx, gen, topics)
			return err
		})
		if genCtx.Err() == nil {
			leave()
			<-genCtx.Done()
		}
	})
	<-done
	return changed, err
}

// work is a generation: open the assigned partitions, read and put until
// the generation ends, then commit and close them.
func (s *sinkTask) work(genCtx context.Context, gen *kafka.Generation, topics []string) (bool, error) {
	ctx := s.t.ctx
	assigned := assignedPartitions(gen.Assignments)
	s.assigned = map[plugin.TopicPartition]bool{}
	for _, tp := range assigned {
		s.assigned[tp] = true
	}
	s.current, s.committed = map[plugin.TopicPartition]int64{}, map[plugin.TopicPartition]int64{}
	s.t.log.Info("partitions assigned", "generation", gen.ID, "partitions", len(assigned))
	if err := protect(func() error { return s.task.Open(ctx, slices.Clone(assigned)) }); err != nil {
		return false, fmt.Errorf("open partitions: %w", err)
	}
	// Put may block (back-pressure); it is told when the task stops or
	// the generation ends, so neither waits on it.
	putCtx, cancel := context.WithCancel(s.t.stopping)
	defer cancel()
	defer context.AfterFunc(genCtx, cancel)()
	s.putCtx = putCtx
	f := startFetchers(s.t.rt.deps.Clients, gen.Assignments, s.consumer, s.t.log)
	changed, err := s.process(genCtx, gen, f, topics)
	f.stop()
	if cerr := s.commit(ctx, gen); err == nil {
		err = cerr
	}
	if cerr := protect(func() error { return s.task.Close(ctx, slices.Clone(assigned)) }); err == nil && cerr != nil {
		err = fmt.Errorf("close partitions: %w", cerr)
	}
	return changed, err
}

// idlePut is how often a task that got no records is put an empty batch.
const idlePut = time.Second

// process reads, converts and puts batches until the generation ends, the
// task stops or fails, or the topics to consume changed. It commits
// every offset.flush.interval.ms and follows the target state: a paused
// task reads nothing but stays in the group.
func (s *sinkTask) process(genCtx context.Context, gen *kafka.Generation, f *fetchers, topics []string) (bool, error) {
	flush := time.NewTicker(max(s.t.rt.deps.Worker.OffsetFlushInterval.D(), time.Millisecond))
	defer flush.Stop()
	idle := time.NewTicker(idlePut)
	defer idle.Stop()
	var rematch <-chan time.Time
	if every := s.consumer.recheck(topics); every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		rematch = t.C
	}
	s.followTarget()
	for {
		in := f.msgs
		if s.paused {
			in = nil
		}
		select {
		case <-genCtx.Done():
			return false, nil
		case <-s.t.stopping.Done():
			return false, nil
		case <-s.t.target.changed():
			s.followTarget()
		case <-flush.C:
			if err := s.commit(s.t.ctx, gen); err != nil {
				return false, err
			}
		case <-idle.C:
			// Java puts an empty batch after every poll that found
			// nothing, which is how a task that writes in the background
			// reports a failure while no records come.
			if ok, err := s.put(nil); !ok {
				return false, err
			}
		case <-rematch:
			now, err := s.consumer.matchTopics(s.t.stopping, s.t.rt.deps.Clients)
			if err == nil && !slices.Equal(now, topics) {
				s.t.log.Info("the topics to consume changed; joining again", "topics", now)
				return true, nil
			}
		case m := <-in:
			if err := s.deliver(s.collect(m, f.msgs)); err != nil {
				return false, err
			}
		}
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

// collect takes the records already waiting, up to max.poll.records.
func (s *sinkTask) collect(first kafka.Message, more <-chan kafka.Message) []kafka.Message {
	batch := []kafka.Message{first}
	for len(batch) < s.consumer.maxPollRecords {
		select {
		case m := <-more:
			batch = append(batch, m)
		default:
			return batch
		}
	}
	return batch
}

// deliver converts and transforms a batch and puts what is left. Once it
// is put, the batch's offsets, skipped records' included, are ready to
// commit. A batch not put because the task is stopping is left for the
// partitions' next owner.
func (s *sinkTask) deliver(batch []kafka.Message) error {
	ctx := s.t.stopping
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
// it returns (nil: all of them) to the consumer group. It is the one place
// sink offsets are committed. A retriable flush error or a failed commit
// leaves the offsets for the next commit; another flush error fails the
// task.
func (s *sinkTask) commit(ctx context.Context, gen *kafka.Generation) error {
	if len(s.current) == 0 || !s.t.rt.deps.Lease() {
		return nil
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
			return fmt.Errorf("flush: %w", err)
		}
		s.t.log.Warn("flush failed; committing later", "err", err)
		return nil
	}
	if offsets == nil {
		offsets = current
	}
	commit := map[string]map[int]int64{}
	for tp, off := range offsets {
		if !s.assigned[tp] || s.committed[tp] == off {
			continue // Java ignores offsets of partitions the task does not own
		}
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int]int64{}
		}
		commit[tp.Topic][int(tp.Partition)] = off
	}
	if len(commit) == 0 {
		return nil
	}
	err = gen.CommitOffsets(commit)
	s.t.rt.hooks.offsetCommit(s.t.id, time.Since(start), err)
	if err != nil {
		s.t.log.Warn("committing offsets failed; committing later", "group", s.consumer.groupID, "err", err)
		return nil
	}
	for topic, parts := range commit {
		for p, off := range parts {
			s.committed[plugin.TopicPartition{Topic: topic, Partition: int32(p)}] = off
		}
	}
	return nil
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

// assignedPartitions lists a generation's partitions in a stable order.
func assignedPartitions(a map[string][]kafka.PartitionAssignment) []plugin.TopicPartition {
	var out []plugin.TopicPartition
	for topic, parts := range a {
		for _, p := range parts {
			out = append(out, plugin.TopicPartition{Topic: topic, Partition: int32(p.ID)})
		}
	}
	slices.SortFunc(out, func(a, b plugin.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}
