package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestTraceSaysWhatFailedWhere(t *testing.T) {
	poison := &StageError{Stage: StageValueConverter, Class: "org.apache.kafka.connect.json.JsonConverter",
		Err: &converters.DataError{Msg: "Converting byte[] to Kafka Connect data failed due to serialization error",
			Err: &converters.DataError{Msg: "invalid JSON at byte 1: unexpected character"}}}
	open := &stepError{step: "start task", err: fmt.Errorf("Couldn't find or create file '/no/x': %w",
		&fs.PathError{Op: "open", Path: "/no/x", Err: syscall.ENOENT})}
	for _, tc := range []struct {
		name  string
		err   error
		class string
		want  string
	}{
		{"a sink record at a stage", &ToleranceError{StageError: poison, Record: &RecordPosition{Topic: "orders", Partition: 2, Offset: 41}}, "com.example.Sink", `
org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler
	connector: com.example.Sink
	stage: VALUE_CONVERTER (converting a record's value) in org.apache.kafka.connect.json.JsonConverter
	record: topic orders, partition 2, offset 41
Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error
Caused by: org.apache.kafka.connect.errors.DataException: invalid JSON at byte 1: unexpected character`},
		{"a source record the producer places", &ToleranceError{StageError: &StageError{Stage: StageTransformation, Class: "Cast", Err: errors.New("no field n")},
			Record: &RecordPosition{Topic: "orders", Partition: plugin.NoPartition, Offset: -1}}, "com.example.Source", `
org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler
	connector: com.example.Source
	stage: TRANSFORMATION (transforming a record) in Cast
	record: topic orders
Caused by: org.apache.kafka.connect.errors.ConnectException: no field n`},
		{"the task's own step", open, "org.apache.kafka.connect.file.FileStreamSinkConnector", `
org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '/no/x'
	connector: org.apache.kafka.connect.file.FileStreamSinkConnector
	stage: start task
Caused by: *fs.PathError: open /no/x
Caused by: syscall.Errno: no such file or directory`},
		{"a dead letter's cause, without context", &converters.DataError{Msg: "bad"}, "", `
org.apache.kafka.connect.errors.DataException: bad`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := traceOf(tc.err, tc.class); got != strings.TrimPrefix(tc.want, "\n") {
				t.Errorf("trace:\n%s\nwant:\n%s", got, tc.want[1:])
			}
		})
	}
}

// A panic's trace has the frames from the panicking function outwards, not
// those of its recovery or of the goroutine that reported it.
func TestPanicTraceStartsWherePlugInCodePanicked(t *testing.T) {
	err := protect(func() error { panicHere(); return nil })
	got := traceOf(err, "C")
	lines := strings.Split(got, "\n")
	if !strings.HasPrefix(lines[0], "*runtime.PanicError: panic: here") || !strings.HasPrefix(lines[3], "goroutine ") ||
		!strings.Contains(lines[4], "panicHere") {
		t.Errorf("trace:\n%s\nwant the panic, then the goroutine, then panicHere's frame", got)
	}
	for _, frame := range []string{"runtime/debug.Stack", "protect.func", "traceOf"} {
		if strings.Contains(got, frame) {
			t.Errorf("trace has %s:\n%s", frame, got)
		}
	}
}

func panicHere() { panic("here") }

func TestFailedRecordPosition(t *testing.T) {
	h := &errorHandler{log: slog.New(slog.DiscardHandler)}
	f := &StageError{Stage: StageKeyConverter, Class: "K", Err: errors.New("bad key")}
	var tol *ToleranceError
	err := h.failed(t.Context(), f, &kafka.Message{Topic: "in", Partition: 3, Offset: 7, Key: []byte("secret")}, nil)
	if !errors.As(err, &tol) || tol.Record == nil || tol.Record.String() != "topic in, partition 3, offset 7" {
		t.Errorf("failed sink record: %v, position %v", err, tol.Record)
	}
	err = h.failed(t.Context(), f, nil, &plugin.Record{Topic: "out", Partition: 1, Key: "secret"})
	if !errors.As(err, &tol) || tol.Record == nil || tol.Record.String() != "topic out, partition 1" {
		t.Errorf("failed source record: %v, position %v", err, tol.Record)
	}
}
