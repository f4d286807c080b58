// Package connectvalues is Connect's Values.parseString, which reads a
// typed value from text: SimpleHeaderConverter reads every header with it
// and InsertHeader its value.literal, so converters and transforms share
// this one port.
//
// It is ported step by step because its answers depend on how it splits
// text into tokens. Some of them are surprising and kept on purpose: "1,2"
// and "12:30" read as the int8 1 and 12 (the rest is ignored), "[1,null]" is
// a string because null cannot take the array's int8 type, "[1,2.5]" is an
// array of float32, "2024-13-45" rolls over into 2025-02-14.
//
// Reading dates and times is left to the caller (see TemporalParser): Java
// does it with SimpleDateFormat in the JVM's time zone, and the callers
// assume different zones. Text nested more than 1000 deep gives ErrTooDeep,
// where Java's stack decides when it gives up.
package connectvalues

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Kind is the logical type of a date or time text, which Java tells from the
// text's length.
type Kind int

// The temporal kinds, with their SimpleDateFormat patterns.
const (
	Date      Kind = iota // yyyy-MM-dd
	Time                  // HH:mm:ss.SSS'Z'
	Timestamp             // yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
)

// TemporalParser reads text as new SimpleDateFormat(the kind's pattern)
// parses it from the start: leniently, and ok when it read anything at all.
type TemporalParser func(text string, kind Kind) (t time.Time, ok bool)

// ErrTooDeep is Java's StackOverflowError: the text is nested too deeply to
// read.
var ErrTooDeep = errors.New("text nested too deeply")

// Parse is Values.parseString(s). It returns a nil schema and value where
// Java returns a null SchemaAndValue (for "null"), and ErrTooDeep as
// described above.
func Parse(s string, temporal TemporalParser) (*plugin.Schema, any, error) {
	if s == "" {
		return stringSchema, "", nil
	}
	p := valueParser{t: tokenizer{s: s}, temporal: temporal}
	r, ok, err := p.parse(false)
	if err != nil || !ok {
		return nil, nil, err
	}
	return r.schema, r.value, nil
}

const (
	maxParseDepth = 1000
	msPerDay      = 86_400_000
)

// errEmbedded is Java's DataException inside the parser: the text is not a
// value of the expected shape, and an enclosing array or map reading gives
// up and is read as a string instead.
var errEmbedded = errors.New("not a value")

// Java's shared primitive and logical schemas that Parse returns. Schemas
// are not changed once built, so every caller can share them.
var (
	stringSchema    = &plugin.Schema{Type: plugin.String}
	booleanSchema   = &plugin.Schema{Type: plugin.Boolean}
	int8Schema      = &plugin.Schema{Type: plugin.Int8}
	int16Schema     = &plugin.Schema{Type: plugin.Int16}
	int32Schema     = &plugin.Schema{Type: plugin.Int32}
	int64Schema     = &plugin.Schema{Type: plugin.Int64}
	float32Schema   = &plugin.Schema{Type: plugin.Float32}
	float64Schema   = &plugin.Schema{Type: plugin.Float64}
	dateSchema      = plugin.DateSchema(false)
	timeSchema      = plugin.TimeSchema(false)
	timestampSchema = plugin.TimestampSchema(false)
)

// tokenizer is Values.Parser: it splits text at unescaped : , { } [ ] and ".
type tokenizer struct {
	s      string
	pos    int
	next   string // a token looked at but not taken, if peeked
	peeked bool
}

func (t *tokenizer) mark() int {
	if t.peeked {
		return t.pos - len(t.next)
	}
	return t.pos
}

func (t *tokenizer) rewind(pos int) {
	t.pos, t.peeked = pos, false
}

func (t *tokenizer) more() bool { return t.peeked || t.pos < len(t.s) }

func (t *tokenizer) take() string {
	if t.peeked {
		t.peeked = false
		return t.next
	}
	return t.consume()
}

// takeN takes n tokens and returns the text they span.
func (t *tokenizer) takeN(n int) (string, bool) {
	start := t.mark()
	for i := 0; i < n; i++ {
		if !t.more() {
			t.rewind(start)
			return "", false
		}
		t.take()
	}
	return t.s[start:t.pos], true
}

func (t *tokenizer) consume() string {
	escaped := false
	start := t.pos
	for ; t.pos < len(t.s); t.pos++ {
		switch t.s[t.pos] {
		case '\\':
			escaped = !escaped
		case ':', ',', '{', '}', '[', ']', '"':
			if !escaped {
				if start < t.pos {
					return t.s[start:t.pos]
				}
				t.pos++
				return t.s[start : start+1]
			}
			escaped = false
		default:
			escaped = false
		}
	}
	return t.s[start:t.pos]
}

// canConsume takes the next token if, trimmed, it is want; blank tokens
// before it are dropped either way.
func (t *tokenizer) canConsume(want string) bool {
	if !t.peeked {
		if !t.more() {
			return false
		}
		t.next, t.peeked = t.consume(), true
	}
	for isBlank(t.next) && t.pos < len(t.s) {
		t.next = t.consume()
	}
	if javatext.Trim(t.next) == want {
		t.peeked = false
		return true
	}
	return false
}

func isBlank(s string) bool { return javatext.Trim(s) == "" }

// parsed is Java's SchemaAndValue.
type parsed struct {
	schema *plugin.Schema
	value  any
}

// valueParser is Values.ValueParser. parse returns ok=false where Java
// returns a null SchemaAndValue.
type valueParser struct {
	t        tokenizer
	depth    int
	temporal TemporalParser
}

func (p *valueParser) parse(embedded bool) (parsed, bool, error) {
	t := &p.t
	switch {
	case !t.more():
		return parsed{}, false, nil
	case embedded && t.canConsume(`"`):
		return p.quoted(), true, nil
	case p.literal(embedded, "null"):
		return parsed{}, false, nil
	case p.literal(embedded, "true"):
		return parsed{booleanSchema, true}, true, nil
	case p.literal(embedded, "false"):
		return parsed{booleanSchema, false}, true, nil
	}
	start := t.mark()
	if read := p.nestedReader(); read != nil {
		r, err := p.nested(read)
		switch {
		case err == nil:
			return r, true, nil
		case err == ErrTooDeep:
			return parsed{}, false, err
		}
		t.rewind(start)
	}
	token := t.take()
	if isBlank(token) {
		return parsed{stringSchema, token}, true, nil
	}
	return p.token(embedded, javatext.Trim(token))
}

// nestedReader takes [ or { and returns what reads the rest, or nil.
func (p *valueParser) nestedReader() func() (parsed, error) {
	switch {
	case p.t.canConsume("["):
		return p.array
	case p.t.canConsume("{"):
		return p.mapValue
	}
	return nil
}

func (p *valueParser) nested(read func() (parsed, error)) (parsed, error) {
	if p.depth++; p.depth > maxParseDepth {
		return parsed{}, ErrTooDeep
	}
	defer func() { p.depth-- }()
	return read()
}

// literal takes null, true or false; outside an array or map only when it
// is all the text.
func (p *valueParser) literal(embedded bool, word string) bool {
	start := p.t.mark()
	if p.t.canConsume(word) && (embedded || !p.t.more()) {
		return true
	}
	p.t.rewind(start)
	return false
}

func (p *valueParser) token(embedded bool, token string) (parsed, bool, error) {
	first, _ := utf8.DecodeRuneInString(token)
	_, digit := javatext.Digit(first) // Character.isDigit(token.charAt(0))
	if digit {
		if r, ok := p.temporalTokens(token); ok {
			return r, true, nil
		}
	}
	if digit || first == '+' || first == '-' {
		if r, ok := parseNumber(token); ok {
			return r, true, nil
		}
	}
	if embedded {
		return parsed{}, false, errEmbedded
	}
	return parsed{stringSchema, p.t.s}, true, nil
}

// temporalTokens tries the token with the next four (a time's colons split
// it), then the token alone.
func (p *valueParser) temporalTokens(token string) (parsed, bool) {
	start := p.t.mark()
	if rest, ok := p.t.takeN(4); ok {
		if r, ok := p.parseTemporal(token + rest); ok {
			return r, true
		}
	}
	p.t.rewind(start)
	return p.parseTemporal(token)
}

func (p *valueParser) quoted() parsed {
	var b strings.Builder
	for p.t.more() && !p.t.canConsume(`"`) {
		b.WriteString(p.t.take())
	}
	content := b.String()
	if r, ok := p.parseTemporal(content); ok {
		return r
	}
	return parsed{stringSchema, content}
}

func (p *valueParser) array() (parsed, error) {
	t := &p.t
	out := []any{}
	var common merger
	for t.more() {
		if t.canConsume("]") {
			if common.schema == nil {
				return parsed{&plugin.Schema{Type: plugin.Array}, out}, nil
			}
			for i, v := range out {
				var err error
				if out[i], err = convertTo(common.schema, v); err != nil {
					return parsed{}, err
				}
			}
			return parsed{&plugin.Schema{Type: plugin.Array, Value: common.schema}, out}, nil
		}
		if t.canConsume(",") {
			return parsed{}, errEmbedded
		}
		e, ok, err := p.parse(true)
		if err != nil {
			return parsed{}, err
		}
		if ok {
			common.merge(e.schema)
		}
		out = append(out, e.value)
		if end := t.mark(); t.canConsume("]") {
			t.rewind(end)
		} else if !t.canConsume(",") {
			return parsed{}, errEmbedded
		}
	}
	return parsed{}, errEmbedded
}

func (p *valueParser) mapValue() (parsed, error) {
	t := &p.t
	out := &plugin.MapValue{}
	var keys, values merger
	for t.more() {
		if t.canConsume("}") {
			return alignMap(out, keys.schema, values.schema)
		}
		if t.canConsume(",") {
			return parsed{}, errEmbedded
		}
		k, ok, err := p.parse(true)
		if err != nil {
			return parsed{}, err
		}
		if !ok || k.value == nil || !t.canConsume(":") {
			return parsed{}, errEmbedded
		}
		v, vok, err := p.parse(true)
		if err != nil {
			return parsed{}, err
		}
		out.Put(k.value, v.value)
		t.canConsume(",")
		keys.merge(k.schema)
		if vok {
			values.merge(v.schema)
		}
	}
	return parsed{}, errEmbedded
}

// alignMap gives the map the common key and value schemas found, and
// converts its entries to them.
func alignMap(m *plugin.MapValue, ks, vs *plugin.Schema) (parsed, error) {
	s := &plugin.Schema{Type: plugin.Map, Key: ks}
	if ks == nil {
		return parsed{s, m}, nil
	}
	if vs != nil {
		s.Value = vs
	}
	out := &plugin.MapValue{}
	for _, e := range m.Entries {
		k, err := convertTo(ks, e.Key)
		if err != nil {
			return parsed{}, err
		}
		v := e.Value
		if vs != nil {
			if v, err = convertTo(vs, v); err != nil {
				return parsed{}, err
			}
		}
		out.Put(k, v)
	}
	return parsed{s, out}, nil
}

// merger is Values.SchemaMerger: the schema common to the values seen, if
// there is one. Numbers widen (int8 < int16 < int32 < int64 < float32 <
// float64); otherwise types must agree, and the latest schema wins.
type merger struct {
	schema       *plugin.Schema
	incompatible bool
}

var numericRank = map[plugin.Type]int{
	plugin.Int8: 1, plugin.Int16: 2, plugin.Int32: 3, plugin.Int64: 4, plugin.Float32: 5, plugin.Float64: 6,
}

func (m *merger) merge(s *plugin.Schema) {
	switch {
	case s == nil || m.incompatible:
		return
	case m.schema == nil:
		m.schema = s
		return
	}
	prev := m.schema
	switch a, b := numericRank[prev.Type], numericRank[s.Type]; {
	case prev.Type == s.Type:
		m.schema = s // every schema here is required, so Java keeps the new one
	case a > 0 && b > 0 && a > b:
	case a > 0 && b > 0:
		m.schema = s
	default:
		m.schema, m.incompatible = nil, true
	}
}

// convertTo is Values.convertTo for the values Parse produces: nulls
// only where optional, numbers widened or narrowed as Java casts them, and
// numbers turned into dates and times for those logical types.
func convertTo(to *plugin.Schema, v any) (any, error) {
	if v == nil {
		if to.Optional {
			return nil, nil
		}
		return nil, errEmbedded
	}
	if _, isTime := v.(time.Time); isTime {
		if to.Name == plugin.DateName || to.Name == plugin.TimeName || to.Name == plugin.TimestampName {
			return v, nil
		}
		if numericRank[to.Type] > 0 {
			return nil, errEmbedded // Java cannot turn a date into a plain number
		}
		return v, nil
	}
	rank := numericRank[plugin.TypeOf(v)]
	switch {
	case rank == 0:
		return v, nil // merging only widens numbers; other types already agree
	case to.Type == plugin.Float32:
		if f, ok := v.(float32); ok {
			return f, nil
		}
		return float32(javaDouble(v)), nil
	case to.Type == plugin.Float64:
		return javaDouble(v), nil
	}
	// An integer type: numbers only widen, so v is an integer too.
	n := javaLong(v)
	switch {
	case to.Name == plugin.DateName:
		return time.UnixMilli(int64(int32(n)) * msPerDay).UTC(), nil
	case to.Name == plugin.TimeName:
		if ms := int64(int32(n)); ms >= 0 && ms <= msPerDay {
			return time.UnixMilli(ms).UTC(), nil
		}
		return nil, errEmbedded
	case to.Name == plugin.TimestampName:
		return time.UnixMilli(n).UTC(), nil
	case to.Type == plugin.Int8:
		return int8(n), nil
	case to.Type == plugin.Int16:
		return int16(n), nil
	case to.Type == plugin.Int32:
		return int32(n), nil
	}
	return n, nil
}

// javaLong is Number.longValue() of an integer.
func javaLong(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	}
	return v.(int64)
}

// javaDouble is Number.doubleValue().
func javaDouble(v any) float64 {
	switch x := v.(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return float64(javaLong(v))
}

// parseTemporal reads a date, time or timestamp in the ISO forms of
// Values.dateFormatFor, telling them apart by length in UTF-16 units as
// Java does; escaped colons are allowed.
func (p *valueParser) parseTemporal(token string) (parsed, bool) {
	token = strings.ReplaceAll(token, `\:`, ":")
	var kind Kind
	var schema *plugin.Schema
	switch utf16Len(token) {
	case 13:
		kind, schema = Time, timeSchema
	case 24:
		kind, schema = Timestamp, timestampSchema
	case 10:
		kind, schema = Date, dateSchema
	default:
		return parsed{}, false
	}
	t, ok := p.temporal(token, kind)
	return parsed{schema, t}, ok
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// parseNumber reads a token as Java's BigDecimal, then picks the narrowest
// type as Values.parseAsNumber does: a whole number up to 1e19 that fits a
// long as int8..int64, else float32 or float64 when it fits and has a
// non-zero scale, else a Decimal.
func parseNumber(token string) (parsed, bool) {
	u, scale, ok := javatext.ParseBigDecimal(token)
	if !ok {
		return parsed{}, false
	}
	if r, ok := exactInteger(u, scale); ok {
		return r, true
	}
	text := u.String() + "e" + strconv.FormatInt(-int64(scale), 10)
	if f, _ := strconv.ParseFloat(text, 32); !math.IsInf(f, 0) && scale != 0 {
		return parsed{float32Schema, float32(f)}, true
	}
	if f, _ := strconv.ParseFloat(text, 64); !math.IsInf(f, 0) && scale != 0 {
		return parsed{float64Schema, f}, true
	}
	return parsed{plugin.DecimalSchema(scale), plugin.Decimal{Unscaled: u, Scale: scale}}, true
}

// exactInteger is Values.parseAsExactDecimal.
func exactInteger(u *big.Int, scale int32) (parsed, bool) {
	if u.Sign() == 0 {
		return parsed{int8Schema, int8(0)}, true
	}
	digits := new(big.Int).Abs(u).String()
	adjusted := int64(len(digits)) - 1 - int64(scale)
	significant := strings.TrimRight(digits, "0")
	switch {
	case adjusted > 19 || adjusted == 19 && significant != "1": // above 1e19
		return parsed{}, false
	case adjusted < 0: // below 1
		return parsed{}, false
	case scale > 0 && int64(len(digits)-len(significant)) < int64(scale): // not whole
		return parsed{}, false
	}
	if scale > 0 {
		digits = digits[:len(digits)-int(scale)]
	} else {
		digits += strings.Repeat("0", int(-scale))
	}
	if u.Sign() < 0 {
		digits = "-" + digits
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	switch {
	case err != nil:
		return parsed{}, false
	case n == int64(int8(n)):
		return parsed{int8Schema, int8(n)}, true
	case n == int64(int16(n)):
		return parsed{int16Schema, int16(n)}, true
	case n == int64(int32(n)):
		return parsed{int32Schema, int32(n)}, true
	}
	return parsed{int64Schema, n}, true
}
