package transforms

import (
	"maps"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const flattenPurpose = "flattening"

var flattenSettings = configdef.Def{
	configdef.Optional("delimiter", plugin.TypeString, ".", plugin.Medium, "What joins the names of nested fields into one field name."),
}

// Flatten turns nested structs or maps into one level, naming fields by
// their path joined with the delimiter; arrays are left as they are
// (org.apache.kafka.connect.transforms.Flatten$Key and $Value).
type Flatten struct {
	side      side
	delimiter string
}

func (t *Flatten) Config() plugin.ConfigDef { return flattenSettings.ConfigDef() }

func (t *Flatten) Configure(props map[string]string) error {
	v, err := flattenSettings.Parse(props)
	if err != nil {
		return err
	}
	t.delimiter = v.String("delimiter")
	return nil
}

func (t *Flatten) name(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + t.delimiter + field
}

func (t *Flatten) Apply(r plugin.Record) (plugin.Record, bool, error) {
	switch {
	case t.side.value(r) == nil:
		return r, true, nil
	case t.side.schema(r) == nil:
		m, err := requireMap(t.side.value(r), flattenPurpose)
		if err != nil {
			return r, false, err
		}
		out := &plugin.MapValue{}
		if err := t.flattenMap(m, "", out); err != nil {
			return r, false, err
		}
		return t.side.with(r, nil, out), true, nil
	}
	return t.applyWithSchema(r)
}

func (t *Flatten) flattenMap(m *plugin.MapValue, prefix string, out *plugin.MapValue) error {
	for _, e := range m.Entries {
		key, err := stringKey(e.Key)
		if err != nil {
			return err
		}
		name := t.name(prefix, key)
		switch plugin.TypeOf(e.Value) {
		case plugin.Map:
			if err := t.flattenMap(e.Value.(*plugin.MapValue), name, out); err != nil {
				return err
			}
		case plugin.Struct:
			return dataErr("Flatten transformation does not support %s for record without schemas (for field %s).", javaClass(e.Value), name)
		case "":
			if e.Value != nil {
				return dataErr("Flatten transformation was passed a value of type %s which is not supported by Connect's data API", javaClass(e.Value))
			}
			out.Put(name, nil)
		default:
			out.Put(name, e.Value)
		}
	}
	return nil
}

func (t *Flatten) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	st, err := requireStructOrNull(t.side.value(r), flattenPurpose)
	if err != nil {
		return r, false, err
	}
	schema := t.side.schema(r)
	if schema.Type != plugin.Struct {
		return r, false, dataErr("Cannot list fields on non-struct type")
	}
	// The flat schema copies the name, version, doc and parameters, but
	// not optionality or the default, as in Java.
	flat := structLike(schema, len(schema.Fields))
	parentDefault, _ := schema.DefaultValue().(*plugin.StructValue)
	if err := t.flattenSchema(schema, "", flat, schema.Optional, parentDefault); err != nil {
		return r, false, err
	}
	out := plugin.NewStruct(flat)
	if err := t.flattenStruct(st, "", out); err != nil {
		return r, false, err
	}
	return t.side.with(r, flat, out), true, nil
}

// flattenSchema adds the leaves of s to flat. A leaf is optional when it
// or any parent is, and takes its default from itself or a parent's.
func (t *Flatten) flattenSchema(s *plugin.Schema, prefix string, flat *plugin.Schema, optional bool, parentDefault *plugin.StructValue) error {
	for i := range s.Fields {
		f := &s.Fields[i]
		name := t.name(prefix, f.Name)
		fieldOptional := optional || f.Schema.Optional
		def := f.Schema.DefaultValue()
		if def == nil && parentDefault != nil {
			def = fieldValue(parentDefault, f, true)
		}
		switch f.Schema.Type {
		case plugin.Map:
			return dataErr("Flatten transformation does not support MAP for record with schemas (for field %s).", name)
		case plugin.Struct:
			d, _ := def.(*plugin.StructValue)
			if err := t.flattenSchema(f.Schema, name, flat, fieldOptional, d); err != nil {
				return err
			}
		default:
			leaf, err := leafSchema(f.Schema, fieldOptional, def)
			if err != nil {
				return err
			}
			if err := addField(flat, name, leaf); err != nil {
				return err
			}
		}
	}
	return nil
}

// leafSchema is Flatten.convertFieldSchema: the field's schema basics with
// the optionality and default worked out above.
func leafSchema(s *plugin.Schema, optional bool, def any) (*plugin.Schema, error) {
	out := &plugin.Schema{
		Type: s.Type, Optional: optional, Name: s.Name, Version: s.Version, Doc: s.Doc,
		Parameters: maps.Clone(s.Parameters),
	}
	if s.Type == plugin.Array {
		out.Value = s.Value
	}
	if def != nil {
		if err := setDefault(out, def); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *Flatten) flattenStruct(st *plugin.StructValue, prefix string, out *plugin.StructValue) error {
	if st == nil {
		return nil
	}
	for i := range st.Schema.Fields {
		f := &st.Schema.Fields[i]
		name := t.name(prefix, f.Name)
		switch f.Schema.Type {
		case plugin.Map:
			return dataErr("Flatten transformation does not support MAP for record with schemas (for field %s).", name)
		case plugin.Struct:
			// Java's Struct.getStruct ignores defaults, unlike get.
			nested, _ := fieldValue(st, f, false).(*plugin.StructValue)
			if err := t.flattenStruct(nested, name, out); err != nil {
				return err
			}
		default:
			if err := putByName(out, name, fieldValue(st, f, true)); err != nil {
				return err
			}
		}
	}
	return nil
}
