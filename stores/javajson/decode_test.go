package javajson

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// decodeCase is one line of testdata/decode-jdk17.jsonl: the input is
// prefix + unit×count + suffix, OK is whether JsonConverter.toConnectData
// accepted it, and Out is what fromConnectData wrote back for the value read
// (nil: a null value). OutLen replaces Out for long outputs.
type decodeCase struct {
	Prefix, Unit, Suffix string
	Count                int
	OK                   bool
	Out                  *string
	OutLen               int `json:"out_len"`
	Error                string
}

func (c decodeCase) input(t *testing.T) []byte {
	t.Helper()
	prefix, err1 := hex.DecodeString(c.Prefix)
	unit, err2 := hex.DecodeString(c.Unit)
	suffix, err3 := hex.DecodeString(c.Suffix)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	return append(append(prefix, bytes.Repeat(unit, c.Count)...), suffix...)
}

// TestDecodeGolden checks Decode against Java's verdict on every sampled input
// and, when Java accepted it, that re-encoding gives Java's bytes. The inputs
// that probe the 20-million-character string limit are 20 to 120 MB: -short
// leaves them all out, and the race detector the 40 and 120 MB ones (emoji
// and escapes counted as UTF-16 units), which take a minute under it.
func TestDecodeGolden(t *testing.T) {
	for _, c := range readLines[decodeCase](t, "testdata/decode-jdk17.jsonl") {
		in := c.input(t)
		if (testing.Short() && len(in) > 1<<20) || (raceEnabled && len(in) > 30<<20) {
			continue
		}
		name := describe(in)
		v, err := Decode(in)
		if errors.Is(err, ErrNotUTF8) {
			continue // Jackson's UTF-16/32 detection is not supported; see ErrNotUTF8
		}
		if (err == nil) != c.OK {
			t.Errorf("%s: err = %v, Java accepted = %v (%s)", name, err, c.OK, c.Error)
			continue
		}
		if err != nil {
			continue
		}
		checkReencoded(t, name, v, c)
	}
}

func checkReencoded(t *testing.T, name string, v any, c decodeCase) {
	t.Helper()
	if v == nil {
		if c.Out != nil || c.OutLen != 0 {
			t.Errorf("%s: decoded null, Java read a value", name)
		}
		return
	}
	out, err := Marshal(v)
	switch {
	case err != nil:
		t.Errorf("%s: %v", name, err)
	case c.OutLen != 0 && len(out) != c.OutLen:
		t.Errorf("%s: re-encoded %d bytes, Java wrote %d", name, len(out), c.OutLen)
	case c.OutLen == 0 && (c.Out == nil || string(out) != withoutLoneSurrogates(*c.Out)):
		t.Errorf("%s: re-encoded %s, Java wrote %v", name, out, deref(c.Out))
	}
}

// withoutLoneSurrogates replaces the escaped unpaired surrogates Java can hold
// in a String, and writes, by U+FFFD: a Go string cannot carry them.
func withoutLoneSurrogates(java string) string {
	var b strings.Builder
	for i := 0; i < len(java); {
		u, ok := surrogateEscape(java[i:])
		if !ok {
			b.WriteByte(java[i])
			i++
			continue
		}
		if next, ok := surrogateEscape(java[i+6:]); ok && u < 0xDC00 && next >= 0xDC00 {
			b.WriteString(java[i : i+12])
			i += 12
			continue
		}
		b.WriteRune(utf8.RuneError)
		i += 6
	}
	return b.String()
}

func surrogateEscape(s string) (uint64, bool) {
	if len(s) < 6 || s[:2] != `\u` {
		return 0, false
	}
	u, err := strconv.ParseUint(s[2:6], 16, 16)
	return u, err == nil && u >= 0xD800 && u <= 0xDFFF
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func describe(in []byte) string {
	if len(in) > 40 {
		return hex.EncodeToString(in[:20]) + "…(" + strconv.Itoa(len(in)) + " bytes)"
	}
	return hex.EncodeToString(in)
}

// TestDecodeUnsupportedEncodings pins which inputs Decode refuses because
// Jackson would switch to UTF-16 or UTF-32 for them.
func TestDecodeUnsupportedEncodings(t *testing.T) {
	for _, in := range []string{"\x00{\x00}", "{\x00}\x00", "1\x00", "\xfe\xff\x00{", "\xff\xfe{\x00", "\x00\x00\x00{"} {
		if _, err := Decode([]byte(in)); !errors.Is(err, ErrNotUTF8) {
			t.Errorf("Decode(%q) = %v, want ErrNotUTF8", in, err)
		}
	}
	for _, in := range []string{"1", "\xfe\xff", "{}\x00"} {
		if _, err := Decode([]byte(in)); errors.Is(err, ErrNotUTF8) {
			t.Errorf("Decode(%q) refused as not UTF-8", in)
		}
	}
}

func TestDecodeTypes(t *testing.T) {
	v, err := Decode([]byte(`{"i":-12,"f":2.5,"s":"x","b":false,"n":null,"l":[1],"o":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(HashMap)
	want := map[string]any{"i": int64(-12), "f": 2.5, "s": "x", "b": false, "n": nil}
	for k, w := range want {
		if got, _ := m.Get(k); got != w {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	if l, _ := m.Get("l"); len(l.([]any)) != 1 {
		t.Errorf("l = %#v", l)
	}
	if o, _ := m.Get("o"); o == nil || len(o.(HashMap)) != 0 {
		t.Errorf("o = %#v", o)
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	_, err := Decode([]byte(`{"a":tru}`))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 8 {
		t.Fatalf("err = %v, want a SyntaxError at offset 8", err)
	}
}
