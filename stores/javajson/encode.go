package javajson

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
)

// Field is one member of an Object or a HashMap.
type Field struct {
	Key   string
	Value any
}

// Object is a JSON object written in slice order. It stands for what Java
// writes from a Connect Struct or a LinkedHashMap, whose field order is fixed.
type Object []Field

// HashMap stands for a java.util.HashMap<String, Object> that was filled by
// put() in slice order. Marshal writes it in that map's iteration order, which
// is what Java's JsonConverter writes; a key put twice keeps its first position
// and its last value. Decode returns JSON objects as HashMap in document order,
// which is the map Java builds when it reads the same bytes, so re-encoding a
// decoded HashMap reproduces what a Java worker would write.
type HashMap []Field

// Get returns the value stored under key. Like a Java HashMap, the last put
// wins.
func (m HashMap) Get(key string) (any, bool) {
	for i := len(m) - 1; i >= 0; i-- {
		if m[i].Key == key {
			return m[i].Value, true
		}
	}
	return nil, false
}

// Plain returns m as Go maps, nested HashMaps and lists included, for
// code that wants map[string]any; nil stays nil. Key order is lost.
func (m HashMap) Plain() map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for _, f := range m {
		out[f.Key] = plainValue(f.Value)
	}
	return out
}

func plainValue(v any) any {
	switch x := v.(type) {
	case HashMap:
		return x.Plain()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(e)
		}
		return out
	}
	return v
}

// UnsupportedValueError reports a value Marshal cannot write.
type UnsupportedValueError struct {
	Value  any
	Reason string
}

func (e *UnsupportedValueError) Error() string {
	return fmt.Sprintf("javajson: cannot encode %T: %s", e.Value, e.Reason)
}

// Marshal encodes v as Java's JsonConverter would. Supported: nil, bool,
// string, int, int32, int64, float64, json.Number, []any, Object, HashMap and
// map[string]any. A map[string]any is written as a HashMap filled in sorted
// key order, so its output is deterministic. Invalid UTF-8 in strings is
// written as U+FFFD, since a Java String cannot hold it.
func Marshal(v any) ([]byte, error) {
	return Append(nil, v)
}

// Append is Marshal writing into dst.
func Append(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return AppendString(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return AppendFloat64(dst, x), nil
	case json.Number:
		return appendNumber(dst, x)
	case []any:
		return appendList(dst, x)
	case Object:
		return appendFields(dst, x, nil)
	case HashMap:
		return appendHashMap(dst, x)
	case map[string]any:
		return appendHashMap(dst, sortedFields(x))
	default:
		return dst, &UnsupportedValueError{Value: v, Reason: "type not supported"}
	}
}

// AppendFloat64 writes a double the way Jackson does by default: finite
// values as numbers in Double.toString's form, the others as the strings
// "NaN", "Infinity" and "-Infinity" (QUOTE_NON_NUMERIC_NUMBERS).
func AppendFloat64(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		dst = append(dst, '"')
		dst = javatext.AppendDouble(dst, f)
		return append(dst, '"')
	}
	return javatext.AppendDouble(dst, f)
}

// AppendFloat32 is AppendFloat64 for a float, in Float.toString's form.
func AppendFloat32(dst []byte, f float32) []byte {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		dst = append(dst, '"')
		dst = javatext.AppendFloat(dst, f)
		return append(dst, '"')
	}
	return javatext.AppendFloat(dst, f)
}

// appendNumber writes a json.Number as the Java value it stands for: an
// integer literal is a Long, anything else a Double.
func appendNumber(dst []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if !isJSONNumber(s) {
		return dst, &UnsupportedValueError{Value: n, Reason: "not a JSON number"}
	}
	if isIntegerLiteral(s) {
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return dst, &UnsupportedValueError{Value: n, Reason: "integer outside the range of a Java Long"}
		}
		return strconv.AppendInt(dst, i, 10), nil
	}
	f, _ := strconv.ParseFloat(s, 64) // overflow gives ±Inf, as Double.parseDouble does
	return AppendFloat64(dst, f), nil
}

func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1]) && json.Valid([]byte(s))
}

func isIntegerLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func appendList(dst []byte, l []any) ([]byte, error) {
	dst = append(dst, '[')
	for i, e := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = Append(dst, e); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendFields writes fields in the order given by order, or in slice order
// when order is nil.
func appendFields(dst []byte, fields []Field, order []int) ([]byte, error) {
	dst = append(dst, '{')
	for i := range fields {
		f := fields[i]
		if order != nil {
			f = fields[order[i]]
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, f.Key)
		dst = append(dst, ':')
		var err error
		if dst, err = Append(dst, f.Value); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendHashMap(dst []byte, m HashMap) ([]byte, error) {
	fields := mergePuts(m)
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.Key
	}
	return appendFields(dst, fields, javaorder.HashMap(keys))
}

// mergePuts applies put() semantics to m: a repeated key keeps the position
// of its first put and the value of its last.
func mergePuts(m HashMap) []Field {
	out := make([]Field, 0, len(m))
	index := make(map[string]int, len(m))
	for _, f := range m {
		if j, ok := index[f.Key]; ok {
			out[j].Value = f.Value
			continue
		}
		index[f.Key] = len(out)
		out = append(out, f)
	}
	return out
}

func sortedFields(m map[string]any) HashMap {
	out := make(HashMap, 0, len(m))
	for k, v := range m {
		out = append(out, Field{k, v})
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	return out
}

const upperHex = "0123456789ABCDEF"

// AppendString writes s as a quoted JSON string with Jackson's escaping.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && r < 0x10000 {
				i += size
				continue
			}
		}
		dst = append(dst, s[start:i]...)
		dst = appendEscaped(dst, r)
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscaped writes one rune that Jackson does not copy through as is.
func appendEscaped(dst []byte, r rune) []byte {
	switch r {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\b':
		return append(dst, '\\', 'b')
	case '\t':
		return append(dst, '\\', 't')
	case '\n':
		return append(dst, '\\', 'n')
	case '\f':
		return append(dst, '\\', 'f')
	case '\r':
		return append(dst, '\\', 'r')
	case utf8.RuneError:
		return utf8.AppendRune(dst, r)
	}
	if r < 0x20 {
		return appendUnit(dst, uint16(r))
	}
	// Jackson 2.x writes a supplementary character as two escaped surrogates
	// (JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8 is off by default).
	r -= 0x10000
	dst = appendUnit(dst, uint16(0xD800+(r>>10)))
	return appendUnit(dst, uint16(0xDC00+(r&0x3FF)))
}

func appendUnit(dst []byte, u uint16) []byte {
	return append(dst, '\\', 'u', upperHex[u>>12], upperHex[u>>8&0xF], upperHex[u>>4&0xF], upperHex[u&0xF])
}
