package httpsource

import (
	"context"
	"errors"
	"maps"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Class is the connector's class name; the registry also resolves
// "HttpSourceConnector" and "HttpSource".
const Class = "io.connectsidecar.http.HttpSourceConnector"

// Plugins lists the HTTP source connector, which connects only where p
// allows (SIDECAR_HTTP_ALLOWED_HOSTS). It panics when p is nil, so no
// source runs unchecked.
func Plugins(p *egress.Policy) []plugin.Plugin {
	if p == nil {
		panic("httpsource: no egress policy")
	}
	return []plugin.Plugin{{Class: Class, Kind: plugin.KindSource, Version: buildinfo.Version,
		New: func() any { return &Connector{egress: p} }}}
}

// Connector checks the configuration and hands it to its one task.
type Connector struct {
	egress *egress.Policy
	props  map[string]string
}

var _ plugin.SourceConnector = (*Connector)(nil)

// Version implements plugin.Connector.
func (c *Connector) Version() string { return buildinfo.Version }

// Config implements plugin.Connector.
func (c *Connector) Config() plugin.ConfigDef { return configDef.ConfigDef() }

// ValidateConfig reports the rules that span settings, and an http.url
// the egress policy refuses, for the REST validate endpoint
// (connectorconfig.ConfigValidator); each key's own rules are checked
// through Config.
func (c *Connector) ValidateConfig(props map[string]string) map[string][]string {
	var errs []error
	// http.url is read alone, so a refused URL shows whatever else is
	// wrong.
	if v, err := (configdef.Def{urlKey}).Parse(props); err == nil {
		errs = append(errs, checkEgress(c.egress, v.String(URLConfig)))
	}
	// A key's own error is left to Config's validators.
	if cfg, err := parseKeys(props); err == nil {
		errs = append(errs, cfg.checkTogether())
	}
	out := map[string][]string{}
	for _, err := range errs {
		var e *configdef.Error
		if errors.As(err, &e) {
			out[e.Key] = append(out[e.Key], e.Error())
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Start checks the configuration and keeps it for the task. Files are
// read by the task, on the worker that runs it.
func (c *Connector) Start(_ context.Context, props map[string]string) error {
	cfg, err := parseConfig(props)
	if err != nil {
		return err
	}
	if err := checkEgress(c.egress, cfg.rawURL); err != nil {
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

// ExactlyOnceSupport implements plugin.ExactlyOnceSupporter. Each answer
// is one poll, so under exactly-once one transaction holds its records and
// its cursor: a restart asks again from the last committed cursor. That is
// exactly once as long as the endpoint answers a cursor with the same
// records each time it is asked.
func (c *Connector) ExactlyOnceSupport(map[string]string) (bool, error) { return true, nil }

// NewTask implements plugin.SourceConnector.
func (c *Connector) NewTask() plugin.SourceTask { return newTask(c.egress) }
