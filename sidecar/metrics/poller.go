package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/herder"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// DefaultPollInterval is how often the Poller computes the cluster series
// unless told otherwise. KEDA asks every 30 s by default, Prometheus
// scrapes every 15 to 60 s.
const DefaultPollInterval = 5 * time.Second

// pollTimeout bounds one poll's requests to Kafka.
const pollTimeout = 15 * time.Second

// Sources are the worker's views of its internal topics.
type Sources struct {
	Configs  func() configstore.Snapshot
	Statuses func() statusstore.Snapshot
}

// PollerConfig configures a Poller. Zero values mean the defaults.
type PollerConfig struct {
	// Worker holds the consumer.* settings that, with each connector's
	// consumer.override.*, name a sink's consumer group.
	Worker config.Worker
	// WorkerID is this worker's id (host:port) in the status topic: the
	// status series report what it runs.
	WorkerID string
	// LagPerWorker is SIDECAR_LAG_PER_WORKER; see DesiredWorkers.
	LagPerWorker int64
	// Interval is the time between polls; 5 s by default.
	Interval time.Duration
	// Ready holds polling back until it is true: before the worker has
	// read the config topic, the lag of a partial config would understate
	// the desired workers. Nil means ready.
	Ready func() bool
}

// Poller computes the cluster series every Interval: it publishes the
// status snapshot, then reads each sink connector's partitions, committed
// offsets and log offsets from Kafka and publishes the lag and the scaling
// signal. A failed poll is counted and leaves the last good values shown.
type Poller struct {
	m       *Metrics
	cfg     PollerConfig
	src     Sources
	plugins *plugin.Registry
	log     *slog.Logger

	transport *kafka.Transport
	client    *kafka.Client

	cancel context.CancelFunc
	done   chan struct{}
}

// NewPoller returns a poller that publishes to m; it does no I/O until
// Start.
func NewPoller(m *Metrics, cfg PollerConfig, src Sources, plugins *plugin.Registry, clients *kafkaclient.Clients, log *slog.Logger) *Poller {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultPollInterval
	}
	if cfg.Ready == nil {
		cfg.Ready = func() bool { return true }
	}
	// A transport of its own whose metadata is at most one interval old,
	// so new topics and partitions count by the next poll; the shared one
	// keeps its cache for 30 s.
	shared := clients.Transport
	t := &kafka.Transport{ClientID: shared.ClientID, DialTimeout: shared.DialTimeout, TLS: shared.TLS, SASL: shared.SASL, MetadataTTL: cfg.Interval}
	return &Poller{
		m: m, cfg: cfg, src: src, plugins: plugins,
		log:       log.With("component", "lag-poller"),
		transport: t,
		client:    &kafka.Client{Addr: clients.Client.Addr, Transport: kafkaclient.Resending(t), Timeout: pollTimeout},
	}
}

// Start polls in the background until Stop.
func (p *Poller) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.run(ctx)
	}()
	return nil
}

// Stop stops polling and waits for a poll under way to end.
func (p *Poller) Stop(context.Context) error {
	p.cancel()
	<-p.done
	p.transport.CloseIdleConnections()
	return nil
}

func (p *Poller) run(ctx context.Context) {
	tick := time.NewTicker(p.cfg.Interval)
	defer tick.Stop()
	failing := false
	for {
		if p.cfg.Ready() {
			err := p.poll(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				p.m.lagPollFailed()
				if !failing {
					p.log.Warn("cannot read the sink lag; the scaling signal keeps its last value", "err", err)
				}
			case failing:
				p.log.Info("reading the sink lag again")
			}
			failing = err != nil
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// poll publishes the statuses and the connectors' classes, then reads and
// publishes the lag.
func (p *Poller) poll(ctx context.Context) error {
	p.m.publishStatuses(p.src.Statuses(), p.cfg.WorkerID)
	snap := p.src.Configs()
	p.m.publishConnectors(connectorInfos(snap, p.plugins))
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	st, err := p.read(ctx, snap)
	if err != nil {
		return err
	}
	p.m.publishLag(newLagReport(st, p.cfg.LagPerWorker))
	return nil
}

// sink is a sink connector being read.
type sink struct {
	name    string
	sub     runtime.SinkSubscription
	running bool
	topics  map[string][]int // the subscribed topics that exist, with their partitions
}

// read counts the connectors and tasks of snap and reads each sink
// connector's offsets from Kafka.
func (p *Poller) read(ctx context.Context, snap configstore.Snapshot) (clusterState, error) {
	var st clusterState
	var sinks []*sink
	for _, name := range snap.Connectors() {
		st.connectors++
		st.tasks += len(snap.Tasks(name))
		props, _ := snap.ConnectorConfig(name)
		conf := herder.Plain(props)
		if _, ok := p.plugins.Lookup(conf["connector.class"], plugin.KindSink); !ok {
			continue // a source, or a class this worker cannot run
		}
		sub, err := runtime.ParseSinkSubscription(p.cfg.Worker, name, conf)
		if err != nil {
			continue // its tasks fail with the same error, which their status shows
		}
		target, ok := snap.TargetState(name)
		sinks = append(sinks, &sink{name: name, sub: sub, running: !ok || target == configstore.Started, topics: map[string][]int{}})
	}
	if len(sinks) == 0 {
		return st, nil
	}

	meta, err := p.client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return st, err
	}
	all := map[string][]int{}
	for _, t := range meta.Topics {
		if t.Error != nil || t.Internal {
			continue
		}
		for _, part := range t.Partitions {
			all[t.Name] = append(all[t.Name], part.ID)
		}
	}
	wanted := map[string][]int{}
	for _, s := range sinks {
		for topic, parts := range all {
			if s.sub.Matches(topic) {
				s.topics[topic], wanted[topic] = parts, parts
			}
		}
	}
	start, end, err := p.logOffsets(ctx, wanted)
	if err != nil {
		return st, err
	}
	for _, s := range sinks {
		committed, err := p.committed(ctx, s.sub.Group, s.topics)
		if err != nil {
			return st, err
		}
		state := sinkState{name: s.name, running: s.running, earliest: s.sub.Earliest}
		for _, topic := range slices.Sorted(maps.Keys(s.topics)) {
			for _, part := range s.topics[topic] {
				tp := topicPartition{topic, part}
				c, ok := committed[tp]
				if !ok {
					c = -1
				}
				state.partitions = append(state.partitions, partitionOffsets{topic: topic, partition: part, committed: c, start: start[tp], end: end[tp]})
			}
		}
		st.sinks = append(st.sinks, state)
	}
	return st, nil
}

type topicPartition struct {
	topic     string
	partition int
}

// logOffsets reads the log start and end offsets of partitions. Kafka
// refuses one partition twice in a request, so they are two.
func (p *Poller) logOffsets(ctx context.Context, partitions map[string][]int) (start, end map[topicPartition]int64, err error) {
	if len(partitions) == 0 {
		return nil, nil, nil
	}
	read := func(of func(int) kafka.OffsetRequest, pick func(kafka.PartitionOffsets) int64) (map[topicPartition]int64, error) {
		req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
		for topic, parts := range partitions {
			for _, part := range parts {
				req.Topics[topic] = append(req.Topics[topic], of(part))
			}
		}
		resp, err := p.client.ListOffsets(ctx, req)
		if err != nil {
			return nil, err
		}
		out := map[topicPartition]int64{}
		for topic, parts := range resp.Topics {
			for _, po := range parts {
				if po.Error != nil {
					return nil, fmt.Errorf("offsets of %s[%d]: %w", topic, po.Partition, po.Error)
				}
				out[topicPartition{topic, po.Partition}] = pick(po)
			}
		}
		return out, nil
	}
	if start, err = read(kafka.FirstOffsetOf, func(po kafka.PartitionOffsets) int64 { return po.FirstOffset }); err != nil {
		return nil, nil, err
	}
	if end, err = read(kafka.LastOffsetOf, func(po kafka.PartitionOffsets) int64 { return po.LastOffset }); err != nil {
		return nil, nil, err
	}
	return start, end, nil
}

// committed reads a consumer group's committed offsets of partitions;
// those without one are left out.
func (p *Poller) committed(ctx context.Context, group string, partitions map[string][]int) (map[topicPartition]int64, error) {
	out := map[topicPartition]int64{}
	if len(partitions) == 0 {
		return out, nil
	}
	resp, err := p.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: partitions})
	if err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("committed offsets of group %s: %w", group, resp.Error)
	}
	for topic, parts := range resp.Topics {
		for _, po := range parts {
			if po.Error != nil {
				return nil, fmt.Errorf("committed offset of group %s on %s[%d]: %w", group, topic, po.Partition, po.Error)
			}
			if po.CommittedOffset >= 0 {
				out[topicPartition{topic, po.Partition}] = po.CommittedOffset
			}
		}
	}
	return out, nil
}
