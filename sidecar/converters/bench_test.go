package converters

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// benchRecords are a small struct (about 100 bytes of JSON payload) and a
// larger one (about 1 KiB) with nested struct, array, map and logical types.
func benchRecords() map[string]func() (*plugin.Schema, any) {
	str := &plugin.Schema{Type: plugin.String}
	optStr := &plugin.Schema{Type: plugin.String, Optional: true}
	i64 := &plugin.Schema{Type: plugin.Int64}
	f64 := &plugin.Schema{Type: plugin.Float64}
	boolean := &plugin.Schema{Type: plugin.Boolean}
	fields := func(s *plugin.Schema, kv ...any) *plugin.Schema {
		for i := 0; i < len(kv); i += 2 {
			s.Fields = append(s.Fields, plugin.Field{Name: kv[i].(string), Index: i / 2, Schema: kv[i+1].(*plugin.Schema)})
		}
		return s
	}
	small := fields(&plugin.Schema{Type: plugin.Struct, Name: "com.example.User"},
		"id", i64, "name", str, "email", str, "active", boolean, "score", f64)
	address := fields(&plugin.Schema{Type: plugin.Struct, Name: "com.example.Address", Optional: true},
		"street", str, "city", str, "zip", str, "country", str)
	large := fields(&plugin.Schema{Type: plugin.Struct, Name: "com.example.Order", Doc: "An order"},
		"id", i64, "customer", str, "email", str, "note", optStr, "created", plugin.TimestampSchema(false),
		"amount", plugin.DecimalSchema(2), "currency", str, "paid", boolean, "weight", f64,
		"address", address,
		"items", &plugin.Schema{Type: plugin.Array, Value: str},
		"attributes", &plugin.Schema{Type: plugin.Map, Key: str, Value: str, Optional: true},
		"channel", str, "priority", &plugin.Schema{Type: plugin.Int32}, "tags", &plugin.Schema{Type: plugin.Array, Value: str},
	)
	smallValue := plugin.NewStruct(small)
	copy(smallValue.Values, []any{int64(12345), "Alice Example", "alice@example.com", true, 97.5})
	addressValue := plugin.NewStruct(address)
	copy(addressValue.Values, []any{"1 Main Street, Building 4, Floor 2", "Springfield", "12345-6789", "US"})
	attrs := &plugin.MapValue{}
	for i := range 6 {
		attrs.Put(fmt.Sprintf("attribute-%d", i), fmt.Sprintf("value of attribute number %d", i))
	}
	items := []any{}
	for i := range 8 {
		items = append(items, fmt.Sprintf("SKU-%06d: a product with a longer description", i))
	}
	largeValue := plugin.NewStruct(large)
	copy(largeValue.Values, []any{int64(9007199254740993), "Bob Customer", "bob.customer@example.com", nil,
		time.UnixMilli(1700000000123).UTC(), plugin.Decimal{Unscaled: big.NewInt(1234567), Scale: 2}, "EUR", true, 12.75,
		addressValue, items, attrs, "web-shop", int32(3), []any{"express", "gift", "fragile <glass>"}})
	return map[string]func() (*plugin.Schema, any){
		"small": func() (*plugin.Schema, any) { return small, smallValue },
		"large": func() (*plugin.Schema, any) { return large, largeValue },
	}
}

var benchSettings = []struct{ name, settings string }{
	{"schemas", "schemas.enable=true"},
	{"plain", "schemas.enable=false"},
}

func BenchmarkJsonFromConnect(b *testing.B) {
	for _, rec := range []string{"small", "large"} {
		schema, value := benchRecords()[rec]()
		for _, s := range benchSettings {
			c := jsonConverter(b, s.settings)
			out, err := c.FromConnectData("t", schema, value)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(rec+"/"+s.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(out)))
				for b.Loop() {
					if _, err := c.FromConnectData("t", schema, value); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkJsonToConnect(b *testing.B) {
	for _, rec := range []string{"small", "large"} {
		schema, value := benchRecords()[rec]()
		for _, s := range benchSettings {
			c := jsonConverter(b, s.settings)
			data, err := c.FromConnectData("t", schema, value)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%s/%dB", rec, s.name, len(data)), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, _, err := c.ToConnectData("t", data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
