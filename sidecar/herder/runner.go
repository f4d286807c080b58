package herder

import "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"

// Runner runs connectors and tasks; *runtime.Runtime is the real one. Every
// method is called from the herder's goroutine only, and returns once the
// change has been made (a stop has finished; a start has begun).
type Runner interface {
	// StartConnector starts a connector instance in spec.Target state and
	// writes its status.
	StartConnector(spec runtime.ConnectorSpec) error
	// StopConnectors stops connector instances and waits for them.
	StopConnectors(names []string)
	// SetConnectorTarget moves a running connector to STARTED, PAUSED or
	// STOPPED and writes its status.
	SetConnectorTarget(name string, target runtime.Target) error
	// TaskConfigs asks a running connector for at most maxTasks task
	// configs.
	TaskConfigs(name string, maxTasks int) ([]map[string]string, error)

	// StartTask starts a task in spec.Target state and writes its status.
	StartTask(spec runtime.TaskSpec) error
	// StopTasks stops tasks, in parallel, each within
	// task.shutdown.graceful.timeout.ms, committing what they acknowledged,
	// and waits for them.
	StopTasks(ids []runtime.TaskID)
	// SetTaskTarget pauses or resumes a running task.
	SetTaskTarget(id runtime.TaskID, target runtime.Target) error

	// Connectors and Tasks describe what runs now, failed ones included.
	Connectors() map[string]runtime.Info
	Tasks() map[runtime.TaskID]runtime.Info
}
