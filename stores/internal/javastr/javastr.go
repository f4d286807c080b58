// Package javastr reproduces the two java.lang.String/Integer behaviours the
// config and status topics' key parsers depend on; Integer.parseInt itself
// is internal/javatext's, shared with every other package.
package javastr

import (
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
)

// Split is Java's s.split("-") for a one-character separator: like
// strings.Split, but trailing empty strings are dropped, so "task-a-" splits
// into ["task", "a"]; a string without the separator comes back whole.
func Split(s string, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// ParseInt is Integer.parseInt(s): an optional '+' or '-', then at least one
// decimal digit, where any Unicode decimal digit of the Basic Multilingual
// Plane counts (Character.digit on each UTF-16 unit), and the result must fit
// in 32 bits.
func ParseInt(s string) (int32, bool) {
	n, ok := javatext.ParseInt(s, 32)
	return int32(n), ok
}
