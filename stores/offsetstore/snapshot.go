package offsetstore

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/internal/pmap"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// Record is one decoded offsets-topic record.
type Record struct {
	Connector string
	// Partition is nil when the key holds a null partition.
	Partition javajson.HashMap
	// RawKey is the key exactly as read; Java keys its offsets by these bytes.
	RawKey []byte
	// Offset is nil for a tombstone and for a JSON null value.
	Offset    javajson.HashMap
	Tombstone bool
}

// BadRecordError explains why an offsets record is unusable. Java keeps such
// records in its byte-keyed map, but no lookup can reach them.
type BadRecordError struct {
	Key    []byte
	Reason string
	Err    error
}

func (e *BadRecordError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("offset record %q: %s: %v", e.Key, e.Reason, e.Err)
	}
	return fmt.Sprintf("offset record %q: %s", e.Key, e.Reason)
}

func (e *BadRecordError) Unwrap() error { return e.Err }

// Decode reads one offsets-topic record. The key must be
// ["<connector>", {partition} or null], as OffsetUtils.processPartitionKey
// requires; the value must be an offset map, JSON null, or a tombstone (nil).
// Like Java's reader it checks offset values are primitives, but accepts any
// partition values.
func Decode(key, value []byte) (Record, error) {
	rec := Record{RawKey: key, Tombstone: value == nil}
	connector, partition, reason, err := decodeKey(key)
	if reason != "" {
		return Record{}, &BadRecordError{Key: key, Reason: reason, Err: err}
	}
	rec.Connector, rec.Partition = connector, partition
	if value == nil {
		return rec, nil
	}
	v, err := javajson.Decode(value)
	if err != nil {
		return Record{}, &BadRecordError{Key: key, Reason: "value is not JSON", Err: err}
	}
	if v == nil {
		return rec, nil
	}
	if rec.Offset, err = primitiveMap(v); err != nil {
		return Record{}, &BadRecordError{Key: key, Reason: "offset is not a map of primitives", Err: err}
	}
	return rec, nil
}

func decodeKey(key []byte) (string, javajson.HashMap, string, error) {
	if key == nil {
		return "", nil, "null key", nil
	}
	v, err := javajson.Decode(key)
	if err != nil {
		return "", nil, "key is not JSON", err
	}
	list, ok := v.([]any)
	if !ok || len(list) != 2 {
		return "", nil, "key is not a two-element array", nil
	}
	connector, ok := list[0].(string)
	if !ok {
		return "", nil, "key does not start with the connector name", nil
	}
	switch p := list[1].(type) {
	case nil:
		return connector, nil, "", nil
	case javajson.HashMap:
		return connector, p, "", nil
	}
	return "", nil, "partition is neither an object nor null", nil
}

// Snapshot holds the offsets read so far, found by content. It is an
// immutable value: Apply returns a new Snapshot sharing what did not change,
// and methods return copies. Apply takes ownership of the record's maps and
// key bytes. The zero Snapshot is empty.
type Snapshot struct {
	connectors pmap.Map[pmap.Map[*entry]]
}

// entry is one partition's offsets under every byte form of its key, in the
// order last written; the newest is the partition's offset.
type entry struct {
	connector string
	partition javajson.HashMap
	forms     []keyForm
}

type keyForm struct {
	rawKey []byte
	offset javajson.HashMap
}

// Apply folds in rec. A tombstone deletes only the key bytes it names, as in
// Java. The zero Record changes nothing.
func (s Snapshot) Apply(rec Record) Snapshot {
	if rec.RawKey == nil {
		return s
	}
	id, err := CanonicalKey(rec.Connector, rec.Partition)
	if err != nil {
		return s // cannot happen for a decoded partition
	}
	partitions, _ := s.connectors.Get(rec.Connector)
	e := &entry{connector: rec.Connector, partition: rec.Partition}
	if old, ok := partitions.Get(id); ok {
		e.forms = slices.DeleteFunc(slices.Clone(old.forms), func(f keyForm) bool { return bytes.Equal(f.rawKey, rec.RawKey) })
	}
	if !rec.Tombstone {
		e.forms = append(e.forms, keyForm{rawKey: rec.RawKey, offset: rec.Offset})
	}
	if len(e.forms) == 0 {
		partitions = partitions.Delete(id)
	} else {
		partitions = partitions.Set(id, e)
	}
	if partitions.Len() == 0 {
		s.connectors = s.connectors.Delete(rec.Connector)
	} else {
		s.connectors = s.connectors.Set(rec.Connector, partitions)
	}
	return s
}

func (s Snapshot) find(connector string, partition any) (*entry, error) {
	id, err := CanonicalKey(connector, partition)
	if err != nil {
		return nil, err
	}
	partitions, _ := s.connectors.Get(connector)
	e, _ := partitions.Get(id)
	return e, nil
}

// Offset returns the latest offset of (connector, partition), matched by
// content. ok is false when there is none; a JSON null offset gives nil, true.
func (s Snapshot) Offset(connector string, partition any) (offset javajson.HashMap, ok bool, err error) {
	e, err := s.find(connector, partition)
	if e == nil || err != nil {
		return nil, false, err
	}
	return slices.Clone(e.forms[len(e.forms)-1].offset), true, nil
}

// RawKeys returns every byte form of the (connector, partition) key that
// currently holds an offset. Deleting the offset means writing a tombstone
// for each, or a Java worker keeps finding the forms it wrote.
func (s Snapshot) RawKeys(connector string, partition any) ([][]byte, error) {
	e, err := s.find(connector, partition)
	if e == nil || err != nil {
		return nil, err
	}
	keys := make([][]byte, len(e.forms))
	for i, f := range e.forms {
		keys[i] = bytes.Clone(f.rawKey)
	}
	return keys, nil
}

// PartitionOffset is a source partition and its latest offset.
type PartitionOffset struct {
	Partition javajson.HashMap
	Offset    javajson.HashMap
}

// Partitions returns the connector's non-null partitions with their offsets,
// ordered by content: what the REST offsets API lists (KIP-875).
func (s Snapshot) Partitions(connector string) []PartitionOffset {
	partitions, _ := s.connectors.Get(connector)
	type keyed struct {
		id string
		po PartitionOffset
	}
	var all []keyed
	for id, e := range partitions.All() {
		if e.partition != nil {
			latest := e.forms[len(e.forms)-1].offset
			all = append(all, keyed{id, PartitionOffset{slices.Clone(e.partition), slices.Clone(latest)}})
		}
	}
	slices.SortFunc(all, func(a, b keyed) int { return strings.Compare(a.id, b.id) })
	out := make([]PartitionOffset, len(all))
	for i, k := range all {
		out[i] = k.po
	}
	return out
}
