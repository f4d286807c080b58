package transforms

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// The golden tests run the cases in testdata/cases through the Go
// transforms and compare with what Apache Kafka's Java classes returned
// for the same cases (testdata/golden, made by testdata/javaref). Both
// sides write results in the same JSON shape, see testdata/README.md.

func TestMain(m *testing.M) {
	// Java's default time zone shows in a few places (Cast of dates to
	// strings, InsertHeader's date literals); the goldens were made in UTC.
	time.Local = time.UTC
	os.Exit(m.Run())
}

type goldenCase struct {
	Name    string            `json:"name"`
	Class   string            `json:"class"`
	Config  map[string]string `json:"config"`
	Record  json.RawMessage   `json:"record"`
	GoError string            `json:"goError"` // Go's message where it knowingly differs from Java's
	Differs string            `json:"differs"` // why Go's result knowingly differs; the case is skipped
	Note    string            `json:"note"`
}

type goldenResult struct {
	Name   string          `json:"name"`
	Result json.RawMessage `json:"result"`
}

// runGolden checks every case of testdata/cases/<file>.json.
func runGolden(t *testing.T, file string) {
	t.Helper()
	var cases []goldenCase
	readJSON(t, filepath.Join("testdata", "cases", file+".json"), &cases)
	var golden []goldenResult
	readJSON(t, filepath.Join("testdata", "golden", file+".json"), &golden)
	want := map[string]json.RawMessage{}
	for _, g := range golden {
		want[g.Name] = g.Result
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Fatalf("case name %q used twice", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			w, ok := want[c.Name]
			if !ok {
				t.Fatalf("no golden result: run testdata/javaref/gen.sh")
			}
			if c.Differs != "" {
				t.Skip("known difference: " + c.Differs)
			}
			got := runCase(t, c)
			compareResults(t, c, got, w)
		})
	}
}

func readJSON(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var testPlugins = func() map[string]plugin.Plugin {
	m := map[string]plugin.Plugin{}
	for _, p := range Plugins() {
		m[p.Class] = p
	}
	return m
}()

// runCase returns the Go result in the golden JSON shape.
func runCase(t *testing.T, c goldenCase) map[string]any {
	t.Helper()
	p, ok := testPlugins[c.Class]
	if !ok {
		t.Fatalf("no plugin %s", c.Class)
	}
	inst := p.New()
	var err error
	if tr, ok := inst.(plugin.Transformation); ok {
		err = tr.Configure(c.Config)
	} else {
		err = inst.(plugin.Predicate).Configure(c.Config)
	}
	if err != nil {
		return map[string]any{"configError": err.Error()}
	}
	if c.Record == nil {
		return map[string]any{"configured": true}
	}
	in := decodeRecord(t, c.Record)
	before := mustJSON(t, encodeRecord(in))
	defer func() {
		if after := mustJSON(t, encodeRecord(in)); after != before {
			t.Errorf("the input record changed:\nbefore %s\nafter  %s", before, after)
		}
	}()
	if pr, ok := inst.(plugin.Predicate); ok {
		ok, err := pr.Test(in)
		if err != nil {
			return map[string]any{"error": err.Error()}
		}
		return map[string]any{"test": ok}
	}
	out, keep, err := inst.(plugin.Transformation).Apply(in)
	switch {
	case err != nil:
		return map[string]any{"error": err.Error()}
	case !keep:
		return map[string]any{"dropped": true}
	}
	return encodeRecord(out)
}

func compareResults(t *testing.T, c goldenCase, got map[string]any, wantRaw json.RawMessage) {
	t.Helper()
	want := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(wantRaw))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	delete(want, "exception")
	if c.GoError != "" {
		for _, k := range []string{"error", "configError"} {
			if _, ok := want[k]; ok {
				want[k] = c.GoError
			}
		}
	}
	g, w := normalize(roundTrip(t, got)), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("differs from Java (%s):%s\n got: %s\nwant: %s", c.Class, strings.Join(diff("", g, w), ""), mustJSON(t, g), mustJSON(t, w))
	}
}

// diff lists where two decoded JSON trees differ.
func diff(path string, got, want any) []string {
	gm, ok1 := got.(map[string]any)
	wm, ok2 := want.(map[string]any)
	if ok1 && ok2 {
		var out []string
		for k := range wm {
			out = append(out, diff(path+"."+k, gm[k], wm[k])...)
		}
		for k := range gm {
			if _, ok := wm[k]; !ok {
				out = append(out, diff(path+"."+k, gm[k], nil)...)
			}
		}
		return out
	}
	ga, ok1 := got.([]any)
	wa, ok2 := want.([]any)
	if ok1 && ok2 && len(ga) == len(wa) {
		var out []string
		for i := range ga {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), ga[i], wa[i])...)
		}
		return out
	}
	if reflect.DeepEqual(got, want) {
		return nil
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return []string{fmt.Sprintf("\n  at %s: got %s, want %s", path, g, w)}
}

func roundTrip(t *testing.T, v any) any {
	dec := json.NewDecoder(strings.NewReader(mustJSON(t, v)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// normalize makes the two sides comparable: map entries in a fixed order
// (Java's HashMap has none) and floats as numbers.
func normalize(v any) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
		return v
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
		if n, ok := v["f32"].(json.Number); ok && len(v) == 1 {
			// JDK 17 prints some floats with more digits than needed;
			// the float they stand for is what counts.
			f, _ := n.Float64()
			v["f32"] = float64(float32(f))
		}
		if n, ok := v["f64"].(json.Number); ok && len(v) == 1 {
			f, _ := n.Float64()
			v["f64"] = f
		}
		if entries, ok := v["map"].([]any); ok {
			sort.Slice(entries, func(i, j int) bool {
				a, _ := json.Marshal(entries[i].([]any)[0])
				b, _ := json.Marshal(entries[j].([]any)[0])
				return string(a) < string(b)
			})
		}
		return v
	}
	return v
}

// Decoding cases (the same rules as Golden.java).

func decodeRecord(t *testing.T, raw json.RawMessage) plugin.Record {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	r := plugin.Record{Topic: "test-topic", Partition: 1, Offset: 42, Timestamp: time.UnixMilli(1700000000123).UTC()}
	if v, ok := m["topic"]; ok {
		r.Topic = v.(string)
	}
	if v, ok := m["partition"]; ok {
		r.Partition = plugin.NoPartition
		if v != nil {
			r.Partition = int32(num(v))
		}
	}
	if v, ok := m["timestamp"]; ok {
		r.Timestamp = time.Time{}
		if v != nil {
			r.Timestamp = time.UnixMilli(num(v)).UTC()
		}
	}
	if v, ok := m["offset"]; ok {
		r.Offset = num(v)
	}
	if src, _ := m["source"].(bool); src {
		r.SourcePartition = map[string]any{"file": "f"}
		r.SourceOffset = map[string]any{"pos": int64(1)}
	}
	r.KeySchema = decodeSchema(m["keySchema"])
	r.Key = decodeValue(m["key"], r.KeySchema)
	r.ValueSchema = decodeSchema(m["valueSchema"])
	r.Value = decodeValue(m["value"], r.ValueSchema)
	hs, _ := m["headers"].([]any)
	for _, h := range hs {
		h := h.(map[string]any)
		s := decodeSchema(h["schema"])
		r.Headers = append(r.Headers, plugin.Header{Key: h["key"].(string), Schema: s, Value: decodeValue(h["value"], s)})
	}
	return r
}

func num(v any) int64 {
	n, err := v.(json.Number).Int64()
	if err != nil {
		panic(err)
	}
	return n
}

func float(v any) float64 {
	switch v := v.(type) {
	case string:
		switch v {
		case "NaN":
			return math.NaN()
		case "Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
	case json.Number:
		f, err := v.Float64()
		if err == nil {
			return f
		}
	}
	panic(fmt.Sprintf("not a float: %v", v))
}

func decodeSchema(n any) *plugin.Schema {
	switch n := n.(type) {
	case nil:
		return nil
	case string:
		opt := strings.HasSuffix(n, "?")
		n = strings.TrimSuffix(n, "?")
		var s *plugin.Schema
		switch {
		case n == "timestamp":
			s = plugin.TimestampSchema(opt)
		case n == "date":
			s = plugin.DateSchema(opt)
		case n == "time":
			s = plugin.TimeSchema(opt)
		case strings.HasPrefix(n, "decimal:"):
			scale, _ := strconv.Atoi(n[len("decimal:"):])
			s = plugin.DecimalSchema(int32(scale))
			s.Optional = opt
		default:
			s = primitive(typeFromJava(n), opt)
		}
		return s
	}
	m := n.(map[string]any)
	s := &plugin.Schema{Type: typeFromJava(m["type"].(string))}
	s.Optional, _ = m["optional"].(bool)
	s.Name, _ = m["name"].(string)
	s.Doc, _ = m["doc"].(string)
	if v, ok := m["version"]; ok {
		ver := int32(num(v))
		s.Version = &ver
	}
	if p, ok := m["params"].(map[string]any); ok {
		s.Parameters = map[string]string{}
		for k, v := range p {
			s.Parameters[k] = v.(string)
		}
	}
	s.Key = decodeSchema(m["keySchema"])
	s.Value = decodeSchema(m["valueSchema"])
	fs, _ := m["fields"].([]any)
	for i, f := range fs {
		f := f.([]any)
		s.Fields = append(s.Fields, plugin.Field{Name: f[0].(string), Index: i, Schema: decodeSchema(f[1])})
	}
	if d, ok := m["default"]; ok {
		s.Default, s.HasDefault = decodeValue(d, s), true
	}
	return s
}

func typeFromJava(name string) plugin.Type {
	switch name {
	case "float32":
		return plugin.Float32
	case "float64":
		return plugin.Float64
	}
	return plugin.Type(name)
}

var tags = map[string]bool{"i8": true, "i16": true, "i32": true, "i64": true, "f32": true, "f64": true,
	"bytes": true, "decimal": true, "date": true, "map": true}

func tagOf(n any) (string, any, bool) {
	m, ok := n.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		return k, v, tags[k]
	}
	return "", nil, false
}

func decodeValue(n any, s *plugin.Schema) any {
	if n == nil {
		return nil
	}
	if tag, v, ok := tagOf(n); ok {
		return decodeTagged(tag, v)
	}
	if s == nil {
		return decodeSchemaless(n)
	}
	switch s.Name {
	case plugin.DecimalName:
		return parseDecimal(fmt.Sprint(n))
	case plugin.DateName, plugin.TimeName, plugin.TimestampName:
		return time.UnixMilli(num(n)).UTC()
	}
	switch s.Type {
	case plugin.Int8:
		return int8(num(n))
	case plugin.Int16:
		return int16(num(n))
	case plugin.Int32:
		return int32(num(n))
	case plugin.Int64:
		return num(n)
	case plugin.Float32:
		return float32(float(n))
	case plugin.Float64:
		return float(n)
	case plugin.Boolean, plugin.String:
		return n
	case plugin.Bytes:
		b, _ := base64.StdEncoding.DecodeString(n.(string))
		return b
	case plugin.Array:
		var out []any
		for _, e := range n.([]any) {
			out = append(out, decodeValue(e, s.Value))
		}
		if out == nil {
			out = []any{}
		}
		return out
	case plugin.Map:
		out := &plugin.MapValue{}
		for _, e := range n.([]any) {
			e := e.([]any)
			out.Put(decodeValue(e[0], s.Key), decodeValue(e[1], s.Value))
		}
		return out
	}
	st := plugin.NewStruct(s)
	for k, v := range n.(map[string]any) {
		f := s.FieldByName(k)
		st.Values[f.Index] = decodeValue(v, f.Schema)
	}
	return st
}

func decodeTagged(tag string, v any) any {
	switch tag {
	case "i8":
		return int8(num(v))
	case "i16":
		return int16(num(v))
	case "i32":
		return int32(num(v))
	case "i64":
		return num(v)
	case "f32":
		return float32(float(v))
	case "f64":
		return float(v)
	case "bytes":
		b, _ := base64.StdEncoding.DecodeString(v.(string))
		return b
	case "decimal":
		return parseDecimal(fmt.Sprint(v))
	case "date":
		return time.UnixMilli(num(v)).UTC()
	}
	out := &plugin.MapValue{}
	for _, e := range v.([]any) {
		e := e.([]any)
		out.Put(decodeSchemaless(e[0]), decodeSchemaless(e[1]))
	}
	return out
}

func decodeSchemaless(n any) any {
	if tag, v, ok := tagOf(n); ok {
		return decodeTagged(tag, v)
	}
	switch n := n.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil && !strings.ContainsAny(string(n), ".eE") {
			return i
		}
		f, _ := n.Float64()
		return f
	case []any:
		out := make([]any, len(n))
		for i, e := range n {
			out[i] = decodeSchemaless(e)
		}
		return out
	case map[string]any:
		out := &plugin.MapValue{}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out.Put(k, decodeSchemaless(n[k]))
		}
		return out
	}
	return n
}

func parseDecimal(s string) plugin.Decimal {
	d, ok := parseBigDecimal(s)
	if !ok {
		panic("bad decimal " + s)
	}
	return d
}

// Encoding results.

func encodeRecord(r plugin.Record) map[string]any {
	out := map[string]any{
		"topic":       r.Topic,
		"partition":   nil,
		"timestamp":   nil,
		"keySchema":   encodeSchema(r.KeySchema),
		"key":         encodeValue(r.Key, r.KeySchema),
		"valueSchema": encodeSchema(r.ValueSchema),
		"value":       encodeValue(r.Value, r.ValueSchema),
	}
	if r.Partition != plugin.NoPartition {
		out["partition"] = r.Partition
	}
	if !r.Timestamp.IsZero() {
		out["timestamp"] = r.Timestamp.UnixMilli()
	}
	hs := []any{}
	for _, h := range r.Headers {
		hs = append(hs, map[string]any{"key": h.Key, "schema": encodeSchema(h.Schema), "value": encodeValue(h.Value, h.Schema)})
	}
	out["headers"] = hs
	return out
}

func encodeSchema(s *plugin.Schema) any {
	if s == nil {
		return nil
	}
	o := map[string]any{"type": strings.ToLower(s.Type.JavaName())}
	if s.Optional {
		o["optional"] = true
	}
	if s.Name != "" {
		o["name"] = s.Name
	}
	if s.Version != nil {
		o["version"] = *s.Version
	}
	if s.Doc != "" {
		o["doc"] = s.Doc
	}
	if len(s.Parameters) > 0 {
		o["params"] = s.Parameters
	}
	if d := s.DefaultValue(); d != nil {
		o["default"] = encodeValue(d, s)
	}
	switch s.Type {
	case plugin.Struct:
		fs := []any{}
		for i, f := range s.Fields {
			if f.Index != i {
				fs = append(fs, fmt.Sprintf("field %s has index %d at %d", f.Name, f.Index, i))
			}
			fs = append(fs, []any{f.Name, encodeSchema(f.Schema)})
		}
		o["fields"] = fs
	case plugin.Map:
		o["keySchema"] = encodeSchema(s.Key)
		o["valueSchema"] = encodeSchema(s.Value)
	case plugin.Array:
		o["valueSchema"] = encodeSchema(s.Value)
	}
	return o
}

func encodeFloat(tag string, f float64, bits int) any {
	switch {
	case math.IsNaN(f):
		return map[string]any{tag: "NaN"}
	case math.IsInf(f, 1):
		return map[string]any{tag: "Infinity"}
	case math.IsInf(f, -1):
		return map[string]any{tag: "-Infinity"}
	}
	return map[string]any{tag: json.Number(strconv.FormatFloat(f, 'g', -1, bits))}
}

func encodeValue(v any, expected *plugin.Schema) any {
	switch v := v.(type) {
	case nil, bool, string:
		return v
	case int8:
		return map[string]any{"i8": v}
	case int16:
		return map[string]any{"i16": v}
	case int32:
		return map[string]any{"i32": v}
	case int64:
		return map[string]any{"i64": v}
	case float32:
		return encodeFloat("f32", float64(v), 32)
	case float64:
		return encodeFloat("f64", v, 64)
	case []byte:
		return map[string]any{"bytes": base64.StdEncoding.EncodeToString(v)}
	case plugin.Decimal:
		return map[string]any{"decimal": v.Unscaled.String(), "scale": v.Scale}
	case time.Time:
		return map[string]any{"date": v.UnixMilli()}
	case []any:
		out := []any{}
		for _, e := range v {
			out = append(out, encodeValue(e, child(expected, func(s *plugin.Schema) *plugin.Schema { return s.Value })))
		}
		return out
	case *plugin.MapValue:
		out := []any{}
		for _, e := range v.Entries {
			out = append(out, []any{
				encodeValue(e.Key, child(expected, func(s *plugin.Schema) *plugin.Schema { return s.Key })),
				encodeValue(e.Value, child(expected, func(s *plugin.Schema) *plugin.Schema { return s.Value })),
			})
		}
		return map[string]any{"map": out}
	case *plugin.StructValue:
		fields := map[string]any{}
		for i, f := range v.Schema.Fields {
			fields[f.Name] = encodeValue(v.Values[i], f.Schema)
		}
		o := map[string]any{"struct": fields}
		if expected == nil || !v.Schema.Equal(expected) {
			o["schema"] = encodeSchema(v.Schema)
		}
		return o
	}
	return map[string]any{"unknown": fmt.Sprintf("%T: %v", v, v)}
}

func child(s *plugin.Schema, f func(*plugin.Schema) *plugin.Schema) *plugin.Schema {
	if s == nil {
		return nil
	}
	return f(s)
}
