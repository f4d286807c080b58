package kafkatest

import (
	"context"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// StopBroker stops the broker of scripts/kafka.sh, keeping its data: with
// kill it is SIGKILLed, as a crash would end it, else it shuts down
// cleanly. StartBroker brings it back; if t ends first, a cleanup does, so
// tests after t still find a broker. It skips t unless the broker is the
// one scripts/kafka.sh started.
func (b *Broker) StopBroker(t testing.TB, kill bool) {
	t.Helper()
	if b.Kind != External || exec.Command(kafkaScript(t), "status").Run() != nil {
		t.Skipf("needs the broker of scripts/kafka.sh, which a test may stop and start again; running against %s", b)
	}
	if len(b.brokers()) > 1 {
		t.Skipf("stops all of Kafka by stopping its one broker; %s has more (the three-broker scenarios stop them one at a time)", b)
	}
	b.StopNode(t, 1, kill)
}

// StartBroker starts the broker StopBroker stopped, on the same data, and
// returns how long it took to serve again.
func (b *Broker) StartBroker(t testing.TB) time.Duration {
	t.Helper()
	return b.StartNode(t, 1)
}

// RequireBrokers skips t unless b is a cluster of at least n brokers that
// scripts/kafka.sh started (KAFKA_BROKERS=3 scripts/kafka.sh start), whose
// brokers a test may stop and start one by one.
func RequireBrokers(t testing.TB, b *Broker, n int) {
	t.Helper()
	if b.Kind != External || len(b.brokers()) < n || exec.Command(kafkaScript(t), "status").Run() != nil {
		t.Skipf("needs a cluster of %d brokers from scripts/kafka.sh (KAFKA_BROKERS=%d scripts/kafka.sh start, then KAFKA_BOOTSTRAP_SERVERS as its status prints); running against %s", n, n, b)
	}
}

// StopNode stops broker node (its number, 1 to 3, from scripts/kafka.sh) of a
// cluster from scripts/kafka.sh, keeping its data; with kill it is
// SIGKILLed. StartNode brings it back; if t ends first, a cleanup does.
func (b *Broker) StopNode(t testing.TB, node int32, kill bool) {
	t.Helper()
	script := kafkaScript(t)
	args := []string{"broker-stop", strconv.Itoa(int(node))}
	if kill {
		args = append(args, "--kill")
	}
	if out, err := exec.Command(script, args...).CombinedOutput(); err != nil {
		t.Fatalf("kafkatest: stop broker %d: %v\n%s", node, err, out)
	}
	t.Cleanup(func() {
		if exec.Command(script, "status").Run() != nil {
			if out, err := exec.Command(script, "broker-start", strconv.Itoa(int(node))).CombinedOutput(); err != nil {
				t.Errorf("kafkatest: start broker %d again: %v\n%s", node, err, out)
			}
		}
	})
}

// StartNode starts broker node again on its data and returns how long it
// took to serve.
func (b *Broker) StartNode(t testing.TB, node int32) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(kafkaScript(t), "broker-start", strconv.Itoa(int(node))).CombinedOutput(); err != nil {
		t.Fatalf("kafkatest: start broker %d again: %v\n%s", node, err, out)
	}
	return time.Since(start)
}

// ask sends req to the cluster through a client of its own.
func (b *Broker) ask(t testing.TB, req kmsg.Request) kmsg.Response {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := cl.Request(ctx, req)
	if err != nil {
		t.Fatalf("kafkatest: %s: %v", kmsg.NameForKey(req.Key()), err)
	}
	return resp
}

// metadata asks the cluster for the metadata of topics (all when none).
func (b *Broker) metadata(t testing.TB, topics ...string) *kmsg.MetadataResponse {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	for _, topic := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
	}
	return b.ask(t, req).(*kmsg.MetadataResponse)
}

// OutOfSync is how many partitions of the cluster have a replica out of
// their in-sync set (or no leader): 0 once a restarted broker caught up.
func (b *Broker) OutOfSync(t testing.TB) int {
	t.Helper()
	n := 0
	for _, tp := range b.metadata(t).Topics {
		for _, p := range tp.Partitions {
			if p.ErrorCode != 0 || len(p.ISR) < len(p.Replicas) {
				n++
			}
		}
	}
	return n
}

// LedBy is how many partitions of the cluster the metadata says node
// leads: after node died, those that have no new leader yet.
func (b *Broker) LedBy(t testing.TB, node int32) int {
	t.Helper()
	n := 0
	for _, tp := range b.metadata(t).Topics {
		for _, p := range tp.Partitions {
			if p.ErrorCode == 0 && p.Leader == node {
				n++
			}
		}
	}
	return n
}

// ActiveController is the node id of the KRaft quorum's leader, the
// active controller; -1 while the quorum has none. Brokers forward the
// question to the controllers.
func (b *Broker) ActiveController(t testing.TB) int32 {
	t.Helper()
	req := kmsg.NewPtrDescribeQuorumRequest()
	rt := kmsg.NewDescribeQuorumRequestTopic()
	rt.Topic = "__cluster_metadata"
	rt.Partitions = append(rt.Partitions, kmsg.NewDescribeQuorumRequestTopicPartition())
	req.Topics = append(req.Topics, rt)
	resp := b.ask(t, req).(*kmsg.DescribeQuorumResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("kafkatest: describe the metadata quorum: %v", err)
	}
	for _, tp := range resp.Topics {
		for _, p := range tp.Partitions {
			if p.ErrorCode == 0 {
				return p.LeaderID
			}
		}
	}
	return -1
}

// PartitionLeader is the node id of the broker that leads a partition,
// which for a cluster of scripts/kafka.sh is its broker number; -1 while
// it has none.
func (b *Broker) PartitionLeader(t testing.TB, topic string, partition int32) int32 {
	t.Helper()
	for _, tp := range b.metadata(t, topic).Topics {
		for _, p := range tp.Partitions {
			switch {
			case p.Partition != partition:
			case p.ErrorCode != 0:
				return -1 // no leader now
			default:
				return p.Leader
			}
		}
	}
	t.Fatalf("kafkatest: no partition %s[%d] in the metadata", topic, partition)
	return -1
}
