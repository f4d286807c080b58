package runtime

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/transforms"
)

// Stage is where in a task a record failed, named as Java's
// errors.Stage names it: the names appear in logs and in the
// __connect.errors.stage header of dead-letter records.
type Stage string

// Stages of a record's way through a task.
const (
	StageTaskPoll        Stage = "TASK_POLL"
	StageKeyConverter    Stage = "KEY_CONVERTER"
	StageValueConverter  Stage = "VALUE_CONVERTER"
	StageHeaderConverter Stage = "HEADER_CONVERTER"
	StageTransformation  Stage = "TRANSFORMATION"
	StageKafkaProduce    Stage = "KAFKA_PRODUCE"
	StageKafkaConsume    Stage = "KAFKA_CONSUME"
	StageTaskPut         Stage = "TASK_PUT"
)

// PanicError is a panic recovered from a connector or task: it fails that
// connector or task, never the worker.
type PanicError struct {
	Value any
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// PluginError reports a class name that names no plugin of the kind a
// setting needs.
type PluginError struct {
	Key   string // the setting, e.g. connector.class or key.converter
	Class string
	Want  string // what the setting needs, e.g. "a source or sink connector"
	Found plugin.Kind
}

func (e *PluginError) Error() string {
	if e.Found == "" {
		return fmt.Sprintf("%s: no plugin named %q (want %s)", e.Key, e.Class, e.Want)
	}
	return fmt.Sprintf("%s: %s is a %s plugin, not %s", e.Key, e.Class, e.Found, e.Want)
}

// ConfigError is a connector setting the runtime cannot use.
type ConfigError struct {
	Key, Value, Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid value %q for configuration %s: %s", e.Value, e.Key, e.Reason)
}

// NotFoundError is returned for a connector or task this runtime does not
// run.
type NotFoundError struct {
	What string // "connector c" or "task c-0"
}

func (e *NotFoundError) Error() string { return e.What + " is not running on this worker" }

// AlreadyRunningError is returned when asked to start a connector or task
// that runs already; the herder must stop it first.
type AlreadyRunningError struct {
	What string
}

func (e *AlreadyRunningError) Error() string { return e.What + " is already running on this worker" }

// NotStartedError is returned by TaskConfigs for a connector whose instance
// is not running (paused, stopped or failed).
type NotStartedError struct {
	Connector string
	State     State
}

func (e *NotStartedError) Error() string {
	return fmt.Sprintf("connector %s is %s, not running", e.Connector, e.State)
}

// BusyError is returned when a connector did not take a request within
// task.shutdown.graceful.timeout.ms, because its Start or Stop is still
// running. The request may still be carried out.
type BusyError struct {
	Connector string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("connector %s did not answer within task.shutdown.graceful.timeout.ms", e.Connector)
}

// StageError is a record that failed a stage after its retries.
type StageError struct {
	Stage Stage
	Class string // the converter, transform or client that failed
	Err   error
}

func (e *StageError) Error() string {
	return fmt.Sprintf("stage %s (%s): %v", e.Stage, e.Class, e.Err)
}

func (e *StageError) Unwrap() error { return e.Err }

// ToleranceError fails a task: a record failed with errors.tolerance=none.
// Its text starts as Java's ConnectException does.
type ToleranceError struct {
	*StageError
}

func (e *ToleranceError) Error() string {
	return "Tolerance exceeded in error handler: " + e.StageError.Error()
}

func (e *ToleranceError) Unwrap() error { return e.StageError }

// protect runs plugin code and turns a panic into a *PanicError.
func protect(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// retriable reports whether an error may go away on its own, the Go
// counterpart of Java's RetriableException: Kafka's retriable error codes
// and network errors say so through Temporary or Timeout.
func retriable(err error) bool {
	var final *finalError
	if errors.As(err, &final) {
		return false
	}
	var temp interface{ Temporary() bool }
	if errors.As(err, &temp) && temp.Temporary() {
		return true
	}
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// traceOf is the text stored as a FAILED status's trace, in the spirit of
// a Java stack trace: the error with its type, its causes, then a stack.
// A panic brings the panicking goroutine's stack; another error the stack
// of the goroutine that gave up on it.
func traceOf(err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", className(err), err)
	for cause := errors.Unwrap(err); cause != nil; cause = errors.Unwrap(cause) {
		fmt.Fprintf(&b, "\nCaused by: %s: %s", className(cause), cause)
	}
	var p *PanicError
	if errors.As(err, &p) {
		b.WriteString("\n\n")
		b.Write(p.Stack)
	} else {
		b.WriteString("\n\n")
		b.Write(debug.Stack())
	}
	return b.String()
}

// javaDataException is the class Java's converters and transforms throw
// for bad data; traces and dead-letter headers name it, so tools written
// for Java workers recognise the failure.
const javaDataException = "org.apache.kafka.connect.errors.DataException"

// className names an error's type for traces and dead-letter headers.
func className(err error) string {
	switch err.(type) {
	case *converters.DataError, *transforms.DataError:
		return javaDataException
	}
	return fmt.Sprintf("%T", err)
}

// thrown is the error a plugin raised, under the context the runtime and
// fmt.Errorf wrapped around it: what Java calls the exception of a failed
// stage.
func thrown(err error) error {
	for {
		switch err.(type) {
		case *StageError, *ToleranceError:
		default:
			if fmt.Sprintf("%T", err) != "*fmt.wrapError" {
				return err
			}
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
