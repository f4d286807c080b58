// Package transforms holds Kafka Connect's single message transforms and
// predicates (Apache Kafka's connect-transforms), under their Java class
// names and with their settings, defaults, results and error messages,
// and the Chain that wires them from a connector's transforms.* and
// predicates.* settings.
//
// Behaviour follows Apache Kafka 4.3.1 (see Version). The golden tests run
// every case in testdata/cases through both these transforms and Kafka's
// own classes (testdata/javaref) and compare results, errors included.
//
// Transforms never change the record they are given: a changed key,
// value or header list is a new one. Schemas are built anew for each
// record (Java caches them); Configure must be called before Apply, after
// which a transform is read-only and safe for concurrent use.
//
// Known differences from Kafka 4.3.1 on Java 17:
//
//   - Java's HashMap has no order; schemaless maps here keep their
//     entries' order, with added keys last.
//   - Float and double values print (Cast to string) as JDK 19 and later
//     print them, the shortest decimal that reads back; JDK 17 prints one
//     more digit for some floats (2.00325359E12 for 2.0032536E12).
//   - SimpleDateFormat patterns are implemented here (see dateFormat):
//     dates before 15 October 1582 are proleptic Gregorian, not Julian;
//     names and week rules are en-US; parsing does not support the week
//     fields Y w W F u, zone names other than UTC and GMT, or a day of the
//     week without a day of the month, and fails the record instead.
//   - Regular expressions (RegexRouter, TopicNameMatches) use Go's RE2
//     syntax: no backreferences, lookaround or possessive quantifiers;
//     such patterns are rejected, and invalid ones are explained in Go's
//     words.
//   - Where Java uses the JVM's default time zone (Cast of dates to
//     strings, dates in InsertHeader literals), time.Local is used.
//   - An InsertHeader literal nested more than 1000 levels deep is refused
//     with a configdef.Error; Java's parser runs out of stack somewhat deeper.
//   - ReplaceField still reads blacklist and whitelist, the names Kafka
//     used before 4.0 (Kafka 4 ignores them).
//   - A few messages cannot be Java's word for word: those that print a
//     whole record (TimestampRouter without a timestamp) or an object's
//     identity (InsertField's static.field without static.value).
//   - The Chain configures every transform and predicate when it is
//     built, so it reports problems that Java finds only when a task
//     starts (a bad transform setting, a predicate that is not listed);
//     its messages name the connector setting (transforms.a.field).
//     The transforms.a.version setting is not read.
package transforms
