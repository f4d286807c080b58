package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const extractFieldPurpose = "field extraction"

var extractFieldSettings = configdef.Def{
	configdef.Required("field", plugin.TypeString, plugin.Medium, "The field to take out (a dotted path with field.syntax.version=V2)."),
	replaceNullWithDefault(),
	fieldSyntaxVersion(),
}

// ExtractField replaces a struct or map key or value with one of its
// fields; nulls pass through (org.apache.kafka.connect.transforms.
// ExtractField$Key and $Value).
type ExtractField struct {
	side                   side
	path                   fieldPath
	original               string
	replaceNullWithDefault bool
}

func (t *ExtractField) Config() plugin.ConfigDef { return extractFieldSettings.ConfigDef() }

func (t *ExtractField) Configure(props map[string]string) error {
	v, err := extractFieldSettings.Parse(props)
	if err != nil {
		return err
	}
	t.original = v.String("field")
	if t.path, err = newFieldPath(t.original, v.String("field.syntax.version")); err != nil {
		return err
	}
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	return nil
}

func (t *ExtractField) Apply(r plugin.Record) (plugin.Record, bool, error) {
	schema := t.side.schema(r)
	if schema == nil {
		return t.applySchemaless(r)
	}
	st, err := requireStructOrNull(t.side.value(r), extractFieldPurpose)
	if err != nil {
		return r, false, err
	}
	f, err := t.path.fieldFrom(schema)
	if err != nil {
		return r, false, err
	}
	if f == nil {
		return r, false, dataErr("Unknown field: %s", t.original)
	}
	var v any
	if st != nil {
		if v, err = t.path.valueFromStruct(st, t.replaceNullWithDefault); err != nil {
			return r, false, err
		}
	}
	return t.side.with(r, f.Schema, v), true, nil
}

func (t *ExtractField) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	m, err := requireMapOrNull(t.side.value(r), extractFieldPurpose)
	if err != nil {
		return r, false, err
	}
	var v any
	if m != nil {
		if v, err = t.path.valueFromMap(m); err != nil {
			return r, false, err
		}
	}
	return t.side.with(r, nil, v), true, nil
}
