package runtime

import "github.com/connect-sidecar/connect-sidecar/sidecar/config"

// SinkGroupID is the consumer group a sink connector's tasks share:
// connect-<name>, unless the worker's consumer.group.id or the connector's
// consumer.override.group.id says otherwise, in Java's order. The offsets
// endpoints and the lag signal read the group this names.
func SinkGroupID(w config.Worker, connector string, conf map[string]string) string {
	return clientSettings(w, conf, "consumer").String("group.id", "connect-"+connector)
}
