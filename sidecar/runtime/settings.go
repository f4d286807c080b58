package runtime

import (
	"maps"
	"slices"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
)

// millis reads a *.ms setting; min is the smallest value allowed.
func millis(s configdef.Props, key string, dflt time.Duration, min int64) (time.Duration, error) {
	n, err := s.Long(key, dflt.Milliseconds())
	if err == nil {
		err = configdef.AtLeast(min)(key, n)
	}
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Millisecond, nil
}

// nonBlank drops the empty items of a list ("a,,b" or a trailing comma),
// which the Kafka clients would refuse as names.
func nonBlank(l []string) []string {
	return slices.DeleteFunc(l, func(s string) bool { return s == "" })
}

// clientSettings are the settings of a task's Kafka consumer or producer,
// as Java's worker builds them: the worker's consumer.* (or producer.*)
// properties, overridden by the connector's consumer.override.* (or
// producer.override.*). Java lets connector.client.config.override.policy
// refuse overrides; here they are always allowed (Java's default policy
// since 3.0 is All).
func clientSettings(w config.Worker, connector map[string]string, kind string) configdef.Props {
	s := configdef.WithPrefix(w.Properties, kind+".")
	maps.Copy(s, configdef.WithPrefix(connector, kind+".override."))
	return s
}
