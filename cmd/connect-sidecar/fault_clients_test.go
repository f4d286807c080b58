//go:build fault

package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

// Every kind of request the worker keeps a pooled connection for works on
// its first try after the broker restarted under it: kafka-go does not see
// an idle connection's close, so without resending the first request after
// a restart fails with EOF. The test client (kafkatest's Client) is checked
// the same way, since the fault suite's bookkeeping depends on it.
func TestFaultClientsSurviveBrokerRestart(t *testing.T) {
	b := kafkatest.Start(t)
	kafkatest.RequireReal(t, b, "a broker restart")
	topic, group := kafkatest.Name(t, "t"), kafkatest.Name(t, "g")
	b.CreateTopic(t, topic, 3)
	b.Produce(t, topic, "k", "v")

	w := kafkatest.Worker(t, b, group)
	clients := kafkatest.Clients(t, w)
	log := kafkatest.Started(t, kafkalog.New(clients, kafkalog.Config{Topic: kafkatest.Name(t, "log"), Partitions: 3, ReplicationFactor: 1}, kafkatest.Quiet(), func(kafkalog.Record) {}))
	test := b.Client()

	ops := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"end offsets (offsets API, lag poller)", func(ctx context.Context) error {
			_, err := clients.Client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(0)}}})
			return err
		}},
		{"group offsets (offsets API)", func(ctx context.Context) error {
			_, err := clients.Client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group})
			return err
		}},
		{"topic creation (source topics)", func(ctx context.Context) error {
			resp, err := clients.Client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: kafkatest.Name(t, "new"), NumPartitions: 1, ReplicationFactor: 1}}})
			if err == nil {
				for _, e := range resp.Errors {
					err = errors.Join(err, e)
				}
			}
			return err
		}},
		{"topic configs (internal topics)", func(ctx context.Context) error {
			_, err := clients.Client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}}})
			return err
		}},
		{"internal topic read to end (stores)", log.ReadToEnd},
		{"test client end offset", func(context.Context) error {
			_, err := kafkatest.LastOffset(b, topic, 0)
			return err
		}},
		{"test client group offsets", func(ctx context.Context) error {
			_, err := test.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group})
			return err
		}},
	}
	run := func(when string) {
		for _, op := range ops {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := op.do(ctx)
			cancel()
			if err != nil {
				t.Errorf("%s, %s: %v", op.name, when, err)
			}
		}
	}
	run("before the restart") // every client now holds pooled connections
	b.StopBroker(t, true)
	took := b.StartBroker(t)
	t.Logf("broker restarted in %v", took.Round(time.Millisecond))
	run("first try after the restart")
}
