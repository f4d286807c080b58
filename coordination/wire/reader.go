package wire

import (
	"encoding/binary"
	"fmt"
)

// reader decodes the classic (non-flexible) Kafka protocol types. The first
// failure sticks and later reads return zero values, so decoders read a
// message straight through and check err once.
type reader struct {
	buf     []byte
	off     int
	err     error
	message string // what is being decoded, for DecodeError.Message
	prefix  string // field path of the enclosing field when decoding nested bytes
	base    int    // offset of buf within the outermost buffer
}

func (r *reader) fail(field string, at int, format string, args ...any) {
	if r.err != nil {
		return
	}
	r.err = &DecodeError{
		Message: r.message,
		Field:   r.prefix + field,
		Offset:  r.base + at,
		Reason:  fmt.Sprintf(format, args...),
	}
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

// more reports whether an optional trailing field is present. Java's
// tolerant schemas default a field only when the buffer is exhausted; a
// field cut short is still an error.
func (r *reader) more() bool { return r.err == nil && r.remaining() > 0 }

func (r *reader) take(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > r.remaining() {
		r.fail(field, r.off, "need %d bytes, only %d left", n, r.remaining())
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) int16(field string) int16 {
	if b := r.take(field, 2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *reader) int32(field string) int32 {
	if b := r.take(field, 4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *reader) int64(field string) int64 {
	if b := r.take(field, 8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

// version reads the int16 header every message starts with. Like Java, any
// version >= 0 is accepted so that newer peers can append fields.
func (r *reader) version() int16 {
	start := r.off
	v := r.int16("version")
	if v < 0 {
		r.fail("version", start, "negative version %d", v)
	}
	return v
}

// str reads a STRING. The bytes are kept as they are; Java would replace
// invalid UTF-8 with U+FFFD, which Connect's own writers never produce.
func (r *reader) str(field string) string {
	start := r.off
	n := int(r.int16(field))
	switch {
	case r.err != nil:
	case n < 0:
		r.fail(field, start, "negative string length %d", n)
	case n > r.remaining():
		r.fail(field, start, "string length %d exceeds remaining %d bytes", n, r.remaining())
	default:
		return string(r.take(field, n))
	}
	return ""
}

// nullableBytes reads NULLABLE_BYTES; present is false for null, which Java
// reads from any negative length.
func (r *reader) nullableBytes(field string) (b []byte, present bool) {
	start := r.off
	n := int(r.int32(field))
	switch {
	case r.err != nil, n < 0:
	case n > r.remaining():
		r.fail(field, start, "byte length %d exceeds remaining %d bytes", n, r.remaining())
	default:
		return r.take(field, n), true
	}
	return nil, false
}

// arrayLen reads an ARRAY count. A nullable array's negative count (null)
// comes back as 0, since Connect treats null and empty alike. minSize is the
// smallest encoding of one element: a count the rest of the buffer cannot
// hold is rejected before anything is allocated.
func (r *reader) arrayLen(field string, minSize int, nullable bool) int {
	start := r.off
	n := int(r.int32(field))
	switch {
	case r.err != nil, n < 0 && nullable:
	case n < 0:
		r.fail(field, start, "negative array count %d", n)
	case n > r.remaining()/minSize:
		r.fail(field, start, "array count %d exceeds what the remaining %d bytes can hold", n, r.remaining())
	default:
		return n
	}
	return 0
}

// nested returns a reader over bytes just read by r, reporting errors with
// field paths and offsets relative to r's outermost buffer.
func (r *reader) nested(field string, b []byte) *reader {
	return &reader{
		buf:     b,
		message: r.message,
		prefix:  r.prefix + field + ".",
		base:    r.base + r.off - len(b),
	}
}
