package runtime

import (
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// settings reads a connector's configuration the way Java's ConfigDef
// parses it: values are trimmed, booleans are true or false in any case.
type settings map[string]string

func (s settings) str(key, dflt string) string {
	if v, ok := s[key]; ok {
		return strings.TrimSpace(v)
	}
	return dflt
}

func (s settings) boolean(key string, dflt bool) (bool, error) {
	v, ok := s[key]
	if !ok {
		return dflt, nil
	}
	switch t := strings.TrimSpace(v); {
	case strings.EqualFold(t, "true"):
		return true, nil
	case strings.EqualFold(t, "false"):
		return false, nil
	}
	return false, &ConfigError{Key: key, Value: v, Reason: "Expected value to be either true or false"}
}

func (s settings) integer(key string, dflt int64) (int64, error) {
	v, ok := s[key]
	if !ok {
		return dflt, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, &ConfigError{Key: key, Value: v, Reason: "Not a number"}
	}
	return n, nil
}

// millis reads a *.ms setting; min is the smallest value allowed.
func (s settings) millis(key string, dflt time.Duration, min int64) (time.Duration, error) {
	n, err := s.integer(key, dflt.Milliseconds())
	if err != nil {
		return 0, err
	}
	if n < min {
		return 0, &ConfigError{Key: key, Value: s[key], Reason: "Value must be at least " + strconv.FormatInt(min, 10)}
	}
	return time.Duration(n) * time.Millisecond, nil
}

// list reads a LIST setting: comma-separated, blanks dropped.
func (s settings) list(key string) []string {
	var out []string
	for item := range strings.SplitSeq(s[key], ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// withPrefix returns the settings under prefix, with it removed.
func withPrefix(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// clientSettings are the settings of a task's Kafka consumer or producer,
// as Java's worker builds them: the worker's consumer.* (or producer.*)
// properties, overridden by the connector's consumer.override.* (or
// producer.override.*). Java lets connector.client.config.override.policy
// refuse overrides; here they are always allowed (Java's default policy
// since 3.0 is All).
func clientSettings(w config.Worker, connector map[string]string, kind string) settings {
	s := withPrefix(w.Properties, kind+".")
	maps.Copy(s, withPrefix(connector, kind+".override."))
	return s
}
