//go:build integration

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

const coordinatorLogger = "org.apache.kafka.connect.runtime.distributed.WorkerCoordinator"

// A cluster-scope level set through one worker process changes what
// another one logs; a worker started afterwards keeps its own levels.
func TestIntegrationClusterLoggerLevelReachesOtherWorkers(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	one := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+group)
	two := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+group)
	one.WaitHealthy(t, time.Minute)
	two.WaitHealthy(t, time.Minute)

	if code, body, err := kafkatest.Send("PUT", one.URL+"/admin/loggers/org.apache.kafka.connect.runtime.distributed?scope=cluster", `{"level":"DEBUG"}`); err != nil || code != http.StatusNoContent {
		t.Fatalf("PUT scope=cluster: %d %s %v, want 204", code, body, err)
	}
	level := func(p *kafkatest.Process) string {
		var l struct{ Level string }
		if err := kafkatest.GetJSON(p.URL+"/admin/loggers/"+coordinatorLogger, &l); err != nil {
			t.Fatal(err)
		}
		return l.Level
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if got := level(two); got != "DEBUG" {
			return fmt.Errorf("the other worker's %s is %s, want DEBUG", coordinatorLogger, got)
		}
		return nil
	})

	// A third worker makes the group rebalance, and the coordinator logs
	// each assignment at debug level.
	three := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+group)
	three.WaitHealthy(t, time.Minute)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if !strings.Contains(two.Log(), "level=DEBUG msg=assignment") {
			return fmt.Errorf("no debug record from the other worker's coordinator")
		}
		return nil
	})
	if got := level(three); got != "INFO" {
		t.Errorf("a worker started after the level was written has %s at %s, want INFO", coordinatorLogger, got)
	}
}

// Cluster-scope levels cross between Java and Go workers of one group: each
// applies the record the other wrote.
func TestIntegrationClusterLoggerLevelCrossesJavaAndGo(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "mixed")
	java := kafkatest.StartJavaWorker(t, b, group)
	goWorker := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+group)
	goWorker.WaitHealthy(t, time.Minute)

	tests := []struct {
		from, to         func(method, path, body string) (int, string, error)
		fromName, toName string
		namespace        string
	}{
		{goWorker.Do, java.Do, "Go", "Java", "org.apache.kafka.connect.storage"},
		{java.Do, goWorker.Do, "Java", "Go", "org.apache.kafka.connect.runtime.distributed"},
	}
	for _, tt := range tests {
		if code, body, err := tt.from("PUT", "/admin/loggers/"+tt.namespace+"?scope=cluster", `{"level":"trace"}`); err != nil || code != http.StatusNoContent {
			t.Fatalf("PUT scope=cluster on the %s worker: %d %s %v", tt.fromName, code, body, err)
		}
		kafkatest.Eventually(t, time.Minute, func() error {
			code, body, err := tt.to("GET", "/admin/loggers/"+tt.namespace, "")
			if err != nil || code != http.StatusOK || !strings.Contains(body, `"level":"TRACE"`) {
				return fmt.Errorf("%s worker: GET %s: %d %s %v; want TRACE written by the %s worker", tt.toName, tt.namespace, code, body, err, tt.fromName)
			}
			return nil
		})
	}
}
