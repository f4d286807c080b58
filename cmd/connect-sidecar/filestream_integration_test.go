//go:build integration

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

func appendLines(t *testing.T, file string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := from; i < to; i++ {
		fmt.Fprintf(f, "line-%06d\n", i)
	}
}

func readLines(file string) []string {
	data, _ := os.ReadFile(file)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// firstOccurrences drops lines seen before, keeping order.
func firstOccurrences(lines []string) (unique []string, duplicates int) {
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			duplicates++
			continue
		}
		seen[l] = true
		unique = append(unique, l)
	}
	return unique, duplicates
}

// file -> FileStreamSource -> topic -> FileStreamSink -> file, through one
// worker that is SIGKILLed mid-stream and replaced: the output holds every
// input line in order; lines after the last offset flush may repeat.
func TestIntegrationFileStreamEndToEndSurvivesAKill(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "files")
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 1)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	appendLines(t, in, 0, 2000)
	env := append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group, "CONNECT_OFFSET_FLUSH_INTERVAL_MS=200", "CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
		"CONNECT_SESSION_TIMEOUT_MS=6000", "CONNECT_HEARTBEAT_INTERVAL_MS=1000")
	w := kafkatest.StartWorker(t, b, env...)
	w.WaitHealthy(t, time.Minute)
	kafkatest.Put(t, w.URL+"/connectors/src/config", fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q}`, in, topic))
	kafkatest.Put(t, w.URL+"/connectors/sink/config", fmt.Sprintf(`{"connector.class":"FileStreamSink","tasks.max":"1","file":%q,"topics":%q}`, out, topic))
	kafkatest.Eventually(t, time.Minute, func() error {
		if n := len(readLines(out)); n < 1000 {
			return fmt.Errorf("%d lines out so far", n)
		}
		return nil
	})
	// The sink commits what it wrote every offset.flush.interval.ms.
	kafkatest.Eventually(t, 30*time.Second, func() error {
		resp, err := b.Client().OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{
			GroupID: "connect-sink", Topics: map[string][]int{topic: {0}},
		})
		if err != nil {
			return err
		}
		if off := resp.Topics[topic][0].CommittedOffset; off < 1000 {
			return fmt.Errorf("group connect-sink committed %d", off)
		}
		return nil
	})
	appendLines(t, in, 2000, 3000)
	w.Signal(t, syscall.SIGKILL)
	w.Wait(t, 10*time.Second)
	appendLines(t, in, 3000, 4000)
	again := kafkatest.StartWorker(t, b, env...)
	again.WaitHealthy(t, time.Minute)

	want := readLines(in)
	kafkatest.Eventually(t, 2*time.Minute, func() error {
		got, _ := firstOccurrences(readLines(out))
		if len(got) < len(want) {
			return fmt.Errorf("%d of %d lines out", len(got), len(want))
		}
		return nil
	})
	got, dups := firstOccurrences(readLines(out))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("output differs from input (first %d lines compared)", len(want))
	}
	produced, err := kafkatest.LastOffset(b, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d lines through source and sink across a SIGKILL: the source produced %d records, the sink wrote %d lines twice",
		len(want), produced, dups)
}

// A FileStreamSource started by the Java worker and continued by a Go
// worker under the same name resumes at Java's position: no line twice.
func TestIntegrationGoContinuesJavasFileStreamSource(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "handover")
	java := kafkatest.StartJavaWorker(t, b, group)
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 1)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	appendLines(t, in, 0, 100)
	conf := fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q,"value.converter":"org.apache.kafka.connect.storage.StringConverter"}`, in, topic)
	if code, body, err := java.Do("PUT", "/connectors/src/config", conf); err != nil || code != 201 {
		t.Fatalf("create via Java: %d %s %v", code, body, err)
	}
	b.Consume(t, topic, 0, 100, time.Minute)
	java.Stop(t) // graceful: Java commits its offsets on the way out

	goWorker := kafkatest.StartWorker(t, b, append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group)...)
	goWorker.WaitHealthy(t, time.Minute)
	appendLines(t, in, 100, 150)
	msgs := b.Consume(t, topic, 0, 150, time.Minute)
	for i, m := range msgs {
		if want := fmt.Sprintf("line-%06d", i); string(m.Value) != want {
			t.Fatalf("record %d is %q, want %q: the Go worker did not resume at Java's position", i, m.Value, want)
		}
	}
	if end, err := kafkatest.LastOffset(b, topic, 0); err != nil || end != 150 {
		t.Errorf("topic holds %d records (%v), want exactly 150", end, err)
	}
}
