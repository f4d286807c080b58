package configstore

import "maps"

// Record is one decoded config-topic record. The concrete types are the
// structs below; Apply switches on them.
type Record interface {
	// ConfigKey is the key the record is stored under.
	ConfigKey() Key
}

// Props is a connector or task configuration. A nil value is a JSON null,
// which Java keeps as a key that is present with a null value (different from
// an absent key, which takes the config's default).
type Props map[string]*string

// PropsOf makes Props from plain strings.
func PropsOf(m map[string]string) Props {
	p := make(Props, len(m))
	for k, v := range m {
		p[k] = &v
	}
	return p
}

// Clone copies p; the values are shared, as strings are immutable.
func (p Props) Clone() Props {
	return maps.Clone(p)
}

// TaskID names one task of a connector.
type TaskID struct {
	Connector string
	Task      int32
}

// ConnectorConfig is a connector-<c> record: create or update a connector.
type ConnectorConfig struct {
	Connector  string
	Properties Props
}

// ConnectorTombstone deletes a connector (a connector-<c> record with a null
// value).
type ConnectorTombstone struct {
	Connector string
}

// TaskConfig is a task-<c>-<n> record. It is only staged: task configs become
// visible with the next Commit for the connector.
type TaskConfig struct {
	ID         TaskID
	Properties Props
}

// Commit is a commit-<c> record publishing the staged task configs of a
// connector; Tasks is the new task count.
type Commit struct {
	Connector string
	Tasks     int32
}

// ConnectorTargetState is a target-state-<c> record.
type ConnectorTargetState struct {
	Connector string
	State     TargetState
}

// TargetStateTombstone removes a connector's target state (written when the
// connector is deleted).
type TargetStateTombstone struct {
	Connector string
}

// SessionKey is the session-key record: the key workers sign internal
// requests with (KIP-507).
type SessionKey struct {
	Key       []byte
	Algorithm string
	// CreationTimestamp is in milliseconds since the epoch.
	CreationTimestamp int64
}

// RestartRequest is a restart-connector-<c> record (KIP-745).
type RestartRequest struct {
	Connector    string
	OnlyFailed   bool
	IncludeTasks bool
}

// TaskCountRecord is a tasks-fencing-<c> record: the task count zombie
// fencing last completed for (KIP-618).
type TaskCountRecord struct {
	Connector string
	TaskCount int32
}

// LoggerLevel is a logger-cluster-<namespace> record (KIP-976).
type LoggerLevel struct {
	Namespace string
	Level     string
}

// Ignored stands for a record Java reads as JSON but then discards: unknown
// keys, wrong shapes, tombstones where none belong. It still advances the
// config offset, and a commit key still purges an unknown connector (Java
// checks for that before it looks at the value). Decode returns it together
// with the *BadRecordError that explains it.
type Ignored struct {
	Key Key
}

func (r ConnectorConfig) ConfigKey() Key      { return Key{Kind: ConnectorKey, Name: r.Connector} }
func (r ConnectorTombstone) ConfigKey() Key   { return Key{Kind: ConnectorKey, Name: r.Connector} }
func (r TaskConfig) ConfigKey() Key           { return Key{Kind: TaskKey, Name: r.ID.Connector, Task: r.ID.Task} }
func (r Commit) ConfigKey() Key               { return Key{Kind: CommitKey, Name: r.Connector} }
func (r ConnectorTargetState) ConfigKey() Key { return Key{Kind: TargetStateKey, Name: r.Connector} }
func (r TargetStateTombstone) ConfigKey() Key { return Key{Kind: TargetStateKey, Name: r.Connector} }
func (r SessionKey) ConfigKey() Key           { return Key{Kind: SessionKeyKey} }
func (r RestartRequest) ConfigKey() Key       { return Key{Kind: RestartKey, Name: r.Connector} }
func (r TaskCountRecord) ConfigKey() Key      { return Key{Kind: TaskCountKey, Name: r.Connector} }
func (r LoggerLevel) ConfigKey() Key          { return Key{Kind: LoggerLevelKey, Name: r.Namespace} }
func (r Ignored) ConfigKey() Key              { return r.Key }

// TargetState is what a connector should be doing.
type TargetState uint8

// Target states. The zero value means "none recorded".
const (
	Started TargetState = iota + 1
	Paused
	Stopped // since Kafka 3.5
)

func (s TargetState) String() string {
	switch s {
	case Started:
		return "STARTED"
	case Paused:
		return "PAUSED"
	case Stopped:
		return "STOPPED"
	}
	return "UNKNOWN"
}

// ParseTargetState reads Java's enum name; like TargetState.valueOf it is
// case-sensitive.
func ParseTargetState(s string) (TargetState, bool) {
	for _, t := range []TargetState{Started, Paused, Stopped} {
		if s == t.String() {
			return t, true
		}
	}
	return 0, false
}

// impactRank orders restart requests as Java's RestartRequest does: a
// higher-ranked request restarts more, and replaces a pending lower one.
func (r RestartRequest) impactRank() int {
	switch {
	case r.OnlyFailed && !r.IncludeTasks:
		return 0
	case r.OnlyFailed && r.IncludeTasks:
		return 1
	case !r.IncludeTasks:
		return 2
	}
	return 3
}
