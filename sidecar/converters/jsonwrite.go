package converters

import (
	"encoding/base64"
	"slices"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// jsonWriter writes Connect values and schemas as JsonConverter does
// (convertToJson and asJsonSchema), with Jackson's compact output.
type jsonWriter struct {
	buf         []byte
	numeric     bool // decimal.format=NUMERIC
	replaceNull bool
	depth       int
}

var errWriteDepth = dataErr("JSON nesting deeper than 1000 levels, Jackson's limit")

func (w *jsonWriter) open(c byte) error {
	if w.depth++; w.depth > maxDepth {
		return errWriteDepth
	}
	w.buf = append(w.buf, c)
	return nil
}

func (w *jsonWriter) close(c byte) {
	w.depth--
	w.buf = append(w.buf, c)
}

func (w *jsonWriter) raw(s string) { w.buf = append(w.buf, s...) }

// schema writes s in JsonConverter's schema JSON: type, then items, keys and
// values, or fields, then optional, name, version, doc, parameters, default.
func (w *jsonWriter) schema(s *plugin.Schema) error {
	if s == nil {
		w.raw("null")
		return nil
	}
	if err := w.schemaBody(s); err != nil {
		return err
	}
	w.close('}')
	return nil
}

// schemaBody writes everything but the closing brace, so that a struct field
// can add its name last.
func (w *jsonWriter) schemaBody(s *plugin.Schema) error {
	if err := w.open('{'); err != nil {
		return err
	}
	w.raw(`"type":`)
	w.buf = javajson.AppendString(w.buf, string(s.Type))
	if err := w.schemaChildren(s); err != nil {
		return err
	}
	w.raw(`,"optional":`)
	w.buf = strconv.AppendBool(w.buf, s.Optional)
	if s.Name != "" {
		w.raw(`,"name":`)
		w.buf = javajson.AppendString(w.buf, s.Name)
	}
	if s.Version != nil {
		w.raw(`,"version":`)
		w.buf = strconv.AppendInt(w.buf, int64(*s.Version), 10)
	}
	if s.Doc != "" {
		w.raw(`,"doc":`)
		w.buf = javajson.AppendString(w.buf, s.Doc)
	}
	if s.Parameters != nil {
		w.parameters(s.Parameters)
	}
	if s.HasDefault && s.Default != nil {
		w.raw(`,"default":`)
		if err := w.value(s, s.Default); err != nil {
			return &DataError{Msg: "invalid default value in schema", Err: err}
		}
	}
	return nil
}

func (w *jsonWriter) schemaChildren(s *plugin.Schema) error {
	switch s.Type {
	case plugin.Boolean, plugin.Int8, plugin.Int16, plugin.Int32, plugin.Int64,
		plugin.Float32, plugin.Float64, plugin.Bytes, plugin.String:
		return nil
	case plugin.Array:
		w.raw(`,"items":`)
		return w.schema(s.Value)
	case plugin.Map:
		w.raw(`,"keys":`)
		if err := w.schema(s.Key); err != nil {
			return err
		}
		w.raw(`,"values":`)
		return w.schema(s.Value)
	case plugin.Struct:
		return w.fields(s.Fields)
	}
	return dataErr("unknown schema type %q", s.Type)
}

func (w *jsonWriter) fields(fields []plugin.Field) error {
	w.raw(`,"fields":`)
	if err := w.open('['); err != nil {
		return err
	}
	for i, f := range fields {
		if i > 0 {
			w.raw(",")
		}
		if f.Schema == nil {
			return atField(dataErr("field has no schema"), f.Name)
		}
		if err := w.schemaBody(f.Schema); err != nil {
			return atField(err, f.Name)
		}
		w.raw(`,"field":`)
		w.buf = javajson.AppendString(w.buf, f.Name)
		w.close('}')
	}
	w.close(']')
	return nil
}

// parameters writes a schema's parameters. Java keeps them in insertion
// order, which a Go map does not record; the Decimal scale, always set first
// by Decimal.builder, comes first and the rest follow in key order.
func (w *jsonWriter) parameters(p map[string]string) {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != plugin.DecimalScale {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := p[plugin.DecimalScale]; ok {
		keys = append([]string{plugin.DecimalScale}, keys...)
	}
	w.raw(`,"parameters":{`)
	for i, k := range keys {
		if i > 0 {
			w.raw(",")
		}
		w.buf = javajson.AppendString(w.buf, k)
		w.raw(":")
		w.buf = javajson.AppendString(w.buf, p[k])
	}
	w.raw("}")
}

// value writes v with schema s, or as a schemaless value when s is nil.
func (w *jsonWriter) value(s *plugin.Schema, v any) error {
	if v == nil {
		return w.null(s)
	}
	if s == nil {
		return w.schemaless(v)
	}
	switch s.Name {
	case plugin.DecimalName:
		return w.decimal(s, v)
	case plugin.DateName, plugin.TimeName, plugin.TimestampName:
		return w.temporal(s, v)
	}
	switch s.Type {
	case plugin.Array:
		l, ok := v.([]any)
		if !ok {
			return invalidType(s, v)
		}
		return w.list(s.Value, l)
	case plugin.Map:
		m, ok := v.(*plugin.MapValue)
		if !ok {
			return invalidType(s, v)
		}
		return w.mapValue(s, m)
	case plugin.Struct:
		return w.structValue(s, v)
	}
	if plugin.TypeOf(v) != s.Type {
		return invalidType(s, v)
	}
	w.scalar(v)
	return nil
}

func (w *jsonWriter) null(s *plugin.Schema) error {
	switch {
	case s == nil:
		w.raw("null")
		return nil
	case s.HasDefault && s.Default != nil && w.replaceNull:
		return w.value(s, s.Default)
	case s.Optional:
		w.raw("null")
		return nil
	}
	return dataErr("Conversion error: null value for field that is required and has no default value")
}

func invalidType(s *plugin.Schema, v any) error {
	return dataErr("Invalid type for %s: %T", s.Type.JavaName(), v)
}

// scalar writes a value of a primitive schema type.
func (w *jsonWriter) scalar(v any) {
	switch x := v.(type) {
	case int8:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int16:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int32:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int64:
		w.buf = strconv.AppendInt(w.buf, x, 10)
	case float32:
		w.buf = javajson.AppendFloat32(w.buf, x)
	case float64:
		w.buf = javajson.AppendFloat64(w.buf, x)
	case bool:
		w.buf = strconv.AppendBool(w.buf, x)
	case string:
		w.buf = javajson.AppendString(w.buf, x)
	case []byte:
		w.buf = append(w.buf, '"')
		w.buf = base64.StdEncoding.AppendEncode(w.buf, x)
		w.buf = append(w.buf, '"')
	}
}

// schemaless writes a value by its Go type, as Java does for a null schema.
func (w *jsonWriter) schemaless(v any) error {
	switch x := v.(type) {
	case []any:
		return w.list(nil, x)
	case *plugin.MapValue:
		return w.mapValue(nil, x)
	case *plugin.StructValue:
		return dataErr("Mismatching schema: a struct cannot be written without its schema")
	case plugin.Decimal, time.Time:
		return dataErr("%T has no schema type; it needs a schema naming its logical type", v)
	}
	if plugin.TypeOf(v) == "" {
		return dataErr("%T is not a Connect value", v)
	}
	w.scalar(v)
	return nil
}

func (w *jsonWriter) list(elem *plugin.Schema, l []any) error {
	if err := w.open('['); err != nil {
		return err
	}
	for i, e := range l {
		if i > 0 {
			w.raw(",")
		}
		if err := w.value(elem, e); err != nil {
			return atIndex(err, i)
		}
	}
	w.close(']')
	return nil
}

// mapValue writes a map as an object when its keys are strings (by schema,
// or all of them when schemaless), else as an array of [key, value] pairs.
func (w *jsonWriter) mapValue(s *plugin.Schema, m *plugin.MapValue) error {
	var ks, vs *plugin.Schema
	if s != nil {
		if s.Key == nil || s.Value == nil {
			return dataErr("map schema without key or value schema")
		}
		ks, vs = s.Key, s.Value
	}
	object := s != nil && ks.Type == plugin.String || s == nil && stringKeys(m)
	open, end := byte('['), byte(']')
	if object {
		open, end = '{', '}'
	}
	if err := w.open(open); err != nil {
		return err
	}
	for i, e := range m.Entries {
		if i > 0 {
			w.raw(",")
		}
		var err error
		if object {
			err = w.member(ks, vs, e)
		} else {
			err = w.pair(ks, vs, e)
		}
		if err != nil {
			return atKey(err, e.Key)
		}
	}
	w.close(end)
	return nil
}

func stringKeys(m *plugin.MapValue) bool {
	for _, e := range m.Entries {
		if _, ok := e.Key.(string); !ok {
			return false
		}
	}
	return true
}

// member writes one entry of a map written as an object. Java turns the key
// into JSON first and uses its text, so a null key of an optional string
// schema becomes "null".
func (w *jsonWriter) member(ks, vs *plugin.Schema, e plugin.MapEntry) error {
	key, ok := e.Key.(string)
	switch {
	case ok:
	case e.Key != nil:
		return invalidType(ks, e.Key)
	case ks.HasDefault && ks.Default != nil && w.replaceNull:
		if key, ok = ks.Default.(string); !ok {
			return invalidType(ks, ks.Default)
		}
	case ks.Optional:
		key = "null"
	default:
		return w.null(ks)
	}
	w.buf = javajson.AppendString(w.buf, key)
	w.raw(":")
	return w.value(vs, e.Value)
}

func (w *jsonWriter) pair(ks, vs *plugin.Schema, e plugin.MapEntry) error {
	if err := w.open('['); err != nil {
		return err
	}
	if err := w.value(ks, e.Key); err != nil {
		return err
	}
	w.raw(",")
	if err := w.value(vs, e.Value); err != nil {
		return err
	}
	w.close(']')
	return nil
}

func (w *jsonWriter) structValue(s *plugin.Schema, v any) error {
	sv, ok := v.(*plugin.StructValue)
	if !ok {
		return invalidType(s, v)
	}
	if !sv.Schema.Equal(s) {
		return dataErr("Mismatching schema: the struct's own schema differs from the schema it is written with")
	}
	if len(sv.Values) != len(s.Fields) {
		return dataErr("struct has %d values for %d fields", len(sv.Values), len(s.Fields))
	}
	if err := w.open('{'); err != nil {
		return err
	}
	for i, f := range s.Fields {
		if i > 0 {
			w.raw(",")
		}
		w.buf = javajson.AppendString(w.buf, f.Name)
		w.raw(":")
		if err := w.value(f.Schema, sv.Values[i]); err != nil {
			return atField(err, f.Name)
		}
	}
	w.close('}')
	return nil
}

func (w *jsonWriter) decimal(s *plugin.Schema, v any) error {
	d, ok := v.(plugin.Decimal)
	if !ok || d.Unscaled == nil {
		return dataErr("Invalid type for Decimal, expected plugin.Decimal but was %T", v)
	}
	if w.numeric {
		w.buf = javatext.AppendBigDecimal(w.buf, d.Unscaled, d.Scale)
		return nil
	}
	scale, err := decimalScale(s)
	if err != nil {
		return err
	}
	if d.Scale != scale {
		return dataErr("Decimal value has mismatching scale for given Decimal schema. Schema has scale %d, value has scale %d.", scale, d.Scale)
	}
	w.raw(`"`)
	w.buf = base64.StdEncoding.AppendEncode(w.buf, twosComplement(d.Unscaled))
	w.raw(`"`)
	return nil
}

func (w *jsonWriter) temporal(s *plugin.Schema, v any) error {
	t, ok := v.(time.Time)
	kind := s.Name[len("org.apache.kafka.connect.data."):]
	if !ok {
		return dataErr("Invalid type for %s, expected time.Time but was %T", kind, v)
	}
	ms := t.UnixMilli()
	switch s.Name {
	case plugin.DateName:
		if floorMod(ms, msPerDay) != 0 {
			return dataErr("Kafka Connect Date type should not have any time fields set to non-zero values.")
		}
		ms = int64(int32(ms / msPerDay))
	case plugin.TimeName:
		if ms < 0 || ms > msPerDay {
			return dataErr("Kafka Connect Time type should not have any date fields set to non-zero values.")
		}
	}
	w.buf = strconv.AppendInt(w.buf, ms, 10)
	return nil
}
