package kafkatest

import (
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// Worker returns worker settings for group on b, with replication factor 1
// and small partition counts; env entries (CONNECT_X=v) override them.
func Worker(t testing.TB, b *Broker, group string, env ...string) config.Worker {
	t.Helper()
	base := []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + b.Addr, "CONNECT_GROUP_ID=" + group,
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1", "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1", "CONNECT_OFFSET_STORAGE_PARTITIONS=5",
	}
	l, err := config.Load(append(base, env...), "")
	if err != nil {
		t.Fatal(err)
	}
	return l.Worker
}

// Clients returns Kafka clients for w, closed when t ends.
func Clients(t testing.TB, w config.Worker) *kafkaclient.Clients {
	t.Helper()
	c, err := kafkaclient.New(w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
