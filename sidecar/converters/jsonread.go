package converters

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// Reading JSON happens in two steps. checkJSON accepts exactly the bytes
// Connect's JsonConverter (Jackson underneath) accepts; after that, values
// are read straight from the bytes by offset, so no tree is built.
//
// The check is javajson.Check, the parser javajson.Decode uses for the
// config, offset and status topics, so that every part of the worker
// accepts the same records; see stores/javajson for Jackson's leniencies and
// limits, and for the Kafka and JDK versions it follows (Kafka 4.3.1 on JDK
// 19 or later, where they differ from older ones). The reading is not
// Decode's: Decode turns numbers into int64 and float64, while this
// converter needs a number's exact text (a NUMERIC decimal keeps its scale,
// an int8 field wraps the way JsonNode.longValue does) and reads a payload
// the way its schema asks, skipping what the schema does not name.

// maxDepth is Jackson's nesting limit, which writing observes too.
const maxDepth = 1000

// checkJSON returns the offset of the root value, or -1 when data holds only
// white space.
func checkJSON(data []byte) (int, error) {
	root, err := javajson.Check(data)
	if err == nil {
		return root, nil
	}
	if syntax, ok := err.(*javajson.SyntaxError); ok {
		return root, syntaxErr(syntax.Offset, syntax.Msg)
	}
	// javajson.ErrNotUTF8: Jackson would read the input as UTF-16 or UTF-32;
	// no Connect worker writes that.
	return root, syntaxErr(0, "UTF-16 and UTF-32 input is not supported")
}

func syntaxErr(offset int, msg string) error {
	return &DataError{Msg: fmt.Sprintf("invalid JSON at byte %d: %s", offset, msg)}
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
			return javajson.StringAt(b, p) == name
		}
	}
	return false
}
