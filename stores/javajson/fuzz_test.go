package javajson

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// can be written and read back to the same content.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"properties":{"a":"b","c":null}}`, `["c",{"filename":"/tmp/x"}]`, `{"tasks":3}`,
		`-0.0`, `1e400`, `007`, `"\uD83D\uDE00\u00e9"`, "\"\xc0\x80\"", `[[[]]]`, `{"a":1,"a":2}`,
		`{"AaAa":1,"BBBB":2,"AaBB":3,"BBAa":4}`, "\xef\xbb\xbf{}", `true}`, `1 x`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
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
// HashMap order.
func canonical(v any) any {
	switch x := v.(type) {
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
