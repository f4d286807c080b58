package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
)

func TestParseErrorPolicy(t *testing.T) {
	for _, tc := range []struct {
		conf configdef.Props
		want errorPolicy
		err  string
	}{
		{configdef.Props{}, errorPolicy{maxDelay: time.Minute}, ""},
		{configdef.Props{"errors.tolerance": " ALL ", "errors.retry.timeout": "-1", "errors.retry.delay.max.ms": "500",
			"errors.log.enable": "true", "errors.log.include.messages": "TRUE"},
			errorPolicy{toleranceAll: true, retryTimeout: -time.Millisecond, maxDelay: 500 * time.Millisecond, logEnable: true, logMessages: true}, ""},
		{configdef.Props{"errors.tolerance": "some"}, errorPolicy{}, "errors.tolerance"},
		{configdef.Props{"errors.retry.timeout": "-2"}, errorPolicy{}, "at least -1"},
		{configdef.Props{"errors.retry.delay.max.ms": "0"}, errorPolicy{}, "at least 1"},
		{configdef.Props{"errors.log.enable": "yes"}, errorPolicy{}, "true or false"},
	} {
		got, err := parseErrorPolicy(tc.conf)
		if tc.err != "" {
			var ce *configdef.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want a configdef.Error about %s", tc.conf, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %+v, %v; want %+v", tc.conf, got, err, tc.want)
		}
	}
}

// Java's backoff: 300 ms doubled per retry, then random below the maximum.
func TestBackoff(t *testing.T) {
	p := errorPolicy{maxDelay: 2 * time.Second}
	for attempt, want := range map[int]time.Duration{1: 300 * time.Millisecond, 2: 600 * time.Millisecond, 3: 1200 * time.Millisecond} {
		if got := p.backoff(attempt); got != want {
			t.Errorf("attempt %d: %v, want %v", attempt, got, want)
		}
	}
	for attempt := 4; attempt < 70; attempt++ {
		if got := p.backoff(attempt); got < 0 || got >= p.maxDelay {
			t.Errorf("attempt %d: %v, want below %v", attempt, got, p.maxDelay)
		}
	}
}

type flaky struct{ error }

func (flaky) Temporary() bool { return true }

func TestExecuteRetriesOnlyRetriableErrorsWithinTheTimeout(t *testing.T) {
	h := &errorHandler{log: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		name     string
		timeout  time.Duration
		failures int
		err      error
		calls    int
		ok       bool
	}{
		{"no retries by default", 0, 1, flaky{errors.New("busy")}, 1, false},
		{"retried until it works", time.Minute, 2, flaky{errors.New("busy")}, 3, true},
		{"retried forever", -1, 2, flaky{errors.New("busy")}, 3, true},
		{"not retriable", time.Minute, 1, errors.New("bad data"), 1, false},
		{"timeout runs out", 50 * time.Millisecond, 1 << 30, flaky{errors.New("busy")}, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.policy = errorPolicy{retryTimeout: tc.timeout, maxDelay: 10 * time.Millisecond}
			calls := 0
			err := h.execute(context.Background(), StageValueConverter, "C", func() error {
				calls++
				if calls <= tc.failures {
					return tc.err
				}
				return nil
			})
			var se *StageError
			if tc.calls < 0 && calls > 1 {
				calls = tc.calls // some retries, as many as fit in the timeout
			}
			if (err == nil) != tc.ok || (!tc.ok && !errors.As(err, &se)) || calls != tc.calls {
				t.Errorf("err %v after %d calls; want ok=%v after %d", err, calls, tc.ok, tc.calls)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.policy = errorPolicy{retryTimeout: -1, maxDelay: time.Second}
	err := h.execute(ctx, StageValueConverter, "C", func() error { return flaky{errors.New("busy")} })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a stopping task's retry ended with %v, want its context's error", err)
	}
}

func TestContextHeadersAsJavaWritesThem(t *testing.T) {
	cause := &converters.DataError{Msg: "Converting byte[] to Kafka Connect data failed due to serialization error"}
	f := &StageError{Stage: StageValueConverter, Class: "org.apache.kafka.connect.json.JsonConverter", Err: fmt.Errorf("wrapped: %w", cause)}
	m := kafka.Message{Topic: "orders", Partition: 3, Offset: 42}
	var got []string
	for _, h := range contextHeaders(TaskID{Connector: "sink", Task: 2}, m, f) {
		if h.Key == headerExceptionTrace {
			got = append(got, h.Key+"=…")
			continue
		}
		got = append(got, h.Key+"="+string(h.Value))
	}
	want := []string{
		"__connect.errors.topic=orders",
		"__connect.errors.partition=3",
		"__connect.errors.offset=42",
		"__connect.errors.connector.name=sink",
		"__connect.errors.task.id=2",
		"__connect.errors.stage=VALUE_CONVERTER",
		"__connect.errors.class.name=org.apache.kafka.connect.json.JsonConverter",
		"__connect.errors.exception.class.name=org.apache.kafka.connect.errors.DataException",
		"__connect.errors.exception.message=Converting byte[] to Kafka Connect data failed due to serialization error",
		"__connect.errors.exception.stacktrace=…",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("headers\n%v\nwant\n%v", got, want)
	}
}

func TestWindowLetsAnOversizedBatchGoAlone(t *testing.T) {
	w := newWindow(10)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if !w.acquire(ctx, 25) {
		t.Fatal("an empty window refused a large batch")
	}
	if w.acquire(ctx, 1) {
		t.Fatal("a full window took more")
	}
	w.release(25)
	if !w.acquire(context.Background(), 10) {
		t.Fatal("a freed window refused")
	}
}
