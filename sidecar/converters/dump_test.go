package converters

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// The dump format is a neutral text form of schemas and values. The Java
// generator (testdata/javagen) writes the same form, so goldens can say
// what Java read or which value it wrote.

func dumpSchema(s *plugin.Schema) string {
	if s == nil {
		return "null"
	}
	var b strings.Builder
	b.WriteString(string(s.Type))
	if s.Optional {
		b.WriteByte('?')
	}
	var attrs []string
	if s.Name != "" {
		attrs = append(attrs, "name="+quoteJava(s.Name))
	}
	if s.Version != nil {
		attrs = append(attrs, fmt.Sprintf("version=%d", *s.Version))
	}
	if s.Doc != "" {
		attrs = append(attrs, "doc="+quoteJava(s.Doc))
	}
	if s.Parameters != nil {
		var ps []string
		for k, v := range s.Parameters {
			ps = append(ps, quoteJava(k)+"="+quoteJava(v))
		}
		slices.Sort(ps)
		attrs = append(attrs, "params={"+strings.Join(ps, ",")+"}")
	}
	if s.HasDefault && s.Default != nil {
		attrs = append(attrs, "default="+dumpValue(s.Default))
	}
	if len(attrs) > 0 {
		b.WriteString("(" + strings.Join(attrs, ";") + ")")
	}
	switch s.Type {
	case plugin.Array:
		b.WriteString("<" + dumpSchema(s.Value) + ">")
	case plugin.Map:
		b.WriteString("<" + dumpSchema(s.Key) + "," + dumpSchema(s.Value) + ">")
	case plugin.Struct:
		var fs []string
		for _, f := range s.Fields {
			fs = append(fs, quoteJava(f.Name)+":"+dumpSchema(f.Schema))
		}
		b.WriteString("{" + strings.Join(fs, ",") + "}")
	}
	return b.String()
}

func dumpValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case int8:
		return fmt.Sprintf("i8:%d", x)
	case int16:
		return fmt.Sprintf("i16:%d", x)
	case int32:
		return fmt.Sprintf("i32:%d", x)
	case int64:
		return fmt.Sprintf("i64:%d", x)
	case float32:
		return "f32:" + javatext.FormatFloat(x)
	case float64:
		return "f64:" + javatext.FormatDouble(x)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return quoteJava(x)
	case []byte:
		return "b64:" + base64.StdEncoding.EncodeToString(x)
	case plugin.Decimal:
		return fmt.Sprintf("dec:%s,%d", x.Unscaled, x.Scale)
	case time.Time:
		return fmt.Sprintf("date:%d", x.UnixMilli())
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, dumpValue(e))
		}
		return "[" + strings.Join(out, ",") + "]"
	case *plugin.MapValue:
		var out []string
		for _, e := range x.Entries {
			out = append(out, dumpValue(e.Key)+"="+dumpValue(e.Value))
		}
		slices.Sort(out)
		return "{" + strings.Join(out, ",") + "}"
	case *plugin.StructValue:
		var out []string
		for i, f := range x.Schema.Fields {
			out = append(out, quoteJava(f.Name)+"="+dumpValue(x.Values[i]))
		}
		return "struct{" + strings.Join(out, ",") + "}"
	}
	return fmt.Sprintf("<%T>", v)
}

func dumpSV(s *plugin.Schema, v any) string { return dumpSchema(s) + " " + dumpValue(v) }

// quoteJava quotes s with \" \\ and \uXXXX (UTF-16 units) for anything
// outside printable ASCII.
func quoteJava(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, u := range utf16.Encode([]rune(s)) {
		switch {
		case u == '"' || u == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(u))
		case u < 0x20 || u > 0x7e:
			fmt.Fprintf(&b, "\\u%04X", u)
		default:
			b.WriteByte(byte(u))
		}
	}
	b.WriteByte('"')
	return b.String()
}
