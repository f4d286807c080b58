package plugin

import (
	"bytes"
	"maps"
	"math"
	"math/big"
	"reflect"
	"strings"
	"time"
	"unsafe"
)

// Connect's Java data API decides more than the Go types say: when two
// values or schemas are equal, which schema type a value has, how a type is
// named in messages. Converters and transforms show these answers in what
// they write and in their errors, so they are answered here, once, as Java
// answers them.

// JavaName is the name of the Schema.Type constant Java prints in messages:
// INT8, FLOAT32, STRUCT.
func (t Type) JavaName() string {
	switch t {
	case Float32:
		return "FLOAT32"
	case Float64:
		return "FLOAT64"
	}
	return strings.ToUpper(string(t))
}

// TypeOf is ConnectSchema.schemaType(value.getClass()): the schema type of a
// value without a schema, or "" for nil and for values outside Connect's
// types (Decimal and time.Time need a schema naming their logical type).
func TypeOf(v any) Type {
	switch v.(type) {
	case int8:
		return Int8
	case int16:
		return Int16
	case int32:
		return Int32
	case int64:
		return Int64
	case float32:
		return Float32
	case float64:
		return Float64
	case bool:
		return Boolean
	case string:
		return String
	case []byte:
		return Bytes
	case []any:
		return Array
	case *MapValue:
		return Map
	case *StructValue:
		return Struct
	}
	return ""
}

// DefaultValue is Schema.defaultValue(): the default, or nil when there is
// none.
func (s *Schema) DefaultValue() any {
	if s.HasDefault {
		return s.Default
	}
	return nil
}

// Equal is ConnectSchema.equals: the same pointer, or equal in every part.
// As in Java, nil parameters differ from empty ones, and defaults compare
// as Objects.deepEquals does (a []byte default by content).
func (s *Schema) Equal(o *Schema) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	if s.Type != o.Type || s.Optional != o.Optional || s.Name != o.Name || s.Doc != o.Doc ||
		(s.Version == nil) != (o.Version == nil) || s.Version != nil && *s.Version != *o.Version ||
		(s.Parameters == nil) != (o.Parameters == nil) || !maps.Equal(s.Parameters, o.Parameters) ||
		!equal(s.DefaultValue(), o.DefaultValue(), true) || len(s.Fields) != len(o.Fields) ||
		!s.Key.Equal(o.Key) || !s.Value.Equal(o.Value) {
		return false
	}
	for i := range s.Fields {
		a, b := &s.Fields[i], &o.Fields[i]
		if a.Name != b.Name || a.Index != b.Index || !a.Schema.Equal(b.Schema) {
			return false
		}
	}
	return true
}

// Equal reports whether a and b are equal as Java's equals() finds the
// objects they stand for, which is how Java's maps match keys:
//   - numbers of different types differ (Integer 1 is not Long 1);
//   - floats compare by bits as Float.equals does, so NaN equals NaN and
//     0.0 differs from -0.0;
//   - a Decimal equals another of the same value and scale (1.0 is not 1.00);
//   - times compare by millisecond, as java.util.Date does;
//   - lists compare element by element, maps by their entries in any order,
//     structs by schema and field values;
//   - a []byte is a Java array, equal only to itself: a slice of the same
//     bytes elsewhere differs (and an empty slice, which Go cannot tell
//     from another, differs from every slice). Struct fields and schema
//     defaults are the exception: Java compares those arrays by content.
//
// Equal never panics, whatever the values.
func Equal(a, b any) bool { return equal(a, b, false) }

// equal is Objects.equals, or Objects.deepEquals (byte arrays by content)
// when arraysByContent is set.
func equal(a, b any, arraysByContent bool) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string, bool, int8, int16, int32, int64:
		return a == b
	case float32:
		y, ok := b.(float32)
		return ok && floatToIntBits(x) == floatToIntBits(y)
	case float64:
		y, ok := b.(float64)
		return ok && doubleToLongBits(x) == doubleToLongBits(y)
	case []byte:
		y, ok := b.([]byte)
		if !ok {
			return false
		}
		if arraysByContent {
			return bytes.Equal(x, y)
		}
		return len(x) > 0 && len(x) == len(y) && unsafe.SliceData(x) == unsafe.SliceData(y)
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Scale == y.Scale && bigEqual(x.Unscaled, y.Unscaled)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.UnixMilli() == y.UnixMilli()
	case []any:
		y, ok := b.([]any)
		return ok && listEqual(x, y)
	case *MapValue:
		y, ok := b.(*MapValue)
		return ok && (x == y || x != nil && y != nil && x.equal(y))
	case *StructValue:
		y, ok := b.(*StructValue)
		if !ok || x == nil || y == nil {
			return ok && x == y
		}
		if !x.Schema.Equal(y.Schema) || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			// Struct.equals uses Arrays.deepEquals on the field values.
			if !equal(x.Values[i], y.Values[i], true) {
				return false
			}
		}
		return true
	}
	// Not a Connect value: Go's == where it can compare, else unequal.
	return reflect.ValueOf(a).Comparable() && reflect.ValueOf(b).Comparable() && a == b
}

// floatToIntBits and doubleToLongBits are Java's: every NaN has one pattern.
func floatToIntBits(f float32) uint32 {
	if f != f {
		return 0x7fc00000
	}
	return math.Float32bits(f)
}

func doubleToLongBits(f float64) uint64 {
	if f != f {
		return 0x7ff8000000000000
	}
	return math.Float64bits(f)
}

func bigEqual(a, b *big.Int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Cmp(b) == 0
}

// listEqual is List.equals.
func listEqual(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// equal is Map.equals: the same keys with equal values, in any order.
func (m *MapValue) equal(o *MapValue) bool {
	if len(m.Entries) != len(o.Entries) {
		return false
	}
	for _, e := range m.Entries {
		i := o.index(e.Key)
		if i < 0 || !Equal(e.Value, o.Entries[i].Value) {
			return false
		}
	}
	return true
}

// index is the position of the entry whose key equals key, or -1.
func (m *MapValue) index(key any) int {
	if s, ok := key.(string); ok {
		// Schemaless JSON objects have string keys: compare without Equal.
		for i := range m.Entries {
			if k, ok := m.Entries[i].Key.(string); ok && k == s {
				return i
			}
		}
		return -1
	}
	for i := range m.Entries {
		if Equal(m.Entries[i].Key, key) {
			return i
		}
	}
	return -1
}
