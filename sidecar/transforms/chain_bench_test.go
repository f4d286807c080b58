package transforms

import (
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// BenchmarkChainStruct runs a struct record through three transforms:
// InsertField (topic and timestamp), ReplaceField (drop one field, rename
// another) and Cast (one field to int64). Each builds its new schema per
// record, as there is no schema cache.
func BenchmarkChainStruct(b *testing.B) {
	c := newTestChain(b, map[string]string{
		"transforms":                        "insert,replace,cast",
		"transforms.insert.type":            "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.insert.topic.field":     "topic",
		"transforms.insert.timestamp.field": "ts",
		"transforms.replace.type":           "org.apache.kafka.connect.transforms.ReplaceField$Value",
		"transforms.replace.exclude":        "internal",
		"transforms.replace.renames":        "name:full_name",
		"transforms.cast.type":              "org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.cast.spec":              "age:int64",
	})
	schema := &plugin.Schema{Type: plugin.Struct, Name: "com.example.Person"}
	for _, f := range []struct {
		name string
		t    plugin.Type
	}{{"id", plugin.Int64}, {"name", plugin.String}, {"age", plugin.Int32}, {"email", plugin.String}, {"internal", plugin.Boolean}} {
		if err := addField(schema, f.name, primitive(f.t, f.name == "email")); err != nil {
			b.Fatal(err)
		}
	}
	value := &plugin.StructValue{Schema: schema, Values: []any{int64(7), "Ada", int32(36), "ada@example.com", true}}
	r := plugin.Record{Topic: "people", Partition: 0, ValueSchema: schema, Value: value, Timestamp: time.UnixMilli(1700000000123)}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
