package plugin

import "context"

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
