package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync/atomic"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// connectorRun is one connector on this worker. Its goroutine (run) owns
// the plugin instance; the herder reaches it through calls, which carry
// their own result.
type connectorRun struct {
	rt        *Runtime
	name      string
	log       *slog.Logger
	calls     chan func(*connectorLoop)
	stop      chan struct{} // closed to stop
	done      chan struct{} // closed when run returns
	ctx       context.Context
	cancel    context.CancelFunc // abandons the connector
	abandoned atomic.Bool        // no more status writes

	// Guarded by rt.mu.
	spec  ConnectorSpec
	state State
	err   error
}

func newConnectorRun(r *Runtime, spec ConnectorSpec) *connectorRun {
	ctx, cancel := context.WithCancel(context.Background())
	return &connectorRun{
		rt:     r,
		name:   spec.Name,
		log:    r.deps.Log.With("connector", spec.Name),
		calls:  make(chan func(*connectorLoop)),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		ctx:    ctx,
		cancel: cancel,
		spec:   spec,
		state:  Starting,
	}
}

func (c *connectorRun) run() {
	defer close(c.done)
	defer c.cancel()
	c.rt.mu.Lock() // setTarget may be changing it already
	target := c.spec.Target
	c.rt.mu.Unlock()
	l := &connectorLoop{c: c, raw: c.spec.Config}
	l.init(target)
	if !l.failed && !c.abandoned.Load() {
		c.rt.deps.Changed() // started on its own: the herder may ask for task configs now
	}
	for {
		select {
		case call := <-c.calls:
			call(l)
		case <-c.stop:
			l.shutdown()
			return
		}
	}
}

// call runs fn in the connector's goroutine and returns its error. It
// waits at most task.shutdown.graceful.timeout.ms, since the goroutine may
// be busy in the plugin's Start or Stop.
func (c *connectorRun) call(fn func(*connectorLoop) error) error {
	res := make(chan error, 1)
	timer := time.NewTimer(c.rt.gracefulTimeout())
	defer timer.Stop()
	select {
	case c.calls <- func(l *connectorLoop) { res <- fn(l) }:
	case <-timer.C:
		return &BusyError{Connector: c.name}
	}
	select {
	case err := <-res:
		return err
	case <-timer.C:
		return &BusyError{Connector: c.name}
	}
}

func (c *connectorRun) setTarget(t Target) error {
	c.rt.mu.Lock()
	c.spec.Target = t
	c.rt.mu.Unlock()
	return c.call(func(l *connectorLoop) error { return l.apply(t) })
}

func (c *connectorRun) taskConfigs(maxTasks int) ([]map[string]string, error) {
	var out []map[string]string
	err := c.call(func(l *connectorLoop) (err error) {
		out, err = l.taskConfigs(maxTasks)
		return err
	})
	return out, err
}

// stopAndWait stops the connector and waits for it, at most
// task.shutdown.graceful.timeout.ms; then it abandons it.
func (c *connectorRun) stopAndWait() {
	close(c.stop)
	timer := time.NewTimer(c.rt.gracefulTimeout())
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		c.log.Error("connector did not stop within task.shutdown.graceful.timeout.ms; abandoning it")
		c.abandoned.Store(true)
		c.cancel()
		// As Java does: nobody will write this connector's status any more,
		// and its next owner may start it soon.
		c.rt.deps.Statuses.PutConnector(c.name, c.rt.status(statusstore.Unassigned, nil, "", ""))
	}
}

// report records the connector's state and writes it to the status topic
// when it changed. p is the connector's plugin, zero if it could not be
// resolved.
func (c *connectorRun) report(state State, err error, p plugin.Plugin) {
	c.rt.mu.Lock()
	changed := c.state != state
	c.state, c.err = state, err
	class := cmp.Or(p.Class, c.spec.Config["connector.class"])
	c.rt.mu.Unlock()
	if changed && !c.abandoned.Load() {
		c.rt.deps.Statuses.PutConnector(c.name, c.rt.status(statusOf(state), err, class, p.Version))
	}
}

func (c *connectorRun) currentState() State {
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	return c.state
}

// statusOf maps a runtime state to the status topic's.
func statusOf(s State) statusstore.State {
	switch s {
	case Running:
		return statusstore.Running
	case Paused:
		return statusstore.Paused
	case Stopped:
		return statusstore.Stopped
	case Failed:
		return statusstore.Failed
	}
	return statusstore.Unassigned
}

// connectorLoop is the state the connector's goroutine owns.
type connectorLoop struct {
	c           *connectorRun
	raw         map[string]string // as written, placeholders and all
	config      map[string]string // raw with placeholders resolved
	plugin      plugin.Plugin
	inst        plugin.Connector // nil if it could not be made
	started     bool             // Start succeeded, Stop not called since
	cancelStart context.CancelFunc
	failed      bool
}

func (l *connectorLoop) init(target Target) {
	resolved, err := l.c.rt.deps.Worker.Providers.Resolve(l.raw)
	if err != nil {
		l.fail(fmt.Errorf("connector %s: %w", l.c.name, err))
		return
	}
	l.config = resolved.Config
	p, err := l.c.rt.resolveConnector(l.config)
	if err != nil {
		l.fail(err)
		return
	}
	l.plugin = p
	if err := protect(func() error {
		inst, ok := p.New().(plugin.Connector)
		if !ok {
			return &PluginError{Key: "connector.class", Class: p.Class, Want: "a Connector implementation", Found: p.Kind}
		}
		l.inst = inst
		return nil
	}); err != nil {
		l.fail(err)
		return
	}
	_ = l.apply(target) // a failure is reported as the connector's state
}

// apply moves the instance to a target state, as Java's WorkerConnector
// does: PAUSED and STOPPED stop the instance, STARTED starts it again. A
// failed connector stays failed until it is restarted.
func (l *connectorLoop) apply(target Target) error {
	if l.failed {
		l.c.log.Warn("cannot move a failed connector", "target", target)
		return nil
	}
	switch target {
	case configstore.Paused, configstore.Stopped:
		if err := l.stopInstance(); err != nil {
			l.fail(err)
			return err
		}
		state := Paused
		if target == configstore.Stopped {
			state = Stopped
		}
		l.c.report(state, nil, l.plugin)
		return nil
	}
	if !l.started {
		if err := l.startInstance(); err != nil {
			l.fail(err)
			return err
		}
	}
	l.c.report(Running, nil, l.plugin)
	return nil
}

func (l *connectorLoop) startInstance() error {
	ctx, cancel := context.WithCancel(l.c.ctx)
	if err := protect(func() error { return l.inst.Start(ctx, maps.Clone(l.config)) }); err != nil {
		cancel()
		return fmt.Errorf("start connector %s: %w", l.c.name, err)
	}
	l.started, l.cancelStart = true, cancel
	return nil
}

func (l *connectorLoop) stopInstance() error {
	if !l.started {
		return nil
	}
	l.started = false
	l.cancelStart()
	if err := protect(l.inst.Stop); err != nil {
		return fmt.Errorf("stop connector %s: %w", l.c.name, err)
	}
	return nil
}

// shutdown stops the instance for good; the connector is no longer this
// worker's, so its status becomes UNASSIGNED.
func (l *connectorLoop) shutdown() {
	if l.failed {
		// As Java does, let a failed connector release what it holds.
		if l.inst != nil {
			if err := protect(l.inst.Stop); err != nil {
				l.c.log.Warn("stopping a failed connector", "err", err)
			}
		}
	} else if err := l.stopInstance(); err != nil {
		l.fail(err)
		return
	}
	if !l.c.abandoned.Load() {
		l.c.rt.deps.Statuses.PutConnector(l.c.name, l.c.rt.status(statusstore.Unassigned, nil, "", l.plugin.Version))
	}
}

// taskConfigs asks the running instance for task configs. A sink
// connector's are given its topics or topics.regex, as Java's worker adds
// them; settings the connector's configuration has placeholders for get
// the placeholders back, so the config topic never holds their values.
func (l *connectorLoop) taskConfigs(maxTasks int) ([]map[string]string, error) {
	if !l.started {
		return nil, &NotStartedError{Connector: l.c.name, State: l.c.currentState()}
	}
	var configs []map[string]string
	err := protect(func() (err error) {
		configs, err = l.inst.TaskConfigs(maxTasks)
		return err
	})
	var p *PanicError
	switch {
	case errors.As(err, &p):
		l.fail(err)
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("task configs of connector %s: %w", l.c.name, err)
	case len(configs) > maxTasks:
		// KIP-1004: a connector may not make more tasks than tasks.max.
		err := fmt.Errorf("connector %s made %d task configs, more than tasks.max=%d", l.c.name, len(configs), maxTasks)
		l.fail(err)
		return nil, err
	}
	out := make([]map[string]string, len(configs))
	for i, tc := range configs {
		out[i] = maps.Clone(tc)
		if out[i] == nil {
			out[i] = map[string]string{}
		}
		out[i]["task.class"] = l.plugin.TaskClass()
		if l.plugin.Kind == plugin.KindSink {
			for _, k := range []string{"topics", "topics.regex"} {
				if v, ok := l.config[k]; ok {
					out[i][k] = v
				}
			}
		}
	}
	configprovider.Restore(l.raw, out)
	return out, nil
}

func (l *connectorLoop) fail(err error) {
	l.failed = true
	l.c.log.Error("connector failed", "err", err)
	l.c.report(Failed, err, l.plugin)
	if !l.c.abandoned.Load() {
		l.c.rt.deps.Changed()
	}
}
