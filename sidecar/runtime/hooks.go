package runtime

import "time"

// Hook receives the runtime's metric events. A hook implements any of the
// *Hook interfaces below, and only those are called, the way franz-go's
// kgo hooks work; the runtime never knows which metrics library is behind
// them. Hook methods are called from task goroutines and from the Kafka
// producer's goroutines, so they must be safe for concurrent use and must
// not block.
type Hook any

// SourcePollHook is told how many records each Poll returned (the batch
// size; empty polls included).
type SourcePollHook interface {
	OnSourcePoll(id TaskID, records int)
}

// SourceWriteHook is told about records Kafka acknowledged, per produce
// batch, with their key and value bytes.
type SourceWriteHook interface {
	OnSourceWrite(id TaskID, records, bytes int)
}

// SourceSendFailureHook is told about each failed attempt to send source
// records to topic, per record: a record tried three times in vain counts
// three.
type SourceSendFailureHook interface {
	OnSourceSendFailure(id TaskID, topic string, records int)
}

// SinkPutHook is told about each Put: the batch size and how long it took.
type SinkPutHook interface {
	OnSinkPut(id TaskID, records int, took time.Duration)
}

// OffsetCommitHook is told about each offset commit: source offsets
// flushed to the offsets topic, sink offsets committed to the consumer
// group. err is nil on success.
type OffsetCommitHook interface {
	OnOffsetCommit(id TaskID, took time.Duration, err error)
}

// RecordErrorHook is told about each record that failed a stage after its
// retries: tolerated is true when errors.tolerance=all skipped it, false
// when it failed the task.
type RecordErrorHook interface {
	OnRecordError(id TaskID, stage Stage, tolerated bool)
}

// hooks dispatches events to the hooks that want them.
type hooks []Hook

func (hs hooks) sourcePoll(id TaskID, n int) {
	for _, h := range hs {
		if h, ok := h.(SourcePollHook); ok {
			h.OnSourcePoll(id, n)
		}
	}
}

func (hs hooks) sourceWrite(id TaskID, n, bytes int) {
	for _, h := range hs {
		if h, ok := h.(SourceWriteHook); ok {
			h.OnSourceWrite(id, n, bytes)
		}
	}
}

func (hs hooks) sourceSendFailure(id TaskID, topic string, n int) {
	for _, h := range hs {
		if h, ok := h.(SourceSendFailureHook); ok {
			h.OnSourceSendFailure(id, topic, n)
		}
	}
}

func (hs hooks) sinkPut(id TaskID, n int, took time.Duration) {
	for _, h := range hs {
		if h, ok := h.(SinkPutHook); ok {
			h.OnSinkPut(id, n, took)
		}
	}
}

func (hs hooks) offsetCommit(id TaskID, took time.Duration, err error) {
	for _, h := range hs {
		if h, ok := h.(OffsetCommitHook); ok {
			h.OnOffsetCommit(id, took, err)
		}
	}
}

func (hs hooks) recordError(id TaskID, stage Stage, tolerated bool) {
	for _, h := range hs {
		if h, ok := h.(RecordErrorHook); ok {
			h.OnRecordError(id, stage, tolerated)
		}
	}
}
