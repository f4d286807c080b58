package transforms

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// side is which part of a record a Key or Value variant works on (Java's
// operatingSchema, operatingValue and newRecord).
type side bool

const (
	keySide   side = true
	valueSide side = false
)

func (s side) schema(r plugin.Record) *plugin.Schema {
	if s == keySide {
		return r.KeySchema
	}
	return r.ValueSchema
}

func (s side) value(r plugin.Record) any {
	if s == keySide {
		return r.Key
	}
	return r.Value
}

// with returns a copy of r with this side replaced. The copy shares r's
// header slice; transforms that change headers give it a new one.
func (s side) with(r plugin.Record, schema *plugin.Schema, value any) plugin.Record {
	if s == keySide {
		r.KeySchema, r.Key = schema, value
	} else {
		r.ValueSchema, r.Value = schema, value
	}
	return r
}
