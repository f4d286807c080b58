package transforms

import (
	"slices"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var headerFromSettings = configdef.Def{
	configdef.Required("fields", plugin.TypeList, plugin.High, "Fields of the key or value to put in headers.").Checked(nonEmptyList),
	configdef.Required("headers", plugin.TypeList, plugin.High, "Header names, one for each of fields, in the same order.").Checked(nonEmptyList),
	configdef.Required("operation", plugin.TypeString, plugin.High, "move (the fields leave the key or value) or copy (they stay).").
		Checked(configdef.In("move", "copy")),
	replaceNullWithDefault(),
}

// HeaderFrom copies or moves fields of a struct or map key or value into
// headers (org.apache.kafka.connect.transforms.HeaderFrom$Key and $Value).
type HeaderFrom struct {
	side                   side
	fields, headers        []string
	move                   bool
	purpose                string
	replaceNullWithDefault bool
}

func (t *HeaderFrom) Config() plugin.ConfigDef { return headerFromSettings.ConfigDef() }

func (t *HeaderFrom) Configure(props map[string]string) error {
	v, err := headerFromSettings.Parse(props)
	if err != nil {
		return err
	}
	t.fields, t.headers = v.List("fields"), v.List("headers")
	if len(t.fields) != len(t.headers) {
		return configdef.Exception("headers", "'fields' config must have the same number of elements as 'headers' config.")
	}
	t.move = v.String("operation") == "move"
	t.purpose = "header " + v.String("operation")
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	return nil
}

func (t *HeaderFrom) Apply(r plugin.Record) (plugin.Record, bool, error) {
	if t.side.schema(r) == nil {
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

func (t *HeaderFrom) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	m, err := requireMap(t.side.value(r), t.purpose)
	if err != nil {
		return r, false, err
	}
	out := copyMap(m)
	headers := slices.Clone(r.Headers)
	for i, name := range t.fields {
		if t.move {
			out.Delete(name)
		}
		headers = append(headers, plugin.Header{Key: t.headers[i], Value: mapGet(m, name)})
	}
	return t.side.with(r, nil, out).WithHeaders(headers), true, nil
}

func (t *HeaderFrom) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	schema := t.side.schema(r)
	st, err := requireStruct(t.side.value(r), t.purpose)
	if err != nil {
		return r, false, err
	}
	updatedSchema, updated := schema, st
	if t.move {
		if updatedSchema, updated, err = t.without(schema, st); err != nil {
			return r, false, err
		}
	}
	headers := slices.Clone(r.Headers)
	for i, name := range t.fields {
		var v any
		if f := st.Schema.FieldByName(name); f != nil {
			v = fieldValue(st, f, t.replaceNullWithDefault)
		}
		f := schema.FieldByName(name)
		if f == nil {
			return r, false, dataErr(`Cannot invoke "org.apache.kafka.connect.data.Field.schema()" because the return value of "org.apache.kafka.connect.data.Schema.field(String)" is null`)
		}
		if err := checkHeader(f.Schema, v); err != nil {
			return r, false, err
		}
		headers = append(headers, plugin.Header{Key: t.headers[i], Schema: f.Schema, Value: v})
	}
	return t.side.with(r, updatedSchema, updated).WithHeaders(headers), true, nil
}

// without returns the schema and struct less the moved fields.
func (t *HeaderFrom) without(s *plugin.Schema, st *plugin.StructValue) (*plugin.Schema, *plugin.StructValue, error) {
	out := structLike(s, len(s.Fields))
	for _, f := range s.Fields {
		if !slices.Contains(t.fields, f.Name) {
			if err := addField(out, f.Name, f.Schema); err != nil {
				return nil, nil, err
			}
		}
	}
	v := plugin.NewStruct(out)
	for i := range out.Fields {
		from, err := lookupField(st.Schema, out.Fields[i].Name)
		if err != nil {
			return nil, nil, err
		}
		if err := put(v, &out.Fields[i], fieldValue(st, from, t.replaceNullWithDefault)); err != nil {
			return nil, nil, err
		}
	}
	return out, v, nil
}

// checkHeader is ConnectHeaders.checkSchemaMatches: a header's value must
// suit its schema.
func checkHeader(s *plugin.Schema, v any) error {
	switch {
	case s == nil:
		return nil
	case v == nil && !s.Optional:
		return dataErr("A null value requires an optional schema but was %s", schemaString(s))
	case v == nil || valueFitsHeader(s, v):
		return nil
	}
	return dataErr("The value %v is not compatible with the schema %s", v, schemaString(s))
}

// valueFitsHeader: the value's class is one the schema type takes; Date
// and Time values may stand in int32 schemas and Timestamps in int64.
func valueFitsHeader(s *plugin.Schema, v any) bool {
	if _, ok := v.(time.Time); ok {
		return s.Type == plugin.Int32 && (s.Name == plugin.DateName || s.Name == plugin.TimeName) ||
			s.Type == plugin.Int64 && s.Name == plugin.TimestampName
	}
	if _, ok := v.(plugin.Decimal); ok {
		return s.Type == plugin.Bytes && s.Name == plugin.DecimalName
	}
	return plugin.TypeOf(v) == s.Type
}
