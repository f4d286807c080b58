package javajson

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
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

// newerJava holds the inputs of decode-jdk17.jsonl on which Decode follows
// what Kafka 4.3.1 (Jackson 2.21) on JDK 19 or later reads rather than the
// file's Kafka 4.1.1 on JDK 17 verdict, with the value read or nil for a
// refusal. When workers of several versions share the config topic, the
// newest behaviour matters most. Kafka 4.3.1's verdicts on every input of
// the file are in sidecar/converters/testdata/parse-golden.txt.
var newerJava = map[string]any{
	// 1e2147483648: JDK 17's BigDecimal wants the exponent within an int;
	// from JDK 19 on only the scale must fit.
	"316532313437343833363438": math.Inf(1),
	// A UTF-8 encoded surrogate (U+D800) in a string: Jackson 2.19 read it,
	// 2.21 refuses it.
	"22eda08022": nil,
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
		if want, ok := newerJava[name]; ok {
			if (err == nil) != (want != nil) || err == nil && v != want {
				t.Errorf("%s: got %v, %v; Kafka 4.3.1 on JDK 19+ reads %v", name, v, err, want)
			}
			continue
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

// TestNegativeZero pins what BigDecimal.doubleValue gives on JDK 17: a
// negative number too small for a double is -0.0 and is written so, while
// "-0.0" itself, BigDecimal having no negative zero, reads as 0.0.
func TestNegativeZero(t *testing.T) {
	for in, want := range map[string]string{"-1E-1000": "-0.0", "-0.0": "0.0", "[-0e5]": "[0.0]"} {
		v, err := Decode([]byte(in))
		if err != nil {
			t.Fatalf("Decode(%q): %v", in, err)
		}
		if out, err := Marshal(v); err != nil || string(out) != want {
			t.Errorf("Decode(%q) is written as %q (%v), want %q", in, out, err, want)
		}
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	_, err := Decode([]byte(`{"a":tru}`))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 8 {
		t.Fatalf("err = %v, want a SyntaxError at offset 8", err)
	}
}

// TestNewerJacksonNames pins Jackson 2.21's rules for escaped surrogates in
// names and how it counts an escaped pair toward the 50000-byte name limit,
// as Kafka 4.3.1's JsonConverter answered.
func TestNewerJacksonNames(t *testing.T) {
	pair := `\ud83d\ude00`
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`{"` + pair + `":1}`, true},
		{`{"\ud800":1}`, false},
		{`{"\udc00":1}`, false},
		{`{"\ud800\u0041":1}`, false},
		{`{"\ud800\n":1}`, false},
		{`{"\ud800","":1}`, false},
		{"{\"\xed\xa0\x80\":1}", false},
		{`["\ud800","\udc00"]`, true},  // values may hold unpaired surrogates
		{"\"\xf0\x8d\xa0\x80\"", true}, // a 4-byte overlong surrogate passes
		{`{"` + strings.Repeat("a", 49996) + pair + `":1}`, true},
		{`{"` + strings.Repeat("a", 49997) + pair + `":1}`, false},
		{`{"` + strings.Repeat("a", 49998) + `\u00e9":1}`, true},
		{`{"` + strings.Repeat("a", 49999) + `\u00e9":1}`, false},
	} {
		_, err := Decode([]byte(c.in))
		if (err == nil) != c.ok {
			t.Errorf("%.40q…: err = %v, want accepted = %v", c.in, err, c.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		in   string
		root int
		ok   bool
	}{
		{"", -1, true}, {" \n", -1, true}, {"\xef\xbb\xbf {}", 4, true}, {` [1, "a"] trailing`, 1, true},
		{"7", 0, true}, {"7x", 0, false}, {`{"a":}`, 0, false}, {"\x00{", -1, false},
	} {
		root, err := Check([]byte(c.in))
		if (err == nil) != c.ok || err == nil && root != c.root {
			t.Errorf("Check(%q) = %d, %v; want %d, accepted = %v", c.in, root, err, c.root, c.ok)
		}
	}
	doc := []byte(`{"name":"x","tags":["a\u00e9\ud83d\ude00",1.5e3,2.5,-0,true,null],"deep":{"k":[{}]}}`)
	if n := testing.AllocsPerRun(10, func() { _, _ = Check(doc) }); n != 0 {
		t.Errorf("Check allocates %v times; it should build nothing", n)
	}
}

func TestStringAt(t *testing.T) {
	data := []byte(`["plain","caf` + "\xc3\xa9" + `","a\"b\\c\u00e9","\ud83d\ude00\ud800","` + "\xc0\x80" + `"]`)
	if _, err := Check(data); err != nil {
		t.Fatal(err)
	}
	v, _ := Decode(data)
	want := v.([]any)
	p := 1
	for i := range want {
		if got := StringAt(data, p); got != want[i] {
			t.Errorf("StringAt(%d) = %q, want %q as Decode reads it", p, got, want[i])
		}
		p += len(literalBody(t, data[p:])) + len(`"",`)
	}
}

// literalBody returns the body of the string literal that b starts with.
func literalBody(t *testing.T, b []byte) []byte {
	t.Helper()
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return b[1:i]
		}
	}
	t.Fatalf("no string at %q", b)
	return nil
}
