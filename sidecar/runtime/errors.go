package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
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
	Record *RecordPosition // the record that failed; nil when not known
}

func (e *ToleranceError) Error() string {
	return "Tolerance exceeded in error handler: " + e.StageError.Error()
}

func (e *ToleranceError) Unwrap() error { return e.StageError }

// RecordPosition says which record failed, for traces: where it was read,
// or for a source record where it was going. It never holds the record's
// key or value, which may be private.
type RecordPosition struct {
	Topic     string
	Partition int32 // plugin.NoPartition when the producer places the record
	Offset    int64 // -1 for a source record, not written yet
}

func (p RecordPosition) String() string {
	s := "topic " + p.Topic
	if p.Partition >= 0 {
		s += fmt.Sprintf(", partition %d", p.Partition)
	}
	if p.Offset >= 0 {
		s += fmt.Sprintf(", offset %d", p.Offset)
	}
	return s
}

// stepError is a task failing in one of its steps outside a record's
// stages (start, open, flush, close); the step shows as the stage in its
// trace.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }

func (e *stepError) Unwrap() error { return e.err }

// protect runs plugin code and turns a panic into a *PanicError.
func protect(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: panicFrames(debug.Stack())}
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

// panicFrames cuts a stack taken in protect's deferred recover down to
// the goroutine's line and the frames from the one that panicked outwards:
// the frames of the recovery itself say nothing about the panic.
func panicFrames(stack []byte) []byte {
	header, frames, _ := bytes.Cut(stack, []byte("\n"))
	i := bytes.Index(frames, []byte("\npanic("))
	if i < 0 {
		return stack
	}
	rest := frames[i+1:]
	for range 2 { // panic's own frame: its call line and its file line
		_, rest, _ = bytes.Cut(rest, []byte("\n"))
	}
	return slices.Concat(header, []byte("\n"), rest)
}

// traceOf is the text of a FAILED status's trace (and of a dead letter's
// stack trace header): what a person needs to act on the failure, laid out
// as a Java stack trace so tools that read its first line as "class:
// message" still can. The error chain comes outermost first, each error
// with its own message and each cause on a "Caused by:" line, as Java
// prints them. Where Java has the frames of the first exception, indented
// lines name the connector class (empty: none), the stage and the record
// that failed (never its key or value). The stack of the goroutine that
// reported the failure would say nothing about it; only a panic brings
// frames, the panicking goroutine's.
func traceOf(err error, connectorClass string) string {
	var b strings.Builder
	lines := chain(err)
	b.WriteString(lines[0])
	if connectorClass != "" {
		fmt.Fprintf(&b, "\n\tconnector: %s", connectorClass)
	}
	var stage *StageError
	var step *stepError
	switch {
	case errors.As(err, &stage):
		fmt.Fprintf(&b, "\n\tstage: %s (%s) in %s", stage.Stage, stage.Stage.doing(), stage.Class)
	case errors.As(err, &step):
		fmt.Fprintf(&b, "\n\tstage: %s", step.step)
	}
	var tol *ToleranceError
	if errors.As(err, &tol) && tol.Record != nil {
		fmt.Fprintf(&b, "\n\trecord: %s", tol.Record)
	}
	for _, l := range lines[1:] {
		b.WriteString("\nCaused by: ")
		b.WriteString(l)
	}
	var p *PanicError
	if errors.As(err, &p) {
		b.WriteString("\n\n")
		b.Write(p.Stack)
	}
	return b.String()
}

// chain is err and its causes as "class: message" lines, outermost first.
// Each message leaves out its cause's text, which Go appends after ": "
// and the next line shows. Stage and step errors are left out: the trace
// names their stage on a line of its own.
func chain(err error) []string {
	var lines []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e.(type) {
		case *StageError, *stepError:
			continue
		}
		msg := e.Error()
		if cause := errors.Unwrap(e); cause != nil {
			msg = strings.TrimSuffix(msg, ": "+cause.Error())
		}
		if msg != "" {
			lines = append(lines, className(e)+": "+msg)
		}
	}
	if len(lines) == 0 { // only stage and step errors, which always wrap something
		lines = append(lines, className(err)+": "+err.Error())
	}
	return lines
}

// doing says in words what a task was doing at a stage.
func (s Stage) doing() string {
	switch s {
	case StageTaskPoll:
		return "polling the task for records"
	case StageKeyConverter:
		return "converting a record's key"
	case StageValueConverter:
		return "converting a record's value"
	case StageHeaderConverter:
		return "converting a record's headers"
	case StageTransformation:
		return "transforming a record"
	case StageKafkaProduce:
		return "sending a record to Kafka"
	case StageKafkaConsume:
		return "reading records from Kafka"
	case StageTaskPut:
		return "putting records to the task"
	}
	return "unknown stage"
}

// javaDataException is the class Java's converters and transforms throw
// for bad data; traces and dead-letter headers name it, so tools written
// for Java workers recognise the failure.
const javaDataException = "org.apache.kafka.connect.errors.DataException"

// javaConnectException is the class Java's runtime fails a task with when
// a record exceeds the error tolerance. Traces also give it to Go errors
// whose types mean nothing to a reader (errors.New, fmt.Errorf), since
// tools written for Java expect a class on each line.
const javaConnectException = "org.apache.kafka.connect.errors.ConnectException"

// className names an error's type for traces and dead-letter headers.
func className(err error) string {
	switch err.(type) {
	case *converters.DataError, *transforms.DataError:
		return javaDataException
	case *ToleranceError:
		return javaConnectException
	}
	switch t := fmt.Sprintf("%T", err); t {
	case "*errors.errorString", "*fmt.wrapError", "*fmt.wrapErrors":
		return javaConnectException
	default:
		return t
	}
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
