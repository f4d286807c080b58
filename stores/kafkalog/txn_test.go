package kafkalog

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// produceTransactions writes, as a Java worker's transactional leader
// does, committed and aborted transactions to partition 0 of topic.
func produceTransactions(t *testing.T, addr, topic string, txns ...struct {
	kvs    []string
	commit bool
}) {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.TransactionalID(kafkatest.Name(t, "txn")),
		kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, txn := range txns {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(txn.kvs); i += 2 {
			if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(txn.kvs[i]), Value: []byte(txn.kvs[i+1])}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(txn.commit)); err != nil {
			t.Fatal(err)
		}
	}
}

// A topic written in transactions ends with a marker no record shows, so
// the position must move past markers for ReadToEnd to return. Read
// uncommitted (Java's default) delivers aborted records; read committed
// drops them.
func TestTransactionMarkers(t *testing.T) {
	h := newHarness(t)
	topic := kafkatest.Name(t, "configs")
	_, before := h.mustStart(Config{Topic: topic, SinglePartition: true})
	type txn = struct {
		kvs    []string
		commit bool
	}
	produceTransactions(t, h.broker.Addr, topic,
		txn{[]string{"a", "1", "b", "2"}, true},
		txn{[]string{"c", "aborted"}, false},
		txn{[]string{"d", "4"}, true},
	)
	// 4 records and 3 markers: offsets 0..6.
	tests := []struct {
		name          string
		readCommitted bool
		want          string
	}{
		{"read uncommitted", false, "0:a=1 1:b=2 3:c=aborted 5:d=4 "},
		{"read committed", true, "0:a=1 1:b=2 5:d=4 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c := h.mustStart(Config{Topic: topic, SinglePartition: true, ReadCommitted: tt.readCommitted})
			if got := byPartition(c.records())[0]; got != tt.want {
				t.Errorf("read at start %q, want %q", got, tt.want)
			}
			if err := l.ReadToEnd(ctxFor(t, 10*time.Second)); err != nil {
				t.Fatal(err)
			}
			l.mu.Lock()
			pos := l.pos[0]
			l.mu.Unlock()
			if pos != 7 {
				t.Errorf("position %d after ReadToEnd, want 7 (past the last commit marker)", pos)
			}
		})
	}
	// The log started before the transactions tails them too.
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if got, want := byPartition(before.records())[0], "0:a=1 1:b=2 3:c=aborted 5:d=4 "; got != want {
			return &mismatch{got, want}
		}
		return nil
	})
}

type mismatch struct{ got, want string }

func (m *mismatch) Error() string { return "got " + m.got + ", want " + m.want }
