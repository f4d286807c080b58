//go:build integration

package main

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// A worker that stops on purpose hands its tasks over in the next round,
// even with a long scheduled.rebalance.max.delay.ms; one that crashes
// still gets the delay, since it may come back.
func TestIntegrationScaleInDoesNotWaitForTheDelay(t *testing.T) {
	const (
		tasks   = 4
		delay   = time.Minute // scheduled.rebalance.max.delay.ms
		session = 6 * time.Second
	)
	b := kafkatest.Start(t)
	topic := kafkatest.Name(t, "gen")
	b.CreateTopic(t, topic, 1)
	env := []string{
		"CONNECT_GROUP_ID=" + kafkatest.Name(t, "g"),
		"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=" + fmt.Sprint(delay.Milliseconds()),
		"CONNECT_SESSION_TIMEOUT_MS=" + fmt.Sprint(session.Milliseconds()),
	}
	first, second := kafkatest.StartWorker(t, b, env...), kafkatest.StartWorker(t, b, env...)
	first.WaitHealthy(t, time.Minute)
	second.WaitHealthy(t, time.Minute)
	kafkatest.Put(t, first.URL+"/connectors/gen/config", fmt.Sprintf(`{"connector.class":"Datagen","tasks.max":"%d","topic":%q,"rate":"50",`+
		`"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"}`, tasks, topic))
	kafkatest.AwaitTasksOn(t, first, "gen", tasks, time.Minute, first, second)

	// Scale in: SIGTERM the follower, then the leader, so both roles leave.
	leader, follower := leaderOf(t, []*kafkatest.Process{first, second})
	third := kafkatest.StartWorker(t, b, env...)
	third.WaitHealthy(t, time.Minute)
	kafkatest.AwaitTasksOn(t, leader, "gen", tasks, time.Minute, leader, follower, third)
	for _, stop := range []*kafkatest.Process{follower, leader} {
		stayers := []*kafkatest.Process{third}
		if stop == follower {
			stayers = append(stayers, leader)
		}
		sigterm := time.Now()
		stop.Signal(t, syscall.SIGTERM)
		kafkatest.AwaitTasksOn(t, third, "gen", tasks, delay/2, stayers...)
		t.Logf("SIGTERM to a worker: every task RUNNING on the others %v later (delay %v)", time.Since(sigterm).Round(time.Millisecond), delay)
		if code := stop.Wait(t, 30*time.Second); code != 0 {
			t.Fatalf("exit %d after SIGTERM", code)
		}
	}

	// A crash: the survivor leads and keeps the crashed worker's tasks
	// unassigned for the delay, not just the session.
	crashing := kafkatest.StartWorker(t, b, env...)
	crashing.WaitHealthy(t, time.Minute)
	kafkatest.AwaitTasksOn(t, third, "gen", tasks, time.Minute, third, crashing)
	crashing.Signal(t, syscall.SIGKILL)
	crashing.Wait(t, 10*time.Second)
	window := time.Now().Add(session + 5*time.Second)
	for time.Now().Before(window) {
		if running, on, _, err := kafkatest.TaskPlacement(third.URL, "gen"); err == nil && running == tasks && len(on) == 1 {
			t.Fatalf("the crashed worker's tasks moved before the delay: %d RUNNING on %v", running, on)
		}
		time.Sleep(200 * time.Millisecond) // polling for something that must not happen
	}
}
