package transforms

import (
	"math"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// parseLiteral is Connect's Values.parseString, which InsertHeader uses
// to turn value.literal into a typed header: "42" is an int8, "true" a
// boolean, "[1, 2.5]" an array of float32, "{a: 1}" a map, "2024-01-31" a
// Date. Its quirks are kept (a top-level "12:30" is the int8 12; an array
// holding a null is a string), so headers come out as on a Java worker.
// A nil result is Java's null SchemaAndValue.
func parseLiteral(s string) *typedValue {
	if s == "" {
		return &typedValue{primitive(plugin.String, false), s}
	}
	p := &valueParser{tok: tokenizer{original: s}}
	v, _ := p.parse(false) // top-level failures fall back to a string inside parse
	return v
}

// typedValue is Java's SchemaAndValue.
type typedValue struct {
	schema *plugin.Schema
	value  any
}

// tokenizer is Values.Parser: it splits text at unescaped : , { } [ ] and
// quotes, each delimiter being a token of its own.
type tokenizer struct {
	original string
	pos      int
	next     *string // a token read ahead by isNext
	previous *string
}

func (t *tokenizer) mark() int {
	if t.next != nil {
		return t.pos - len(*t.next)
	}
	return t.pos
}

func (t *tokenizer) rewindTo(pos int) { t.pos, t.next, t.previous = pos, nil, nil }

func (t *tokenizer) hasNext() bool { return t.next != nil || t.pos < len(t.original) }

func (t *tokenizer) nextToken() string {
	if t.next != nil {
		t.previous, t.next = t.next, nil
	} else {
		tok := t.consume()
		t.previous = &tok
	}
	return *t.previous
}

// nextN is Parser.next(n): the text of the next n tokens, or "", false
// (and nothing consumed) when there are fewer.
func (t *tokenizer) nextN(n int) (string, bool) {
	start := t.mark()
	for range n {
		if !t.hasNext() {
			t.rewindTo(start)
			return "", false
		}
		t.nextToken()
	}
	return t.original[start:t.pos], true
}

func (t *tokenizer) consume() string {
	start := t.pos
	escaped := false
	for ; t.pos < len(t.original); t.pos++ {
		switch c := t.original[t.pos]; c {
		case '\\':
			escaped = !escaped
		case ':', ',', '{', '}', '[', ']', '"':
			if escaped {
				escaped = false
				continue
			}
			if start < t.pos {
				return t.original[start:t.pos]
			}
			t.pos++
			return t.original[start:t.pos]
		default:
			escaped = false
		}
	}
	return t.original[start:t.pos]
}

// canConsume takes the next token if, trimmed, it is want; blank tokens
// before it are skipped either way.
func (t *tokenizer) canConsume(want string) bool {
	if t.next == nil {
		if !t.hasNext() {
			return false
		}
		tok := t.consume()
		t.next = &tok
	}
	for isBlank(*t.next) && t.pos < len(t.original) {
		tok := t.consume()
		t.next = &tok
	}
	if trimJava(*t.next) == want {
		t.next = nil
		return true
	}
	return false
}

func isBlank(s string) bool { return trimJava(s) == "" }

// valueParser is Values.ValueParser.
type valueParser struct {
	tok tokenizer
}

// errEmbedded and the other parse errors only steer parsing (Java's
// DataException, caught to fall back to a string), so their text is not
// shown anywhere.
var errEmbedded = dataErr("Failed to parse embedded value")

func (p *valueParser) parse(embedded bool) (*typedValue, error) {
	t := &p.tok
	switch {
	case !t.hasNext():
		return nil, nil
	case embedded && t.canConsume(`"`):
		return p.quotedString(), nil
	case p.singleToken(embedded, "null"):
		return nil, nil
	case p.singleToken(embedded, "true"):
		return &typedValue{primitive(plugin.Boolean, false), true}, nil
	case p.singleToken(embedded, "false"):
		return &typedValue{primitive(plugin.Boolean, false), false}, nil
	}
	start := t.mark()
	var v *typedValue
	var err error
	switch {
	case t.canConsume("["):
		v, err = p.array()
	case t.canConsume("{"):
		v, err = p.mapValue()
	default:
		return p.token(embedded)
	}
	if err == nil {
		return v, nil
	}
	// Not an array or map after all: read it as text.
	t.rewindTo(start)
	return p.token(embedded)
}

func (p *valueParser) token(embedded bool) (*typedValue, error) {
	tok := p.tok.nextToken()
	if isBlank(tok) {
		return &typedValue{primitive(plugin.String, false), tok}, nil
	}
	return p.parseToken(embedded, trimJava(tok))
}

// singleToken: the next token is the literal and, at the top level, the
// last one ("true}" is a string).
func (p *valueParser) singleToken(embedded bool, literal string) bool {
	start := p.tok.mark()
	if p.tok.canConsume(literal) && (embedded || !p.tok.hasNext()) {
		return true
	}
	p.tok.rewindTo(start)
	return false
}

func (p *valueParser) parseToken(embedded bool, tok string) (*typedValue, error) {
	first, _ := utf8.DecodeRuneInString(tok)
	digit := unicode.IsDigit(first)
	if digit {
		if v := p.temporalTokens(tok); v != nil {
			return v, nil
		}
	}
	if digit || first == '+' || first == '-' {
		if v, ok := parseNumber(tok); ok {
			return v, nil
		}
	}
	if embedded {
		return nil, errEmbedded
	}
	return &typedValue{primitive(plugin.String, false), p.tok.original}, nil
}

func (p *valueParser) quotedString() *typedValue {
	var b strings.Builder
	for p.tok.hasNext() {
		if p.tok.canConsume(`"`) {
			break
		}
		b.WriteString(p.tok.nextToken())
	}
	if v := parseTemporal(b.String()); v != nil {
		return v
	}
	return &typedValue{primitive(plugin.String, false), b.String()}
}

func (p *valueParser) array() (*typedValue, error) {
	t := &p.tok
	var result []any
	var merger schemaMerger
	for t.hasNext() {
		if t.canConsume("]") {
			if merger.common == nil {
				return &typedValue{&plugin.Schema{Type: plugin.Array}, orEmpty(result)}, nil
			}
			s := &plugin.Schema{Type: plugin.Array, Value: merger.common}
			aligned := make([]any, len(result))
			for i, e := range result {
				v, err := convertTo(merger.common, e)
				if err != nil {
					return nil, err
				}
				aligned[i] = v
			}
			return &typedValue{s, aligned}, nil
		}
		if t.canConsume(",") {
			return nil, dataErr("Unable to parse an empty array element")
		}
		e, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		merger.merge(e)
		result = append(result, valueOf(e))
		pos := t.mark()
		if t.canConsume("]") {
			t.rewindTo(pos)
		} else if !t.canConsume(",") {
			return nil, dataErr("Array elements missing ',' delimiter")
		}
	}
	return nil, dataErr("Array is missing its end")
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func valueOf(v *typedValue) any {
	if v == nil {
		return nil
	}
	return v.value
}

func (p *valueParser) mapValue() (*typedValue, error) {
	t := &p.tok
	result := &plugin.MapValue{}
	var keys, vals schemaMerger
	for t.hasNext() {
		if t.canConsume("}") {
			return alignMap(result, keys.common, vals.common)
		}
		if t.canConsume(",") {
			return nil, dataErr("Unable to parse a map entry with no key or value")
		}
		k, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		if k == nil || k.value == nil {
			return nil, dataErr("Map entry may not have a null key")
		}
		if !t.canConsume(":") {
			return nil, dataErr("Map entry is missing ':'")
		}
		v, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		putEqual(result, k.value, valueOf(v))
		t.canConsume(",")
		keys.merge(k)
		vals.merge(v)
	}
	return nil, dataErr("Map is missing its end")
}

// alignMap gives a parsed map its schema and converts its keys (and
// values) to the common schemas found.
func alignMap(m *plugin.MapValue, key, value *plugin.Schema) (*typedValue, error) {
	if key == nil {
		return &typedValue{&plugin.Schema{Type: plugin.Map}, m}, nil
	}
	out := &plugin.MapValue{}
	for _, e := range m.Entries {
		k, err := convertTo(key, e.Key)
		if err != nil {
			return nil, err
		}
		v := e.Value
		if value != nil {
			if v, err = convertTo(value, v); err != nil {
				return nil, err
			}
		}
		putEqual(out, k, v)
	}
	return &typedValue{&plugin.Schema{Type: plugin.Map, Key: key, Value: value}, out}, nil
}

// putEqual is LinkedHashMap.put with Java's equals on keys (which may be
// lists, where Go's == would panic).
func putEqual(m *plugin.MapValue, k, v any) {
	for i := range m.Entries {
		if valueEqual(m.Entries[i].Key, k) {
			m.Entries[i].Value = v
			return
		}
	}
	m.Entries = append(m.Entries, plugin.MapEntry{Key: k, Value: v})
}

// temporalTokens tries the token with the next four (a time is split at
// its colons), then the token alone, as a date, time or timestamp.
func (p *valueParser) temporalTokens(tok string) *typedValue {
	pos := p.tok.mark()
	if rest, ok := p.tok.nextN(4); ok {
		if v := parseTemporal(tok + rest); v != nil {
			return v
		}
	}
	p.tok.rewindTo(pos)
	return parseTemporal(tok)
}

const (
	isoDate      = "yyyy-MM-dd"
	isoTime      = "HH:mm:ss.SSS'Z'"
	isoTimestamp = isoDate + "'T'" + isoTime
)

// parseTemporal reads ISO 8601 text of exactly the length of a date, time
// or timestamp, in the JVM's default zone (time.Local), leniently.
func parseTemporal(s string) *typedValue {
	s = strings.ReplaceAll(s, `\:`, ":")
	var pattern string
	var schema *plugin.Schema
	switch utf8.RuneCountInString(s) {
	case len(isoTime) - 2:
		pattern, schema = isoTime, timeSchema(false)
	case len(isoTimestamp) - 4:
		pattern, schema = isoTimestamp, timestampSchema(false)
	case len(isoDate):
		pattern, schema = isoDate, dateSchema(false)
	default:
		return nil
	}
	f, _ := newDateFormat(pattern, time.Local)
	t, end, _ := f.parseAt(s, 0)
	if end == 0 {
		return nil
	}
	return &typedValue{schema, t.UTC()}
}

// parseNumber is ValueParser.parseAsNumber: the smallest integer type
// that holds a whole number, else float32, float64, or a Decimal.
func parseNumber(tok string) (*typedValue, bool) {
	d, ok := parseBigDecimal(tok)
	if !ok {
		return nil, false
	}
	if v := exactInteger(d); v != nil {
		return v, true
	}
	if f := decimalToFloat(d, 32); !math.IsInf(f, 0) && d.Scale != 0 {
		return &typedValue{primitive(plugin.Float32, false), float32(f)}, true
	}
	if f := decimalToFloat(d, 64); !math.IsInf(f, 0) && d.Scale != 0 {
		return &typedValue{primitive(plugin.Float64, false), f}, true
	}
	return &typedValue{decimalSchema(d.Scale), d}, true
}

// exactInteger is parseAsExactDecimal: whole numbers from -1e19 to 1e19
// that fit a long, as int8, int16, int32 or int64.
func exactInteger(d plugin.Decimal) *typedValue {
	if d.Unscaled.Sign() == 0 {
		return &typedValue{primitive(plugin.Int8, false), int8(0)}
	}
	// The exponent of the leading digit rules out |d| < 1 and |d| >= 1e20
	// before any arithmetic, which huge exponents would make costly.
	adjusted := int64(len(new(big.Int).Abs(d.Unscaled).String())) - 1 - int64(d.Scale)
	if adjusted < 0 || adjusted >= 20 {
		return nil
	}
	r := new(big.Rat).SetInt(d.Unscaled)
	p := new(big.Rat).SetInt(new(big.Int).Exp(bigTen, big.NewInt(int64(abs32(d.Scale))), nil))
	if d.Scale > 0 {
		r.Quo(r, p)
	} else {
		r.Mul(r, p)
	}
	if !r.IsInt() || !r.Num().IsInt64() {
		return nil
	}
	i := r.Num().Int64()
	switch {
	case i == int64(int8(i)):
		return &typedValue{primitive(plugin.Int8, false), int8(i)}
	case i == int64(int16(i)):
		return &typedValue{primitive(plugin.Int16, false), int16(i)}
	case i == int64(int32(i)):
		return &typedValue{primitive(plugin.Int32, false), int32(i)}
	}
	return &typedValue{primitive(plugin.Int64, false), i}
}

func abs32(i int32) int32 {
	if i < 0 {
		return -i
	}
	return i
}

// schemaMerger is Values.SchemaMerger: the schema all parsed elements
// share, widening numbers; nil once two disagree.
type schemaMerger struct {
	common       *plugin.Schema
	incompatible bool
}

func (m *schemaMerger) merge(v *typedValue) {
	if v == nil || v.schema == nil || m.incompatible {
		return
	}
	if m.common == nil {
		m.common = v.schema
		return
	}
	m.common = mergeSchemas(m.common, v.schema)
	m.incompatible = m.common == nil
}

var numericRank = map[plugin.Type]int{
	plugin.Int8: 1, plugin.Int16: 2, plugin.Int32: 3, plugin.Int64: 4, plugin.Float32: 5, plugin.Float64: 6,
}

// mergeSchemas is Values.mergeSchemas: numbers widen to the wider type
// (integers to floats, by schema type, so a Date is an int32 here). Of
// two schemas of one type Java keeps the newer, as parsed schemas are
// all required.
func mergeSchemas(prev, next *plugin.Schema) *plugin.Schema {
	if prev.Type == next.Type {
		return next
	}
	a, b := numericRank[prev.Type], numericRank[next.Type]
	switch {
	case a == 0 || b == 0:
		return nil
	case a > b:
		return prev
	}
	return next
}

// convertTo is Values.convertTo for the values the parser makes, with no
// source schema.
func convertTo(to *plugin.Schema, v any) (any, error) {
	if v == nil {
		if to.Optional {
			return nil, nil
		}
		return nil, dataErr("Unable to convert a null value to a schema that requires a value")
	}
	switch to.Name {
	case plugin.DateName, plugin.TimeName, plugin.TimestampName:
		return convertToTemporal(to, v)
	case plugin.DecimalName:
		if _, ok := v.(plugin.Decimal); ok {
			return v, nil
		}
		return nil, dataErr("Unable to convert %v to a Decimal", v)
	}
	switch to.Type {
	case plugin.Int8, plugin.Int16, plugin.Int32, plugin.Int64:
		i, err := asLong(v)
		return narrow(to.Type, i), err
	case plugin.Float32, plugin.Float64:
		f, err := asDouble(v)
		if to.Type == plugin.Float32 {
			return float32(f), err
		}
		return f, err
	}
	if typeOfValue(v) != to.Type {
		return nil, dataErr("Unable to convert %v to %s", v, schemaString(to))
	}
	return v, nil
}

// narrow casts a long to the Go type of an integer schema type.
func narrow(t plugin.Type, i int64) any {
	switch t {
	case plugin.Int8:
		return int8(i)
	case plugin.Int16:
		return int16(i)
	case plugin.Int32:
		return int32(i)
	}
	return i
}

// convertToTemporal: dates stay as they are; numbers are days (Date),
// milliseconds of the day (Time) or since the epoch (Timestamp).
func convertToTemporal(to *plugin.Schema, v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		return t, nil
	}
	n, err := asLong(v)
	if err != nil {
		return nil, err
	}
	switch to.Name {
	case plugin.DateName:
		return time.UnixMilli(int64(int32(n)) * 86400000).UTC(), nil
	case plugin.TimeName:
		if ms := int32(n); ms >= 0 && ms <= 86400000 {
			return time.UnixMilli(int64(ms)).UTC(), nil
		}
		return nil, dataErr("Time values must use number of milliseconds greater than 0 and less than 86400000")
	}
	return time.UnixMilli(n).UTC(), nil
}

// asLong and asDouble are Values.asLong and asDouble without a schema:
// numbers only.
func asLong(v any) (int64, error) {
	switch v := v.(type) {
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case float32:
		return doubleToLong(float64(v)), nil
	case float64:
		return doubleToLong(v), nil
	case plugin.Decimal:
		return decimalToLong(v), nil
	}
	return 0, dataErr("Unable to convert %v (%s) to a number", v, javaClass(v))
}

func asDouble(v any) (float64, error) {
	switch v := v.(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	case plugin.Decimal:
		return decimalToFloat(v, 64), nil
	}
	i, err := asLong(v)
	return float64(i), err
}
