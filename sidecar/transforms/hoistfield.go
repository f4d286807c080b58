package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var hoistFieldSettings = configdef.Def{
	configdef.Required("field", plugin.TypeString, plugin.Medium, "Name of the single field of the new struct or map."),
}

// HoistField wraps a key or value in a struct (with a schema) or a map
// (without) of one field (org.apache.kafka.connect.transforms.
// HoistField$Key and $Value).
type HoistField struct {
	side  side
	field string
}

func (t *HoistField) Config() plugin.ConfigDef { return hoistFieldSettings.ConfigDef() }

func (t *HoistField) Configure(props map[string]string) error {
	v, err := hoistFieldSettings.Parse(props)
	if err != nil {
		return err
	}
	t.field = v.String("field")
	return nil
}

func (t *HoistField) Apply(r plugin.Record) (plugin.Record, bool, error) {
	schema, value := t.side.schema(r), t.side.value(r)
	if schema == nil {
		m := &plugin.MapValue{Entries: []plugin.MapEntry{{Key: t.field, Value: value}}}
		return t.side.with(r, nil, m), true, nil
	}
	hoisted := &plugin.Schema{Type: plugin.Struct}
	if err := addField(hoisted, t.field, schema); err != nil {
		return r, false, err
	}
	st := plugin.NewStruct(hoisted)
	if err := put(st, &hoisted.Fields[0], value); err != nil {
		return r, false, err
	}
	return t.side.with(r, hoisted, st), true, nil
}
