// Package configdef reads settings the way Kafka's ConfigDef does, with
// Java's error texts, so a bad setting reads the same on a Go worker as on
// a Java one. The runtime, converters, transforms, connectors and
// connectorconfig all read their settings through it.
//
//   - ParseType is ConfigDef.parseType: the value trimmed, then typed.
//   - A Def is a plugin's list of Keys; Parse reads a configuration in
//     definition order (defaults applied, validators run, the first error
//     wins), and ConfigDef is what the plugin's Config() returns.
//   - Props reads single settings that no Def lists, such as a task's
//     consumer.* and producer.* overrides, by the same rules.
//   - Validators are named after Java's (Range.atLeast, ValidString.in,
//     NonEmptyString, ValidList, ...).
//   - Error is a ConfigException.
//
// Parsed values are the Java types parseType produces: BOOLEAN bool,
// STRING string, INT int32, SHORT int16, LONG int64, DOUBLE float64, LIST
// []string, CLASS Class, PASSWORD Password, and nil for Java's null.
package configdef
