// Package devbroker runs an in-process Kafka-protocol broker (franz-go's
// kfake) for dev mode and for tests on machines without Java, so the worker
// can be tried with one command and nothing installed.
package devbroker

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a single-node in-memory cluster. It has no compaction and keeps
// data only while the process lives.
type Broker struct {
	cluster *kfake.Cluster
}

// Option changes the broker from its default, which creates no topic by
// itself (tests rely on that to see a missing topic).
type Option func(*[]kfake.Opt)

// AutoCreateTopics makes the broker create a missing topic, with one
// partition, when a client's metadata request allows it, as a default
// Apache Kafka broker does (auto.create.topics.enable=true,
// num.partitions=1). Producers ask it for the topics they write to.
func AutoCreateTopics() Option {
	return func(opts *[]kfake.Opt) {
		*opts = append(*opts, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	}
}

// Start listens on addr ("127.0.0.1:9092"; port 0 picks a free one).
func Start(addr string, options ...Option) (*Broker, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("devbroker: address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("devbroker: port %q: %w", portText, err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ListenFn(func(network, a string) (net.Listener, error) {
			_, p, _ := net.SplitHostPort(a)
			return net.Listen(network, net.JoinHostPort(host, p))
		}),
		kfake.ClusterID("connect-sidecar-dev"),
	}
	for _, o := range options {
		o(&opts)
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("devbroker: %w", err)
	}
	return &Broker{cluster: c}, nil
}

// Addr is the bootstrap address clients use.
func (b *Broker) Addr() string { return b.cluster.ListenAddrs()[0] }

// Cluster exposes the fake cluster so tests can inject faults.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// Close stops the broker.
func (b *Broker) Close() { b.cluster.Close() }
