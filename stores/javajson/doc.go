// Package javajson reads and writes JSON byte for byte the way Kafka Connect's
// internal JsonConverter (schemas.enable=false, Jackson underneath) does, so Go
// and Java workers can share the config, offsets and status topics.
//
// Writing (Marshal, Append) matches Jackson's compact output:
//   - no HTML escaping: < > & / ' are written raw;
//   - control characters as \b \t \n \f \r or \u00XX with upper-case hex;
//   - characters outside the Basic Multilingual Plane as an escaped UTF-16
//     surrogate pair (\uD83D\uDE00), other non-ASCII characters as raw UTF-8;
//   - float64 in Java's Double.toString form (1.0, 1.0E10, 1.234E-5), with NaN
//     and ±Infinity written as the strings "NaN", "Infinity", "-Infinity";
//   - maps in java.util.HashMap iteration order (see HashMap).
//
// Reading (Decode, and Check for readers that take values straight from the
// bytes) accepts exactly what that converter accepts, because Connect
// advances its config offset past every record Jackson can parse (connect-spec
// §3.3). Decode therefore follows Jackson's leniencies: leading zeros in numbers,
// anything after the first complete value ignored, empty input read as null,
// loose UTF-8 inside strings, and its size limits (nesting 1000, numbers 1000
// digits, names 50000 bytes, strings 20000000 UTF-16 units).
//
// Everything here was checked against Kafka 4.1.1's JsonConverter (Jackson
// 2.19.0) on JDK 17 and JDK 25; see stores/testdata/javagen/README.md. Where
// newer Java reads records differently, reading follows the newest, Kafka
// 4.3.1 (Jackson 2.21.2) on JDK 19 or later, since with workers of mixed
// versions on one config topic the newest behaviour matters most: Jackson
// 2.21 refuses UTF-8 encoded surrogates, and in names unpaired escaped
// surrogates (it counts an escaped pair as 4 bytes toward the name limit);
// JDK 19 and later read decimals such as 1e2147483648 whose exponent, but
// not scale, is beyond an int. sidecar/converters/testdata/parse-golden.txt
// has Kafka 4.3.1's verdicts on the same inputs.
package javajson
