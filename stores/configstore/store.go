package configstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

// Store keeps the config topic: it folds every record into a Snapshot and
// writes records the way Java's KafkaConfigBackingStore does, reading to the
// end after each write so that a write is visible in Snapshot once it
// returns.
type Store struct {
	log    *kafkalog.Log
	logger *slog.Logger
	leader *leaderWriter // nil: the leader writes as everyone does

	mu      sync.Mutex
	snap    Snapshot
	live    bool
	changed chan struct{}
	bad     atomic.Int64
}

// NewStore returns a store for the worker's config topic; it does no I/O.
func NewStore(clients *kafkaclient.Clients, w config.Worker, logger *slog.Logger) *Store {
	s := &Store{logger: logger.With("component", "configstore", "topic", w.ConfigStorageTopic), changed: make(chan struct{}, 1)}
	s.log = kafkalog.New(clients, kafkalog.Config{
		Topic:             w.ConfigStorageTopic,
		ReplicationFactor: w.ConfigStorageReplicationFactor,
		SinglePartition:   true,
		TopicConfigs:      kafkalog.TopicConfigs(w.Properties, "config.storage."),
		Property:          "config.storage.topic",
		ReadCommitted:     w.ExactlyOnceSource(),
	}, logger, s.apply)
	if w.TransactionalLeader() {
		s.leader = &leaderWriter{clients: clients, id: "connect-cluster-" + w.GroupID, topic: w.ConfigStorageTopic}
	}
	return s
}

// Start reads the topic to the end; records read so far count as startup
// catch-up, so restart requests and logger levels among them are not acted
// on. It then keeps reading until Stop.
func (s *Store) Start(ctx context.Context) error {
	if err := s.log.Start(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.live = true
	s.mu.Unlock()
	return nil
}

// Stop stops reading and writing.
func (s *Store) Stop() {
	if s.leader != nil {
		s.leader.release()
	}
	s.log.Stop()
}

// ClaimWritePrivileges is what a worker does on becoming leader when the
// leader writes transactionally: it initializes the config topic's
// transactional producer, fencing any earlier leader that still writes.
// Without a transactional leader it does nothing.
func (s *Store) ClaimWritePrivileges(ctx context.Context) error {
	if s.leader == nil {
		return nil
	}
	return s.leader.claim(ctx)
}

// Snapshot returns the config as read so far.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// Changed is signalled after records were applied; a reader drains it and
// looks at Snapshot, so bursts of records wake it once.
func (s *Store) Changed() <-chan struct{} { return s.changed }

// BadRecords counts records that were skipped as unreadable.
func (s *Store) BadRecords() int64 { return s.bad.Load() }

// ReadToEnd returns once everything written before the call is in Snapshot.
func (s *Store) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// AckRestarts forgets restart requests up to offset once they were acted on.
func (s *Store) AckRestarts(through int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snap = s.snap.AckRestarts(through)
}

func (s *Store) apply(r kafkalog.Record) {
	rec, err := Decode(string(r.Key), r.Value)
	if err != nil {
		var bad *BadRecordError
		if !errors.As(err, &bad) {
			bad = &BadRecordError{Key: string(r.Key), Err: err}
		}
		s.bad.Add(1)
		s.logger.Warn("skipping a config record", "partition", r.Partition, "offset", r.Offset, "err", err)
	}
	if rec == nil {
		return
	}
	s.mu.Lock()
	s.snap = s.snap.Apply(rec, r.Offset, s.live)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// writeAsLeader writes records only the leader writes: in one transaction
// when the leader is transactional, else as write does.
func (s *Store) writeAsLeader(ctx context.Context, recs ...Record) error {
	if s.leader == nil {
		return s.write(ctx, recs...)
	}
	krecs := make([]*kgo.Record, len(recs))
	for i, rec := range recs {
		key, value, err := Encode(rec)
		if err != nil {
			return err
		}
		krecs[i] = &kgo.Record{Key: []byte(key), Value: value, Partition: 0}
	}
	if err := s.leader.send(ctx, krecs); err != nil {
		return err
	}
	return s.log.ReadToEnd(ctx)
}

func (s *Store) write(ctx context.Context, recs ...Record) error {
	for _, rec := range recs {
		key, value, err := Encode(rec)
		if err != nil {
			return err
		}
		if err := s.log.Send(ctx, []byte(key), value); err != nil {
			return err
		}
	}
	return s.log.ReadToEnd(ctx)
}

// PutConnectorConfig creates or updates a connector. A target state, when
// given, is written first, so a connector created STOPPED or PAUSED never
// starts (KIP-980).
func (s *Store) PutConnectorConfig(ctx context.Context, name string, props map[string]string, initial *TargetState) error {
	var recs []Record
	if initial != nil {
		recs = append(recs, ConnectorTargetState{Connector: name, State: *initial})
	}
	recs = append(recs, ConnectorConfig{Connector: name, Properties: PropsOf(props)})
	return s.writeAsLeader(ctx, recs...)
}

// RemoveConnector deletes a connector and its target state.
func (s *Store) RemoveConnector(ctx context.Context, name string) error {
	return s.writeAsLeader(ctx, ConnectorTombstone{Connector: name}, TargetStateTombstone{Connector: name})
}

// PutTaskConfigs publishes a connector's task configs: the task records,
// then, once they are read back, the commit that makes them visible
// (connect-spec §3.4). No configs writes only the commit (used by stop).
func (s *Store) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if err := s.log.ReadToEnd(ctx); err != nil {
		return err
	}
	var tasks []Record
	for i, c := range configs {
		tasks = append(tasks, TaskConfig{ID: TaskID{Connector: name, Task: int32(i)}, Properties: PropsOf(c)})
	}
	if len(tasks) > 0 {
		if err := s.writeAsLeader(ctx, tasks...); err != nil {
			return fmt.Errorf("task configs of %s: %w", name, err)
		}
	}
	return s.writeAsLeader(ctx, Commit{Connector: name, Tasks: int32(len(configs))})
}

// PutTaskCountRecord records that the connector's earlier task generations
// were fenced and taskCount tasks now run (KIP-618).
func (s *Store) PutTaskCountRecord(ctx context.Context, name string, taskCount int32) error {
	return s.writeAsLeader(ctx, TaskCountRecord{Connector: name, TaskCount: taskCount})
}

// PutTargetState records STARTED, PAUSED or STOPPED for a connector.
func (s *Store) PutTargetState(ctx context.Context, name string, state TargetState) error {
	return s.write(ctx, ConnectorTargetState{Connector: name, State: state})
}

// PutSessionKey publishes a new inter-worker signing key.
func (s *Store) PutSessionKey(ctx context.Context, key SessionKey) error {
	return s.writeAsLeader(ctx, key)
}

// PutRestartRequest asks the workers to restart a connector's parts.
func (s *Store) PutRestartRequest(ctx context.Context, r RestartRequest) error {
	return s.writeAsLeader(ctx, r)
}

// PutLoggerLevel sets a logger namespace's level on every worker.
func (s *Store) PutLoggerLevel(ctx context.Context, l LoggerLevel) error {
	return s.write(ctx, l)
}
