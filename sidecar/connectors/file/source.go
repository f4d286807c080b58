package file

import (
	"context"
	"maps"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Class names, as Java's plugin loader reports them.
const (
	SourceClass = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	SinkClass   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
)

// Setting names and the partition and offset fields, as in Java.
const (
	FileConfig      = "file"
	TopicConfig     = "topic"
	BatchSizeConfig = "batch.size"

	// DefaultBatchSize is batch.size's default.
	DefaultBatchSize = 2000

	// FilenameField keys the source partition: {"filename": <file>}.
	FilenameField = "filename"
	// PositionField keys the source offset: {"position": <next line's byte
	// position>}.
	PositionField = "position"
)

// Version is the Kafka release whose FileStream connectors these follow.
const Version = buildinfo.ConnectVersion

var sourceSettings = configdef.Def{
	configdef.Nullable(FileConfig, plugin.TypeString, plugin.High,
		"Path of the file to read lines from. When it is empty or unset, the worker's standard input is read instead (and no offsets are kept)."),
	configdef.Required(TopicConfig, plugin.TypeString, plugin.High,
		"Topic each line is written to.").Checked(configdef.NonEmptyString),
	configdef.Optional(BatchSizeConfig, plugin.TypeInt, "2000", plugin.Low,
		"Most lines one poll of the task returns."),
}

// sourceConfig is a parsed FileStreamSource configuration.
type sourceConfig struct {
	file      string // "" reads standard input
	topic     string
	batchSize int
}

func parseSource(props map[string]string) (sourceConfig, error) {
	v, err := sourceSettings.Parse(props)
	if err != nil {
		return sourceConfig{}, err
	}
	// Java returns as soon as a batch holds batch.size records, so anything
	// below 1 behaves as 1.
	return sourceConfig{file: v.String(FileConfig), topic: v.String(TopicConfig),
		batchSize: max(1, int(v.Int(BatchSizeConfig)))}, nil
}

// SourceConnector is FileStreamSourceConnector: one task reading one file.
type SourceConnector struct {
	allowed AllowedPaths
	props   map[string]string
}

var _ plugin.SourceConnector = (*SourceConnector)(nil)

// Version implements plugin.Connector.
func (c *SourceConnector) Version() string { return Version }

// Config implements plugin.Connector.
func (c *SourceConnector) Config() plugin.ConfigDef { return sourceSettings.ConfigDef() }

// ValidateConfig refuses a file outside the allowed paths.
func (c *SourceConnector) ValidateConfig(props map[string]string) map[string][]string {
	cfg, err := parseSource(props)
	if err != nil {
		return nil // a key's own error, which Config's validators report
	}
	return checkFile(c.allowed, cfg.file)
}

// Start checks the configuration and keeps it for the task.
func (c *SourceConnector) Start(_ context.Context, props map[string]string) error {
	cfg, err := parseSource(props)
	if err != nil {
		return err
	}
	if cfg.file != "" {
		if _, err := c.allowed.Resolve(cfg.file); err != nil {
			return err
		}
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns one configuration whatever maxTasks is: one stream
// has one reader. As in Java it is the connector's own configuration.
func (c *SourceConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.props)}, nil
}

// Stop implements plugin.Connector; nothing runs in the background.
func (c *SourceConnector) Stop() error { return nil }

// ExactlyOnceSupport implements plugin.ExactlyOnceSupporter as Java's
// connector answers: a named file, read by byte position and only appended
// to, can be resumed exactly; standard input keeps no offsets.
func (c *SourceConnector) ExactlyOnceSupport(props map[string]string) (bool, error) {
	cfg, err := parseSource(props)
	if err != nil {
		return false, err
	}
	return cfg.file != "", nil
}

// NewTask implements plugin.SourceConnector.
func (c *SourceConnector) NewTask() plugin.SourceTask { return newSourceTask(c.allowed) }
