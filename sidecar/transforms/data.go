package transforms

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// This file holds the parts of Connect's Java data API (Struct, Schema,
// SchemaBuilder, ConnectSchema.validateValue) whose behaviour the
// transforms inherit: which values a struct accepts, default values, and
// Java's names for Go values in error messages.

// javaClassName is value.getClass().getName() for the Java object a Go
// value stands for.
func javaClassName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "java.lang.String"
	case int8:
		return "java.lang.Byte"
	case int16:
		return "java.lang.Short"
	case int32:
		return "java.lang.Integer"
	case int64:
		return "java.lang.Long"
	case float32:
		return "java.lang.Float"
	case float64:
		return "java.lang.Double"
	case bool:
		return "java.lang.Boolean"
	case []byte:
		return "[B"
	case []any:
		return "java.util.ArrayList"
	case *plugin.MapValue:
		return "java.util.HashMap"
	case *plugin.StructValue:
		return "org.apache.kafka.connect.data.Struct"
	case plugin.Decimal:
		return "java.math.BigDecimal"
	case time.Time:
		return "java.util.Date"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// javaClass is value.getClass().toString().
func javaClass(v any) string { return "class " + javaClassName(v) }

// typeOfValue is ConnectSchema.schemaType(value.getClass()): the schema
// type a schemaless value has, or "" for values outside Connect's types
// (Decimal and time.Time need a schema to mean anything).
func typeOfValue(v any) plugin.Type {
	switch v.(type) {
	case int8:
		return plugin.Int8
	case int16:
		return plugin.Int16
	case int32:
		return plugin.Int32
	case int64:
		return plugin.Int64
	case float32:
		return plugin.Float32
	case float64:
		return plugin.Float64
	case bool:
		return plugin.Boolean
	case string:
		return plugin.String
	case []byte:
		return plugin.Bytes
	case []any:
		return plugin.Array
	case *plugin.MapValue:
		return plugin.Map
	case *plugin.StructValue:
		return plugin.Struct
	}
	return ""
}

// javaType is the Schema.Type enum name Java prints (FLOAT32, not float).
func javaType(t plugin.Type) string {
	switch t {
	case plugin.Float32:
		return "FLOAT32"
	case plugin.Float64:
		return "FLOAT64"
	}
	return strings.ToUpper(string(t))
}

// schemaString is ConnectSchema.toString.
func schemaString(s *plugin.Schema) string {
	if s.Name != "" {
		return "Schema{" + s.Name + ":" + javaType(s.Type) + "}"
	}
	return "Schema{" + javaType(s.Type) + "}"
}

// defaultOf is schema.defaultValue(): nil when there is none.
func defaultOf(s *plugin.Schema) any {
	if s.HasDefault {
		return s.Default
	}
	return nil
}

// fieldValue is Struct.get(field): a null falls back to the field's
// default. withDefault false is Struct.getWithoutDefault.
func fieldValue(st *plugin.StructValue, f *plugin.Field, withDefault bool) any {
	v := st.Values[f.Index]
	if v == nil && withDefault {
		return defaultOf(f.Schema)
	}
	return v
}

// lookupField is Struct's field lookup, with its error.
func lookupField(s *plugin.Schema, name string) (*plugin.Field, error) {
	if f := s.FieldByName(name); f != nil {
		return f, nil
	}
	return nil, dataErr("%s is not a valid field name", name)
}

// field is Schema.field(name), which only struct schemas allow.
func field(s *plugin.Schema, name string) (*plugin.Field, error) {
	if s.Type != plugin.Struct {
		return nil, dataErr("Cannot look up fields on non-struct type")
	}
	return s.FieldByName(name), nil
}

// put is Struct.put(field, value): the value is checked against the
// field's schema first.
func put(st *plugin.StructValue, f *plugin.Field, v any) error {
	if err := validateValue(f.Schema, v, &location{field: f.Name}); err != nil {
		return err
	}
	st.Values[f.Index] = v
	return nil
}

// putByName is Struct.put(name, value).
func putByName(st *plugin.StructValue, name string, v any) error {
	f, err := lookupField(st.Schema, name)
	if err != nil {
		return err
	}
	return put(st, f, v)
}

// validateStruct is Struct.validate.
func validateStruct(st *plugin.StructValue) error {
	for i := range st.Schema.Fields {
		f := &st.Schema.Fields[i]
		v := st.Values[f.Index]
		if v == nil && (f.Schema.Optional || defaultOf(f.Schema) != nil) {
			continue
		}
		if err := validateValue(f.Schema, v, &location{field: f.Name}); err != nil {
			return err
		}
	}
	return nil
}

// location is where a value is, as Java's messages name it ("value",
// `field: "x"`, "element of array field: "x""). It is only written out
// for an error, so checking a valid value costs no allocation.
type location struct {
	field  string    // a struct field
	of     string    // or a part of the parent: "element of array "
	parent *location // nil for the value itself
}

func (l *location) String() string {
	switch {
	case l == nil:
		return "value"
	case l.of != "":
		return l.of + l.parent.String()
	}
	return `field: "` + l.field + `"`
}

// validateValue is ConnectSchema.validateValue.
func validateValue(s *plugin.Schema, v any, loc *location) error {
	if v == nil {
		if !s.Optional {
			return dataErr("Invalid value: null used for required %s, schema type: %s", loc.String(), javaType(s.Type))
		}
		return nil
	}
	if !valueFitsSchema(s, v) {
		msg := "Invalid Java object for schema"
		if s.Name != "" {
			msg += ` "` + s.Name + `"`
		}
		return dataErr("%s with type %s: %s for %s", msg, javaType(s.Type), javaClass(v), loc.String())
	}
	switch s.Type {
	case plugin.Struct:
		st := v.(*plugin.StructValue)
		if !schemaEqual(st.Schema, s) {
			return dataErr("Struct schemas do not match.")
		}
		return validateStruct(st)
	case plugin.Array:
		elem := &location{of: "element of array ", parent: loc}
		if s.Value == nil {
			return dataErr("No schema defined for %s", elem.String())
		}
		for _, e := range v.([]any) {
			if err := validateValue(s.Value, e, elem); err != nil {
				return err
			}
		}
	case plugin.Map:
		keyLoc, valueLoc := &location{of: "key of map ", parent: loc}, &location{of: "value of map ", parent: loc}
		if s.Key == nil {
			return dataErr("No schema defined for %s", keyLoc.String())
		}
		if s.Value == nil {
			return dataErr("No schema defined for %s", valueLoc.String())
		}
		for _, e := range v.(*plugin.MapValue).Entries {
			if err := validateValue(s.Key, e.Key, keyLoc); err != nil {
				return err
			}
			if err := validateValue(s.Value, e.Value, valueLoc); err != nil {
				return err
			}
		}
	}
	return nil
}

// valueFitsSchema: the value is of the Java class the schema (or its
// logical type) expects.
func valueFitsSchema(s *plugin.Schema, v any) bool {
	switch s.Name {
	case plugin.DecimalName:
		_, ok := v.(plugin.Decimal)
		return ok
	case plugin.DateName, plugin.TimeName, plugin.TimestampName:
		_, ok := v.(time.Time)
		return ok
	}
	return typeOfValue(v) == s.Type
}

// schemaEqual is ConnectSchema.equals.
func schemaEqual(a, b *plugin.Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.Type != b.Type || a.Optional != b.Optional || a.Name != b.Name || a.Doc != b.Doc ||
		!int32PtrEqual(a.Version, b.Version) || !maps.Equal(a.Parameters, b.Parameters) ||
		!valueEqual(defaultOf(a), defaultOf(b)) || len(a.Fields) != len(b.Fields) ||
		!schemaEqual(a.Key, b.Key) || !schemaEqual(a.Value, b.Value) {
		return false
	}
	for i := range a.Fields {
		fa, fb := &a.Fields[i], &b.Fields[i]
		if fa.Name != fb.Name || fa.Index != fb.Index || !schemaEqual(fa.Schema, fb.Schema) {
			return false
		}
	}
	return true
}

func int32PtrEqual(a, b *int32) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

// valueEqual is Java's equals on Connect values (Objects.deepEquals).
func valueEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	case float32:
		// Float.equals compares bits: NaN equals NaN, 0.0 differs from -0.0.
		b, ok := b.(float32)
		return ok && math.Float32bits(a) == math.Float32bits(b)
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case plugin.Decimal:
		// BigDecimal.equals: same value and same scale.
		b, ok := b.(plugin.Decimal)
		return ok && a.Scale == b.Scale && a.Unscaled.Cmp(b.Unscaled) == 0
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !valueEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case *plugin.MapValue:
		b, ok := b.(*plugin.MapValue)
		return ok && mapEqual(a, b)
	case *plugin.StructValue:
		b, ok := b.(*plugin.StructValue)
		if !ok || !schemaEqual(a.Schema, b.Schema) || len(a.Values) != len(b.Values) {
			return false
		}
		for i := range a.Values {
			if !valueEqual(a.Values[i], b.Values[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// mapEqual is Map.equals: the same keys with equal values, in any order.
func mapEqual(a, b *plugin.MapValue) bool {
	if len(a.Entries) != len(b.Entries) {
		return false
	}
	for _, ea := range a.Entries {
		found := false
		for _, eb := range b.Entries {
			if valueEqual(ea.Key, eb.Key) {
				found = valueEqual(ea.Value, eb.Value)
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Building schemas, as SchemaBuilder does.

// structLike is copySchemaBasics(source, SchemaBuilder.struct()): a new
// required struct schema with the source's name, version, doc and
// parameters, and room for n fields.
func structLike(source *plugin.Schema, n int) *plugin.Schema {
	return &plugin.Schema{
		Type: plugin.Struct, Name: source.Name, Version: source.Version, Doc: source.Doc,
		Parameters: maps.Clone(source.Parameters), Fields: make([]plugin.Field, 0, n),
	}
}

// addField is SchemaBuilder.field.
func addField(s *plugin.Schema, name string, fs *plugin.Schema) error {
	if name == "" {
		return dataErr("fieldName cannot be null.")
	}
	if s.FieldByName(name) != nil {
		return dataErr("Cannot create field because of field name duplication %s", name)
	}
	s.Fields = append(s.Fields, plugin.Field{Name: name, Index: len(s.Fields), Schema: fs})
	return nil
}

// setDefault is SchemaBuilder.defaultValue, which checks the value.
func setDefault(s *plugin.Schema, v any) error {
	// Java keeps the reason only as the exception's cause.
	if validateValue(s, v, nil) != nil {
		return dataErr("Invalid default value")
	}
	s.Default, s.HasDefault = v, v != nil
	return nil
}

// primitive returns a new schema of a primitive type.
func primitive(t plugin.Type, optional bool) *plugin.Schema {
	return &plugin.Schema{Type: t, Optional: optional}
}

var logicalVersion = int32(1)

// timestampSchema, dateSchema and timeSchema are the logical types'
// schemas (Timestamp.SCHEMA, Date.builder().optional(), ...): version 1.
func timestampSchema(optional bool) *plugin.Schema {
	return &plugin.Schema{Type: plugin.Int64, Name: plugin.TimestampName, Version: &logicalVersion, Optional: optional}
}

func dateSchema(optional bool) *plugin.Schema {
	return &plugin.Schema{Type: plugin.Int32, Name: plugin.DateName, Version: &logicalVersion, Optional: optional}
}

func timeSchema(optional bool) *plugin.Schema {
	return &plugin.Schema{Type: plugin.Int32, Name: plugin.TimeName, Version: &logicalVersion, Optional: optional}
}

// decimalSchema is Decimal.schema(scale).
func decimalSchema(scale int32) *plugin.Schema {
	return &plugin.Schema{
		Type: plugin.Bytes, Name: plugin.DecimalName, Version: &logicalVersion,
		Parameters: map[string]string{plugin.DecimalScale: fmt.Sprint(scale)},
	}
}

// copyMap returns a new map with m's entries, as new HashMap<>(m) does.
func copyMap(m *plugin.MapValue) *plugin.MapValue {
	return &plugin.MapValue{Entries: append(make([]plugin.MapEntry, 0, len(m.Entries)+1), m.Entries...)}
}

// removeKey deletes key from m, which must be a map the caller owns.
func removeKey(m *plugin.MapValue, key any) {
	for i, e := range m.Entries {
		if e.Key == key {
			m.Entries = append(m.Entries[:i], m.Entries[i+1:]...)
			return
		}
	}
}

// mapGet is Map.get: nil when the key is absent.
func mapGet(m *plugin.MapValue, key any) any {
	v, _ := m.Get(key)
	return v
}

// javaDate is the java.util.Date for a time: UTC, whole milliseconds.
func javaDate(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }
