package runtime

import (
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// Deps is what the runtime needs from the worker.
type Deps struct {
	Worker   config.Worker
	Clients  *kafkaclient.Clients
	Plugins  *plugin.Registry
	Offsets  *offsetstore.Store
	Statuses *statusstore.Store
	Log      *slog.Logger

	// Lease reports whether this worker may act on its assignment. While it
	// is false (the group session expired, or the worker is frozen), tasks
	// do not poll, produce, put or commit. Nil means always.
	Lease func() bool
	// Generation is the group generation stamped on status records. Nil
	// means 0.
	Generation func() int32
	// Changed is called, from any goroutine, when a connector or task
	// changed on its own (it failed), so the herder reconciles. It must not
	// block. Nil means nobody listens.
	Changed func()
	// Hooks receive metric events; see Hook.
	Hooks []Hook
	// OffsetStores open the offsets topics source connectors name with
	// offsets.storage.topic; nil: such connectors use Offsets.
	OffsetStores *offsetstore.Stores
	// ExactlyOnce prepares exactly-once source tasks when
	// exactly.once.source.support=enabled.
	ExactlyOnce Preflight
}

// How often a task whose worker has no lease checks for it again.
const leaseRecheck = 100 * time.Millisecond

// Runtime runs this worker's connectors and tasks. The herder calls its
// methods from one goroutine; each connector and task runs in a goroutine
// of its own and reports back through the state guarded by mu, the status
// store and Deps.Changed.
type Runtime struct {
	deps     Deps
	workerID string
	hooks    hooks

	mu         sync.Mutex
	connectors map[string]*connectorRun
	tasks      map[TaskID]*taskRun
}

// New returns a runtime that runs nothing yet.
func New(d Deps) *Runtime {
	if d.Lease == nil {
		d.Lease = func() bool { return true }
	}
	if d.Generation == nil {
		d.Generation = func() int32 { return 0 }
	}
	if d.Changed == nil {
		d.Changed = func() {}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Runtime{
		deps:       d,
		workerID:   d.Worker.WorkerID(),
		hooks:      hooks(d.Hooks),
		connectors: map[string]*connectorRun{},
		tasks:      map[TaskID]*taskRun{},
	}
}

// status builds a status record stamped with this worker and generation;
// a failure (err) is traced naming the connector's class.
func (r *Runtime) status(state statusstore.State, err error, class, version string) statusstore.Status {
	st := statusstore.Status{State: state, WorkerID: r.workerID, Generation: r.deps.Generation(), Version: version}
	if err != nil {
		st.Trace = traceOf(err, class)
	}
	return st
}

// gracefulTimeout is task.shutdown.graceful.timeout.ms: how long a stop
// waits for a task or connector before abandoning it, and how long the
// herder waits for a connector to take a request.
func (r *Runtime) gracefulTimeout() time.Duration {
	return r.deps.Worker.TaskShutdownGracefulTimeout.D()
}

// StartConnector starts a connector instance in spec.Target state. The
// instance is made and started in its own goroutine; a failure there shows
// as Failed in Connectors and FAILED in the status topic.
func (r *Runtime) StartConnector(spec ConnectorSpec) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.connectors[spec.Name]; ok {
		return &AlreadyRunningError{What: "connector " + spec.Name}
	}
	spec.Config = maps.Clone(spec.Config)
	c := newConnectorRun(r, spec)
	r.connectors[spec.Name] = c
	go c.run()
	return nil
}

// StopConnectors stops connectors in parallel and waits for them, each
// for at most task.shutdown.graceful.timeout.ms.
func (r *Runtime) StopConnectors(names []string) {
	stopInParallel(r, r.connectors, names, (*connectorRun).stopAndWait)
}

// stopInParallel takes the runs of keys out of m, under r.mu, then stops
// them all at once and waits for them.
func stopInParallel[K comparable, R any](r *Runtime, m map[K]R, keys []K, stop func(R)) {
	var runs []R
	r.mu.Lock()
	for _, k := range keys {
		if run, ok := m[k]; ok {
			runs = append(runs, run)
			delete(m, k)
		}
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(func() { stop(run) })
	}
	wg.Wait()
}

// SetConnectorTarget moves a connector to STARTED, PAUSED or STOPPED and
// returns once it got there.
func (r *Runtime) SetConnectorTarget(name string, target Target) error {
	c, err := r.connector(name)
	if err != nil {
		return err
	}
	return c.setTarget(target)
}

// TaskConfigs asks a running connector for at most maxTasks task configs.
func (r *Runtime) TaskConfigs(name string, maxTasks int) ([]map[string]string, error) {
	c, err := r.connector(name)
	if err != nil {
		return nil, err
	}
	return c.taskConfigs(maxTasks)
}

func (r *Runtime) connector(name string) (*connectorRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.connectors[name]
	if !ok {
		return nil, &NotFoundError{What: "connector " + name}
	}
	return c, nil
}

// StartTask starts a task in spec.Target state. Like StartConnector it
// only begins: the task is made and started in its own goroutine.
func (r *Runtime) StartTask(spec TaskSpec) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.tasks[spec.ID]; ok {
		return &AlreadyRunningError{What: taskName(spec.ID)}
	}
	spec.ConnectorConfig = maps.Clone(spec.ConnectorConfig)
	spec.TaskConfig = maps.Clone(spec.TaskConfig)
	t := newTaskRun(r, spec)
	r.tasks[spec.ID] = t
	go t.run()
	return nil
}

// StopTasks stops tasks in parallel. Each gets
// task.shutdown.graceful.timeout.ms to finish its batch and commit what
// Kafka acknowledged; then it is abandoned: its context is cancelled, it
// writes no more statuses, and StopTasks returns without it.
func (r *Runtime) StopTasks(ids []TaskID) {
	stopInParallel(r, r.tasks, ids, (*taskRun).stopAndWait)
}

// SetTaskTarget pauses or resumes a task. The task takes it up between
// batches and writes its status then.
func (r *Runtime) SetTaskTarget(id TaskID, target Target) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tasks[id]
	if !ok {
		return &NotFoundError{What: taskName(id)}
	}
	t.spec.Target = target
	t.target.set(target)
	return nil
}

// Connectors describes the connectors this worker runs.
func (r *Runtime) Connectors() map[string]Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Info, len(r.connectors))
	for name, c := range r.connectors {
		out[name] = Info{State: c.state, Connector: c.spec, Err: c.err}
	}
	return out
}

// Tasks describes the tasks this worker runs.
func (r *Runtime) Tasks() map[TaskID]Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[TaskID]Info, len(r.tasks))
	for id, t := range r.tasks {
		out[id] = Info{State: t.state, Task: t.givenSpec(), Err: t.err}
	}
	return out
}

func taskName(id TaskID) string { return fmt.Sprintf("task %s-%d", id.Connector, id.Task) }

// resolveConnector finds the connector plugin a configuration names.
// A class the worker's settings do not enable fails here too, since a
// config topic can hold connectors no REST request of this worker wrote.
func (r *Runtime) resolveConnector(config map[string]string) (plugin.Plugin, error) {
	p, err := lookupKind(r.deps.Plugins, "connector.class", config["connector.class"], "a source or sink connector", plugin.KindSource, plugin.KindSink)
	if err == nil {
		err = r.deps.Plugins.Refused(p)
	}
	return p, err
}
