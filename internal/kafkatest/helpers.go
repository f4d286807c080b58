package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// Name returns a topic or group name unique to this run of t, so tests can
// share a real broker.
func Name(t testing.TB, prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	base := unsafeName.ReplaceAllString(t.Name(), "-")
	if len(base) > 60 {
		base = base[:60]
	}
	return strings.ToLower(prefix + "-" + base + "-" + hex.EncodeToString(b))
}

// Eventually calls cond until it returns nil or timeout passes, then fails t
// with cond's last error. It polls briefly rather than sleeping a fixed time.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	wait := 10 * time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", timeout, err)
		}
		time.Sleep(wait)
		wait = min(wait*2, 250*time.Millisecond)
	}
}

// Client returns a kafka-go client for the broker. It shares kafka-go's
// default transport, resending as the worker does what a connection closed
// by a broker restart lost, so tests that restart the broker can keep
// using it.
func (b *Broker) Client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(b.Addr), Transport: kafkaclient.Resending(kafka.DefaultTransport), Timeout: 30 * time.Second}
}

// ClusterID asks the broker for its cluster id.
func (b *Broker) ClusterID(t testing.TB) string {
	t.Helper()
	resp, err := b.Client().Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{}})
	if err != nil {
		t.Fatalf("kafkatest: metadata: %v", err)
	}
	return resp.ClusterID
}

// CreateTopic creates a topic with the given partitions, the replication
// factor of b's workers' internal topics (1 on one broker) and configs
// ("cleanup.policy", "compact", ...).
func (b *Broker) CreateTopic(t testing.TB, name string, partitions int, configs ...string) {
	t.Helper()
	if len(configs)%2 != 0 {
		t.Fatalf("kafkatest: CreateTopic configs come in pairs, got %q", configs)
	}
	var entries []kafka.ConfigEntry
	for i := 0; i < len(configs); i += 2 {
		entries = append(entries, kafka.ConfigEntry{ConfigName: configs[i], ConfigValue: configs[i+1]})
	}
	resp, err := b.Client().CreateTopics(context.Background(), &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: name, NumPartitions: partitions, ReplicationFactor: b.ReplicationFactor(), ConfigEntries: entries}},
	})
	if err != nil {
		t.Fatalf("kafkatest: create topic %s: %v", name, err)
	}
	if err := resp.Errors[name]; err != nil {
		t.Fatalf("kafkatest: create topic %s: %v", name, err)
	}
}

// Produce writes records (key, value pairs) to topic, partitioned by key as
// Java's default partitioner does, and waits for acks=all.
func (b *Broker) Produce(t testing.TB, topic string, kvs ...string) {
	t.Helper()
	if len(kvs)%2 != 0 {
		t.Fatalf("kafkatest: Produce takes key, value pairs, got %q", kvs)
	}
	// A transport of its own: kafka-go's shared default one caches metadata
	// and would not see a topic another client just created.
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	w := &kafka.Writer{
		Addr:         kafka.TCP(b.Addr),
		Transport:    transport,
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond,
	}
	defer w.Close()
	var msgs []kafka.Message
	for i := 0; i < len(kvs); i += 2 {
		msgs = append(msgs, kafka.Message{Key: []byte(kvs[i]), Value: []byte(kvs[i+1])})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("kafkatest: produce to %s: %v", topic, err)
	}
}

// Consume reads partition of topic from the beginning until n records
// arrived or timeout passed.
func (b *Broker) Consume(t testing.TB, topic string, partition, n int, timeout time.Duration) []kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr}, Topic: topic, Partition: partition, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []kafka.Message
	for len(out) < n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("kafkatest: %d of %d records from %s[%d] within %v", len(out), n, topic, partition, timeout)
			}
			t.Fatalf("kafkatest: consume %s[%d]: %v", topic, partition, err)
		}
		out = append(out, m)
	}
	return out
}

// String describes the broker for test logs.
func (b *Broker) String() string {
	if b.Version != "" {
		return fmt.Sprintf("%s %s at %s", b.Kind, b.Version, b.Addr)
	}
	return fmt.Sprintf("%s at %s", b.Kind, b.Addr)
}

// LastOffset returns the end offset of a partition: the offset the next
// record will get. Answers that the partition's leader is moving (after a
// broker restart) are retried for a while.
func LastOffset(b *Broker, topic string, partition int) (int64, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		end, err := lastOffset(b, topic, partition)
		var kerr kafka.Error
		if err == nil || !errors.As(err, &kerr) || !kerr.Temporary() || time.Now().After(deadline) {
			return end, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func lastOffset(b *Broker, topic string, partition int) (int64, error) {
	resp, err := b.Client().ListOffsets(context.Background(), &kafka.ListOffsetsRequest{
		Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(partition)}},
	})
	if err != nil {
		return 0, err
	}
	for _, p := range resp.Topics[topic] {
		if p.Partition == partition {
			if p.Error != nil {
				return 0, p.Error
			}
			return p.LastOffset, nil
		}
	}
	return 0, fmt.Errorf("no offset for %s[%d]", topic, partition)
}
