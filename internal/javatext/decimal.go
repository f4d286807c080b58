package javatext

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
)

// AppendBigDecimal appends unscaled×10^-scale as BigDecimal.toString prints
// it: plain when the scale is not negative and the exponent of the leading
// digit is at least -6, else in scientific notation with an explicit
// exponent sign (1.2E+3, 1E-7). unscaled must not be nil.
func AppendBigDecimal(dst []byte, unscaled *big.Int, scale int32) []byte {
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

var decimalSyntax = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)

// ParseBigDecimal is new BigDecimal(String): a sign, digits of any script
// with an optional point, an optional exponent; it returns the unscaled
// value and the scale (digits after the point minus the exponent), which
// must fit an int. JDK 17 also wants the exponent itself to fit an int; this
// follows JDK 19 and later.
func ParseBigDecimal(s string) (*big.Int, int32, bool) {
	m := decimalSyntax.FindStringSubmatch(asciiDigits(s))
	if m == nil || m[2]+m[3] == "" {
		return nil, 0, false
	}
	unscaled, ok := new(big.Int).SetString(m[1]+m[2]+m[3], 10)
	if !ok {
		return nil, 0, false
	}
	exp := int64(0)
	if m[4] != "" {
		e, err := strconv.ParseInt(m[4], 10, 64)
		if err != nil {
			return nil, 0, false
		}
		exp = e
	}
	scale := int64(len(m[3])) - exp
	if scale < math.MinInt32 || scale > math.MaxInt32 {
		return nil, 0, false
	}
	return unscaled, int32(scale), true
}
