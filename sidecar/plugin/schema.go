// Package plugin is the Go connector SPI: Connect's data model (schemas,
// structs, records), and the interfaces connectors, tasks, converters and
// transforms implement.
package plugin

import (
	"fmt"
	"math/big"
	"strconv"
)

// Type is a Connect schema type, named as Connect's JSON schema names them.
type Type string

// Connect's schema types.
const (
	Int8    Type = "int8"
	Int16   Type = "int16"
	Int32   Type = "int32"
	Int64   Type = "int64"
	Float32 Type = "float"
	Float64 Type = "double"
	Boolean Type = "boolean"
	String  Type = "string"
	Bytes   Type = "bytes"
	Array   Type = "array"
	Map     Type = "map"
	Struct  Type = "struct"
)

// Logical type names (Schema.Name) understood by converters and transforms.
const (
	DecimalName   = "org.apache.kafka.connect.data.Decimal"
	DateName      = "org.apache.kafka.connect.data.Date"
	TimeName      = "org.apache.kafka.connect.data.Time"
	TimestampName = "org.apache.kafka.connect.data.Timestamp"
	// DecimalScale is the parameter holding a Decimal's scale.
	DecimalScale = "scale"
)

// DateSchema, TimeSchema and TimestampSchema return new schemas of the
// logical types, as Java's Date.builder(), Time.builder() and
// Timestamp.builder() build them (version 1), optional or not.
func DateSchema(optional bool) *Schema { return logicalSchema(Int32, DateName, optional) }

func TimeSchema(optional bool) *Schema { return logicalSchema(Int32, TimeName, optional) }

func TimestampSchema(optional bool) *Schema { return logicalSchema(Int64, TimestampName, optional) }

// DecimalSchema returns a new schema of Java's Decimal.schema(scale).
func DecimalSchema(scale int32) *Schema {
	s := logicalSchema(Bytes, DecimalName, false)
	s.Parameters = map[string]string{DecimalScale: strconv.Itoa(int(scale))}
	return s
}

func logicalSchema(t Type, name string, optional bool) *Schema {
	version := int32(1)
	return &Schema{Type: t, Name: name, Version: &version, Optional: optional}
}

// Schema describes a value, as Connect's Schema does. Schemas are treated as
// immutable once built: transforms make new ones rather than edit.
//
// Values are held in Go as: int8, int16, int32, int64, float32, float64,
// bool, string, []byte, []any (array), *MapValue (map), *StructValue
// (struct); the logical types as Decimal, and Date, Time and Timestamp as
// time.Time in UTC (Time on 1970-01-01). A value without a schema
// (schemaless JSON) uses int64, float64, bool, string, []any and *MapValue
// with string keys.
type Schema struct {
	Type       Type
	Optional   bool
	Name       string
	Version    *int32
	Doc        string
	Parameters map[string]string
	Default    any
	HasDefault bool

	Fields []Field // struct
	Key    *Schema // map
	Value  *Schema // map values, and array items
}

// Decimal is a value of the Decimal logical type: Unscaled × 10^-Scale.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// Field is one field of a struct schema.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// FieldByName returns the named field, or nil.
func (s *Schema) FieldByName(name string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// StructValue is a value of a struct schema: one value per field, by index.
type StructValue struct {
	Schema *Schema
	Values []any
}

// NewStruct returns an empty value of a struct schema.
func NewStruct(s *Schema) *StructValue {
	return &StructValue{Schema: s, Values: make([]any, len(s.Fields))}
}

// Get returns the value of the named field.
func (v *StructValue) Get(name string) (any, error) {
	f := v.Schema.FieldByName(name)
	if f == nil {
		return nil, fmt.Errorf("%s is not a valid field name", name)
	}
	return v.Values[f.Index], nil
}

// Put sets the named field.
func (v *StructValue) Put(name string, value any) error {
	f := v.Schema.FieldByName(name)
	if f == nil {
		return fmt.Errorf("%s is not a valid field name", name)
	}
	v.Values[f.Index] = value
	return nil
}

// MapValue is a value of a map schema or a schemaless JSON object. Entries
// keep their order, since Connect's maps keep insertion order when they
// come from JSON and the order shows in what converters write.
type MapValue struct {
	Entries []MapEntry
}

// MapEntry is one key and value of a MapValue.
type MapEntry struct {
	Key, Value any
}

// Get returns the value for key, found as Java's Map.get finds it: by
// Equal, so that numbers, decimals, times, lists, maps and structs match
// keys the way a Java map would, and no key type makes it panic.
func (m *MapValue) Get(key any) (any, bool) {
	if i := m.index(key); i >= 0 {
		return m.Entries[i].Value, true
	}
	return nil, false
}

// Put sets key to value as Java's Map.put does: an Equal key keeps its
// position and takes the new value; a new key goes last.
func (m *MapValue) Put(key, value any) {
	if i := m.index(key); i >= 0 {
		m.Entries[i].Value = value
		return
	}
	m.Entries = append(m.Entries, MapEntry{key, value})
}

// Delete removes the entry whose key is Equal to key, as Map.remove does,
// keeping the order of the others.
func (m *MapValue) Delete(key any) {
	if i := m.index(key); i >= 0 {
		m.Entries = append(m.Entries[:i], m.Entries[i+1:]...)
	}
}
