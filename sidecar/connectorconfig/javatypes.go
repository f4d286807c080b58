package connectorconfig

import (
	"sort"
	"unicode/utf16"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
)

// isBlank is Utils.isBlank for a value that may be absent.
func isBlank(s string, set bool) bool { return !set || javatext.Trim(s) == "" }

// javaStringHash is String.hashCode.
func javaStringHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(c)
	}
	return h
}

// javaHashOrder returns keys in the order a java.util.HashMap (or HashSet)
// that had them put in the given order iterates them: by bucket of the
// final table, then by insertion. Java's tree bins (8+ keys in one bucket)
// are not modelled.
func javaHashOrder(keys []string) []string {
	capacity := 16
	for float64(len(keys)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	return javaHashOrderIn(keys, capacity)
}

// javaCopyCapacity is the table size of new HashMap(m) for a map of n
// entries.
func javaCopyCapacity(n int) int {
	want := int(float32(n)/0.75 + 1)
	capacity := 1
	for capacity < want {
		capacity *= 2
	}
	return capacity
}

// javaHashOrderIn orders keys by bucket in a table of capacity slots,
// then by insertion.
func javaHashOrderIn(keys []string, capacity int) []string {
	bucket := func(s string) int {
		h := uint32(javaStringHash(s))
		return int((h ^ h>>16) & uint32(capacity-1))
	}
	out := append([]string(nil), keys...)
	sort.SliceStable(out, func(i, j int) bool { return bucket(out[i]) < bucket(out[j]) })
	return out
}
