package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// newWriter returns the log's producer: acks=all, Java's partitioner for
// keyed records, and one batch in flight per partition, so records keep
// their order within a partition (Java: max.in.flight=1).
func (l *Log) newWriter() *kafka.Writer {
	return &kafka.Writer{
		Addr:      l.clients.Client.Addr,
		Topic:     l.cfg.Topic,
		Transport: l.clients.RoundTripper,
		Balancer: kafka.BalancerFunc(func(m kafka.Message, partitions ...int) int {
			return partitions[PartitionForKey(m.Key, len(partitions))]
		}),
		RequiredAcks: kafka.RequireAll,
		Async:        true,
		BatchTimeout: time.Millisecond,
		Completion:   completed,
		ErrorLogger: kafka.LoggerFunc(func(format string, args ...any) {
			l.log.Debug(fmt.Sprintf(format, args...))
		}),
	}
}

// completed calls each record's callback when the broker acknowledged its
// batch, or the writer gave up on it.
func completed(msgs []kafka.Message, err error) {
	for _, m := range msgs {
		if done, ok := m.WriterData.(func(error)); ok && done != nil {
			done(err)
		}
	}
}

// Send writes a record (value nil: a tombstone) to the partition Java's
// producer would pick for key, and returns once all in-sync replicas have it.
// Records from sequential calls with the same key stay in order. If ctx ends
// first, Send returns its error, but the record may still be written. key and
// value must not change until Send returns.
func (l *Log) Send(ctx context.Context, key, value []byte) error {
	res := make(chan error, 1)
	if err := l.SendAsync(ctx, key, value, func(err error) { res <- err }); err != nil {
		return err
	}
	select {
	case err := <-res:
		if err != nil {
			return fmt.Errorf("send to %q: %w", l.cfg.Topic, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendAsync queues a record like Send and returns without waiting; done
// (which may be nil) is called once with the outcome, from a goroutine of
// the producer, so it must not block. Records queued by sequential calls keep
// their order within a partition. If SendAsync returns an error, done is
// never called. key and value must not change until done is called; ctx only
// bounds finding the topic's partitions.
func (l *Log) SendAsync(ctx context.Context, key, value []byte, done func(error)) error {
	if key == nil {
		return errors.New("kafkalog: send without a key")
	}
	l.mu.Lock()
	w, running := l.writer, l.writer != nil && !l.stopped
	l.mu.Unlock()
	if !running {
		return ErrStopped
	}
	err := w.WriteMessages(ctx, kafka.Message{Key: key, Value: value, WriterData: done})
	if errors.Is(err, io.ErrClosedPipe) {
		return ErrStopped
	}
	if err != nil {
		return fmt.Errorf("send to %q: %w", l.cfg.Topic, err)
	}
	return nil
}
