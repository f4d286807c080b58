// Package configstore is the pure part of the config-topic store: it turns
// records of Kafka Connect's config topic into typed values (Decode), writes
// them exactly as a Java worker does (Encode), and folds them into an
// immutable Snapshot (Snapshot.Apply) with the semantics of Java's
// KafkaConfigBackingStore (connect-spec §3). It does no I/O: the log that
// reads the topic feeds it key, value and offset.
//
// A reader loop looks like this:
//
//	rec, err := configstore.Decode(key, value)
//	snap = snap.Apply(rec, offset, caughtUp) // a nil rec changes nothing
//	if err != nil {
//		// count and surface the *BadRecordError
//	}
//
// Decode returns a record together with a *BadRecordError when Java would
// read the value but ignore it: the record still moves the config offset,
// which must match Java's exactly (connect-spec §3.3).
//
// Apply's results were compared with Java's KafkaConfigBackingStore fed the
// same records (testdata/apply-*.txt, see stores/testdata/javagen).
package configstore
