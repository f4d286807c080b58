package offsetstore

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

type hm = javajson.HashMap

// goldens pairs each testdata/<name>.key.json and .value.json, written by
// Kafka 4.1.1's JsonConverter, with the maps Java filled, in Java's put order.
var goldens = []struct {
	name      string
	connector string
	partition hm
	offset    hm
}{
	{"file-source", "file-source", m("filename", "/tmp/in.txt"), m("position", int64(1234))},
	{"sink-shape", "sink", m("kafka_topic", "orders", "kafka_partition", int64(3)), m("kafka_offset", int64(42))},
	{"mixed", "cdc-source",
		m("server", "db-1", "ratio", 0.25, "snapshot", true, "gone", nil, "ü😀", "<>&/\n"),
		m("lsn", int64(9007199254740993), "ts", 1.0e10, "txId", "abc", "last", false)},
	{"wide", "wide", seqMap("field", 13, func(i int) any { return int64(i) }), seqMap("o", 13, func(i int) any { return "v" + itoa(i) })},
	{"null-partition", "c", nil, m("position", int64(1))},
	{"empty-partition", "c", m(), m("position", int64(0))},
}

// m builds a HashMap from alternating keys and values, in put order.
func m(kv ...any) hm {
	out := hm{}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, javajson.Field{Key: kv[i].(string), Value: kv[i+1]})
	}
	return out
}

func seqMap(prefix string, n int, value func(int) any) hm {
	var kv []any
	for i := 0; i < n; i++ {
		kv = append(kv, prefix+itoa(i), value(i))
	}
	return m(kv...)
}

func itoa(i int) string {
	b, _ := javajson.Marshal(i)
	return string(b)
}

func readGolden(t *testing.T, name string) (key, value []byte) {
	t.Helper()
	key, err1 := os.ReadFile("testdata/" + name + ".key.json")
	value, err2 := os.ReadFile("testdata/" + name + ".value.json")
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return key, value
}

func TestEncodeMatchesJava(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			wantKey, wantValue := readGolden(t, g.name)
			var partition any
			if g.partition != nil {
				partition = g.partition
			}
			key, err := EncodeKey(g.connector, partition)
			if err != nil || string(key) != string(wantKey) {
				t.Errorf("key   %s, %v\nwant  %s", key, err, wantKey)
			}
			value, err := EncodeValue(g.offset)
			if err != nil || string(value) != string(wantValue) {
				t.Errorf("value %s, %v\nwant  %s", value, err, wantValue)
			}
		})
	}
}

func TestDecodeJavaRecords(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			key, value := readGolden(t, g.name)
			rec, err := Decode(key, value)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Connector != g.connector || string(rec.RawKey) != string(key) || rec.Tombstone {
				t.Errorf("got %+v", rec)
			}
			wantID, _ := CanonicalKey(g.connector, g.partition)
			if id, _ := CanonicalKey(rec.Connector, rec.Partition); id != wantID {
				t.Errorf("partition %v, want %v", rec.Partition, g.partition)
			}
			// What Go reads from Java, Go writes back byte for byte.
			again, err := EncodeKey(rec.Connector, rec.Partition)
			if err != nil || string(again) != string(key) {
				t.Errorf("re-encoded key %s, %v", again, err)
			}
			if v, _ := EncodeValue(rec.Offset); string(v) != string(value) {
				t.Errorf("re-encoded value %s", v)
			}
		})
	}
}

func TestGoMapsMatchJavaForSmallMaps(t *testing.T) {
	key, _ := readGolden(t, "sink-shape")
	got, err := EncodeKey("sink", map[string]any{"kafka_topic": "orders", "kafka_partition": 3})
	if err != nil || string(got) != string(key) {
		t.Errorf("got %s, %v; want %s", got, err, key)
	}
}

func TestRejectsNonPrimitives(t *testing.T) {
	tests := []struct {
		name  string
		fn    func() error
		field string
	}{
		{"nested map in partition", func() error {
			_, err := EncodeKey("c", map[string]any{"db": map[string]any{"x": 1}})
			return err
		}, "db"},
		{"list in offset", func() error { _, err := EncodeValue(map[string]any{"pos": []any{1}}); return err }, "pos"},
		{"object in offset", func() error { _, err := EncodeValue(m("o", javajson.Object{})); return err }, "o"},
		{"unsupported type", func() error { _, err := EncodeValue(map[string]any{"u": uint(1)}); return err }, "u"},
		{"not a map", func() error { _, err := EncodeKey("c", []any{"x"}); return err }, ""},
	}
	for _, tt := range tests {
		var fe *FormatError
		if err := tt.fn(); !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: err = %v, want a FormatError for %q", tt.name, err, tt.field)
		}
	}
}

func TestNullOffsetIsTombstone(t *testing.T) {
	if v, err := EncodeValue(nil); v != nil || err != nil {
		t.Errorf("EncodeValue(nil) = %q, %v", v, err)
	}
}

func TestCanonicalKey(t *testing.T) {
	a, _ := CanonicalKey("c", m("b", int64(1), "a", m("y", 1, "x", 2)))
	b, _ := CanonicalKey("c", map[string]any{"a": map[string]any{"x": 2, "y": 1}, "b": 1})
	if a != b {
		t.Errorf("same content, different keys: %s vs %s", a, b)
	}
	for _, other := range []any{
		map[string]any{"a": map[string]any{"x": 2, "y": 1}, "b": 1.0}, // a Double is not a Long in Java
		map[string]any{"b": 1},
		nil,
	} {
		if k, _ := CanonicalKey("c", other); k == a {
			t.Errorf("%v matched %s", other, a)
		}
	}
	if n, _ := CanonicalKey("c", nil); n == "" {
		t.Error("null partition has no key")
	}
	if _, err := CanonicalKey("c", "x"); err == nil {
		t.Error("accepted a string partition")
	}
}

func TestDecodeBadRecords(t *testing.T) {
	tests := []struct{ key, value string }{
		{`{"c":1}`, `{}`},
		{`["c"]`, `{}`},
		{`["c",{},1]`, `{}`},
		{`[1,{}]`, `{}`},
		{`["c","p"]`, `{}`},
		{`["c",{}`, `{}`},
		{`["c",{}]`, `{`},
		{`["c",{}]`, `[1]`},
		{`["c",{}]`, `{"pos":{"nested":1}}`},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.key), []byte(tt.value))
		var bad *BadRecordError
		if !errors.As(err, &bad) {
			t.Errorf("Decode(%s, %s) = %v, want a *BadRecordError", tt.key, tt.value, err)
		}
	}
	if _, err := Decode(nil, []byte(`{}`)); err == nil {
		t.Error("accepted a null key")
	}
}

func TestDecodeTolerates(t *testing.T) {
	rec, err := Decode([]byte(`["c",{"db":{"nested":[1]}}]`), []byte(`null`))
	if err != nil || rec.Offset != nil || rec.Tombstone {
		t.Fatalf("got %+v, %v", rec, err)
	}
	if !reflect.DeepEqual(rec.Partition, m("db", m("nested", []any{int64(1)}))) {
		t.Errorf("partition %v", rec.Partition)
	}
	tomb, err := Decode([]byte(`["c",null]`), nil)
	if err != nil || !tomb.Tombstone || tomb.Partition != nil {
		t.Errorf("tombstone: %+v, %v", tomb, err)
	}
}
