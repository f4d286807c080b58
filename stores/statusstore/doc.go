// Package statusstore is the pure part of the status-topic store: keys,
// values (Decode, Encode), Java's stale-write rules (SafeToWrite,
// KeepIncomingTask), and an immutable Snapshot of the statuses read so far
// with the semantics of Java's KafkaStatusBackingStore (connect-spec §5). It
// does no I/O.
//
// Values follow Kafka 4.1, which added a "version" field:
// {"state":"RUNNING","trace":null,"worker_id":"host:8083","generation":7,"version":null}.
// Older workers ignore it; records without it read as an empty Version.
package statusstore
