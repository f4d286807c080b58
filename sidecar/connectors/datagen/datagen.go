// Package datagen is a source connector that makes up records, for demos
// and benchmarks: a steady rate (or as fast as the worker takes them),
// payloads of a chosen size, keys cycling over a chosen number of values,
// and values with a Connect schema (a struct) or without (a map).
//
// What a task generates is a pure function of its settings, its task
// number and its sequence number, so runs are reproducible. Each task keeps
// its own source partition {"task": i} with offset {"seq": N}, the number
// of records it has made so far; a restart carries on at N. Record ids are
// seq × tasks + task, so they stay unique only while the number of tasks
// stays the same.
//
// Generation allocates per batch where it can; what remains per record is
// boxing the id, seq and payload into the value and the source offset map
// the SPI asks for, about 1 µs per record with the garbage collector's
// share (see BenchmarkPoll).
package datagen

import (
	"context"
	"maps"
	"strconv"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Class is the connector's class name; the registry also resolves
// "DatagenConnector" and "Datagen".
const Class = "io.connectsidecar.connect.datagen.DatagenConnector"

// Setting names.
const (
	TopicConfig          = "topic"
	RateConfig           = "rate"
	RecordSizeConfig     = "record.size"
	KeyCardinalityConfig = "key.cardinality"
	SchemasConfig        = "schemas"
	MaxRecordsConfig     = "max.records"
	BatchSizeConfig      = "batch.size"

	// Set in each task's configuration by TaskConfigs.
	taskIndexConfig = "datagen.task.index"
	taskCountConfig = "datagen.task.count"
)

// Partition and offset fields.
const (
	TaskField = "task" // partition: {"task": <task number>}
	SeqField  = "seq"  // offset: {"seq": <records made so far>}
)

// maxRecordSize bounds record.size, so a typo cannot ask for gigabytes.
const maxRecordSize = 64 << 20

var configDef = configdef.Def{
	configdef.Required(TopicConfig, plugin.TypeString, plugin.High,
		"Topic the generated records are written to.").Checked(configdef.NonEmptyString),
	configdef.Optional(RateConfig, plugin.TypeDouble, "10", plugin.High,
		"Records per second for the whole connector, shared evenly among its tasks; fractions are allowed. 0 generates as fast as the worker takes records.").
		Checked(configdef.FiniteAtLeast(0)),
	configdef.Optional(RecordSizeConfig, plugin.TypeInt, "100", plugin.Medium,
		"Length in bytes of each record's payload field (ASCII text). The record on the wire is somewhat larger: it also carries the id, task and seq fields and, with schemas, whatever the converter adds.").
		Checked(configdef.Between(0, maxRecordSize)),
	configdef.Optional(KeyCardinalityConfig, plugin.TypeLong, "0", plugin.Medium,
		"Number of distinct keys: record ids cycle over the keys key-0 .. key-(N-1). 0 leaves records without a key.").
		Checked(configdef.AtLeast(0)),
	configdef.Optional(SchemasConfig, plugin.TypeBoolean, "true", plugin.Medium,
		"true: values are structs with a Connect schema (and keys, if any, have a string schema). false: values are maps with no schema, as schemaless JSON would give."),
	configdef.Optional(MaxRecordsConfig, plugin.TypeLong, "0", plugin.Medium,
		"Total number of records the connector makes, shared among its tasks, counted across restarts; after that the tasks stay idle. 0 means no limit.").
		Checked(configdef.AtLeast(0)),
	configdef.Optional(BatchSizeConfig, plugin.TypeInt, "1000", plugin.Low,
		"Most records one poll of a task returns.").Checked(configdef.AtLeast(1)),
}

// config is a parsed datagen configuration.
type config struct {
	topic       string
	rate        float64 // records/s for the connector; 0 unlimited
	recordSize  int
	cardinality int64
	schemas     bool
	maxRecords  int64
	batchSize   int
}

func parseConfig(props map[string]string) (config, error) {
	v, err := configDef.Parse(props)
	if err != nil {
		return config{}, err
	}
	return config{
		topic:       v.String(TopicConfig),
		rate:        v.Double(RateConfig),
		recordSize:  int(v.Int(RecordSizeConfig)),
		cardinality: v.Long(KeyCardinalityConfig),
		schemas:     v.Bool(SchemasConfig),
		maxRecords:  v.Long(MaxRecordsConfig),
		batchSize:   int(v.Int(BatchSizeConfig)),
	}, nil
}

// Plugins lists the datagen connector.
func Plugins() []plugin.Plugin {
	return []plugin.Plugin{{Class: Class, Kind: plugin.KindSource, Version: buildinfo.Version,
		New: func() any { return &Connector{} }}}
}

// Connector splits generation among tasks.
type Connector struct {
	props map[string]string
}

var _ plugin.SourceConnector = (*Connector)(nil)

// Version implements plugin.Connector.
func (c *Connector) Version() string { return buildinfo.Version }

// Config implements plugin.Connector.
func (c *Connector) Config() plugin.ConfigDef { return configDef.ConfigDef() }

// Start checks the configuration.
func (c *Connector) Start(_ context.Context, props map[string]string) error {
	if _, err := parseConfig(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs gives maxTasks tasks the connector's settings plus their
// number; each makes its share of rate and max.records.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	maxTasks = max(1, maxTasks)
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = maps.Clone(c.props)
		out[i][taskIndexConfig] = strconv.Itoa(i)
		out[i][taskCountConfig] = strconv.Itoa(maxTasks)
	}
	return out, nil
}

// Stop implements plugin.Connector.
func (c *Connector) Stop() error { return nil }

// ExactlyOnceSupport implements plugin.ExactlyOnceSupporter: a record's
// source offset is its sequence number, and the same number always makes
// the same record, so a task resuming from a committed offset repeats and
// skips nothing.
func (c *Connector) ExactlyOnceSupport(map[string]string) (bool, error) { return true, nil }

// NewTask implements plugin.SourceConnector.
func (c *Connector) NewTask() plugin.SourceTask { return newTask() }
