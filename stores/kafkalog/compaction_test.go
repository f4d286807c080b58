package kafkalog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// Compaction keeps a batch's last offset when it removes the batch's last
// records. When such a batch ends a segment, a fetch at the first removed
// offset returns that batch alone, with no record at or after the offset:
// a reader that moves only past records it sees (kafka-go's Client.Fetch
// gives nothing else) asks for that offset forever. Java moves past the
// batch's last offset, and so must we.
func TestReadsPastRecordsCompactionRemoved(t *testing.T) {
	h := newHarness(t)
	kafkatest.RequireReal(t, h.broker, "log compaction")
	if testing.Short() {
		t.Skip("waits for the log cleaner")
	}
	topic := kafkatest.Name(t, "offsets")
	// Segments of 1 MiB, so two never fit in one when the cleaner groups
	// them: segment ends stay where they were.
	h.broker.CreateTopic(t, topic, 1, "cleanup.policy", "compact", "segment.bytes", "1048576",
		"min.cleanable.dirty.ratio", "0.01", "min.compaction.lag.ms", "0")
	w := &kafka.Writer{Addr: kafka.TCP(h.broker.Addr), Topic: topic, RequiredAcks: kafka.RequireAll,
		BatchSize: 100, BatchBytes: 4 << 20, BatchTimeout: 20 * time.Millisecond}
	defer w.Close()
	ctx := ctxFor(t, 3*time.Minute)
	value := []byte(strings.Repeat("x", 1000))
	write := func(keys ...string) {
		msgs := make([]kafka.Message, len(keys))
		for i, k := range keys {
			msgs[i] = kafka.Message{Key: []byte(k), Value: value}
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	// 30 batches of 100 records (~3 segments); each batch ends with a key
	// written again later, so compaction cuts every batch's tail.
	const batches = 30
	var tails []string
	for b := range batches {
		keys := make([]string, 100)
		for i := range 99 {
			keys[i] = fmt.Sprintf("key-%d-%d", b, i)
		}
		keys[99] = fmt.Sprintf("tail-%d", b)
		tails = append(tails, keys[99])
		write(keys...)
	}
	write(tails...)
	// Fill past a segment so the rewrites are no longer in the active one.
	for b := range 12 {
		keys := make([]string, 100)
		for i := range keys {
			keys[i] = fmt.Sprintf("filler-%d-%d", b, i)
		}
		write(keys...)
	}
	total := batches*100 + batches + 12*100
	want := total - batches

	var stalls int
	kafkatest.Eventually(t, 2*time.Minute, func() error {
		n, s, err := scan(ctx, h, topic)
		if err != nil {
			return err
		}
		if n != want {
			return fmt.Errorf("%d records in the topic, want %d once compacted", n, want)
		}
		stalls = s
		return nil
	})
	if stalls == 0 {
		t.Fatal("no segment ends with a batch whose tail was compacted: the test does not test anything")
	}
	t.Logf("%d segment ends where a record-by-record reader would stall", stalls)

	start := time.Now()
	_, c := h.mustStart(Config{Topic: topic, Partitions: 1})
	if got := len(c.records()); got != want {
		t.Errorf("read %d records, want %d", got, want)
	}
	t.Logf("read the compacted topic to the end in %v", time.Since(start).Round(time.Millisecond))
}

// scan reads partition 0 of topic to its end and counts the records and the
// places where a fetch at the offset after a batch's last record returns no
// record at or after it although the log goes on.
func scan(ctx context.Context, h *harness, topic string) (records, stalls int, err error) {
	var pos, end int64 = 0, 1
	for pos < end {
		resp, err := fetchOnce(ctx, h, topic, pos)
		if err != nil {
			return 0, 0, err
		}
		end = resp.highWatermark
		bs, err := decodeBatches(0, resp.records)
		if err != nil {
			return 0, 0, err
		}
		next := advance(pos, bs, false, nil, func(Record) { records++ })
		if next == pos {
			return 0, 0, fmt.Errorf("no progress at %d", pos)
		}
		for _, b := range bs {
			if len(b.records) == 0 || b.last < pos {
				continue
			}
			cut := b.records[len(b.records)-1].Offset + 1
			if cut > b.last || cut >= end {
				continue
			}
			r, err := fetchOnce(ctx, h, topic, cut)
			if err != nil {
				return 0, 0, err
			}
			after, err := decodeBatches(0, r.records)
			if err != nil {
				return 0, 0, err
			}
			seen := false
			advance(cut, after, false, nil, func(Record) { seen = true })
			if !seen {
				stalls++
			}
		}
		pos = next
	}
	return records, stalls, nil
}

func fetchOnce(ctx context.Context, h *harness, topic string, offset int64) (partitionResult, error) {
	req := &fetchRequest{clientID: "kafkalog-test", topic: topic, maxWait: 100 * time.Millisecond,
		maxBytes: fetchMaxBytes, partBytes: fetchPartBytes, parts: []fetchPartition{{partition: 0, offset: offset}}}
	resp, err := h.clients.Transport.RoundTrip(ctx, h.clients.Client.Addr, req)
	if err != nil {
		return partitionResult{}, err
	}
	parts := resp.(*fetchResponse).parts
	if len(parts) != 1 {
		return partitionResult{}, fmt.Errorf("%d partitions in the answer", len(parts))
	}
	return parts[0], parts[0].err
}
