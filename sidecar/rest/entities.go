package rest

import (
	"bytes"
	"encoding/json"
)

// The entities below are the JSON bodies of Connect's REST API. Field names
// and their order follow Java's classes in
// connect/runtime/.../rest/entities (Jackson writes creator parameters
// first, then the other annotated getters), so a client that compares
// bodies byte for byte sees no difference. Slices and maps that Java always
// writes as [] or {} are never written as null here either.

// ServerInfo is the body of GET /.
type ServerInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

// ConnectorType is "source", "sink" or "unknown", as Connect writes it.
type ConnectorType string

// Connector types.
const (
	TypeSource  ConnectorType = "source"
	TypeSink    ConnectorType = "sink"
	TypeUnknown ConnectorType = "unknown"
)

// ConnectorTaskID names one task: {"connector":"c","task":0}.
type ConnectorTaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// ConnectorInfo is a connector's config and task ids, the body of GET
// /connectors/{c} and of successful creates and updates.
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []ConnectorTaskID `json:"tasks"`
	Type   ConnectorType     `json:"type"`
}

// MarshalJSON writes nil config and tasks as {} and [].
func (c ConnectorInfo) MarshalJSON() ([]byte, error) {
	type plain ConnectorInfo
	p := plain(c)
	p.Config = orEmptyMap(p.Config)
	p.Tasks = orEmpty(p.Tasks)
	return marshal(p)
}

// Connector and task states, as the status topic and the REST API name
// them.
const (
	StateUnassigned = "UNASSIGNED"
	StateRunning    = "RUNNING"
	StatePaused     = "PAUSED"
	StateStopped    = "STOPPED"
	StateFailed     = "FAILED"
	StateRestarting = "RESTARTING"
)

// ConnectorState is the connector part of a ConnectorStateInfo. Trace and
// Version are left out when empty, as Java leaves them out.
type ConnectorState struct {
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
	Version  string `json:"version,omitempty"`
}

// TaskState is one task's status, the body of GET
// /connectors/{c}/tasks/{t}/status.
type TaskState struct {
	ID       int    `json:"id"`
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
	Version  string `json:"version,omitempty"`
}

// ConnectorStateInfo is the body of GET /connectors/{c}/status. Tasks are
// sorted by id; a STOPPED connector has none.
type ConnectorStateInfo struct {
	Name      string         `json:"name"`
	Connector ConnectorState `json:"connector"`
	Tasks     []TaskState    `json:"tasks"`
	Type      ConnectorType  `json:"type"`
}

// MarshalJSON writes nil tasks as [].
func (c ConnectorStateInfo) MarshalJSON() ([]byte, error) {
	type plain ConnectorStateInfo
	p := plain(c)
	p.Tasks = orEmpty(p.Tasks)
	return marshal(p)
}

// TaskInfo is one element of GET /connectors/{c}/tasks.
type TaskInfo struct {
	ID     ConnectorTaskID   `json:"id"`
	Config map[string]string `json:"config"`
}

// MarshalJSON writes a nil config as {}.
func (t TaskInfo) MarshalJSON() ([]byte, error) {
	type plain TaskInfo
	p := plain(t)
	p.Config = orEmptyMap(p.Config)
	return marshal(p)
}

// ConfigInfos is the result of validating a connector config: the body of
// PUT /connector-plugins/{p}/config/validate. Name is the connector class.
type ConfigInfos struct {
	Name       string       `json:"name"`
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []ConfigInfo `json:"configs"`
}

// MarshalJSON writes nil groups and configs as [].
func (c ConfigInfos) MarshalJSON() ([]byte, error) {
	type plain ConfigInfos
	p := plain(c)
	p.Groups = orEmpty(p.Groups)
	p.Configs = orEmpty(p.Configs)
	return marshal(p)
}

// ConfigInfo pairs a setting's definition with its validated value; either
// may be null (a value without a definition is a setting the plugin does
// not know).
type ConfigInfo struct {
	Definition *ConfigKeyInfo   `json:"definition"`
	Value      *ConfigValueInfo `json:"value"`
}

// ConfigKeyInfo describes one setting, as GET
// /connector-plugins/{p}/config lists them. DefaultValue is null for a
// setting without a default. Documentation and Group are written as null
// when empty, as Java writes a ConfigDef key defined without them. Java
// writes the order as "order_in_group", right after the group (Kafka 4.3;
// 4.0 wrote "order", last).
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation" nullable:"true"`
	Group         string   `json:"group" nullable:"true"`
	Order         int      `json:"order_in_group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
}

// MarshalJSON writes empty documentation and group as null and nil
// dependents as [].
func (k ConfigKeyInfo) MarshalJSON() ([]byte, error) {
	return marshal(struct {
		Name          string   `json:"name"`
		Type          string   `json:"type"`
		Required      bool     `json:"required"`
		DefaultValue  *string  `json:"default_value"`
		Importance    string   `json:"importance"`
		Documentation *string  `json:"documentation"`
		Group         *string  `json:"group"`
		Order         int      `json:"order_in_group"`
		Width         string   `json:"width"`
		DisplayName   string   `json:"display_name"`
		Dependents    []string `json:"dependents"`
	}{k.Name, k.Type, k.Required, k.DefaultValue, k.Importance, nullIfEmpty(k.Documentation),
		nullIfEmpty(k.Group), k.Order, k.Width, k.DisplayName, orEmpty(k.Dependents)})
}

// ConfigValueInfo is a setting's value after validation, with the values a
// UI may offer and the errors found. Value is null when the setting was not
// given and has no default.
type ConfigValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// MarshalJSON writes nil recommended values and errors as [].
func (v ConfigValueInfo) MarshalJSON() ([]byte, error) {
	type plain ConfigValueInfo
	p := plain(v)
	p.RecommendedValues = orEmpty(p.RecommendedValues)
	p.Errors = orEmpty(p.Errors)
	return marshal(p)
}

// Plugin types, as GET /connector-plugins writes them.
const (
	PluginSink            = "sink"
	PluginSource          = "source"
	PluginConverter       = "converter"
	PluginHeaderConverter = "header_converter"
	PluginTransformation  = "transformation"
	PluginPredicate       = "predicate"
)

// PluginInfo is one element of GET /connector-plugins. Version is left
// out when empty or "undefined", as Java leaves it out.
type PluginInfo struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

// MarshalJSON leaves out the "undefined" version.
func (p PluginInfo) MarshalJSON() ([]byte, error) {
	type plain PluginInfo
	q := plain(p)
	if q.Version == "undefined" {
		q.Version = ""
	}
	return marshal(q)
}

// LoggerLevel is a logger's level and when it was last set through the API
// (Unix milliseconds), null if never.
type LoggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// ConnectorOffset is one partition and its offset. Values are JSON values
// as decoded with json.Decoder.UseNumber: numbers stay json.Number so that
// 64-bit offsets keep every digit. Offset is nil (JSON null) in an alter
// request to reset that partition.
type ConnectorOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset" nullable:"true"`
}

// ConnectorOffsets is the body of GET and PATCH /connectors/{c}/offsets.
// For sinks a partition is {"kafka_topic":t,"kafka_partition":p} and an
// offset {"kafka_offset":o}; for sources both are what the connector
// stored.
type ConnectorOffsets struct {
	Offsets []ConnectorOffset `json:"offsets"`
}

// MarshalJSON writes nil offsets as [].
func (o ConnectorOffsets) MarshalJSON() ([]byte, error) {
	type plain ConnectorOffsets
	p := plain(o)
	p.Offsets = orEmpty(p.Offsets)
	return marshal(p)
}

// Message is a body that only says something: the answer to altering or
// resetting offsets.
type Message struct {
	Message string `json:"message"`
}

// The messages Connect answers offset changes with.
const (
	OffsetsAltered = "The offsets for this connector have been altered successfully"
	OffsetsReset   = "The offsets for this connector have been reset successfully"
)

// CreateConnectorRequest is the body of POST /connectors. InitialState is
// RUNNING, PAUSED or STOPPED, in any case, or empty.
type CreateConnectorRequest struct {
	Name         string            `json:"name"`
	Config       map[string]string `json:"config"`
	InitialState string            `json:"initial_state,omitempty"`
}

// ActiveTopicsInfo is the value under the connector's name in GET
// /connectors/{c}/topics.
type ActiveTopicsInfo struct {
	Topics []string `json:"topics"`
}

// MarshalJSON writes nil topics as [].
func (a ActiveTopicsInfo) MarshalJSON() ([]byte, error) {
	type plain ActiveTopicsInfo
	p := plain(a)
	p.Topics = orEmpty(p.Topics)
	return marshal(p)
}

// ErrorMessage is Connect's error body. ErrorCode is the HTTP status,
// except on errors passed back from a forwarded request, which keep the
// remote side's code.
type ErrorMessage struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// ConnectorExpansion is the value under a connector's name in GET
// /connectors?expand=…: only the expansions asked for are present.
type ConnectorExpansion struct {
	Status *ConnectorStateInfo `json:"status,omitempty"`
	Info   *ConnectorInfo      `json:"info,omitempty"`
}

// TargetState is the state a connector is asked to be in.
type TargetState string

// Target states. The zero value means "not given".
const (
	TargetStarted TargetState = "STARTED"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// RestartRequest asks to restart a connector and maybe its tasks
// (KIP-745).
type RestartRequest struct {
	Connector    string
	OnlyFailed   bool
	IncludeTasks bool
}

// ConnectorOnly reports whether only the connector instance restarts, the
// behaviour before KIP-745: answered with 204 and no body.
func (r RestartRequest) ConnectorOnly() bool { return !r.OnlyFailed && !r.IncludeTasks }

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orEmptyMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// marshal is json.Marshal without HTML escaping, as Jackson writes '<', '>'
// and '&' as they are.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
