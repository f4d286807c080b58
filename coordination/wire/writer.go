package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// writer appends the classic Kafka protocol types. Like reader, its first
// failure sticks so encoders write straight through and check err once.
type writer struct {
	buf     []byte
	err     error
	message string // what is being encoded, for error texts
	prefix  string // field path of the enclosing field when encoding nested bytes
}

func (w *writer) fail(field, format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("wire: encode %s: field %s%s: %s", w.message, w.prefix, field, fmt.Sprintf(format, args...))
	}
}

func (w *writer) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

func (w *writer) int16(v int16) { w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(v)) }
func (w *writer) int32(v int32) { w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(v)) }
func (w *writer) int64(v int64) { w.buf = binary.BigEndian.AppendUint64(w.buf, uint64(v)) }

// version writes the header; only the layouts of V0–V2 are known, so
// writing any other version would claim fields we do not write.
func (w *writer) version(v int16) {
	if v < V0 || v > V2 {
		w.fail("version", "version %d is not one of %d, %d, %d", v, V0, V1, V2)
	}
	w.int16(v)
}

func (w *writer) str(field, s string) {
	if len(s) > math.MaxInt16 {
		w.fail(field, "string of %d bytes exceeds the limit of %d", len(s), math.MaxInt16)
		return
	}
	w.int16(int16(len(s)))
	w.buf = append(w.buf, s...)
}

// nullableBytes writes NULLABLE_BYTES, nil as null (-1).
func (w *writer) nullableBytes(b []byte) {
	if b == nil {
		w.int32(-1)
		return
	}
	w.int32(int32(len(b)))
	w.buf = append(w.buf, b...)
}

// nested returns a writer for bytes to be embedded in w under field.
func (w *writer) nested(field string) *writer {
	return &writer{message: w.message, prefix: w.prefix + field + "."}
}

// adopt takes over the first error of a nested writer.
func (w *writer) adopt(inner *writer) {
	if w.err == nil {
		w.err = inner.err
	}
}
