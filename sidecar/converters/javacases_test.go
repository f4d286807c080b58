package converters

import (
	"math"
	"math/big"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// javaCases builds the values that GenConverterGoldens.javaCases builds in
// Java, by the same names; the golden test checks both dump the same.
func javaCases() map[string]func() (*plugin.Schema, any) {
	f32 := &plugin.Schema{Type: plugin.Float32}
	f64 := &plugin.Schema{Type: plugin.Float64}
	int32s := &plugin.Schema{Type: plugin.Int32}
	str := &plugin.Schema{Type: plugin.String}
	optStr := &plugin.Schema{Type: plugin.String, Optional: true}
	sv := func(s *plugin.Schema, v any) func() (*plugin.Schema, any) {
		return func() (*plugin.Schema, any) { return s, v }
	}
	ms := func(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
	dec := func(unscaled string, scale int32) plugin.Decimal {
		u, _ := new(big.Int).SetString(unscaled, 10)
		return plugin.Decimal{Unscaled: u, Scale: scale}
	}
	mapOf := func(kv ...any) *plugin.MapValue {
		m := &plugin.MapValue{}
		for i := 0; i < len(kv); i += 2 {
			m.Put(kv[i], kv[i+1])
		}
		return m
	}
	structOf := func(fields ...any) *plugin.Schema {
		s := &plugin.Schema{Type: plugin.Struct}
		for i := 0; i < len(fields); i += 2 {
			s.Fields = append(s.Fields, plugin.Field{Name: fields[i].(string), Index: i / 2, Schema: fields[i+1].(*plugin.Schema)})
		}
		return s
	}
	withValues := func(s *plugin.Schema, values ...any) *plugin.StructValue {
		v := plugin.NewStruct(s)
		copy(v.Values, values)
		return v
	}
	nested := func(depth int) any {
		var v any = int64(1)
		for i := 0; i < depth; i++ {
			v = []any{v}
		}
		return v
	}
	precision := plugin.DecimalSchema(2)
	precision.Parameters["connect.decimal.precision"] = "10"
	structA := structOf("x", int32s)
	structA.Name = "A"
	structB := structOf("x", int32s)
	structB.Name = "B"
	required := structOf("id", int32s, "name", str)
	optStruct := structOf("a", int32s)
	optStruct.Optional = true
	fieldDefaults := structOf(
		"id", &plugin.Schema{Type: plugin.Int32, Default: int32(7), HasDefault: true},
		"tags", &plugin.Schema{Type: plugin.Array, Optional: true, Value: str, Default: []any{"a\"b", "c\\d"}, HasDefault: true},
	)
	headerStruct := structOf(
		"a", &plugin.Schema{Type: plugin.Int32, Optional: true, Default: int32(3), HasDefault: true},
		"b", optStr,
		"c", &plugin.Schema{Type: plugin.Array, Optional: true, Value: str},
	)
	return map[string]func() (*plugin.Schema, any){
		"java-f32-nan":        sv(f32, float32(math.NaN())),
		"java-f32-inf":        sv(f32, float32(math.Inf(1))),
		"java-f32-neg-inf":    sv(f32, float32(math.Inf(-1))),
		"java-f32-neg-zero":   sv(f32, float32(math.Copysign(0, -1))),
		"java-f32-min":        sv(f32, float32(math.SmallestNonzeroFloat32)),
		"java-f32-min-normal": sv(f32, float32(0x1p-126)),
		"java-f32-max":        sv(f32, float32(math.MaxFloat32)),
		"java-f32-0.001":      sv(f32, float32(0.001)),
		"java-f32-1e7":        sv(f32, float32(1e7)),
		"java-f32-9999999":    sv(f32, float32(9999999)),
		"java-f32-3e-44":      sv(f32, float32(3e-44)),
		"java-f32-0.3":        sv(f32, float32(0.3)),
		"java-f64-nan":        sv(f64, math.NaN()),
		"java-f64-inf":        sv(f64, math.Inf(1)),
		"java-f64-neg-zero":   sv(f64, math.Copysign(0, -1)),
		"java-f64-min":        sv(f64, math.SmallestNonzeroFloat64),
		"java-f64-1e23":       sv(f64, 1e23),
		"java-f64-2e-3":       sv(f64, 2e-3),
		"java-f64-1e21":       sv(f64, 1e21),
		"java-schemaless-typed": sv(nil, mapOf("i8", int8(1), "i16", int16(2), "i32", int32(3), "f32", float32(1.5),
			"bytes", []byte{1, 2}, "list", []any{int8(1), "x", 2.5}, "bool", true)),
		"java-schemaless-int-keys":      sv(nil, mapOf(int32(1), "a", int64(2), nil)),
		"java-schemaless-mixed-keys":    sv(nil, mapOf("a", int32(1), int32(2), "b")),
		"java-schemaless-list-null":     sv(nil, []any{nil, int32(1)}),
		"java-schemaless-struct":        sv(nil, withValues(structOf("a", int32s), int32(1))),
		"java-schemaless-decimal":       sv(nil, dec("15", 1)),
		"java-schemaless-date":          sv(nil, ms(0)),
		"java-struct-required-null":     sv(required, withValues(required, int32(1))),
		"java-struct-field-default":     sv(fieldDefaults, withValues(fieldDefaults)),
		"java-wrong-type":               sv(int32s, int64(5)),
		"java-wrong-type-in-map":        sv(&plugin.Schema{Type: plugin.Map, Key: str, Value: int32s}, mapOf("a", "x")),
		"java-struct-mismatch":          sv(structA, withValues(structB, int32(1))),
		"java-decimal-scale-mismatch":   sv(plugin.DecimalSchema(2), dec("15", 1)),
		"java-decimal-negative":         sv(plugin.DecimalSchema(3), dec("-1", 3)),
		"java-decimal-big":              sv(plugin.DecimalSchema(5), dec("-9876543210987654321012345", 5)),
		"java-decimal-precision":        sv(precision, dec("318", 2)),
		"java-date-with-time":           sv(plugin.DateSchema(false), ms(1000)),
		"java-date-neg":                 sv(plugin.DateSchema(false), ms(-msPerDay*365)),
		"java-time-too-big":             sv(plugin.TimeSchema(false), ms(86400001)),
		"java-time-neg":                 sv(plugin.TimeSchema(false), ms(-1)),
		"java-time-zero":                sv(plugin.TimeSchema(false), ms(0)),
		"java-timestamp-day":            sv(plugin.TimestampSchema(false), ms(msPerDay*3)),
		"java-timestamp-neg":            sv(plugin.TimestampSchema(false), ms(-1)),
		"java-timestamp-year-10000":     sv(plugin.TimestampSchema(false), ms(253402300800123)),
		"java-timestamp-year-1000":      sv(plugin.TimestampSchema(false), ms(-30610224000000)),
		"java-timestamp-cutover":        sv(plugin.TimestampSchema(false), ms(-12219292800000)),
		"java-timestamp-before-cutover": sv(plugin.TimestampSchema(false), ms(-12219292800001)),
		"java-timestamp-year-1":         sv(plugin.TimestampSchema(false), ms(-62135769600000)),
		"java-map-null-key":             sv(&plugin.Schema{Type: plugin.Map, Key: optStr, Value: int32s}, mapOf(nil, int32(1))),
		"java-map-linked-order":         sv(&plugin.Schema{Type: plugin.Map, Key: str, Value: int32s}, mapOf("z", int32(1), "a", int32(2), "m", int32(3))),
		"java-map-decimal-keys":         sv(&plugin.Schema{Type: plugin.Map, Key: plugin.DecimalSchema(2), Value: str}, mapOf(dec("150", 2), "x")),
		"java-optional-struct-null":     sv(optStruct, nil),
		"java-tombstone":                sv(nil, nil),
		"java-required-null":            sv(int32s, nil),
		"java-optional-null":            sv(&plugin.Schema{Type: plugin.Int32, Optional: true}, nil),
		"java-header-strings":           sv(nil, []any{"plain", "q\"uote", "back\\slash", "", "a,b", "[x]", nil, []byte{0xff}}),
		"java-header-dates":             sv(nil, []any{ms(0), ms(86400000), ms(1700000000123), ms(-1), ms(86399999)}),
		"java-header-numbers": sv(nil, []any{int8(-1), int16(300), int32(70000), int64(1) << 40, float32(1.5), float32(1e-5),
			0.1, 1e21, dec("1", -3), dec("1", 7), dec("-12340", 3)}),
		"java-header-nested": sv(nil, mapOf("k\"1", []any{int32(1), int32(2)}, "k2", mapOf("x", true))),
		"java-header-struct": sv(headerStruct, withValues(headerStruct, nil, "x\"y", []any{"p", "q"})),
		"java-nest-999":      sv(nil, nested(999)),
		"java-nest-1000":     sv(nil, nested(1000)),
		"java-nest-1001":     sv(nil, nested(1001)),
	}
}
