package statusstore

import (
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/internal/javastr"
)

// Key prefixes as Java writes them.
const (
	connectorPrefix = "status-connector-"
	taskPrefix      = "status-task-"
	topicPrefix     = "status-topic-"
	topicSeparator  = ":connector-"
)

// ConnectorKey is the key of a connector's status.
func ConnectorKey(connector string) string { return connectorPrefix + connector }

// TaskKey is the key of a task's status.
func TaskKey(id TaskID) string {
	return taskPrefix + id.Connector + "-" + strconv.Itoa(int(id.Task))
}

// TopicKey is the key recording that connector uses topic.
func TopicKey(topic, connector string) string {
	return topicPrefix + topic + topicSeparator + connector
}

// KeyKind says what a status-topic key names.
type KeyKind uint8

// Key kinds.
const (
	UnknownKey KeyKind = iota
	ConnectorStatusKey
	TaskStatusKey
	TopicStatusKey
)

// Key is a parsed status-topic key.
type Key struct {
	Kind      KeyKind
	Connector string
	Task      int32  // TaskStatusKey
	Topic     string // TopicStatusKey
}

// ParseKey reads a key as Java does, returning ok false for keys Java
// discards:
//   - status-connector-<c>: c must not be empty;
//   - status-task-<c>-<n>: split on '-' into at least 4 pieces; the last is
//     the task number and c is the pieces between "task" and the last;
//   - status-topic-<topic>:connector-<c>: topic runs to the first ':' and must
//     not be empty; c is what follows the 11 characters of ":connector-",
//     which Java skips without checking them, and must not be empty.
func ParseKey(key string) (Key, bool) {
	switch {
	case strings.HasPrefix(key, connectorPrefix):
		c := key[len(connectorPrefix):]
		return Key{Kind: ConnectorStatusKey, Connector: c}, c != ""
	case strings.HasPrefix(key, taskPrefix):
		return parseTaskKey(key)
	case strings.HasPrefix(key, topicPrefix):
		return parseTopicKey(key)
	}
	return Key{}, false
}

func parseTaskKey(key string) (Key, bool) {
	parts := javastr.Split(key, "-")
	if len(parts) < 4 {
		return Key{}, false
	}
	n, ok := javastr.ParseInt(parts[len(parts)-1])
	if !ok {
		return Key{}, false
	}
	return Key{Kind: TaskStatusKey, Connector: strings.Join(parts[2:len(parts)-1], "-"), Task: n}, true
}

func parseTopicKey(key string) (Key, bool) {
	colon := strings.IndexByte(key, ':')
	if colon < len(topicPrefix) {
		return Key{}, false
	}
	topic := key[len(topicPrefix):colon]
	begin := colon + len(topicSeparator)
	if topic == "" || begin >= len(key) {
		return Key{}, false
	}
	return Key{Kind: TopicStatusKey, Topic: topic, Connector: key[begin:]}, true
}
