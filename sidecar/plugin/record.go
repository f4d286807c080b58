package plugin

import "time"

// NoPartition leaves the partition of a source record to the partitioner.
const NoPartition int32 = -1

// Header is one record header.
type Header struct {
	Key    string
	Schema *Schema
	Value  any
}

// Record is a record on its way through a task: produced by a source task,
// or consumed for a sink task. Transforms take and return Records; a
// transform that changes a record returns a new one and leaves the input
// as it was.
type Record struct {
	Topic       string
	Partition   int32 // NoPartition when the producer chooses
	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any
	Timestamp   time.Time // zero when the record has none
	Headers     []Header

	// Source records: where the record came from, as the connector names
	// it; stored in the offsets topic once the record is acknowledged.
	SourcePartition map[string]any
	SourceOffset    map[string]any

	// Sink records: the Kafka offset the record was read at, and the
	// record as it was read, which the runtime keeps for the dead letter
	// queue. Transforms and tasks leave Consumed as it is.
	Offset   int64
	Consumed any
}

// WithHeaders returns a copy of r whose header slice can be changed
// without touching r's.
func (r Record) WithHeaders(h []Header) Record {
	r.Headers = h
	return r
}
