//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// closedPort is a port on 127.0.0.1 nothing listens on: an advertised URL
// that points nowhere, as other instances see a Cloud Run instance's.
func closedPort(t *testing.T) string { return strconv.Itoa(freeTCPPort(t)) }

// startPeerless starts n workers of one group in peerless mode, each
// advertising a URL no worker can call.
func startPeerless(t *testing.T, b *kafkatest.Broker, n int, env ...string) []*kafkatest.Process {
	t.Helper()
	var ws []*kafkatest.Process
	for range n {
		ws = append(ws, kafkatest.StartWorker(t, b, append([]string{
			"SIDECAR_PEERLESS=true",
			"CONNECT_REST_ADVERTISED_PORT=" + closedPort(t),
		}, env...)...))
	}
	for _, w := range ws {
		w.WaitHealthy(t, time.Minute)
	}
	return ws
}

// In peerless mode every REST call answers as in the normal mode, whichever
// worker gets it, though no worker can reach another: the differential
// sequence goes to three such workers in turn, one step each, and to one
// normal worker alone in its group; statuses and bodies' shapes must match.
// Forwarded writes, a connector's task configs written by the leader for
// whichever worker runs it, restarts routed to the connector's owner, and
// offsets all go through the request topic.
func TestIntegrationPeerlessAnswersAsTheNormalMode(t *testing.T) {
	b := kafkatest.Start(t)
	dir := t.TempDir()
	fileEnv := append(kafkatest.FileStream(dir), "CONNECT_OFFSET_FLUSH_INTERVAL_MS=500")
	peers := startPeerless(t, b, 3, append(fileEnv, "CONNECT_GROUP_ID="+kafkatest.Name(t, "peerless"))...)
	normal := kafkatest.StartWorker(t, b, append(fileEnv, "CONNECT_GROUP_ID="+kafkatest.Name(t, "normal"))...)
	normal.WaitHealthy(t, time.Minute)

	targets := []restTarget{
		{name: "normal", do: normal.Do},
		{name: "peerless", worker: func(i int) func(method, path, body string) (int, string, error) {
			return peers[i%len(peers)].Do
		}},
	}
	for i := range targets {
		targets[i].file = filepath.Join(dir, targets[i].name+"-in.txt")
		targets[i].out = filepath.Join(dir, targets[i].name+"-out.txt")
		targets[i].topic = kafkatest.Name(t, targets[i].name)
		b.CreateTopic(t, targets[i].topic, 1)
		if err := os.WriteFile(targets[i].file, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := differentialSteps()
	normalRun, peerlessRun := targets[0].run(t, steps), targets[1].run(t, steps)
	for i := range steps {
		n, p := normalRun[i], peerlessRun[i]
		if n.status != p.status || n.shape != p.shape {
			t.Errorf("step %d %s: normal %d %s\n\tpeerless %d %s\n\tnormal said %.300s\n\tpeerless said %.300s", i, n.step, n.status, n.shape, p.status, p.shape, n.body, p.body)
		}
	}
	for _, w := range peers {
		if log := w.Log(); strings.Contains(log, "connection refused") {
			t.Errorf("worker %s tried to call another worker over HTTP:\n%s", w.URL, grepLines(log, "connection refused"))
		}
	}
}

// A connector that runs on a follower has its task configs written and its
// tasks started, though its worker cannot reach the leader.
func TestIntegrationPeerlessFollowerConnectorGetsItsTasks(t *testing.T) {
	b := kafkatest.Start(t)
	ws := startPeerless(t, b, 3, "CONNECT_GROUP_ID="+kafkatest.Name(t, "peerless"))
	topic := kafkatest.Name(t, "gen")
	b.CreateTopic(t, topic, 3)
	// Several connectors, so that some of them run on followers.
	for i := range 3 {
		conf := fmt.Sprintf(`{"connector.class":"DatagenConnector","topic":%q,"tasks.max":"3","rate":"10"}`, topic)
		kafkatest.Eventually(t, time.Minute, func() error {
			code, body, err := ws[i].Do("PUT", fmt.Sprintf("/connectors/gen%d/config", i), conf)
			if err != nil || code != 201 {
				// 409 while the group rebalances, as for any client.
				return fmt.Errorf("PUT via worker %d: %d %s %v", i, code, body, err)
			}
			return nil
		})
	}
	owners := map[string]bool{}
	for i := range 3 {
		kafkatest.Eventually(t, time.Minute, func() error {
			var st struct {
				Connector struct {
					WorkerID string `json:"worker_id"`
				}
			}
			_, body, err := ws[(i+1)%3].Get(fmt.Sprintf("/connectors/gen%d/status", i))
			if err != nil || strings.Count(body, `"state":"RUNNING"`) != 4 || json.Unmarshal([]byte(body), &st) != nil {
				return fmt.Errorf("gen%d status: %s %v", i, body, err)
			}
			owners[st.Connector.WorkerID] = true
			return nil
		})
	}
	// One worker leads; connectors on two or more workers mean at least
	// one ran on a follower.
	if len(owners) < 2 {
		t.Errorf("the connectors all ran on %v; the test needs one on a follower", owners)
	}
}

func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Three replicas that cannot reach each other start at once with the same
// SIDECAR_CONNECTORS: each gets the declared config written by the leader,
// though none can reach it, and the connector runs.
func TestIntegrationPeerlessDeclaredConnectorsConverge(t *testing.T) {
	b := kafkatest.Start(t)
	group, topic := kafkatest.Name(t, "g"), kafkatest.Name(t, "data")
	b.CreateTopic(t, topic, 1)
	decl := fmt.Sprintf(`[{"name":"declared","config":{"connector.class":"Datagen","tasks.max":"2","topic":%q,"rate":"1"}}]`, topic)
	ws := startPeerless(t, b, 3, "CONNECT_GROUP_ID="+group, "SIDECAR_CONNECTORS="+decl)
	for _, w := range ws {
		w.WaitReady(t, time.Minute)
		awaitDeclared(t, w, "1")
	}
	// Replicas that find the connector missing at the same moment may each
	// have the leader write it (the same config), as concurrent PUTs do.
	if n := connectorRecords(t, b, group+"-configs", 0, "declared"); n < 1 || n > len(ws) {
		t.Errorf("three replicas wrote the declared connector's config %d times, want once per replica at most", n)
	}
}

// Replicas of one Cloud Run revision may share a host name and the platform
// gives them no address: in peerless mode each advertises a name of its own,
// so statuses tell them apart and requests reach the one they are for.
func TestIntegrationPeerlessWorkersNameThemselvesApart(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	var ws []*kafkatest.Process
	for range 2 {
		port := closedPort(t)
		ws = append(ws, kafkatest.StartCommand(t, "http://127.0.0.1:"+port, []string{
			"CONNECT_BOOTSTRAP_SERVERS=" + b.Addr,
			"CONNECT_GROUP_ID=" + group,
			"CONNECT_LISTENERS=http://:" + port, "CONNECT_REST_ADVERTISED_PORT=8083", // as every Cloud Run instance
			"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1", "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1", "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
			"SIDECAR_PEERLESS=true", "SIDECAR_LOG_FORMAT=text",
		}, "run"))
	}
	for _, w := range ws {
		w.WaitHealthy(t, time.Minute)
	}
	topic := kafkatest.Name(t, "gen")
	b.CreateTopic(t, topic, 2)
	kafkatest.Eventually(t, time.Minute, func() error {
		code, body, err := ws[1].Do("PUT", "/connectors/gen/config", fmt.Sprintf(`{"connector.class":"DatagenConnector","topic":%q,"tasks.max":"2","rate":"10"}`, topic))
		if err != nil || code != 201 {
			return fmt.Errorf("PUT: %d %s %v", code, body, err)
		}
		return nil
	})
	kafkatest.Eventually(t, time.Minute, func() error {
		var st struct {
			Tasks []struct {
				State    string
				WorkerID string `json:"worker_id"`
			}
		}
		_, body, err := ws[0].Get("/connectors/gen/status")
		if err != nil || json.Unmarshal([]byte(body), &st) != nil || len(st.Tasks) != 2 {
			return fmt.Errorf("status %s %v", body, err)
		}
		for _, task := range st.Tasks {
			if task.State != "RUNNING" {
				return fmt.Errorf("status %s", body)
			}
		}
		if st.Tasks[0].WorkerID == st.Tasks[1].WorkerID {
			return fmt.Errorf("both tasks on %s: the workers share a name or one has no task yet", st.Tasks[0].WorkerID)
		}
		return nil
	})
	for _, w := range ws {
		if !strings.Contains(w.Log(), "advertising a name unique to this worker") {
			t.Errorf("worker %s does not say which name it advertises", w.URL)
		}
	}
}

// A Java worker joins a group of peerless Go workers that no worker can
// call. It reads what they wrote and runs the sink tasks it is given, and
// writes sent to the Go workers work as before. The Go leader names it in a
// warning: Java calls other workers over HTTP, so a write sent to it, which
// it forwards to the leader's advertised URL, fails, and changes nothing.
func TestIntegrationPeerlessGroupWithAJavaWorker(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "peerless-java")
	timing := []string{
		"session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "heartbeat.interval.ms=1000",
		"scheduled.rebalance.max.delay.ms=0", "offset.flush.interval.ms=500",
		"consumer.session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "consumer.heartbeat.interval.ms=1000",
	}
	dir := t.TempDir()
	goEnv := append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group)
	for _, kv := range timing {
		goEnv = append(goEnv, "CONNECT_"+envName(kv))
	}
	peers := startPeerless(t, b, 2, goEnv...)
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, mixedPartitions)
	src, sink := kafkatest.Name(t, "src"), kafkatest.Name(t, "sink")
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	startLineWriter(t, in)
	asText := `"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"`
	sinkConfig := fmt.Sprintf(`{"connector.class":"FileStreamSink","tasks.max":"5","file":%q,"topics":%q,%s}`, out, topic, asText)
	kafkatest.PutConnector(t, peers[1].URL, src, fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q,%s}`, in, topic, asText))
	kafkatest.PutConnector(t, peers[1].URL, sink, sinkConfig)
	kafkatest.AwaitTasks(t, peers[0].URL, sink, 5)
	awaitLines(t, out, 100, time.Minute)

	java := kafkatest.StartJavaWorker(t, b, group, timing...)
	javaID := hostPort(java.URL)
	kafkatest.Eventually(t, time.Minute, func() error {
		on, err := kafkatest.TaskWorkers(peers[0].URL, sink)
		if err != nil {
			return err
		}
		if !slices.Contains(on, javaID) {
			return fmt.Errorf("sink tasks run on %v, none on the Java worker %s", on, javaID)
		}
		return nil
	})
	seen := len(countTokens(t, out))
	awaitLines(t, out, seen+100, time.Minute)

	var leader, follower *kafkatest.Process
	for _, p := range peers {
		if leads, _ := leads(p.Log()); leads {
			leader = p
		} else {
			follower = p
		}
	}
	if leader == nil || follower == nil {
		t.Fatal("neither Go worker says it leads the group")
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		for _, line := range strings.Split(leader.Log(), "\n") {
			if strings.Contains(line, "does not serve requests through Kafka") && strings.Contains(line, javaID) {
				return nil
			}
		}
		return fmt.Errorf("the leader has not named the Java worker %s in a warning", javaID)
	})

	// A write through a Go follower reaches the Java worker: it reads the
	// config the Go leader wrote.
	updated := strings.TrimSuffix(sinkConfig, "}") + `,"errors.tolerance":"all"}`
	kafkatest.PutConnector(t, follower.URL, sink, updated)
	kafkatest.Eventually(t, time.Minute, func() error {
		code, body, err := java.Get("/connectors/" + sink + "/config")
		if err != nil || code != http.StatusOK || !strings.Contains(body, `"errors.tolerance":"all"`) {
			return fmt.Errorf("the Java worker's config of %s: %d %s %v", sink, code, body, err)
		}
		return nil
	})
	kafkatest.AwaitTasks(t, java.URL, sink, 5)

	// A write through the Java worker goes to the leader over HTTP, to a
	// port nothing listens on: it fails, and nothing is written.
	code, body, err := java.Do(http.MethodPut, "/connectors/"+sink+"/config", sinkConfig)
	if err != nil || code < 400 {
		t.Fatalf("a write through the Java worker, whose leader it cannot reach: %d %s %v", code, body, err)
	}
	t.Logf("a write through the Java worker: %d %s", code, body)
	marker := kafkatest.Name(t, "marker")
	kafkatest.PutConnector(t, follower.URL, marker, fmt.Sprintf(`{"connector.class":"FileStreamSink","tasks.max":"1","file":%q,"topics":%q}`, filepath.Join(dir, "marker.txt"), topic))
	for i, get := range []func(string) (int, string, error){java.Get, peers[0].Get, peers[1].Get} {
		kafkatest.Eventually(t, time.Minute, func() error {
			if code, _, err := get("/connectors/" + marker); err != nil || code != http.StatusOK {
				return fmt.Errorf("worker %d does not list %s yet: %d %v", i, marker, code, err)
			}
			return nil
		})
		if code, body, err := get("/connectors/" + sink + "/config"); err != nil || !strings.Contains(body, `"errors.tolerance":"all"`) {
			t.Errorf("worker %d: the config of %s after a failed write through Java: %d %s %v", i, sink, code, body, err)
		}
	}
}
