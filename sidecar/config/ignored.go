package config

import (
	"reflect"
	"sort"
	"strings"
)

// Settings that only configure the Java runtime (class loading, logging
// backends, JMX, REST extensions). They are common in env files copied from
// Confluent's images, so they are noted and skipped, never fatal.
var jvmOnly = []string{
	"plugin.path", "plugin.discovery", "log4j.", "jmx.", "kafka.jmx.", "metric.reporters",
	"metrics.", "auto.include.jmx.reporter", "rest.extension.classes",
	"jvm.", "heap.", "classpath",
}

// Prefixes whose keys are read later by the part they configure: the
// converters, the task runtime's producers and consumers (as Java's
// worker hands producer.* and consumer.* to its tasks' clients), and the
// config providers, which name what they do not read themselves.
var kept = []string{"key.converter.", "value.converter.", "header.converter", "producer.", "consumer.", "config.providers."}

var knownProps = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range fieldsOf(reflect.TypeFor[Worker](), "prop") {
		m[f.key] = true
	}
	return m
}()

// ignoredBecause says why a given property does nothing here, or "" when it
// is used.
func ignoredBecause(prop string) string {
	if knownProps[prop] || hasAnyPrefix(prop, kept) {
		return ""
	}
	if hasAnyPrefix(prop, jvmOnly) {
		return "is ignored: it only means something to the Java runtime"
	}
	return "is ignored: connect-sidecar does not have this setting"
}

func unknownSidecar(environ []string) []string {
	known := map[string]bool{}
	for _, f := range sidecarFields {
		known[f.key] = true
	}
	var out []string
	for name := range envMap(environ, SidecarPrefix) {
		if !known[name] {
			out = append(out, name+" is ignored: connect-sidecar does not have this setting")
		}
	}
	return sortedStrings(out)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
