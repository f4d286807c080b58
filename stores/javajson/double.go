package javajson

import (
	"math"
	"strconv"
)

// AppendDouble writes f as Java's Double.toString does on JDK 19 and later
// (the shortest decimal that reads back as f), e.g. 1.0, 0.001, 1.0E7,
// 1.234E-5, -0.0, NaN, Infinity.
//
// JDK 17's Double.toString sometimes prints more digits than needed (for
// example 2.82879384806159008E17 and 9.999999999999999E22 for 1.0E23); those
// values are the same double, but a JDK 17 worker writes other bytes for them.
// stores/testdata/javagen/README.md records how often that happens.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	var buf [32]byte
	digits, exp := shortestDigits(buf[:0], f)
	if f >= 1e-3 && f < 1e7 {
		return appendPlain(dst, digits, exp)
	}
	return appendScientific(dst, digits, exp)
}

// shortestDigits returns the significant digits d1d2…dn of positive f and the
// exponent e such that f reads as d1.d2…dn × 10^e.
func shortestDigits(buf []byte, f float64) ([]byte, int) {
	s := strconv.AppendFloat(buf, f, 'e', -1, 64)
	if s[1] == 'e' && f < math.SmallestNonzeroFloat64*1e3 {
		// JDK 19+ chooses among one- and two-digit decimals when the shortest
		// has one digit; only the smallest subnormals are wide enough for a
		// two-digit decimal to be closer (2×MIN_VALUE prints as 9.9E-324).
		if two := strconv.AppendFloat(nil, f, 'e', 1, 64); readsBack(two, f) {
			s = two
		}
	}
	return splitExponent(s)
}

func readsBack(s []byte, f float64) bool {
	g, err := strconv.ParseFloat(string(s), 64)
	return err == nil && g == f
}

// splitExponent turns "d.ddde±xx" into its digits (trailing zeros dropped)
// and the decimal exponent.
func splitExponent(s []byte) ([]byte, int) {
	e := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 'e' {
			continue
		}
		n, _ := strconv.Atoi(string(s[i+1:]))
		e = n
		s = s[:i]
		break
	}
	digits := make([]byte, 0, len(s))
	for _, c := range s {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	return digits, e
}

// appendPlain writes digits×10^exp as ddd.ddd with at least one digit after
// the point; exp is at least -3 here.
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

// appendScientific writes d.dddE±n with at least one digit after the point.
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
