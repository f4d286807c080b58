package rest

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

var _ Herder = (*fakeHerder)(nil)

// fakeHerder is an in-memory herder: a map of connectors with their
// configs, target states and task configs. It records every call so that
// tests can check that bad input never reaches it, and can be told to
// fail any method or to answer writes with NotLeaderError.
type fakeHerder struct {
	mu         sync.Mutex
	calls      []string
	connectors map[string]*fakeConnector
	loggers    map[string]LoggerLevel
	// errs makes a method return an error, by method name.
	errs map[string]error
	// notLeader makes leader-only and owner operations answer
	// NotLeaderError{LeaderURL: leader}.
	notLeader bool
	leader    string
	self      string
	sessioned bool
	key       []byte
	// Received by the internal endpoints.
	taskConfigs map[string][]map[string]string
	fenced      []string
	offsets     map[string][]ConnectorOffset
}

type fakeConnector struct {
	config map[string]string
	target TargetState
	tasks  []map[string]string
}

func newFakeHerder() *fakeHerder {
	return &fakeHerder{
		connectors: map[string]*fakeConnector{
			"local-file-source": {
				config: map[string]string{
					"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "name": "local-file-source",
					"tasks.max": "1", "topic": "lines",
				},
				target: TargetStarted,
				tasks:  []map[string]string{{"file": "/tmp/in.txt", "task.class": "org.apache.kafka.connect.file.FileStreamSourceTask", "topic": "lines"}},
			},
			"local-file-sink": {
				config: map[string]string{
					"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "file": "/tmp/out.txt",
					"name": "local-file-sink", "tasks.max": "2", "topics": "lines",
				},
				target: TargetStarted,
				tasks: []map[string]string{
					{"file": "/tmp/out.txt", "task.class": "org.apache.kafka.connect.file.FileStreamSinkTask", "topics": "lines"},
					{"file": "/tmp/out.txt", "task.class": "org.apache.kafka.connect.file.FileStreamSinkTask", "topics": "lines"},
				},
			},
		},
		loggers: map[string]LoggerLevel{
			"org.apache.kafka.connect": {Level: "INFO", LastModified: nil},
			"root":                     {Level: "INFO", LastModified: ptr(int64(1718000000000))},
		},
		self:        "http://worker-1:8083/",
		taskConfigs: map[string][]map[string]string{},
		offsets:     map[string][]ConnectorOffset{},
	}
}

// call records a call and returns the injected error, if any.
func (f *fakeHerder) call(name string) error {
	f.calls = append(f.calls, name)
	return f.errs[name]
}

func (f *fakeHerder) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeHerder) notLeaderErr() error {
	if f.notLeader {
		return &NotLeaderError{LeaderURL: f.leader, Message: "Only the leader can do this."}
	}
	return nil
}

func (f *fakeHerder) get(name string) (*fakeConnector, error) {
	c, ok := f.connectors[name]
	if !ok {
		return nil, &NotFoundError{Message: "Connector " + name + " not found"}
	}
	return c, nil
}

func typeOfConfig(conf map[string]string) ConnectorType {
	switch cls := conf["connector.class"]; {
	case strings.Contains(cls, "Sink"):
		return TypeSink
	case strings.Contains(cls, "Source"):
		return TypeSource
	}
	return TypeUnknown
}

func (f *fakeHerder) info(name string, c *fakeConnector) ConnectorInfo {
	info := ConnectorInfo{Name: name, Config: maps.Clone(c.config), Type: typeOfConfig(c.config)}
	for i := range c.tasks {
		info.Tasks = append(info.Tasks, ConnectorTaskID{Connector: name, Task: i})
	}
	return info
}

func (f *fakeHerder) status(name string, c *fakeConnector) ConnectorStateInfo {
	st := ConnectorStateInfo{Name: name, Type: typeOfConfig(c.config),
		Connector: ConnectorState{State: StateRunning, WorkerID: "worker-1:8083"}}
	switch c.target {
	case TargetPaused:
		st.Connector.State = StatePaused
	case TargetStopped:
		st.Connector.State = StateStopped
		return st
	}
	for i := range c.tasks {
		ts := TaskState{ID: i, State: st.Connector.State, WorkerID: "worker-1:8083"}
		if i == 1 {
			ts.State, ts.WorkerID = StateFailed, "worker-2:8083"
			ts.Trace = "org.apache.kafka.connect.errors.ConnectException: disk full\n\tat FileStreamSinkTask.put"
		}
		st.Tasks = append(st.Tasks, ts)
	}
	return st
}

func (f *fakeHerder) Connectors(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Connectors"); err != nil {
		return nil, err
	}
	names := slices.Collect(maps.Keys(f.connectors))
	sort.Strings(names)
	return names, nil
}

func (f *fakeHerder) ConnectorInfo(_ context.Context, name string) (ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ConnectorInfo"); err != nil {
		return ConnectorInfo{}, err
	}
	c, err := f.get(name)
	if err != nil {
		return ConnectorInfo{}, err
	}
	return f.info(name, c), nil
}

func (f *fakeHerder) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ConnectorConfig"); err != nil {
		return nil, err
	}
	c, err := f.get(name)
	if err != nil {
		return nil, err
	}
	return maps.Clone(c.config), nil
}

func (f *fakeHerder) ConnectorStatus(_ context.Context, name string) (ConnectorStateInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ConnectorStatus"); err != nil {
		return ConnectorStateInfo{}, err
	}
	c, err := f.get(name)
	if err != nil {
		return ConnectorStateInfo{}, &NotFoundError{Message: "No status found for connector " + name}
	}
	return f.status(name, c), nil
}

func (f *fakeHerder) TaskConfigs(_ context.Context, name string) ([]TaskInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("TaskConfigs"); err != nil {
		return nil, err
	}
	c, err := f.get(name)
	if err != nil {
		return nil, err
	}
	var out []TaskInfo
	for i, t := range c.tasks {
		out = append(out, TaskInfo{ID: ConnectorTaskID{Connector: name, Task: i}, Config: maps.Clone(t)})
	}
	return out, nil
}

func (f *fakeHerder) TaskStatus(_ context.Context, id ConnectorTaskID) (TaskState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("TaskStatus"); err != nil {
		return TaskState{}, err
	}
	c, err := f.get(id.Connector)
	if err != nil || id.Task >= len(c.tasks) || c.target == TargetStopped {
		return TaskState{}, &NotFoundError{Message: "No status found for task " + id.Connector + "-" + strconv.Itoa(id.Task)}
	}
	return f.status(id.Connector, c).Tasks[id.Task], nil
}

func (f *fakeHerder) PutConnectorConfig(_ context.Context, name string, config map[string]string, initial TargetState, allowReplace bool) (ConnectorInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PutConnectorConfig"); err != nil {
		return ConnectorInfo{}, false, err
	}
	if err := f.notLeaderErr(); err != nil {
		return ConnectorInfo{}, false, err
	}
	c, exists := f.connectors[name]
	if exists && !allowReplace {
		return ConnectorInfo{}, false, &AlreadyExistsError{Message: "Connector " + name + " already exists"}
	}
	if config["connector.class"] == "" {
		return ConnectorInfo{}, false, NewInvalidConfigError(ConfigInfos{Name: "", ErrorCount: 1, Configs: []ConfigInfo{
			{Value: &ConfigValueInfo{Name: "connector.class", Errors: []string{`Missing required configuration "connector.class" which has no default value.`}}},
		}})
	}
	if !exists {
		if initial == "" {
			initial = TargetStarted
		}
		c = &fakeConnector{target: initial}
		if initial != TargetStopped {
			c.tasks = []map[string]string{{"task.class": "Task"}}
		}
		f.connectors[name] = c
	}
	c.config = config
	return f.info(name, c), !exists, nil
}

func (f *fakeHerder) PatchConnectorConfig(_ context.Context, name string, patch map[string]*string) (ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PatchConnectorConfig"); err != nil {
		return ConnectorInfo{}, err
	}
	if err := f.notLeaderErr(); err != nil {
		return ConnectorInfo{}, err
	}
	c, err := f.get(name)
	if err != nil {
		return ConnectorInfo{}, err
	}
	for k, v := range patch {
		if v == nil {
			delete(c.config, k)
		} else {
			c.config[k] = *v
		}
	}
	return f.info(name, c), nil
}

// write is the shape of the simple leader-only writes.
func (f *fakeHerder) write(method, name string, leaderOnly bool, do func(*fakeConnector)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(method); err != nil {
		return err
	}
	if leaderOnly {
		if err := f.notLeaderErr(); err != nil {
			return err
		}
	}
	c, err := f.get(name)
	if err != nil {
		return err
	}
	do(c)
	return nil
}

func (f *fakeHerder) DeleteConnector(_ context.Context, name string) error {
	return f.write("DeleteConnector", name, true, func(*fakeConnector) { delete(f.connectors, name) })
}

func (f *fakeHerder) PauseConnector(_ context.Context, name string) error {
	return f.write("PauseConnector", name, false, func(c *fakeConnector) { c.target = TargetPaused })
}

func (f *fakeHerder) ResumeConnector(_ context.Context, name string) error {
	return f.write("ResumeConnector", name, false, func(c *fakeConnector) { c.target = TargetStarted })
}

func (f *fakeHerder) StopConnector(_ context.Context, name string) error {
	return f.write("StopConnector", name, true, func(c *fakeConnector) { c.target, c.tasks = TargetStopped, nil })
}

func (f *fakeHerder) RestartConnector(_ context.Context, req RestartRequest) (*ConnectorStateInfo, error) {
	var st *ConnectorStateInfo
	err := f.write("RestartConnector", req.Connector, true, func(c *fakeConnector) {
		if req.ConnectorOnly() {
			return
		}
		s := f.status(req.Connector, c)
		if !req.OnlyFailed || s.Connector.State == StateFailed {
			s.Connector.State = StateRestarting
		}
		for i := range s.Tasks {
			if req.IncludeTasks && (!req.OnlyFailed || s.Tasks[i].State == StateFailed) {
				s.Tasks[i].State = StateRestarting
			}
		}
		st = &s
	})
	return st, err
}

func (f *fakeHerder) RestartTask(_ context.Context, id ConnectorTaskID) error {
	return f.write("RestartTask", id.Connector, true, func(*fakeConnector) {})
}

func (f *fakeHerder) ConnectorActiveTopics(_ context.Context, name string) ([]string, error) {
	var topics []string
	err := f.write("ConnectorActiveTopics", name, false, func(c *fakeConnector) {
		topics = []string{c.config["topic"] + c.config["topics"]}
	})
	return topics, err
}

func (f *fakeHerder) ResetConnectorActiveTopics(_ context.Context, name string) error {
	return f.write("ResetConnectorActiveTopics", name, false, func(*fakeConnector) {})
}

func (f *fakeHerder) ConnectorOffsets(_ context.Context, name string) (ConnectorOffsets, error) {
	var out ConnectorOffsets
	err := f.write("ConnectorOffsets", name, false, func(c *fakeConnector) {
		if typeOfConfig(c.config) == TypeSink {
			out.Offsets = []ConnectorOffset{{
				Partition: map[string]any{"kafka_topic": "lines", "kafka_partition": 0},
				Offset:    map[string]any{"kafka_offset": 9007199254740993},
			}}
			return
		}
		out.Offsets = []ConnectorOffset{{
			Partition: map[string]any{"filename": "/tmp/in.txt"},
			Offset:    map[string]any{"position": 1234},
		}}
	})
	return out, err
}

func (f *fakeHerder) AlterConnectorOffsets(_ context.Context, name string, offsets []ConnectorOffset) (Message, error) {
	err := f.write("AlterConnectorOffsets", name, true, func(*fakeConnector) { f.offsets[name] = offsets })
	return Message{Message: OffsetsAltered}, err
}

func (f *fakeHerder) ResetConnectorOffsets(_ context.Context, name string) (Message, error) {
	err := f.write("ResetConnectorOffsets", name, true, func(*fakeConnector) { delete(f.offsets, name) })
	return Message{Message: OffsetsReset}, err
}

func (f *fakeHerder) Plugins(context.Context) ([]PluginInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Plugins"); err != nil {
		return nil, err
	}
	return []PluginInfo{
		{Class: "org.apache.kafka.connect.file.FileStreamSinkConnector", Type: PluginSink, Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Type: PluginSource, Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.transforms.Cast$Value", Type: PluginTransformation, Version: "undefined"},
		{Class: "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", Type: PluginPredicate},
		{Class: "org.apache.kafka.connect.json.JsonConverter", Type: PluginConverter, Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.storage.SimpleHeaderConverter", Type: PluginHeaderConverter},
	}, nil
}

func (f *fakeHerder) PluginConfig(_ context.Context, plugin string) ([]ConfigKeyInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PluginConfig"); err != nil {
		return nil, err
	}
	if plugin != "FileStreamSource" && plugin != "org.apache.kafka.connect.file.FileStreamSourceConnector" {
		return nil, &NotFoundError{Message: "Unknown plugin " + plugin + "."}
	}
	return []ConfigKeyInfo{
		{Name: "file", Type: "STRING", DefaultValue: nil, Importance: "HIGH",
			Documentation: "Source filename. If not specified, the standard input will be used", Width: "NONE", DisplayName: "file", Order: -1},
		{Name: "batch.size", Type: "INT", DefaultValue: ptr("2000"), Importance: "LOW",
			Documentation: "The maximum number of records the source task can read from the file each time it is polled", Width: "NONE", DisplayName: "batch.size", Order: -1},
	}, nil
}

func (f *fakeHerder) ValidateConnectorConfig(_ context.Context, config map[string]string) (ConfigInfos, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ValidateConnectorConfig"); err != nil {
		return ConfigInfos{}, err
	}
	name := ptrOrNil(config, "name")
	infos := ConfigInfos{Name: config["connector.class"], Groups: []string{"Common"}}
	ci := ConfigInfo{
		Definition: &ConfigKeyInfo{Name: "name", Type: "STRING", Required: true, Importance: "HIGH",
			Documentation: "Globally unique name to use for this connector.", Group: "Common", Width: "MEDIUM", DisplayName: "Connector name", Order: 1},
		Value: &ConfigValueInfo{Name: "name", Value: name, Visible: true},
	}
	if name == nil {
		ci.Value.Errors = []string{`Missing required configuration "name" which has no default value.`}
		infos.ErrorCount++
	}
	infos.Configs = append(infos.Configs, ci)
	return infos, nil
}

func ptrOrNil(m map[string]string, k string) *string {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func (f *fakeHerder) LoggerLevels(context.Context) (map[string]LoggerLevel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("LoggerLevels"); err != nil {
		return nil, err
	}
	return maps.Clone(f.loggers), nil
}

func (f *fakeHerder) LoggerLevel(_ context.Context, name string) (*LoggerLevel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("LoggerLevel"); err != nil {
		return nil, err
	}
	l, ok := f.loggers[name]
	if !ok {
		return nil, nil
	}
	return &l, nil
}

func (f *fakeHerder) SetWorkerLoggerLevel(_ context.Context, namespace, level string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("SetWorkerLoggerLevel"); err != nil {
		return nil, err
	}
	f.loggers[namespace] = LoggerLevel{Level: level, LastModified: ptr(int64(1718000001000))}
	return []string{namespace, namespace + ".file"}, nil
}

func (f *fakeHerder) SetClusterLoggerLevel(_ context.Context, namespace, level string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.call("SetClusterLoggerLevel")
}

func (f *fakeHerder) PutTaskConfigs(_ context.Context, connector string, configs []map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PutTaskConfigs"); err != nil {
		return err
	}
	if err := f.notLeaderErr(); err != nil {
		return err
	}
	if _, err := f.get(connector); err != nil {
		return err
	}
	f.taskConfigs[connector] = configs
	return nil
}

func (f *fakeHerder) FenceZombies(_ context.Context, connector string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("FenceZombies"); err != nil {
		return err
	}
	if err := f.notLeaderErr(); err != nil {
		return err
	}
	f.fenced = append(f.fenced, connector)
	return nil
}

func (f *fakeHerder) SessionKey() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.key
}

func (f *fakeHerder) Sessioned() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessioned
}

func (f *fakeHerder) LeaderURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leader
}

func (f *fakeHerder) WorkerURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.self
}
