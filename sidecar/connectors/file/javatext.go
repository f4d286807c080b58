package file

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// appendJavaText appends v as Java's String.valueOf(Object) prints the
// Connect value the sink task was handed, which is what Java's sink writes.
//
// Where Java's text is useless or depends on the JVM, this differs on
// purpose: []byte is written as its raw bytes (Java prints "[B@" and an
// identity hash), dates are printed in UTC (Java uses the JVM's time zone),
// and map entries come in the order the value holds them (Java's HashMap
// has its own order; the converters build maps in that order where they
// can).
func appendJavaText(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return append(dst, v...)
	case []byte:
		return append(dst, v...)
	case bool:
		return strconv.AppendBool(dst, v)
	case int8:
		return strconv.AppendInt(dst, int64(v), 10)
	case int16:
		return strconv.AppendInt(dst, int64(v), 10)
	case int32:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case float32:
		return javatext.AppendFloat(dst, v)
	case float64:
		return javatext.AppendDouble(dst, v)
	case plugin.Decimal:
		return appendBigDecimal(dst, v)
	case *plugin.Decimal:
		return appendBigDecimal(dst, *v)
	case time.Time:
		// java.util.Date.toString.
		return v.UTC().AppendFormat(dst, "Mon Jan 02 15:04:05 MST 2006")
	case []any:
		// AbstractCollection.toString.
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJavaText(dst, e)
		}
		return append(dst, ']')
	case *plugin.MapValue:
		// AbstractMap.toString.
		dst = append(dst, '{')
		for i, e := range v.Entries {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJavaText(dst, e.Key)
			dst = append(dst, '=')
			dst = appendJavaText(dst, e.Value)
		}
		return append(dst, '}')
	case *plugin.StructValue:
		// Struct.toString: fields that are not null, comma separated.
		dst = append(dst, "Struct{"...)
		first := true
		for i, fv := range v.Values {
			if fv == nil {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, v.Schema.Fields[i].Name...)
			dst = append(dst, '=')
			dst = appendJavaText(dst, fv)
		}
		return append(dst, '}')
	}
	return fmt.Append(dst, v)
}

// appendBigDecimal is BigDecimal.toString, with a missing unscaled value
// read as zero.
func appendBigDecimal(dst []byte, d plugin.Decimal) []byte {
	if d.Unscaled == nil {
		return javatext.AppendBigDecimal(dst, new(big.Int), d.Scale)
	}
	return javatext.AppendBigDecimal(dst, d.Unscaled, d.Scale)
}
