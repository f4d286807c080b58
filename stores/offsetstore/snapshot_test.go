package offsetstore

import (
	"reflect"
	"testing"
)

func record(t *testing.T, key, value string) Record {
	t.Helper()
	var v []byte
	if value != "" {
		v = []byte(value)
	}
	rec, err := Decode([]byte(key), v)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestSnapshotMatchesByContent(t *testing.T) {
	javaOrder := `["sink",{"kafka_partition":3,"kafka_topic":"orders"}]`
	otherOrder := `["sink",{"kafka_topic":"orders","kafka_partition":3}]`
	partition := map[string]any{"kafka_topic": "orders", "kafka_partition": 3}
	var s Snapshot
	s = s.Apply(record(t, javaOrder, `{"kafka_offset":1}`))
	s = s.Apply(record(t, otherOrder, `{"kafka_offset":2}`))
	if off, ok, _ := s.Offset("sink", partition); !ok || !reflect.DeepEqual(off, m("kafka_offset", int64(2))) {
		t.Errorf("Offset = %v, %v; want the newest form's", off, ok)
	}
	keys, _ := s.RawKeys("sink", partition)
	if len(keys) != 2 || string(keys[0]) != javaOrder || string(keys[1]) != otherOrder {
		t.Errorf("RawKeys = %q", keys)
	}
	// A tombstone removes only the bytes it names, as in Java's byte-keyed map.
	s = s.Apply(record(t, otherOrder, ""))
	if off, ok, _ := s.Offset("sink", partition); !ok || !reflect.DeepEqual(off, m("kafka_offset", int64(1))) {
		t.Errorf("after tombstone of one form: %v, %v", off, ok)
	}
	s = s.Apply(record(t, javaOrder, ""))
	if _, ok, _ := s.Offset("sink", partition); ok || s.connectors.Len() != 0 {
		t.Error("offset survived tombstones of every form")
	}
}

func TestSnapshotRewriteMovesToNewest(t *testing.T) {
	a, b := `["c",{"f":"a"}]`, `["c",{"f":"b"}]`
	s := Snapshot{}.Apply(record(t, a, `{"p":1}`)).Apply(record(t, b, `{"p":1}`)).Apply(record(t, a, `{"p":2}`))
	if off, _, _ := s.Offset("c", map[string]any{"f": "a"}); !reflect.DeepEqual(off, m("p", int64(2))) {
		t.Errorf("Offset = %v", off)
	}
	got := s.Partitions("c")
	want := []PartitionOffset{{m("f", "a"), m("p", int64(2))}, {m("f", "b"), m("p", int64(1))}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Partitions = %v", got)
	}
}

func TestSnapshotNullPartitionAndValue(t *testing.T) {
	s := Snapshot{}.Apply(record(t, `["c",null]`, `{"p":1}`)).Apply(record(t, `["c",{"x":1}]`, `null`))
	if off, ok, _ := s.Offset("c", nil); !ok || off == nil {
		t.Errorf("null partition: %v, %v", off, ok)
	}
	if off, ok, _ := s.Offset("c", map[string]any{"x": 1}); !ok || off != nil {
		t.Errorf("JSON null offset: %v, %v; want nil, true", off, ok)
	}
	if got := s.Partitions("c"); len(got) != 1 {
		t.Errorf("Partitions lists the null partition: %v", got)
	}
	if s.Apply(Record{}).connectors.Len() != 1 {
		t.Error("zero Record changed the snapshot")
	}
}

func TestSnapshotIsImmutable(t *testing.T) {
	key := `["c",{"f":"a"}]`
	before := Snapshot{}.Apply(record(t, key, `{"p":1}`))
	after := before.Apply(record(t, key, `{"p":2}`))
	off, _, _ := before.Offset("c", map[string]any{"f": "a"})
	if !reflect.DeepEqual(off, m("p", int64(1))) {
		t.Errorf("old snapshot changed: %v", off)
	}
	off[0].Value = "mutated"
	if again, _, _ := before.Offset("c", map[string]any{"f": "a"}); again[0].Value != int64(1) {
		t.Error("Offset returned shared state")
	}
	if got, _, _ := after.Offset("c", map[string]any{"f": "a"}); got[0].Value != int64(2) {
		t.Errorf("new snapshot: %v", got)
	}
}
