package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var setSchemaMetadataSettings = configdef.Def{
	configdef.Nullable("schema.name", plugin.TypeString, plugin.High, "The schema name to set."),
	configdef.Nullable("schema.version", plugin.TypeInt, plugin.High, "The schema version to set."),
	replaceNullWithDefault(),
}

// SetSchemaMetadata sets the name and/or version of the key or value
// schema (org.apache.kafka.connect.transforms.SetSchemaMetadata$Key and
// $Value).
type SetSchemaMetadata struct {
	side                   side
	name                   *string
	version                *int32
	replaceNullWithDefault bool
}

func (t *SetSchemaMetadata) Config() plugin.ConfigDef { return setSchemaMetadataSettings.ConfigDef() }

func (t *SetSchemaMetadata) Configure(props map[string]string) error {
	v, err := setSchemaMetadataSettings.Parse(props)
	if err != nil {
		return err
	}
	t.name, t.version = nil, nil
	if !v.IsNull("schema.name") {
		name := v.String("schema.name")
		t.name = &name
	}
	if !v.IsNull("schema.version") {
		ver := v.Int("schema.version")
		t.version = &ver
	}
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	if t.name == nil && t.version == nil {
		return configdef.Exception("", "Neither schema name nor version configured")
	}
	return nil
}

func (t *SetSchemaMetadata) Apply(r plugin.Record) (plugin.Record, bool, error) {
	schema, value := t.side.schema(r), t.side.value(r)
	if value == nil && schema == nil {
		return r, true, nil
	}
	if err := requireSchema(schema, "updating schema metadata"); err != nil {
		return r, false, err
	}
	// Java copies schema.fields(), which fails for all but structs.
	if schema.Type != plugin.Struct {
		return r, false, dataErr("Cannot list fields on non-struct type")
	}
	updated := *schema
	if t.name != nil {
		updated.Name = *t.name
	}
	if t.version != nil {
		updated.Version = t.version
	}
	st, ok := value.(*plugin.StructValue)
	if !ok {
		return t.side.with(r, &updated, value), true, nil
	}
	// A struct refers to its schema, so it is copied onto the new one.
	out := plugin.NewStruct(&updated)
	for i := range updated.Fields {
		f := &updated.Fields[i]
		if err := put(out, f, fieldValue(st, f, t.replaceNullWithDefault)); err != nil {
			return r, false, err
		}
	}
	return t.side.with(r, &updated, out), true, nil
}
