// Package javatext is how Java prints and parses primitive values:
// Double.toString and Float.toString, BigDecimal.toString and
// new BigDecimal(String), Double.parseDouble, Integer.parseInt and
// Character.digit, and String.trim.
//
// Connect shows these texts to the outside (JSON records, headers,
// StringConverter output, config error messages, files written by sink
// connectors), so a Go worker must produce the same bytes as a Java one.
// Every package that needs one of these rules uses this package, so that a
// rule is written, tested against Java's own output, and fixed in one place.
//
// Where Java's answer depends on the JDK, this follows JDK 19 and later
// (the newest behaviour matters most when Java workers of several versions
// share a cluster); the differences from JDK 17 are noted where they occur.
package javatext
