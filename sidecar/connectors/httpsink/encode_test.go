package httpsink

import (
	"encoding/json"
	"math"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestValues(t *testing.T) {
	order := &plugin.Schema{Type: plugin.Struct, Fields: []plugin.Field{
		{Name: "id", Index: 0, Schema: &plugin.Schema{Type: plugin.Int64}},
		{Name: "placed", Index: 1, Schema: plugin.TimestampSchema(false)},
	}}
	st := plugin.NewStruct(order)
	st.Values[0], st.Values[1] = int64(7), time.UnixMilli(1700000000000).UTC()
	m := &plugin.MapValue{}
	m.Put("a", []any{int64(1), "x", nil, true})
	m.Put("b", 2.5)
	intKeys := &plugin.MapValue{}
	intKeys.Put(int32(1), "one")
	e := newEncoder(formatJSON)
	for _, c := range []struct {
		name   string
		schema *plugin.Schema
		value  any
		want   string
	}{
		{"null", nil, nil, `null`},
		{"string", nil, "é \"q\"\n", `"é \"q\"\n"`},
		{"JSON bytes are embedded", nil, []byte(` {"a":[1,2]} `), ` {"a":[1,2]} `},
		{"other bytes are base64", nil, []byte("hi!"), `"aGkh"`},
		{"int", nil, int32(-3), `-3`},
		{"double", nil, 0.1, `0.1`},
		{"NaN", nil, float32(math.NaN()), `"NaN"`},
		{"bool", nil, false, `false`},
		{"schemaless map", nil, m, `{"a":[1,"x",null,true],"b":2.5}`},
		{"map with non-string keys", nil, intKeys, `[[1,"one"]]`},
		{"struct", order, st, `{"id":7,"placed":1700000000000}`},
		{"struct without its schema", nil, st, `{"id":7,"placed":1700000000000}`},
		{"decimal as a number", plugin.DecimalSchema(2), plugin.Decimal{Unscaled: big.NewInt(12345), Scale: 2}, `123.45`},
		{"decimal without a schema", nil, plugin.Decimal{Unscaled: big.NewInt(5), Scale: 1}, `0.5`},
	} {
		got, err := e.value(nil, "orders", c.schema, c.value)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %s, %v; want %s", c.name, got, err, c.want)
		}
	}
}

func TestJSONRecord(t *testing.T) {
	r := plugin.Record{Topic: "orders", Partition: 2, Offset: 9, Key: []byte{0xff}, Value: []byte(`{"total":3}`),
		Headers: []plugin.Header{{Key: "h", Value: "first"}, {Key: "n", Value: int64(1)}, {Key: "h", Value: "last"}}}
	got, _, err := newEncoder(formatJSON).record(nil, &r, positionOf(&r))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"orders-2-9","topic":"orders","partition":2,"offset":9,"timestamp":null,"key":"/w==","value":{"total":3},"headers":{"n":1,"h":"last"}}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !json.Valid(got) {
		t.Error("not JSON")
	}
}

func TestUnwritableRecordLeavesNothing(t *testing.T) {
	r := rec(0, 0)
	r.Value = struct{}{}
	got, _, err := newEncoder(formatCloudEvents).record([]byte("before"), &r, positionOf(&r))
	if err == nil || string(got) != "before" {
		t.Errorf("%q, %v", got, err)
	}
}

func TestCloudEventSubjectAndSource(t *testing.T) {
	r := plugin.Record{Topic: "a/b c", Partition: 1, Offset: 2, Key: int64(42), Value: &plugin.MapValue{}}
	got, data, err := newEncoder(formatCloudEvents).record(nil, &r, positionOf(&r))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"specversion":"1.0","id":"a/b c-1-2","source":"/kafka/a%2Fb%20c/1","type":"io.connectsidecar.kafka.record",` +
		`"subject":"42","datacontenttype":"application/json","data":{}}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if string(got[data[0]:data[1]]) != "{}" {
		t.Errorf("data span %q", got[data[0]:data[1]])
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"plain-key_1": "plain-key_1",
		`a "b" 100%`:  "a%20%22b%22%20100%25",
		"é\n":         "%C3%A9%0A",
	} {
		if got := percentEncode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, ceiling := 100*time.Millisecond, time.Second
	for attempt, most := range map[int]time.Duration{1: base, 2: 2 * base, 4: 8 * base, 5: ceiling, 80: ceiling} {
		for range 200 {
			if d := backoff(attempt, base, ceiling); d < 0 || d > most {
				t.Fatalf("attempt %d: %v, want within [0, %v]", attempt, d, most)
			}
		}
	}
	if d := backoff(70, time.Duration(1)<<62, time.Duration(1)<<62+1); d < 0 {
		t.Errorf("overflowed: %v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":         -1,
		"3":        3 * time.Second,
		"0":        0,
		"-1":       -1,
		"soon":     -1,
		"99999999": 24 * time.Hour,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", h, got, want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := "a" + strings.Repeat("é", maxReason)
	got := excerpt(long)
	if !utf8.ValidString(got) || len(got) > maxReason+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("%q", got)
	}
	if got := excerpt("bad\xffbyte\r\nnext"); got != "bad\uFFFDbyte  next" {
		t.Errorf("%q", got)
	}
	if got := reason(http.StatusConflict, " \n"); got != "Conflict" {
		t.Errorf("%q", got)
	}
}
