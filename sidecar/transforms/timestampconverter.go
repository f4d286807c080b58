package transforms

import (
	"fmt"
	"math"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const timestampConverterPurpose = "converting timestamp formats"

// The timestamp representations, as target.type names them.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

var timestampConverterSettings = configdef.Def{
	configdef.Optional("field", plugin.TypeString, "", plugin.High, "The field holding the timestamp; empty when the whole key or value is one."),
	configdef.Required("target.type", plugin.TypeString, plugin.High, "What to convert to: string, unix, Date, Time or Timestamp.").
		Checked(configdef.In(tsString, tsUnix, tsDate, tsTime, tsTimestamp)),
	configdef.Optional("format", plugin.TypeString, "", plugin.Medium,
		"A java.text.SimpleDateFormat pattern, to write strings (target.type=string) and to read string input."),
	configdef.Optional("unix.precision", plugin.TypeString, "milliseconds", plugin.Low,
		"The unit of Unix times, read and written: seconds, milliseconds, microseconds or nanoseconds. "+
			"Timestamps only keep milliseconds, so finer units lose precision.").
		Checked(configdef.In("nanoseconds", "microseconds", "milliseconds", "seconds")),
	replaceNullWithDefault(),
}

// TimestampConverter converts a timestamp field, or the whole key or
// value, between Unix times, formatted strings and Connect's Date, Time
// and Timestamp (org.apache.kafka.connect.transforms.
// TimestampConverter$Key and $Value).
type TimestampConverter struct {
	side                   side
	field                  string
	target                 string
	format                 *dateFormat // nil when no format is set
	precision              string
	replaceNullWithDefault bool
}

func (t *TimestampConverter) Config() plugin.ConfigDef { return timestampConverterSettings.ConfigDef() }

func (t *TimestampConverter) Configure(props map[string]string) error {
	v, err := timestampConverterSettings.Parse(props)
	if err != nil {
		return err
	}
	t.field, t.target, t.precision = v.String("field"), v.String("target.type"), v.String("unix.precision")
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	pattern := v.String("format")
	t.format = nil
	if t.target == tsString && isBlank(pattern) {
		return configdef.Exception("format", "TimestampConverter requires format option to be specified when using string timestamps")
	}
	if !isBlank(pattern) {
		if t.format, err = newDateFormat(pattern, time.UTC); err != nil {
			// Java's ConfigException(message, cause) prints as below.
			return configdef.Exception("format", fmt.Sprintf("Invalid value java.lang.IllegalArgumentException: %v for configuration "+
				"TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: %s", err, pattern))
		}
	}
	return nil
}

func (t *TimestampConverter) Apply(r plugin.Record) (plugin.Record, bool, error) {
	if t.side.schema(r) == nil {
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

func (t *TimestampConverter) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	raw := t.side.value(r)
	if raw == nil || t.field == "" {
		v, err := t.convert(raw, "")
		if err != nil {
			return r, false, err
		}
		return t.side.with(r, nil, v), true, nil
	}
	m, err := requireMap(raw, timestampConverterPurpose)
	if err != nil {
		return r, false, err
	}
	v, err := t.convert(mapGet(m, t.field), "")
	if err != nil {
		return r, false, err
	}
	out := copyMap(m)
	out.Put(t.field, v)
	return t.side.with(r, nil, out), true, nil
}

func (t *TimestampConverter) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	schema := t.side.schema(r)
	if t.field == "" {
		from, err := timestampKind(schema)
		if err != nil {
			return r, false, err
		}
		v, err := t.convert(t.side.value(r), from)
		if err != nil {
			return r, false, err
		}
		return t.side.with(r, t.targetSchema(schema.Optional), v), true, nil
	}
	st, err := requireStructOrNull(t.side.value(r), timestampConverterPurpose)
	if err != nil {
		return r, false, err
	}
	updated, err := t.updatedSchema(schema)
	if err != nil {
		return r, false, err
	}
	out, err := t.convertStruct(st, updated)
	if err != nil {
		return r, false, err
	}
	if out == nil {
		// A nil *StructValue would make a non-nil value.
		return t.side.with(r, updated, nil), true, nil
	}
	return t.side.with(r, updated, out), true, nil
}

func (t *TimestampConverter) updatedSchema(s *plugin.Schema) (*plugin.Schema, error) {
	out := structLike(s, len(s.Fields))
	for _, f := range s.Fields {
		fs := f.Schema
		if f.Name == t.field {
			fs = t.targetSchema(f.Schema.Optional)
		}
		if err := addField(out, f.Name, fs); err != nil {
			return nil, err
		}
	}
	out.Optional = s.Optional
	if d, ok := s.DefaultValue().(*plugin.StructValue); ok {
		def, err := t.convertStruct(d, out)
		if err != nil {
			return nil, err
		}
		if err := setDefault(out, def); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// convertStruct copies a struct into the updated schema, converting the
// field; nil stays nil.
func (t *TimestampConverter) convertStruct(st *plugin.StructValue, updated *plugin.Schema) (*plugin.StructValue, error) {
	if st == nil {
		return nil, nil
	}
	out := plugin.NewStruct(updated)
	for i := range st.Schema.Fields {
		f := &st.Schema.Fields[i]
		v := fieldValue(st, f, t.replaceNullWithDefault)
		if f.Name == t.field {
			from, err := timestampKind(f.Schema)
			if err != nil {
				return nil, err
			}
			if v, err = t.convert(v, from); err != nil {
				return nil, err
			}
		}
		if err := putByName(out, f.Name, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *TimestampConverter) targetSchema(optional bool) *plugin.Schema {
	switch t.target {
	case tsString:
		return primitive(plugin.String, optional)
	case tsUnix:
		return primitive(plugin.Int64, optional)
	case tsDate:
		return plugin.DateSchema(optional)
	case tsTime:
		return plugin.TimeSchema(optional)
	}
	return plugin.TimestampSchema(optional)
}

// timestampKind is timestampTypeFromSchema: which representation a schema
// holds.
func timestampKind(s *plugin.Schema) (string, error) {
	switch {
	case s.Name == plugin.TimestampName:
		return tsTimestamp, nil
	case s.Name == plugin.DateName:
		return tsDate, nil
	case s.Name == plugin.TimeName:
		return tsTime, nil
	case s.Type == plugin.String:
		return tsString, nil
	case s.Type == plugin.Int64:
		return tsUnix, nil
	}
	return "", dataErr("Schema %s does not correspond to a known timestamp type format", schemaString(s))
}

// convert reads v as the from representation ("" to infer it from the
// value) and writes it as the target one.
func (t *TimestampConverter) convert(v any, from string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if from == "" {
		switch v.(type) {
		case time.Time:
			from = tsTimestamp
		case int64:
			from = tsUnix
		case string:
			from = tsString
		default:
			return nil, dataErr("TimestampConverter does not support %s objects as timestamps", javaClass(v))
		}
	}
	raw, err := t.toRaw(v, from)
	if err != nil {
		return nil, err
	}
	return t.toTarget(raw), nil
}

// toRaw reads a value as an instant (Java's java.util.Date).
func (t *TimestampConverter) toRaw(v any, from string) (time.Time, error) {
	switch from {
	case tsString:
		s, ok := v.(string)
		if !ok {
			return time.Time{}, dataErr("Expected string timestamp to be a String, but found %s", javaClass(v))
		}
		if t.format == nil {
			return time.Time{}, dataErr(`Cannot invoke "java.text.SimpleDateFormat.parse(String)" because "config.format" is null`)
		}
		parsed, err := t.format.parse(s)
		if err != nil {
			return time.Time{}, dataErr("Could not parse timestamp: value (%s) does not match pattern (%s)", s, t.format.pattern)
		}
		return parsed, nil
	case tsUnix:
		n, ok := v.(int64)
		if !ok {
			return time.Time{}, dataErr("Expected Unix timestamp to be a Long, but found %s", javaClass(v))
		}
		return time.UnixMilli(unixToMillis(n, t.precision)).UTC(), nil
	}
	d, ok := v.(time.Time)
	if !ok {
		return time.Time{}, dataErr("Expected %s to be a java.util.Date, but found %s", from, javaClass(v))
	}
	return d, nil
}

// toTarget writes an instant in the target representation.
func (t *TimestampConverter) toTarget(d time.Time) any {
	d = d.UTC()
	switch t.target {
	case tsString:
		return t.format.format(d)
	case tsUnix:
		return millisToUnix(d.UnixMilli(), t.precision)
	case tsDate:
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	case tsTime:
		return time.UnixMilli(d.UnixMilli() - time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).UnixMilli()).UTC()
	}
	return d
}

// unixToMillis and millisToUnix are Java's TimeUnit conversions: to a
// coarser unit they truncate towards zero, to a finer one they saturate.
func unixToMillis(n int64, precision string) int64 {
	switch precision {
	case "seconds":
		return saturatingMul(n, 1000)
	case "microseconds":
		return n / 1000
	case "nanoseconds":
		return n / 1000000
	}
	return n
}

func millisToUnix(ms int64, precision string) int64 {
	switch precision {
	case "seconds":
		return ms / 1000
	case "microseconds":
		return saturatingMul(ms, 1000)
	case "nanoseconds":
		return saturatingMul(ms, 1000000)
	}
	return ms
}

func saturatingMul(n, by int64) int64 {
	switch limit := int64(math.MaxInt64) / by; {
	case n > limit:
		return math.MaxInt64
	case n < -limit:
		return math.MinInt64
	}
	return n * by
}
