package javajson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
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
	if readAsUTF16or32(data) {
		return nil, ErrNotUTF8
	}
	d := decoder{data: data}
	if len(data) >= 4 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		d.pos = 3 // Jackson skips a UTF-8 byte-order mark once it has 4 bytes
	}
	c, err := d.skipSpace()
	if err != nil || c < 0 {
		return nil, err
	}
	return d.value(true)
}

// readAsUTF16or32 mirrors the encoding detection of Jackson's
// ByteSourceJsonBootstrapper.
func readAsUTF16or32(b []byte) bool {
	if len(b) >= 2 && (b[0] == 0 || b[1] == 0) {
		return true
	}
	return len(b) >= 4 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))
}

type decoder struct {
	data  []byte
	pos   int
	depth int
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
		return d.object()
	case c == '[':
		return d.array()
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

func (d *decoder) enter() error {
	d.depth++
	d.pos++
	if d.depth > maxDepth {
		return d.fail("nesting deeper than 1000")
	}
	return nil
}

func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	m := HashMap{}
	var index map[string]int // built once the object is large enough to need it
	c, err := d.skipSpace()
	if err != nil {
		return nil, err
	}
	if c == '}' {
		d.pos++
		d.depth--
		return m, nil
	}
	for {
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
		m, index = put(m, index, key, v)
		if c, err = d.skipSpace(); err != nil {
			return nil, err
		}
		switch c {
		case ',':
			d.pos++
			if c, err = d.skipSpace(); err != nil {
				return nil, err
			}
		case '}':
			d.pos++
			d.depth--
			return m, nil
		default:
			return nil, d.failAt(c, "expected ',' or '}'")
		}
	}
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

func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	l := []any{}
	c, err := d.skipSpace()
	if err != nil {
		return nil, err
	}
	if c == ']' {
		d.pos++
		d.depth--
		return l, nil
	}
	for {
		if c < 0 {
			return nil, d.failAt(c, "")
		}
		v, err := d.value(false)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		if c, err = d.skipSpace(); err != nil {
			return nil, err
		}
		switch c {
		case ',':
			d.pos++
			if c, err = d.skipSpace(); err != nil {
				return nil, err
			}
		case ']':
			d.pos++
			d.depth--
			return l, nil
		default:
			return nil, d.failAt(c, "expected ',' or ']'")
		}
	}
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
	if !isFloat {
		return wrapInt64(d.data[start] == '-', d.data[intStart:intEnd]), nil
	}
	if err := bigDecimalScaleFits(d.data[expStart:expStart+expLen], expNeg, fracLen); err != "" {
		return nil, d.fail(err)
	}
	return d.float(start, intStart, mantissaEnd)
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

// bigDecimalScaleFits applies java.math.BigDecimal(String)'s limits, which
// Jackson hits because Connect reads decimals as BigDecimal: at most 10
// significant exponent digits, and exponent and scale within int32.
func bigDecimalScaleFits(exp []byte, neg bool, fracLen int) string {
	for len(exp) > 0 && exp[0] == '0' {
		exp = exp[1:]
	}
	if len(exp) > 10 {
		return "too many exponent digits for a BigDecimal"
	}
	e, _ := strconv.ParseInt(string(exp), 10, 64)
	if neg {
		e = -e
	}
	if e < math.MinInt32 || e > math.MaxInt32 {
		return "BigDecimal exponent overflow"
	}
	if scale := int64(fracLen) - e; scale < math.MinInt32 || scale > math.MaxInt32 {
		return "BigDecimal scale out of range"
	}
	return ""
}

// float converts like BigDecimal.doubleValue: correctly rounded, ±Infinity on
// overflow, and no negative zero unless a negative value underflows.
func (d *decoder) float(start, intStart, mantissaEnd int) (float64, error) {
	zero := true
	for _, c := range d.data[intStart:mantissaEnd] {
		if c != '0' && c != '.' {
			zero = false
			break
		}
	}
	if zero {
		return 0, nil
	}
	f, err := strconv.ParseFloat(string(d.data[start:d.pos]), 64)
	var numErr *strconv.NumError
	if err != nil && !(errors.As(err, &numErr) && numErr.Err == strconv.ErrRange) {
		return 0, d.fail("malformed number")
	}
	return f, nil
}

// string reads a quoted string. Names and values differ only in their limit:
// Jackson counts a name in UTF-8 bytes and a value in UTF-16 units.
func (d *decoder) string(name bool) (string, error) {
	d.pos++
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := string(d.data[start:d.pos])
			d.pos++
			return s, d.checkLength(name, len(s), len(s))
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

// slowString decodes a string with escapes or non-ASCII bytes into UTF-16
// units, as Java holds it, then into Go's UTF-8 (unpaired surrogates, which
// a Go string cannot carry, become U+FFFD).
func (d *decoder) slowString(name bool, start int) (string, error) {
	d.units = d.units[:0]
	for _, c := range d.data[start:d.pos] {
		d.units = append(d.units, uint16(c))
	}
	nameBytes := d.pos - start
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if err := d.checkLength(name, nameBytes, len(d.units)); err != nil {
				return "", err
			}
			return string(utf16.Decode(d.units)), nil
		case c < 0x20:
			return "", d.fail("unescaped control character in a string")
		case c == '\\':
			u, err := d.escape()
			if err != nil {
				return "", err
			}
			d.units = append(d.units, u)
			nameBytes += utf8Len(u)
		case c < 0x80:
			d.units = append(d.units, uint16(c))
			d.pos++
			nameBytes++
		default:
			from := d.pos
			if err := d.looseUTF8(); err != nil {
				return "", err
			}
			nameBytes += d.pos - from
		}
	}
	return "", d.fail("unexpected end of input in a string")
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

// looseUTF8 decodes one multi-byte sequence as Jackson does: the lead byte
// fixes the length and each following byte must be 10xxxxxx, but overlong
// forms, surrogates and values above U+10FFFF pass.
func (d *decoder) looseUTF8() error {
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
		return d.fail("invalid UTF-8 start byte")
	}
	for i := 1; i <= need; i++ {
		if d.pos+i == len(d.data) {
			return d.fail("unexpected end of input in a string")
		}
		b := d.data[d.pos+i]
		if b&0xC0 != 0x80 {
			return d.fail("invalid UTF-8 middle byte")
		}
		cp = cp<<6 | int32(b&0x3F)
	}
	d.pos += need + 1
	if need < 3 {
		d.units = append(d.units, uint16(cp))
		return nil
	}
	cp -= 0x10000
	d.units = append(d.units, uint16(0xD800|cp>>10), uint16(0xDC00|cp&0x3FF))
	return nil
}
