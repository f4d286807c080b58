package httpsink

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// CloudEvents attributes the connector sets.
const (
	ceSpecVersion = "1.0"
	ceType        = "io.connectsidecar.kafka.record"
	ceTimeLayout  = "2006-01-02T15:04:05.000Z07:00" // RFC 3339 with Kafka's millisecond precision
)

// Content types of a record's value.
const (
	contentJSON   = "application/json"
	contentText   = "text/plain; charset=utf-8"
	contentBinary = "application/octet-stream"
	contentBatch  = "application/cloudevents-batch+json"
)

// encoder writes records as their format has them in a batch: a member of
// "records" (json) or a structured CloudEvent (cloudevents). Records are
// written once, when they are put, so batches can be cut by their exact
// size and a request is a concatenation. It is used by Put's goroutine.
type encoder struct {
	format format
	// conv writes what the fast paths below do not: structs, logical types,
	// maps with schemas or non-string keys. Schemaless, decimals as numbers.
	conv converters.JsonConverter
}

func newEncoder(f format) *encoder {
	e := &encoder{format: f}
	// Both settings are valid; Configure cannot fail.
	_ = e.conv.Configure(map[string]string{"schemas.enable": "false", "decimal.format": "NUMERIC"}, false)
	return e
}

// record appends r. For cloudevents, data is where the event's data sits
// in what was appended when it is JSON written by the encoder (a value of
// neither string nor []byte type), so a batch of one can send it as is.
func (e *encoder) record(dst []byte, r *plugin.Record, at position) (out []byte, data [2]int, err error) {
	start := len(dst)
	if e.format == formatCloudEvents {
		out, data, err = e.event(dst, r, at)
	} else {
		out, err = e.jsonRecord(dst, r, at)
	}
	if err != nil {
		return dst[:start], data, err
	}
	return out, data, nil
}

// appendID writes the record id, <topic>-<partition>-<offset> of the record
// as it was read, as a JSON string.
func appendID(dst []byte, at position) []byte {
	dst = javajson.AppendString(dst, at.tp.Topic)
	dst = dst[:len(dst)-1] // reopen the string
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, int64(at.tp.Partition), 10)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, at.offset, 10)
	return append(dst, '"')
}

func (e *encoder) jsonRecord(dst []byte, r *plugin.Record, at position) ([]byte, error) {
	var err error
	dst = append(dst, `{"id":`...)
	dst = appendID(dst, at)
	dst = append(dst, `,"topic":`...)
	dst = javajson.AppendString(dst, r.Topic)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(r.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, r.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	if r.Timestamp.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, r.Timestamp.UnixMilli(), 10)
	}
	dst = append(dst, `,"key":`...)
	if dst, err = e.value(dst, r.Topic, r.KeySchema, r.Key); err != nil {
		return dst, err
	}
	dst = append(dst, `,"value":`...)
	if dst, err = e.value(dst, r.Topic, r.ValueSchema, r.Value); err != nil {
		return dst, err
	}
	dst = append(dst, `,"headers":{`...)
	first := true
	for i, h := range r.Headers {
		if repeated(r.Headers, i) {
			continue // a JSON object has one value per name: the last wins
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = javajson.AppendString(dst, h.Key)
		dst = append(dst, ':')
		if dst, err = e.value(dst, r.Topic, h.Schema, h.Value); err != nil {
			return dst, err
		}
	}
	return append(dst, "}}"...), nil
}

// repeated reports whether a later header has the same key as hs[i].
func repeated(hs []plugin.Header, i int) bool {
	for _, h := range hs[i+1:] {
		if h.Key == hs[i].Key {
			return true
		}
	}
	return false
}

// event writes a structured CloudEvent (JSON event format).
func (e *encoder) event(dst []byte, r *plugin.Record, at position) ([]byte, [2]int, error) {
	var data [2]int
	var err error
	dst = append(dst, `{"specversion":"`+ceSpecVersion+`","id":`...)
	dst = appendID(dst, at)
	dst = append(dst, `,"source":"`...)
	dst = appendSource(dst, r)
	dst = append(dst, `","type":"`+ceType+`"`...)
	if !r.Timestamp.IsZero() {
		dst = append(dst, `,"time":"`...)
		dst = r.Timestamp.UTC().AppendFormat(dst, ceTimeLayout)
		dst = append(dst, '"')
	}
	if r.Key != nil {
		dst = append(dst, `,"subject":`...)
		if dst, err = e.subject(dst, r); err != nil {
			return dst, data, err
		}
	}
	switch v := r.Value.(type) {
	case nil:
	case []byte:
		if json.Valid(v) {
			dst = append(dst, `,"datacontenttype":"`+contentJSON+`","data":`...)
			dst = append(dst, v...)
		} else {
			dst = append(dst, `,"datacontenttype":"`+contentBinary+`","data_base64":"`...)
			dst = base64.StdEncoding.AppendEncode(dst, v)
			dst = append(dst, '"')
		}
	case string:
		dst = append(dst, `,"datacontenttype":"`+contentText+`","data":`...)
		dst = javajson.AppendString(dst, v)
	default:
		dst = append(dst, `,"datacontenttype":"`+contentJSON+`","data":`...)
		data[0] = len(dst)
		if dst, err = e.value(dst, r.Topic, r.ValueSchema, v); err != nil {
			return dst, data, err
		}
		data[1] = len(dst)
	}
	return append(dst, '}'), data, nil
}

// appendSource writes /kafka/<topic>/<partition>, the topic escaped as a
// URI path segment (a transform may have renamed it to anything).
func appendSource(dst []byte, r *plugin.Record) []byte {
	const hex = "0123456789ABCDEF"
	dst = append(dst, "/kafka/"...)
	for i := 0; i < len(r.Topic); i++ {
		c := r.Topic[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	dst = append(dst, '/')
	return strconv.AppendInt(dst, int64(r.Partition), 10)
}

// subject writes the key as text in a JSON string.
func (e *encoder) subject(dst []byte, r *plugin.Record) ([]byte, error) {
	if s, ok := r.Key.(string); ok {
		return javajson.AppendString(dst, s), nil
	}
	text, err := e.keyText(nil, r)
	if err != nil {
		return dst, err
	}
	return javajson.AppendString(dst, string(text)), nil
}

// keyText appends the key as text: a string as it is, bytes as they are
// when they are UTF-8 (else base64), anything else as JSON.
func (e *encoder) keyText(dst []byte, r *plugin.Record) ([]byte, error) {
	switch k := r.Key.(type) {
	case string:
		return append(dst, k...), nil
	case []byte:
		if utf8.Valid(k) {
			return append(dst, k...), nil
		}
		return base64.StdEncoding.AppendEncode(dst, k), nil
	}
	return e.value(dst, r.Topic, r.KeySchema, r.Key)
}

// value writes a Connect value as schemaless JSON. Bytes that are valid
// JSON are copied in as they are; other bytes become a base64 string.
func (e *encoder) value(dst []byte, topic string, s *plugin.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return javajson.AppendString(dst, x), nil
	case []byte:
		if json.Valid(x) {
			return append(dst, x...), nil
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, '"'), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float32:
		return javajson.AppendFloat32(dst, x), nil
	case float64:
		return javajson.AppendFloat64(dst, x), nil
	case []any:
		if s == nil {
			return e.list(dst, topic, x)
		}
	case *plugin.MapValue:
		if s == nil && stringKeys(x) {
			return e.object(dst, topic, x)
		}
	}
	return e.converted(dst, topic, s, v)
}

func (e *encoder) list(dst []byte, topic string, l []any) ([]byte, error) {
	dst = append(dst, '[')
	for i, v := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = e.value(dst, topic, nil, v); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

func (e *encoder) object(dst []byte, topic string, m *plugin.MapValue) ([]byte, error) {
	dst = append(dst, '{')
	for i, en := range m.Entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = javajson.AppendString(dst, en.Key.(string))
		dst = append(dst, ':')
		var err error
		if dst, err = e.value(dst, topic, nil, en.Value); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func stringKeys(m *plugin.MapValue) bool {
	for _, en := range m.Entries {
		if _, ok := en.Key.(string); !ok {
			return false
		}
	}
	return true
}

// converted writes v with JsonConverter. A struct, decimal or time without
// a schema gets the one its value implies, so a transform that built it
// without one still gets it delivered.
func (e *encoder) converted(dst []byte, topic string, s *plugin.Schema, v any) ([]byte, error) {
	if s == nil {
		switch x := v.(type) {
		case *plugin.StructValue:
			s = x.Schema
		case plugin.Decimal:
			s = plugin.DecimalSchema(x.Scale)
		case time.Time:
			s = plugin.TimestampSchema(false)
		}
	}
	b, err := e.conv.FromConnectData(topic, s, v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}
