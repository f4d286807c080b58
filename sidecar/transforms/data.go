package transforms

import (
	"fmt"
	"maps"
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

// schemaString is ConnectSchema.toString.
func schemaString(s *plugin.Schema) string {
	if s.Name != "" {
		return "Schema{" + s.Name + ":" + s.Type.JavaName() + "}"
	}
	return "Schema{" + s.Type.JavaName() + "}"
}

// fieldValue is Struct.get(field): a null falls back to the field's
// default. withDefault false is Struct.getWithoutDefault.
func fieldValue(st *plugin.StructValue, f *plugin.Field, withDefault bool) any {
	v := st.Values[f.Index]
	if v == nil && withDefault {
		return f.Schema.DefaultValue()
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
		if v == nil && (f.Schema.Optional || f.Schema.DefaultValue() != nil) {
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
			return dataErr("Invalid value: null used for required %s, schema type: %s", loc.String(), s.Type.JavaName())
		}
		return nil
	}
	if !valueFitsSchema(s, v) {
		msg := "Invalid Java object for schema"
		if s.Name != "" {
			msg += ` "` + s.Name + `"`
		}
		return dataErr("%s with type %s: %s for %s", msg, s.Type.JavaName(), javaClass(v), loc.String())
	}
	switch s.Type {
	case plugin.Struct:
		st := v.(*plugin.StructValue)
		if !st.Schema.Equal(s) {
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
	return plugin.TypeOf(v) == s.Type
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

// copyMap returns a new map with m's entries, as new HashMap<>(m) does.
func copyMap(m *plugin.MapValue) *plugin.MapValue {
	return &plugin.MapValue{Entries: append(make([]plugin.MapEntry, 0, len(m.Entries)+1), m.Entries...)}
}

// mapGet is Map.get: nil when the key is absent.
func mapGet(m *plugin.MapValue, key any) any {
	v, _ := m.Get(key)
	return v
}

// javaDate is the java.util.Date for a time: UTC, whole milliseconds.
func javaDate(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }
