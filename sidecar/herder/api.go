package herder

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// API answers Kafka Connect's REST API from the herder's stores: reads come
// from the local snapshots, writes that only the leader may make return a
// NotLeaderError so the REST layer forwards them.
type API struct {
	h         *Herder
	plugins   *plugin.Registry
	validator connectorconfig.Worker
	workerURL string
	offsets   OffsetBackends

	exactlyOnce ExactlyOnce // zero unless exactly.once.source.support=enabled
	fencing     fencings
}

var _ rest.Herder = (*API)(nil)

// NewAPI returns the REST view of h.
func NewAPI(h *Herder, plugins *plugin.Registry, validator connectorconfig.Worker, workerURL string, offsets OffsetBackends) *API {
	return &API{h: h, plugins: plugins, validator: validator, workerURL: workerURL, offsets: offsets}
}

// EnableExactlyOnce makes this worker fence zombie source tasks when it
// leads (exactly.once.source.support=enabled).
func (a *API) EnableExactlyOnce(eo ExactlyOnce) { a.exactlyOnce = eo }

func notFound(name string) error {
	return &rest.NotFoundError{Message: "Connector " + name + " not found"}
}

// rebalanceWait bounds how long a write waits for a rebalance under way
// to end before it is answered 409: long enough for the rebalance a
// connector's creation or deletion starts (tens to hundreds of ms), well
// within the 10 s a follower waits for the leader's answer
// (rest.forwardWait) and the timeouts of Connect's clients.
const rebalanceWait = 5 * time.Second

// leader returns nil when this worker leads, else the error that forwards
// the request to the leader (or asks to retry while nobody is known). A
// write that arrives during a rebalance waits for its end, as Java's
// herder thread takes requests between rebalances, rather than answering
// 409 at once: each write starts a rebalance, so clients writing one after
// another would otherwise mostly see 409s.
func (a *API) leader(ctx context.Context) error {
	wait, cancel := context.WithTimeout(ctx, rebalanceWait)
	settled := a.h.awaitSettled(wait)
	cancel()
	asg, ok := a.h.Assignment()
	if !settled || !ok {
		return rest.ErrRebalanceInProgress
	}
	if asg.Leader() {
		return nil
	}
	return &rest.NotLeaderError{LeaderURL: asg.LeaderURL}
}

// asLeader runs write if this worker leads (see leader). A write fenced by
// a newer leader wrote nothing, and this worker no longer leads: rather
// than answer 500 as Java does, it waits for the rebalance that says who
// leads now and tries once more, here or forwarded. Retrying at once would
// claim the config topic back from the rightful leader.
func (a *API) asLeader(ctx context.Context, write func() error) error {
	for attempt := 0; ; attempt++ {
		if err := a.leader(ctx); err != nil {
			return err
		}
		gen := a.h.Generation()
		err := write()
		var pw *configstore.PrivilegedWriteError
		if attempt > 0 || !errors.As(err, &pw) || !pw.Fenced() {
			return err
		}
		wait, cancel := context.WithTimeout(ctx, rebalanceWait)
		next := a.h.awaitAssignment(wait, func(asg coordination.Assignment) bool { return asg.Generation != gen })
		cancel()
		if !next {
			return rest.ErrRebalanceInProgress
		}
	}
}

func (a *API) snapshot() configstore.Snapshot { return a.h.d.Configs.Snapshot() }

func (a *API) Connectors(context.Context) ([]string, error) { return a.snapshot().Connectors(), nil }

func (a *API) ConnectorInfo(_ context.Context, name string) (rest.ConnectorInfo, error) {
	snap := a.snapshot()
	conf, ok := snap.ConnectorConfig(name)
	if !ok {
		return rest.ConnectorInfo{}, notFound(name)
	}
	return a.info(snap, name, Plain(conf)), nil
}

func (a *API) info(snap configstore.Snapshot, name string, conf map[string]string) rest.ConnectorInfo {
	info := rest.ConnectorInfo{Name: name, Config: conf, Type: a.connectorType(conf)}
	for _, id := range snap.Tasks(name) {
		info.Tasks = append(info.Tasks, rest.ConnectorTaskID{Connector: name, Task: int(id.Task)})
	}
	return info
}

func (a *API) connectorType(conf map[string]string) rest.ConnectorType {
	p, ok := a.plugins.Lookup(conf["connector.class"], plugin.KindSource, plugin.KindSink)
	switch {
	case !ok:
		return rest.TypeUnknown
	case p.Kind == plugin.KindSource:
		return rest.TypeSource
	}
	return rest.TypeSink
}

func (a *API) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	conf, ok := a.snapshot().ConnectorConfig(name)
	if !ok {
		return nil, notFound(name)
	}
	return Plain(conf), nil
}

func (a *API) ConnectorStatus(_ context.Context, name string) (rest.ConnectorStateInfo, error) {
	snap := a.snapshot()
	st, ok := a.h.d.Statuses.Snapshot().Connector(name)
	if !ok {
		return rest.ConnectorStateInfo{}, &rest.NotFoundError{Message: "No status found for connector " + name}
	}
	conf, _ := snap.ConnectorConfig(name)
	out := rest.ConnectorStateInfo{
		Name:      name,
		Connector: rest.ConnectorState{State: st.State.String(), WorkerID: st.WorkerID, Trace: st.Trace, Version: st.Version},
		Type:      a.connectorType(Plain(conf)),
	}
	if target, _ := snap.TargetState(name); target == configstore.Stopped {
		return out, nil // a stopped connector shows no tasks
	}
	for _, ts := range a.h.d.Statuses.Snapshot().Tasks(name) {
		if ts.ID.Task < snap.TaskCount(name) {
			out.Tasks = append(out.Tasks, taskState(ts))
		}
	}
	sort.Slice(out.Tasks, func(i, j int) bool { return out.Tasks[i].ID < out.Tasks[j].ID })
	return out, nil
}

func taskState(ts statusstore.TaskStatus) rest.TaskState {
	return rest.TaskState{ID: int(ts.ID.Task), State: ts.Status.State.String(), WorkerID: ts.Status.WorkerID, Trace: ts.Status.Trace, Version: ts.Status.Version}
}

func (a *API) TaskConfigs(_ context.Context, name string) ([]rest.TaskInfo, error) {
	snap := a.snapshot()
	if !snap.Contains(name) {
		return nil, notFound(name)
	}
	var out []rest.TaskInfo
	for _, id := range snap.Tasks(name) {
		conf, _ := snap.TaskConfig(id)
		out = append(out, rest.TaskInfo{ID: rest.ConnectorTaskID{Connector: name, Task: int(id.Task)}, Config: Plain(conf)})
	}
	return out, nil
}

func (a *API) TaskStatus(_ context.Context, id rest.ConnectorTaskID) (rest.TaskState, error) {
	st, ok := a.h.d.Statuses.Snapshot().Task(statusstore.TaskID{Connector: id.Connector, Task: int32(id.Task)})
	if !ok {
		return rest.TaskState{}, &rest.NotFoundError{Message: fmt.Sprintf("No status found for task %s-%d", id.Connector, id.Task)}
	}
	return taskState(statusstore.TaskStatus{ID: statusstore.TaskID{Connector: id.Connector, Task: int32(id.Task)}, Status: st}), nil
}

// validate checks a config as Java does before writing it; an invalid one
// is Connect's 400 listing every error.
func (a *API) validate(conf map[string]string) error {
	res, err := connectorconfig.ValidateWith(a.plugins, conf, a.validator)
	if err != nil {
		return badRequest(err)
	}
	if res.ErrorCount > 0 {
		return rest.NewInvalidConfigError(toInfos(res))
	}
	return nil
}

func badRequest(err error) error {
	var req *connectorconfig.RequestError
	if errors.As(err, &req) {
		return &rest.BadRequestError{Message: req.Error()}
	}
	return err
}

func (a *API) PutConnectorConfig(ctx context.Context, name string, conf map[string]string, initial rest.TargetState, allowReplace bool) (rest.ConnectorInfo, bool, error) {
	if err := a.validate(conf); err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	var exists bool
	err := a.asLeader(ctx, func() error {
		if err := a.h.d.Configs.ReadToEnd(ctx); err != nil {
			return err
		}
		exists = a.snapshot().Contains(name)
		if exists && !allowReplace {
			return &rest.AlreadyExistsError{Message: "Connector " + name + " already exists"}
		}
		var target *configstore.TargetState
		if !exists && initial != "" {
			t, _ := configstore.ParseTargetState(string(initial))
			target = &t
		}
		return a.h.d.Configs.PutConnectorConfig(ctx, name, conf, target)
	})
	if err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	return a.info(a.snapshot(), name, conf), !exists, nil
}

func (a *API) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (rest.ConnectorInfo, error) {
	current, err := a.ConnectorConfig(ctx, name)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	for k, v := range patch {
		if v == nil {
			delete(current, k)
		} else {
			current[k] = *v
		}
	}
	info, _, err := a.PutConnectorConfig(ctx, name, current, "", true)
	return info, err
}

func (a *API) DeleteConnector(ctx context.Context, name string) error {
	return a.asLeader(ctx, func() error {
		if !a.snapshot().Contains(name) {
			return notFound(name)
		}
		return a.h.d.Configs.RemoveConnector(ctx, name)
	})
}

// Pause and resume may be written by any worker, as in Connect.
func (a *API) PauseConnector(ctx context.Context, name string) error {
	return a.setTarget(ctx, name, configstore.Paused)
}

func (a *API) ResumeConnector(ctx context.Context, name string) error {
	return a.setTarget(ctx, name, configstore.Started)
}

func (a *API) setTarget(ctx context.Context, name string, t configstore.TargetState) error {
	if !a.snapshot().Contains(name) {
		return notFound(name)
	}
	return a.h.d.Configs.PutTargetState(ctx, name, t)
}

// StopConnector empties the task configs, then writes STOPPED, so that no
// task of a stopped connector comes back (connect-spec §3.5).
func (a *API) StopConnector(ctx context.Context, name string) error {
	return a.asLeader(ctx, func() error {
		if !a.snapshot().Contains(name) {
			return notFound(name)
		}
		if err := a.h.d.Configs.PutTaskConfigs(ctx, name, nil); err != nil {
			return err
		}
		return a.h.d.Configs.PutTargetState(ctx, name, configstore.Stopped)
	})
}

func (a *API) RestartConnector(ctx context.Context, req rest.RestartRequest) (*rest.ConnectorStateInfo, error) {
	if !a.snapshot().Contains(req.Connector) {
		return nil, notFound(req.Connector)
	}
	if req.ConnectorOnly() {
		return nil, a.restartHere(req.Connector, -1)
	}
	var state rest.ConnectorStateInfo
	err := a.asLeader(ctx, func() error {
		var err error
		if state, err = a.ConnectorStatus(ctx, req.Connector); err != nil {
			return err
		}
		return a.h.d.Configs.PutRestartRequest(ctx, configstore.RestartRequest{
			Connector: req.Connector, OnlyFailed: req.OnlyFailed, IncludeTasks: req.IncludeTasks,
		})
	})
	if err != nil {
		return nil, err
	}
	if !req.OnlyFailed || state.Connector.State == statusstore.Failed.String() {
		state.Connector.State = statusstore.Restarting.String()
	}
	for i, t := range state.Tasks {
		if req.IncludeTasks && (!req.OnlyFailed || t.State == statusstore.Failed.String()) {
			state.Tasks[i].State = statusstore.Restarting.String()
		}
	}
	return &state, nil
}

func (a *API) RestartTask(_ context.Context, id rest.ConnectorTaskID) error {
	snap := a.snapshot()
	if !snap.Contains(id.Connector) || int32(id.Task) >= snap.TaskCount(id.Connector) || id.Task < 0 {
		return &rest.NotFoundError{Message: fmt.Sprintf("Task %s-%d not found", id.Connector, id.Task)}
	}
	return a.restartHere(id.Connector, int32(id.Task))
}

// restartHere restarts a connector (task -1) or task this worker runs, or
// points the request at the worker that runs it: the leader knows the
// owners; a follower sends it to the leader.
func (a *API) restartHere(connector string, task int32) error {
	asg, ok := a.h.Assignment()
	if !ok {
		return rest.ErrRebalanceInProgress
	}
	if runsHere(asg.Work, connector, task) {
		var ids []runtime.TaskID
		if task >= 0 {
			ids = append(ids, runtime.TaskID{Connector: connector, Task: task})
		}
		a.h.Restart(connector, task < 0, ids)
		return nil
	}
	if asg.Leader() && asg.Owners != nil {
		owner := asg.Owners.Connectors[connector]
		if task >= 0 {
			owner = asg.Owners.Tasks[wire.TaskID{Connector: connector, Task: task}]
		}
		if url := asg.Owners.URLs[owner]; url != "" {
			return &rest.NotLeaderError{LeaderURL: url}
		}
		return &rest.ConflictError{Message: "Cannot complete request because the connector or task is not assigned to any worker yet"}
	}
	return &rest.NotLeaderError{LeaderURL: asg.LeaderURL}
}

func runsHere(w wire.Work, connector string, task int32) bool {
	if task < 0 {
		return slices.Contains(w.Connectors, connector)
	}
	return slices.Contains(w.Tasks, wire.TaskID{Connector: connector, Task: task})
}

// ConnectorActiveTopics lists the topics recorded for the connector.
func (a *API) ConnectorActiveTopics(_ context.Context, name string) ([]string, error) {
	if !a.snapshot().Contains(name) {
		return nil, notFound(name)
	}
	var topics []string
	for _, t := range a.h.d.Statuses.Snapshot().Topics(name) {
		topics = append(topics, t.Topic)
	}
	slices.Sort(topics)
	return slices.Compact(topics), nil
}

func (a *API) ResetConnectorActiveTopics(_ context.Context, name string) error {
	if !a.snapshot().Contains(name) {
		return notFound(name)
	}
	for _, t := range a.h.d.Statuses.Snapshot().Topics(name) {
		a.h.d.Statuses.DeleteTopic(t.Topic, name)
	}
	return nil
}

// pluginOrder is Connect's order of kinds in GET /connector-plugins.
var pluginOrder = []plugin.Kind{plugin.KindSink, plugin.KindSource, plugin.KindTransformation, plugin.KindPredicate, plugin.KindConverter, plugin.KindHeaderConverter}

func (a *API) Plugins(context.Context) ([]rest.PluginInfo, error) {
	// Connectors this worker's settings do not enable are not offered.
	all := slices.DeleteFunc(slices.Clone(a.plugins.All()), func(p plugin.Plugin) bool { return a.plugins.Refused(p) != nil })
	slices.SortStableFunc(all, func(x, y plugin.Plugin) int {
		return cmp.Compare(slices.Index(pluginOrder, x.Kind), slices.Index(pluginOrder, y.Kind))
	})
	out := make([]rest.PluginInfo, 0, len(all))
	for _, p := range all {
		out = append(out, rest.PluginInfo{Class: p.Class, Type: string(p.Kind), Version: p.Version})
	}
	return out, nil
}

func (a *API) PluginConfig(_ context.Context, name string) ([]rest.ConfigKeyInfo, error) {
	keys, err := connectorconfig.PluginConfig(a.plugins, name)
	var nf *connectorconfig.NotFoundError
	if errors.As(err, &nf) {
		return nil, &rest.NotFoundError{Message: nf.Error()}
	}
	if err != nil {
		return nil, err
	}
	out := make([]rest.ConfigKeyInfo, len(keys))
	for i, k := range keys {
		out[i] = toKeyInfo(k)
	}
	return out, nil
}

func (a *API) ValidateConnectorConfig(_ context.Context, conf map[string]string) (rest.ConfigInfos, error) {
	res, err := connectorconfig.ValidateWith(a.plugins, conf, a.validator)
	if err != nil {
		return rest.ConfigInfos{}, badRequest(err)
	}
	return toInfos(res), nil
}

// PutTaskConfigs writes task configs a follower's connector generated.
func (a *API) PutTaskConfigs(ctx context.Context, connector string, configs []map[string]string) error {
	return a.asLeader(ctx, func() error {
		if !a.snapshot().Contains(connector) {
			return notFound(connector)
		}
		return a.h.d.Configs.PutTaskConfigs(ctx, connector, configs)
	})
}

func (a *API) SessionKey() []byte {
	if k, ok := a.snapshot().SessionKey(); ok {
		return k.Key
	}
	return nil
}

func (a *API) Sessioned() bool {
	asg, ok := a.h.Assignment()
	return ok && asg.Version == wire.V2
}

func (a *API) LeaderURL() string {
	asg, _ := a.h.Assignment()
	return asg.LeaderURL
}

func (a *API) WorkerURL() string { return a.workerURL }

func toInfos(r connectorconfig.Result) rest.ConfigInfos {
	out := rest.ConfigInfos{Name: r.Name, ErrorCount: r.ErrorCount, Groups: r.Groups}
	for _, c := range r.Configs {
		var ci rest.ConfigInfo
		if c.Definition != nil {
			k := toKeyInfo(*c.Definition)
			ci.Definition = &k
		}
		if c.Value != nil {
			v := rest.ConfigValueInfo(*c.Value)
			ci.Value = &v
		}
		out.Configs = append(out.Configs, ci)
	}
	return out
}

func toKeyInfo(k connectorconfig.ConfigKeyInfo) rest.ConfigKeyInfo {
	group := ""
	if k.Group != nil {
		group = *k.Group
	}
	return rest.ConfigKeyInfo{
		Name: k.Name, Type: k.Type, Required: k.Required, DefaultValue: k.DefaultValue, Importance: k.Importance,
		Documentation: k.Documentation, Group: group, Width: k.Width, DisplayName: k.DisplayName,
		Dependents: k.Dependents, Order: k.OrderInGroup,
	}
}
