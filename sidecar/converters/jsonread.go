package converters

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Reading JSON happens in two steps. checkJSON accepts exactly the bytes
// Connect's JsonConverter (Jackson underneath) accepts; after that, values
// are read straight from the bytes by offset, so no tree is built.
//
// Jackson's leniencies kept here, as in stores/javajson: leading zeros in
// numbers, anything after the first complete value ignored (a root-level
// number must still be followed by white space), empty input read as no
// value, loose UTF-8 in strings, a UTF-8 byte-order mark skipped; and its
// limits: nesting 1000, numbers 1000 digits, names 50000 bytes, strings
// 20000000 UTF-16 units, BigDecimal scales within an int. Unlike
// stores/javajson (Jackson 2.19), this follows Jackson 2.21 of Kafka 4.3:
// UTF-8 encoded surrogates are refused, and so are unpaired escaped
// surrogates in names. Input that Jackson would detect as UTF-16 or UTF-32
// is refused, where Java would read it; no Connect worker writes such JSON.

const (
	maxDepth        = 1000
	maxNumberDigits = 1000
	maxNameBytes    = 50_000
	maxStringUnits  = 20_000_000
)

// checkJSON returns the offset of the root value, or -1 when data holds only
// white space.
func checkJSON(data []byte) (int, error) {
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) ||
		len(data) >= 4 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		// Jackson would read these as UTF-16 or UTF-32; no Connect worker
		// writes them.
		return 0, syntaxErr(0, "UTF-16 and UTF-32 input is not supported")
	}
	c := checker{b: data}
	if len(data) >= 4 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		c.pos = 3
	}
	if err := c.space(); err != nil || c.pos == len(data) {
		return -1, err
	}
	root := c.pos
	return root, c.value(true)
}

func syntaxErr(offset int, msg string) error {
	return &DataError{Msg: fmt.Sprintf("invalid JSON at byte %d: %s", offset, msg)}
}

type checker struct {
	b     []byte
	pos   int
	depth int
}

func (c *checker) fail(msg string) error {
	if c.pos >= len(c.b) {
		return syntaxErr(c.pos, "unexpected end of input")
	}
	return syntaxErr(c.pos, msg)
}

func (c *checker) peek() int {
	if c.pos < len(c.b) {
		return int(c.b[c.pos])
	}
	return -1
}

// space skips the white space Jackson allows between tokens.
func (c *checker) space() error {
	for ; c.pos < len(c.b); c.pos++ {
		switch b := c.b[c.pos]; {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
		case b < 0x20:
			return c.fail("control character outside a string")
		default:
			return nil
		}
	}
	return nil
}

func (c *checker) value(root bool) error {
	switch b := c.peek(); {
	case b == '"':
		return c.string(false)
	case b == '{':
		return c.object()
	case b == '[':
		return c.array()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || b >= '0' && b <= '9':
		return c.number(root)
	}
	return c.fail("expected a value")
}

func (c *checker) enter() error {
	c.depth++
	c.pos++
	if c.depth > maxDepth {
		return c.fail("nesting deeper than 1000")
	}
	return nil
}

func (c *checker) object() error {
	if err := c.enter(); err != nil {
		return err
	}
	if err := c.space(); err != nil {
		return err
	}
	if c.peek() == '}' {
		c.pos++
		c.depth--
		return nil
	}
	for {
		if c.peek() != '"' {
			return c.fail("expected a field name")
		}
		if err := c.string(true); err != nil {
			return err
		}
		if err := c.space(); err != nil {
			return err
		}
		if c.peek() != ':' {
			return c.fail("expected ':'")
		}
		c.pos++
		if err := c.space(); err != nil {
			return err
		}
		if err := c.value(false); err != nil {
			return err
		}
		if done, err := c.separator('}'); done || err != nil {
			return err
		}
	}
}

// separator reads ',' or the closing byte after a member or element.
func (c *checker) separator(end byte) (bool, error) {
	if err := c.space(); err != nil {
		return false, err
	}
	switch c.peek() {
	case ',':
		c.pos++
		return false, c.space()
	case int(end):
		c.pos++
		c.depth--
		return true, nil
	}
	return false, c.fail(fmt.Sprintf("expected ',' or '%c'", end))
}

func (c *checker) array() error {
	if err := c.enter(); err != nil {
		return err
	}
	if err := c.space(); err != nil {
		return err
	}
	if c.peek() == ']' {
		c.pos++
		c.depth--
		return nil
	}
	for {
		if err := c.value(false); err != nil {
			return err
		}
		if done, err := c.separator(']'); done || err != nil {
			return err
		}
	}
}

// literal matches true, false or null, then refuses a following byte that
// could continue a Java identifier, or any non-ASCII byte.
func (c *checker) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if c.peek() != int(word[i]) {
			return c.fail("unrecognized token")
		}
		c.pos++
	}
	b := c.peek()
	if b < '0' || b == ']' || b == '}' {
		return nil
	}
	if b >= 0x80 || b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'z' || b == '_' || b == 0x7F {
		return c.fail("unrecognized token")
	}
	return nil
}

func (c *checker) digits() int {
	n := 0
	for c.pos < len(c.b) && c.b[c.pos] >= '0' && c.b[c.pos] <= '9' {
		c.pos++
		n++
	}
	return n
}

// number checks a number literal; leading zeros do not count toward the
// 1000-digit limit.
func (c *checker) number(root bool) error {
	start := c.pos
	if c.peek() == '-' {
		c.pos++
	}
	if b := c.peek(); b < '0' || b > '9' {
		return c.fail("expected a digit")
	}
	for c.pos+1 < len(c.b) && c.b[c.pos] == '0' && c.b[c.pos+1] >= '0' && c.b[c.pos+1] <= '9' {
		c.pos++
	}
	n := c.digits()
	frac, float := 0, false
	if c.peek() == '.' {
		c.pos++
		float = true
		if frac = c.digits(); frac == 0 {
			return c.fail("decimal point not followed by a digit")
		}
	}
	n += frac
	expStart, expLen := 0, 0
	if b := c.peek(); b == 'e' || b == 'E' {
		c.pos++
		float = true
		if b := c.peek(); b == '+' || b == '-' {
			c.pos++
		}
		expStart = c.pos
		if expLen = c.digits(); expLen == 0 {
			return c.fail("exponent not followed by a digit")
		}
	}
	if b := c.peek(); root && b >= 0 && b != ' ' && b != '\t' && b != '\n' && b != '\r' {
		return c.fail("root-level number not followed by white space")
	}
	if n+expLen > maxNumberDigits {
		return c.fail("number longer than 1000 digits")
	}
	if float {
		return c.bigDecimalFits(start, expStart, expLen, frac)
	}
	return nil
}

// bigDecimalFits applies the limits of the BigDecimal parsing Connect's
// Jackson does for decimals. Below 500 characters it is
// java.math.BigDecimal(String): at most 10 significant exponent digits, and
// a scale (digits after the point minus the exponent) within an int (JDK 17
// also wants the exponent itself within an int; this follows JDK 19 and
// later, like the float formats). From 500 characters on, Jackson's
// FastDoubleParser wants the negated scale in (MinInt32, MaxInt32].
func (c *checker) bigDecimalFits(start, expStart, expLen, frac int) error {
	if expLen == 0 {
		return nil
	}
	exp := c.b[expStart : expStart+expLen]
	for len(exp) > 0 && exp[0] == '0' {
		exp = exp[1:]
	}
	if len(exp) > 10 {
		return c.fail("BigDecimal exponent out of range")
	}
	e, _ := strconv.ParseInt(string(exp), 10, 64)
	if c.b[expStart-1] == '-' {
		e = -e
	}
	scale := int64(frac) - e
	if c.pos-start >= 500 && scale == math.MinInt32 || scale < math.MinInt32 || scale > math.MaxInt32 {
		return c.fail("BigDecimal scale out of range")
	}
	return nil
}

// string checks a quoted string. Names count their length in UTF-8 bytes,
// values in UTF-16 units, as Jackson does.
func (c *checker) string(name bool) error {
	c.pos++
	bytes, units := 0, 0
	for c.pos < len(c.b) {
		b := c.b[c.pos]
		switch {
		case b == '"':
			c.pos++
			if name && bytes > maxNameBytes {
				return c.fail("name longer than 50000 bytes")
			}
			if !name && units > maxStringUnits {
				return c.fail("string longer than 20000000 characters")
			}
			return nil
		case b < 0x20:
			return c.fail("unescaped control character in a string")
		case b == '\\':
			u, err := c.escape()
			if err == nil && name {
				u, err = c.nameSurrogates(u)
			}
			if err != nil {
				return err
			}
			bytes += utf8Len(u)
			units++
		case b < 0x80:
			c.pos++
			bytes++
			units++
		default:
			n, err := c.looseUTF8()
			if err != nil {
				return err
			}
			bytes += n
			units += 1 + n/4 // a 4-byte sequence is a surrogate pair
		}
	}
	return c.fail("")
}

// utf8Len is how many bytes Jackson counts for an escaped character in a name.
func utf8Len(u uint16) int {
	switch {
	case u < 0x80:
		return 1
	case u < 0x800:
		return 2
	}
	return 3
}

// nameSurrogates applies Jackson 2.21's rule for escapes in names: a high
// surrogate must be followed by an escaped low one, and a low one cannot
// stand alone. It returns a non-ASCII unit for a pair, for the length count.
func (c *checker) nameSurrogates(u uint16) (uint16, error) {
	switch {
	case utf16.IsSurrogate(rune(u)) && u >= 0xDC00:
		return 0, c.fail("unexpected low surrogate in a field name")
	case !utf16.IsSurrogate(rune(u)):
		return u, nil
	}
	if c.peek() != '\\' {
		return 0, c.fail("broken surrogate pair in a field name")
	}
	lo, err := c.escape()
	if err == nil && (lo < 0xDC00 || lo > 0xDFFF) {
		err = c.fail("broken surrogate pair in a field name")
	}
	return 0xFFFF, err
}

func (c *checker) escape() (uint16, error) {
	c.pos++
	if c.pos == len(c.b) {
		return 0, c.fail("")
	}
	b := c.b[c.pos]
	c.pos++
	switch b {
	case '"', '\\', '/':
		return uint16(b), nil
	case 'b', 'f', 'n', 'r', 't':
		return 0, nil
	case 'u':
		return c.hex4()
	}
	c.pos--
	return 0, c.fail("unrecognized character escape")
}

func (c *checker) hex4() (uint16, error) {
	var u uint16
	for i := 0; i < 4; i++ {
		if c.pos == len(c.b) {
			return 0, c.fail("")
		}
		v, ok := hexValue(c.b[c.pos])
		if !ok {
			return 0, c.fail("expected a hex digit")
		}
		u = u<<4 | v
		c.pos++
	}
	return u, nil
}

func hexValue(b byte) (uint16, bool) {
	switch {
	case b >= '0' && b <= '9':
		return uint16(b - '0'), true
	case b|0x20 >= 'a' && b|0x20 <= 'f':
		return uint16(b|0x20-'a') + 10, true
	}
	return 0, false
}

// looseUTF8 checks one multi-byte sequence as Jackson does: the lead byte
// fixes the length, each following byte must be 10xxxxxx, and an encoded
// surrogate is refused; overlong forms and values above U+10FFFF pass. It
// returns the sequence length.
func (c *checker) looseUTF8() (int, error) {
	n := utf8SeqLen(c.b[c.pos])
	if n == 0 {
		return 0, c.fail("invalid UTF-8 start byte")
	}
	for i := 1; i < n; i++ {
		if c.pos+i == len(c.b) {
			c.pos = len(c.b)
			return 0, c.fail("")
		}
		if !isCont(c.b[c.pos+i]) {
			c.pos += i
			return 0, c.fail("invalid UTF-8 middle byte")
		}
	}
	if n == 3 && c.b[c.pos] == 0xED && c.b[c.pos+1] >= 0xA0 {
		return 0, c.fail("UTF-8 encoded surrogate") // refused since Jackson 2.20
	}
	c.pos += n
	return n, nil
}

// utf8SeqLen is the sequence length Jackson reads from a lead byte, or 0.
func utf8SeqLen(b byte) int {
	switch {
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

// The helpers below read a checked document by offset.

// nodeType names the JSON type at p as Jackson's JsonNodeType does, for
// error messages.
func nodeType(b []byte, p int) string {
	if p < 0 {
		return "MISSING"
	}
	switch b[p] {
	case '{':
		return "OBJECT"
	case '[':
		return "ARRAY"
	case '"':
		return "STRING"
	case 't', 'f':
		return "BOOLEAN"
	case 'n':
		return "NULL"
	}
	return "NUMBER"
}

func isNumber(b []byte, p int) bool { return p >= 0 && (b[p] == '-' || b[p] >= '0' && b[p] <= '9') }

func skipSpace(b []byte, p int) int {
	for p < len(b) && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r') {
		p++
	}
	return p
}

// skipValue returns the offset just after the value at p.
func skipValue(b []byte, p int) int {
	switch b[p] {
	case '"':
		return skipString(b, p)
	case '{', '[':
		depth := 0
		for {
			switch b[p] {
			case '"':
				p = skipString(b, p)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return p + 1
				}
			}
			p++
		}
	}
	for p < len(b) && !isDelimiter(b[p]) {
		p++
	}
	return p
}

func isDelimiter(c byte) bool {
	return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':'
}

func skipString(b []byte, p int) int {
	for p++; ; p++ {
		q := bytes.IndexByte(b[p:], '"') + p
		n := 0 // backslashes just before the quote
		for q-n-1 >= p && b[q-n-1] == '\\' {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		p = q
	}
}

// firstElem returns the offset of the first element of the array at p, or
// -1 when it is empty.
func firstElem(b []byte, p int) int {
	p = skipSpace(b, p+1)
	if b[p] == ']' || b[p] == '}' {
		return -1
	}
	return p
}

// nextElem returns the offset of the element after the one at p, or -1.
func nextElem(b []byte, p int) int {
	p = skipSpace(b, skipValue(b, p))
	if b[p] != ',' {
		return -1
	}
	return skipSpace(b, p+1)
}

// memberValue returns the offset of the value of the member whose name
// starts at p.
func memberValue(b []byte, p int) int {
	p = skipSpace(b, skipString(b, p))
	return skipSpace(b, p+1)
}

// nameIs reports whether the string at p reads as name.
func nameIs(b []byte, p int, name string) bool {
	if p+1+len(name) < len(b) && b[p+1+len(name)] == '"' && string(b[p+1:p+1+len(name)]) == name &&
		!strings.ContainsAny(name, `"\`) {
		return true // the quote after the name's bytes closes it
	}
	end := skipString(b, p) - 1
	raw := b[p+1 : end]
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			return readString(b, p) == name
		}
	}
	return false
}

// readString decodes the checked string at p as Java holds it; unpaired
// surrogates, which a Go string cannot carry, become U+FFFD.
func readString(b []byte, p int) string {
	end := skipString(b, p) - 1
	raw := b[p+1 : end]
	plain := true
	for _, c := range raw {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain && utf8.Valid(raw) {
		return string(raw)
	}
	units := make([]uint16, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			u, n := unescape(raw[i:])
			units = append(units, u)
			i += n
		case c < 0x80:
			units = append(units, uint16(c))
			i++
		default:
			n := utf8SeqLen(c)
			units = appendLoose(units, raw[i:i+n])
			i += n
		}
	}
	return string(utf16.Decode(units))
}

func unescape(s []byte) (uint16, int) {
	switch s[1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		var u uint16
		for _, h := range s[2:6] {
			v, _ := hexValue(h)
			u = u<<4 | v
		}
		return u, 6
	}
	return uint16(s[1]), 2
}

// appendLoose decodes one loose UTF-8 sequence into UTF-16 units.
func appendLoose(units []uint16, seq []byte) []uint16 {
	cp := rune(seq[0]) & (0x7F >> len(seq))
	for _, c := range seq[1:] {
		cp = cp<<6 | rune(c&0x3F)
	}
	if len(seq) < 4 {
		return append(units, uint16(cp))
	}
	// Jackson truncates to 16 bits, so code points above U+10FFFF come out
	// as stray surrogates.
	cp -= 0x10000
	return append(units, uint16(0xD800|cp>>10), uint16(0xDC00|cp&0x3FF))
}
