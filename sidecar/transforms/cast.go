package transforms

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const castPurpose = "cast types"

var castSettings = configdef.Def{
	configdef.Required("spec", plugin.TypeList, plugin.High,
		"What to cast: field:type pairs for fields of a struct or map, or a single type for the whole key or value. "+
			"Types: int8, int16, int32, int64, float32, float64, boolean, string; bytes can only become a string.").
		Checked(func(_ string, v any) error {
			_, _, err := parseCastSpec(v.([]string))
			return err
		}),
	replaceNullWithDefault(),
}

// Java's Schema.Type names, in declaration order.
var javaTypes = []plugin.Type{plugin.Int8, plugin.Int16, plugin.Int32, plugin.Int64, plugin.Float32, plugin.Float64,
	plugin.Boolean, plugin.String, plugin.Bytes, plugin.Array, plugin.Map, plugin.Struct}

var (
	castInputs  = javaTypes[:9] // the numbers, boolean, string and bytes
	castOutputs = javaTypes[:8] // the same but bytes
)

func typeList(ts []plugin.Type) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.JavaName()
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// castType is Schema.Type.valueOf of a spec's type, checked as a target.
func castType(name string) (plugin.Type, error) {
	for _, t := range javaTypes {
		if t.JavaName() == strings.ToUpper(name) {
			if t == plugin.Bytes || t == plugin.Array || t == plugin.Map || t == plugin.Struct {
				return "", configdef.Exception("spec", fmt.Sprintf("Cast transformation does not support casting to %s; supported types are %s", t.JavaName(), typeList(castOutputs)))
			}
			return t, nil
		}
	}
	// Java passes the message as the name of ConfigException(name, value)
	// and the enum lookup failure as the value.
	return "", configdef.Exception("spec", fmt.Sprintf("Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.%s for configuration Invalid type found in casting spec: %s",
		strings.ToUpper(name), name))
}

// parseCastSpec reads the spec as Java's Cast.parseFieldTypes does; whole
// is the type for the whole key or value, "" when fields are cast.
func parseCastSpec(spec []string) (fields map[string]plugin.Type, whole plugin.Type, err error) {
	if len(spec) == 0 {
		return nil, "", configdef.Exception("spec", "Must specify at least one field to cast.")
	}
	fields = map[string]plugin.Type{}
	for _, m := range spec {
		parts := javaSplit(m, ":")
		switch len(parts) {
		case 0:
			// Java indexes parts[1] of an empty split.
			return nil, "", configdef.Exception("spec", "Index 1 out of bounds for length 0")
		case 1:
			if whole, err = castType(javatext.Trim(parts[0])); err != nil {
				return nil, "", err
			}
		case 2:
			t, err := castType(javatext.Trim(parts[1]))
			if err != nil {
				return nil, "", err
			}
			fields[javatext.Trim(parts[0])] = t
		default:
			// Java's message names the wrong setting.
			return nil, "", configdef.Invalid("renames", spec, "Invalid rename mapping: "+m)
		}
	}
	if whole != "" && len(spec) > 1 {
		return nil, "", configdef.Exception("spec", "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec")
	}
	return fields, whole, nil
}

// Cast changes the type of fields, or of the whole key or value, between
// numbers, booleans and strings (org.apache.kafka.connect.transforms.
// Cast$Key and $Value).
type Cast struct {
	side                   side
	order                  []string // the fields to cast, in spec order
	fields                 map[string]plugin.Type
	whole                  plugin.Type
	replaceNullWithDefault bool
}

func (t *Cast) Config() plugin.ConfigDef { return castSettings.ConfigDef() }

func (t *Cast) Configure(props map[string]string) error {
	v, err := castSettings.Parse(props)
	if err != nil {
		return err
	}
	t.fields, t.whole, _ = parseCastSpec(v.List("spec")) // checked by parse
	t.order = t.order[:0]
	for _, m := range v.List("spec") {
		if parts := javaSplit(m, ":"); len(parts) == 2 {
			t.order = append(t.order, javatext.Trim(parts[0]))
		}
	}
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	return nil
}

func (t *Cast) Apply(r plugin.Record) (plugin.Record, bool, error) {
	switch {
	case t.side.value(r) == nil:
		return r, true, nil
	case t.side.schema(r) == nil:
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

func (t *Cast) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	value := t.side.value(r)
	if t.whole != "" {
		v, err := castValue(nil, value, t.whole)
		if err != nil {
			return r, false, err
		}
		return t.side.with(r, nil, v), true, nil
	}
	m, err := requireMap(value, castPurpose)
	if err != nil {
		return r, false, err
	}
	out := copyMap(m)
	for _, name := range t.order {
		// A field the map lacks is added as null, as Java does.
		v, err := castValue(nil, mapGet(m, name), t.fields[name])
		if err != nil {
			return r, false, err
		}
		out.Put(name, v)
	}
	return t.side.with(r, nil, out), true, nil
}

func (t *Cast) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	schema, value := t.side.schema(r), t.side.value(r)
	updated, err := t.updatedSchema(schema)
	if err != nil {
		return r, false, err
	}
	if t.whole != "" {
		v, err := castValue(schema, value, t.whole)
		if err != nil {
			return r, false, err
		}
		return t.side.with(r, updated, v), true, nil
	}
	st, err := requireStruct(value, castPurpose)
	if err != nil {
		return r, false, err
	}
	out := plugin.NewStruct(updated)
	for i := range st.Schema.Fields {
		f := &st.Schema.Fields[i]
		v := fieldValue(st, f, t.replaceNullWithDefault)
		if target, ok := t.fields[f.Name]; ok {
			if v, err = castValue(f.Schema, v, target); err != nil {
				return r, false, err
			}
		}
		to, err := sameField(updated, i, f.Name)
		if err != nil {
			return r, false, err
		}
		if err := put(out, to, v); err != nil {
			return r, false, err
		}
	}
	return t.side.with(r, updated, out), true, nil
}

// sameField is updated.field(name), which is usually at the same index
// (Java's put of a null field is the error).
func sameField(updated *plugin.Schema, i int, name string) (*plugin.Field, error) {
	if i < len(updated.Fields) && updated.Fields[i].Name == name {
		return &updated.Fields[i], nil
	}
	if f := updated.FieldByName(name); f != nil {
		return f, nil
	}
	return nil, dataErr("field cannot be null.")
}

// updatedSchema is Cast.getOrBuildSchema.
func (t *Cast) updatedSchema(s *plugin.Schema) (*plugin.Schema, error) {
	var out *plugin.Schema
	if t.whole != "" {
		// The whole value's new type keeps the old name, version, doc and
		// parameters (Java's copySchemaBasics), even a logical type's.
		out = structLike(s, 0)
		out.Type = t.whole
	} else {
		if s.Type != plugin.Struct {
			return nil, dataErr("Cannot list fields on non-struct type")
		}
		out = structLike(s, len(s.Fields))
		for _, f := range s.Fields {
			fs, err := t.fieldSchema(f)
			if err != nil {
				return nil, err
			}
			if err := addField(out, f.Name, fs); err != nil {
				return nil, err
			}
		}
	}
	out.Optional = s.Optional
	if d := s.DefaultValue(); d != nil {
		cast, err := castValue(s, d, out.Type)
		if err != nil {
			return nil, err
		}
		if err := setDefault(out, cast); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fieldSchema: a cast field gets a plain schema of the new type, keeping
// only optionality and the cast default.
func (t *Cast) fieldSchema(f plugin.Field) (*plugin.Schema, error) {
	target, ok := t.fields[f.Name]
	if !ok {
		return f.Schema, nil
	}
	fs := primitive(target, f.Schema.Optional)
	if d := f.Schema.DefaultValue(); d != nil {
		cast, err := castValue(f.Schema, d, target)
		if err != nil {
			return nil, err
		}
		if err := setDefault(fs, cast); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// castValue is Cast.castValueToType; schema is nil for schemaless values.
func castValue(schema *plugin.Schema, v any, target plugin.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	from := plugin.TypeOf(v)
	if schema != nil {
		from = schema.Type
	}
	if from == "" {
		return nil, dataErr("Cast transformation was passed a value of type %s which is not supported by Connect's data API", javaClass(v))
	}
	if !slicesContains(castInputs, from) {
		return nil, dataErr("Cast transformation does not support casting from %s; supported types are %s", from.JavaName(), typeList(castInputs))
	}
	if schema != nil && schema.Name != "" && target != plugin.String {
		var err error
		if v, err = encodeLogical(schema, v); err != nil {
			return nil, err
		}
	}
	out, ok, err := castTo(v, target)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, dataErr("Value (%s) was out of range for requested data type", javaToString(v))
	}
	return out, nil
}

func slicesContains(ts []plugin.Type, t plugin.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// encodeLogical turns Date, Time and Timestamp values into their days or
// milliseconds, with the checks of Date.fromLogical and Time.fromLogical.
func encodeLogical(s *plugin.Schema, v any) (any, error) {
	t, isTime := v.(time.Time)
	if !isTime {
		return v, nil
	}
	ms := t.UnixMilli()
	switch s.Name {
	case plugin.DateName:
		if ms%86400000 != 0 {
			return nil, dataErr("Kafka Connect Date type should not have any time fields set to non-zero values.")
		}
		return int32(ms / 86400000), nil
	case plugin.TimeName:
		if ms < 0 || ms > 86400000 {
			return nil, dataErr("Kafka Connect Time type should not have any date fields set to non-zero values.")
		}
		return int32(ms), nil
	case plugin.TimestampName:
		return ms, nil
	}
	return v, nil
}

// castTo converts a value to the target type as Cast.castToX do; ok is
// false where Java's parsing throws NumberFormatException.
func castTo(v any, target plugin.Type) (any, bool, error) {
	if target == plugin.String {
		return castToString(v), true, nil
	}
	switch v := v.(type) {
	case bool:
		return boolTo(v, target), true, nil
	case string:
		out, ok := parseAs(v, target)
		return out, ok, nil
	}
	if !isJavaNumber(v) {
		return nil, false, dataErr("Unexpected type in Cast transformation: %s", javaClass(v))
	}
	switch target {
	case plugin.Int8:
		return int8(javaIntValue(v)), true, nil
	case plugin.Int16:
		return int16(javaIntValue(v)), true, nil
	case plugin.Int32:
		return javaIntValue(v), true, nil
	case plugin.Int64:
		return javaLongValue(v), true, nil
	case plugin.Float32:
		return javaFloatValue(v), true, nil
	case plugin.Float64:
		return javaDoubleValue(v), true, nil
	}
	return javaLongValue(v) != 0, true, nil
}

func boolTo(b bool, target plugin.Type) any {
	i := int64(boolIndex(b))
	switch target {
	case plugin.Float32:
		return float32(i)
	case plugin.Float64:
		return float64(i)
	case plugin.Boolean:
		return b
	}
	return narrow(target, i)
}

// parseAs is Byte.parseByte ... Boolean.parseBoolean.
func parseAs(s string, target plugin.Type) (any, bool) {
	switch target {
	case plugin.Int8:
		i, ok := javatext.ParseInt(s, 8)
		return int8(i), ok
	case plugin.Int16:
		i, ok := javatext.ParseInt(s, 16)
		return int16(i), ok
	case plugin.Int32:
		i, ok := javatext.ParseInt(s, 32)
		return int32(i), ok
	case plugin.Int64:
		return javatext.ParseInt(s, 64)
	case plugin.Float32:
		f, ok := javatext.ParseDouble(s, 32)
		return float32(f), ok
	case plugin.Float64:
		return javatext.ParseDouble(s, 64)
	}
	return strings.EqualFold(s, "true"), true
}

// castToString is Cast.castToString: dates in ISO 8601 in the JVM's zone
// (time.Local), bytes in base64, the rest as Java's toString.
func castToString(v any) string {
	switch v := v.(type) {
	case time.Time:
		return isoDateFormat(v).format(v)
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	}
	return javaToString(v)
}

// isoDateFormat is Values.dateFormatFor: a time of day for values within
// the first day after the epoch, a date for whole days, else a timestamp.
func isoDateFormat(t time.Time) *dateFormat {
	pattern := isoTimestamp
	switch ms := t.UnixMilli(); {
	case ms < 86400000:
		pattern = isoTime
	case ms%86400000 == 0:
		pattern = isoDate
	}
	f, _ := newDateFormat(pattern, time.Local)
	return f
}

// javaToString is String.valueOf for Connect's scalar values.
func javaToString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float32:
		return javatext.FormatFloat(v)
	case float64:
		return javatext.FormatDouble(v)
	case plugin.Decimal:
		return string(javatext.AppendBigDecimal(nil, v.Unscaled, v.Scale))
	case int8, int16, int32, int64:
		return fmt.Sprint(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func isJavaNumber(v any) bool {
	switch v.(type) {
	case int8, int16, int32, int64, float32, float64, plugin.Decimal:
		return true
	}
	return false
}

// Number.longValue, intValue, floatValue and doubleValue of the Java
// number a Go value stands for.

func javaLongValue(v any) int64 {
	switch v := v.(type) {
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case int64:
		return v
	case float32:
		return doubleToLong(float64(v))
	case float64:
		return doubleToLong(v)
	case plugin.Decimal:
		return decimalToLong(v)
	}
	return 0
}

func javaIntValue(v any) int32 {
	switch v := v.(type) {
	case float32:
		return doubleToInt(float64(v))
	case float64:
		return doubleToInt(v)
	}
	return int32(javaLongValue(v))
}

func javaFloatValue(v any) float32 {
	switch v := v.(type) {
	case float32:
		return v
	case float64:
		return float32(v)
	case plugin.Decimal:
		return float32(decimalToFloat(v, 32))
	}
	// Rounded once, from the integer, as Java's (float) of a long.
	return float32(javaLongValue(v))
}

func javaDoubleValue(v any) float64 {
	switch v := v.(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	case plugin.Decimal:
		return decimalToFloat(v, 64)
	}
	return float64(javaLongValue(v))
}
