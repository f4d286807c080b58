package rest

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

// access says who may call a route.
type access int

const (
	// open routes (probes) never ask for credentials.
	open access = iota
	// public routes ask for credentials when authentication is on.
	public
	// admin routes are public routes that may be limited to loopback
	// clients.
	admin
	// internal routes are for other workers: no credentials, but a
	// signature when the group is sessioned.
	internal
)

// route is one endpoint: how to match it, how to serve it, and how the
// OpenAPI document describes it. The table in routes() is the only place
// endpoints are declared, so the document cannot miss one.
type route struct {
	method string
	path   string // e.g. /connectors/{connector}/status
	segs   []string
	access access
	// forward marks the endpoints Connect forwards to the leader or owner
	// (HerderRequestHandler.completeOrForwardRequest): they take the hidden
	// "forward" parameter, and a rebalance in progress is 409 there.
	forward bool
	// status is the success status.
	status int
	handle func(*Server, *call)
	doc    op
}

// op documents a route for OpenAPI.
type op struct {
	id      string
	summary string
	query   []param
	// body is the request body's schema, nil for none.
	body schema
	// resp is the Go type of the success body (nil for none), or respSchema
	// an explicit schema.
	resp       reflect.Type
	respSchema schema
	// more documents other statuses the route answers with besides errors:
	// a nil schema is a response without a body.
	more map[int]schema
	tag  string
}

// param is a documented query parameter.
type param struct {
	name, desc string
	schema     schema
}

func (r *route) consumesJSON() bool {
	switch r.method {
	case http.MethodPut, http.MethodPost, http.MethodPatch:
		return r.access != internal
	}
	return false
}

// writes reports whether the route changes connectors, offsets or logger
// levels for a client. Internal routes are other workers' and stay open
// while the worker stops, so the group's leader keeps taking task configs
// until it has left.
func (r *route) writes() bool {
	return r.method != http.MethodGet && (r.access == public || r.access == admin) &&
		!strings.HasSuffix(r.path, "/config/validate")
}

func (r *route) usesHerder() bool {
	return strings.HasPrefix(r.path, "/connectors") || strings.HasPrefix(r.path, "/connector-plugins") ||
		strings.HasPrefix(r.path, "/admin")
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// routes is the API. Routes with literal segments come before routes with
// parameters in the same position.
func routes() []*route {
	boolParam := func(name, desc string, def bool) param {
		return param{name: name, desc: desc, schema: schema{"type": "boolean", "default": def}}
	}
	rs := []*route{
		{method: "GET", path: "/", access: public, status: 200, handle: (*Server).root,
			doc: op{id: "serverInfo", tag: "worker", summary: "Get the worker's version and the id of the Kafka cluster it is connected to", resp: typeOf[ServerInfo]()}},
		{method: "GET", path: health.HealthPath, access: open, status: 200, handle: (*Server).healthCheck,
			doc: op{id: "healthCheck", tag: "worker", summary: "Check whether the worker has started and can handle requests (200 healthy, 503 starting, 500 unhealthy)", resp: typeOf[health.Status](),
				more: map[int]schema{500: ref("HealthStatus"), 503: ref("HealthStatus")}}},
		{method: "GET", path: health.LivePath, access: open, status: 200, handle: (*Server).probe,
			doc: op{id: "live", tag: "worker", summary: "Liveness probe: 200 unless the process is wedged", respSchema: schema{"type": "object"},
				more: map[int]schema{503: {"type": "object"}}}},
		{method: "GET", path: health.ReadyPath, access: open, status: 200, handle: (*Server).probe,
			doc: op{id: "ready", tag: "worker", summary: "Readiness probe: 200 once startup has completed, else 503", respSchema: schema{"type": "object"},
				more: map[int]schema{503: {"type": "object"}}}},
		{method: "GET", path: "/openapi.json", access: public, status: 200, handle: (*Server).openAPI,
			doc: op{id: "openAPI", tag: "worker", summary: "This OpenAPI document", respSchema: schema{"type": "object"}}},

		{method: "GET", path: "/connectors", access: public, status: 200, handle: (*Server).listConnectors,
			doc: op{id: "listConnectors", tag: "connectors", summary: "List connectors; with expand, a map from name to the expansions asked for",
				query: []param{{name: "expand", desc: "status and/or info; repeat the parameter for both; other values are ignored",
					schema: schema{"type": "array", "items": schema{"type": "string"}}}},
				respSchema: schema{"oneOf": []schema{
					{"type": "array", "items": schema{"type": "string"}},
					{"type": "object", "additionalProperties": ref("ConnectorExpansion")},
				}}}},
		{method: "POST", path: "/connectors", access: public, forward: true, status: 201, handle: (*Server).createConnector,
			doc: op{id: "createConnector", tag: "connectors", summary: "Create a connector; answered with its info and a Location header",
				body: ref("CreateConnectorRequest"), resp: typeOf[ConnectorInfo]()}},
		{method: "GET", path: "/connectors/{connector}", access: public, status: 200, handle: (*Server).connectorInfo,
			doc: op{id: "getConnector", tag: "connectors", summary: "Get a connector's config and tasks", resp: typeOf[ConnectorInfo]()}},
		{method: "DELETE", path: "/connectors/{connector}", access: public, forward: true, status: 204, handle: (*Server).deleteConnector,
			doc: op{id: "deleteConnector", tag: "connectors", summary: "Delete a connector"}},
		{method: "GET", path: "/connectors/{connector}/config", access: public, status: 200, handle: (*Server).connectorConfig,
			doc: op{id: "getConnectorConfig", tag: "connectors", summary: "Get a connector's config as written", resp: typeOf[map[string]string]()}},
		{method: "PUT", path: "/connectors/{connector}/config", access: public, forward: true, status: 200, handle: (*Server).putConnectorConfig,
			doc: op{id: "putConnectorConfig", tag: "connectors", summary: "Create (201) or update (200) a connector",
				body: configBodySchema(false), resp: typeOf[ConnectorInfo](), more: map[int]schema{201: ref("ConnectorInfo")}}},
		{method: "PATCH", path: "/connectors/{connector}/config", access: public, forward: true, status: 200, handle: (*Server).patchConnectorConfig,
			doc: op{id: "patchConnectorConfig", tag: "connectors", summary: "Change some settings of a connector; a null value removes the setting",
				body: configBodySchema(true), resp: typeOf[ConnectorInfo]()}},
		{method: "GET", path: "/connectors/{connector}/status", access: public, status: 200, handle: (*Server).connectorStatus,
			doc: op{id: "getConnectorStatus", tag: "connectors", summary: "Get the state of a connector and its tasks", resp: typeOf[ConnectorStateInfo]()}},
		{method: "POST", path: "/connectors/{connector}/restart", access: public, forward: true, status: 202, handle: (*Server).restartConnector,
			doc: op{id: "restartConnector", tag: "connectors", summary: "Restart a connector: 204 when only the connector instance restarts, else 202 with the parts to restart shown as RESTARTING",
				query: []param{boolParam("includeTasks", "Whether to also restart tasks", false), boolParam("onlyFailed", "Whether to only restart failed tasks/connectors", false)},
				resp:  typeOf[ConnectorStateInfo](), more: map[int]schema{204: nil}}},
		{method: "PUT", path: "/connectors/{connector}/pause", access: public, forward: true, status: 202, handle: (*Server).pauseConnector,
			doc: op{id: "pauseConnector", tag: "connectors", summary: "Pause a connector and its tasks; idempotent"}},
		{method: "PUT", path: "/connectors/{connector}/resume", access: public, forward: true, status: 202, handle: (*Server).resumeConnector,
			doc: op{id: "resumeConnector", tag: "connectors", summary: "Resume a paused or stopped connector; idempotent"}},
		{method: "PUT", path: "/connectors/{connector}/stop", access: public, forward: true, status: 204, handle: (*Server).stopConnector,
			doc: op{id: "stopConnector", tag: "connectors", summary: "Stop a connector and remove its tasks; idempotent"}},
		{method: "GET", path: "/connectors/{connector}/tasks", access: public, status: 200, handle: (*Server).taskConfigs,
			doc: op{id: "getTaskConfigs", tag: "connectors", summary: "List a connector's tasks and their configs", resp: typeOf[[]TaskInfo]()}},
		{method: "POST", path: "/connectors/{connector}/tasks", access: internal, forward: true, status: 204, handle: (*Server).putTaskConfigs},
		{method: "PUT", path: "/connectors/{connector}/fence", access: internal, forward: true, status: 204, handle: (*Server).fenceZombies},
		{method: "GET", path: "/connectors/{connector}/tasks/{task}/status", access: public, status: 200, handle: (*Server).taskStatus,
			doc: op{id: "getTaskStatus", tag: "connectors", summary: "Get the state of one task", resp: typeOf[TaskState]()}},
		{method: "POST", path: "/connectors/{connector}/tasks/{task}/restart", access: public, forward: true, status: 204, handle: (*Server).restartTask,
			doc: op{id: "restartTask", tag: "connectors", summary: "Restart one task"}},
		{method: "GET", path: "/connectors/{connector}/topics", access: public, status: 200, handle: (*Server).activeTopics,
			doc: op{id: "getConnectorActiveTopics", tag: "connectors", summary: "List the topics a connector has used since the last reset",
				respSchema: schema{"type": "object", "additionalProperties": ref("ActiveTopicsInfo")}}},
		{method: "PUT", path: "/connectors/{connector}/topics/reset", access: public, status: 202, handle: (*Server).resetActiveTopics,
			doc: op{id: "resetConnectorActiveTopics", tag: "connectors", summary: "Forget the topics a connector has used"}},
		{method: "GET", path: "/connectors/{connector}/offsets", access: public, status: 200, handle: (*Server).connectorOffsets,
			doc: op{id: "getOffsets", tag: "connectors", summary: "Get a connector's offsets", resp: typeOf[ConnectorOffsets]()}},
		{method: "PATCH", path: "/connectors/{connector}/offsets", access: public, forward: true, status: 200, handle: (*Server).alterOffsets,
			doc: op{id: "alterConnectorOffsets", tag: "connectors", summary: "Alter a stopped connector's offsets; a null offset resets that partition",
				body: alterOffsetsSchema(), resp: typeOf[Message]()}},
		{method: "DELETE", path: "/connectors/{connector}/offsets", access: public, forward: true, status: 200, handle: (*Server).resetOffsets,
			doc: op{id: "resetConnectorOffsets", tag: "connectors", summary: "Reset a stopped connector's offsets", resp: typeOf[Message]()}},

		{method: "GET", path: "/connector-plugins", access: public, status: 200, handle: (*Server).listPlugins,
			doc: op{id: "listConnectorPlugins", tag: "plugins", summary: "List the connector plugins, or with connectorsOnly=false every plugin",
				query: []param{boolParam("connectorsOnly", "Whether to list only connectors instead of all plugins", true)},
				resp:  typeOf[[]PluginInfo]()}},
		{method: "GET", path: "/connector-plugins/{plugin}/config", access: public, status: 200, handle: (*Server).pluginConfig,
			doc: op{id: "getConnectorConfigDef", tag: "plugins", summary: "Get a plugin's config definition", resp: typeOf[[]ConfigKeyInfo]()}},
		{method: "PUT", path: "/connector-plugins/{plugin}/config/validate", access: public, status: 200, handle: (*Server).validateConfig,
			doc: op{id: "validateConfigs", tag: "plugins", summary: "Validate a connector config against the plugin's definition",
				body: configBodySchema(false), resp: typeOf[ConfigInfos]()}},

		{method: "GET", path: "/admin/loggers", access: admin, status: 200, handle: (*Server).listLoggers,
			doc: op{id: "listLoggers", tag: "admin", summary: "List the loggers whose level was set, with their levels", resp: typeOf[map[string]LoggerLevel]()}},
		{method: "GET", path: "/admin/loggers/{logger}", access: admin, status: 200, handle: (*Server).getLogger,
			doc: op{id: "getLogger", tag: "admin", summary: "Get a logger's level", resp: typeOf[LoggerLevel]()}},
		{method: "PUT", path: "/admin/loggers/{logger}", access: admin, status: 200, handle: (*Server).setLogger,
			doc: op{id: "setLevel", tag: "admin", summary: "Set a logger's level: on this worker (200, the loggers changed) or, with scope=cluster, on every worker (204)",
				query: []param{{name: "scope", desc: "worker (the default) or cluster; other values mean worker",
					schema: schema{"type": "string", "default": "worker"}}},
				body: schema{"type": "object", "required": []string{"level"}, "additionalProperties": scalarSchema(true),
					"properties": schema{"level": schema{"type": "string", "enum": logLevels}}},
				resp: typeOf[[]string](), more: map[int]schema{204: nil}}},
	}
	for _, r := range rs {
		r.segs = strings.Split(strings.TrimPrefix(r.path, "/"), "/")
		if r.path == "/" {
			r.segs = nil
		}
	}
	return rs
}

// scalarSchema is a value Connect reads into a String: a string, number
// or boolean (as its text).
func scalarSchema(nullable bool) schema {
	s := schema{"anyOf": []schema{{"type": "string"}, {"type": "number"}, {"type": "boolean"}}}
	if nullable {
		s["nullable"] = true
	}
	return s
}

// configBodySchema is a connector config as a body. On create, update and
// validate it needs connector.class; PATCH takes null to remove a setting.
func configBodySchema(patch bool) schema {
	if patch {
		return schema{"type": "object", "additionalProperties": scalarSchema(true)}
	}
	return schema{"type": "object", "additionalProperties": scalarSchema(false), "required": []string{"connector.class"},
		"properties": schema{"connector.class": schema{"anyOf": []schema{{"type": "string", "minLength": 1}, {"type": "number"}, {"type": "boolean"}}}}}
}

// alterOffsetsSchema is the body of PATCH /connectors/{c}/offsets: at
// least one partition.
func alterOffsetsSchema() schema {
	return schema{"type": "object", "required": []string{"offsets"}, "additionalProperties": false,
		"properties": schema{"offsets": schema{"type": "array", "minItems": 1, "items": schema{
			"type": "object", "required": []string{"partition"}, "additionalProperties": false,
			"properties": schema{
				"partition": schema{"type": "object"},
				"offset":    schema{"type": "object", "nullable": true, "description": "null or left out resets the partition"},
			}}}}}
}
