package httpsink

import (
	"context"
	"maps"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Class is the connector's class name; the registry also resolves
// "HttpSinkConnector" and "HttpSink".
const Class = "io.connectsidecar.http.HttpSinkConnector"

// DefaultURL is where records go when neither http.url nor
// Defaults.URL says otherwise.
const DefaultURL = "http://127.0.0.1:8080/"

// Defaults are the worker's settings the connector's settings default to.
type Defaults struct {
	URL       string   // SIDECAR_APP_URL; "" means DefaultURL
	HealthURL string   // SIDECAR_APP_HEALTH_URL; "" means no health checks
	Observer  Observer // nil: nobody is told
	// Egress is where the connector may connect (SIDECAR_HTTP_ALLOWED_HOSTS).
	// Required: Plugins panics without it, so no sink runs unchecked.
	Egress *egress.Policy
}

// Observer is told what tasks do, for metrics. Its methods are called from
// several goroutines at once and should return quickly.
type Observer interface {
	// OnDelivery follows each request: how many records it carried, the
	// status the app answered (0 when there was no response) and how long
	// it took.
	OnDelivery(connector string, records int, status int, took time.Duration)
	// OnRetry follows each failed attempt that will be retried.
	OnRetry(connector string, records int)
	// OnDeadLetter follows records handed to the dead letter queue.
	OnDeadLetter(connector string, records int)
	// OnAppHealth follows each change of the app's health, and the first
	// check.
	OnAppHealth(connector string, healthy bool)
}

// PartitionObserver is an Observer that is also told, about once a
// second, what each task holds of each of its partitions, for gauges.
type PartitionObserver interface {
	Observer
	// OnPartition says how many requests of the partition are in flight,
	// how many of its records wait for an attempt (a first one or a
	// retry), and how long ago the task was given the first record whose
	// offset it cannot commit yet (0 when it can commit them all).
	OnPartition(connector, topic string, partition int32, inFlight, waiting int, oldest time.Duration)
	// OnPartitionClosed follows a partition the task stopped delivering.
	OnPartitionClosed(connector, topic string, partition int32)
}

// Plugins lists the HTTP sink connector.
func Plugins(d Defaults) []plugin.Plugin {
	if d.Egress == nil {
		panic("httpsink: Defaults.Egress is nil")
	}
	if d.URL == "" {
		d.URL = DefaultURL
	}
	return []plugin.Plugin{{Class: Class, Kind: plugin.KindSink, Version: buildinfo.Version,
		New: func() any { return &Connector{defaults: d, def: def(d)} }}}
}

// Connector checks the configuration; its tasks do the work.
type Connector struct {
	defaults Defaults
	def      configdef.Def
	props    map[string]string
}

var _ plugin.SinkConnector = (*Connector)(nil)

// Version implements plugin.Connector.
func (c *Connector) Version() string { return buildinfo.Version }

// Config implements plugin.Connector.
func (c *Connector) Config() plugin.ConfigDef { return c.def.ConfigDef() }

// ValidateConfig reports a URL left to its default (the worker's
// SIDECAR_APP_URL or SIDECAR_APP_HEALTH_URL) that the egress policy
// refuses, for the REST validate endpoint (connectorconfig.ConfigValidator):
// Config's validators see only the values that are set.
func (c *Connector) ValidateConfig(props map[string]string) map[string][]string {
	var out map[string][]string
	for key, url := range map[string]string{URLConfig: c.defaults.URL, HealthURLConfig: c.defaults.HealthURL} {
		if _, set := props[key]; set || url == "" {
			continue
		}
		if err := c.defaults.Egress.CheckURL(url); err != nil {
			if out == nil {
				out = map[string][]string{}
			}
			out[key] = []string{configdef.Invalid(key, url, err.Error()).Error()}
		}
	}
	return out
}

// Start checks the settings, and reads the files they name, so that a
// mistake fails the connector at once rather than each task.
func (c *Connector) Start(_ context.Context, props map[string]string) error {
	if _, err := parse(c.def, props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the configuration: the tasks
// share the topics' partitions through the consumer group.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = maps.Clone(c.props)
	}
	return out, nil
}

// Stop implements plugin.Connector; nothing runs in the background.
func (c *Connector) Stop() error { return nil }

// NewTask implements plugin.SinkConnector.
func (c *Connector) NewTask() plugin.SinkTask {
	return newTask(c.def, c.defaults.Observer, c.defaults.Egress)
}
