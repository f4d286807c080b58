package assign

import (
	"slices"
	"strings"
	"testing"
	"testing/quick"
	"unicode/utf16"
)

func TestCompareJava(t *testing.T) {
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
		if got := compareJava(tt.a, tt.b); got != tt.want {
			t.Errorf("compareJava(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareJava(tt.b, tt.a); got != -tt.want {
			t.Errorf("compareJava(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// compareJava agrees with comparing the UTF-16 encodings, bytes breaking
// ties, for any strings quick generates (which include supplementary
// characters).
func TestQuickCompareJavaIsUTF16Order(t *testing.T) {
	reference := func(a, b string) int {
		if c := slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b))); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	}
	agree := func(prefix, a, b string) bool {
		a, b = prefix+a, prefix+b
		return compareJava(a, b) == reference(a, b)
	}
	if err := quick.Check(agree, quickConfig()); err != nil {
		t.Fatal(err)
	}
}

// sortItems, which ranks names first, orders like a plain sort on
// (connector in Java order, task).
func TestQuickSortItemsIsJavaOrder(t *testing.T) {
	sorted := func(names []string, tasks []int8) bool {
		var items []item
		for i, task := range tasks {
			if len(names) > 0 {
				items = append(items, item{connector: names[i%len(names)], task: int32(task)})
			}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, func(a, b item) int {
			if c := compareJava(a.connector, b.connector); c != 0 {
				return c
			}
			return int(a.task) - int(b.task)
		})
		return slices.Equal(sortItems(items), want)
	}
	if err := quick.Check(sorted, quickConfig()); err != nil {
		t.Fatal(err)
	}
}
