package runtime

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// createTopic creates a topic unless it exists. A worker that may not
// create topics assumes the topic exists or that the broker will create
// it, as Java's TopicAdmin does.
func createTopic(ctx context.Context, client *kafka.Client, log *slog.Logger, t kafka.TopicConfig) error {
	resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{t}})
	if err == nil {
		err = resp.Errors[t.Topic]
	}
	switch {
	case err == nil:
		log.Info("created topic", "topic", t.Topic, "partitions", t.NumPartitions, "replication_factor", t.ReplicationFactor)
		return nil
	case errors.Is(err, kafka.TopicAlreadyExists):
		return nil
	case errors.Is(err, kafka.TopicAuthorizationFailed), errors.Is(err, kafka.ClusterAuthorizationFailed):
		log.Warn("not allowed to create a topic; assuming it exists or the broker creates it", "topic", t.Topic, "err", err)
		return nil
	}
	return err
}

// topicCreator creates the topics a source task writes to before its
// first record goes there, when the connector asks for it with
// topic.creation.default.replication.factor and .partitions (KIP-158).
// Java's topic.creation.groups are not supported: every topic gets the
// default group's settings. It belongs to the task's goroutine.
type topicCreator struct {
	client   *kafka.Client
	log      *slog.Logger
	template kafka.TopicConfig // Topic left empty
	known    map[string]bool   // topics this task has made sure of
}

// newTopicCreator returns nil when topics are left to the broker: the
// worker's topic.creation.enable is false, or the connector sets no
// default replication factor and partitions.
func newTopicCreator(w config.Worker, s settings, client *kafka.Client, log *slog.Logger) (*topicCreator, error) {
	enabled, err := settings(w.Properties).boolean("topic.creation.enable", true)
	if err != nil || !enabled {
		return nil, err
	}
	const prefix = "topic.creation.default."
	_, hasRF := s[prefix+"replication.factor"]
	_, hasPartitions := s[prefix+"partitions"]
	if !hasRF && !hasPartitions {
		return nil, nil
	}
	if !hasRF || !hasPartitions {
		missing := prefix + "replication.factor"
		if hasRF {
			missing = prefix + "partitions"
		}
		return nil, &ConfigError{Key: missing, Value: "", Reason: "topic creation needs both " + prefix + "replication.factor and " + prefix + "partitions"}
	}
	rf, err := s.integer(prefix+"replication.factor", 0)
	if err != nil {
		return nil, err
	}
	partitions, err := s.integer(prefix+"partitions", 0)
	if err != nil {
		return nil, err
	}
	if rf == 0 || rf < -1 {
		return nil, &ConfigError{Key: prefix + "replication.factor", Value: s[prefix+"replication.factor"], Reason: "must be -1 (the broker's default) or at least 1"}
	}
	if partitions == 0 || partitions < -1 {
		return nil, &ConfigError{Key: prefix + "partitions", Value: s[prefix+"partitions"], Reason: "must be -1 (the broker's default) or at least 1"}
	}
	t := kafka.TopicConfig{NumPartitions: int(partitions), ReplicationFactor: int(rf)}
	configs := withPrefix(s, prefix)
	for _, name := range slices.Sorted(maps.Keys(configs)) {
		switch name {
		case "replication.factor", "partitions", "include", "exclude":
			continue
		}
		t.ConfigEntries = append(t.ConfigEntries, kafka.ConfigEntry{ConfigName: name, ConfigValue: configs[name]})
	}
	return &topicCreator{client: client, log: log, template: t, known: map[string]bool{}}, nil
}

// ensure creates topic if this task has not seen it yet.
func (c *topicCreator) ensure(ctx context.Context, topic string) error {
	if c == nil || c.known[topic] {
		return nil
	}
	t := c.template
	t.Topic = topic
	if err := createTopic(ctx, c.client, c.log, t); err != nil {
		return &TopicError{Topic: topic, Err: err}
	}
	c.known[topic] = true
	return nil
}

// TopicError is a topic the runtime could not create.
type TopicError struct {
	Topic string
	Err   error
}

func (e *TopicError) Error() string { return "create topic " + e.Topic + ": " + e.Err.Error() }

func (e *TopicError) Unwrap() error { return e.Err }
