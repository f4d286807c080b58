// Package javaorder is the order in which Java walks strings: String.compareTo
// (UTF-16 code units) and the iteration order of a java.util.HashMap with
// String keys.
//
// Where a Java leader or writer decides something by walking members,
// connectors or map keys (assignments, JSON object fields), a Go worker must
// walk them in the same order to decide the same, so every package that
// needs one of these orders uses this one.
package javaorder
