package statusstore

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

// Store keeps the status topic: a cache of every connector's and task's
// status, which REST answers from, and asynchronous writes as Java's
// KafkaStatusBackingStore makes them.
type Store struct {
	log    *kafkalog.Log
	logger *slog.Logger

	mu       sync.Mutex
	snap     Snapshot
	inFlight writes
	bad      atomic.Int64
}

// NewStore returns a store for the worker's status topic; it does no I/O.
func NewStore(clients *kafkaclient.Clients, w config.Worker, logger *slog.Logger) *Store {
	s := &Store{logger: logger.With("component", "statusstore", "topic", w.StatusStorageTopic)}
	s.inFlight.cond.L = &s.inFlight.mu
	s.log = kafkalog.New(clients, kafkalog.Config{
		Topic:             w.StatusStorageTopic,
		Partitions:        w.StatusStoragePartitions,
		ReplicationFactor: w.StatusStorageReplicationFactor,
		TopicConfigs:      kafkalog.TopicConfigs(w.Properties, "status.storage."),
		Property:          "status.storage.topic",
	}, logger, s.apply)
	return s
}

// Start reads the topic to the end and keeps reading until Stop.
func (s *Store) Start(ctx context.Context) error { return s.log.Start(ctx) }

// Stop waits for writes in flight, then stops.
func (s *Store) Stop() {
	s.inFlight.wait()
	s.log.Stop()
}

// Snapshot returns the statuses read so far.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// ReadToEnd returns once everything written before the call is cached.
func (s *Store) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Flush waits for the writes made so far, as Java flushes its status
// producer after stopping revoked work. Tasks that still run may write
// meanwhile; Flush does not wait for those.
func (s *Store) Flush() { s.inFlight.wait() }

func (s *Store) apply(r kafkalog.Record) {
	rec, err := Decode(string(r.Key), r.Value)
	if err != nil {
		s.bad.Add(1)
		s.logger.Warn("skipping a status record", "partition", r.Partition, "offset", r.Offset, "err", err)
		return
	}
	s.mu.Lock()
	s.snap = s.snap.Apply(rec)
	s.mu.Unlock()
}

// PutConnector writes a connector's status. UNASSIGNED and FAILED are
// "safe" writes, dropped when another worker wrote a later generation.
func (s *Store) PutConnector(name string, st Status) {
	if !s.safe(st, func(snap Snapshot) (Status, bool) { return snap.Connector(name) }) {
		return
	}
	s.send(ConnectorStatus{Connector: name, Status: st})
}

// PutTask writes a task's status, with the same rules as PutConnector.
func (s *Store) PutTask(id TaskID, st Status) {
	if !s.safe(st, func(snap Snapshot) (Status, bool) { return snap.Task(id) }) {
		return
	}
	s.send(TaskStatus{ID: id, Status: st})
}

// PutTopic records that a connector's task used a topic (KIP-558).
func (s *Store) PutTopic(t TopicStatus) { s.send(t) }

// DeleteConnector tombstones a connector's status (DESTROYED).
func (s *Store) DeleteConnector(name string) { s.send(ConnectorTombstone{Connector: name}) }

// DeleteTask tombstones a task's status.
func (s *Store) DeleteTask(id TaskID) { s.send(TaskTombstone{ID: id}) }

// DeleteTopic tombstones a topic record.
func (s *Store) DeleteTopic(topic, connector string) {
	s.send(TopicTombstone{Topic: topic, Connector: connector})
}

func (s *Store) safe(next Status, cached func(Snapshot) (Status, bool)) bool {
	c, ok := cached(s.Snapshot())
	if !ok {
		return SafeToWrite(nil, next)
	}
	return SafeToWrite(&c, next)
}

func (s *Store) send(rec Record) {
	key, value, err := Encode(rec)
	if err != nil {
		s.logger.Error("cannot encode a status record", "key", rec.StatusKey(), "err", err)
		return
	}
	n := s.inFlight.add()
	err = s.log.SendAsync(context.Background(), []byte(key), value, func(err error) {
		defer s.inFlight.done(n)
		if err != nil {
			s.logger.Warn("status write failed", "key", key, "err", err)
		}
	})
	if err != nil {
		s.inFlight.done(n)
		s.logger.Warn("status write not sent", "key", key, "err", err)
	}
}

// writes tracks the status writes in flight so that wait can wait for
// those made before it. A sync.WaitGroup cannot: a task that still runs
// would Add while a Flush waits, which WaitGroup forbids (it panics).
type writes struct {
	mu      sync.Mutex
	cond    sync.Cond // L is &mu
	next    uint64    // number of the next write
	pending map[uint64]struct{}
}

func (w *writes) add() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = map[uint64]struct{}{}
	}
	n := w.next
	w.next++
	w.pending[n] = struct{}{}
	return n
}

func (w *writes) done(n uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pending, n)
	w.cond.Broadcast()
}

// wait returns once every write added before the call is done.
func (w *writes) wait() {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := w.next
	for w.anyBefore(before) {
		w.cond.Wait()
	}
}

func (w *writes) anyBefore(n uint64) bool {
	for p := range w.pending {
		if p < n {
			return true
		}
	}
	return false
}
