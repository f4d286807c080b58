package javaorder

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
	"testing/quick"
	"unicode/utf16"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "a", -1},
		{"a", "b", -1},
		{"ab", "a", 1},
		{"connector-10", "connector-9", -1},
		{"B", "a", -1}, // upper case sorts first, as in Java
		{"é", "z", 1},
		// U+FFFF is one unit 0xFFFF; U+10000 is 0xD800 0xDC00, so it sorts
		// first in Java, last in Go's byte order.
		{"\uffff", "\U00010000", 1},
		{"x\U0001F600", "x\uE000", -1},
		{"\U0001F600", "\U0001F601", -1}, // same high surrogate
		{"\xff", "\xfe", 1},              // both U+FFFD to Java; bytes break the tie
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Compare(tt.b, tt.a); got != -tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// Compare agrees with comparing the UTF-16 encodings, bytes breaking
// ties, for any strings quick generates (which include supplementary
// characters).
func TestQuickCompareIsUTF16Order(t *testing.T) {
	reference := func(a, b string) int {
		if c := slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b))); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	}
	agree := func(prefix, a, b string) bool {
		a, b = prefix+a, prefix+b
		return Compare(a, b) == reference(a, b)
	}
	if err := quick.Check(agree, &quick.Config{MaxCount: 300, Rand: rand.New(rand.NewSource(415))}); err != nil {
		t.Fatal(err)
	}
}
