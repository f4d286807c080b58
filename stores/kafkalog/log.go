package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// ErrStopped is returned by calls on a Log that was stopped (or whose Start
// failed).
var ErrStopped = errors.New("kafkalog: log stopped")

// Config describes the topic a Log keeps. The zero value of Partitions and
// ReplicationFactor means the broker's default, as -1 does.
type Config struct {
	// Topic is the topic's name, e.g. connect-configs. Required.
	Topic string
	// Partitions of a new topic (Java: offset.storage.partitions,
	// status.storage.partitions); -1 for the broker default. Ignored when
	// SinglePartition is set.
	Partitions int32
	// ReplicationFactor of a new topic (Java: *.storage.replication.factor);
	// -1 for the broker default.
	ReplicationFactor int16
	// SinglePartition is for the config topic: it is created with one
	// partition, and Start refuses an existing topic with more.
	SinglePartition bool
	// TopicConfigs are extra configs for a new topic (Java: the
	// config.storage.*, offset.storage.* or status.storage.* passthrough).
	// cleanup.policy is always compact; another value is ignored with a
	// warning. topic, partitions and replication.factor are ignored.
	TopicConfigs map[string]string
	// Property is the worker property that names the topic, e.g.
	// config.storage.topic. Optional: errors about the topic use it (and its
	// CONNECT_ variable) to say how to fix things.
	Property string
	// ReadCommitted skips the records of aborted transactions and makes end
	// offsets the last stable offsets. Java reads the config topic this way
	// when exactly.once.source.support=enabled.
	ReadCommitted bool
}

// Record is one record of the log. Key and Value belong to the receiver: the
// log never touches them again. A nil Value is a tombstone; an empty one is
// not.
type Record struct {
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Timestamp time.Time // zero when the record has none
}

// Log is Kafka Connect's KafkaBasedLog: a compacted topic read from the
// beginning into the caller's state, then tailed, and written to with Java's
// partitioner, so Java workers sharing the topic see the same records.
//
// Start creates or checks the topic, reads it to the end and keeps reading
// in the background until Stop. Every record goes to the apply function given
// to New, from a single goroutine, in offset order within each partition;
// apply may call Send or SendAsync but not ReadToEnd or Stop, which wait for
// it. ReadToEnd waits until apply has seen everything written before the
// call. Send and SendAsync write records.
type Log struct {
	clients *kafkaclient.Clients
	cfg     Config
	log     *slog.Logger
	apply   func(Record)

	stopOnce sync.Once

	mu       sync.Mutex
	started  bool
	stopped  bool
	parts    int
	writer   *kafka.Writer
	cancel   context.CancelFunc // stops the fetch loop
	done     chan struct{}      // closed when the fetch loop has returned
	pos      []int64            // per partition: the next offset apply will see
	target   []int64            // per partition: end offsets a ReadToEnd waits for
	lastErr  []error            // per partition: the last fetch error, nil after a success
	progress chan struct{}      // closed and replaced when pos moves
	tail     context.CancelFunc // interrupts a long poll in flight
}

// New returns a Log for cfg that hands records to apply. It does no I/O.
func New(clients *kafkaclient.Clients, cfg Config, log *slog.Logger, apply func(Record)) *Log {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Log{clients: clients, cfg: cfg, log: log.With("topic", cfg.Topic), apply: apply}
}

// Start ensures the topic exists and fits (section 6.1 of the Connect spec),
// reads every partition from the beginning to the end offsets it finds, and
// leaves a goroutine tailing the topic until Stop. It returns when the
// initial read is done, or with the first error; ctx bounds only the start.
// After an error Start may be called again.
func (l *Log) Start(ctx context.Context) error {
	l.mu.Lock()
	if l.started || l.stopped {
		l.mu.Unlock()
		return errors.New("kafkalog: Start called twice or after Stop")
	}
	l.started = true
	l.mu.Unlock()
	if err := l.start(ctx); err != nil {
		// A failed start may be retried (the worker does, until Kafka lets
		// it read its topics); the retry goes on from the records already
		// applied, so apply sees none twice.
		l.halt()
		l.mu.Lock()
		l.started = false
		l.mu.Unlock()
		return err
	}
	return nil
}

func (l *Log) start(ctx context.Context) error {
	if l.cfg.Topic == "" {
		return errors.New("kafkalog: no topic")
	}

	n, err := l.ensureTopic(ctx)
	if err != nil {
		return err
	}
	starts, err := l.listOffsets(ctx, n, kafka.FirstOffset)
	if err != nil {
		return fmt.Errorf("start offsets of %q: %w", l.cfg.Topic, err)
	}
	ends, err := l.listOffsets(ctx, n, kafka.LastOffset)
	if err != nil {
		return fmt.Errorf("end offsets of %q: %w", l.cfg.Topic, err)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		cancel()
		return ErrStopped
	}
	l.parts = n
	if len(l.pos) == n {
		// An earlier attempt applied records up to pos already.
		for p := range starts {
			starts[p] = max(starts[p], l.pos[p])
		}
	}
	l.pos = starts
	l.target = make([]int64, n)
	l.lastErr = make([]error, n)
	l.progress = make(chan struct{})
	l.cancel = cancel
	done := make(chan struct{})
	l.done = done
	l.writer = l.newWriter()
	l.mu.Unlock()
	go l.run(runCtx, n, done)

	start := time.Now()
	if err := l.waitFor(ctx, ends); err != nil {
		return fmt.Errorf("read %q to end: %w", l.cfg.Topic, err)
	}
	l.log.Info("read topic to end", "partitions", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Stop stops tailing, waits for sends in flight to finish (kafka-go's
// writer retries a failing batch up to 10 times) and for the log's
// goroutines to return. Then ReadToEnd, Send and SendAsync return
// ErrStopped. Stop may be called more than once, and before Start.
func (l *Log) Stop() {
	l.stopOnce.Do(func() {
		l.mu.Lock()
		l.stopped = true
		l.mu.Unlock()
		l.halt()
	})
}

// halt closes the producer and ends the fetch loop, if they run.
func (l *Log) halt() {
	l.mu.Lock()
	w, cancel, done := l.writer, l.cancel, l.done
	l.writer, l.cancel = nil, nil
	l.mu.Unlock()
	if cancel == nil {
		return
	}
	if err := w.Close(); err != nil {
		l.log.Warn("closing the producer", "err", err)
	}
	cancel()
	<-done
}

// Partitions is the topic's partition count, known once Start succeeded.
func (l *Log) Partitions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.parts
}

// ReadToEnd returns once apply has seen every record below the end offsets
// the topic had when it was called (the last stable offsets with
// ReadCommitted), or with ctx's error.
func (l *Log) ReadToEnd(ctx context.Context) error {
	l.mu.Lock()
	n, running := l.parts, l.done != nil && !l.stopped
	l.mu.Unlock()
	if !running {
		return ErrStopped
	}
	ends, err := l.listOffsets(ctx, n, kafka.LastOffset)
	if err != nil {
		return fmt.Errorf("end offsets of %q: %w", l.cfg.Topic, err)
	}
	return l.waitFor(ctx, ends)
}

// waitFor waits until every partition's position reached ends.
func (l *Log) waitFor(ctx context.Context, ends []int64) error {
	l.mu.Lock()
	behind := false
	for p, end := range ends {
		if l.pos[p] < end {
			behind = true
			l.target[p] = max(l.target[p], end)
		}
	}
	if behind && l.tail != nil {
		l.tail() // a long poll would only return when new records arrive
		l.tail = nil
	}
	l.mu.Unlock()
	for {
		l.mu.Lock()
		var lag error
		reached := true
		for p, end := range ends {
			if l.pos[p] < end {
				reached = false
				if l.lastErr[p] != nil {
					lag = fmt.Errorf("partition %d at offset %d of %d: %w", p, l.pos[p], end, l.lastErr[p])
				}
			}
		}
		progress, done := l.progress, l.done
		l.mu.Unlock()
		if reached {
			return nil
		}
		select {
		case <-progress:
		case <-done:
			return ErrStopped
		case <-ctx.Done():
			if lag != nil {
				return fmt.Errorf("%w; last fetch error: %w", ctx.Err(), lag)
			}
			return ctx.Err()
		}
	}
}

// listOffsets returns the first or last (kafka.FirstOffset, LastOffset)
// offset of each partition, retrying what may pass.
func (l *Log) listOffsets(ctx context.Context, n int, which int64) ([]int64, error) {
	reqs := make([]kafka.OffsetRequest, n)
	for p := range reqs {
		reqs[p] = kafka.OffsetRequest{Partition: p, Timestamp: which}
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{l.cfg.Topic: reqs}}
	if l.cfg.ReadCommitted {
		req.IsolationLevel = kafka.ReadCommitted
	}
	var b backoff
	for {
		offsets, err := l.tryListOffsets(ctx, req, n, which)
		if err == nil {
			return offsets, nil
		}
		if !retriable(err) {
			return nil, err
		}
		if werr := b.wait(ctx); werr != nil {
			return nil, fmt.Errorf("%w (last error: %w)", werr, err)
		}
	}
}

func (l *Log) tryListOffsets(ctx context.Context, req *kafka.ListOffsetsRequest, n int, which int64) ([]int64, error) {
	resp, err := l.clients.Client.ListOffsets(ctx, req)
	if err != nil {
		return nil, err
	}
	offsets := make([]int64, n)
	seen := make([]bool, n)
	for _, p := range resp.Topics[l.cfg.Topic] {
		if p.Partition < 0 || p.Partition >= n {
			continue
		}
		if p.Error != nil {
			return nil, fmt.Errorf("partition %d: %w", p.Partition, p.Error)
		}
		offsets[p.Partition], seen[p.Partition] = p.LastOffset, true
		if which == kafka.FirstOffset {
			offsets[p.Partition] = p.FirstOffset
		}
	}
	for p, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("partition %d: %w", p, kafka.UnknownTopicOrPartition)
		}
	}
	return offsets, nil
}

// retriable tells errors worth another try (broker moves, network) from
// those that will not pass (authorization, bad configuration, ctx ended).
func retriable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary() || kerr == kafka.Unknown
	}
	return true // network and protocol errors: a new connection may do
}

// backoff waits longer after each failure: 100 ms doubling to 5 s.
type backoff struct{ next time.Duration }

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func (b *backoff) step() time.Duration {
	b.next = min(max(2*b.next, minBackoff), maxBackoff)
	return b.next
}

func (b *backoff) wait(ctx context.Context) error {
	t := time.NewTimer(b.step())
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
