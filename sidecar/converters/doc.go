// Package converters holds Kafka Connect's built-in converters, written to
// produce and read the same bytes as the Java classes they are named after
// (checked against Kafka 4.3.1; see testdata/README.md):
//
//   - JsonConverter: JSON with or without the {"schema":...,"payload":...}
//     envelope, including the logical types and decimal.format;
//   - StringConverter: text in UTF-8;
//   - ByteArrayConverter: bytes as they are;
//   - SimpleHeaderConverter: header values as text, read back with a
//     schema guessed from the text.
//
// Converters are pure functions of their settings and input. Values follow
// the plugin package's model: int8..int64, float32, float64, bool, string,
// []byte, []any, *plugin.MapValue, *plugin.StructValue, plugin.Decimal and
// time.Time (UTC) for Date, Time and Timestamp.
//
// Doubles and floats are written as Java 19 and later print them (the
// shortest decimal that reads back); Java 17 prints a few values with more
// digits, which read back as the same number. Where Java relies on the JVM's
// default time zone (header dates, StringConverter's date text), UTC is
// assumed.
package converters
