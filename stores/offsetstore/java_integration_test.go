//go:build integration

package offsetstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
)

// The offsets Java's FileStreamSource commits are, byte for byte, what Go
// writes for the same position, and sit in the partition Go's partitioner
// picks.
func TestIntegrationGoWritesJavasOffsetBytes(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "java")
	java := kafkatest.StartJavaWorker(t, b, group)
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 1)
	in := filepath.Join(t.TempDir(), "in <&> ü.txt")
	lines := "one\ntwo\nthree\n"
	if err := os.WriteFile(in, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q}`, in, topic)
	if code, body, err := java.Do("PUT", "/connectors/src/config", conf); err != nil || code != 201 {
		t.Fatalf("create via Java: %d %s %v", code, body, err)
	}

	key, err := offsetstore.EncodeKey("src", map[string]any{"filename": in})
	if err != nil {
		t.Fatal(err)
	}
	value, err := offsetstore.EncodeValue(map[string]any{"position": int64(len(lines))})
	if err != nil {
		t.Fatal(err)
	}
	const partitions = 5 // offset.storage.partitions of scripts/kafka.sh's workers
	partition := kafkalog.PartitionForKey(key, partitions)
	w := kafkatest.Worker(t, b, group)
	var seen []kafkalog.Record
	var mu sync.Mutex
	log := kafkalog.New(kafkatest.Clients(t, w), kafkalog.Config{Topic: w.OffsetStorageTopic}, nil, func(r kafkalog.Record) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	})
	if err := log.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer log.Stop()
	kafkatest.Eventually(t, time.Minute, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range seen {
			if bytes.Equal(r.Key, key) && bytes.Equal(r.Value, value) && r.Partition == partition {
				return nil
			}
		}
		return fmt.Errorf("no record %s = %s in partition %d yet; Java wrote %d records", key, value, partition, len(seen))
	})
}
