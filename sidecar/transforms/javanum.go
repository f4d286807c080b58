package transforms

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Java's number rules that show in transform results: how strings parse
// (Integer.parseInt, Double.parseDouble, new BigDecimal), how numbers
// print (Double.toString, BigDecimal.toString) and how they narrow
// ((byte) of a long, (int) of a double).

var (
	javaIntSyntax     = regexp.MustCompile(`^[+-]?[0-9]+$`)
	javaDecimalSyntax = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)
	javaFloatSyntax   = regexp.MustCompile(`^[+-]?(?:NaN|Infinity|(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?)$`)
)

// asciiDigits replaces the decimal digits of other scripts, which
// Integer.parseInt and new BigDecimal accept, with ASCII ones.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if d, ok := digitValue(r); ok {
			return '0' + rune(d)
		}
		return r
	}, s)
}

// parseJavaInt is Byte/Short/Integer/Long.parseX for the given bit size.
func parseJavaInt(s string, bits int) (int64, bool) {
	s = asciiDigits(s)
	if !javaIntSyntax.MatchString(s) {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, bits)
	return i, err == nil
}

// parseJavaFloat is Double.parseDouble (bits 64) or Float.parseFloat (32):
// surrounding blanks, a d/f suffix and hexadecimal are allowed, and out
// of range values become infinities or zeros rather than errors.
func parseJavaFloat(s string, bits int) (float64, bool) {
	s = trimJava(s)
	if !javaFloatSyntax.MatchString(s) {
		return 0, false
	}
	if strings.HasSuffix(s, "NaN") {
		return math.NaN(), true
	}
	if !strings.ContainsAny(s, "xX") {
		s = strings.TrimRight(s, "fFdD")
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseBigDecimal is new BigDecimal(String).
func parseBigDecimal(s string) (plugin.Decimal, bool) {
	m := javaDecimalSyntax.FindStringSubmatch(asciiDigits(s))
	if m == nil || m[2]+m[3] == "" {
		return plugin.Decimal{}, false
	}
	unscaled, ok := new(big.Int).SetString(m[1]+m[2]+m[3], 10)
	if !ok {
		return plugin.Decimal{}, false
	}
	exp := int64(0)
	if m[4] != "" {
		e, err := strconv.ParseInt(m[4], 10, 64)
		if err != nil {
			return plugin.Decimal{}, false
		}
		exp = e
	}
	scale := int64(len(m[3])) - exp
	if scale != int64(int32(scale)) {
		return plugin.Decimal{}, false
	}
	return plugin.Decimal{Unscaled: unscaled, Scale: int32(scale)}, true
}

// decimalString is BigDecimal.toString: plain unless the exponent is
// positive or the number is below 1e-6, then scientific.
func decimalString(d plugin.Decimal) string {
	coeff := new(big.Int).Abs(d.Unscaled).String()
	sign := ""
	if d.Unscaled.Sign() < 0 {
		sign = "-"
	}
	scale := int64(d.Scale)
	adjusted := -scale + int64(len(coeff)-1)
	switch {
	case scale == 0:
		return sign + coeff
	case scale > 0 && adjusted >= -6:
		if pad := scale - int64(len(coeff)); pad >= 0 {
			return sign + "0." + strings.Repeat("0", int(pad)) + coeff
		}
		point := int64(len(coeff)) - scale
		return sign + coeff[:point] + "." + coeff[point:]
	}
	out := sign + coeff[:1]
	if len(coeff) > 1 {
		out += "." + coeff[1:]
	}
	if adjusted != 0 {
		out += "E"
		if adjusted > 0 {
			out += "+"
		}
		out += strconv.FormatInt(adjusted, 10)
	}
	return out
}

var (
	bigTen    = big.NewInt(10)
	low64Mask = new(big.Int).SetUint64(math.MaxUint64)
)

// decimalToLong is BigDecimal.longValue: the fraction dropped, then the
// low 64 bits of the integer.
func decimalToLong(d plugin.Decimal) int64 {
	scale := int64(d.Scale)
	if scale <= -64 {
		// × 10^64 or more is a multiple of 2^64: its low 64 bits are 0.
		return 0
	}
	x := new(big.Int).Set(d.Unscaled)
	if scale < 0 {
		x.Mul(x, new(big.Int).Exp(bigTen, big.NewInt(-scale), nil))
	} else if scale > 0 {
		if scale > int64(len(x.String())) {
			return 0
		}
		x.Quo(x, new(big.Int).Exp(bigTen, big.NewInt(scale), nil))
	}
	return int64(x.And(x, low64Mask).Uint64())
}

// decimalToFloat is BigDecimal.doubleValue (bits 64) or floatValue (32),
// both correctly rounded.
func decimalToFloat(d plugin.Decimal, bits int) float64 {
	f, _ := strconv.ParseFloat(d.Unscaled.String()+"e"+strconv.FormatInt(-int64(d.Scale), 10), bits)
	return f
}

// doubleToLong and doubleToInt are Java's (long) and (int) casts of a
// double: NaN is 0 and out of range values saturate.
func doubleToLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func doubleToInt(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// javaDouble is Double.toString and javaFloat Float.toString (JDK 19 and
// later: the shortest decimal that reads back as the same number).
func javaDouble(f float64) string { return javaFloatString(f, 64) }

func javaFloat(f float32) string { return javaFloatString(float64(f), 32) }

func javaFloatString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0 && math.Signbit(f):
		return "-0.0"
	case f == 0:
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	digits, exp := shortestDigits(f, bits)
	if f >= 1e-3 && f < 1e7 {
		return sign + plainDigits(digits, exp)
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}

// shortestDigits returns the significant digits and the decimal exponent
// of the first of them. Java prefers, when one digit would do, two digits
// if they are closer to the number (4.9E-324, not 5E-324).
func shortestDigits(f float64, bits int) (string, int) {
	digits, exp := splitE(strconv.FormatFloat(f, 'e', -1, bits))
	if len(digits) == 1 {
		two, exp2 := splitE(strconv.FormatFloat(f, 'e', 1, bits))
		if back, err := strconv.ParseFloat(two[:1]+"."+two[1:]+"e"+strconv.Itoa(exp2), bits); err == nil && back == f && two[1] != '0' {
			return two, exp2
		}
	}
	return digits, exp
}

// splitE splits Go's "d.ddde±x" into "dddd" and x.
func splitE(s string) (string, int) {
	mant, e, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(e)
	return strings.Replace(mant, ".", "", 1), exp
}

// plainDigits writes digits×10^exp without an exponent, with at least one
// digit after the point.
func plainDigits(digits string, exp int) string {
	if exp < 0 {
		return "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return digits[:exp+1] + "." + digits[exp+1:]
}
