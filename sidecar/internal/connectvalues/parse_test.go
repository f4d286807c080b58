package connectvalues

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// The goldens of sidecar/converters (SimpleHeaderConverter) and
// sidecar/transforms (InsertHeader) check Parse against Java through its
// callers; these cases pin what neither golden covers. The expectations
// were checked with Kafka 4.3.1's Values.parseString.

// noDates reads no date, so tests see which kind Parse asked for.
func noDates(asked *[]Kind) TemporalParser {
	return func(text string, kind Kind) (time.Time, bool) {
		*asked = append(*asked, kind)
		return time.Time{}, false
	}
}

func TestParseDigitsOfAnyScript(t *testing.T) {
	var asked []Kind
	for _, c := range []struct {
		in    string
		typ   plugin.Type
		value any
	}{
		{"١٢", plugin.Int8, int8(12)},
		{"+٣", plugin.Int8, int8(3)},
		{"1٢", plugin.Int8, int8(12)},
		{"٣.٥", plugin.Float32, float32(3.5)},
		{"𝟗", plugin.String, "𝟗"}, // outside the BMP: no digit to Java
		{"{١: x}", plugin.String, "{١: x}"},
	} {
		s, v, err := Parse(c.in, noDates(&asked))
		if err != nil || s == nil || s.Type != c.typ || v != c.value {
			t.Errorf("Parse(%q) = %v, %#v, %v; want %s %#v", c.in, s, v, err, c.typ, c.value)
		}
	}
	s, v, err := Parse("[١, 2]", noDates(&asked))
	if l, ok := v.([]any); err != nil || s.Type != plugin.Array || s.Value.Type != plugin.Int8 || !ok ||
		len(l) != 2 || l[0] != int8(1) || l[1] != int8(2) {
		t.Errorf("Parse([١, 2]) = %v, %#v, %v", s, v, err)
	}
}

func TestParseTemporalKinds(t *testing.T) {
	at := time.UnixMilli(86_400_000).UTC()
	for _, c := range []struct {
		in     string
		kind   Kind
		schema *plugin.Schema
	}{
		{"2024-01-31", Date, dateSchema},
		{"12:34:56.789Z", Time, timeSchema},
		{`12\:34\:56.789Z`, Time, timeSchema},
		{"2024-01-31T12:34:56.789Z", Timestamp, timestampSchema},
		{"٢٠٢٤-01-31", Date, dateSchema}, // ten UTF-16 units
	} {
		var asked []Kind
		s, v, err := Parse(c.in, func(text string, kind Kind) (time.Time, bool) {
			asked = append(asked, kind)
			return at, strings.Count(text, `\`) == 0
		})
		if err != nil || s != c.schema || v != at || len(asked) == 0 || asked[len(asked)-1] != c.kind {
			t.Errorf("Parse(%q) = %v, %v, %v after asking for %v; want kind %d", c.in, s, v, err, asked, c.kind)
		}
	}
	var asked []Kind
	if s, v, _ := Parse("2024-01-3", noDates(&asked)); s.Type != plugin.String || v != "2024-01-3" || len(asked) != 0 {
		t.Errorf("a nine-character date: %v %v, asked %v", s, v, asked)
	}
}

func TestParseNullAndEmpty(t *testing.T) {
	var asked []Kind
	if s, v, err := Parse("null", noDates(&asked)); s != nil || v != nil || err != nil {
		t.Errorf("null: %v %v %v", s, v, err)
	}
	if s, v, err := Parse("", noDates(&asked)); s != stringSchema || v != "" || err != nil {
		t.Errorf("empty: %v %v %v", s, v, err)
	}
}

// Java's stack runs out between 1000 and 2000 levels (JDK 17, default
// stack); Parse gives up after 1000.
func TestParseTooDeep(t *testing.T) {
	var asked []Kind
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if s, _, err := Parse(nested(1000), noDates(&asked)); err != nil || s.Type != plugin.Array {
		t.Errorf("1000 levels: %v, %v", s, err)
	}
	if _, _, err := Parse(nested(1001), noDates(&asked)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("1001 levels: %v, want ErrTooDeep", err)
	}
}
