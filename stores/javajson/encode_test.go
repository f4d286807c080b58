package javajson

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// TestEncodeGolden replays values that Kafka's JsonConverter serialized
// (testdata/encode-jdk25.jsonl) and expects the same bytes.
func TestEncodeGolden(t *testing.T) {
	for _, c := range readLines[encodeCase](t, "testdata/encode-jdk25.jsonl") {
		t.Run(c.Name, func(t *testing.T) {
			got, err := Marshal(buildValue(t, c.In))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.Out {
				t.Errorf("got  %s\nwant %s", got, c.Out)
			}
		})
	}
}

type encodeCase struct {
	Name string
	In   json.RawMessage
	Out  string
}

// buildValue turns the generator's typed description of a Java value into the
// Go value Marshal takes (see GenGoldens.build).
func buildValue(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	if string(raw) == "null" {
		return nil
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(raw, &d); err != nil || len(d) != 1 {
		t.Fatalf("bad description %s: %v", raw, err)
	}
	for kind, v := range d {
		switch kind {
		case "s", "b":
			var x any
			mustUnmarshal(t, v, &x)
			return x
		case "l":
			var s string
			mustUnmarshal(t, v, &s)
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		case "d":
			var s string
			mustUnmarshal(t, v, &s)
			bits, err := strconv.ParseUint(s, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return math.Float64frombits(bits)
		case "a":
			var elems []json.RawMessage
			mustUnmarshal(t, v, &elems)
			l := []any{}
			for _, e := range elems {
				l = append(l, buildValue(t, e))
			}
			return l
		case "m", "o":
			var pairs [][2]json.RawMessage
			mustUnmarshal(t, v, &pairs)
			fields := []Field{}
			for _, p := range pairs {
				var k string
				mustUnmarshal(t, p[0], &k)
				fields = append(fields, Field{k, buildValue(t, p[1])})
			}
			if kind == "o" {
				return Object(fields)
			}
			return HashMap(fields)
		}
	}
	t.Fatalf("unknown description %s", raw)
	return nil
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func readLines[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMarshalGoTypes(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"int", 7, "7"},
		{"int32", int32(-3), "-3"},
		{"json.Number int", json.Number("42"), "42"},
		{"json.Number float", json.Number("1e10"), "1.0E10"},
		{"json.Number overflow", json.Number("1e400"), `"Infinity"`},
		{"map sorted insertion", map[string]any{"kafka_topic": "t", "kafka_partition": int64(3)}, `{"kafka_partition":3,"kafka_topic":"t"}`},
		{"object keeps order", Object{{"z", 1}, {"a", 2}}, `{"z":1,"a":2}`},
		{"invalid utf8", "a\xffb", "\"a\uFFFDb\""},
		{"nested", []any{map[string]any{}, Object{}, HashMap{}}, `[{},{},{}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMarshalRejects(t *testing.T) {
	for _, in := range []any{
		float32(1),
		json.Number("9223372036854775808"),
		json.Number("1 "),
		json.Number(""),
		[]any{struct{}{}},
		Object{{"k", uint(1)}},
	} {
		if _, err := Marshal(in); err == nil {
			t.Errorf("Marshal(%#v) succeeded", in)
		}
	}
}

func TestHashMapGet(t *testing.T) {
	m := HashMap{{"a", 1}, {"b", 2}, {"a", 3}}
	if v, ok := m.Get("a"); !ok || v != 3 {
		t.Errorf("Get(a) = %v, %v; want the last put, 3", v, ok)
	}
	if _, ok := m.Get("c"); ok {
		t.Error("Get(c) found a value")
	}
}
