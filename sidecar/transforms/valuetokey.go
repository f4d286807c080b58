package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const valueToKeyPurpose = "copying fields from value to key"

var valueToKeySettings = configdef.Def{
	listOfNames(configdef.Required("fields", plugin.TypeList, plugin.High, "Fields of the value that make up the new key."), false),
	replaceNullWithDefault(),
}

// ValueToKey replaces the record key with a struct or map of some fields
// of the value (org.apache.kafka.connect.transforms.ValueToKey).
type ValueToKey struct {
	fields                 []string
	replaceNullWithDefault bool
}

func (t *ValueToKey) Config() plugin.ConfigDef { return valueToKeySettings.ConfigDef() }

func (t *ValueToKey) Configure(props map[string]string) error {
	v, err := valueToKeySettings.Parse(props)
	if err != nil {
		return err
	}
	t.fields = v.List("fields")
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	return nil
}

func (t *ValueToKey) Apply(r plugin.Record) (plugin.Record, bool, error) {
	if r.ValueSchema == nil {
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

func (t *ValueToKey) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	m, err := requireMap(r.Value, valueToKeyPurpose)
	if err != nil {
		return r, false, err
	}
	key := &plugin.MapValue{Entries: make([]plugin.MapEntry, 0, len(t.fields))}
	for _, f := range t.fields {
		key.Put(f, mapGet(m, f))
	}
	r.KeySchema, r.Key = nil, key
	return r, true, nil
}

func (t *ValueToKey) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	st, err := requireStruct(r.Value, valueToKeyPurpose)
	if err != nil {
		return r, false, err
	}
	schema := &plugin.Schema{Type: plugin.Struct}
	from := make([]*plugin.Field, len(t.fields))
	for i, name := range t.fields {
		if from[i] = st.Schema.FieldByName(name); from[i] == nil {
			return r, false, dataErr("Field does not exist: %s", name)
		}
		if err := addField(schema, name, from[i].Schema); err != nil {
			return r, false, err
		}
	}
	key := plugin.NewStruct(schema)
	for i := range schema.Fields {
		if err := put(key, &schema.Fields[i], fieldValue(st, from[i], t.replaceNullWithDefault)); err != nil {
			return r, false, err
		}
	}
	// Java takes the value schema from the struct itself.
	r.KeySchema, r.Key, r.ValueSchema = schema, key, st.Schema
	return r, true, nil
}
