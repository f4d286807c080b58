package javatext

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Trim is String.trim: it strips every char up to and including ' ' (all
// ASCII control characters and the space) from both ends, and nothing else.
func Trim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// Digit is Character.digit(ch, 10) for the char ch: the value of a decimal
// digit of any script. Java reads text as UTF-16 chars, so a digit outside
// the Basic Multilingual Plane is two surrogates to it and no digit.
// Unicode gives each script's digits as a run of ten code points from zero,
// so a digit's value is its distance from the start of its run.
func Digit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r > 0xFFFF || !unicode.IsDigit(r) {
		return 0, false
	}
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10, true
}

// asciiDigits replaces the decimal digits of other scripts, which
// Integer.parseInt and new BigDecimal accept, with ASCII ones.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if d, ok := Digit(r); ok {
			return '0' + rune(d)
		}
		return r
	}, s)
}

// ParseInt is Byte.parseByte, Short.parseShort, Integer.parseInt or
// Long.parseLong (bits 8, 16, 32 or 64): an optional sign, then at least one
// decimal digit of any script (Character.digit on each char), and the value
// must fit in bits.
func ParseInt(s string, bits int) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	limit := uint64(1) << (bits - 1) // the magnitude of the smallest value
	var n uint64
	for _, r := range s {
		d, ok := Digit(r)
		if !ok || n > limit/10 {
			return 0, false
		}
		if n = n*10 + uint64(d); n > limit {
			return 0, false
		}
	}
	if neg {
		return int64(-n), true // in two's complement, so that -limit fits
	}
	if n == limit {
		return 0, false
	}
	return int64(n), true
}

// floatSyntax is what Double.parseDouble accepts once trimmed: NaN and
// Infinity exactly as spelled, or a decimal or hexadecimal number with an
// optional f, F, d or D type suffix.
var floatSyntax = regexp.MustCompile(`^[+-]?(?:NaN|Infinity|(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?)$`)

// ParseDouble is Double.parseDouble (bits 64) or Float.parseFloat (bits 32):
// blanks around the number are ignored, and values out of range become
// infinities or zeros rather than errors. Go's own spellings ("inf",
// "1_000") are refused, as Java refuses them.
func ParseDouble(s string, bits int) (float64, bool) {
	s = Trim(s)
	if !floatSyntax.MatchString(s) {
		return 0, false
	}
	if strings.HasSuffix(s, "NaN") {
		return math.NaN(), true // Go reads no sign before NaN
	}
	// A hexadecimal number ends in its exponent's decimal digits, so a
	// trailing f or d is always the type suffix.
	if c := s[len(s)-1]; c == 'f' || c == 'F' || c == 'd' || c == 'D' {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, bits)
	if ne, ok := err.(*strconv.NumError); ok && ne.Err != strconv.ErrRange {
		return 0, false
	}
	return f, true
}
