package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"syscall"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var sinkSettings = configdef.Def{
	configdef.Nullable(FileConfig, plugin.TypeString, plugin.High,
		"Path of the file each record's value is appended to, one line per record. When it is empty or unset, the worker's standard output is used."),
}

func parseSink(props map[string]string) (file string, err error) {
	v, err := sinkSettings.Parse(props)
	if err != nil {
		return "", err
	}
	return v.String(FileConfig), nil
}

// SinkConnector is FileStreamSinkConnector: tasks append record values to
// one file.
type SinkConnector struct {
	allowed AllowedPaths
	props   map[string]string
}

var _ plugin.SinkConnector = (*SinkConnector)(nil)

// Version implements plugin.Connector.
func (c *SinkConnector) Version() string { return Version }

// Config implements plugin.Connector.
func (c *SinkConnector) Config() plugin.ConfigDef { return sinkSettings.ConfigDef() }

// ValidateConfig refuses a file outside the allowed paths.
func (c *SinkConnector) ValidateConfig(props map[string]string) map[string][]string {
	file, err := parseSink(props)
	if err != nil {
		return nil // a key's own error, which Config's validators report
	}
	return checkFile(c.allowed, file)
}

// Start checks the configuration and keeps it for the tasks.
func (c *SinkConnector) Start(_ context.Context, props map[string]string) error {
	file, err := parseSink(props)
	if err != nil {
		return err
	}
	if file != "" {
		if _, err := c.allowed.Resolve(file); err != nil {
			return err
		}
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the connector's configuration, as
// Java does: every task appends to the same file.
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = maps.Clone(c.props)
	}
	return out, nil
}

// Stop implements plugin.Connector; nothing runs in the background.
func (c *SinkConnector) Stop() error { return nil }

// NewTask implements plugin.SinkConnector.
func (c *SinkConnector) NewTask() plugin.SinkTask { return newSinkTask(c.allowed) }

// flushAt is how many buffered bytes make Put write them out before it is
// done.
const flushAt = 1 << 20

// sinkTask is FileStreamSinkTask: it writes each record's value as Java's
// String.valueOf prints it, followed by "\n".
//
// Java writes every line to the file as it is put, and Flush only flushes.
// Here Put writes its lines with one write call when it returns (so they
// are visible as soon as Java's would be, and lines of tasks sharing the
// file never interleave mid-line), and Flush also syncs the file to disk
// before it hands back the offsets.
type sinkTask struct {
	allowed AllowedPaths
	file    string // "" writes to standard output
	out     io.Writer
	f       *os.File // out, when it is a file this task opened
	buf     []byte

	stdout io.Writer // seam for tests
}

var _ plugin.SinkTask = (*sinkTask)(nil)

func newSinkTask(allowed AllowedPaths) *sinkTask {
	return &sinkTask{allowed: allowed, stdout: os.Stdout}
}

// Start opens the file for appending, creating it if needed.
func (t *sinkTask) Start(_ context.Context, props map[string]string) error {
	file, err := parseSink(props)
	if err != nil {
		return err
	}
	t.file = file
	if file == "" {
		t.out = t.stdout
		return nil
	}
	path, err := t.allowed.Resolve(file)
	if err != nil {
		return err
	}
	// The resolved path has no links left; O_NOFOLLOW keeps one planted
	// since from redirecting the write.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		//lint:ignore ST1005 Java's wording, so the task's trace reads the same
		return fmt.Errorf("Couldn't find or create file '%s' for FileStreamSinkTask: %w", file, err)
	}
	t.f, t.out = f, f
	return nil
}

// Open implements plugin.SinkTask; the file does not depend on partitions.
func (t *sinkTask) Open(context.Context, []plugin.TopicPartition) error { return nil }

// Close implements plugin.SinkTask.
func (t *sinkTask) Close(context.Context, []plugin.TopicPartition) error { return nil }

// Put appends one line per record and writes them out.
func (t *sinkTask) Put(_ context.Context, records []plugin.Record) error {
	for i := range records {
		t.buf = appendJavaText(t.buf, records[i].Value)
		t.buf = append(t.buf, '\n')
		if len(t.buf) >= flushAt {
			if err := t.writeOut(); err != nil {
				return err
			}
		}
	}
	return t.writeOut()
}

func (t *sinkTask) writeOut() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.out.Write(t.buf)
	t.buf = t.buf[:0]
	if err != nil {
		return fmt.Errorf("write %s: %w", t.logName(), err)
	}
	return nil
}

// Flush makes what was put durable (fsync for a file) and returns the
// offsets it was given: everything before them is in the file.
func (t *sinkTask) Flush(_ context.Context, offsets map[plugin.TopicPartition]int64) (map[plugin.TopicPartition]int64, error) {
	if err := t.writeOut(); err != nil {
		return nil, err
	}
	if t.f != nil {
		if err := t.f.Sync(); err != nil {
			return nil, fmt.Errorf("sync %s: %w", t.file, err)
		}
	}
	return offsets, nil
}

// Stop writes out anything left and closes the file.
func (t *sinkTask) Stop() error {
	if t.out == nil {
		return nil
	}
	err := t.writeOut()
	if t.f != nil {
		err = errors.Join(err, t.f.Close())
		t.f = nil
	}
	t.out = nil
	return err
}

func (t *sinkTask) logName() string {
	if t.file == "" {
		return "stdout"
	}
	return t.file
}
