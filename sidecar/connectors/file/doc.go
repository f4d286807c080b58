// Package file is Apache Kafka's FileStream connectors in Go, under the
// same class names, settings and offsets, so a connector config written for
// a Java worker runs unchanged and a FileStreamSource moves between Java
// and Go workers without losing or repeating lines.
//
// FileStreamSource (org.apache.kafka.connect.file.FileStreamSourceConnector)
// reads lines from a file, or from standard input when file is unset:
//
//   - settings: file (default null: stdin), topic (required, non-empty),
//     batch.size (INT, default 2000; values below 1 act as 1, as in Java);
//     string values are trimmed as Java's ConfigDef trims them;
//   - always exactly one task, given the connector's whole configuration;
//   - lines end at "\n", "\r\n" or a lone "\r"; the terminator is dropped;
//     empty lines are records; a partial last line, or a final "\r", waits
//     until the next byte arrives;
//   - each record: the configured topic, no partition, no key, value
//     schema STRING (not optional), the line as value, the poll's time as
//     timestamp; source partition {"filename": <file>} and source offset
//     {"position": <int64 byte position after the line's terminator>}
//     (for stdin {"filename": null} and {"position": null});
//   - the stored position is read once, when the file is opened; the task
//     seeks there (a position past the end waits for the file to grow);
//     a position that is not an integer fails the task, as in Java;
//   - a missing file is waited for: Poll waits a second and returns
//     nothing until it exists; the file is then tailed, each idle Poll
//     waiting up to a second (returning early when ctx ends).
//
// FileStreamSink (org.apache.kafka.connect.file.FileStreamSinkConnector)
// appends each record's value, as Java's String.valueOf prints it, and a
// "\n" to a file (created if needed), or to standard output when file is
// unset; TaskConfigs gives maxTasks copies of the configuration, so all
// tasks append to the same file.
//
// Where this differs from Java, on purpose:
//
//   - positions count bytes. Java counts UTF-16 units but skips bytes on
//     restart, so for ASCII both are equal; for other text Go's are right,
//     and a position Java stored is skipped exactly as Java would skip it;
//   - bytes that are not UTF-8 become U+FFFD one byte at a time; Java's
//     decoder sometimes replaces a whole malformed sequence with one;
//   - a read error (say, file is a directory) fails the task; Java's task
//     returns nothing forever;
//   - the sink writes each Put's lines with one write call (Java writes
//     every value and its newline separately, so tasks sharing a file can
//     interleave mid-line); Flush also fsyncs the file (Java only flushes);
//     a write error fails the task (Java's PrintStream drops it);
//   - []byte values are written raw (Java prints "[B@" and a hash), dates
//     in UTC, and maps in the value's entry order;
//   - negative stored positions fail the task (Java would start at 0 and
//     report shifted positions);
//   - alterOffsets is not offered: the plugin SPI has no place for it yet.
//
// The source supports exactly-once delivery (exactly.once.support=required
// is accepted) when it reads a named file, as Java's does.
package file
