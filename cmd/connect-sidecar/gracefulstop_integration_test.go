//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// Two workers share a 4-task HTTP sink. SIGTERM to one while every
// partition has a batch in flight: it fails /ready and refuses writes at
// once, finishes or drops its batches, commits, leaves the group and exits
// 0 within task.shutdown.graceful.timeout.ms and the rest of shutdown; the
// other worker runs all four tasks soon after, and no committed offset ever
// passes a record the app did not get.
func TestIntegrationSIGTERMHandsTheWorkOver(t *testing.T) {
	const (
		partitions = 4
		grace      = 5 * time.Second // task.shutdown.graceful.timeout.ms, the default
		// What shutdown may need beyond grace: fx's stop timeout is grace + 10 s.
		margin = 15 * time.Second
	)
	b := kafkatest.Start(t)
	topic, group := kafkatest.Name(t, "orders"), kafkatest.Name(t, "g")
	b.CreateTopic(t, topic, partitions)
	app := newRecordingApp(t)
	env := []string{
		"CONNECT_GROUP_ID=" + group,
		"CONNECT_SESSION_TIMEOUT_MS=6000", "CONNECT_HEARTBEAT_INTERVAL_MS=1000",
		// scheduled.rebalance.max.delay.ms keeps its default: a worker that
		// stops on purpose releases its work, which moves at once.
		"CONNECT_OFFSET_FLUSH_INTERVAL_MS=500",
	}
	stopping, staying := kafkatest.StartWorker(t, b, env...), kafkatest.StartWorker(t, b, env...)
	stopping.WaitHealthy(t, time.Minute)
	staying.WaitHealthy(t, time.Minute)
	kafkatest.Put(t, stopping.URL+"/connectors/sink/config", httpSinkConfig(app, topic, partitions))
	kafkatest.AwaitTasksOn(t, staying, "sink", partitions, time.Minute, stopping, staying)
	sinkGroup := "connect-sink"
	awaitShare(t, b, sinkGroup, partitions, 1)

	produced := 200
	b.Produce(t, topic, keyed("before", produced)...)
	awaitRecords(t, app, produced, time.Minute)

	app.hold()
	b.Produce(t, topic, keyed("in-flight", 200)...)
	produced += 200
	kafkatest.Eventually(t, time.Minute, func() error {
		if n := app.waiting(); n < partitions {
			return fmt.Errorf("%d requests in flight, want one per partition", n)
		}
		return nil
	})

	sigterm := time.Now()
	stopping.Signal(t, syscall.SIGTERM)
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if code, body, err := stopping.Get("/ready"); err != nil || code != http.StatusServiceUnavailable {
			return fmt.Errorf("/ready = %d %s %v while stopping", code, body, err)
		}
		return nil
	})
	code, body, err := stopping.Do(http.MethodPut, "/connectors/other/config", `{"connector.class":"HttpSink","topics":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	var refusal rest.ErrorMessage
	if code != http.StatusServiceUnavailable || json.Unmarshal([]byte(body), &refusal) != nil || refusal.ErrorCode != http.StatusServiceUnavailable ||
		!strings.Contains(refusal.Message, "shutting down") {
		t.Errorf("PUT while stopping = %d %s, want 503 in Connect's error shape", code, body)
	}
	app.release()

	kafkatest.AwaitTasksOn(t, staying, "sink", partitions, 30*time.Second, staying)
	handedOver := time.Since(sigterm)
	if code := stopping.Wait(t, max(time.Until(sigterm.Add(grace+margin)), time.Millisecond)); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	// The process may have exited before the tasks were seen running here,
	// so the exit time is an upper bound (with -race it includes the race
	// detector's 1 s pause at exit).
	t.Logf("after SIGTERM the other worker ran all %d tasks within %v; the stopped worker exited 0 within %v (task.shutdown.graceful.timeout.ms %v)",
		partitions, handedOver.Round(time.Millisecond), time.Since(sigterm).Round(time.Millisecond), grace)
	if log := stopping.Log(); !strings.Contains(log, "left the group") {
		t.Errorf("the stopped worker did not leave the group:\n%s", log)
	}
	if err := app.checkCommitted(committedOffsets(t, b, sinkGroup, topic, partitions)); err != nil {
		t.Errorf("after the stop: %v", err)
	}

	b.Produce(t, topic, keyed("after", 200)...)
	produced += 200
	awaitRecords(t, app, produced, time.Minute)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		committed := committedOffsets(t, b, sinkGroup, topic, partitions)
		if err := app.checkCommitted(committed); err != nil {
			t.Fatal(err)
		}
		for p := range partitions {
			end, err := kafkatest.LastOffset(b, topic, p)
			if err != nil {
				return err
			}
			if committed[p] != end {
				return fmt.Errorf("partition %d committed %d of %d", p, committed[p], end)
			}
		}
		return nil
	})
}

// awaitRecords waits until the app got n distinct records.
func awaitRecords(t *testing.T, app *recordingApp, n int, timeout time.Duration) {
	t.Helper()
	kafkatest.Eventually(t, timeout, func() error {
		if got := app.records(); got < n {
			return fmt.Errorf("the app got %d of %d records", got, n)
		}
		return nil
	})
}
