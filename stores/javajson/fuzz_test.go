package javajson

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics, that Check accepts the same
// inputs (and StringAt reads a root string as Decode does), and that
// whatever Decode accepts can be written and read back to the same content.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"properties":{"a":"b","c":null}}`, `["c",{"filename":"/tmp/x"}]`, `{"tasks":3}`,
		`-0.0`, `1e400`, `007`, `"\uD83D\uDE00\u00e9"`, "\"\xc0\x80\"", `[[[]]]`, `{"a":1,"a":2}`,
		`{"AaAa":1,"BBBB":2,"AaBB":3,"BBAa":4}`, "\xef\xbb\xbf{}", `true}`, `1 x`,
		`{"\ud83d\ude00":1}`, `{"\ud800":1}`, "\"\xed\xa0\x80\"", `1e2147483648`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		root, checkErr := Check(data)
		if (err == nil) != (checkErr == nil) {
			t.Fatalf("Decode(%q): %v, but Check: %v", data, err, checkErr)
		}
		if err != nil {
			return
		}
		if s, ok := v.(string); ok && StringAt(data, root) != s {
			t.Fatalf("StringAt(%q, %d) = %q, Decode read %q", data, root, StringAt(data, root), s)
		}
		once, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(Decode(%q)): %v", data, err)
		}
		w, err := Decode(once)
		if err != nil {
			t.Fatalf("Decode(%q) of our own output: %v", once, err)
		}
		a, errA := Marshal(canonical(v))
		b, errB := Marshal(canonical(w))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("round trip changed %q into %q", a, b)
		}
	})
}

// canonical sorts object members so two values can be compared regardless of
// HashMap order, and drops the sign of zero: a negative number that underflows
// reads as -0.0 and is written as "-0.0", which BigDecimal, having no negative
// zero, reads back as 0.0, in Java as here.
func canonical(v any) any {
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return 0.0
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return out
	case HashMap:
		out := make(Object, len(x))
		for i, f := range x {
			out[i] = Field{f.Key, canonical(f.Value)}
		}
		slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
		return out
	}
	return v
}
