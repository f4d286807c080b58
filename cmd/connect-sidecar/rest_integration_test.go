//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// restCall is one request and what Connect's API answers to it.
type restCall struct {
	method, path, body string
	status             int
	// check inspects the decoded answer; nil checks only the status.
	check func(t *testing.T, body any)
}

// send sends c to w, retrying while the group rebalances (409 where c
// does not expect one), and checks the answer.
func (c restCall) send(t *testing.T, w *kafkatest.Process) any {
	t.Helper()
	var code int
	var text string
	kafkatest.Eventually(t, time.Minute, func() error {
		var err error
		code, text, err = w.Do(c.method, c.path, c.body)
		if err != nil {
			return err
		}
		if code == http.StatusConflict && (c.status != http.StatusConflict || rebalancing(text)) {
			return fmt.Errorf("%s %s: 409 %s", c.method, c.path, text)
		}
		return nil
	})
	if code != c.status {
		t.Fatalf("%s %s on %s = %d %s, want %d", c.method, c.path, w.URL, code, text, c.status)
	}
	var body any
	if text != "" {
		if err := json.Unmarshal([]byte(text), &body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", c.method, c.path, text, err)
		}
	}
	if code >= 400 {
		em, ok := body.(map[string]any)
		if !ok || em["error_code"] != float64(code) || em["message"] == "" {
			t.Errorf("%s %s: error body %s is not Connect's {error_code, message}", c.method, c.path, text)
		}
	}
	if c.check != nil {
		c.check(t, body)
	}
	return body
}

// rebalancing tells Connect's "retry later" 409s from the others.
func rebalancing(body string) bool {
	return strings.Contains(body, "momentarily") || strings.Contains(body, "conflicting operation")
}

func field(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: no object at %q", v, k)
		}
		v = m[k]
	}
	return v
}

func wantField(want any, path ...string) func(*testing.T, any) {
	return func(t *testing.T, body any) {
		t.Helper()
		if got := field(t, body, path...); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v = %v, want %v (body %v)", path, got, want, body)
		}
	}
}

// leaderOf returns the worker whose last completed rebalance made it the
// leader, and the other one.
func leaderOf(t *testing.T, ws []*kafkatest.Process) (leader, follower *kafkatest.Process) {
	t.Helper()
	kafkatest.Eventually(t, time.Minute, func() error {
		leader, follower = nil, nil
		for _, w := range ws {
			leads, known := leads(w.Log())
			if !known {
				return fmt.Errorf("%s has not completed a rebalance", w.URL)
			}
			if leads {
				leader = w
			} else {
				follower = w
			}
		}
		if leader == nil || follower == nil {
			return fmt.Errorf("no single leader yet")
		}
		return nil
	})
	return leader, follower
}

// awaitState polls a connector's status until the connector and its
// tasks reach state.
func awaitState(t *testing.T, w *kafkatest.Process, name, state string, tasks int) {
	t.Helper()
	kafkatest.Eventually(t, time.Minute, func() error {
		code, text, err := w.Get("/connectors/" + name + "/status")
		if err != nil || code != 200 {
			return fmt.Errorf("status %d %s %v", code, text, err)
		}
		var st struct {
			Connector struct{ State string }
			Tasks     []struct{ State string }
		}
		if err := json.Unmarshal([]byte(text), &st); err != nil {
			return err
		}
		if st.Connector.State != state || len(st.Tasks) != tasks {
			return fmt.Errorf("status %s, want %s with %d tasks", text, state, tasks)
		}
		for _, ts := range st.Tasks {
			if ts.State != state {
				return fmt.Errorf("status %s, want every task %s", text, state)
			}
		}
		return nil
	})
}

// TestIntegrationRESTContract drives every public endpoint of Connect's
// REST API on a two-worker cluster, writes on the follower as well as the
// leader, so forwarding is exercised, and checks Connect's status codes
// and bodies.
func TestIntegrationRESTContract(t *testing.T) {
	c := startCluster(t, 2)
	leader, follower := leaderOf(t, c.workers)
	dir := c.dir
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	if err := os.WriteFile(in, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`{"connector.class":"FileStreamSource","file":%q,"topic":%q,"tasks.max":"1"}`, in, c.topic)
	sink := fmt.Sprintf(`{"connector.class":"org.apache.kafka.connect.file.FileStreamSinkConnector","file":%q,"topics":%q,"tasks.max":"2"}`, out, c.topic)

	for _, step := range []struct {
		on *kafkatest.Process
		restCall
	}{
		{leader, restCall{method: "GET", path: "/", status: 200, check: func(t *testing.T, b any) {
			if field(t, b, "kafka_cluster_id") != c.b.ClusterID(t) || field(t, b, "version") == "" {
				t.Errorf("GET / = %v", b)
			}
		}}},
		{follower, restCall{method: "GET", path: "/connectors", status: 200, check: func(t *testing.T, b any) {
			if l, ok := b.([]any); !ok || len(l) != 0 {
				t.Errorf("GET /connectors = %v, want []", b)
			}
		}}},
		{follower, restCall{method: "POST", path: "/connectors", body: `{"name":"src","config":` + src + `}`, status: 201, check: wantField("source", "type")}},
		{leader, restCall{method: "POST", path: "/connectors", body: `{"name":"src","config":` + src + `}`, status: 409, check: wantField("Connector src already exists", "message")}},
		{follower, restCall{method: "POST", path: "/connectors", body: `{"name":"sink","config":` + sink + `,"initial_state":"PAUSED"}`, status: 201}},
		{follower, restCall{method: "POST", path: "/connectors", body: `{"name":"bad","config":{"connector.class":"NoSuchConnector"}}`, status: 400}},
		{follower, restCall{method: "POST", path: "/connectors", body: `{"name":"a/b","config":` + src + `}`, status: 400}},
		{follower, restCall{method: "POST", path: "/connectors", body: `{"name":`, status: 400}},
		{leader, restCall{method: "GET", path: "/connectors/nope", status: 404}},
		{follower, restCall{method: "GET", path: "/connectors/src/config", status: 200, check: wantField(in, "file")}},
		{follower, restCall{method: "GET", path: "/connectors/src", status: 200, check: wantField("src", "name")}},
	} {
		step.send(t, step.on)
	}
	awaitState(t, follower, "src", "RUNNING", 1)
	// Created PAUSED, the sink's connector never started, so it has no
	// task configs yet, as in Java.
	awaitState(t, leader, "sink", "PAUSED", 0)

	for _, step := range []struct {
		on *kafkatest.Process
		restCall
	}{
		{follower, restCall{method: "GET", path: "/connectors/src/tasks", status: 200, check: func(t *testing.T, b any) {
			if l, ok := b.([]any); !ok || len(l) != 1 || field(t, l[0], "id", "task") != float64(0) {
				t.Errorf("tasks = %v", b)
			}
		}}},
		{leader, restCall{method: "GET", path: "/connectors/src/tasks/0/status", status: 200, check: wantField("RUNNING", "state")}},
		{leader, restCall{method: "GET", path: "/connectors/src/tasks/7/status", status: 404}},
		{follower, restCall{method: "GET", path: "/connectors?expand=status&expand=info", status: 200, check: func(t *testing.T, b any) {
			if field(t, b, "src", "status", "connector", "state") != "RUNNING" || field(t, b, "sink", "info", "type") != "sink" {
				t.Errorf("expanded = %v", b)
			}
		}}},
		{follower, restCall{method: "PUT", path: "/connectors/sink/resume", status: 202}},
	} {
		step.send(t, step.on)
	}
	awaitState(t, leader, "sink", "RUNNING", 2)
	kafkatest.Eventually(t, time.Minute, func() error {
		if got := readLines(out); len(got) < 3 {
			return fmt.Errorf("sink wrote %v", got)
		}
		return nil
	})

	for _, step := range []struct {
		on *kafkatest.Process
		restCall
	}{
		{follower, restCall{method: "PUT", path: "/connectors/src/config", body: strings.Replace(src, `"tasks.max":"1"`, `"tasks.max":"1","batch.size":"100"`, 1), status: 200, check: wantField("100", "config", "batch.size")}},
		{leader, restCall{method: "PATCH", path: "/connectors/src/config", body: `{"batch.size":"200"}`, status: 200, check: wantField("200", "config", "batch.size")}},
		{follower, restCall{method: "PUT", path: "/connectors/src/pause", status: 202}},
	} {
		step.send(t, step.on)
	}
	awaitState(t, leader, "src", "PAUSED", 1)
	for _, step := range []struct {
		on *kafkatest.Process
		restCall
	}{
		{follower, restCall{method: "PUT", path: "/connectors/src/resume", status: 202}},
		{follower, restCall{method: "POST", path: "/connectors/src/restart", status: 204}},
		{leader, restCall{method: "POST", path: "/connectors/src/restart?includeTasks=true&onlyFailed=false", status: 202, check: wantField("RESTARTING", "connector", "state")}},
		{follower, restCall{method: "POST", path: "/connectors/src/tasks/0/restart", status: 204}},
		{leader, restCall{method: "GET", path: "/connectors/src/topics", status: 200}},
		{follower, restCall{method: "PUT", path: "/connectors/src/topics/reset", status: 202}},
		{leader, restCall{method: "GET", path: "/connector-plugins", status: 200}},
		{leader, restCall{method: "GET", path: "/connector-plugins?connectorsOnly=false", status: 200}},
		{follower, restCall{method: "GET", path: "/connector-plugins/FileStreamSink/config", status: 200}},
		{follower, restCall{method: "PUT", path: "/connector-plugins/FileStreamSinkConnector/config/validate", body: `{"connector.class":"FileStreamSink"}`, status: 200, check: wantField(3, "error_count")}},
		{follower, restCall{method: "GET", path: "/connectors/src/offsets", status: 200}},
		// Offsets change only while the connector is stopped.
		{follower, restCall{method: "DELETE", path: "/connectors/src/offsets", status: 400}},
		{follower, restCall{method: "PUT", path: "/connectors/src/stop", status: 204}},
		{leader, restCall{method: "PUT", path: "/connectors/sink/stop", status: 204}},
	} {
		step.send(t, step.on)
	}
	awaitState(t, follower, "src", "STOPPED", 0)
	awaitState(t, follower, "sink", "STOPPED", 0)

	// The source committed its position in the file; the sink its
	// consumer group offsets. Both can be read, altered and reset.
	kafkatest.Eventually(t, time.Minute, func() error {
		_, text, err := follower.Get("/connectors/src/offsets")
		if err != nil || !strings.Contains(text, `"position":14`) {
			return fmt.Errorf("source offsets %s %v", text, err)
		}
		return nil
	})
	srcPart := fmt.Sprintf(`{"filename":%q}`, in)
	sinkPart := fmt.Sprintf(`{"kafka_topic":%q,"kafka_partition":0}`, c.topic)
	for _, step := range []struct {
		on *kafkatest.Process
		restCall
	}{
		{follower, restCall{method: "PATCH", path: "/connectors/src/offsets", body: `{"offsets":[{"partition":` + srcPart + `,"offset":{"position":4}}]}`, status: 200,
			check: wantField("The offsets for this connector have been altered successfully", "message")}},
		{leader, restCall{method: "GET", path: "/connectors/src/offsets", status: 200, check: func(t *testing.T, b any) {
			if l := field(t, b, "offsets").([]any); len(l) != 1 || field(t, l[0], "offset", "position") != float64(4) {
				t.Errorf("offsets = %v, want position 4", b)
			}
		}}},
		{leader, restCall{method: "PATCH", path: "/connectors/sink/offsets", body: `{"offsets":[{"partition":` + sinkPart + `,"offset":{"kafka_offset":"1"}}]}`, status: 200}},
		{follower, restCall{method: "GET", path: "/connectors/sink/offsets", status: 200, check: func(t *testing.T, b any) {
			// Other tests' sinks named "sink" share the group connect-sink.
			for _, o := range field(t, b, "offsets").([]any) {
				if field(t, o, "partition", "kafka_topic") == c.topic && field(t, o, "partition", "kafka_partition") == float64(0) &&
					field(t, o, "offset", "kafka_offset") != float64(1) {
					t.Errorf("sink offsets = %v, want partition 0 at 1", b)
				}
			}
		}}},
		{follower, restCall{method: "PATCH", path: "/connectors/sink/offsets", body: `{"offsets":[{"partition":{"kafka_topic":"x"},"offset":null}]}`, status: 400}},
		{follower, restCall{method: "DELETE", path: "/connectors/sink/offsets", status: 200, check: wantField("The offsets for this connector have been reset successfully", "message")}},
		{leader, restCall{method: "GET", path: "/connectors/sink/offsets", status: 200, check: wantField("[]", "offsets")}},
		{leader, restCall{method: "DELETE", path: "/connectors/src/offsets", status: 200}},
		{follower, restCall{method: "GET", path: "/connectors/src/offsets", status: 200, check: wantField("[]", "offsets")}},
		{follower, restCall{method: "DELETE", path: "/connectors/src", status: 204}},
		{leader, restCall{method: "DELETE", path: "/connectors/sink", status: 204}},
		{follower, restCall{method: "GET", path: "/connectors/src", status: 404}},
	} {
		step.send(t, step.on)
	}
}

// TestIntegrationRESTConflictWhileRebalancing: with the leader stopped
// (SIGSTOP), writes on the follower answer 409 until the group has
// rebalanced around it, never 5xx, and then succeed on the new leader.
func TestIntegrationRESTConflictWhileRebalancing(t *testing.T) {
	c := startCluster(t, 2)
	leader, follower := leaderOf(t, c.workers)
	leader.Signal(t, syscall.SIGSTOP)
	defer leader.Signal(t, syscall.SIGCONT)

	// The follower waits for a silent leader at most a session timeout
	// (at least 10 s) before it answers; this client waits longer.
	client := &http.Client{Timeout: 30 * time.Second}
	conflicts := 0
	body := `{"connector.class":"Datagen","topic":"` + c.topic + `","rate":"1","tasks.max":"1"}`
	kafkatest.Eventually(t, 2*time.Minute, func() error {
		req, err := http.NewRequest("PUT", follower.URL+"/connectors/gen/config", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("PUT while the leader is stopped: %v; the follower must answer", err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		code, text := resp.StatusCode, string(data)
		switch {
		case code == http.StatusConflict:
			conflicts++
			return fmt.Errorf("409 %s", text)
		case code >= 500:
			t.Fatalf("PUT while the leader is stopped = %d %s; want 2xx or 409", code, text)
		case code != http.StatusCreated:
			t.Fatalf("PUT = %d %s", code, text)
		}
		return nil
	})
	if conflicts == 0 {
		t.Error("no 409 while the leader was stopped: the follower answered as if nothing happened")
	}
	t.Logf("%d answers were 409 before the follower took over", conflicts)
}
