// Package kafkatest gives tests a Kafka broker and the tools to use it: a
// real Apache Kafka when KAFKA_BOOTSTRAP_SERVERS is set (scripts/test.sh
// starts one) or a Docker daemon answers, else an in-process broker.
package kafkatest

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/devbroker"
)

// Kind says what answers at a broker address.
type Kind string

const (
	// External is a broker someone else started (KAFKA_BOOTSTRAP_SERVERS).
	External Kind = "external Apache Kafka"
	// Docker is an apache/kafka container started for this test binary.
	Docker Kind = "Apache Kafka in Docker"
	// InProcess is franz-go's kfake inside the test process: the Kafka
	// protocol without compaction, durability or Java.
	InProcess Kind = "in-process kfake"
)

// Broker is a Kafka cluster a test may use.
type Broker struct {
	Addr    string   // bootstrap address, host:port: the first broker's
	Addrs   []string // every broker's address (KAFKA_BOOTSTRAP_SERVERS may list several); none: Addr's
	Kind    Kind
	Version string // Apache Kafka version when known (KAFKA_VERSION)
	fake    *devbroker.Broker
}

// Bootstrap is every broker's address, comma-separated, for clients that
// must reach the cluster while one broker is down.
func (b *Broker) Bootstrap() string { return strings.Join(b.brokers(), ",") }

// ReplicationFactor is what internal topics of workers on b get: one per
// broker, up to 3, as production clusters have.
func (b *Broker) ReplicationFactor() int { return min(len(b.brokers()), 3) }

func (b *Broker) brokers() []string {
	if len(b.Addrs) == 0 {
		return []string{b.Addr}
	}
	return b.Addrs
}

// Real reports whether the broker is Apache Kafka.
func (b *Broker) Real() bool { return b.Kind != InProcess }

// Fake returns the in-process broker, or nil for a real one; tests use it
// to inject faults.
func (b *Broker) Fake() *devbroker.Broker { return b.fake }

var (
	dockerOnce   sync.Once
	dockerBroker *Broker
	dockerErr    error
)

// Start returns a broker for t. Real brokers are shared by every test of the
// process, so tests must use their own names (see Name); an in-process broker
// is new for each call and closed when t ends.
func Start(t testing.TB) *Broker {
	t.Helper()
	if addr := os.Getenv("KAFKA_BOOTSTRAP_SERVERS"); addr != "" {
		addrs := strings.Split(addr, ",")
		return &Broker{Addr: addrs[0], Addrs: addrs, Kind: External, Version: os.Getenv("KAFKA_VERSION")}
	}
	if os.Getenv("KAFKATEST_NO_DOCKER") == "" {
		dockerOnce.Do(func() { dockerBroker, dockerErr = startDocker() })
		if dockerErr == nil {
			return dockerBroker
		}
	}
	fake, err := devbroker.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("kafkatest: in-process broker: %v", err)
	}
	t.Cleanup(fake.Close)
	return &Broker{Addr: fake.Addr(), Addrs: []string{fake.Addr()}, Kind: InProcess, fake: fake}
}

// RequireReal skips t unless the broker is Apache Kafka, saying why.
func RequireReal(t testing.TB, b *Broker, why string) {
	t.Helper()
	if !b.Real() {
		t.Skipf("needs Apache Kafka (%s); running against %s: start one with scripts/kafka.sh start and set KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092", why, b.Kind)
	}
}
