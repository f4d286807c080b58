package converters

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var (
	_ plugin.Converter       = (*JsonConverter)(nil)
	_ plugin.Converter       = (*StringConverter)(nil)
	_ plugin.Converter       = (*ByteArrayConverter)(nil)
	_ plugin.HeaderConverter = (*SimpleHeaderConverter)(nil)
	_ plugin.HeaderConverter = headerAdapter{}
)

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		conv  plugin.Converter
		props map[string]string
		name  string // the setting the error must name
	}{
		{&JsonConverter{}, map[string]string{"schemas.enable": "yes"}, "schemas.enable"},
		{&JsonConverter{}, map[string]string{"decimal.format": "HEX"}, "decimal.format"},
		{&JsonConverter{}, map[string]string{"replace.null.with.default": ""}, "replace.null.with.default"},
		{&JsonConverter{}, map[string]string{"schemas.cache.size": "many"}, "schemas.cache.size"},
		{&JsonConverter{}, map[string]string{"schema.content": `{"type":"int128"}`}, "schema.content"},
		{&JsonConverter{}, map[string]string{"schema.content": `{"type":`}, "schema.content"},
		{&StringConverter{}, map[string]string{"converter.encoding": "UTF-16"}, "converter.encoding"},
		{&StringConverter{}, map[string]string{"converter.encoding": "ISO-8859-1"}, "converter.encoding"},
	}
	for _, tt := range tests {
		err := tt.conv.Configure(tt.props, false)
		var ce *configdef.Error
		if !errors.As(err, &ce) || ce.Key != tt.name {
			t.Errorf("%T %v: got %v, want a ConfigError for %s", tt.conv, tt.props, err, tt.name)
		}
	}
}

func TestConfigAccepted(t *testing.T) {
	tests := []struct {
		conv  plugin.Converter
		props map[string]string
	}{
		{&JsonConverter{}, map[string]string{"schemas.enable": " FALSE ", "decimal.format": "numeric",
			"replace.null.with.default": "True", "schemas.cache.size": "10", "converter.type": "value", "unknown": "x"}},
		{&StringConverter{}, map[string]string{"converter.encoding": "utf8"}},
		{&StringConverter{}, map[string]string{"converter.encoding": "Utf-8"}},
		{&ByteArrayConverter{}, map[string]string{"anything": "x"}},
	}
	for _, tt := range tests {
		if err := tt.conv.Configure(tt.props, true); err != nil {
			t.Errorf("%T %v: %v", tt.conv, tt.props, err)
		}
	}
	c := &JsonConverter{}
	_ = c.Configure(tests[0].props, false)
	out, err := c.FromConnectData("t", plugin.DecimalSchema(2), plugin.Decimal{Unscaled: big.NewInt(-150), Scale: 2})
	if err != nil || string(out) != "-1.50" {
		t.Errorf("schemas off, NUMERIC: got %q, %v", out, err)
	}
}

func TestEnvelopeErrorTellsWhatToDo(t *testing.T) {
	_, _, err := (&JsonConverter{}).ToConnectData("t", []byte(`{"id":1}`))
	if err == nil || !strings.Contains(err.Error(), "schemas.enable=false") {
		t.Fatalf("got %v", err)
	}
}

func TestErrorsNameTheField(t *testing.T) {
	address := &plugin.Schema{Type: plugin.Struct, Optional: true, Fields: []plugin.Field{
		{Name: "street", Schema: &plugin.Schema{Type: plugin.String}},
	}}
	order := &plugin.Schema{Type: plugin.Struct, Fields: []plugin.Field{
		{Name: "id", Schema: &plugin.Schema{Type: plugin.Int64}},
		{Name: "addresses", Index: 1, Schema: &plugin.Schema{Type: plugin.Array, Value: address}},
	}}
	v := plugin.NewStruct(order)
	v.Values[0] = int64(1)
	v.Values[1] = []any{plugin.NewStruct(address), plugin.NewStruct(address)}
	v.Values[1].([]any)[0].(*plugin.StructValue).Values[0] = "Main St"

	_, err := (&JsonConverter{}).FromConnectData("t", order, v)
	var de *DataError
	if !errors.As(err, &de) || de.Path != "addresses[1].street" {
		t.Fatalf("got %v, want a DataError at addresses[1].street", err)
	}

	in := `{"schema":{"type":"struct","fields":[{"type":"map","keys":{"type":"string","optional":false},` +
		`"values":{"type":"int32","optional":false},"optional":false,"field":"m"}],"optional":false},"payload":{"m":{"k":null}}}`
	_, _, err = (&JsonConverter{}).ToConnectData("t", []byte(in))
	if !errors.As(err, &de) || de.Path != `m["k"]` {
		t.Fatalf("got %v, want a DataError at m[\"k\"]", err)
	}
}

func TestSchemaContent(t *testing.T) {
	c := &JsonConverter{}
	err := c.Configure(map[string]string{"schema.content": `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false}`}, false)
	if err != nil {
		t.Fatal(err)
	}
	schema, value, err := c.ToConnectData("t", []byte(`{"a":5}`))
	if err != nil || dumpSV(schema, value) != `struct{"a":int32} struct{"a"=i32:5}` {
		t.Fatalf("got %s, %v", dumpSV(schema, value), err)
	}
}

// TestSchemaCaches checks that reusing the last schema read or written
// changes nothing, also when converters are shared between goroutines.
func TestSchemaCaches(t *testing.T) {
	c := &JsonConverter{}
	inputs := []string{
		`{"schema":{"type":"int32","optional":false},"payload":1}`,
		`{"schema":{"type":"int64","optional":false},"payload":2}`,
		`{"schema":{"type":"int32","optional":false},"payload":3}`,
	}
	want := []string{"int32 i32:1", "int64 i64:2", "int32 i32:3"}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 300 {
				schema, value, err := c.ToConnectData("t", []byte(inputs[i%3]))
				if err != nil || dumpSV(schema, value) != want[i%3] {
					t.Errorf("got %s, %v", dumpSV(schema, value), err)
					return
				}
				out, err := c.FromConnectData("t", schema, value)
				if err != nil || string(out) != inputs[i%3] {
					t.Errorf("got %s, %v", out, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestHeaderAdapters(t *testing.T) {
	for _, p := range Plugins() {
		if p.Kind != plugin.KindHeaderConverter || p.Class == "org.apache.kafka.connect.storage.SimpleHeaderConverter" {
			continue
		}
		h := p.New().(plugin.HeaderConverter)
		if err := h.Configure(map[string]string{}); err != nil {
			t.Fatal(err)
		}
		var schema *plugin.Schema
		var value any = "v"
		if strings.HasSuffix(p.Class, "ByteArrayConverter") {
			value = []byte("v")
		}
		out, err := h.FromConnectHeader("t", "k", schema, value)
		if err != nil {
			t.Fatalf("%s: %v", p.Class, err)
		}
		if _, back, err := h.ToConnectHeader("t", "k", out); err != nil || dumpValue(back) != dumpValue(value) {
			t.Errorf("%s: %q read back as %s (%v)", p.Class, out, dumpValue(back), err)
		}
	}
}

func TestByteArrayConverter(t *testing.T) {
	c := &ByteArrayConverter{}
	if _, err := c.FromConnectData("t", &plugin.Schema{Type: plugin.String}, []byte("x")); err == nil {
		t.Error("a string schema was accepted")
	}
	if _, err := c.FromConnectData("t", nil, "x"); err == nil {
		t.Error("a string value was accepted")
	}
	if out, err := c.FromConnectData("t", optionalBytes, nil); out != nil || err != nil {
		t.Errorf("nil: got %q, %v", out, err)
	}
	if s, v, _ := c.ToConnectData("t", nil); dumpSV(s, v) != "bytes? null" {
		t.Errorf("nil: got %s", dumpSV(s, v))
	}
}

func TestStringConverterValues(t *testing.T) {
	s := &plugin.Schema{Type: plugin.Struct, Fields: []plugin.Field{
		{Name: "a", Schema: &plugin.Schema{Type: plugin.Int32}},
		{Name: "b", Index: 1, Schema: &plugin.Schema{Type: plugin.String, Optional: true}},
	}}
	st := plugin.NewStruct(s)
	st.Values[0] = int32(1)
	tests := []struct {
		value any
		want  string
	}{
		{"text", "text"},
		{int8(-5), "-5"},
		{float32(0.1), "0.1"},
		{1e21, "1.0E21"},
		{true, "true"},
		{plugin.Decimal{Unscaled: big.NewInt(12), Scale: -2}, "1.2E+3"},
		{time.UnixMilli(0).UTC(), "Thu Jan 01 00:00:00 UTC 1970"},
		{[]any{"a", nil, int64(2)}, "[a, null, 2]"},
		{st, "Struct{a=1}"},
	}
	for _, tt := range tests {
		out, err := (&StringConverter{}).FromConnectData("t", nil, tt.value)
		if err != nil || string(out) != tt.want {
			t.Errorf("%v: got %q, %v; want %q", tt.value, out, err, tt.want)
		}
	}
	if _, err := (&StringConverter{}).FromConnectData("t", nil, []any{[]byte{1}}); err == nil {
		t.Error("bytes inside a list were written")
	}
}

func TestJavaStringMatchesValidUTF8(t *testing.T) {
	for _, s := range []string{"", "abc", "é", "😀", "\u2028", "\x00"} {
		if got := javaString([]byte(s)); got != s {
			t.Errorf("%q became %q", s, got)
		}
	}
}

// TestJSONRoundTrip writes random values with random schemas and reads them
// back with schemas enabled: the same schema and value must come back.
func TestJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, settings := range []string{"schemas.enable=true", "schemas.enable=true,decimal.format=NUMERIC"} {
		c := jsonConverter(t, settings)
		for i := range 2000 {
			schema := randomSchema(r, 3)
			value := randomValue(r, schema)
			out, err := c.FromConnectData("t", schema, value)
			if err != nil {
				t.Fatalf("%s #%d: writing %s: %v", settings, i, dumpSV(schema, value), err)
			}
			s2, v2, err := c.ToConnectData("t", out)
			if err != nil {
				t.Fatalf("%s #%d: reading %s: %v", settings, i, out, err)
			}
			if got, want := dumpSV(s2, v2), dumpSV(schema, value); got != want {
				t.Fatalf("%s #%d: %s\n came back as %s\n      want %s", settings, i, out, got, want)
			}
		}
	}
}

var primitives = []plugin.Type{plugin.Int8, plugin.Int16, plugin.Int32, plugin.Int64, plugin.Float32,
	plugin.Float64, plugin.Boolean, plugin.String, plugin.Bytes}

func randomSchema(r *rand.Rand, depth int) *plugin.Schema {
	s := &plugin.Schema{Optional: r.IntN(3) == 0}
	switch k := r.IntN(16); {
	case depth > 0 && k == 0:
		s.Type, s.Value = plugin.Array, randomSchema(r, depth-1)
	case depth > 0 && k == 1:
		s.Type, s.Key, s.Value = plugin.Map, randomSchema(r, 0), randomSchema(r, depth-1)
		s.Key.Optional = false
	case depth > 0 && k <= 3:
		s.Type = plugin.Struct
		for i := range r.IntN(4) {
			s.Fields = append(s.Fields, plugin.Field{Name: string(rune('a' + i)), Index: i, Schema: randomSchema(r, depth-1)})
		}
	case k == 4:
		s = plugin.DecimalSchema(int32(r.IntN(20) - 5))
	case k == 5:
		s = &plugin.Schema{Type: plugin.Int32, Name: plugin.DateName}
	case k == 6:
		s = &plugin.Schema{Type: plugin.Int32, Name: plugin.TimeName}
	case k == 7:
		s = &plugin.Schema{Type: plugin.Int64, Name: plugin.TimestampName}
	default:
		s.Type = primitives[r.IntN(len(primitives))]
	}
	if r.IntN(4) == 0 {
		v := r.Int32()
		s.Version, s.Doc, s.Name = &v, "doc \"x\"", s.Name+"n"
	}
	return s
}

func randomValue(r *rand.Rand, s *plugin.Schema) any {
	if s.Optional && r.IntN(4) == 0 {
		return nil
	}
	switch s.Name {
	case plugin.DecimalName:
		scale, _ := decimalScale(s)
		u := new(big.Int).Mul(big.NewInt(r.Int64()-r.Int64()), big.NewInt(r.Int64N(1<<uint(r.IntN(62)+1))))
		return plugin.Decimal{Unscaled: u, Scale: scale}
	case plugin.DateName:
		return time.UnixMilli(int64(r.IntN(100000)-50000) * msPerDay).UTC()
	case plugin.TimeName:
		return time.UnixMilli(int64(r.IntN(msPerDay))).UTC()
	case plugin.TimestampName:
		return time.UnixMilli(r.Int64N(1<<50) - 1<<49).UTC()
	}
	switch s.Type {
	case plugin.Int8:
		return int8(r.Uint32())
	case plugin.Int16:
		return int16(r.Uint32())
	case plugin.Int32:
		return int32(r.Uint32())
	case plugin.Int64:
		return int64(r.Uint64())
	case plugin.Float32:
		return randomFloat(r, func(u uint64) float64 { return float64(math.Float32frombits(uint32(u))) }, float32(0))
	case plugin.Float64:
		return randomFloat(r, math.Float64frombits, float64(0))
	case plugin.Boolean:
		return r.IntN(2) == 0
	case plugin.String:
		return string([]rune{rune(r.IntN(0x10FFFF)), 'x', '"', rune(r.IntN(0x80))})
	case plugin.Bytes:
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case plugin.Array:
		var l []any = []any{}
		for range r.IntN(4) {
			l = append(l, randomValue(r, s.Value))
		}
		return l
	case plugin.Map:
		m := &plugin.MapValue{}
		for range r.IntN(4) {
			k := randomValue(r, s.Key)
			if _, dup := m.Get(k); !dup && comparableKey(k) {
				m.Put(k, randomValue(r, s.Value))
			}
		}
		return m
	case plugin.Struct:
		v := plugin.NewStruct(s)
		for i, f := range s.Fields {
			v.Values[i] = randomValue(r, f.Schema)
		}
		return v
	}
	return nil
}

// randomFloat returns a finite, non-zero float of the type of zero, since
// NaN, the infinities and -0.0 do not survive JSON.
func randomFloat(r *rand.Rand, fromBits func(uint64) float64, zero any) any {
	for {
		f := fromBits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
			continue
		}
		if _, ok := zero.(float32); ok {
			return float32(f)
		}
		return f
	}
}

// comparableKey leaves out keys that MapValue.Get cannot find again (bytes,
// decimals, times) so that the random maps have distinct keys.
func comparableKey(k any) bool {
	switch k.(type) {
	case []byte, plugin.Decimal, time.Time:
		return false
	}
	return true
}
