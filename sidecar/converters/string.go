package converters

import (
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// StringConverter is org.apache.kafka.connect.storage.StringConverter: it
// writes a value's text (Java's toString) and reads any bytes back as an
// optional string. Its zero value is ready to use.
//
// Only converter.encoding=UTF-8 (or UTF8, any case) is supported; Java would
// take any charset it knows.
type StringConverter struct{}

// optionalString and optionalBytes are shared; schemas are not changed once
// built.
var (
	optionalString = &plugin.Schema{Type: plugin.String, Optional: true}
	optionalBytes  = &plugin.Schema{Type: plugin.Bytes, Optional: true}
)

// Configure checks converter.encoding.
func (c *StringConverter) Configure(props map[string]string, isKey bool) error {
	enc := configdef.Props(props).String("converter.encoding", "UTF-8")
	switch strings.ToUpper(enc) {
	case "UTF-8", "UTF8", "UNICODE-1-1-UTF-8": // Java's names for UTF-8
		return nil
	}
	return configdef.Invalid("converter.encoding", enc, "only UTF-8 is supported; set converter.encoding=UTF-8 or use another converter")
}

// FromConnectData writes the value's text in UTF-8; nil stays nil.
func (c *StringConverter) FromConnectData(topic string, schema *plugin.Schema, value any) ([]byte, error) {
	if s, ok := value.(string); ok {
		return []byte(s), nil
	}
	if value == nil {
		return nil, nil
	}
	return appendToString(nil, value)
}

// ToConnectData reads the bytes as UTF-8 text, replacing malformed sequences
// with U+FFFD as Java does.
func (c *StringConverter) ToConnectData(topic string, data []byte) (*plugin.Schema, any, error) {
	if data == nil {
		return optionalString, nil, nil
	}
	return optionalString, javaString(data), nil
}

// Config describes the settings, as Java's StringConverterConfig does.
func (c *StringConverter) Config() plugin.ConfigDef {
	return plugin.ConfigDef{
		converterType.PluginKey(),
		{Name: "converter.encoding", Type: plugin.TypeString, Default: "UTF-8", HasDefault: true, Importance: plugin.High,
			Documentation: "The name of the Java character set to use for encoding strings as byte arrays.",
			OrderInGroup:  -1, Width: "MEDIUM", DisplayName: "Encoding"},
	}
}

// appendToString writes v as Java's toString would: numbers as Java prints
// them, a Decimal as BigDecimal.toString, a time as java.util.Date.toString
// (in UTC), lists as [a, b], maps as {k=v, k2=v2} in entry order, structs as
// Struct{name=value,...} without null fields. Java prints a byte array as
// its identity hash, which is useless; that is an error here.
func appendToString(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return append(dst, x...), nil
	case plugin.Decimal:
		return javatext.AppendBigDecimal(dst, x.Unscaled, x.Scale), nil
	case time.Time:
		return appendDateString(dst, x), nil
	case []byte:
		return nil, dataErr("StringConverter cannot write a byte array (Java would write its identity hash); use ByteArrayConverter")
	case []any:
		return appendJoined(dst, '[', ']', len(x), func(dst []byte, i int) ([]byte, error) {
			return appendToString(dst, x[i])
		})
	case *plugin.MapValue:
		return appendJoined(dst, '{', '}', len(x.Entries), func(dst []byte, i int) ([]byte, error) {
			dst, err := appendToString(dst, x.Entries[i].Key)
			if err != nil {
				return nil, err
			}
			return appendToString(append(dst, '='), x.Entries[i].Value)
		})
	case *plugin.StructValue:
		return appendStructString(dst, x)
	}
	if dst, ok := appendNumber(dst, v); ok {
		return dst, nil
	}
	return nil, dataErr("%T is not a Connect value", v)
}

// appendJoined writes n items between open and end, separated by ", " as
// AbstractCollection.toString and AbstractMap.toString do.
func appendJoined(dst []byte, open, end byte, n int, item func([]byte, int) ([]byte, error)) ([]byte, error) {
	dst = append(dst, open)
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		var err error
		if dst, err = item(dst, i); err != nil {
			return nil, err
		}
	}
	return append(dst, end), nil
}

func appendStructString(dst []byte, s *plugin.StructValue) ([]byte, error) {
	dst = append(dst, "Struct{"...)
	first := true
	for i, v := range s.Values {
		if v == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, s.Schema.Fields[i].Name...)
		dst = append(dst, '=')
		var err error
		if dst, err = appendToString(dst, v); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendNumber writes booleans and numbers as Java's toString does.
func appendNumber(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case bool, int8, int16, int32, int64:
		w := jsonWriter{buf: dst}
		w.scalar(x)
		return w.buf, true
	case float32:
		return javatext.AppendFloat(dst, x), true
	case float64:
		return javatext.AppendDouble(dst, x), true
	}
	return dst, false
}
