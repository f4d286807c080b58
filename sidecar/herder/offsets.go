package herder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
)

// OffsetBackends are where connector offsets live (KIP-875): the offsets
// topic for sources, each sink's consumer group for sinks.
type OffsetBackends struct {
	Sources *offsetstore.Store
	// Connectors open the offsets topics connectors name with
	// offsets.storage.topic; nil: every connector's offsets are in Sources.
	Connectors *offsetstore.Stores
	Groups     *kafka.Client // reaches each group's coordinator
	Worker     config.Worker // names each sink's group
}

// Keys of a sink offset in the REST API, as Java's SinkUtils names them.
const (
	sinkTopicKey     = "kafka_topic"
	sinkPartitionKey = "kafka_partition"
	sinkOffsetKey    = "kafka_offset"
)

// ConnectorOffsets lists a connector's offsets: stored source offsets, or
// the committed offsets of a sink's consumer group. Any worker answers.
func (a *API) ConnectorOffsets(ctx context.Context, name string) (rest.ConnectorOffsets, error) {
	conf, sink, err := a.offsetsOf(name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	if sink {
		committed, err := a.groupOffsets(ctx, runtime.SinkGroupID(a.offsets.Worker, name, conf))
		if err != nil {
			return rest.ConnectorOffsets{}, connectErr("Failed to retrieve consumer group offsets for sink connector %s: %w", name, err)
		}
		out := rest.ConnectorOffsets{}
		for _, tp := range sortedPartitions(committed) {
			out.Offsets = append(out.Offsets, rest.ConnectorOffset{
				Partition: map[string]any{sinkTopicKey: tp.topic, sinkPartitionKey: tp.partition},
				Offset:    map[string]any{sinkOffsetKey: committed[tp]},
			})
		}
		return out, nil
	}
	stores, err := a.sourceStores(ctx, conf)
	if err != nil {
		return rest.ConnectorOffsets{}, connectErr("Failed to retrieve offsets for source connector %s: %w", name, err)
	}
	partitions, err := sourcePartitions(ctx, stores, name)
	if err != nil {
		return rest.ConnectorOffsets{}, connectErr("Failed to retrieve offsets for source connector %s: %w", name, err)
	}
	out := rest.ConnectorOffsets{}
	for _, po := range partitions {
		out.Offsets = append(out.Offsets, rest.ConnectorOffset{Partition: po.Partition.Plain(), Offset: po.Offset.Plain()})
	}
	return out, nil
}

// AlterConnectorOffsets writes the given offsets of a stopped connector;
// a null offset removes the partition's.
func (a *API) AlterConnectorOffsets(ctx context.Context, name string, offsets []rest.ConnectorOffset) (rest.Message, error) {
	conf, sink, err := a.modifiable(ctx, name)
	if err != nil {
		return rest.Message{}, err
	}
	if sink {
		parsed, err := parseSinkOffsets(offsets)
		if err != nil {
			return rest.Message{}, err
		}
		if err := a.alterGroup(ctx, name, runtime.SinkGroupID(a.offsets.Worker, name, conf), parsed); err != nil {
			return rest.Message{}, err
		}
		return modified(false), nil
	}
	writes := make([]offsetstore.Offset, len(offsets))
	for i, o := range offsets {
		if o.Partition == nil {
			return rest.Message{}, &rest.BadRequestError{Message: "The partition for a source connector offset cannot be null or missing"}
		}
		if err := primitiveValues(o.Partition); err != nil {
			return rest.Message{}, err
		}
		writes[i] = offsetstore.Offset{Partition: o.Partition}
		if o.Offset != nil {
			if err := primitiveValues(o.Offset); err != nil {
				return rest.Message{}, err
			}
			writes[i].Offset = o.Offset
		}
	}
	stores, err := a.sourceStores(ctx, conf)
	if err != nil {
		return rest.Message{}, connectErr("Failed to modify offsets for source connector %s: %w", name, err)
	}
	if err := a.writeSourceOffsets(ctx, stores, name, writes); err != nil {
		return rest.Message{}, connectErr("Failed to modify offsets for source connector %s: %w", name, err)
	}
	return modified(false), nil
}

// ResetConnectorOffsets removes every offset of a stopped connector: a
// tombstone per source partition, or the sink's whole consumer group.
func (a *API) ResetConnectorOffsets(ctx context.Context, name string) (rest.Message, error) {
	conf, sink, err := a.modifiable(ctx, name)
	if err != nil {
		return rest.Message{}, err
	}
	if sink {
		if err := a.deleteGroup(ctx, name, runtime.SinkGroupID(a.offsets.Worker, name, conf)); err != nil {
			return rest.Message{}, err
		}
		return modified(true), nil
	}
	stores, err := a.sourceStores(ctx, conf)
	if err != nil {
		return rest.Message{}, connectErr("Failed to modify offsets for source connector %s: %w", name, err)
	}
	partitions, err := sourcePartitions(ctx, stores, name)
	if err != nil {
		return rest.Message{}, connectErr("Failed to modify offsets for source connector %s: %w", name, err)
	}
	var writes []offsetstore.Offset
	for _, po := range partitions {
		writes = append(writes, offsetstore.Offset{Partition: po.Partition})
	}
	if err := a.writeSourceOffsets(ctx, stores, name, writes); err != nil {
		return rest.Message{}, connectErr("Failed to modify offsets for source connector %s: %w", name, err)
	}
	return modified(true), nil
}

// writeSourceOffsets writes a source connector's offsets, in a
// transaction after a fencing round when it is exactly-once.
func (a *API) writeSourceOffsets(ctx context.Context, stores offsetstore.Connector, name string, writes []offsetstore.Offset) error {
	if a.exactlyOnce.Transactions != nil {
		return a.writeOffsets(ctx, stores, name, writes)
	}
	return stores.Write(ctx, name, writes)
}

// sourceStores are where a source connector's offsets live: the worker's
// offsets topic, or its own offsets.storage.topic with the worker's as
// the copy.
func (a *API) sourceStores(ctx context.Context, conf map[string]string) (offsetstore.Connector, error) {
	topic := strings.TrimSpace(conf["offsets.storage.topic"])
	if topic == "" || a.offsets.Connectors == nil {
		return offsetstore.Connector{Primary: a.offsets.Sources}, nil
	}
	return a.offsets.Connectors.For(ctx, topic)
}

// sourcePartitions are a connector's source partitions and their offsets
// as Java's ConnectorOffsetBackingStore lists them: the partitions either
// topic knows, each with the offset the connector's own topic has for it,
// none if it has none.
func sourcePartitions(ctx context.Context, stores offsetstore.Connector, name string) ([]offsetstore.PartitionOffset, error) {
	if err := stores.Primary.ReadToEnd(ctx); err != nil {
		return nil, err
	}
	primary := stores.Primary.Snapshot().Partitions(name)
	if stores.Secondary == nil {
		return primary, nil
	}
	if err := stores.Secondary.ReadToEnd(ctx); err != nil {
		return nil, err
	}
	out := primary
	for _, po := range stores.Secondary.Snapshot().Partitions(name) {
		if _, ok, err := stores.Primary.Snapshot().Offset(name, po.Partition); err == nil && !ok {
			out = append(out, offsetstore.PartitionOffset{Partition: po.Partition})
		}
	}
	return out, nil
}

// connectErr is an error worded as Java's, so that the message reads the
// same whichever worker answers.
func connectErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

// modified is Java's success message. Built-in connectors keep no offsets
// of their own elsewhere, so the short form always applies.
func modified(reset bool) rest.Message {
	if reset {
		return rest.Message{Message: "The offsets for this connector have been reset successfully"}
	}
	return rest.Message{Message: "The offsets for this connector have been altered successfully"}
}

// offsetsOf returns a connector's config and whether it is a sink.
func (a *API) offsetsOf(name string) (map[string]string, bool, error) {
	c, ok := a.snapshot().ConnectorConfig(name)
	if !ok {
		return nil, false, notFound(name)
	}
	conf := Plain(c)
	switch a.connectorType(conf) {
	case rest.TypeSink:
		return conf, true, nil
	case rest.TypeSource:
		return conf, false, nil
	}
	return nil, false, &rest.BadRequestError{Message: fmt.Sprintf(
		"Connector %s uses class %s, which this worker does not have, so it cannot tell where its offsets are", name, conf["connector.class"])}
}

// modifiable checks what Java checks before offsets change: this worker
// leads, and the connector exists, is STOPPED and has no tasks, so nothing
// writes the offsets meanwhile.
func (a *API) modifiable(ctx context.Context, name string) (map[string]string, bool, error) {
	if err := a.leader(ctx); err != nil {
		return nil, false, err
	}
	snap := a.snapshot()
	if !snap.Contains(name) {
		return nil, false, notFound(name)
	}
	if target, _ := snap.TargetState(name); target != configstore.Stopped || snap.TaskCount(name) != 0 {
		return nil, false, &rest.BadRequestError{Message: "Connectors must be in the STOPPED state before their offsets can be modified. " +
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/" + name + "/stop' endpoint"}
	}
	return a.offsetsOf(name)
}

type topicPartition struct {
	topic     string
	partition int
}

func sortedPartitions[V any](m map[topicPartition]V) []topicPartition {
	out := make([]topicPartition, 0, len(m))
	for tp := range m {
		out = append(out, tp)
	}
	slices.SortFunc(out, func(x, y topicPartition) int {
		if c := strings.Compare(x.topic, y.topic); c != 0 {
			return c
		}
		return x.partition - y.partition
	})
	return out
}

// groupOffsets are a group's committed offsets; partitions without one
// are left out, as Java's admin client leaves them out.
func (a *API) groupOffsets(ctx context.Context, group string) (map[topicPartition]int64, error) {
	resp, err := a.offsets.Groups.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group})
	if err == nil {
		err = resp.Error
	}
	switch {
	case errors.Is(err, kafka.GroupIdNotFound):
		return nil, nil // never committed, or reset: no offsets
	case err != nil:
		return nil, err
	}
	out := map[topicPartition]int64{}
	for topic, parts := range resp.Topics {
		for _, p := range parts {
			if p.Error != nil {
				return nil, p.Error
			}
			if p.CommittedOffset >= 0 {
				out[topicPartition{topic, p.Partition}] = p.CommittedOffset
			}
		}
	}
	return out, nil
}

// parseSinkOffsets reads sink offsets as Java's SinkUtils does: string or
// number partitions and offsets, a null offset resets the partition.
func parseSinkOffsets(offsets []rest.ConnectorOffset) (map[topicPartition]*int64, error) {
	bad := func(format string, args ...any) error {
		return &rest.BadRequestError{Message: fmt.Sprintf(format, args...)}
	}
	out := map[topicPartition]*int64{}
	for _, o := range offsets {
		if o.Partition == nil {
			return nil, bad("The partition for a sink connector offset cannot be null or missing")
		}
		topic, okTopic := o.Partition[sinkTopicKey]
		part, okPart := o.Partition[sinkPartitionKey]
		switch {
		case !okTopic || !okPart:
			return nil, bad("The partition for a sink connector offset must contain the keys '%s' and '%s'", sinkTopicKey, sinkPartitionKey)
		case topic == nil:
			return nil, bad("Kafka topic names must be valid strings and may not be null")
		case part == nil:
			return nil, bad("Kafka partitions must be valid numbers and may not be null")
		}
		p, err := strconv.ParseInt(fmt.Sprint(part), 10, 32)
		if err != nil {
			return nil, bad("Failed to parse the following Kafka partition value in the provided offsets: '%v'. Partition values for sink connectors need to be integers.", part)
		}
		tp := topicPartition{fmt.Sprint(topic), int(p)}
		if o.Offset == nil {
			out[tp] = nil
			continue
		}
		off, ok := o.Offset[sinkOffsetKey]
		if !ok {
			return nil, bad("The offset for a sink connector should either be null or contain the key '%s'", sinkOffsetKey)
		}
		n, err := strconv.ParseInt(fmt.Sprint(off), 10, 64)
		if err != nil {
			return nil, bad("Failed to parse the following Kafka offset value in the provided offsets: '%v'. Offset values for sink connectors need to be integers.", off)
		}
		out[tp] = &n
	}
	return out, nil
}

// zombieSinks is Java's message when the group still has members: the
// tasks have not stopped yet, or the connector was resumed. It is a 409
// here, not Java's 500: retrying is the fix.
func zombieSinks(verb, name string) error {
	return &rest.ConflictError{Message: "Failed to " + verb + " consumer group offsets for connector " + name + " either because its tasks " +
		"haven't stopped completely yet or the connector was resumed before the request to " + verb + " its offsets could be successfully " +
		"completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the " +
		"Connect cluster may need to be restarted to get rid of the zombie sink tasks."}
}

// alterGroup commits offsets as an admin client does (no member, no
// generation, which the broker accepts only while the group is empty) and
// deletes the offsets of partitions given a null offset.
func (a *API) alterGroup(ctx context.Context, name, group string, offsets map[topicPartition]*int64) error {
	commits := map[string][]kafka.OffsetCommit{}
	deletes := map[string][]int{}
	for _, tp := range sortedPartitions(offsets) {
		if off := offsets[tp]; off != nil {
			commits[tp.topic] = append(commits[tp.topic], kafka.OffsetCommit{Partition: tp.partition, Offset: *off})
		} else {
			deletes[tp.topic] = append(deletes[tp.topic], tp.partition)
		}
	}
	var errs []error
	if len(commits) > 0 {
		resp, err := a.offsets.Groups.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: commits})
		if err == nil {
			for _, parts := range resp.Topics {
				for _, p := range parts {
					errs = append(errs, p.Error)
				}
			}
		}
		errs = append(errs, err)
	}
	if len(deletes) > 0 {
		resp, err := a.offsets.Groups.OffsetDelete(ctx, &kafka.OffsetDeleteRequest{GroupID: group, Topics: deletes})
		if err == nil {
			errs = append(errs, resp.Error)
			for _, parts := range resp.Topics {
				for _, p := range parts {
					errs = append(errs, p.Error)
				}
			}
		}
		errs = append(errs, err)
	}
	err := errors.Join(errs...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kafka.UnknownMemberId), errors.Is(err, kafka.IllegalGeneration), errors.Is(err, kafka.GroupSubscribedToTopic),
		errors.Is(err, kafka.RebalanceInProgress):
		return zombieSinks("alter", name)
	}
	return connectErr("Failed to alter consumer group offsets for connector %s: %w", name, err)
}

// deleteGroup removes a sink's consumer group with its offsets; a group
// that is already gone counts as reset, as in Java.
func (a *API) deleteGroup(ctx context.Context, name, group string) error {
	resp, err := a.offsets.Groups.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{group}})
	if err == nil {
		err = resp.Errors[group]
	}
	switch {
	case err == nil, errors.Is(err, kafka.GroupIdNotFound):
		return nil
	case errors.Is(err, kafka.NonEmptyGroup):
		return zombieSinks("reset", name)
	}
	return connectErr("Failed to reset consumer group offsets for sink connector %s: %w", name, err)
}

// primitiveValues is Java's OffsetUtils.validateFormat for a map from the
// REST body: values must be null, strings, numbers or booleans.
func primitiveValues(m map[string]any) error {
	for k, v := range m {
		switch v.(type) {
		case nil, string, bool, float64, int64:
		default:
			if _, ok := v.(interface{ Int64() (int64, error) }); ok {
				continue // json.Number
			}
			return &rest.BadRequestError{Message: fmt.Sprintf("Offsets may only contain primitive types as values, but field %s contains %s", k, javaTypeName(v))}
		}
	}
	return nil
}

func javaTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "ARRAY"
	case map[string]any:
		return "MAP"
	}
	return fmt.Sprintf("%T", v)
}
