package plugin

import (
	"math"
	"math/big"
	"testing"
	"time"
)

func TestTypeNames(t *testing.T) {
	for v, want := range map[any]Type{
		int8(1): Int8, int16(1): Int16, int32(1): Int32, int64(1): Int64, float32(1): Float32, float64(1): Float64,
		true: Boolean, "s": String, &MapValue{}: Map, &StructValue{}: Struct, 1: "", nil: "",
	} {
		if got := TypeOf(v); got != want {
			t.Errorf("TypeOf(%#v) = %q, want %q", v, got, want)
		}
	}
	if TypeOf([]byte{1}) != Bytes || TypeOf([]any{}) != Array || TypeOf(Decimal{}) != "" || TypeOf(time.Time{}) != "" {
		t.Error("TypeOf of bytes, lists, decimals or times")
	}
	for typ, want := range map[Type]string{Float32: "FLOAT32", Float64: "FLOAT64", Int8: "INT8", Struct: "STRUCT"} {
		if got := typ.JavaName(); got != want {
			t.Errorf("%s: got %s, want %s", typ, got, want)
		}
	}
}

func dec(unscaled int64, scale int32) Decimal { return Decimal{big.NewInt(unscaled), scale} }

func TestEqual(t *testing.T) {
	bytes := []byte{1, 2}
	schema := &Schema{Type: Struct, Fields: []Field{{Name: "b", Schema: &Schema{Type: Bytes}}}}
	structOf := func(b []byte) *StructValue { return &StructValue{Schema: schema, Values: []any{b}} }
	otherSchema := &Schema{Type: Struct, Fields: []Field{{Name: "c", Schema: &Schema{Type: Bytes}}}}
	ms := time.UnixMilli(1234).UTC()
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"nil", nil, nil, true},
		{"nil and a value", nil, int32(0), false},
		{"Integer 1 is not Long 1", int32(1), int64(1), false},
		{"strings", "a", "a", true},
		{"NaN equals NaN", math.NaN(), math.Float64frombits(0x7ff8000000000001), true},
		{"float NaN", float32(math.NaN()), float32(math.NaN()), true},
		{"0.0 is not -0.0", 0.0, math.Copysign(0, -1), false},
		{"float is not double", float32(1), 1.0, false},
		{"decimal", dec(10, 1), dec(10, 1), true},
		{"1.0 is not 1.00", dec(10, 1), dec(100, 2), false},
		{"times by millisecond", ms, ms.Add(999 * time.Microsecond), true},
		{"times a millisecond apart", ms, ms.Add(time.Millisecond), false},
		{"the same byte array", bytes, bytes, true},
		{"byte arrays by identity", []byte{1, 2}, []byte{1, 2}, false},
		{"empty byte arrays", []byte{}, []byte{}, false},
		{"lists", []any{int8(1), "a"}, []any{int8(1), "a"}, true},
		{"lists hold byte arrays by identity", []any{[]byte{1}}, []any{[]byte{1}}, false},
		{"lists of other lengths", []any{int8(1)}, []any{int8(1), int8(1)}, false},
		{"maps in any order", &MapValue{Entries: []MapEntry{{"a", int8(1)}, {"b", nil}}},
			&MapValue{Entries: []MapEntry{{"b", nil}, {"a", int8(1)}}}, true},
		{"maps with other values", &MapValue{Entries: []MapEntry{{"a", int8(1)}}},
			&MapValue{Entries: []MapEntry{{"a", int8(2)}}}, false},
		{"a null value is not a missing key", &MapValue{Entries: []MapEntry{{"a", nil}}},
			&MapValue{Entries: []MapEntry{{"b", nil}}}, false},
		{"nil maps", (*MapValue)(nil), (*MapValue)(nil), true},
		{"a nil map", (*MapValue)(nil), &MapValue{}, false},
		{"structs compare byte fields by content", structOf([]byte{1}), structOf([]byte{1}), true},
		{"structs with other bytes", structOf([]byte{1}), structOf([]byte{2}), false},
		{"structs of other schemas", structOf(nil), &StructValue{Schema: otherSchema, Values: []any{nil}}, false},
		{"a nil struct", (*StructValue)(nil), structOf(nil), false},
		{"Go values Java has no equals for", map[string]int{}, map[string]int{}, false},
		{"other comparable Go values", 7, 7, true},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
		if got := Equal(tt.b, tt.a); got != tt.want {
			t.Errorf("%s: Equal reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSchemaEqual(t *testing.T) {
	v1, v1b, v2 := int32(1), int32(1), int32(2)
	base := func() *Schema {
		return &Schema{Type: Struct, Name: "n", Version: &v1, Doc: "d", Parameters: map[string]string{"k": "v"},
			Fields: []Field{{Name: "f", Index: 0, Schema: &Schema{Type: Bytes, Default: []byte{1}, HasDefault: true}}}}
	}
	if !base().Equal(base()) {
		t.Error("equal schemas differ")
	}
	same := base()
	same.Version = &v1b
	if !base().Equal(same) {
		t.Error("versions compare by value")
	}
	for name, change := range map[string]func(*Schema){
		"type":               func(s *Schema) { s.Type = Map },
		"optional":           func(s *Schema) { s.Optional = true },
		"name":               func(s *Schema) { s.Name = "m" },
		"version":            func(s *Schema) { s.Version = &v2 },
		"no version":         func(s *Schema) { s.Version = nil },
		"doc":                func(s *Schema) { s.Doc = "" },
		"parameters":         func(s *Schema) { s.Parameters["k"] = "w" },
		"nil parameters":     func(s *Schema) { s.Parameters = nil },
		"field name":         func(s *Schema) { s.Fields[0].Name = "g" },
		"field index":        func(s *Schema) { s.Fields[0].Index = 1 },
		"field default":      func(s *Schema) { s.Fields[0].Schema.Default = []byte{2} },
		"field default gone": func(s *Schema) { s.Fields[0].Schema.HasDefault = false },
		"key schema":         func(s *Schema) { s.Key = &Schema{Type: String} },
	} {
		other := base()
		change(other)
		if base().Equal(other) || other.Equal(base()) {
			t.Errorf("schemas with another %s are equal", name)
		}
	}
	empty := base()
	empty.Parameters = map[string]string{}
	noParams := base()
	noParams.Parameters = nil
	if empty.Equal(noParams) {
		t.Error("empty parameters equal null ones; Java's Objects.equals tells them apart")
	}
	var none *Schema
	if !none.Equal(nil) || none.Equal(base()) || base().Equal(nil) {
		t.Error("nil schemas")
	}
}

// TestMapKeys checks that MapValue finds keys as a Java map does, for every
// kind of Connect value, without panicking.
func TestMapKeys(t *testing.T) {
	key := []byte{1}
	m := &MapValue{}
	m.Put(key, "identity")
	m.Put([]byte{1}, "other array")
	m.Put(dec(15, 1), "1.5")
	m.Put(time.UnixMilli(5).UTC(), "5ms")
	m.Put([]any{"a", int64(1)}, "list")
	m.Put(&StructValue{Schema: &Schema{Type: Struct}, Values: []any{}}, "struct")
	m.Put(&MapValue{Entries: []MapEntry{{"k", "v"}}}, "map")
	m.Put(math.NaN(), "NaN")
	m.Put(int32(1), "int")
	m.Put("s", "string")
	if len(m.Entries) != 10 {
		t.Fatalf("%d entries, want 10: %v", len(m.Entries), m.Entries)
	}
	for _, c := range []struct {
		key  any
		want any
	}{
		{key, "identity"},
		{[]byte{1}, nil},
		{dec(15, 1), "1.5"},
		{dec(150, 2), nil},
		{time.UnixMilli(5).Add(time.Microsecond), "5ms"},
		{[]any{"a", int64(1)}, "list"},
		{&StructValue{Schema: &Schema{Type: Struct}, Values: []any{}}, "struct"},
		{&MapValue{Entries: []MapEntry{{"k", "v"}}}, "map"},
		{math.NaN(), "NaN"},
		{int64(1), nil},
		{"s", "string"},
		{map[string]any{}, nil},
	} {
		if got, _ := m.Get(c.key); got != c.want {
			t.Errorf("Get(%v) = %v, want %v", c.key, got, c.want)
		}
	}
	m.Put(dec(15, 1), "again")
	m.Delete([]any{"a", int64(1)})
	m.Delete("missing")
	if len(m.Entries) != 9 || m.Entries[2].Value != "again" || m.Entries[4].Value != "struct" {
		t.Errorf("after Put and Delete: %v", m.Entries)
	}
}
