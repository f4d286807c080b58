package runtime

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
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
// first record goes there, when the connector configures topic creation
// (KIP-158): each topic with the settings of the first of
// topic.creation.groups whose include and exclude patterns select it,
// else of the default group. It belongs to the task's goroutine.
type topicCreator struct {
	client *kafka.Client
	log    *slog.Logger
	groups *connectorconfig.TopicCreation
	known  map[string]bool // topics this task has made sure of
}

// newTopicCreator returns nil when topics are left to the broker: the
// worker's topic.creation.enable is false, or the connector configures no
// topic creation. The configuration is read as Java's
// SourceConnectorConfig reads it, so a bad group fails the task with
// Java's message.
func newTopicCreator(w config.Worker, reg *plugin.Registry, conf map[string]string, client *kafka.Client, log *slog.Logger) (*topicCreator, error) {
	enabled, err := configdef.Props(w.Properties).Bool("topic.creation.enable", true)
	if err != nil || !enabled {
		return nil, err
	}
	if !hasTopicCreation(conf) {
		return nil, nil
	}
	parsed, err := connectorconfig.Parse(reg, conf)
	if err != nil {
		return nil, configdef.Invalid("topic.creation", "", err.Error())
	}
	if parsed.TopicCreation == nil {
		return nil, nil
	}
	return &topicCreator{client: client, log: log, groups: parsed.TopicCreation, known: map[string]bool{}}, nil
}

func hasTopicCreation(conf map[string]string) bool {
	for k := range conf {
		if strings.HasPrefix(k, connectorconfig.TopicCreationPrefix) {
			return true
		}
	}
	return false
}

// ensure creates topic if this task has not seen it yet.
func (c *topicCreator) ensure(ctx context.Context, topic string) error {
	if c == nil || c.known[topic] {
		return nil
	}
	g := c.groups.GroupFor(topic)
	t := kafka.TopicConfig{Topic: topic, NumPartitions: int(g.Partitions), ReplicationFactor: int(g.ReplicationFactor)}
	for _, name := range slices.Sorted(maps.Keys(g.Configs)) {
		t.ConfigEntries = append(t.ConfigEntries, kafka.ConfigEntry{ConfigName: name, ConfigValue: g.Configs[name]})
	}
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
