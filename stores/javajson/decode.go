package javajson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// SyntaxError reports bytes that Java's JsonConverter refuses to read.
type SyntaxError struct {
	Offset int // byte offset at which the problem was found
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("javajson: %s at offset %d", e.Msg, e.Offset)
}

// ErrNotUTF8 is returned for input that Jackson would read as UTF-16 or
// UTF-32: it guesses those encodings from a byte-order mark or from zero bytes
// among the first two. Decode does not support them, so it rejects a few
// records Java accepts; no Connect worker writes such records.
var ErrNotUTF8 = errors.New("javajson: UTF-16/UTF-32 input is not supported")

// Limits of Jackson's StreamReadConstraints defaults (Jackson 2.16 and later).
const (
	maxDepth        = 1000
	maxNumberDigits = 1000
	maxNameBytes    = 50_000
	maxStringUnits  = 20_000_000
)

// Decode reads one record value the way Kafka Connect's JsonConverter with
// schemas disabled does and returns what Java gets: nil for JSON null and for
// empty or blank input, bool, string, int64 for integer literals (wrapped to
// 64 bits like BigInteger.longValue), float64 for other numbers (parsed as
// BigDecimal, so -0.0 reads as 0.0), []any, and HashMap for objects in
// document order. Bytes after the first complete value are ignored, as Jackson
// ignores them; a root-level number must still be followed by white space.
func Decode(data []byte) (any, error) {
	d := decoder{data: data, build: true}
	if err := d.start(); err != nil || d.pos == len(data) {
		return nil, err
	}
	return d.value(true)
}

// Check accepts exactly the records Decode accepts, without building their
// values, and returns the offset of the root value, or -1 when the input is
// blank. It is for readers that take what they need straight from the
// checked bytes (sidecar/converters reads numbers from their text, which
// Decode's int64 and float64 would lose); StringAt decodes the strings they
// find.
func Check(data []byte) (root int, err error) {
	d := decoder{data: data}
	if err := d.start(); err != nil || d.pos == len(data) {
		return -1, err
	}
	root = d.pos
	_, err = d.value(true)
	return root, err
}

// StringAt returns the string whose opening quote is data[p], in data that
// Check accepted, as Java holds it (see Decode).
func StringAt(data []byte, p int) string {
	end := p + 1
	for data[end] != '"' && data[end] != '\\' {
		end++
	}
	raw := data[p+1 : end]
	if data[end] == '"' && utf8.Valid(raw) {
		return string(raw) // the common case, without UTF-16 decoding
	}
	d := decoder{data: data, pos: p, build: true}
	s, _ := d.string(false)
	return s
}

// start refuses the encodings Decode does not read and skips a byte-order
// mark and white space, up to the root value or the end of the input.
func (d *decoder) start() error {
	if readAsUTF16or32(d.data) {
		return ErrNotUTF8
	}
	if len(d.data) >= 4 && d.data[0] == 0xEF && d.data[1] == 0xBB && d.data[2] == 0xBF {
		d.pos = 3 // Jackson skips a UTF-8 byte-order mark once it has 4 bytes
	}
	_, err := d.skipSpace()
	return err
}

// readAsUTF16or32 mirrors the encoding detection of Jackson's
// ByteSourceJsonBootstrapper.
func readAsUTF16or32(b []byte) bool {
	if len(b) >= 2 && (b[0] == 0 || b[1] == 0) {
		return true
	}
	return len(b) >= 4 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))
}

// decoder is one parser for Decode and Check, so that both accept the same
// records: with build unset it checks only, and returns nil for every
// string, number and container without allocating.
type decoder struct {
	data  []byte
	pos   int
	depth int
	build bool
	units []uint16 // scratch for strings that need decoding
}

func (d *decoder) fail(msg string) error {
	return &SyntaxError{Offset: d.pos, Msg: msg}
}

// failAt reports an unexpected byte c, or the end of input when c < 0.
func (d *decoder) failAt(c int, msg string) error {
	if c < 0 {
		return d.fail("unexpected end of input")
	}
	return d.fail(msg)
}

// skipSpace skips the white space Jackson allows between tokens and returns
// the next byte, or -1 at the end of the input.
func (d *decoder) skipSpace() (int, error) {
	for ; d.pos < len(d.data); d.pos++ {
		switch c := d.data[d.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c < 0x20:
			return 0, d.fail("control character outside a string")
		default:
			return int(c), nil
		}
	}
	return -1, nil
}

func (d *decoder) value(root bool) (any, error) {
	switch c := d.data[d.pos]; {
	case c == '"':
		return d.string(false)
	case c == '{':
		m, err := d.object()
		if m == nil {
			return nil, err // checking, or failed: not a non-nil any holding a nil map
		}
		return m, nil
	case c == '[':
		l, err := d.array()
		if l == nil {
			return nil, err
		}
		return l, nil
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || isDigit(c):
		return d.number(root)
	}
	return nil, d.fail("expected a value")
}

// enter reads the opening bracket of an object or array and the white space
// after it, and returns the next byte; done reports an empty one, whose end
// byte it has read.
func (d *decoder) enter(end byte) (c int, done bool, err error) {
	d.depth++
	d.pos++
	if d.depth > maxDepth {
		return 0, false, d.fail("nesting deeper than 1000")
	}
	if c, err = d.skipSpace(); err != nil || c != int(end) {
		return c, false, err
	}
	d.pos++
	d.depth--
	return c, true, nil
}

// next reads what follows a member or element: a comma and the white space
// after it, returning the next byte, or the end byte, reporting done.
func (d *decoder) next(end byte) (c int, done bool, err error) {
	if c, err = d.skipSpace(); err != nil {
		return 0, false, err
	}
	switch c {
	case ',':
		d.pos++
		c, err = d.skipSpace()
		return c, false, err
	case int(end):
		d.pos++
		d.depth--
		return c, true, nil
	}
	return 0, false, d.failAt(c, "expected ',' or '"+string(end)+"'")
}

// object reads an object; the map is nil when only checking.
func (d *decoder) object() (HashMap, error) {
	var m HashMap
	if d.build {
		m = HashMap{}
	}
	var index map[string]int // built once the object is large enough to need it
	c, done, err := d.enter('}')
	for ; !done; c, done, err = d.next('}') {
		if err != nil {
			return nil, err
		}
		if c != '"' {
			return nil, d.failAt(c, "expected a field name")
		}
		key, err := d.string(true)
		if err != nil {
			return nil, err
		}
		if c, err = d.skipSpace(); err != nil || c != ':' {
			return nil, errOr(err, d.failAt(c, "expected ':'"))
		}
		d.pos++
		if c, err = d.skipSpace(); err != nil || c < 0 {
			return nil, errOr(err, d.failAt(c, ""))
		}
		v, err := d.value(false)
		if err != nil {
			return nil, err
		}
		if d.build {
			m, index = put(m, index, key, v)
		}
	}
	return m, err
}

// put adds a member the way Jackson's ObjectNode does: a repeated name keeps
// its first position and takes the new value.
func put(m HashMap, index map[string]int, key string, v any) (HashMap, map[string]int) {
	if index == nil && len(m) >= 16 {
		index = make(map[string]int, 2*len(m))
		for i, f := range m {
			index[f.Key] = i
		}
	}
	i, ok := -1, false
	if index != nil {
		i, ok = index[key]
	} else {
		for j := range m {
			if m[j].Key == key {
				i, ok = j, true
				break
			}
		}
	}
	if ok {
		m[i].Value = v
		return m, index
	}
	if index != nil {
		index[key] = len(m)
	}
	return append(m, Field{key, v}), index
}

// array reads an array; the list is nil when only checking.
func (d *decoder) array() ([]any, error) {
	var l []any
	if d.build {
		l = []any{}
	}
	c, done, err := d.enter(']')
	for ; !done; c, done, err = d.next(']') {
		if err != nil {
			return nil, err
		}
		if c < 0 {
			return nil, d.failAt(c, "")
		}
		v, err := d.value(false)
		if err != nil {
			return nil, err
		}
		if d.build {
			l = append(l, v)
		}
	}
	return l, err
}

func errOr(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

// literal matches true, false or null. Like Jackson it then refuses a
// following byte that could continue a Java identifier; Jackson also refuses
// any non-ASCII byte there, because it re-reads the lead byte as the second
// byte of the sequence.
func (d *decoder) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if d.pos >= len(d.data) || d.data[d.pos] != word[i] {
			return d.fail("unrecognized token")
		}
		d.pos++
	}
	if d.pos == len(d.data) {
		return nil
	}
	c := d.data[d.pos]
	if c < '0' || c == ']' || c == '}' {
		return nil
	}
	if c >= 0x80 || isIdentifierASCII(c) {
		return d.fail("unrecognized token")
	}
	return nil
}

// isIdentifierASCII is Character.isJavaIdentifierPart for bytes from '0' on.
func isIdentifierASCII(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '_' || c == 0x7F
}

// number reads an integer or decimal literal. Jackson allows leading zeros
// (Connect turns on ALLOW_LEADING_ZEROS_FOR_NUMBERS) and does not count them
// against the 1000-digit limit.
func (d *decoder) number(root bool) (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos == len(d.data) || !isDigit(d.data[d.pos]) {
		return nil, d.failAt(d.peek(), "expected a digit")
	}
	for d.pos+1 < len(d.data) && d.data[d.pos] == '0' && isDigit(d.data[d.pos+1]) {
		d.pos++
	}
	intStart := d.pos
	intLen := d.digits()
	intEnd := d.pos
	fracLen, expLen, isFloat := 0, 0, false
	if d.peek() == '.' {
		d.pos++
		isFloat = true
		if fracLen = d.digits(); fracLen == 0 {
			return nil, d.fail("decimal point not followed by a digit")
		}
	}
	mantissaEnd := d.pos
	expNeg, expStart := false, 0
	if c := d.peek(); c == 'e' || c == 'E' {
		d.pos++
		isFloat = true
		if c := d.peek(); c == '+' || c == '-' {
			expNeg = c == '-'
			d.pos++
		}
		expStart = d.pos
		if expLen = d.digits(); expLen == 0 {
			return nil, d.failAt(d.peek(), "exponent not followed by a digit")
		}
	}
	if c := d.peek(); root && c >= 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r' {
		return nil, d.fail("root-level number not followed by white space")
	}
	if intLen+fracLen+expLen > maxNumberDigits {
		return nil, d.fail("number longer than 1000 digits")
	}
	if isFloat {
		if msg := bigDecimalFits(d.data[expStart:expStart+expLen], expNeg, fracLen, d.pos-start); msg != "" {
			return nil, d.fail(msg)
		}
	}
	switch {
	case !d.build:
		return nil, nil
	case !isFloat:
		return wrapInt64(d.data[start] == '-', d.data[intStart:intEnd]), nil
	}
	return d.float(start, intStart, mantissaEnd), nil
}

func (d *decoder) peek() int {
	if d.pos < len(d.data) {
		return int(d.data[d.pos])
	}
	return -1
}

func (d *decoder) digits() int {
	n := 0
	for d.pos < len(d.data) && isDigit(d.data[d.pos]) {
		d.pos++
		n++
	}
	return n
}

// wrapInt64 is BigInteger.longValue: the low 64 bits of the literal.
func wrapInt64(neg bool, digits []byte) int64 {
	var u uint64
	for _, c := range digits {
		u = u*10 + uint64(c-'0')
	}
	if neg {
		u = -u
	}
	return int64(u)
}

// bigDecimalFits applies the limits of the BigDecimal parsing that Connect's
// Jackson does for decimals of length characters. Below 500 characters it
// is java.math.BigDecimal(String): at most 10 significant exponent digits,
// and a scale (digits after the point minus the exponent) within an int.
// JDK 17 also wants the exponent itself within an int, so it refuses
// 1e2147483648, which JDK 19 and later read; this follows the newer JDKs.
// From 500 characters on, Jackson's FastDoubleParser wants the negated
// scale in (MinInt32, MaxInt32].
func bigDecimalFits(exp []byte, neg bool, fracLen, length int) string {
	for len(exp) > 0 && exp[0] == '0' {
		exp = exp[1:]
	}
	if len(exp) > 10 {
		return "BigDecimal exponent out of range"
	}
	var e int64
	for _, c := range exp {
		e = e*10 + int64(c-'0')
	}
	if neg {
		e = -e
	}
	scale := int64(fracLen) - e
	if length >= 500 && scale == math.MinInt32 || scale < math.MinInt32 || scale > math.MaxInt32 {
		return "BigDecimal scale out of range"
	}
	return ""
}

// float converts like BigDecimal.doubleValue: correctly rounded, ±Infinity on
// overflow, and no negative zero unless a negative value underflows.
func (d *decoder) float(start, intStart, mantissaEnd int) float64 {
	for _, c := range d.data[intStart:mantissaEnd] {
		if c != '0' && c != '.' {
			// The literal is a checked JSON number, so ParseFloat's only
			// error is ErrRange, which comes with Java's ±Infinity.
			f, _ := strconv.ParseFloat(string(d.data[start:d.pos]), 64)
			return f
		}
	}
	return 0
}

// string reads a quoted string. Names and values differ in their limit
// (Jackson counts a name in UTF-8 bytes and a value in UTF-16 units) and in
// what escaped surrogates they allow.
func (d *decoder) string(name bool) (string, error) {
	d.pos++
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			n := d.pos - start
			var s string
			if d.build {
				s = string(d.data[start:d.pos])
			}
			d.pos++
			return s, d.checkLength(name, n, n)
		}
		if c < 0x20 || c == '\\' || c >= 0x80 {
			return d.slowString(name, start)
		}
		d.pos++
	}
	return "", d.fail("unexpected end of input in a string")
}

func (d *decoder) checkLength(name bool, bytes, units int) error {
	if name && bytes > maxNameBytes {
		return d.fail("name longer than 50000 bytes")
	}
	if !name && units > maxStringUnits {
		return d.fail("string longer than 20000000 characters")
	}
	return nil
}

// slowString reads a string with escapes or non-ASCII bytes, from start on,
// counting it in UTF-16 units and, for a name, in the UTF-8 bytes Jackson
// counts. When building it decodes the units, as Java holds the string, into
// Go's UTF-8 (unpaired surrogates, which a Go string cannot carry, become
// U+FFFD).
func (d *decoder) slowString(name bool, start int) (string, error) {
	units := d.pos - start // the ASCII bytes so far
	nameBytes := units
	if d.build {
		d.units = d.units[:0]
		for _, c := range d.data[start:d.pos] {
			d.units = append(d.units, uint16(c))
		}
	}
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if err := d.checkLength(name, nameBytes, units); err != nil {
				return "", err
			}
			if !d.build {
				return "", nil
			}
			return string(utf16.Decode(d.units)), nil
		case c < 0x20:
			return "", d.fail("unescaped control character in a string")
		case c == '\\':
			u, err := d.escape()
			if err != nil {
				return "", err
			}
			if name && utf16.IsSurrogate(rune(u)) {
				lo, err := d.nameLowSurrogate(u)
				if err != nil {
					return "", err
				}
				d.unit(u)
				d.unit(lo)
				units += 2
				nameBytes += 4 // Jackson counts the pair as one 4-byte character
				continue
			}
			d.unit(u)
			units++
			nameBytes += utf8Len(u)
		case c < 0x80:
			d.unit(uint16(c))
			d.pos++
			units++
			nameBytes++
		default:
			n, err := d.looseUTF8()
			if err != nil {
				return "", err
			}
			units += 1 + n/4 // a 4-byte sequence is a surrogate pair
			nameBytes += n
		}
	}
	return "", d.fail("unexpected end of input in a string")
}

// unit adds one UTF-16 unit of the string being decoded.
func (d *decoder) unit(u uint16) {
	if d.build {
		d.units = append(d.units, u)
	}
}

// utf8Len is how many bytes Jackson uses for an escaped character in a name.
func utf8Len(u uint16) int {
	switch {
	case u < 0x80:
		return 1
	case u < 0x800:
		return 2
	}
	return 3
}

// nameLowSurrogate applies the rule of Jackson 2.21 (Kafka 4.3.1; 2.19 of
// Kafka 4.1.1 had none) for an escaped surrogate u in a name: a high
// surrogate must be followed by an escaped low one, which it returns, and a
// low one cannot stand alone. Values may hold unpaired surrogates.
func (d *decoder) nameLowSurrogate(u uint16) (uint16, error) {
	if u >= 0xDC00 {
		return 0, d.fail("unexpected low surrogate in a field name")
	}
	if d.peek() != '\\' {
		return 0, d.fail("broken surrogate pair in a field name")
	}
	lo, err := d.escape()
	if err == nil && (lo < 0xDC00 || lo > 0xDFFF) {
		err = d.fail("broken surrogate pair in a field name")
	}
	return lo, err
}

func (d *decoder) escape() (uint16, error) {
	d.pos++
	if d.pos == len(d.data) {
		return 0, d.fail("unexpected end of input in an escape")
	}
	c := d.data[d.pos]
	d.pos++
	switch c {
	case '"', '\\', '/':
		return uint16(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		return d.hex4()
	}
	d.pos--
	return 0, d.fail("unrecognized character escape")
}

func (d *decoder) hex4() (uint16, error) {
	var u uint16
	for i := 0; i < 4; i++ {
		if d.pos == len(d.data) {
			return 0, d.fail("unexpected end of input in an escape")
		}
		v, ok := hexValue(d.data[d.pos])
		if !ok {
			return 0, d.fail("expected a hex digit")
		}
		u = u<<4 | v
		d.pos++
	}
	return u, nil
}

func hexValue(c byte) (uint16, bool) {
	switch {
	case isDigit(c):
		return uint16(c - '0'), true
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return uint16(c|0x20-'a') + 10, true
	}
	return 0, false
}

// looseUTF8 reads one multi-byte sequence as Jackson does and returns its
// length: the lead byte fixes the length and each following byte must be
// 10xxxxxx; overlong forms and values above U+10FFFF pass, but a 3-byte
// encoded surrogate is refused (by Jackson 2.21 of Kafka 4.3.1; 2.19 of
// Kafka 4.1.1 let it pass).
func (d *decoder) looseUTF8() (int, error) {
	c := d.data[d.pos]
	var need int
	var cp int32
	switch {
	case c&0xE0 == 0xC0:
		need, cp = 1, int32(c&0x1F)
	case c&0xF0 == 0xE0:
		need, cp = 2, int32(c&0x0F)
	case c&0xF8 == 0xF0:
		need, cp = 3, int32(c&0x07)
	default:
		return 0, d.fail("invalid UTF-8 start byte")
	}
	for i := 1; i <= need; i++ {
		if d.pos+i == len(d.data) {
			return 0, d.fail("unexpected end of input in a string")
		}
		b := d.data[d.pos+i]
		if b&0xC0 != 0x80 {
			return 0, d.fail("invalid UTF-8 middle byte")
		}
		cp = cp<<6 | int32(b&0x3F)
	}
	if need == 2 && utf16.IsSurrogate(rune(cp)) {
		return 0, d.fail("UTF-8 encoded surrogate")
	}
	d.pos += need + 1
	if need < 3 {
		d.unit(uint16(cp))
		return need + 1, nil
	}
	// Like Jackson, truncate to 16 bits: code points above U+10FFFF come
	// out as stray surrogates.
	cp -= 0x10000
	d.unit(uint16(0xD800 | cp>>10))
	d.unit(uint16(0xDC00 | cp&0x3FF))
	return 4, nil
}
