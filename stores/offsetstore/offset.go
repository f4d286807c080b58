// Package offsetstore is the pure part of the offsets-topic store for source
// connectors (connect-spec §4): the key and value bytes Java writes, decoding
// them, and an immutable Snapshot that finds offsets by content.
//
// Java keys its in-memory offsets by the exact key bytes and looks an offset
// up by serializing [connector, partition] again, so Go must write the very
// bytes Java would: EncodeKey and EncodeValue do, with partition and offset
// maps in java.util.HashMap order. Reading, Go matches keys by content
// instead (CanonicalKey), so a key Java wrote with its maps in another order
// still matches, and it remembers every byte form it saw so a delete can
// tombstone each of them.
package offsetstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// FormatError reports a partition or offset that Java refuses to write
// (OffsetUtils.validateFormat) or a value that is not a map.
type FormatError struct {
	Field  string // the map key holding the bad value, if any
	Reason string
}

func (e *FormatError) Error() string {
	if e.Field == "" {
		return "offsetstore: " + e.Reason
	}
	return fmt.Sprintf("offsetstore: field %q: %s", e.Field, e.Reason)
}

// EncodeKey writes the offsets-topic key ["<connector>",<partition>].
// partition is nil or a nil javajson.HashMap (written as null), a
// map[string]any (written as a HashMap filled in sorted key order; a nil one
// is empty) or a javajson.HashMap (filled in its order, as Decode returns
// partitions, so Java-written keys come out unchanged). Its values must be
// strings, numbers, booleans or null.
func EncodeKey(connector string, partition any) ([]byte, error) {
	m, err := primitiveMap(partition)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return javajson.Marshal([]any{connector, nil})
	}
	return javajson.Marshal([]any{connector, m})
}

// EncodeValue writes an offset map like EncodeKey writes a partition. A nil
// offset gives a nil value: the tombstone that deletes the partition's offset.
func EncodeValue(offset any) ([]byte, error) {
	m, err := primitiveMap(offset)
	if err != nil || m == nil {
		return nil, err
	}
	return javajson.Marshal(m)
}

// primitiveMap checks a partition or offset the way Java does before it
// writes one, and returns it as a HashMap (nil for nil).
func primitiveMap(v any) (javajson.HashMap, error) {
	m, err := asHashMap(v)
	if err != nil {
		return nil, err
	}
	for _, f := range m {
		switch f.Value.(type) {
		case nil, bool, string, int, int32, int64, float64, json.Number:
		default:
			return nil, &FormatError{Field: f.Key, Reason: fmt.Sprintf(
				"offsets may only contain primitive types (string, number, boolean, null), not %T", f.Value)}
		}
	}
	return m, nil
}

func asHashMap(v any) (javajson.HashMap, error) {
	switch m := v.(type) {
	case nil:
		return nil, nil
	case javajson.HashMap:
		return m, nil
	case map[string]any:
		out := make(javajson.HashMap, 0, len(m))
		for k, val := range m {
			out = append(out, javajson.Field{Key: k, Value: val})
		}
		slices.SortFunc(out, func(a, b javajson.Field) int { return strings.Compare(a.Key, b.Key) })
		return out, nil
	}
	return nil, &FormatError{Reason: fmt.Sprintf("a partition or offset must be a map, not %T", v)}
}

// CanonicalKey identifies (connector, partition) by content: maps are
// compared with their keys sorted (at every depth), integers and decimals
// stay distinct as in Java (1 is not 1.0). partition takes the same types as
// EncodeKey, plus the nested values Decode may return.
func CanonicalKey(connector string, partition any) (string, error) {
	m, err := asHashMap(partition)
	if err != nil {
		return "", err
	}
	var p any
	if m != nil {
		p = canonical(m)
	}
	b, err := javajson.Marshal([]any{connector, p})
	return string(b), err
}

// canonical sorts map members recursively; for a repeated key the last
// value counts, as for a Java HashMap.
func canonical(v any) any {
	switch x := v.(type) {
	case javajson.HashMap:
		index := map[string]int{}
		out := javajson.Object{}
		for _, f := range x {
			if i, ok := index[f.Key]; ok {
				out[i].Value = canonical(f.Value)
				continue
			}
			index[f.Key] = len(out)
			out = append(out, javajson.Field{Key: f.Key, Value: canonical(f.Value)})
		}
		slices.SortFunc(out, func(a, b javajson.Field) int { return strings.Compare(a.Key, b.Key) })
		return out
	case map[string]any:
		m, _ := asHashMap(x)
		return canonical(m)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return out
	}
	return v
}
