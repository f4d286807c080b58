package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// taskRun is one task on this worker. Its goroutine (run) owns the plugin
// task. Stopping has two steps: stopping ends (the task finishes its batch
// and commits), then, past the graceful timeout, ctx ends too (the task is
// abandoned).
type taskRun struct {
	rt        *Runtime
	id        TaskID
	log       *slog.Logger
	target    *targetCell
	stopping  context.Context
	stop      context.CancelFunc
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{} // closed when run returns
	abandoned atomic.Bool   // no more status writes, as Java's cancelled tasks

	// given are the configurations as the herder gave them, placeholders
	// and all; spec gets them resolved once the task runs.
	given struct{ connector, task map[string]string }

	// Guarded by rt.mu.
	spec    TaskSpec
	state   State
	err     error
	version string // of the connector plugin, for statuses
	class   string // the connector plugin's, for traces; empty until resolved
}

func newTaskRun(r *Runtime, spec TaskSpec) *taskRun {
	log := r.deps.Log.With("connector", spec.ID.Connector, "task", spec.ID.Task)
	// Every call into the task gets its logger (see plugin.Logger).
	ctx, cancel := context.WithCancel(plugin.WithLogger(context.Background(), log))
	stopping, stop := context.WithCancel(ctx)
	t := &taskRun{
		rt:       r,
		id:       spec.ID,
		log:      log,
		target:   newTargetCell(spec.Target),
		stopping: stopping,
		stop:     stop,
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		spec:     spec,
		state:    Starting,
	}
	t.given.connector, t.given.task = spec.ConnectorConfig, spec.TaskConfig
	return t
}

// run runs the task until it is stopped or fails. A stopped task's status
// becomes UNASSIGNED; a failed one's FAILED, and it stays in Tasks until
// the herder stops it.
func (t *taskRun) run() {
	defer close(t.done)
	defer t.cancel()
	if err := protect(t.body); err != nil {
		t.fail(err)
		return
	}
	if !t.abandoned.Load() {
		t.rt.deps.Statuses.PutTask(statusID(t.id), t.rt.status(statusstore.Unassigned, nil, "", t.pluginVersion()))
	}
}

// body makes the plugin task and runs the source or sink loop.
func (t *taskRun) body() error {
	if err := t.resolvePlaceholders(); err != nil {
		return err
	}
	p, err := t.rt.resolveConnector(t.spec.ConnectorConfig)
	if err != nil {
		return err
	}
	t.rt.mu.Lock()
	t.version, t.class = p.Version, p.Class
	t.rt.mu.Unlock()
	switch c := p.New().(type) {
	case plugin.SourceConnector:
		return runSource(t, c.NewTask(), p.Class)
	case plugin.SinkConnector:
		return runSink(t, c.NewTask(), p.Class)
	}
	return &PluginError{Key: "connector.class", Class: p.Class, Want: "a SourceConnector or SinkConnector implementation", Found: p.Kind}
}

// resolvePlaceholders resolves the config provider placeholders of both
// configurations here, on the worker that runs the task, as Java does.
func (t *taskRun) resolvePlaceholders() error {
	providers := t.rt.deps.Worker.Providers
	conn, err := providers.Resolve(t.given.connector)
	if err != nil {
		return fmt.Errorf("configuration of connector %s: %w", t.id.Connector, err)
	}
	task, err := providers.Resolve(t.given.task)
	if err != nil {
		return fmt.Errorf("configuration of %s: %w", taskName(t.id), err)
	}
	t.rt.mu.Lock()
	t.spec.ConnectorConfig, t.spec.TaskConfig = conn.Config, task.Config
	t.rt.mu.Unlock()
	return nil
}

// givenSpec is the spec with the configurations as given, which the
// herder compares with the config topic's. Call it with rt.mu held.
func (t *taskRun) givenSpec() TaskSpec {
	s := t.spec
	s.ConnectorConfig, s.TaskConfig = t.given.connector, t.given.task
	return s
}

// stopAndWait stops the task and waits for it, at most
// task.shutdown.graceful.timeout.ms; then it abandons it.
func (t *taskRun) stopAndWait() {
	t.stop()
	timer := time.NewTimer(t.rt.gracefulTimeout())
	defer timer.Stop()
	select {
	case <-t.done:
	case <-timer.C:
		t.log.Error("task did not stop within task.shutdown.graceful.timeout.ms; abandoning it")
		t.abandoned.Store(true)
		t.cancel()
	}
}

// report records the task's state and writes it to the status topic when
// it changed.
func (t *taskRun) report(state State, err error) {
	t.rt.mu.Lock()
	changed := t.state != state
	t.state, t.err = state, err
	version := t.version
	// Before the plugin is resolved, the class as configured.
	class := cmp.Or(t.class, t.spec.ConnectorConfig["connector.class"])
	t.rt.mu.Unlock()
	if changed && !t.abandoned.Load() {
		t.rt.deps.Statuses.PutTask(statusID(t.id), t.rt.status(statusOf(state), err, class, version))
	}
}

// fail records the task as failed. A fenced task is a zombie, not a broken
// task: a newer instance owns its transactional id and wrote its status,
// which a FAILED from here (written in an older generation, and read after
// the owner's RUNNING) would hide, so it stops without a word to the status
// topic; the herder starts it again if it is assigned here.
func (t *taskRun) fail(err error) {
	var fenced *FencedError
	if t.abandoned.Load() {
		// Cut short after task.shutdown.graceful.timeout.ms: the error is
		// most often the cut itself, and the worker has moved on.
		t.log.Warn("abandoned task ended", "err", err)
		return
	}
	if errors.As(err, &fenced) {
		t.log.Warn("task stopped: a newer instance of it took over its transactional producer", "err", err)
		t.rt.mu.Lock()
		t.state, t.err = Failed, err
		t.rt.mu.Unlock()
	} else {
		t.log.Error("task failed", "err", err)
		t.report(Failed, err)
	}
	t.rt.deps.Changed()
}

func (t *taskRun) pluginVersion() string {
	t.rt.mu.Lock()
	defer t.rt.mu.Unlock()
	return t.version
}

// holdWhilePaused blocks while the task's target is PAUSED (or STOPPED),
// with the status PAUSED. It reports whether the task may go on: false
// once it is stopping.
func (t *taskRun) holdWhilePaused() bool {
	if !paused(t.target.get()) {
		return t.stopping.Err() == nil
	}
	t.report(Paused, nil)
	for paused(t.target.get()) {
		select {
		case <-t.stopping.Done():
			return false
		case <-t.target.changed():
		}
	}
	return t.stopping.Err() == nil
}

// holdWithoutLease blocks while this worker may not act on its
// assignment. It reports whether the task may go on: false once ctx ends.
func (t *taskRun) holdWithoutLease(ctx context.Context) bool {
	if t.rt.deps.Lease() {
		return true
	}
	t.log.Warn("waiting for this worker's group membership before doing more work")
	tick := time.NewTicker(leaseRecheck)
	defer tick.Stop()
	for !t.rt.deps.Lease() {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}

// settings are the connector's configuration with the task's on top;
// runtime settings (converters, transforms, errors.*) come from the
// connector's and may be repeated in the task's.
func (t *taskRun) settings() configdef.Props {
	s := configdef.Props{}
	for k, v := range t.spec.ConnectorConfig {
		s[k] = v
	}
	for k, v := range t.spec.TaskConfig {
		if _, ok := s[k]; !ok {
			s[k] = v
		}
	}
	return s
}

// newErrorHandler builds the task's error handler from errors.*; dlq is
// nil for sources.
func (t *taskRun) newErrorHandler(s configdef.Props) (*errorHandler, error) {
	policy, err := parseErrorPolicy(s)
	if err != nil {
		return nil, err
	}
	return &errorHandler{policy: policy, id: t.id, log: t.log, hooks: t.rt.hooks}, nil
}

func statusID(id TaskID) statusstore.TaskID {
	return statusstore.TaskID{Connector: id.Connector, Task: id.Task}
}

// paused reports whether a target keeps a task from working. Tasks of a
// STOPPED connector are normally removed; until then they hold as if
// paused.
func paused(t Target) bool { return t == configstore.Paused || t == configstore.Stopped }

// targetCell is a task's target state, set by the herder and read by the
// task, with a signal when it changes.
type targetCell struct {
	mu     sync.Mutex
	target Target
	ch     chan struct{}
}

func newTargetCell(t Target) *targetCell {
	return &targetCell{target: t, ch: make(chan struct{}, 1)}
}

func (c *targetCell) set(t Target) {
	c.mu.Lock()
	c.target = t
	c.mu.Unlock()
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

func (c *targetCell) get() Target {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.target
}

// changed delivers a value after each set (several sets may share one).
func (c *targetCell) changed() <-chan struct{} { return c.ch }
