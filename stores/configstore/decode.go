package configstore

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// BadRecordError explains why a config record is not used. Err holds the
// JSON error when the value did not parse.
type BadRecordError struct {
	Key    string
	Reason string
	Err    error
}

func (e *BadRecordError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("config record %q: %s: %v", e.Key, e.Reason, e.Err)
	}
	return fmt.Sprintf("config record %q: %s", e.Key, e.Reason)
}

func (e *BadRecordError) Unwrap() error { return e.Err }

// Decode reads one config-topic record; a nil value is a tombstone. It parses
// the value first, as Java does, so the outcome matches Java's:
//   - a value that is not JSON: nil and a *BadRecordError; the record does
//     not count towards the config offset;
//   - JSON that Java ignores (unknown key, wrong shape, unexpected tombstone):
//     an Ignored record and a *BadRecordError; Apply it, since it counts;
//   - otherwise the typed record and nil.
//
// Empty bytes and the JSON literal null read as null, like a tombstone,
// because that is what JsonConverter makes of them.
func Decode(key string, value []byte) (Record, error) {
	var v any
	if value != nil {
		var err error
		if v, err = javajson.Decode(value); err != nil {
			return nil, &BadRecordError{Key: key, Reason: "value is not JSON", Err: err}
		}
	}
	k, ok := ParseKey(key)
	if !ok {
		return Ignored{Key: k}, &BadRecordError{Key: key, Reason: "unknown key"}
	}
	rec, reason := decodeValue(k, v)
	if reason != "" {
		return Ignored{Key: k}, &BadRecordError{Key: key, Reason: reason}
	}
	return rec, nil
}

// decodeValue builds the record for a parsed key, or says why Java would
// discard it.
func decodeValue(k Key, v any) (Record, string) {
	if v == nil {
		switch k.Kind {
		case ConnectorKey:
			return ConnectorTombstone{Connector: k.Name}, ""
		case TargetStateKey:
			return TargetStateTombstone{Connector: k.Name}, ""
		}
		return nil, "unexpected tombstone"
	}
	m, ok := v.(javajson.HashMap)
	if !ok {
		return nil, fmt.Sprintf("value is %s, not an object", typeName(v))
	}
	switch k.Kind {
	case ConnectorKey:
		props, reason := properties(m)
		return ConnectorConfig{Connector: k.Name, Properties: props}, reason
	case TaskKey:
		props, reason := properties(m)
		return TaskConfig{ID: TaskID{k.Name, k.Task}, Properties: props}, reason
	case CommitKey:
		n, reason := intField(m, "tasks")
		return Commit{Connector: k.Name, Tasks: n}, reason
	case TargetStateKey:
		s, reason := targetState(m)
		return ConnectorTargetState{Connector: k.Name, State: s}, reason
	case RestartKey:
		return RestartRequest{Connector: k.Name, OnlyFailed: boolField(m, "only-failed"), IncludeTasks: boolField(m, "include-tasks")}, ""
	case TaskCountKey:
		n, reason := intField(m, "task-count")
		return TaskCountRecord{Connector: k.Name, TaskCount: n}, reason
	case SessionKeyKey:
		return sessionKey(m)
	}
	level, ok := m.Get("level")
	if s, isString := level.(string); ok && isString {
		return LoggerLevel{Namespace: k.Name, Level: s}, ""
	}
	return nil, "'level' is not a string"
}

// properties reads {"properties":{...}}. Java keeps any value it finds there
// and fails the connector later; values other than strings and null are
// refused here instead, because a Props cannot hold them.
func properties(m javajson.HashMap) (Props, string) {
	raw, _ := m.Get("properties")
	pm, ok := raw.(javajson.HashMap)
	if !ok {
		return nil, fmt.Sprintf("'properties' is %s, not an object", typeName(raw))
	}
	props := make(Props, len(pm))
	for _, f := range pm {
		switch v := f.Value.(type) {
		case nil:
			props[f.Key] = nil
		case string:
			props[f.Key] = &v
		default:
			return nil, fmt.Sprintf("property %q is %s, not a string", f.Key, typeName(v))
		}
	}
	return props, ""
}

// intField reads a count the way Java's intValue does: the JSON value must be
// an integer, which is narrowed to 32 bits.
func intField(m javajson.HashMap, name string) (int32, string) {
	v, _ := m.Get(name)
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Sprintf("'%s' is %s, not an integer", name, typeName(v))
	}
	return int32(n), ""
}

// boolField reads a restart flag; like Java it falls back to false when the
// field is missing or not a boolean.
func boolField(m javajson.HashMap, name string) bool {
	v, _ := m.Get(name)
	b, _ := v.(bool)
	return b
}

// targetState prefers "state.v2", which can say STOPPED, and falls back to
// the older "state" only when "state.v2" is absent or not a string.
func targetState(m javajson.HashMap) (TargetState, string) {
	name, ok := "", false
	if v, _ := m.Get("state.v2"); v != nil {
		name, ok = v.(string)
	}
	if !ok {
		v, _ := m.Get("state")
		if name, ok = v.(string); !ok {
			return 0, fmt.Sprintf("'state' is %s, not a string", typeName(v))
		}
	}
	s, ok := ParseTargetState(name)
	if !ok {
		return 0, fmt.Sprintf("unknown target state %q", name)
	}
	return s, ""
}

func sessionKey(m javajson.HashMap) (Record, string) {
	encoded, _ := m.Get("key")
	keyText, ok := encoded.(string)
	if !ok {
		return nil, fmt.Sprintf("'key' is %s, not a string", typeName(encoded))
	}
	key, err := decodeBase64(keyText)
	if err != nil || len(key) == 0 {
		return nil, "'key' is not a non-empty Base64 string"
	}
	alg, _ := m.Get("algorithm")
	algorithm, ok := alg.(string)
	if !ok {
		return nil, fmt.Sprintf("'algorithm' is %s, not a string", typeName(alg))
	}
	ts, _ := m.Get("creation-timestamp")
	created, ok := ts.(int64)
	if !ok {
		return nil, fmt.Sprintf("'creation-timestamp' is %s, not an integer", typeName(ts))
	}
	return SessionKey{Key: key, Algorithm: algorithm, CreationTimestamp: created}, ""
}

// decodeBase64 follows java.util.Base64.getDecoder(): standard alphabet,
// padding optional but correct when present, no line breaks.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, base64.CorruptInputError(strings.IndexAny(s, "\r\n"))
	}
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// typeName names a decoded JSON value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a decimal number"
	case []any:
		return "an array"
	case javajson.HashMap:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
