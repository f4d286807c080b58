package rest

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Herder is what the REST API asks of the worker. Each method is one
// operation of Connect's API; the handlers only parse, call and write.
//
// Every method gets the request's context, which ends when the client goes
// away or after the request timeout (90 s, as Connect's); a method that
// gives up because of it returns the context's error, which becomes 500
// "Request timed out".
//
// Errors are how a method says why it could not do the operation; the REST
// layer maps them to Connect's status codes:
//
//   - *NotFoundError: 404.
//   - *AlreadyExistsError: 409.
//   - *BadRequestError: 400; NewInvalidConfigError builds the one for a
//     config that fails validation.
//   - *ConflictError: 409. *ForbiddenError: 403.
//   - *NotLeaderError: this worker is not where the operation must run. On
//     the operations marked "forwardable" the request is forwarded to
//     LeaderURL (Connect's forwarding rules, see forward.go); elsewhere it is
//     a 500.
//   - ErrRebalanceInProgress: a config change was read but the rebalance it
//     causes has not happened yet. 409 on forwardable operations, 500 on
//     the others, as Connect answers.
//   - *StatusError: any other status, e.g. 503 while starting.
//   - anything else: 500 with the error's text.
//
// Forwardable operations are those that must run on the leader or on the
// owner of a connector or task. The herder never forwards by itself: it
// returns *NotLeaderError and the REST layer does the HTTP hop.
//
// The REST layer validates the shape of every request before calling: a
// method never sees a request whose body was not valid JSON of the right
// type, nor a new connector name that is empty, blank, or has '/' or
// control characters.
//
// Maps and slices passed in belong to the herder from then on; those
// returned belong to the REST layer, which only reads them.
type Herder interface {
	// Connectors returns the names of the connectors in the config
	// snapshot this worker has read. It does not wait for a rebalance.
	Connectors(ctx context.Context) ([]string, error)
	// ConnectorInfo returns a connector's config and task ids; 404 if the
	// connector is unknown.
	ConnectorInfo(ctx context.Context, name string) (ConnectorInfo, error)
	// ConnectorConfig returns a connector's config as written, without
	// resolving config providers; 404 if unknown.
	ConnectorConfig(ctx context.Context, name string) (map[string]string, error)
	// ConnectorStatus returns the connector's and its tasks' states from
	// the status topic, tasks sorted by id; 404 if there is no status.
	ConnectorStatus(ctx context.Context, name string) (ConnectorStateInfo, error)
	// TaskConfigs returns the connector's task configs, ordered by task;
	// 404 if the connector is unknown.
	TaskConfigs(ctx context.Context, name string) ([]TaskInfo, error)
	// TaskStatus returns one task's state; 404 if it has none.
	TaskStatus(ctx context.Context, id ConnectorTaskID) (TaskState, error)

	// PutConnectorConfig validates and writes a connector's config
	// (forwardable, leader only). config holds "name", equal to name.
	// initial is the target state for a new connector, "" for STARTED; it
	// is ignored for an existing one. allowReplace is false for POST
	// /connectors: an existing connector is then *AlreadyExistsError.
	// created reports whether the connector is new. An invalid config is
	// NewInvalidConfigError.
	PutConnectorConfig(ctx context.Context, name string, config map[string]string, initial TargetState, allowReplace bool) (info ConnectorInfo, created bool, err error)
	// PatchConnectorConfig merges patch into an existing connector's config
	// (forwardable, leader only): a nil value removes the key. The merged
	// config is validated as on put; 404 if the connector is unknown.
	PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (ConnectorInfo, error)
	// DeleteConnector removes a connector (forwardable, leader only); 404
	// if unknown.
	DeleteConnector(ctx context.Context, name string) error
	// PauseConnector writes the PAUSED target state (forwardable; any
	// worker may write it, as in Connect); 404 if unknown. Idempotent.
	PauseConnector(ctx context.Context, name string) error
	// ResumeConnector writes the STARTED target state, as PauseConnector.
	ResumeConnector(ctx context.Context, name string) error
	// StopConnector writes an empty task-config set and the STOPPED target
	// state (forwardable, leader only); 404 if unknown. Idempotent.
	StopConnector(ctx context.Context, name string) error
	// RestartConnector restarts a connector and maybe its tasks
	// (forwardable). When req.ConnectorOnly(), the connector instance is
	// restarted by its owner (NotLeaderError carries the owner's or the
	// leader's URL) and the result is nil. Otherwise the leader writes a
	// restart request and returns the connector's status with the parts
	// it will restart shown as RESTARTING. 404 if the connector or its
	// status is unknown.
	RestartConnector(ctx context.Context, req RestartRequest) (*ConnectorStateInfo, error)
	// RestartTask restarts one task on its owner (forwardable); 404 if the
	// connector or task is unknown.
	RestartTask(ctx context.Context, id ConnectorTaskID) error

	// ConnectorActiveTopics returns the topics the connector has used
	// since the last reset; *ForbiddenError "Topic tracking is disabled."
	// when topic.tracking.enable is false, 404 if unknown.
	ConnectorActiveTopics(ctx context.Context, name string) ([]string, error)
	// ResetConnectorActiveTopics forgets those topics; *ForbiddenError
	// "Topic tracking is disabled." or "Topic tracking reset is disabled."
	// as configured, 404 if unknown.
	ResetConnectorActiveTopics(ctx context.Context, name string) error

	// ConnectorOffsets returns the connector's offsets (KIP-875): the
	// offsets topic for sources, the consumer group for sinks.
	ConnectorOffsets(ctx context.Context, name string) (ConnectorOffsets, error)
	// AlterConnectorOffsets writes offsets for the given partitions
	// (forwardable, leader only); offsets is never empty. The connector
	// must be STOPPED with no tasks, else *BadRequestError. The message is
	// OffsetsAltered or Connect's longer variant.
	AlterConnectorOffsets(ctx context.Context, name string, offsets []ConnectorOffset) (Message, error)
	// ResetConnectorOffsets removes all of a connector's offsets, with the
	// same rules as AlterConnectorOffsets; the message is OffsetsReset or
	// the longer variant.
	ResetConnectorOffsets(ctx context.Context, name string) (Message, error)

	// Plugins lists every plugin this worker has, in Connect's order:
	// sinks, sources, transformations, predicates, converters, header
	// converters. The REST layer filters connectors out of it.
	Plugins(ctx context.Context) ([]PluginInfo, error)
	// PluginConfig returns a plugin's config definition, by class name or
	// alias; 404 if there is no such plugin.
	PluginConfig(ctx context.Context, plugin string) ([]ConfigKeyInfo, error)
	// ValidateConnectorConfig validates a config without writing it. An
	// invalid config is a successful result with ErrorCount > 0; errors
	// are for configs that cannot be validated at all (e.g. a missing or
	// unknown connector.class is *BadRequestError).
	ValidateConnectorConfig(ctx context.Context, config map[string]string) (ConfigInfos, error)

	// LoggerLevels returns every logger the worker knows, root included,
	// by name.
	LoggerLevels(ctx context.Context) (map[string]LoggerLevel, error)
	// LoggerLevel returns one logger's level, nil if there is no such
	// logger.
	LoggerLevel(ctx context.Context, name string) (*LoggerLevel, error)
	// SetWorkerLoggerLevel sets the level of a logger and its descendants
	// on this worker and returns the names of the loggers changed. level is
	// one of OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL (upper
	// case, already checked).
	SetWorkerLoggerLevel(ctx context.Context, namespace, level string) ([]string, error)
	// SetClusterLoggerLevel writes the level for every worker to apply
	// (KIP-976); any worker may write it.
	SetClusterLoggerLevel(ctx context.Context, namespace, level string) error

	// PutTaskConfigs writes task configs another worker generated
	// (internal, forwardable, leader only). The request's signature has
	// been checked when the group is sessioned.
	PutTaskConfigs(ctx context.Context, connector string, configs []map[string]string) error
	// FenceZombies fences a source connector's earlier task generations
	// (KIP-618; internal, forwardable, leader only).
	FenceZombies(ctx context.Context, connector string) error

	// SessionKey is the key internal requests are signed with, nil until
	// one has been read from the config topic.
	SessionKey() []byte
	// Sessioned reports whether the group runs the sessioned protocol, so
	// that internal requests must carry a valid signature.
	Sessioned() bool
	// LeaderURL is the leader's advertised URL, "" while unknown.
	LeaderURL() string
	// WorkerURL is this worker's advertised URL. A NotLeaderError pointing
	// at it is answered with 409 instead of a request to itself.
	WorkerURL() string
}

// NotFoundError: the connector, task, plugin or logger does not exist (404).
type NotFoundError struct{ Message string }

func (e *NotFoundError) Error() string { return orText(e.Message, "Not found") }

// AlreadyExistsError: the connector exists already (409).
type AlreadyExistsError struct{ Message string }

func (e *AlreadyExistsError) Error() string { return orText(e.Message, "Already exists") }

// BadRequestError: the request cannot be done as asked (400). Errors lists
// the single validation messages when the message sums up several.
type BadRequestError struct {
	Message string
	Errors  []string
}

func (e *BadRequestError) Error() string { return orText(e.Message, "Bad request") }

// NewInvalidConfigError is Connect's 400 for a config that fails
// validation: the error count, then one line per error.
func NewInvalidConfigError(infos ConfigInfos) *BadRequestError {
	var errs []string
	for _, c := range infos.Configs {
		if c.Value != nil {
			errs = append(errs, c.Value.Errors...)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Connector configuration is invalid and contains the following %d error(s):", infos.ErrorCount)
	for _, e := range errs {
		b.WriteString("\n" + e)
	}
	b.WriteString("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return &BadRequestError{Message: b.String(), Errors: errs}
}

// ConflictError: the operation conflicts with another one (409).
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string { return orText(e.Message, "Conflict") }

// ForbiddenError: the operation is turned off on this worker (403).
type ForbiddenError struct{ Message string }

func (e *ForbiddenError) Error() string { return orText(e.Message, "Forbidden") }

// NotLeaderError: the operation must run on another worker, the leader or
// the owner of the connector or task, at LeaderURL ("" while no leader is
// known). It is Connect's NotLeaderException and NotAssignedException.
type NotLeaderError struct {
	LeaderURL string
	Message   string
}

func (e *NotLeaderError) Error() string {
	return orText(e.Message, "This worker is not the leader; the leader is at "+orText(e.LeaderURL, "an unknown URL"))
}

// ErrRebalanceInProgress: the herder has read a config change and expects
// a rebalance, so its idea of who leads or owns what may be stale.
//
//lint:ignore ST1005 Connect's message, shown as is on GET endpoints
var ErrRebalanceInProgress = errors.New("Request cannot be completed because a rebalance is expected")

// StatusError is an error with its own HTTP status, like Connect's
// ConnectRestException: e.g. 503 while starting. Errors passed back from a
// forwarded request are StatusErrors whose ErrorCode is the remote one.
type StatusError struct {
	Status    int
	ErrorCode int // 0 means Status
	Message   string
}

func (e *StatusError) Error() string { return e.Message }

// Code is the error_code written in the body.
func (e *StatusError) Code() int {
	if e.ErrorCode != 0 {
		return e.ErrorCode
	}
	return e.Status
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
