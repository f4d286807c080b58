package herder

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// snapshotOf builds a config snapshot from records, as the store would.
func snapshotOf(t *testing.T, recs ...configstore.Record) configstore.Snapshot {
	t.Helper()
	var s configstore.Snapshot
	for i, r := range recs {
		s = s.Apply(r, int64(i), true)
	}
	return s
}

func connector(name string, kv ...string) configstore.Record {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return configstore.ConnectorConfig{Connector: name, Properties: configstore.PropsOf(m)}
}

func tasks(name string, n int) []configstore.Record {
	var out []configstore.Record
	for i := range n {
		out = append(out, configstore.TaskConfig{ID: configstore.TaskID{Connector: name, Task: int32(i)},
			Properties: configstore.PropsOf(map[string]string{"n": fmt.Sprint(i)})})
	}
	return append(out, configstore.Commit{Connector: name, Tasks: int32(n)})
}

func target(name string, s configstore.TargetState) configstore.Record {
	return configstore.ConnectorTargetState{Connector: name, State: s}
}

func work(items ...string) wire.Work {
	var w wire.Work
	for _, it := range items {
		if c, n, ok := strings.Cut(it, "/"); ok {
			var task int32
			fmt.Sscan(n, &task)
			w.Tasks = append(w.Tasks, wire.TaskID{Connector: c, Task: task})
		} else {
			w.Connectors = append(w.Connectors, it)
		}
	}
	return w
}

// running turns a Desired into what the runtime would report after
// starting it, with some items failed.
func running(d Desired, failed ...string) (map[string]runtime.Info, map[runtime.TaskID]runtime.Info) {
	cs := map[string]runtime.Info{}
	for name, spec := range d.Connectors {
		st := runtime.Running
		if slices.Contains(failed, name) {
			st = runtime.Failed
		}
		cs[name] = runtime.Info{State: st, Connector: spec}
	}
	ts := map[runtime.TaskID]runtime.Info{}
	for id, spec := range d.Tasks {
		st := runtime.Running
		if slices.Contains(failed, fmt.Sprintf("%s/%d", id.Connector, id.Task)) {
			st = runtime.Failed
		}
		ts[id] = runtime.Info{State: st, Task: spec}
	}
	return cs, ts
}

func describe(plan []Action) []string {
	var out []string
	for _, a := range plan {
		c, n := a.subject()
		s := a.Op.String() + " " + c
		if n >= 0 {
			s += fmt.Sprintf("/%d", n)
		}
		if a.Op == SetConnectorTarget {
			s += " " + a.Connector.Target.String()
		}
		if a.Op == SetTaskTarget {
			s += " " + a.Task.Target.String()
		}
		out = append(out, s)
	}
	return out
}

func TestPlan(t *testing.T) {
	base := slices.Concat([]configstore.Record{connector("a", "k", "1")}, tasks("a", 2), []configstore.Record{connector("b", "k", "1")}, tasks("b", 1))
	before := Desire(snapshotOf(t, base...), work("a", "a/0", "a/1", "b/0"))
	tests := []struct {
		name     string
		snapshot []configstore.Record
		work     wire.Work
		failed   []string
		restart  Restarts
		want     []string
	}{
		{"unchanged: nothing to do", base, work("a", "a/0", "a/1", "b/0"), nil, Restarts{}, nil},
		{"new assignment starts connectors before tasks", base, work("a", "a/0", "a/1", "b", "b/0"), nil, Restarts{},
			[]string{"start-connector b"}},
		{"revoked work stops, tasks first", base, work("a/1"), nil, Restarts{},
			[]string{"stop-task a/0", "stop-task b/0", "stop-connector a"}},
		{"connector config change restarts the connector and its tasks", slices.Concat(base, []configstore.Record{connector("a", "k", "2")}),
			work("a", "a/0", "a/1", "b/0"), nil, Restarts{},
			[]string{"stop-task a/0", "stop-task a/1", "stop-connector a", "start-connector a", "start-task a/0", "start-task a/1"}},
		{"pause moves targets without restarts", slices.Concat(base, []configstore.Record{target("a", configstore.Paused)}),
			work("a", "a/0", "a/1", "b/0"), nil, Restarts{},
			[]string{"target-connector a PAUSED", "target-task a/0 PAUSED", "target-task a/1 PAUSED"}},
		{"stop keeps the connector, stops its tasks", slices.Concat(base, []configstore.Record{target("a", configstore.Stopped)}),
			work("a", "a/0", "a/1", "b/0"), nil, Restarts{},
			[]string{"stop-task a/0", "stop-task a/1", "target-connector a STOPPED"}},
		{"failed work is left alone", base, work("a", "a/0", "a/1", "b/0"), []string{"a/1", "a"}, Restarts{}, nil},
		{"restart requests restart even failed work", base, work("a", "a/0", "a/1", "b/0"), []string{"a/1"},
			Restarts{Tasks: map[runtime.TaskID]bool{{Connector: "a", Task: 1}: true}}, []string{"stop-task a/1", "start-task a/1"}},
		{"deleted connector stops", slices.Concat(base, []configstore.Record{configstore.ConnectorTombstone{Connector: "b"}}),
			work("a", "a/0", "a/1", "b/0"), nil, Restarts{}, []string{"stop-task b/0"}},
		{"assigned but not yet read: waits", base, work("a", "a/0", "a/1", "b/0", "c", "c/0"), nil, Restarts{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, ts := running(before, tt.failed...)
			got := describe(Plan(Desire(snapshotOf(t, tt.snapshot...), tt.work), cs, ts, tt.restart))
			if !slices.Equal(got, tt.want) {
				t.Errorf("plan\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Applying a plan and planning again gives nothing: the plan converges.
func TestPlanConverges(t *testing.T) {
	snap := snapshotOf(t, slices.Concat([]configstore.Record{connector("a", "k", "1"), target("a", configstore.Paused)}, tasks("a", 3))...)
	want := Desire(snap, work("a", "a/0", "a/2"))
	cs, ts := map[string]runtime.Info{}, map[runtime.TaskID]runtime.Info{}
	for _, a := range Plan(want, cs, ts, Restarts{}) {
		switch a.Op {
		case StartConnector, SetConnectorTarget:
			cs[a.Connector.Name] = runtime.Info{State: runtime.Running, Connector: a.Connector}
		case StartTask, SetTaskTarget:
			ts[a.Task.ID] = runtime.Info{State: runtime.Running, Task: a.Task}
		case StopConnector:
			delete(cs, a.Name)
		case StopTask:
			delete(ts, a.ID)
		}
	}
	if again := Plan(want, cs, ts, Restarts{}); len(again) != 0 {
		t.Errorf("second plan not empty: %q", describe(again))
	}
}
