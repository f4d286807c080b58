package runtime_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// BenchmarkSourceThroughput measures a source task that does no work of
// its own: records per second and MB/s (values only) from Poll to Kafka's
// acknowledgement, through ByteArrayConverter, with offset tracking and
// commits. One task, one partition, acks=all. exactly-once is the same
// task under exactly.once.source.support=enabled: a transaction per poll
// of 1000 records, with its offsets, timed until the last one committed.
func BenchmarkSourceThroughput(b *testing.B) {
	for _, mode := range []struct{ name, env string }{
		{"at-least-once", "CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT=disabled"},
		{"exactly-once", "CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT=enabled"},
	} {
		for _, size := range []int{100, 1024} {
			b.Run(mode.name+"/"+strconv.Itoa(size)+"B", func(b *testing.B) {
				e := newEnv(b, mode.env)
				topic := kafkatest.Name(b, "blast")
				e.b.CreateTopic(b, topic, 1)
				b.ResetTimer()
				e.start("blast", 1, map[string]string{
					"connector.class": blastClass,
					"topic":           topic,
					"size":            strconv.Itoa(size),
					"count":           strconv.Itoa(b.N),
					"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
				})
				for e.hook.written.Load() < int64(b.N) {
					time.Sleep(time.Millisecond)
				}
				b.StopTimer()
				secs := b.Elapsed().Seconds()
				b.ReportMetric(float64(b.N)/secs, "records/s")
				b.ReportMetric(float64(b.N*size)/secs/1e6, "MB/s")
			})
		}
	}
}

// BenchmarkSinkThroughput measures a sink task that does no work of its
// own: records per second and MB/s (values only) from Kafka to Put,
// through ByteArrayConverter, with offset commits. One task, one
// partition; the records are written before the clock starts.
func BenchmarkSinkThroughput(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) {
			e := newEnv(b)
			topic := kafkatest.Name(b, "drain")
			e.b.CreateTopic(b, topic, 1)
			fill(b, e, topic, b.N, size)
			newProbe(topic)
			b.ResetTimer()
			e.start("drain", 1, map[string]string{
				"connector.class": collectClass,
				"topics":          topic,
				"probe":           topic,
				"put.discard":     "true",
				"key.converter":   "org.apache.kafka.connect.converters.ByteArrayConverter",
				"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
			})
			for e.hook.put.Load() < int64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "records/s")
			b.ReportMetric(float64(b.N*size)/secs/1e6, "MB/s")
		})
	}
}

// fill writes n records of size value bytes to topic.
func fill(b *testing.B, e *env, topic string, n, size int) {
	b.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(e.b.Addr), Topic: topic, Transport: &kafka.Transport{},
		RequiredAcks: kafka.RequireAll, BatchSize: 1000, BatchTimeout: time.Millisecond}
	defer w.Close()
	value := make([]byte, size)
	msgs := make([]kafka.Message, 0, 10000)
	for i := 0; i < n; i += len(msgs) {
		msgs = msgs[:0]
		for j := i; j < n && len(msgs) < cap(msgs); j++ {
			msgs = append(msgs, kafka.Message{Value: value})
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			b.Fatal(err)
		}
	}
}
