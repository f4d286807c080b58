package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// broker talks to the Kafka broker for the set-up and the observations the
// harness makes itself (end offsets, group state).
type broker struct {
	addr   string
	client *kafka.Client
}

func newBroker(addr string) *broker {
	return &broker{addr: addr, client: &kafka.Client{Addr: kafka.TCP(addr), Timeout: 30 * time.Second}}
}

// clusterID tells one broker from the next: scripts/kafka.sh start formats
// a new cluster, wiping every topic.
func (k *broker) clusterID(ctx context.Context) (string, error) {
	resp, err := k.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
	if err != nil {
		return "", err
	}
	return resp.ClusterID, nil
}

// createTopic creates a topic with replication factor 1 and configs given
// as name, value pairs.
func (k *broker) createTopic(ctx context.Context, name string, partitions int, configs ...string) error {
	var entries []kafka.ConfigEntry
	for i := 0; i+1 < len(configs); i += 2 {
		entries = append(entries, kafka.ConfigEntry{ConfigName: configs[i], ConfigValue: configs[i+1]})
	}
	resp, err := k.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: name, NumPartitions: partitions, ReplicationFactor: 1, ConfigEntries: entries},
	}})
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	if err := resp.Errors[name]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

func (k *broker) deleteTopics(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	resp, err := k.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: names})
	if err != nil {
		return err
	}
	var errs []error
	for name, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.UnknownTopicOrPartition) {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

func (k *broker) deleteGroups(ctx context.Context, groups []string) error {
	if len(groups) == 0 {
		return nil
	}
	_, err := k.client.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: groups})
	return err
}

// endOffset is the sum of the topic's partitions' end offsets: the number of
// records written to a fresh topic.
func (k *broker) endOffset(ctx context.Context, topic string, partitions int) (int64, error) {
	reqs := make([]kafka.OffsetRequest, partitions)
	for p := range reqs {
		reqs[p] = kafka.LastOffsetOf(p)
	}
	resp, err := k.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return 0, p.Error
		}
		sum += p.LastOffset
	}
	return sum, nil
}

// groupState is the Connect group's state as the coordinator sees it
// (Stable, PreparingRebalance, CompletingRebalance, Empty, Dead).
func (k *broker) groupState(ctx context.Context, group string) (string, error) {
	resp, err := k.client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return "", err
	}
	// kafka-go fails to decode Connect's member metadata (it expects the
	// consumer protocol) and says so in Error, but the state is still there.
	for _, g := range resp.Groups {
		if g.GroupID == group {
			return g.GroupState, nil
		}
	}
	return "", fmt.Errorf("group %s not described", group)
}

// fill writes n records whose values are size bytes of ASCII (the record's
// number, then padding), spread round robin over the topic's partitions;
// or, with keys, keyed k0, k1, ... k<keys-1> in turn, each key's hash
// picking its partition.
func (k *broker) fill(ctx context.Context, topic string, n, size, keys int) error {
	var balancer kafka.Balancer = &kafka.RoundRobin{}
	if keys > 0 {
		balancer = &kafka.Hash{}
	}
	w := &kafka.Writer{
		Addr: kafka.TCP(k.addr), Topic: topic, Balancer: balancer,
		BatchSize: 5000, BatchBytes: 1_000_000, BatchTimeout: 5 * time.Millisecond, // the broker's message.max.bytes
		RequiredAcks: kafka.RequireAll,
	}
	defer w.Close()
	const chunk = 20_000
	msgs := make([]kafka.Message, 0, chunk)
	for i := 0; i < n; {
		msgs = msgs[:0]
		for ; i < n && len(msgs) < chunk; i++ {
			m := kafka.Message{Value: payload(i, size)}
			if keys > 0 {
				m.Key = []byte("k" + strconv.Itoa(i%keys))
			}
			msgs = append(msgs, m)
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("fill %s: %w", topic, err)
		}
	}
	return nil
}

// payload is record i's value or line: its number and padding, size bytes.
func payload(i, size int) []byte {
	b := make([]byte, 0, size)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ' ')
	for len(b) < size {
		b = append(b, 'a'+byte(len(b)%26))
	}
	return b[:size]
}

// writeStoppedConnectors writes n STOPPED FileStreamSink connectors into a
// new config topic, with the records a Java worker writes for
// POST /connectors with "initial_state":"STOPPED": the target state, the
// config, and the leader's empty task set.
func (k *broker) writeStoppedConnectors(ctx context.Context, topic string, n int) error {
	if err := k.createTopic(ctx, topic, 1, "cleanup.policy", "compact"); err != nil {
		return err
	}
	msgs := make([]kafka.Message, 0, 3*n)
	for i := range n {
		name := fmt.Sprintf("stopped-%04d", i)
		recs := []configstore.Record{
			configstore.ConnectorTargetState{Connector: name, State: configstore.Stopped},
			configstore.ConnectorConfig{Connector: name, Properties: configstore.PropsOf(map[string]string{
				"name": name, "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
				"tasks.max": "1", "topics": "orders-" + strconv.Itoa(i%50), "file": "/dev/null",
				"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
				"value.converter": "org.apache.kafka.connect.storage.StringConverter",
			})},
			configstore.Commit{Connector: name, Tasks: 0},
		}
		for _, r := range recs {
			key, value, err := configstore.Encode(r)
			if err != nil {
				return err
			}
			msgs = append(msgs, kafka.Message{Key: []byte(key), Value: value})
		}
	}
	w := &kafka.Writer{Addr: kafka.TCP(k.addr), Topic: topic, BatchSize: 1000, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	return w.WriteMessages(ctx, msgs...)
}

// produceAtRate writes records at a steady rate for d with their creation time as
// timestamp, for the HTTP sink's latency.
func (k *broker) produceAtRate(ctx context.Context, topic string, rate int, d time.Duration, size int) (int, error) {
	var mu sync.Mutex
	var failed error
	w := &kafka.Writer{
		Addr: kafka.TCP(k.addr), Topic: topic, Balancer: &kafka.RoundRobin{},
		BatchSize: 100, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireOne, Async: true,
		Completion: func(_ []kafka.Message, err error) {
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
			}
		},
	}
	start := time.Now()
	sent := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		elapsed := time.Since(start)
		if elapsed >= d {
			break
		}
		due := int(float64(rate)*elapsed.Seconds()) - sent
		if due > 0 {
			now := time.Now()
			msgs := make([]kafka.Message, due)
			for i := range msgs {
				msgs[i] = kafka.Message{Value: payload(sent+i, size), Time: now}
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				return sent, err
			}
			sent += due
		}
		select {
		case <-ctx.Done():
			return sent, ctx.Err()
		case <-tick.C:
		}
	}
	// Close flushes what is pending; Completion has run for all of it then.
	if err := w.Close(); err != nil {
		return sent, err
	}
	mu.Lock()
	defer mu.Unlock()
	return sent, failed
}
