package transforms

import (
	"slices"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var insertHeaderSettings = configdef.Def{
	configdef.Required("header", plugin.TypeString, plugin.High, "The header's name."),
	configdef.Required("value.literal", plugin.TypeString, plugin.High,
		"The header's value, typed as Connect reads literals: 42 is an int8, true a boolean, "+
			"[1,2] an array, {a:1} a map, 2024-01-31 a Date; other text is a string."),
}

// InsertHeader adds a header with a fixed value to every record
// (org.apache.kafka.connect.transforms.InsertHeader).
type InsertHeader struct {
	header string
	schema *plugin.Schema // nil with value nil: a null header
	value  any
}

func (t *InsertHeader) Config() plugin.ConfigDef { return insertHeaderSettings.ConfigDef() }

func (t *InsertHeader) Configure(props map[string]string) error {
	v, err := insertHeaderSettings.Parse(props)
	if err != nil {
		return err
	}
	t.header = v.String("header")
	if t.schema, t.value, err = parseLiteral(v.String("value.literal")); err != nil {
		// connectvalues.ErrTooDeep: Java's parser runs out of stack (a
		// StackOverflowError) and the transform cannot start.
		return configdef.Exception("value.literal", "value.literal: "+err.Error())
	}
	return nil
}

func (t *InsertHeader) Apply(r plugin.Record) (plugin.Record, bool, error) {
	// Each record gets its own copy: a header value can be a list or a map,
	// which a later transform may not change in other records.
	h := plugin.Header{Key: t.header, Schema: t.schema, Value: copyValue(t.value)}
	return r.WithHeaders(append(slices.Clone(r.Headers), h)), true, nil
}

// copyValue copies the lists and maps a parsed literal may hold.
func copyValue(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	case *plugin.MapValue:
		out := &plugin.MapValue{Entries: make([]plugin.MapEntry, len(v.Entries))}
		for i, e := range v.Entries {
			out.Entries[i] = plugin.MapEntry{Key: copyValue(e.Key), Value: copyValue(e.Value)}
		}
		return out
	}
	return v
}
