package offsetstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

// Store keeps the offsets topic of source connectors.
type Store struct {
	log     *kafkalog.Log
	topic   string
	logger  *slog.Logger
	timeout time.Duration // offset.flush.timeout.ms

	mu   sync.Mutex
	snap Snapshot
	bad  atomic.Int64
}

// NewStore returns a store for the worker's offsets topic; it does no I/O.
func NewStore(clients *kafkaclient.Clients, w config.Worker, logger *slog.Logger) *Store {
	return newStore(clients, w, w.OffsetStorageTopic, "offset.storage.topic", logger)
}

// newStore keeps topic, created as the worker's offsets topic is; property
// names the setting that names it, for errors about the topic.
func newStore(clients *kafkaclient.Clients, w config.Worker, topic, property string, logger *slog.Logger) *Store {
	s := &Store{logger: logger.With("component", "offsetstore", "topic", topic), topic: topic, timeout: w.OffsetFlushTimeout.D()}
	s.log = kafkalog.New(clients, kafkalog.Config{
		Topic:             topic,
		Partitions:        w.OffsetStoragePartitions,
		ReplicationFactor: w.OffsetStorageReplicationFactor,
		TopicConfigs:      kafkalog.TopicConfigs(w.Properties, "offset.storage."),
		Property:          property,
		// Exactly-once tasks write offsets in their transactions; only
		// committed ones count.
		ReadCommitted: w.ExactlyOnceSource(),
	}, logger, s.apply)
	return s
}

// Topic is the topic the store keeps.
func (s *Store) Topic() string { return s.topic }

// Start reads the topic to the end and keeps reading until Stop.
func (s *Store) Start(ctx context.Context) error { return s.log.Start(ctx) }

// Stop stops reading and writing.
func (s *Store) Stop() { s.log.Stop() }

// Snapshot returns the offsets read so far.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

func (s *Store) apply(r kafkalog.Record) {
	rec, err := Decode(r.Key, r.Value)
	if err != nil {
		s.bad.Add(1)
		s.logger.Warn("skipping an offsets record", "partition", r.Partition, "offset", r.Offset, "err", err)
		return
	}
	s.mu.Lock()
	s.snap = s.snap.Apply(rec)
	s.mu.Unlock()
}

// Offset returns the committed offset of a connector's source partition,
// after catching up with the topic as Java does before a lookup.
func (s *Store) Offset(ctx context.Context, connector string, partition any) (javajson.HashMap, bool, error) {
	if err := s.log.ReadToEnd(ctx); err != nil {
		return nil, false, err
	}
	return s.Snapshot().Offset(connector, partition)
}

// Write stores offsets (a nil offset deletes the partition's offset) and
// returns once Kafka has acknowledged all of them. A delete tombstones every
// byte form of the key seen in the topic, so Java workers lose it too.
func (s *Store) Write(ctx context.Context, connector string, offsets []Offset) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	recs, err := s.Records(connector, offsets)
	if err != nil {
		return err
	}
	errs := make(chan error, len(recs))
	for _, r := range recs {
		if err := s.log.SendAsync(ctx, r.Key, r.Value, func(err error) { errs <- err }); err != nil {
			return err
		}
	}
	for range recs {
		select {
		case err := <-errs:
			if err != nil {
				return fmt.Errorf("write offsets of %s: %w", connector, err)
			}
		case <-ctx.Done():
			return fmt.Errorf("write offsets of %s within offset.flush.timeout.ms: %w", connector, ctx.Err())
		}
	}
	return nil
}

// WriteInTransaction writes offsets as Write does, but in one transaction
// of cl, a transactional producer: how offsets of an exactly-once source
// connector are altered or reset, so that a fenced task of it can no
// longer write over them. It returns once the transaction committed and
// the store has read it back.
func (s *Store) WriteInTransaction(ctx context.Context, cl *kgo.Client, connector string, offsets []Offset) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	recs, err := s.Records(connector, offsets)
	if err != nil {
		return err
	}
	krecs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krecs[i] = &kgo.Record{Topic: s.topic, Key: r.Key, Value: r.Value}
	}
	if err := cl.BeginTransaction(); err != nil {
		return err
	}
	err = cl.ProduceSync(ctx, krecs...).FirstErr()
	end := kgo.TryCommit
	if err != nil {
		end = kgo.TryAbort
	}
	if endErr := cl.EndTransaction(context.WithoutCancel(ctx), end); err == nil {
		err = endErr
	}
	if err != nil {
		return fmt.Errorf("write offsets of %s in a transaction: %w", connector, err)
	}
	return s.log.ReadToEnd(ctx)
}

// JavaPartitioner places offsets records as Java's producer does, by
// murmur2 of the key, for franz-go clients that write them.
var JavaPartitioner = kgo.BasicConsistentPartitioner(func(string) func(*kgo.Record, int) int {
	return func(r *kgo.Record, n int) int { return kafkalog.PartitionForKey(r.Key, n) }
})

// KeyValue is a record of the offsets topic.
type KeyValue struct{ Key, Value []byte }

// Records encodes offsets as the records Write writes: a delete becomes a
// tombstone of every byte form of the key seen in the topic. Exactly-once
// tasks write them in their own transactions.
func (s *Store) Records(connector string, offsets []Offset) ([]KeyValue, error) {
	snap := s.Snapshot()
	var recs []KeyValue
	for _, o := range offsets {
		key, err := EncodeKey(connector, o.Partition)
		if err != nil {
			return nil, err
		}
		value, err := EncodeValue(o.Offset)
		if err != nil {
			return nil, err
		}
		recs = append(recs, KeyValue{key, value})
		if value == nil {
			others, err := snap.RawKeys(connector, o.Partition)
			if err != nil {
				return nil, err
			}
			for _, k := range others {
				recs = append(recs, KeyValue{k, nil})
			}
		}
	}
	return recs, nil
}

// Offset is one source partition's offset to write; a nil Offset deletes it.
type Offset struct {
	Partition any // map[string]any or javajson.HashMap
	Offset    any
}

// Writer collects a source task's acknowledged offsets and flushes them,
// one flush at a time, as Java's OffsetStorageWriter does.
type Writer struct {
	to        Connector
	connector string

	mu       sync.Mutex
	pending  map[string]Offset // by canonical key; the latest offset wins
	flushing bool
}

// Writer returns an offset writer for one connector's task.
func (s *Store) Writer(connector string) *Writer { return Connector{Primary: s}.Writer(connector) }

// Writer returns an offset writer for one connector's task that writes
// where c says.
func (c Connector) Writer(connector string) *Writer {
	return &Writer{to: c, connector: connector, pending: map[string]Offset{}}
}

// Offset records the offset of an acknowledged record; it is written by the
// next Flush.
func (w *Writer) Offset(partition, offset map[string]any) error {
	// Checked now rather than at flush, so the task that produced a bad
	// offset is the one that fails.
	if _, err := EncodeKey(w.connector, partition); err != nil {
		return err
	}
	if _, err := EncodeValue(offset); err != nil {
		return err
	}
	id, err := CanonicalKey(w.connector, partition)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending[id] = Offset{Partition: partition, Offset: offset}
	return nil
}

// Take returns the offsets recorded since the last Flush or Take and
// forgets them: an exactly-once task writes them in its transaction, and
// drops them with an aborted one.
func (w *Writer) Take() []Offset {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Offset, 0, len(w.pending))
	for _, o := range w.pending {
		out = append(out, o)
	}
	clear(w.pending)
	return out
}

// Records encodes offsets for the writer's connector (see Store.Records).
func (w *Writer) Records(offsets []Offset) ([]KeyValue, error) {
	return w.to.Primary.Records(w.connector, offsets)
}

// ErrFlushInProgress is returned when a flush is asked for while one runs.
var ErrFlushInProgress = fmt.Errorf("offsetstore: a flush is already in progress")

// Flush writes the offsets recorded so far. On failure they are kept for the
// next flush, unless a newer offset for the same partition arrived meanwhile.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	if w.flushing {
		w.mu.Unlock()
		return ErrFlushInProgress
	}
	batch := w.pending
	w.pending = map[string]Offset{}
	w.flushing = len(batch) > 0
	w.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	offsets := make([]Offset, 0, len(batch))
	for _, o := range batch {
		offsets = append(offsets, o)
	}
	err := w.to.Write(ctx, w.connector, offsets)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushing = false
	if err != nil {
		for id, o := range batch {
			if _, newer := w.pending[id]; !newer {
				w.pending[id] = o
			}
		}
	}
	return err
}

// FlushEvery flushes every interval (offset.flush.interval.ms) until ctx
// ends, then once more so a stopping task commits what was acknowledged.
// A failed flush keeps its offsets for the next one.
func (w *Writer) FlushEvery(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), w.to.Primary.timeout)
			defer cancel()
			if err := w.Flush(final); err != nil && onError != nil {
				onError(err)
			}
			return
		case <-t.C:
			if err := w.Flush(ctx); err != nil && onError != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// ReadToEnd catches up with the offsets topic, so that Snapshot holds
// every offset written before the call.
func (s *Store) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }
