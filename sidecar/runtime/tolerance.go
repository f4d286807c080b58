package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Java's first retry delay (RetryWithToleranceOperator.RETRIES_DELAY_MIN_MS);
// each further retry doubles it, up to errors.retry.delay.max.ms.
const retryDelayMin = 300 * time.Millisecond

// errorPolicy is a connector's errors.* settings.
type errorPolicy struct {
	toleranceAll bool          // errors.tolerance=all
	retryTimeout time.Duration // errors.retry.timeout; negative retries forever
	maxDelay     time.Duration // errors.retry.delay.max.ms
	logEnable    bool          // errors.log.enable
	logMessages  bool          // errors.log.include.messages
}

func parseErrorPolicy(s configdef.Props) (errorPolicy, error) {
	var p errorPolicy
	t := s.String("errors.tolerance", "none")
	if err := configdef.InIgnoringCase("none", "all")("errors.tolerance", t); err != nil {
		return p, err
	}
	p.toleranceAll = strings.EqualFold(t, "all")
	var err error
	if p.retryTimeout, err = millis(s, "errors.retry.timeout", 0, -1); err != nil {
		return p, err
	}
	if p.maxDelay, err = millis(s, "errors.retry.delay.max.ms", time.Minute, 1); err != nil {
		return p, err
	}
	if p.logEnable, err = s.Bool("errors.log.enable", false); err != nil {
		return p, err
	}
	if p.logMessages, err = s.Bool("errors.log.include.messages", false); err != nil {
		return p, err
	}
	return p, nil
}

// deadline is when retries of an operation first tried at start stop.
func (p errorPolicy) deadline(start time.Time) time.Time {
	if p.retryTimeout < 0 {
		return time.Time{} // never
	}
	return start.Add(p.retryTimeout)
}

// backoff is Java's delay before retry number attempt (1 for the first):
// 300 ms doubled each time; past errors.retry.delay.max.ms a random delay
// below it, so tasks retrying together spread out.
func (p errorPolicy) backoff(attempt int) time.Duration {
	d := retryDelayMin << min(attempt-1, 30)
	if d > p.maxDelay || d <= 0 {
		d = rand.N(p.maxDelay)
	}
	return d
}

// errorHandler applies a task's error policy to its records: retries,
// tolerance and reporting (log, dead letter queue, metrics). It is used by
// the task's own goroutine only.
type errorHandler struct {
	policy errorPolicy
	id     TaskID
	log    *slog.Logger
	hooks  hooks
	dlq    *deadLetterQueue // sinks only; nil when not configured
}

// execute runs one stage of a record, retrying retriable failures with
// backoff until errors.retry.timeout has passed. A failure comes back as a
// *StageError; ctx's error means the task is stopping.
func (h *errorHandler) execute(ctx context.Context, stage Stage, class string, op func() error) error {
	start := time.Now()
	deadline := h.policy.deadline(start)
	for attempt := 1; ; attempt++ {
		err := protect(op)
		if err == nil {
			return nil
		}
		h.hooks.recordFailure(h.id, stage)
		if !retriable(err) || !wait(ctx, deadline, h.policy.backoff(attempt)) {
			if ctx.Err() != nil {
				return ctx.Err() // stopping: the record is neither failed nor skipped
			}
			return &StageError{Stage: stage, Class: class, Err: err}
		}
		h.log.Debug("retrying a record", "stage", stage, "class", class, "attempt", attempt, "err", err)
	}
}

// wait sleeps for d, cut short at deadline (zero: none); false if the
// deadline has passed or ctx ended.
func wait(ctx context.Context, deadline time.Time, d time.Duration) bool {
	if !deadline.IsZero() {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		d = min(d, left)
	}
	return sleep(ctx, d)
}

// sleep waits for d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// failed handles a record that failed a stage, as Java's error handler
// does: it is reported (logged, counted, sent to the dead letter queue)
// whatever the tolerance; then with errors.tolerance=all it is skipped
// (failed returns nil), with none it fails the task (a *ToleranceError).
// consumed is the Kafka record a sink task read, nil for a source record.
func (h *errorHandler) failed(ctx context.Context, f *StageError, consumed *kafka.Message, source *plugin.Record) error {
	h.hooks.recordError(h.id, f.Stage, h.policy.toleranceAll)
	h.logFailure(f, consumed, source)
	if h.dlq != nil && consumed != nil {
		if err := h.dlq.send(ctx, *consumed, f); err != nil {
			// Skipping the record now would lose it silently.
			return fmt.Errorf("dead letter queue %s: %w", h.dlq.topic, err)
		}
	}
	if !h.policy.toleranceAll {
		return &ToleranceError{StageError: f, Record: positionOf(consumed, source)}
	}
	return nil
}

// positionOf is where the failed record was read, or where a source
// record was going; nil when neither is known.
func positionOf(consumed *kafka.Message, source *plugin.Record) *RecordPosition {
	switch {
	case consumed != nil:
		return &RecordPosition{Topic: consumed.Topic, Partition: int32(consumed.Partition), Offset: consumed.Offset}
	case source != nil:
		return &RecordPosition{Topic: source.Topic, Partition: source.Partition, Offset: -1}
	}
	return nil
}

// logFailure writes Java's LogReporter line when errors.log.enable is on.
// Otherwise a tolerated record still gets a short warning: nothing is
// skipped silently.
func (h *errorHandler) logFailure(f *StageError, consumed *kafka.Message, source *plugin.Record) {
	if !h.policy.logEnable {
		if h.policy.toleranceAll {
			h.log.Warn("skipping a record (errors.tolerance=all)", "stage", f.Stage, "class", f.Class, "err", f.Err)
		}
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Error encountered in task %s-%d. Executing stage '%s' with class '%s'", h.id.Connector, h.id.Task, f.Stage, f.Class)
	switch {
	case h.policy.logMessages && source != nil:
		fmt.Fprintf(&b, ", where source record is = %s", describeSource(source))
	case h.policy.logMessages && consumed != nil:
		fmt.Fprintf(&b, ", where consumed record is {topic='%s', partition=%d, offset=%d", consumed.Topic, consumed.Partition, consumed.Offset)
		if !consumed.Time.IsZero() {
			fmt.Fprintf(&b, ", timestamp=%d, timestampType=CreateTime", consumed.Time.UnixMilli())
		}
		b.WriteString("}")
	}
	b.WriteString(".")
	h.log.Error(b.String(), "err", f.Err)
}

// describeSource prints a source record for the error log, close to
// Java's SourceRecord.toString.
func describeSource(r *plugin.Record) string {
	return fmt.Sprintf("SourceRecord{sourcePartition=%v, sourceOffset=%v} ConnectRecord{topic='%s', kafkaPartition=%d, key=%v, value=%v, timestamp=%v, headers=%v}",
		r.SourcePartition, r.SourceOffset, r.Topic, r.Partition, r.Key, r.Value, r.Timestamp, r.Headers)
}
