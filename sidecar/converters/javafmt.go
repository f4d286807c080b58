package converters

import (
	"math"
	"math/big"
	"strconv"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// appendFloat32 writes f as Java's Float.toString does on JDK 19 and later:
// the shortest decimal that reads back as f, in plain form between 10^-3 and
// 10^7 and as d.dddE±n outside, always with a digit after the point.
func appendFloat32(dst []byte, f float32) []byte {
	switch {
	case f != f:
		return append(dst, "NaN"...)
	case math.IsInf(float64(f), 1):
		return append(dst, "Infinity"...)
	case math.IsInf(float64(f), -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(float64(f)) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	var buf [24]byte
	s := strconv.AppendFloat(buf[:0], float64(f), 'e', -1, 32)
	if s[1] == 'e' && f < minNormalFloat32 {
		// When one digit is enough, Java picks the closest decimal of one or
		// two digits; only subnormals are coarse enough for them to differ
		// (Float.MIN_VALUE prints as 1.4E-45, not 1.0E-45).
		if two := strconv.AppendFloat(nil, float64(f), 'e', 1, 32); readsBack32(two, f) {
			s = two
		}
	}
	digits, exp := splitExponent(s)
	if f >= 1e-3 && f < 1e7 {
		return appendPlain(dst, digits, exp)
	}
	return appendScientific(dst, digits, exp)
}

const minNormalFloat32 = 0x1p-126

func readsBack32(s []byte, f float32) bool {
	g, err := strconv.ParseFloat(string(s), 32)
	return err == nil && float32(g) == f
}

// splitExponent turns "d.ddde±xx" into its digits without trailing zeros and
// the decimal exponent.
func splitExponent(s []byte) ([]byte, int) {
	i := len(s) - 1
	for s[i] != 'e' {
		i--
	}
	exp, _ := strconv.Atoi(string(s[i+1:]))
	digits := make([]byte, 0, i)
	for _, c := range s[:i] {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	return digits, exp
}

// appendPlain writes digits×10^exp as ddd.ddd, at least one digit after the
// point.
func appendPlain(dst, digits []byte, exp int) []byte {
	if exp < 0 {
		dst = append(dst, '0', '.')
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	for i := 0; i <= exp; i++ {
		if i < len(digits) {
			dst = append(dst, digits[i])
		} else {
			dst = append(dst, '0')
		}
	}
	dst = append(dst, '.')
	if exp+1 >= len(digits) {
		return append(dst, '0')
	}
	return append(dst, digits[exp+1:]...)
}

// appendScientific writes d.dddE±n, at least one digit after the point.
func appendScientific(dst, digits []byte, exp int) []byte {
	dst = append(dst, digits[0], '.')
	if len(digits) == 1 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// appendFloat64 writes f as Java's Double.toString (JDK 19 and later).
func appendFloat64(dst []byte, f float64) []byte {
	return javajson.AppendDouble(dst, f)
}

// appendBigDecimal writes unscaled×10^-scale as Java's BigDecimal.toString:
// plain when the scale is not negative and the exponent is at least -6, else
// in scientific notation with an explicit exponent sign (1.2E+3, 1E-7).
func appendBigDecimal(dst []byte, unscaled *big.Int, scale int32) []byte {
	if unscaled.Sign() < 0 {
		dst = append(dst, '-')
	}
	start := len(dst)
	dst = new(big.Int).Abs(unscaled).Append(dst, 10)
	if scale == 0 {
		return dst
	}
	n := len(dst) - start
	adjusted := -int64(scale) + int64(n-1)
	if scale > 0 && adjusted >= -6 {
		return insertPoint(dst, start, n, int(scale))
	}
	if n > 1 {
		dst = append(dst, 0)
		copy(dst[start+2:], dst[start+1:])
		dst[start+1] = '.'
	}
	dst = append(dst, 'E')
	if adjusted > 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, adjusted, 10)
}

// insertPoint turns the n digits at dst[start:] into a decimal with scale
// digits after the point, padding with zeros in front when needed.
func insertPoint(dst []byte, start, n, scale int) []byte {
	digits := string(dst[start:])
	dst = dst[:start]
	if pad := scale - n; pad >= 0 {
		dst = append(dst, '0', '.')
		for ; pad > 0; pad-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:n-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[n-scale:]...)
}
