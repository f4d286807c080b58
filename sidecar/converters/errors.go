package converters

import (
	"fmt"
	"strconv"
	"strings"
)

// DataError reports data a converter cannot convert, as Connect's
// DataException does; the worker's error handling (errors.tolerance, the
// dead letter queue) treats it as a bad record rather than a failed task.
type DataError struct {
	// Path locates the problem inside the value, e.g. address.zip,
	// points[2] or tags["a"]; empty for the value itself.
	Path string
	Msg  string
	Err  error // the cause, if any
}

func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Path != "" {
		b.WriteString(" (at ")
		b.WriteString(e.Path)
		b.WriteString(")")
	}
	return b.String()
}

func (e *DataError) Unwrap() error { return e.Err }

func dataErr(format string, args ...any) error {
	return &DataError{Msg: fmt.Sprintf(format, args...)}
}

// atField, atIndex and atKey prefix the location of an error coming from
// inside a struct field, an array element or a map value.
func atField(err error, name string) error { return at(err, name) }

func atIndex(err error, i int) error { return at(err, "["+strconv.Itoa(i)+"]") }

func atKey(err error, key any) error {
	if s, ok := key.(string); ok {
		return at(err, "["+strconv.Quote(s)+"]")
	}
	return at(err, fmt.Sprintf("[%v]", key))
}

func at(err error, seg string) error {
	de, ok := err.(*DataError)
	if !ok || de == errWriteDepth {
		return err // a thousand levels of path would not help
	}
	out := *de
	switch {
	case out.Path == "":
		out.Path = seg
	case strings.HasPrefix(out.Path, "["):
		out.Path = seg + out.Path
	default:
		out.Path = seg + "." + out.Path
	}
	return &out
}
