package plugin

import (
	"context"
	"time"
)

// Converter turns record keys or values into bytes and back, as Connect's
// Converter does (JsonConverter, StringConverter, ByteArrayConverter).
type Converter interface {
	// Configure receives the converter's settings (prefix removed) and
	// whether it converts keys.
	Configure(props map[string]string, isKey bool) error
	FromConnectData(topic string, schema *Schema, value any) ([]byte, error)
	ToConnectData(topic string, data []byte) (*Schema, any, error)
}

// HeaderConverter turns header values into bytes and back.
type HeaderConverter interface {
	Configure(props map[string]string) error
	FromConnectHeader(topic, key string, schema *Schema, value any) ([]byte, error)
	ToConnectHeader(topic, key string, data []byte) (*Schema, any, error)
}

// Transformation is a single message transform. Apply returns keep=false
// to drop the record (Java returns null).
type Transformation interface {
	Config() ConfigDef
	Configure(props map[string]string) error
	Apply(r Record) (out Record, keep bool, err error)
}

// Predicate decides whether a transform applies to a record.
type Predicate interface {
	Config() ConfigDef
	Configure(props map[string]string) error
	Test(r Record) (bool, error)
}

// Connector is the part of a plugin that runs once per connector: it checks
// the configuration and splits the work into task configurations.
type Connector interface {
	Version() string
	Config() ConfigDef
	// Start receives the connector's configuration. It runs while the
	// connector is assigned to this worker; ctx ends when it is stopped.
	Start(ctx context.Context, props map[string]string) error
	// TaskConfigs splits the work into at most maxTasks task configurations.
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	Stop() error
}

// OffsetReader gives a source task the offsets committed for its partitions.
type OffsetReader interface {
	Offset(ctx context.Context, partition map[string]any) (map[string]any, error)
}

// SourceConnector is a connector whose tasks produce records into Kafka.
type SourceConnector interface {
	Connector
	NewTask() SourceTask
}

// SourceTask reads from an external system.
type SourceTask interface {
	Start(ctx context.Context, props map[string]string, offsets OffsetReader) error
	// Poll returns the next records, or none after waiting a little; it
	// returns when ctx ends.
	Poll(ctx context.Context) ([]Record, error)
	Stop() error
}

// TopicPartition names a Kafka partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// SinkConnector is a connector whose tasks consume records from Kafka.
type SinkConnector interface {
	Connector
	NewTask() SinkTask
}

// SinkTask writes records to an external system.
type SinkTask interface {
	Start(ctx context.Context, props map[string]string) error
	// Open and Close tell the task which partitions it now owns.
	Open(ctx context.Context, partitions []TopicPartition) error
	Close(ctx context.Context, partitions []TopicPartition) error
	// Put hands over records; the task may buffer them until Flush.
	Put(ctx context.Context, records []Record) error
	// Flush makes everything put so far durable and returns the offsets
	// (next offset to read) that may be committed, per partition.
	Flush(ctx context.Context, offsets map[TopicPartition]int64) (map[TopicPartition]int64, error)
	Stop() error
}

// SinkTaskContext is what the runtime offers a running sink task, as
// Java's SinkTaskContext does.
type SinkTaskContext interface {
	// Report hands over a record the task could not write, as Java's
	// ErrantRecordReporter (KIP-610) does. It returns once the record is
	// handled as the connector's errors.* settings say: logged, counted,
	// written to the dead letter queue if one is configured (with the key,
	// value and headers it was read with), and then nil under
	// errors.tolerance=all, or an error under none, which the task should
	// return so that it fails. The record must be one the runtime put.
	// Report is safe for concurrent use.
	Report(ctx context.Context, r Record, err error) error
}

// ContextSinkTask is a sink task that wants its SinkTaskContext: the
// runtime calls Initialize once, before Start.
type ContextSinkTask interface {
	SinkTask
	Initialize(SinkTaskContext)
}

// DeadLetterError is an error that brings headers of its own for the
// record's dead letter queue copy, such as the HTTP status an app
// answered. They are written whatever
// errors.deadletterqueue.context.headers.enable says; each Value must be
// a string.
type DeadLetterError interface {
	error
	DeadLetterHeaders() []Header
}

// RecordMetadata is where Kafka stored a source record, as Java's
// RecordMetadata tells it.
type RecordMetadata struct {
	Topic     string
	Partition int32
	Offset    int64
	// Timestamp is the record's timestamp as produced: the one the task
	// gave it, else the time it was produced. (Java reports the broker's
	// time instead for topics with message.timestamp.type=LogAppendTime.)
	Timestamp time.Time
}

// CommittingSourceTask is a source task that wants to know when its
// offsets are committed, as Java's SourceTask.commit: the runtime calls
// Commit after each successful flush of the task's offsets to the offsets
// topic, the last one as the task stops included, before Stop. It is also
// called when there was nothing new to flush, as in Java, but not when a
// flush fails. Commit is called from the runtime's offset committer, at
// the same time as Poll may run. An error is logged and changes nothing
// else.
type CommittingSourceTask interface {
	SourceTask
	Commit(ctx context.Context) error
}

// RecordCommittingSourceTask is a source task that wants to hear about each
// of its records once the runtime is done with it, as Java's
// SourceTask.commitRecord: the runtime calls CommitRecord once per polled
// record, with the record as Poll returned it (before transforms), when
// Kafka acknowledged it, with meta saying where it went, or when it was
// dropped by a transform or skipped under errors.tolerance=all, with a
// zero meta (Topic empty), where Java passes null. A record's call comes
// before the Commit that covers its offset. Records not yet acknowledged
// when the task stops or fails get no call.
//
// Calls come from the producer's goroutines and from the task's own, at
// the same time as Poll may run, but never two at once; within a Kafka
// partition they come in the order Kafka acknowledged the records.
// CommitRecord should return quickly: the producer waits for it. An error
// is logged and changes nothing else.
type RecordCommittingSourceTask interface {
	SourceTask
	CommitRecord(ctx context.Context, r Record, meta RecordMetadata) error
}
