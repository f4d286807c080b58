package converters

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/internal/connectvalues"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// SimpleHeaderConverter is org.apache.kafka.connect.storage.SimpleHeaderConverter,
// the worker's default header.converter. It writes header values as text
// (Connect's Values.convertToString) and reads them back by guessing a schema
// from the text (Values.parseString): null, booleans, integers as the
// narrowest of int8..int64, other numbers as float32, float64 or Decimal,
// dates and times in ISO 8601 form, and JSON-like arrays and maps whose
// elements share a type; anything else is a string. Java reads dates in the
// JVM's time zone and takes digits of any script in them; this reads dates
// in UTC, with ASCII digits.
type SimpleHeaderConverter struct{}

// Configure accepts any settings; there are none.
func (c *SimpleHeaderConverter) Configure(props map[string]string) error { return nil }

// FromConnectHeader writes value's text in UTF-8; nil stays nil.
func (c *SimpleHeaderConverter) FromConnectHeader(topic, key string, schema *plugin.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	// A non-nil value gives non-nil bytes, even empty ones.
	return appendValueString([]byte{}, value, false)
}

// ToConnectHeader reads the text back with the schema it looks like. Text
// too deeply nested to parse comes back as bytes, as it does in Java when
// its parser runs out of stack.
func (c *SimpleHeaderConverter) ToConnectHeader(topic, key string, data []byte) (*plugin.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	s, v, err := connectvalues.Parse(javaString(data), parseISODate)
	if err != nil { // connectvalues.ErrTooDeep
		return bytesSchema, data, nil
	}
	return s, v, nil
}

// bytesSchema is Java's Schema.BYTES_SCHEMA.
var bytesSchema = &plugin.Schema{Type: plugin.Bytes}

// Config describes the settings: there are none.
func (c *SimpleHeaderConverter) Config() plugin.ConfigDef { return plugin.ConfigDef{} }

// appendValueString is Values.convertToString: strings as they are (quoted
// and escaped when embedded in a list or map), bytes as Base64, lists and
// maps in a JSON-like form, structs as JSON-like objects of their fields
// (with defaults for null fields), times per Values.dateFormatFor in UTC.
func appendValueString(dst []byte, v any, embedded bool) ([]byte, error) {
	switch x := v.(type) {
	case string:
		if !embedded {
			return append(dst, x...), nil
		}
		return appendQuoted(dst, x), nil
	case []byte:
		if !embedded {
			return base64.StdEncoding.AppendEncode(dst, x), nil
		}
		dst = append(dst, '"')
		return append(base64.StdEncoding.AppendEncode(dst, x), '"'), nil
	case []any:
		return appendList(dst, x)
	case *plugin.MapValue:
		return appendMap(dst, x)
	case *plugin.StructValue:
		return appendStruct(dst, x)
	case time.Time:
		return appendISODate(dst, x), nil
	case plugin.Decimal:
		return javatext.AppendBigDecimal(dst, x.Unscaled, x.Scale), nil
	case nil:
		return append(dst, "null"...), nil
	}
	if dst, ok := appendNumber(dst, v); ok {
		return dst, nil
	}
	return nil, dataErr("Failed to serialize unexpected value type %T", v)
}

// appendQuoted escapes only backslashes and double quotes, as Values.escape.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = append(dst, quoteEscaper.Replace(s)...)
	return append(dst, '"')
}

func appendList(dst []byte, l []any) ([]byte, error) {
	dst = append(dst, '[')
	for i, e := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendValueString(dst, e, true); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

func appendMap(dst []byte, m *plugin.MapValue) ([]byte, error) {
	dst = append(dst, '{')
	for i, e := range m.Entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendValueString(dst, e.Key, true); err != nil {
			return nil, err
		}
		if dst, err = appendValueString(append(dst, ':'), e.Value, true); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func appendStruct(dst []byte, s *plugin.StructValue) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range s.Schema.Fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendQuoted(dst, f.Name), ':')
		v := s.Values[i]
		if v == nil && f.Schema.HasDefault {
			v = f.Schema.Default // Struct.get
		}
		var err error
		if dst, err = appendValueString(dst, v, true); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}
