// Package herder decides what runs on this worker: it turns the config
// snapshot, the group assignment and the target states into connectors and
// tasks to start, stop, restart, pause and resume, and does the duties of
// the connector owner and of the group leader.
package herder

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// Desired is what should run on this worker.
type Desired struct {
	Connectors map[string]runtime.ConnectorSpec
	Tasks      map[runtime.TaskID]runtime.TaskSpec
}

// Desire computes what should run from the config snapshot and this
// worker's share of the assignment. Assigned work the snapshot does not know
// (yet, or any more) is left out: it starts once its config is read. Tasks
// of a STOPPED connector do not run.
func Desire(snap configstore.Snapshot, work wire.Work) Desired {
	d := Desired{Connectors: map[string]runtime.ConnectorSpec{}, Tasks: map[runtime.TaskID]runtime.TaskSpec{}}
	for _, name := range work.Connectors {
		conf, ok := snap.ConnectorConfig(name)
		if !ok {
			continue
		}
		d.Connectors[name] = runtime.ConnectorSpec{Name: name, Config: Plain(conf), Target: targetOf(snap, name)}
	}
	for _, t := range work.Tasks {
		id := runtime.TaskID{Connector: t.Connector, Task: t.Task}
		conf, ok := snap.ConnectorConfig(t.Connector)
		taskConf, tok := snap.TaskConfig(id)
		target := targetOf(snap, t.Connector)
		if !ok || !tok || target == configstore.Stopped {
			continue
		}
		generation, _ := snap.TaskConfigGeneration(t.Connector)
		d.Tasks[id] = runtime.TaskSpec{ID: id, ConnectorConfig: Plain(conf), TaskConfig: Plain(taskConf), Target: target, Generation: generation}
	}
	return d
}

func targetOf(snap configstore.Snapshot, name string) configstore.TargetState {
	if t, ok := snap.TargetState(name); ok {
		return t
	}
	return configstore.Started
}

// Plain drops JSON-null values, which a connector cannot tell from an
// absent key.
func Plain(p configstore.Props) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// Op is one kind of change to what runs.
type Op int

// Ops, in the order a plan applies them: stop before start, so a restart
// never runs an item twice, and tasks stop before their connector.
const (
	StopTask Op = iota + 1
	StopConnector
	StartConnector
	SetConnectorTarget
	StartTask
	SetTaskTarget
)

var opNames = map[Op]string{
	StopTask: "stop-task", StopConnector: "stop-connector", StartConnector: "start-connector",
	SetConnectorTarget: "target-connector", StartTask: "start-task", SetTaskTarget: "target-task",
}

func (o Op) String() string { return opNames[o] }

// Action is one step of a plan.
type Action struct {
	Op        Op
	Connector runtime.ConnectorSpec // start and target ops
	Task      runtime.TaskSpec      // start and target ops
	Name      string                // stop-connector
	ID        runtime.TaskID        // stop-task
}

// Restarts names work that must start afresh even if nothing changed:
// restart requests, through REST or the config topic.
type Restarts struct {
	Connectors map[string]bool
	Tasks      map[runtime.TaskID]bool
}

// Plan says how to get from what runs to what is desired. It is level
// triggered: the same inputs give the same plan, and an empty plan means
// there is nothing to do. A failed item whose spec is unchanged is left
// alone until it is restarted or reconfigured, as in Java.
func Plan(want Desired, connectors map[string]runtime.Info, tasks map[runtime.TaskID]runtime.Info, restart Restarts) []Action {
	var stops, starts, targets []Action
	for name, info := range connectors {
		spec, wanted := want.Connectors[name]
		switch {
		case !wanted || restart.Connectors[name] || !maps.Equal(spec.Config, info.Connector.Config):
			stops = append(stops, Action{Op: StopConnector, Name: name})
			if wanted {
				starts = append(starts, Action{Op: StartConnector, Connector: spec})
			}
		case info.State != runtime.Failed && spec.Target != info.Connector.Target:
			targets = append(targets, Action{Op: SetConnectorTarget, Connector: spec})
		}
	}
	for name, spec := range want.Connectors {
		if _, running := connectors[name]; !running {
			starts = append(starts, Action{Op: StartConnector, Connector: spec})
		}
	}
	for id, info := range tasks {
		spec, wanted := want.Tasks[id]
		// New task configs restart a connector's tasks even when this
		// task's are the same, as Java's rebalance after them does: an
		// exactly-once task must start again to be fenced or to fence.
		switch {
		case !wanted || restart.Tasks[id] || spec.Generation != info.Task.Generation || fencedOut(info) ||
			!maps.Equal(spec.TaskConfig, info.Task.TaskConfig) || !maps.Equal(spec.ConnectorConfig, info.Task.ConnectorConfig):
			stops = append(stops, Action{Op: StopTask, ID: id})
			if wanted {
				starts = append(starts, Action{Op: StartTask, Task: spec})
			}
		case info.State != runtime.Failed && spec.Target != info.Task.Target:
			targets = append(targets, Action{Op: SetTaskTarget, Task: spec})
		}
	}
	for id, spec := range want.Tasks {
		if _, running := tasks[id]; !running {
			starts = append(starts, Action{Op: StartTask, Task: spec})
		}
	}
	plan := slices.Concat(stops, starts, targets)
	slices.SortStableFunc(plan, compareActions)
	return plan
}

// fencedOut reports a task that failed because a newer instance took over
// its transactional producer: it starts again wherever it is assigned now.
func fencedOut(info runtime.Info) bool {
	var f *runtime.FencedError
	return info.State == runtime.Failed && errors.As(info.Err, &f)
}

func compareActions(a, b Action) int {
	if a.Op != b.Op {
		return int(a.Op) - int(b.Op)
	}
	an, at := a.subject()
	bn, bt := b.subject()
	if c := strings.Compare(an, bn); c != 0 {
		return c
	}
	return int(at) - int(bt)
}

// subject is the connector name and task number an action is about.
func (a Action) subject() (string, int32) {
	switch a.Op {
	case StopTask:
		return a.ID.Connector, a.ID.Task
	case StopConnector:
		return a.Name, -1
	case StartConnector, SetConnectorTarget:
		return a.Connector.Name, -1
	}
	return a.Task.ID.Connector, a.Task.ID.Task
}
