package transforms

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// The checks of Java's transforms.util.Requirements, with its messages;
// purpose names the transform's job in them.

func requireMap(v any, purpose string) (*plugin.MapValue, error) {
	m, ok := v.(*plugin.MapValue)
	if !ok {
		return nil, dataErr("Only Map objects supported in absence of schema for [%s], found: %s", purpose, javaClassName(v))
	}
	return m, nil
}

func requireMapOrNull(v any, purpose string) (*plugin.MapValue, error) {
	if v == nil {
		return nil, nil
	}
	return requireMap(v, purpose)
}

func requireStruct(v any, purpose string) (*plugin.StructValue, error) {
	st, ok := v.(*plugin.StructValue)
	if !ok {
		return nil, dataErr("Only Struct objects supported for [%s], found: %s", purpose, javaClassName(v))
	}
	return st, nil
}

func requireStructOrNull(v any, purpose string) (*plugin.StructValue, error) {
	if v == nil {
		return nil, nil
	}
	return requireStruct(v, purpose)
}

func requireSchema(s *plugin.Schema, purpose string) error {
	if s == nil {
		return dataErr("Schema required for [%s]", purpose)
	}
	return nil
}

// isSourceRecord tells source records from sink records. The SPI's Record
// has no such flag; a source record is one that carries a source
// partition or offset.
func isSourceRecord(r plugin.Record) bool {
	return r.SourcePartition != nil || r.SourceOffset != nil
}

// requireSinkRecord is Requirements.requireSinkRecord.
func requireSinkRecord(r plugin.Record, purpose string) error {
	if isSourceRecord(r) {
		return dataErr("Only SinkRecord supported for [%s], found: org.apache.kafka.connect.source.SourceRecord", purpose)
	}
	return nil
}

// stringKey is the cast to String Java's transforms make on the keys of a
// schemaless map.
func stringKey(k any) (string, error) {
	s, ok := k.(string)
	if !ok {
		return "", dataErr("class %[1]s cannot be cast to class java.lang.String (%[1]s and java.lang.String are in module java.base of loader 'bootstrap')", javaClassName(k))
	}
	return s, nil
}
