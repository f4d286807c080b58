package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	metadataapi "github.com/segmentio/kafka-go/protocol/metadata"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// How long Start keeps retrying topic creation (Java: the admin client's
// default.api.timeout.ms) and waits for partition metadata (Java:
// KafkaBasedLog's CREATE_TOPIC_TIMEOUT).
const (
	createTimeout     = 60 * time.Second
	partitionsTimeout = 30 * time.Second
)

// ensureTopic creates the topic or checks the one that exists, the way
// Connect's KafkaTopicBasedBackingStore does (connect-spec §6.1), and
// returns its partition count.
func (l *Log) ensureTopic(ctx context.Context) (int, error) {
	created, err := l.createTopic(ctx)
	if err != nil {
		return 0, err
	}
	if !created {
		if err := l.checkCleanupPolicy(ctx); err != nil {
			return 0, err
		}
	}
	n, err := l.waitForPartitions(ctx)
	if err != nil {
		return 0, err
	}
	if l.cfg.SinglePartition && n != 1 {
		return 0, &UnfitTopicError{fmt.Errorf("%s has %d partitions; Kafka Connect needs exactly 1: delete it or %s", l.describe(), n, l.renameHint())}
	}
	return n, nil
}

// createTopic asks for the topic and reports whether this call created it.
// An existing topic is fine; so is one we may not create or describe, as
// for a Java worker, which then assumes it exists.
func (l *Log) createTopic(ctx context.Context) (bool, error) {
	topic := kafka.TopicConfig{
		Topic:             l.cfg.Topic,
		NumPartitions:     int(defaultIfZero(l.cfg.Partitions)),
		ReplicationFactor: int(defaultIfZero(l.cfg.ReplicationFactor)),
	}
	if l.cfg.SinglePartition {
		topic.NumPartitions = 1
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.TopicConfigs)) {
		switch name {
		case "topic", "partitions", "replication.factor":
			continue // Java drops these from the *.storage.* passthrough too
		case "cleanup.policy":
			if v := l.cfg.TopicConfigs[name]; v != "compact" {
				l.log.Warn("ignoring cleanup.policy for an internal topic: it is always compact", "cleanup.policy", v)
			}
			continue
		}
		topic.ConfigEntries = append(topic.ConfigEntries, kafka.ConfigEntry{ConfigName: name, ConfigValue: l.cfg.TopicConfigs[name]})
	}
	topic.ConfigEntries = append(topic.ConfigEntries, kafka.ConfigEntry{ConfigName: "cleanup.policy", ConfigValue: "compact"})

	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	var b backoff
	for {
		resp, err := l.clients.Client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{topic}})
		if err == nil {
			err = resp.Errors[l.cfg.Topic]
		}
		switch {
		case err == nil:
			l.log.Info("created topic", "partitions", topic.NumPartitions, "replication_factor", topic.ReplicationFactor)
			return true, nil
		case errors.Is(err, kafka.TopicAlreadyExists):
			return false, nil
		case errors.Is(err, kafka.UnsupportedVersion), errors.Is(err, kafka.ClusterAuthorizationFailed), errors.Is(err, kafka.TopicAuthorizationFailed):
			l.log.Warn("cannot create topic; assuming it exists", "err", err)
			return false, nil
		case !retriable(err):
			return false, fmt.Errorf("create topic %q: %w", l.cfg.Topic, err)
		}
		if werr := b.wait(ctx); werr != nil {
			return false, fmt.Errorf("create topic %q: %w (last error: %w)", l.cfg.Topic, werr, err)
		}
	}
}

// checkCleanupPolicy refuses a topic whose cleanup.policy is not exactly
// compact: with delete, Kafka drops old records and the worker loses state
// it reads back at every start.
func (l *Log) checkCleanupPolicy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	var b backoff
	for {
		resp, err := l.clients.Client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{
			Resources: []kafka.DescribeConfigRequestResource{{
				ResourceType: kafka.ResourceTypeTopic,
				ResourceName: l.cfg.Topic,
				ConfigNames:  []string{"cleanup.policy"},
			}},
		})
		var entries []kafka.DescribeConfigResponseConfigEntry
		if err == nil {
			if len(resp.Resources) != 1 {
				err = fmt.Errorf("%d resources in the answer", len(resp.Resources))
			} else {
				err, entries = resp.Resources[0].Error, resp.Resources[0].ConfigEntries
			}
		}
		switch {
		case err == nil:
			return l.checkPolicyValue(entries)
		case errors.Is(err, kafka.UnsupportedVersion), errors.Is(err, kafka.ClusterAuthorizationFailed), errors.Is(err, kafka.TopicAuthorizationFailed):
			l.log.Warn("cannot describe topic configs; not checking that cleanup.policy is compact", "err", err)
			return nil
		case !retriable(err):
			return fmt.Errorf("describe topic %q: %w", l.cfg.Topic, err)
		}
		if werr := b.wait(ctx); werr != nil {
			return fmt.Errorf("describe topic %q: %w (last error: %w)", l.cfg.Topic, werr, err)
		}
	}
}

func (l *Log) checkPolicyValue(entries []kafka.DescribeConfigResponseConfigEntry) error {
	for _, e := range entries {
		if e.ConfigName != "cleanup.policy" {
			continue
		}
		policies := map[string]bool{}
		for p := range strings.SplitSeq(e.ConfigValue, ",") {
			policies[strings.ToLower(strings.TrimSpace(p))] = true
		}
		if len(policies) == 1 && policies["compact"] {
			return nil
		}
		return &UnfitTopicError{fmt.Errorf("%s has cleanup.policy=%s; Kafka Connect needs exactly compact, or Kafka deletes records the worker reads back at every start: "+
			"run kafka-configs.sh --alter --entity-type topics --entity-name %s --add-config cleanup.policy=compact, or %s",
			l.describe(), e.ConfigValue, l.cfg.Topic, l.renameHint())}
	}
	return nil // not described: nothing to check, as in Java
}

// waitForPartitions polls metadata until the topic has partitions.
//
// The shared kafka.Transport answers metadata requests from a cache it
// refreshes every MetadataTTL, and routes fetches and produces with it. A
// CreateTopics answer makes it refresh, but a broker may not know a new
// topic yet. Asking with auto-creation allowed is the one way to make the
// transport ask the broker again, and refresh, when its cache lacks the
// topic. The topic exists by now, so nothing is created (only a topic
// deleted this very moment could be recreated with broker defaults).
func (l *Log) waitForPartitions(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, partitionsTimeout)
	defer cancel()
	var b backoff
	for {
		n, err := l.partitionCount(ctx)
		if err == nil && n > 0 {
			return n, nil
		}
		if err == nil {
			err = errors.New("no partitions yet")
		}
		if werr := b.wait(ctx); werr != nil {
			return 0, fmt.Errorf("partitions of topic %q: %w (last error: %w)", l.cfg.Topic, werr, err)
		}
	}
}

func (l *Log) partitionCount(ctx context.Context) (int, error) {
	r, err := l.clients.RoundTripper.RoundTrip(ctx, l.clients.Client.Addr, &metadataapi.Request{
		TopicNames:             []string{l.cfg.Topic},
		AllowAutoTopicCreation: true,
	})
	if err != nil {
		return 0, err
	}
	for _, t := range r.(*metadataapi.Response).Topics {
		if t.Name == l.cfg.Topic {
			if t.ErrorCode != 0 {
				return 0, kafka.Error(t.ErrorCode)
			}
			return len(t.Partitions), nil
		}
	}
	return 0, kafka.UnknownTopicOrPartition
}

// describe names the topic for error messages, with the property that sets it.
func (l *Log) describe() string {
	if l.cfg.Property == "" {
		return fmt.Sprintf("topic %q", l.cfg.Topic)
	}
	return fmt.Sprintf("topic %q (%s)", l.cfg.Topic, l.cfg.Property)
}

func (l *Log) renameHint() string {
	if l.cfg.Property == "" {
		return "point the worker at a new topic"
	}
	return fmt.Sprintf("set %s to a new name", config.EnvName(l.cfg.Property))
}

func defaultIfZero[T int16 | int32](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// UnfitTopicError means an existing topic cannot serve as this log (wrong
// partition count or cleanup policy): retrying will not help, a person must
// change the topic or the setting.
type UnfitTopicError struct{ Err error }

func (e *UnfitTopicError) Error() string { return e.Err.Error() }
func (e *UnfitTopicError) Unwrap() error { return e.Err }
