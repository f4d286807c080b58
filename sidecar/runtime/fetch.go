package runtime

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// The consumer's defaults, as Java's are (Connect sets auto.offset.reset
// to earliest) but for the group timings; each can be set with consumer.*
// on the worker or consumer.override.* on the connector.
const (
	defaultMaxPollRecords = 500                    // max.poll.records
	defaultPartitionBytes = 1 << 20                // max.partition.fetch.bytes
	defaultFetchMaxWait   = 500 * time.Millisecond // fetch.max.wait.ms
	// The sink's consumer group follows each scale event of the Connect
	// group, so it gets the Connect group's timings rather than Java's
	// consumer defaults (45 s, 3 s): a crashed worker's partitions are
	// free after 10 s, and members hear of a rebalance within 0.5 s
	// instead of 3 s (2 heartbeats a second per sink task).
	defaultSessionTimeout    = 10 * time.Second       // session.timeout.ms
	defaultHeartbeatInterval = 500 * time.Millisecond // heartbeat.interval.ms
	defaultRebalanceTimeout  = 5 * time.Minute        // max.poll.interval.ms
	defaultMetadataMaxAge    = 5 * time.Minute        // metadata.max.age.ms
	// How long a partition reader waits after an error it reported; it
	// retries by itself.
	fetchErrorPause = time.Second
	// How often a sink task looks for listed topics that do not exist yet.
	missingTopicRecheck = 5 * time.Second
)

// consumerSettings are a sink task's consumer settings.
type consumerSettings struct {
	groupID           string
	topics            []string       // topics
	pattern           *regexp.Regexp // topics.regex, matched against whole names
	startOffset       int64          // auto.offset.reset: kafka.FirstOffset or kafka.LastOffset
	maxPollRecords    int
	partitionBytes    int
	fetchMaxWait      time.Duration
	sessionTimeout    time.Duration
	heartbeatInterval time.Duration
	rebalanceTimeout  time.Duration
	metadataMaxAge    time.Duration // metadata.max.age.ms; see recheck
}

// parseConsumerSettings reads the subscription from the connector (and
// task) settings and the rest from the consumer's.
func parseConsumerSettings(connector string, conf, consumer settings) (consumerSettings, error) {
	c := consumerSettings{groupID: consumer.str("group.id", "connect-"+connector), topics: conf.list("topics")}
	regex := conf.str("topics.regex", "")
	switch {
	case len(c.topics) > 0 && regex != "":
		return c, &ConfigError{Key: "topics.regex", Value: regex, Reason: "topics and topics.regex are mutually exclusive"}
	case len(c.topics) == 0 && regex == "":
		return c, &ConfigError{Key: "topics", Value: "", Reason: "a sink connector needs topics or topics.regex"}
	case regex != "":
		re, err := regexp.Compile("^(?:" + regex + ")$")
		if err != nil {
			return c, &ConfigError{Key: "topics.regex", Value: regex, Reason: err.Error()}
		}
		c.pattern = re
	}
	switch reset := strings.ToLower(consumer.str("auto.offset.reset", "earliest")); reset {
	case "earliest":
		c.startOffset = kafka.FirstOffset
	case "latest":
		c.startOffset = kafka.LastOffset
	default:
		return c, &ConfigError{Key: "consumer.override.auto.offset.reset", Value: reset, Reason: "only earliest and latest are supported"}
	}
	n, err := consumer.integer("max.poll.records", defaultMaxPollRecords)
	if err != nil {
		return c, err
	}
	bytes, err := consumer.integer("max.partition.fetch.bytes", defaultPartitionBytes)
	if err != nil {
		return c, err
	}
	c.maxPollRecords, c.partitionBytes = max(int(n), 1), max(int(bytes), 1)
	for _, d := range []struct {
		key  string
		dst  *time.Duration
		dflt time.Duration
	}{
		{"fetch.max.wait.ms", &c.fetchMaxWait, defaultFetchMaxWait},
		{"session.timeout.ms", &c.sessionTimeout, defaultSessionTimeout},
		{"heartbeat.interval.ms", &c.heartbeatInterval, defaultHeartbeatInterval},
		{"max.poll.interval.ms", &c.rebalanceTimeout, defaultRebalanceTimeout},
		{"metadata.max.age.ms", &c.metadataMaxAge, defaultMetadataMaxAge},
	} {
		if *d.dst, err = consumer.millis(d.key, d.dflt, 1); err != nil {
			return c, err
		}
	}
	return c, nil
}

// matchTopics lists the topics to consume now: those of topics that exist,
// or the existing non-internal topics topics.regex matches. Joining the
// group with a topic that does not exist would make kafka-go end every
// generation at once. The list comes from a transport of its own, since
// the shared one answers from a cache that can be older than the topics.
func (c consumerSettings) matchTopics(ctx context.Context, clients *kafkaclient.Clients) ([]string, error) {
	shared := clients.Transport
	t := &kafka.Transport{ClientID: shared.ClientID, DialTimeout: shared.DialTimeout, TLS: shared.TLS, SASL: shared.SASL}
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: clients.Client.Addr, Transport: t, Timeout: clients.Client.Timeout}
	resp, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, topic := range resp.Topics {
		if topic.Error != nil || topic.Internal {
			continue
		}
		if subscribed(c.topics, c.pattern, topic.Name) {
			out = append(out, topic.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// subscribed reports whether topics or pattern (topics.regex) name topic.
func subscribed(topics []string, pattern *regexp.Regexp, topic string) bool {
	if pattern != nil {
		return pattern.MatchString(topic)
	}
	return slices.Contains(topics, topic)
}

// SinkSubscription is what a sink connector's tasks consume, read from the
// connector's config the way the tasks read it, so that the lag signal
// looks at the same group and topics.
type SinkSubscription struct {
	Group   string
	Topics  []string       // topics, as listed
	Pattern *regexp.Regexp // topics.regex; nil when topics is used
	// Earliest is auto.offset.reset=earliest (Connect's default): a
	// partition without a committed offset is read from its start, not
	// from its end.
	Earliest bool
}

// ParseSinkSubscription reads a sink connector's subscription; the error
// is the one its tasks fail with.
func ParseSinkSubscription(w config.Worker, connector string, conf map[string]string) (SinkSubscription, error) {
	c, err := parseConsumerSettings(connector, settings(conf), clientSettings(w, conf, "consumer"))
	if err != nil {
		return SinkSubscription{}, err
	}
	return SinkSubscription{Group: c.groupID, Topics: c.topics, Pattern: c.pattern, Earliest: c.startOffset == kafka.FirstOffset}, nil
}

// Matches reports whether the tasks consume topic, given that it exists
// and is not internal.
func (s SinkSubscription) Matches(topic string) bool { return subscribed(s.Topics, s.Pattern, topic) }

// recheck is how often the topics are matched again while consuming
// these: every metadata.max.age.ms for topics.regex, as Java's consumer
// refreshes its metadata; for a topic list only while some of its topics
// do not exist, every few seconds. Zero means never.
func (c consumerSettings) recheck(consuming []string) time.Duration {
	switch {
	case c.pattern != nil:
		return c.metadataMaxAge
	case len(consuming) < len(slices.Compact(slices.Sorted(slices.Values(c.topics)))):
		return min(c.metadataMaxAge, missingTopicRecheck)
	}
	return 0
}

// fetchers read a generation's assigned partitions, each from its
// committed offset, with a kafka-go Reader per partition, and hand the
// records over one channel, in order within each partition. Nobody reading
// the channel (a paused task) stops the fetching.
type fetchers struct {
	msgs   chan kafka.Message
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startFetchers(clients *kafkaclient.Clients, assignments map[string][]kafka.PartitionAssignment, c consumerSettings, log *slog.Logger) *fetchers {
	ctx, cancel := context.WithCancel(context.Background())
	// A buffer of one poll's worth lets collect gather full batches; an
	// unbuffered channel gave it one or two records per Put. Buffered
	// records are not delivered, so nothing is committed for them.
	f := &fetchers{msgs: make(chan kafka.Message, c.maxPollRecords), cancel: cancel}
	for topic, parts := range assignments {
		for _, pa := range parts {
			r := kafka.NewReader(kafka.ReaderConfig{
				Brokers:   clients.Bootstrap,
				Dialer:    clients.Dialer,
				Topic:     topic,
				Partition: pa.ID,
				MinBytes:  1,
				MaxBytes:  c.partitionBytes,
				MaxWait:   c.fetchMaxWait,
			})
			offset := pa.Offset
			if offset < 0 { // nothing committed yet
				offset = c.startOffset
			}
			_ = r.SetOffset(offset) // cannot fail on a reader that has not read yet
			f.wg.Go(func() { f.fetch(ctx, r, log.With("topic", topic, "partition", pa.ID)) })
		}
	}
	return f
}

func (f *fetchers) fetch(ctx context.Context, r *kafka.Reader, log *slog.Logger) {
	defer r.Close()
	for {
		m, err := r.FetchMessage(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// The reader keeps retrying on its own; it reports an error
			// once it has failed a few times.
			log.Warn("reading a partition", "stage", StageKafkaConsume, "err", err)
			if !sleep(ctx, fetchErrorPause) {
				return
			}
			continue
		}
		select {
		case f.msgs <- m:
		case <-ctx.Done():
			return
		}
	}
}

// stop stops the readers and waits for them.
func (f *fetchers) stop() {
	f.cancel()
	f.wg.Wait()
}
