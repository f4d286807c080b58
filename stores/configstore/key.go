package configstore

import (
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/internal/javastr"
)

// KeyKind says which kind of record a config-topic key names.
type KeyKind uint8

// Key kinds, in the order Java tries their prefixes.
const (
	UnknownKey KeyKind = iota
	TargetStateKey
	ConnectorKey
	TaskKey
	CommitKey
	RestartKey
	TaskCountKey
	SessionKeyKey
	LoggerLevelKey
)

// Key prefixes as Java writes them.
const (
	targetStatePrefix = "target-state-"
	connectorPrefix   = "connector-"
	taskPrefix        = "task-"
	commitPrefix      = "commit-"
	restartPrefix     = "restart-connector-"
	taskCountPrefix   = "tasks-fencing-"
	sessionKeyName    = "session-key"
	loggerPrefix      = "logger-cluster-"
)

// Key is a parsed config-topic key. Name is the connector name, the logger
// namespace for LoggerLevelKey, or the whole key for UnknownKey; Task is set
// for TaskKey.
type Key struct {
	Kind KeyKind
	Name string
	Task int32
}

// ParseKey reads a key with Java's dispatch: the first matching prefix in the
// order target-state-, connector-, task-, commit-, restart-connector-,
// tasks-fencing-, the exact key session-key, then logger-cluster-.
// A task key is split on '-': the last piece is the task number and the
// pieces between the first and the last are the connector name, so names may
// contain '-'. Unknown keys and task keys Java cannot parse come back as
// Kind UnknownKey with ok false.
func ParseKey(key string) (k Key, ok bool) {
	prefixed := []struct {
		prefix string
		kind   KeyKind
	}{
		{targetStatePrefix, TargetStateKey},
		{connectorPrefix, ConnectorKey},
		{taskPrefix, TaskKey},
		{commitPrefix, CommitKey},
		{restartPrefix, RestartKey},
		{taskCountPrefix, TaskCountKey},
	}
	for _, p := range prefixed {
		if !strings.HasPrefix(key, p.prefix) {
			continue
		}
		if p.kind == TaskKey {
			return parseTaskKey(key)
		}
		return Key{Kind: p.kind, Name: key[len(p.prefix):]}, true
	}
	switch {
	case key == sessionKeyName:
		return Key{Kind: SessionKeyKey}, true
	case strings.HasPrefix(key, loggerPrefix):
		return Key{Kind: LoggerLevelKey, Name: key[len(loggerPrefix):]}, true
	}
	return Key{Kind: UnknownKey, Name: key}, false
}

func parseTaskKey(key string) (Key, bool) {
	parts := javastr.Split(key, "-")
	if len(parts) < 3 {
		return Key{Kind: UnknownKey, Name: key}, false
	}
	n, ok := javastr.ParseInt(parts[len(parts)-1])
	if !ok {
		return Key{Kind: UnknownKey, Name: key}, false
	}
	return Key{Kind: TaskKey, Name: strings.Join(parts[1:len(parts)-1], "-"), Task: n}, true
}

// String builds the key as Java does, by plain concatenation.
func (k Key) String() string {
	switch k.Kind {
	case TargetStateKey:
		return targetStatePrefix + k.Name
	case ConnectorKey:
		return connectorPrefix + k.Name
	case TaskKey:
		return taskPrefix + k.Name + "-" + strconv.Itoa(int(k.Task))
	case CommitKey:
		return commitPrefix + k.Name
	case RestartKey:
		return restartPrefix + k.Name
	case TaskCountKey:
		return taskCountPrefix + k.Name
	case SessionKeyKey:
		return sessionKeyName
	case LoggerLevelKey:
		return loggerPrefix + k.Name
	}
	return k.Name
}
