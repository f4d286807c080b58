package runtime

import (
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

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

// TransactionHook is told about each transaction of an exactly-once source
// task as it ends: the records it held, and whether it committed.
type TransactionHook interface {
	OnTransaction(id TaskID, records int, committed bool)
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

// RecordFailureHook is told about each failed attempt at a stage of a
// record, retried or not, as Java's total-record-failures counts them.
type RecordFailureHook interface {
	OnRecordFailure(id TaskID, stage Stage)
}

// ClientHook watches the Kafka clients tasks own, named by the client.id
// Java gives them: a sink task's consumer (connector-consumer-<name>-<n>)
// and a source task's producer (connector-producer-<name>-<n>).
type ClientHook interface {
	// ConsumerHooks returns kgo hooks for the sink task's consumer.
	ConsumerHooks(id TaskID, clientID string) []kgo.Hook
	// ProducerObserver returns what observes the connections of the source
	// task's producer; nil for nothing.
	ProducerObserver(id TaskID, clientID string) kafkaclient.ConnObserver
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

func (hs hooks) transaction(id TaskID, n int, committed bool) {
	for _, h := range hs {
		if h, ok := h.(TransactionHook); ok {
			h.OnTransaction(id, n, committed)
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

func (hs hooks) recordFailure(id TaskID, stage Stage) {
	for _, h := range hs {
		if h, ok := h.(RecordFailureHook); ok {
			h.OnRecordFailure(id, stage)
		}
	}
}

func (hs hooks) consumerHooks(id TaskID, clientID string) []kgo.Hook {
	var out []kgo.Hook
	for _, h := range hs {
		if h, ok := h.(ClientHook); ok {
			out = append(out, h.ConsumerHooks(id, clientID)...)
		}
	}
	return out
}

// producerObserver is the ClientHooks' observers of a producer, as one;
// nil when there are none.
func (hs hooks) producerObserver(id TaskID, clientID string) kafkaclient.ConnObserver {
	var obs connObservers
	for _, h := range hs {
		if h, ok := h.(ClientHook); ok {
			if o := h.ProducerObserver(id, clientID); o != nil {
				obs = append(obs, o)
			}
		}
	}
	if len(obs) == 0 {
		return nil
	}
	return obs
}

type connObservers []kafkaclient.ConnObserver

func (obs connObservers) ConnOpened() {
	for _, o := range obs {
		o.ConnOpened()
	}
}

func (obs connObservers) ConnClosed() {
	for _, o := range obs {
		o.ConnClosed()
	}
}

func (obs connObservers) BytesRead(n int) {
	for _, o := range obs {
		o.BytesRead(n)
	}
}

func (obs connObservers) BytesWritten(n int) {
	for _, o := range obs {
		o.BytesWritten(n)
	}
}
