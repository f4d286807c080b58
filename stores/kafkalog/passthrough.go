package kafkalog

import "strings"

// TopicConfigs returns the topic settings a worker passes through with a
// storage prefix (config.storage.*, offset.storage.*, status.storage.*), as
// Java does: the prefix is cut off and the keys that name the topic itself
// are left out.
func TopicConfigs(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		name, ok := strings.CutPrefix(k, prefix)
		if ok && name != "topic" && name != "partitions" && name != "replication.factor" {
			out[name] = v
		}
	}
	return out
}
