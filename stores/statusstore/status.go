package statusstore

// State is the state of a connector or task, as Java's AbstractStatus.State
// names it.
type State uint8

// States. Destroyed is never stored: writing it produces a tombstone.
const (
	Unassigned State = iota + 1
	Running
	Paused
	Failed
	Destroyed
	Restarting
	Stopped // connectors only
)

var stateNames = [...]string{
	Unassigned: "UNASSIGNED",
	Running:    "RUNNING",
	Paused:     "PAUSED",
	Failed:     "FAILED",
	Destroyed:  "DESTROYED",
	Restarting: "RESTARTING",
	Stopped:    "STOPPED",
}

func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// ParseState reads Java's enum name (case-sensitive, like State.valueOf).
func ParseState(name string) (State, bool) {
	for s, n := range stateNames {
		if n != "" && n == name {
			return State(s), true
		}
	}
	return 0, false
}

// Status is the value of a connector or task status record. Empty Trace,
// WorkerID and Version stand for Java's null.
type Status struct {
	State State
	// Trace is the stack trace of a failure.
	Trace string
	// WorkerID is host:port of the worker that wrote the status.
	WorkerID string
	// Generation is the group generation the writer was in.
	Generation int32
	// Version is the connector plugin's version (written since Kafka 4.1).
	Version string
}

// TaskID names one task of a connector.
type TaskID struct {
	Connector string
	Task      int32
}

// SafeToWrite is Java's rule for the writes it makes with putSafe, which are
// UNASSIGNED (on shutdown) and FAILED: such a write is dropped when the cached
// status was written by another worker in a later generation, since that
// worker owns the connector or task now. Other writes always proceed. cached
// is nil when nothing is cached for the key.
func SafeToWrite(cached *Status, next Status) bool {
	if next.State != Unassigned && next.State != Failed {
		return true
	}
	return cached == nil || cached.WorkerID == next.WorkerID || cached.Generation <= next.Generation
}

// KeepIncomingTask is Java's read-side filter for task statuses: an
// UNASSIGNED read from the topic does not replace a cached RUNNING status of
// the same or a later generation. It covers a worker that wrote UNASSIGNED
// before it had read the new owner's RUNNING.
func KeepIncomingTask(cached *Status, incoming Status) bool {
	return incoming.State != Unassigned || cached == nil || cached.State != Running ||
		cached.Generation < incoming.Generation
}
