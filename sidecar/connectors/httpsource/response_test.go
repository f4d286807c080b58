package httpsource

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func testDecoder(t *testing.T) *decoder {
	t.Helper()
	d, err := newDecoder("events", map[string]any{URLField: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func obj(kv ...any) *plugin.MapValue {
	m := &plugin.MapValue{}
	for i := 0; i < len(kv); i += 2 {
		m.Entries = append(m.Entries, plugin.MapEntry{Key: kv[i], Value: kv[i+1]})
	}
	return m
}

func TestDecode(t *testing.T) {
	body := `{"cursor": "c2", "records": [
		{"key": "k1", "value": {"b": 1, "a": [1.5, true, null, "s"]}, "headers": {"z": "1", "a": 2}},
		{"key": {"id": 7}, "value": 12345678901, "topic": "other", "timestamp": 1700000000123},
		{"value": null, "topic": null, "timestamp": null, "headers": null},
		{"key": null, "value": "text", "topic": ""}
	]}`
	recs, cursor, err := testDecoder(t).decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	partition, offset := map[string]any{URLField: "http://x/"}, map[string]any{CursorField: "c2"}
	want := []plugin.Record{
		{Topic: "events", Partition: plugin.NoPartition, Key: "k1",
			Value:   obj("b", int64(1), "a", []any{1.5, true, nil, "s"}),
			Headers: []plugin.Header{{Key: "z", Value: "1"}, {Key: "a", Value: int64(2)}}},
		{Topic: "other", Partition: plugin.NoPartition, Key: obj("id", int64(7)), Value: int64(12345678901),
			Timestamp: time.UnixMilli(1700000000123)},
		{Topic: "events", Partition: plugin.NoPartition},
		{Topic: "events", Partition: plugin.NoPartition, Value: "text"},
	}
	if cursor != "c2" || len(recs) != len(want) {
		t.Fatalf("cursor %q, %d records", cursor, len(recs))
	}
	for i := range want {
		want[i].SourcePartition, want[i].SourceOffset = partition, offset
		if !reflect.DeepEqual(recs[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, recs[i], want[i])
		}
	}
}

// Keys and values are what JsonConverter with schemas.enable=false reads
// from the same JSON, so writing them with it gives the JSON back.
func TestDecodeRoundTripsThroughJsonConverter(t *testing.T) {
	values := []string{`{"b":1,"a":[1.5,true,null,"s",{"x":{}}]}`, `"text"`, `-42`, `0.25`, `false`, `[]`}
	body := `{"cursor":"c","records":[{"value":` + strings.Join(values, `},{"value":`) + `}]}`
	recs, _, err := testDecoder(t).decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	conv := &converters.JsonConverter{}
	if err := conv.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		out, err := conv.FromConnectData("events", r.ValueSchema, r.Value)
		if err != nil || string(out) != values[i] {
			t.Errorf("value %s written back as %s, %v", values[i], out, err)
		}
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, body := range []string{`{}`, `{"records": []}`, `{"records": null, "cursor": null}`, `{"records": [], "cursor": "next"}`} {
		recs, cursor, err := testDecoder(t).decode([]byte(body))
		if err != nil || len(recs) != 0 {
			t.Errorf("%s: %d records, %v", body, len(recs), err)
		}
		if want := map[bool]string{true: "next"}[strings.Contains(body, "next")]; cursor != want {
			t.Errorf("%s: cursor %q, want %q", body, cursor, want)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{``, "the body is not a JSON object"},
		{`[1]`, "the body is not a JSON object"},
		{`{"records": [}`, "invalid JSON at byte 13"},
		{`{"records": [{"value": 1}], "cursor": "c"`, "invalid JSON"},
		{`{"records": {}, "cursor": "c"}`, "records: not a JSON array"},
		{`{"records": [], "cursor": 5}`, "cursor: not a JSON string"},
		{`{"records": [{"value": 1}]}`, "1 records but no cursor"},
		{`{"records": [{"value": 1}], "cursor": ""}`, "1 records but no cursor"},
		{`{"records": [{"value": 1}, 2], "cursor": "c"}`, "records[1]: not a JSON object"},
		{`{"records": [{"value": 1, "topic": 3}], "cursor": "c"}`, "records[0]: topic: not a JSON string"},
		{`{"records": [{"value": 1, "timestamp": 1.5}], "cursor": "c"}`, "records[0]: timestamp: not a whole number"},
		{`{"records": [{"value": 1, "timestamp": "2024-01-01"}], "cursor": "c"}`, "records[0]: timestamp: not a whole number"},
		{`{"records": [{"value": 1, "timestamp": -1}], "cursor": "c"}`, "records[0]: timestamp: -1 is before 1970"},
		{`{"records": [{"value": 1, "headers": ["a"]}], "cursor": "c"}`, "records[0]: headers: not a JSON object"},
	} {
		_, _, err := testDecoder(t).decode([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %s", tc.body, err, tc.want)
		}
	}
}
