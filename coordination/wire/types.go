// Package wire holds the byte formats of Kafka Connect's group protocol: the
// worker metadata a member sends in JoinGroup and the assignment the leader
// returns through SyncGroup (connect-spec §1.3–§1.5).
package wire

// ConnectorTask is the task number that stands for the Connector instance
// itself inside an assignment entry.
const ConnectorTask int32 = -1

// Protocol versions, one per sub-protocol name sent in JoinGroup.
const (
	V0 int16 = 0 // "default" (eager)
	V1 int16 = 1 // "compatible" (incremental cooperative)
	V2 int16 = 2 // "sessioned" (cooperative + signed internal requests)
)

// Assignment error codes.
const (
	NoError        int16 = 0
	ConfigMismatch int16 = 1
)

// TaskID names one task of a connector.
type TaskID struct {
	Connector string
	Task      int32
}

// Work is a set of connectors and tasks. On the wire it is grouped per
// connector; in memory it is two flat lists so assignors can count load.
type Work struct {
	Connectors []string
	Tasks      []TaskID
}

// Metadata is what a worker says about itself in JoinGroup.
type Metadata struct {
	Version      int16
	URL          string // advertised REST URL, with a trailing slash
	ConfigOffset int64
	// Allocation is what the worker runs now (V1 and V2 only); nil when the
	// worker has no snapshot at all, which is not the same as an empty one.
	Allocation *Assignment
}

// Assignment is what the leader hands each member through SyncGroup. In V1
// and V2 Assigned is a delta to add to what the member runs; in V0 it is the
// whole set.
type Assignment struct {
	Version      int16
	Error        int16
	Leader       string // leader's member id
	LeaderURL    string
	ConfigOffset int64
	Assigned     Work
	Revoked      Work  // V1+
	DelayMs      int32 // V1+: rejoin after this many ms; 0 = none
}
