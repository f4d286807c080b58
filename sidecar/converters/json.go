package converters

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// JsonConverter is org.apache.kafka.connect.json.JsonConverter. Its zero
// value has Java's defaults: schemas.enable=true, decimal.format=BASE64,
// replace.null.with.default=true. It is safe for concurrent use once
// configured.
//
// Settings: schemas.enable, decimal.format (BASE64 or NUMERIC, any case),
// replace.null.with.default, schema.content (a schema in the converter's
// JSON form, used to read every record when schemas.enable=true), and
// schemas.cache.size, which is checked and otherwise ignored: the converter
// remembers only the last schema it wrote and the last it read, which is
// what a topic with one schema needs.
type JsonConverter struct {
	noSchemas   bool
	numeric     bool
	keepNull    bool           // replace.null.with.default=false
	fixedSchema *plugin.Schema // schema.content

	// Schemas are immutable once built (see plugin.Schema), so the JSON of
	// the last schema written, and the schema last read from given JSON,
	// can be reused.
	written atomic.Pointer[schemaJSON]
	read    atomic.Pointer[schemaJSON]
}

type schemaJSON struct {
	schema *plugin.Schema
	json   string
}

// Configure applies the settings; isKey does not change how JSON is written.
func (c *JsonConverter) Configure(props map[string]string, isKey bool) error {
	v, err := jsonDef.Parse(props)
	if err != nil {
		return err
	}
	fixed, err := parseSchemaContent(v.String("schema.content"))
	if err != nil {
		return err
	}
	c.noSchemas, c.numeric = !v.Bool("schemas.enable"), strings.EqualFold(v.String("decimal.format"), "NUMERIC")
	c.keepNull, c.fixedSchema = !v.Bool("replace.null.with.default"), fixed
	c.written.Store(nil)
	c.read.Store(nil)
	return nil
}

func parseSchemaContent(text string) (*plugin.Schema, error) {
	if text == "" {
		return nil, nil
	}
	b := []byte(text)
	root, err := checkJSON(b)
	if err == nil && root < 0 {
		err = dataErr("Schema must contain 'type' field")
	}
	var s *plugin.Schema
	if err == nil {
		r := jsonReader{b: b, replaceNull: true}
		s, err = r.schema(root)
	}
	if err != nil {
		return nil, configdef.Invalid("schema.content", text, err.Error())
	}
	return s, nil
}

// bufPool holds scratch buffers, so that writing allocates only the result.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBuf = 1 << 20 // larger buffers are left to the collector

// FromConnectData writes value as JSON: {"schema":...,"payload":...} when
// schemas are enabled, the bare value otherwise. A null schema with a null
// value is a tombstone (nil bytes).
func (c *JsonConverter) FromConnectData(topic string, schema *plugin.Schema, value any) ([]byte, error) {
	if schema == nil && value == nil {
		return nil, nil
	}
	scratch := bufPool.Get().(*[]byte)
	w := jsonWriter{buf: (*scratch)[:0], numeric: c.numeric, replaceNull: !c.keepNull}
	err := c.write(&w, schema, value)
	var out []byte
	if err == nil {
		out = append([]byte(nil), w.buf...)
	}
	if cap(w.buf) <= maxPooledBuf {
		*scratch = w.buf
		bufPool.Put(scratch)
	}
	return out, err
}

func (c *JsonConverter) write(w *jsonWriter, schema *plugin.Schema, value any) error {
	if c.noSchemas {
		return w.value(schema, value)
	}
	_ = w.open('{')
	w.raw(`"schema":`)
	if last := c.written.Load(); last != nil && last.schema == schema {
		w.raw(last.json)
	} else {
		start := len(w.buf)
		if err := w.schema(schema); err != nil {
			return atField(err, "schema")
		}
		c.written.Store(&schemaJSON{schema, string(w.buf[start:])})
	}
	w.raw(`,"payload":`)
	if err := w.value(schema, value); err != nil {
		return err
	}
	w.close('}')
	return nil
}

// ToConnectData reads a record written by a JsonConverter. With schemas
// enabled the record must be an envelope with exactly the members schema and
// payload; nil data (a tombstone) gives a nil schema and value. Without a
// schema, JSON integers read as int64, other numbers as float64, objects as
// *plugin.MapValue with string keys in document order, arrays as []any.
func (c *JsonConverter) ToConnectData(topic string, data []byte) (*plugin.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	root, err := checkJSON(data)
	if err != nil {
		return nil, nil, err
	}
	r := jsonReader{b: data, replaceNull: !c.keepNull}
	if c.noSchemas {
		v, err := r.schemaless(root)
		return nil, v, err
	}
	if c.fixedSchema != nil {
		v, err := r.value(c.fixedSchema, root)
		return c.fixedSchema, v, err
	}
	sp, pp, err := envelope(data, root)
	if err != nil {
		return nil, nil, err
	}
	schema, err := c.readSchema(&r, sp)
	if err != nil {
		return nil, nil, atField(err, "schema")
	}
	v, err := r.value(schema, pp)
	if err != nil {
		return nil, nil, err
	}
	return schema, v, nil
}

func (c *JsonConverter) readSchema(r *jsonReader, p int) (*plugin.Schema, error) {
	raw := r.b[p:skipValue(r.b, p)]
	if last := c.read.Load(); last != nil && last.json == string(raw) {
		return last.schema, nil
	}
	s, err := r.schema(p)
	if err == nil {
		c.read.Store(&schemaJSON{s, string(raw)})
	}
	return s, err
}

// jsonDef is Java's JsonConverterConfig, less the converter.type every
// converter has.
var jsonDef = configdef.Def{
	{ConfigKey: plugin.ConfigKey{Name: "schemas.enable", Type: plugin.TypeBoolean, Default: "true", HasDefault: true, Importance: plugin.High,
		Documentation: "Include schemas within each of the serialized values and keys.",
		Group:         "Schemas", OrderInGroup: 0, Width: "MEDIUM", DisplayName: "Enable Schemas"}},
	{ConfigKey: plugin.ConfigKey{Name: "schemas.cache.size", Type: plugin.TypeInt, Default: "1000", HasDefault: true, Importance: plugin.High,
		Documentation: "The maximum number of schemas that can be cached in this converter instance.",
		Group:         "Schemas", OrderInGroup: 1, Width: "MEDIUM", DisplayName: "Schema Cache Size"}},
	{ConfigKey: plugin.ConfigKey{Name: "schema.content", Type: plugin.TypeString, HasDefault: true, Importance: plugin.High,
		Documentation: "When set, this is used as the schema for all messages, and the schemas within each of the message will be ignored." +
			"Otherwise, the schema will be included in the content of each message. This configuration applies only 'schemas.enable' is true, and it exclusively affects the sink connector.",
		Group: "Schemas", OrderInGroup: 2, Width: "MEDIUM", DisplayName: "Schema Content"}, NullDefault: true},
	{ConfigKey: plugin.ConfigKey{Name: "decimal.format", Type: plugin.TypeString, Default: "BASE64", HasDefault: true, Importance: plugin.Low,
		Documentation: "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
		Group:         "Serialization", OrderInGroup: 0, Width: "MEDIUM", DisplayName: "Decimal Format"},
		Check: configdef.InIgnoringCase("BASE64", "NUMERIC")},
	{ConfigKey: plugin.ConfigKey{Name: "replace.null.with.default", Type: plugin.TypeBoolean, Default: "true", HasDefault: true, Importance: plugin.Low,
		Documentation: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
		Group:         "Serialization", OrderInGroup: 1, Width: "MEDIUM", DisplayName: "Replace null with default"}},
}

// Config describes the settings, as Java's JsonConverterConfig does.
func (c *JsonConverter) Config() plugin.ConfigDef {
	return append(plugin.ConfigDef{converterType.PluginKey()}, jsonDef.ConfigDef()...)
}

// AsHeaderConverter lets a converter convert header values, as Java's
// JsonConverter, StringConverter and ByteArrayConverter do by implementing
// HeaderConverter too. (The Go interfaces both name a Configure method, with
// different parameters, so one type cannot implement both.)
func AsHeaderConverter(c plugin.Converter) plugin.HeaderConverter { return headerAdapter{c} }

type headerAdapter struct{ c plugin.Converter }

func (h headerAdapter) Configure(props map[string]string) error { return h.c.Configure(props, false) }

func (h headerAdapter) FromConnectHeader(topic, key string, schema *plugin.Schema, value any) ([]byte, error) {
	return h.c.FromConnectData(topic, schema, value)
}

func (h headerAdapter) ToConnectHeader(topic, key string, data []byte) (*plugin.Schema, any, error) {
	return h.c.ToConnectData(topic, data)
}

// Config is the wrapped converter's, if it describes its settings.
func (h headerAdapter) Config() plugin.ConfigDef {
	if d, ok := h.c.(interface{ Config() plugin.ConfigDef }); ok {
		return d.Config()
	}
	return nil
}
