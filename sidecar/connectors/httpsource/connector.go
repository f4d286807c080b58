package httpsource

import (
	"context"
	"errors"
	"maps"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/internal/settings"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Class is the connector's class name; the registry also resolves
// "HttpSourceConnector" and "HttpSource".
const Class = "io.connectsidecar.http.HttpSourceConnector"

// Plugins lists the HTTP source connector.
func Plugins() []plugin.Plugin {
	return []plugin.Plugin{{Class: Class, Kind: plugin.KindSource, Version: buildinfo.Version,
		New: func() any { return &Connector{} }}}
}

// Connector checks the configuration and hands it to its one task.
type Connector struct {
	props map[string]string
}

var _ plugin.SourceConnector = (*Connector)(nil)

// Version implements plugin.Connector.
func (c *Connector) Version() string { return buildinfo.Version }

// Config implements plugin.Connector.
func (c *Connector) Config() plugin.ConfigDef { return configDef.ConfigDef() }

// ValidateConfig reports the rules that span settings, for the REST
// validate endpoint (connectorconfig.ConfigValidator); each key's own rules
// are checked through Config.
func (c *Connector) ValidateConfig(props map[string]string) map[string][]string {
	cfg, err := parseKeys(props)
	if err != nil {
		return nil // a key's own error, which Config's validators report
	}
	var e *settings.Error
	if errors.As(cfg.checkTogether(), &e) {
		return map[string][]string{e.Key: {e.Error()}}
	}
	return nil
}

// Start checks the configuration and keeps it for the task. Files are
// read by the task, on the worker that runs it.
func (c *Connector) Start(_ context.Context, props map[string]string) error {
	if _, err := parseConfig(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns one configuration whatever maxTasks is: one cursor
// is read by one task.
func (c *Connector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.props)}, nil
}

// Stop implements plugin.Connector; nothing runs in the background.
func (c *Connector) Stop() error { return nil }

// NewTask implements plugin.SourceConnector.
func (c *Connector) NewTask() plugin.SourceTask { return newTask() }
