// Package javastr reproduces the two java.lang.String/Integer behaviours the
// config and status topics' key parsers depend on.
package javastr

import (
	"math"
	"strings"
	"unicode"
)

// Split is Java's s.split("-") for a one-character separator: like
// strings.Split, but trailing empty strings are dropped, so "task-a-" splits
// into ["task", "a"]; a string without the separator comes back whole.
func Split(s string, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// ParseInt is Integer.parseInt(s): an optional '+' or '-', then at least one
// decimal digit, where any Unicode decimal digit of the Basic Multilingual
// Plane counts (Character.digit on each UTF-16 unit), and the result must fit
// in 32 bits.
func ParseInt(s string) (int32, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n int64
	for _, r := range s {
		d, ok := digit(r)
		if !ok {
			return 0, false
		}
		n = n*10 + int64(d)
		if n > math.MaxInt32+1 {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	if n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// digit returns the value of a Unicode decimal digit. Unicode encodes each
// set of decimal digits as ten consecutive code points starting at zero, so
// the value is the distance from the start of the run, modulo ten.
func digit(r rune) (int, bool) {
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
