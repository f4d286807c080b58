package transforms

import (
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/internal/connectvalues"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// parseLiteral is Connect's Values.parseString, which InsertHeader uses to
// turn value.literal into a typed header: "42" is an int8, "true" a boolean,
// "[1, 2.5]" an array of float32, "{a: 1}" a map, "2024-01-31" a Date. Its
// quirks are kept (a top-level "12:30" is the int8 12; an array holding a
// null is a string), so headers come out as on a Java worker. A nil schema
// and value are Java's null SchemaAndValue.
func parseLiteral(s string) (*plugin.Schema, any, error) {
	return connectvalues.Parse(s, parseLocalISODate)
}

// The ISO 8601 forms of Values.dateFormatFor.
const (
	isoDate      = "yyyy-MM-dd"
	isoTime      = "HH:mm:ss.SSS'Z'"
	isoTimestamp = isoDate + "'T'" + isoTime
)

var isoPatterns = [...]string{connectvalues.Date: isoDate, connectvalues.Time: isoTime, connectvalues.Timestamp: isoTimestamp}

// parseLocalISODate is Values' SimpleDateFormat for a date or time text,
// lenient and in the JVM's default zone (time.Local).
func parseLocalISODate(s string, kind connectvalues.Kind) (time.Time, bool) {
	f, _ := newDateFormat(isoPatterns[kind], time.Local)
	t, end, _ := f.parseAt(s, 0)
	return t.UTC(), end != 0
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

func isBlank(s string) bool { return javatext.Trim(s) == "" }
