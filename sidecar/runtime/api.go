// Package runtime runs connectors and tasks on this worker: it instantiates
// plugins, runs source and sink task loops with converters, transforms and
// error handling, commits offsets, and writes their statuses. The herder
// decides what runs; the runtime makes it so and reports what happened.
//
// Each connector and task runs in a goroutine of its own that owns the
// plugin instance; a panic in plugin code fails that connector or task
// (FAILED, with the stack as its trace), never the worker. The herder's
// calls reach a connector through requests its goroutine serves, and a
// task through its target state; what happened comes back through the
// state Connectors and Tasks report, the status topic, and Deps.Changed.
//
// A source task polls, then transforms, converts and produces each batch
// in one step (deliver); offsets enter a tracker in poll order, become
// committable as Kafka acknowledges the records (only the contiguous
// acknowledged prefix of each source partition), and are written by one
// commit step every offset.flush.interval.ms and on stop. A sink task is
// a member of the consumer group connect-<name>; for each generation it
// opens the assigned partitions, reads them from their committed offsets,
// converts, transforms and puts batches, and commits what the task
// flushed. Records failing a stage follow errors.tolerance, retries and
// the dead letter queue as Java's error handler does.
package runtime

import (
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// TaskID names a task.
type TaskID = configstore.TaskID

// Target is what a connector or task should be doing.
type Target = configstore.TargetState

// State is what a connector or task is doing, as the herder sees it.
type State int

// States of running work.
const (
	Starting State = iota + 1
	Running
	Paused
	Stopped // connectors only: the connector instance is not running (target STOPPED)
	Failed  // stopped by an error; stays until restarted or reconfigured
)

// ConnectorSpec is everything needed to run a connector instance.
type ConnectorSpec struct {
	Name   string
	Config map[string]string // the connector's configuration, as written
	Target Target
}

// TaskSpec is everything needed to run a task.
type TaskSpec struct {
	ID              TaskID
	ConnectorConfig map[string]string // converters, transforms, errors.* come from here
	TaskConfig      map[string]string // what the connector generated for this task
	Target          Target
	// Generation is the connector's task-config generation TaskConfig
	// belongs to; an exactly-once source task checks it is still current
	// before it starts.
	Generation int32
}

// Info describes one running connector or task.
type Info struct {
	State State
	// Spec is what it was started (or last reconfigured) with; the herder
	// compares it with what it wants to decide on restarts.
	Connector ConnectorSpec
	Task      TaskSpec
	// Err is the failure that put it in Failed.
	Err error
}

func (s State) String() string {
	switch s {
	case Starting:
		return "starting"
	case Running:
		return "running"
	case Paused:
		return "paused"
	case Stopped:
		return "stopped"
	case Failed:
		return "failed"
	}
	return "unknown"
}
