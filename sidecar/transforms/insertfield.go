package transforms

import (
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const insertFieldPurpose = "field insertion"

var insertFieldSettings = func() configdef.Def {
	optionality := " Ends in ! for a required field, ? (the default) for an optional one."
	return configdef.Def{
		configdef.Nullable("topic.field", plugin.TypeString, plugin.Medium, "Field to hold the record's topic."+optionality),
		configdef.Nullable("partition.field", plugin.TypeString, plugin.Medium, "Field to hold the record's partition."+optionality),
		configdef.Nullable("offset.field", plugin.TypeString, plugin.Medium, "Field to hold the record's Kafka offset; sink connectors only."+optionality),
		configdef.Nullable("timestamp.field", plugin.TypeString, plugin.Medium, "Field to hold the record's timestamp."+optionality),
		configdef.Nullable("static.field", plugin.TypeString, plugin.Medium, "Field to hold static.value."+optionality),
		configdef.Nullable("static.value", plugin.TypeString, plugin.Medium, "The value for static.field."),
		replaceNullWithDefault(),
	}
}()

// insertion is a field to insert: its name and whether its schema is
// optional.
type insertion struct {
	name     string
	optional bool
}

// parseInsertion reads Java's InsertionSpec: "name!" is required,
// "name?" and "name" optional; nil when the setting is not set.
func parseInsertion(v configdef.Values, key string) *insertion {
	if v.IsNull(key) {
		return nil
	}
	spec := v.String(key)
	if name, ok := strings.CutSuffix(spec, "?"); ok {
		return &insertion{name, true}
	}
	if name, ok := strings.CutSuffix(spec, "!"); ok {
		return &insertion{name, false}
	}
	return &insertion{spec, true}
}

// InsertField adds fields holding the record's topic, partition, offset,
// timestamp or a fixed text to a struct or map key or value
// (org.apache.kafka.connect.transforms.InsertField$Key and $Value).
type InsertField struct {
	side                                        side
	topic, partition, offset, timestamp, static *insertion
	staticValue                                 string
	replaceNullWithDefault                      bool
}

func (t *InsertField) Config() plugin.ConfigDef { return insertFieldSettings.ConfigDef() }

func (t *InsertField) Configure(props map[string]string) error {
	v, err := insertFieldSettings.Parse(props)
	if err != nil {
		return err
	}
	t.topic = parseInsertion(v, "topic.field")
	t.partition = parseInsertion(v, "partition.field")
	t.offset = parseInsertion(v, "offset.field")
	t.timestamp = parseInsertion(v, "timestamp.field")
	t.static = parseInsertion(v, "static.field")
	t.staticValue = v.String("static.value")
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	if t.topic == nil && t.partition == nil && t.offset == nil && t.timestamp == nil && t.static == nil {
		return configdef.Exception("", "No field insertion configured")
	}
	if t.static != nil && v.IsNull("static.value") {
		return configdef.Invalid("static.value", "null", "No value specified for static field: "+t.static.name)
	}
	return nil
}

func (t *InsertField) Apply(r plugin.Record) (plugin.Record, bool, error) {
	switch {
	case t.side.value(r) == nil:
		return r, true, nil
	case t.side.schema(r) == nil:
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

// insert calls put for each configured insertion that has a value, in
// Java's order; ts is how the timestamp is written.
func (t *InsertField) insert(r plugin.Record, ts func() any, put func(name string, v any) error) error {
	if t.topic != nil {
		if err := put(t.topic.name, r.Topic); err != nil {
			return err
		}
	}
	if t.partition != nil && r.Partition != plugin.NoPartition {
		if err := put(t.partition.name, r.Partition); err != nil {
			return err
		}
	}
	if t.offset != nil {
		if err := requireSinkRecord(r, insertFieldPurpose); err != nil {
			return err
		}
		if err := put(t.offset.name, r.Offset); err != nil {
			return err
		}
	}
	if t.timestamp != nil && !r.Timestamp.IsZero() {
		if err := put(t.timestamp.name, ts()); err != nil {
			return err
		}
	}
	if t.static != nil {
		return put(t.static.name, t.staticValue)
	}
	return nil
}

func (t *InsertField) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	m, err := requireMap(t.side.value(r), insertFieldPurpose)
	if err != nil {
		return r, false, err
	}
	out := copyMap(m)
	err = t.insert(r, func() any { return r.Timestamp.UnixMilli() }, func(name string, v any) error {
		out.Put(name, v)
		return nil
	})
	if err != nil {
		return r, false, err
	}
	return t.side.with(r, nil, out), true, nil
}

func (t *InsertField) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	st, err := requireStruct(t.side.value(r), insertFieldPurpose)
	if err != nil {
		return r, false, err
	}
	schema, err := t.updatedSchema(st.Schema)
	if err != nil {
		return r, false, err
	}
	out := plugin.NewStruct(schema)
	for i := range st.Schema.Fields {
		f := &st.Schema.Fields[i]
		if err := put(out, &schema.Fields[i], fieldValue(st, f, t.replaceNullWithDefault)); err != nil {
			return r, false, err
		}
	}
	err = t.insert(r, func() any { return javaDate(r.Timestamp) }, func(name string, v any) error {
		return putByName(out, name, v)
	})
	if err != nil {
		return r, false, err
	}
	return t.side.with(r, schema, out), true, nil
}

func (t *InsertField) updatedSchema(s *plugin.Schema) (*plugin.Schema, error) {
	out := structLike(s, len(s.Fields)+5)
	for _, f := range s.Fields {
		if err := addField(out, f.Name, f.Schema); err != nil {
			return nil, err
		}
	}
	added := []struct {
		ins    *insertion
		schema func(optional bool) *plugin.Schema
	}{
		{t.topic, func(o bool) *plugin.Schema { return primitive(plugin.String, o) }},
		{t.partition, func(o bool) *plugin.Schema { return primitive(plugin.Int32, o) }},
		{t.offset, func(o bool) *plugin.Schema { return primitive(plugin.Int64, o) }},
		{t.timestamp, plugin.TimestampSchema},
		{t.static, func(o bool) *plugin.Schema { return primitive(plugin.String, o) }},
	}
	for _, a := range added {
		if a.ins == nil {
			continue
		}
		if err := addField(out, a.ins.name, a.schema(a.ins.optional)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
