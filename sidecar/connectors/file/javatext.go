package file

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/internal/settings"
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
		return settings.AppendJavaFloat(dst, float64(v), 32)
	case float64:
		return settings.AppendJavaFloat(dst, v, 64)
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

// appendBigDecimal is BigDecimal.toString: plain unless the scale is
// negative or the number is below 10^-6, then scientific with "E".
func appendBigDecimal(dst []byte, d plugin.Decimal) []byte {
	unscaled := d.Unscaled
	if unscaled == nil {
		unscaled = new(big.Int)
	}
	digits := unscaled.String()
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
		dst = append(dst, '-')
	}
	scale := int64(d.Scale)
	adjusted := int64(len(digits)-1) - scale
	if scale >= 0 && adjusted >= -6 {
		if scale == 0 {
			return append(dst, digits...)
		}
		point := int64(len(digits)) - scale
		if point <= 0 {
			dst = append(dst, "0."...)
			for ; point < 0; point++ {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		return append(dst, digits[point:]...)
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	if adjusted >= 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, adjusted, 10)
}
