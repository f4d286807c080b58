package runtime

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/coordination/sticky"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
)

// The consumer's defaults, as Java's are (Connect sets auto.offset.reset
// to earliest) but for the group timings; each can be set with consumer.*
// on the worker or consumer.override.* on the connector.
const (
	defaultMaxPollRecords = 500                    // max.poll.records
	defaultPartitionBytes = 1 << 20                // max.partition.fetch.bytes
	defaultFetchMaxBytes  = 50 << 20               // fetch.max.bytes
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
	// franz-go refreshes metadata at most this often unless metadata.max.age.ms is shorter.
	metadataMinAge = 5 * time.Second
)

// Java's assignor class names (partition.assignment.strategy) and the
// protocol names they join with, which franz-go's balancers share.
// Cooperative-sticky is coordination/sticky's, which places partitions as
// Java's does; franz-go's range already does.
var balancers = map[string]func() kgo.GroupBalancer{
	"org.apache.kafka.clients.consumer.CooperativeStickyAssignor": sticky.Cooperative,
	"org.apache.kafka.clients.consumer.RangeAssignor":             kgo.RangeBalancer,
	"org.apache.kafka.clients.consumer.RoundRobinAssignor":        kgo.RoundRobinBalancer,
	"org.apache.kafka.clients.consumer.StickyAssignor":            kgo.StickyBalancer,
	"cooperative-sticky": sticky.Cooperative,
	"range":              kgo.RangeBalancer,
	"roundrobin":         kgo.RoundRobinBalancer,
	"sticky":             kgo.StickyBalancer,
}

// consumerKeys are the consumer settings a sink task reads; others are
// named in a warning when the task starts, rather than silently dropped.
var consumerKeys = []string{
	"group.id", "group.instance.id", "group.protocol", "group.remote.assignor", "partition.assignment.strategy",
	"auto.offset.reset", "isolation.level", "max.poll.records", "max.partition.fetch.bytes", "fetch.max.bytes",
	"fetch.min.bytes", "fetch.max.wait.ms", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
	"metadata.max.age.ms",
}

// consumerSettings are a sink task's consumer settings.
type consumerSettings struct {
	groupID        string
	topics         []string       // topics
	pattern        *regexp.Regexp // topics.regex, matched against whole names
	earliest       bool           // auto.offset.reset=earliest
	maxPollRecords int
	// opts are the franz-go options these settings make, for the group
	// and fetches, without the worker's connection options and balancers.
	opts []kgo.Opt
	// balancers are the classic protocol's assignors, in preference
	// order; nil with group.protocol=consumer, where the broker assigns.
	balancers []kgo.GroupBalancer
	unknown   []string // consumer settings that do nothing here
}

// parseConsumerSettings reads the subscription from the connector (and
// task) settings and the rest from the consumer's.
func parseConsumerSettings(connector string, conf, consumer configdef.Props) (consumerSettings, error) {
	c := consumerSettings{groupID: consumer.String("group.id", "connect-"+connector), topics: nonBlank(conf.List("topics"))}
	c.opts = []kgo.Opt{kgo.ConsumerGroup(c.groupID), kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll()}
	regex := conf.String("topics.regex", "")
	switch {
	case len(c.topics) > 0 && regex != "":
		return c, configdef.Invalid("topics.regex", regex, "topics and topics.regex are mutually exclusive")
	case len(c.topics) == 0 && regex == "":
		return c, configdef.Invalid("topics", "", "a sink connector needs topics or topics.regex")
	case regex != "":
		anchored := "^(?:" + regex + ")$" // Java matches whole names
		re, err := regexp.Compile(anchored)
		if err != nil {
			return c, configdef.Invalid("topics.regex", regex, err.Error())
		}
		c.pattern = re
		c.opts = append(c.opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(anchored))
	default:
		c.opts = append(c.opts, kgo.ConsumeTopics(slices.Compact(slices.Sorted(slices.Values(c.topics)))...))
	}
	switch reset := strings.ToLower(consumer.String("auto.offset.reset", "earliest")); reset {
	case "earliest":
		c.earliest = true
		c.opts = append(c.opts, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	case "latest":
		c.opts = append(c.opts, kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
	default:
		return c, configdef.Invalid("consumer.override.auto.offset.reset", reset, "only earliest and latest are supported")
	}
	switch level := strings.ToLower(consumer.String("isolation.level", "read_uncommitted")); level {
	case "read_uncommitted":
	case "read_committed":
		c.opts = append(c.opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	default:
		return c, configdef.Invalid("consumer.override.isolation.level", level, "must be read_uncommitted or read_committed")
	}
	if id := consumer.String("group.instance.id", ""); id != "" {
		c.opts = append(c.opts, kgo.InstanceID(id))
	}
	group, balancers, err := groupProtocol(consumer)
	if err != nil {
		return c, err
	}
	c.opts, c.balancers = append(c.opts, group...), balancers

	n, err := consumer.Long("max.poll.records", defaultMaxPollRecords)
	if err != nil {
		return c, err
	}
	c.maxPollRecords = max(int(n), 1)
	for _, b := range []struct {
		key  string
		dflt int64
		opt  func(int32) kgo.ConsumerOpt
	}{
		{"max.partition.fetch.bytes", defaultPartitionBytes, kgo.FetchMaxPartitionBytes},
		{"fetch.max.bytes", defaultFetchMaxBytes, kgo.FetchMaxBytes},
		{"fetch.min.bytes", 1, kgo.FetchMinBytes},
	} {
		v, err := consumer.Long(b.key, b.dflt)
		if err != nil {
			return c, err
		}
		if v < 1 || v > 1<<31-1 {
			return c, configdef.Invalid("consumer.override."+b.key, consumer[b.key], "must be between 1 and 2147483647")
		}
		c.opts = append(c.opts, b.opt(int32(v)))
	}
	for _, d := range []struct {
		key  string
		dflt time.Duration
		opts func(time.Duration) []kgo.Opt
	}{
		{"fetch.max.wait.ms", defaultFetchMaxWait, func(d time.Duration) []kgo.Opt { return []kgo.Opt{kgo.FetchMaxWait(d)} }},
		{"session.timeout.ms", defaultSessionTimeout, func(d time.Duration) []kgo.Opt { return []kgo.Opt{kgo.SessionTimeout(d)} }},
		{"heartbeat.interval.ms", defaultHeartbeatInterval, func(d time.Duration) []kgo.Opt { return []kgo.Opt{kgo.HeartbeatInterval(d)} }},
		{"max.poll.interval.ms", defaultRebalanceTimeout, func(d time.Duration) []kgo.Opt { return []kgo.Opt{kgo.RebalanceTimeout(d)} }},
		// A missing topic, or a new one matching topics.regex, is
		// consumed from the next metadata refresh on.
		{"metadata.max.age.ms", defaultMetadataMaxAge, func(d time.Duration) []kgo.Opt {
			return []kgo.Opt{kgo.MetadataMaxAge(d), kgo.MetadataMinAge(min(d, metadataMinAge))}
		}},
	} {
		v, err := millis(consumer, d.key, d.dflt, 1)
		if err != nil {
			return c, err
		}
		c.opts = append(c.opts, d.opts(v)...)
	}
	for key := range consumer {
		if !slices.Contains(consumerKeys, key) {
			c.unknown = append(c.unknown, key)
		}
	}
	slices.Sort(c.unknown)
	return c, nil
}

// groupProtocol reads group.protocol and the assignors: the classic
// protocol with client-side assignors (partition.assignment.strategy,
// cooperative-sticky by default: Java's default list starts with the
// eager range assignor, which stops every partition on each rebalance),
// or KIP-848's consumer protocol, where the broker assigns
// (group.remote.assignor, uniform by default as on the broker).
func groupProtocol(consumer configdef.Props) ([]kgo.Opt, []kgo.GroupBalancer, error) {
	switch protocol := strings.ToLower(consumer.String("group.protocol", "classic")); protocol {
	case "classic":
		names := nonBlank(consumer.List("partition.assignment.strategy"))
		if len(names) == 0 {
			return nil, []kgo.GroupBalancer{sticky.Cooperative()}, nil
		}
		var out []kgo.GroupBalancer
		for _, name := range names {
			b, ok := balancers[name]
			if !ok {
				return nil, nil, configdef.Invalid("consumer.override.partition.assignment.strategy", consumer["partition.assignment.strategy"], "unknown assignor "+name+"; known: CooperativeStickyAssignor, RangeAssignor, RoundRobinAssignor, StickyAssignor")
			}
			out = append(out, b())
		}
		return nil, out, nil
	case "consumer":
		// franz-go names the broker's assignor after its first balancer.
		switch assignor := strings.ToLower(consumer.String("group.remote.assignor", "uniform")); assignor {
		case "uniform":
			return []kgo.Opt{kgo.ServerSideBalancer(), kgo.Balancers(kgo.CooperativeStickyBalancer())}, nil, nil
		case "range":
			return []kgo.Opt{kgo.ServerSideBalancer(), kgo.Balancers(kgo.RangeBalancer())}, nil, nil
		default:
			return nil, nil, configdef.Invalid("consumer.override.group.remote.assignor", assignor, "must be uniform or range")
		}
	default:
		return nil, nil, configdef.Invalid("consumer.override.group.protocol", protocol, "must be classic or consumer")
	}
}

// leading is a classic-protocol assignor that notes in the log when this
// member leads the group and so assigns everyone's partitions, Java
// consumers' included.
type leading struct {
	kgo.GroupBalancer
	log *slog.Logger
}

func (l leading) MemberBalancer(members []kmsg.JoinGroupResponseMember) (kgo.GroupMemberBalancer, map[string]struct{}, error) {
	l.log.Info("leading the consumer group: assigning its partitions", "assignor", l.ProtocolName(), "members", len(members))
	return l.GroupBalancer.MemberBalancer(members)
}

// balancerOpts are the franz-go options of the classic protocol's
// assignors, each noting when it leads.
func (c consumerSettings) balancerOpts(log *slog.Logger) []kgo.Opt {
	if c.balancers == nil {
		return nil
	}
	out := make([]kgo.GroupBalancer, len(c.balancers))
	for i, b := range c.balancers {
		out[i] = leading{b, log}
	}
	return []kgo.Opt{kgo.Balancers(out...)}
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
	c, err := parseConsumerSettings(connector, configdef.Props(conf), clientSettings(w, conf, "consumer"))
	if err != nil {
		return SinkSubscription{}, err
	}
	return SinkSubscription{Group: c.groupID, Topics: c.topics, Pattern: c.pattern, Earliest: c.earliest}, nil
}

// Matches reports whether the tasks consume topic, given that it exists
// and is not internal.
func (s SinkSubscription) Matches(topic string) bool { return subscribed(s.Topics, s.Pattern, topic) }

// franzLogger passes franz-go's warnings and errors to the task's log; its
// info lines (each join, each metadata refresh) go to debug.
type franzLogger struct{ log *slog.Logger }

func (l franzLogger) Level() kgo.LogLevel {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		return kgo.LogLevelInfo
	}
	return kgo.LogLevelWarn
}

func (l franzLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	switch level {
	case kgo.LogLevelError:
		l.log.Error(msg, keyvals...)
	case kgo.LogLevelWarn:
		l.log.Warn(msg, keyvals...)
	default:
		l.log.Debug(msg, keyvals...)
	}
}
