package javatext

import (
	"math"
	"strconv"
)

// AppendDouble appends f as Double.toString prints it on JDK 19 and later:
// the shortest decimal that reads back as f, plain from 10^-3 up to 10^7 and
// as d.dddE±n outside, always with a digit after the point: 1.0, 0.001,
// 1.0E7, 1.234E-5, -0.0, NaN, Infinity.
//
// JDK 17 sometimes prints more digits than needed (2.82879384806159008E17,
// or 9.999999999999999E22 for 1.0E23). Those texts are the same double, but a
// JDK 17 worker writes other bytes for them; TestDoublesJDK17 counts how
// often that happens.
func AppendDouble(dst []byte, f float64) []byte { return appendShortest(dst, f, 64) }

// AppendFloat appends f as Float.toString prints it on JDK 19 and later, by
// the same rules as AppendDouble with float32's shortest digits.
func AppendFloat(dst []byte, f float32) []byte { return appendShortest(dst, float64(f), 32) }

// FormatDouble is AppendDouble as a string.
func FormatDouble(f float64) string { return string(AppendDouble(nil, f)) }

// FormatFloat is AppendFloat as a string.
func FormatFloat(f float32) string { return string(AppendFloat(nil, f)) }

// appendShortest writes f, a float64 or a float32 widened to float64
// (bits 64 or 32), in Java's form.
func appendShortest(dst []byte, f float64, bits int) []byte {
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
	minNormal := 0x1p-1022 // the smallest normal number of the width
	if bits == 32 {
		minNormal = 0x1p-126
	}
	var buf, twoBuf, digitBuf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, bits)
	if s[1] == 'e' && f < minNormal {
		// When one digit is enough, Java picks the closest decimal of one or
		// two digits. Only subnormals are coarse enough for the two to differ
		// (Double.MIN_VALUE prints as 4.9E-324, Float.MIN_VALUE as 1.4E-45).
		if two := strconv.AppendFloat(twoBuf[:0], f, 'e', 1, bits); readsBack(two, f, bits) {
			s = two
		}
	}
	digits, exp := splitExponent(digitBuf[:0], s)
	if f >= 1e-3 && f < 1e7 {
		return appendPlain(dst, digits, exp)
	}
	return appendScientific(dst, digits, exp)
}

func readsBack(s []byte, f float64, bits int) bool {
	g, err := strconv.ParseFloat(string(s), bits)
	return err == nil && g == f
}

// splitExponent turns Go's "d.ddde±xx" into its digits, trailing zeros
// dropped, appended to digits, and the decimal exponent of the first digit.
func splitExponent(digits, s []byte) ([]byte, int) {
	i := len(s) - 1
	for s[i] != 'e' {
		i--
	}
	exp, _ := strconv.Atoi(string(s[i+1:]))
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

// appendPlain writes digits×10^exp as ddd.ddd with at least one digit on
// each side of the point; exp is at least -3 here.
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
