package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

// Header names of the error context Java's DeadLetterQueueReporter adds
// with errors.deadletterqueue.context.headers.enable=true.
const (
	headerPrefix         = "__connect.errors."
	headerTopic          = headerPrefix + "topic"
	headerPartition      = headerPrefix + "partition"
	headerOffset         = headerPrefix + "offset"
	headerConnector      = headerPrefix + "connector.name"
	headerTaskID         = headerPrefix + "task.id"
	headerStage          = headerPrefix + "stage"
	headerClass          = headerPrefix + "class.name"
	headerException      = headerPrefix + "exception.class.name"
	headerExceptionMsg   = headerPrefix + "exception.message"
	headerExceptionTrace = headerPrefix + "exception.stacktrace"
)

// Java creates the dead letter queue topic with one partition
// (DeadLetterQueueReporter.DLQ_NUM_DESIRED_PARTITIONS).
const dlqPartitions = 1

// deadLetterQueue writes a sink task's failed records, as they were read,
// to errors.deadletterqueue.topic.name.
type deadLetterQueue struct {
	topic   string
	headers bool // errors.deadletterqueue.context.headers.enable
	id      TaskID
	writer  *kafka.Writer
}

// newDeadLetterQueue returns nil when the connector names no topic. It
// creates the topic if it is missing, with
// errors.deadletterqueue.topic.replication.factor (default 3).
func newDeadLetterQueue(ctx context.Context, s configdef.Props, clients *kafkaclient.Clients, id TaskID, log *slog.Logger) (*deadLetterQueue, error) {
	topic := s.String("errors.deadletterqueue.topic.name", "")
	if topic == "" {
		return nil, nil
	}
	rf, err := s.Long("errors.deadletterqueue.topic.replication.factor", 3)
	if err != nil {
		return nil, err
	}
	headers, err := s.Bool("errors.deadletterqueue.context.headers.enable", false)
	if err != nil {
		return nil, err
	}
	if err := createTopic(ctx, clients.Client, log, kafka.TopicConfig{Topic: topic, NumPartitions: dlqPartitions, ReplicationFactor: int(rf)}); err != nil {
		return nil, &TopicError{Topic: topic, Err: err}
	}
	return &deadLetterQueue{
		topic:   topic,
		headers: headers,
		id:      id,
		writer: &kafka.Writer{
			Addr:      clients.Client.Addr,
			Transport: clients.RoundTripper,
			Topic:     topic,
			Balancer: kafka.BalancerFunc(func(m kafka.Message, partitions ...int) int {
				return partitions[javaPartition(m.Key, len(partitions), 0)]
			}),
			RequiredAcks:           kafka.RequireAll,
			BatchTimeout:           time.Millisecond,
			AllowAutoTopicCreation: true,
		},
	}, nil
}

// send writes a failed record with its original key, value, timestamp and
// headers, plus the error context headers if enabled, and waits for Kafka
// to acknowledge it.
func (q *deadLetterQueue) send(ctx context.Context, m kafka.Message, f *StageError) error {
	out := kafka.Message{Key: m.Key, Value: m.Value, Time: m.Time, Headers: slices.Clone(m.Headers)}
	if q.headers {
		out.Headers = append(out.Headers, contextHeaders(q.id, m, f)...)
	}
	var own plugin.DeadLetterError
	if errors.As(f.Err, &own) {
		for _, h := range own.DeadLetterHeaders() {
			out.Headers = append(out.Headers, kafka.Header{Key: h.Key, Value: []byte(fmt.Sprint(h.Value))})
		}
	}
	return q.writer.WriteMessages(ctx, out)
}

func (q *deadLetterQueue) close() error { return q.writer.Close() }

// contextHeaders are the __connect.errors.* headers, in Java's order and
// with its text forms.
func contextHeaders(id TaskID, m kafka.Message, f *StageError) []kafka.Header {
	h := func(k, v string) kafka.Header { return kafka.Header{Key: k, Value: []byte(v)} }
	cause := thrown(f.Err)
	return []kafka.Header{
		h(headerTopic, m.Topic),
		h(headerPartition, strconv.Itoa(m.Partition)),
		h(headerOffset, strconv.FormatInt(m.Offset, 10)),
		h(headerConnector, id.Connector),
		h(headerTaskID, strconv.Itoa(int(id.Task))),
		h(headerStage, string(f.Stage)),
		h(headerClass, f.Class),
		h(headerException, className(cause)),
		h(headerExceptionMsg, cause.Error()),
		h(headerExceptionTrace, traceOf(cause, "")),
	}
}

// javaPartition is the partition Java's producer picks: murmur2 of a
// non-null key; a null key goes to fallback, kept in range.
func javaPartition(key []byte, n, fallback int) int {
	if key != nil {
		return kafkalog.PartitionForKey(key, n)
	}
	return fallback % n
}
