package transforms

import (
	"math/big"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const maskFieldPurpose = "mask fields"

var maskFieldSettings = configdef.Def{
	listOfNames(configdef.Required("fields", plugin.TypeList, plugin.High, "Fields to mask."), false),
	configdef.Nullable("replacement", plugin.TypeString, plugin.Low,
		"Text to mask with instead of the type's empty value; numeric and string fields only.").
		Checked(configdef.NonEmptyString),
	replaceNullWithDefault(),
}

// MaskField replaces the values of some fields with their type's empty
// value (0, false, "", ...) or a given replacement
// (org.apache.kafka.connect.transforms.MaskField$Key and $Value).
type MaskField struct {
	side                   side
	fields                 []string
	masked                 map[string]bool
	replacement            *string
	replaceNullWithDefault bool
}

func (t *MaskField) Config() plugin.ConfigDef { return maskFieldSettings.ConfigDef() }

func (t *MaskField) Configure(props map[string]string) error {
	v, err := maskFieldSettings.Parse(props)
	if err != nil {
		return err
	}
	t.fields = v.List("fields")
	t.masked = setOf(t.fields)
	t.replacement = nil
	if !v.IsNull("replacement") {
		s := v.String("replacement")
		t.replacement = &s
	}
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	return nil
}

func (t *MaskField) Apply(r plugin.Record) (plugin.Record, bool, error) {
	if t.side.schema(r) == nil {
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

func (t *MaskField) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	m, err := requireMap(t.side.value(r), maskFieldPurpose)
	if err != nil {
		return r, false, err
	}
	out := copyMap(m)
	for _, name := range t.fields {
		// A field the map lacks is added as null, as Java does.
		v, err := t.mask(mapGet(m, name))
		if err != nil {
			return r, false, err
		}
		out.Put(name, v)
	}
	return t.side.with(r, t.side.schema(r), out), true, nil
}

func (t *MaskField) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	st, err := requireStruct(t.side.value(r), maskFieldPurpose)
	if err != nil {
		return r, false, err
	}
	out := plugin.NewStruct(st.Schema)
	for i := range st.Schema.Fields {
		f := &st.Schema.Fields[i]
		v := fieldValue(st, f, t.replaceNullWithDefault)
		if t.masked[f.Name] {
			if v, err = t.mask(v); err != nil {
				return r, false, err
			}
		}
		if err := put(out, f, v); err != nil {
			return r, false, err
		}
	}
	return t.side.with(r, t.side.schema(r), out), true, nil
}

func (t *MaskField) mask(v any) (any, error) {
	switch {
	case v == nil:
		return nil, nil
	case t.replacement == nil:
		return emptyValue(v)
	}
	return replacementFor(v, *t.replacement)
}

// emptyValue is the value Java masks with when there is no replacement.
func emptyValue(v any) (any, error) {
	switch v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case plugin.Decimal:
		return plugin.Decimal{Unscaled: new(big.Int)}, nil // BigDecimal.ZERO, scale 0
	case time.Time:
		return time.UnixMilli(0).UTC(), nil
	case string:
		return "", nil
	case []any:
		return []any{}, nil
	case *plugin.MapValue:
		return &plugin.MapValue{}, nil
	}
	return nil, dataErr("Cannot mask value of type: %s", javaClass(v))
}

// replacementFor converts the replacement to the value's type: numbers
// as Connect's Values.convertToX read text (via BigDecimal, then
// narrowed), strings as they are.
func replacementFor(v any, repl string) (any, error) {
	switch v.(type) {
	case string:
		return repl, nil
	case plugin.Decimal:
		d, ok := parseBigDecimal(repl)
		if !ok {
			return nil, dataErr("Unable to convert %s (class java.lang.String) to number", repl)
		}
		return d, nil
	case int8, int16, int32, int64, float32, float64:
	default:
		return nil, dataErr("Cannot mask value of type %s with custom replacement.", javaClass(v))
	}
	d, ok := parseBigDecimal(repl)
	if !ok {
		return nil, dataErr("Unable to convert %s (class java.lang.String) to a number", repl)
	}
	switch v.(type) {
	case float32:
		return float32(decimalToFloat(d, 64)), nil
	case float64:
		return decimalToFloat(d, 64), nil
	}
	return narrow(plugin.TypeOf(v), decimalToLong(d)), nil
}
