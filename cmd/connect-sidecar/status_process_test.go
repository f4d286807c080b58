package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// Against a worker process whose REST API asks for a bearer token, with
// the worker's own variables and no --url: a healthy source shows its
// tasks RUNNING, a sink fed a record its converter cannot read shows its
// task FAILED with the error and the record as lag, pause and resume
// change what status shows, and --watch redraws.
func TestStatusOfAWorkerProcess(t *testing.T) {
	b := kafkatest.Start(t)
	const token = "status-test-token"
	w := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+kafkatest.Name(t, "g"), "SIDECAR_REST_AUTH_TOKEN="+token)
	w.WaitHealthy(t, time.Minute)
	workerID := strings.TrimPrefix(w.URL, "http://")
	genTopic, badTopic := kafkatest.Name(t, "gen"), kafkatest.Name(t, "bad")
	b.CreateTopic(t, genTopic, 1)
	b.CreateTopic(t, badTopic, 1)
	b.Produce(t, badTopic, "k", "not JSON {")
	putConfig(t, w.URL, token, "gen", map[string]string{
		"connector.class": "DatagenConnector", "tasks.max": "2", "topic": genTopic, "rate": "1"})
	putConfig(t, w.URL, token, "broken", map[string]string{"connector.class": "HttpSinkConnector", "topics": badTopic})

	environ := []string{"CONNECT_LISTENERS=" + w.URL, "SIDECAR_REST_AUTH_TOKEN=" + token}
	status := func(want map[string][]string) (out string) {
		t.Helper()
		kafkatest.Eventually(t, time.Minute, func() error {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"status"}, environ, &stdout, &stderr); code != exitOK {
				return fmt.Errorf("exit %d: %s", code, stderr.String())
			}
			out = stdout.String()
			rows := table(t, out)
			for name, cells := range want {
				if got := rows[name]; strings.Join(got, "|") != strings.Join(cells, "|") {
					return fmt.Errorf("row %q, want %q:\n%s", got, cells, out)
				}
			}
			return nil
		})
		return out
	}

	// The sink's lag is the one record it could not read: it commits none.
	out := status(map[string][]string{
		"gen":    {"gen", "source", "RUNNING", "2/2 RUNNING", workerID, "-"},
		"broken": {"broken", "sink", "RUNNING", "1/1 FAILED", workerID, "1"},
	})
	t.Logf("connect-sidecar status:\n%s", out)
	if want := "broken task 0 FAILED on " + workerID + ": "; !strings.Contains(out, want) {
		t.Errorf("status does not name the failed task with %q:\n%s", want, out)
	}

	var stdout, stderr bytes.Buffer
	if code := run([]string{"status"}, environ[:1], &stdout, &stderr); code != exitFailed || !strings.Contains(stderr.String(), "answered 401") {
		t.Errorf("without the token: exit %d, stderr %q; want %d and 401", code, stderr.String(), exitFailed)
	}

	if code := run([]string{"pause", "gen"}, environ, &stdout, &stderr); code != exitOK {
		t.Fatalf("pause: exit %d: %s", code, stderr.String())
	}
	status(map[string][]string{"gen": {"gen", "source", "PAUSED", "2/2 PAUSED", workerID, "-"}})
	if code := run([]string{"resume", "gen"}, environ, &stdout, &stderr); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr.String())
	}
	status(map[string][]string{"gen": {"gen", "source", "RUNNING", "2/2 RUNNING", workerID, "-"}})

	frames := watch(t, []string{"--interval", "50ms"}, environ, "Every 50ms: connect-sidecar status on "+w.URL)
	for i, f := range frames {
		if got := table(t, f)["broken"]; len(got) != 6 || got[3] != "1/1 FAILED" {
			t.Errorf("frame %d: broken row %q, want 1/1 FAILED:\n%s", i, got, f)
		}
	}
}

// putConfig creates or updates a connector, retrying while the group
// rebalances.
func putConfig(t *testing.T, base, token, name string, config map[string]string) {
	t.Helper()
	body, _ := json.Marshal(config)
	kafkatest.Eventually(t, time.Minute, func() error {
		req, err := http.NewRequest(http.MethodPut, base+"/connectors/"+name+"/config", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return fmt.Errorf("PUT %s: %d %s", name, resp.StatusCode, answer)
		}
		return nil
	})
}
