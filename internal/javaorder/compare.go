package javaorder

import (
	"cmp"
	"strings"
	"unicode/utf8"
)

// Compare orders strings as Java's String.compareTo does: by UTF-16 code
// units. Go compares UTF-8 bytes, which is code point order. The two differ
// only where one string has a character above U+FFFF (a surrogate pair,
// 0xD800–0xDBFF first) and the other one in U+E000–U+FFFF: Java puts the
// surrogate pair first, Go the other. Member ids and connector names are
// sorted with it so that a Go leader walks them in the order a Java leader
// does.
func Compare(a, b string) int {
	if a == b {
		return 0
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	// An ASCII byte is always a code unit of its own, so when both sides are
	// ASCII (or ended) where they first differ, bytes decide as units would.
	if asciiOrEnd(a, i) && asciiOrEnd(b, i) {
		return strings.Compare(a[i:], b[i:])
	}
	return compareUTF16(a, b)
}

func asciiOrEnd(s string, i int) bool {
	return i == len(s) || s[i] < utf8.RuneSelf
}

// compareUTF16 is the slow path: decode both strings and compare code units.
// Invalid UTF-8 decodes to U+FFFD, so two different strings can tie; bytes
// break the tie to keep the order total.
func compareUTF16(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		rx, nx := utf8.DecodeRuneInString(x)
		ry, ny := utf8.DecodeRuneInString(y)
		if rx != ry {
			if c := cmp.Compare(firstUnit(rx), firstUnit(ry)); c != 0 {
				return c
			}
			// Same high surrogate: the low surrogates follow code point order.
			return cmp.Compare(rx, ry)
		}
		x, y = x[nx:], y[ny:]
	}
	switch {
	case x == "" && y != "":
		return -1
	case x != "" && y == "":
		return 1
	}
	return strings.Compare(a, b)
}

// firstUnit is the first UTF-16 code unit of r.
func firstUnit(r rune) rune {
	if r < 0x10000 {
		return r
	}
	return 0xD800 + (r-0x10000)>>10
}
