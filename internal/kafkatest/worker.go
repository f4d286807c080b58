package kafkatest

import (
	"context"
	"log/slog"
	"testing"
	"time"

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

// Startable is a store or log: started once, stopped once.
type Startable interface {
	Start(ctx context.Context) error
	Stop()
}

// Started starts s within a minute and stops it when t ends.
func Started[S Startable](t testing.TB, s S) S {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Quiet is a logger for tests that discards everything.
func Quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }
