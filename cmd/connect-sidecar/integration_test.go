//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

func TestIntegrationWorkerReportsTheClusterID(t *testing.T) {
	b := kafkatest.Start(t)
	t.Logf("broker: %s", b)
	p := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+kafkatest.Name(t, "g"))
	p.WaitHealthy(t, 60*time.Second)
	var info serverInfoBody
	if err := kafkatest.GetJSON(p.URL+"/", &info); err != nil {
		t.Fatal(err)
	}
	if want := b.ClusterID(t); info.KafkaClusterID != want || want == "" {
		t.Errorf("kafka_cluster_id = %q, want %q", info.KafkaClusterID, want)
	}
	var out slicesWriter
	if code := run([]string{"probe", "ready", "--url", p.URL}, nil, &out, &out); code != exitOK {
		t.Errorf("probe ready exit %d: %s", code, out)
	}
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, 30*time.Second); code != exitOK {
		t.Errorf("exit %d after SIGTERM", code)
	}
}

// The Java worker from scripts/kafka.sh and a Go worker on the same broker
// agree on GET /: same fields, same cluster id.
func TestIntegrationJavaWorkerAnswersLikeTheGoWorker(t *testing.T) {
	b := kafkatest.Start(t)
	java := kafkatest.StartJavaWorker(t, b, kafkatest.Name(t, "java"))
	code, body, err := java.Get("/health")
	if err != nil || code != 200 {
		t.Fatalf("Java /health = %d %s %v", code, body, err)
	}
	t.Logf("Java Connect worker at %s answered /health: %s", java.URL, body)
	goWorker := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+kafkatest.Name(t, "go"))
	goWorker.WaitHealthy(t, 60*time.Second)

	root := func(get func(string) (int, string, error)) map[string]any {
		code, body, err := get("/")
		if err != nil || code != 200 {
			t.Fatalf("GET / = %d %s %v", code, body, err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	javaRoot, goRoot := root(java.Get), root(goWorker.Get)
	t.Logf("Java GET / %v; Go GET / %v", javaRoot, goRoot)
	if !slices.Equal(slices.Sorted(maps.Keys(javaRoot)), slices.Sorted(maps.Keys(goRoot))) {
		t.Errorf("fields differ: Java %v, Go %v", javaRoot, goRoot)
	}
	if javaRoot["kafka_cluster_id"] != goRoot["kafka_cluster_id"] {
		t.Errorf("cluster ids differ: Java %v, Go %v", javaRoot["kafka_cluster_id"], goRoot["kafka_cluster_id"])
	}
}

type slicesWriter []byte

func (w *slicesWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
func (w slicesWriter) String() string               { return string(w) }

// lastList returns the items of the last match of re's first group, a
// comma-separated list.
func lastList(re *regexp.Regexp, log string) ([]string, bool) {
	m := re.FindAllStringSubmatch(log, -1)
	if len(m) == 0 {
		return nil, false
	}
	var out []string
	for _, it := range strings.Split(m[len(m)-1][1], ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out, true
}

var (
	goWork       = regexp.MustCompile(`msg=assignment .*work="?\[([^\]]*)\]`)
	javaConnects = regexp.MustCompile(`got assignment: Assignment\{.*?connectorIds=\[([^\]]*)\]`)
	javaTasks    = regexp.MustCompile(`got assignment: Assignment\{.*?taskIds=\[([^\]]*)\]`)
)

// A Java worker and a Go worker form one Connect group: the broker picks
// the sessioned protocol, both follow the same leader, and their assignments
// together cover a connector's work exactly once; then the Go worker leads a
// newly started Java worker.
func TestIntegrationJavaAndGoWorkersShareOneGroup(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "mixed")
	java := kafkatest.StartJavaWorker(t, b, group)
	dir := t.TempDir()
	goWorker := kafkatest.StartWorker(t, b, append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group, "SIDECAR_LOG_LEVEL=debug")...)
	goWorker.WaitHealthy(t, time.Minute)

	kafkatest.Eventually(t, time.Minute, func() error {
		if !strings.Contains(goWorker.Log(), "protocol=sessioned") || !strings.Contains(goWorker.Log(), "leader_url="+java.URL+"/") {
			return fmt.Errorf("Go worker has not followed Java leader %s over sessioned yet", java.URL)
		}
		if !strings.Contains(java.Log(), "with protocol version 2") {
			return fmt.Errorf("Java worker did not join with protocol version 2")
		}
		return nil
	})

	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 2)
	conf := fmt.Sprintf(`{"connector.class":"FileStreamSink","tasks.max":"2","file":%q,"topics":%q}`, dir+"/out.txt", topic)
	if code, body, err := java.Do("PUT", "/connectors/sink/config", conf); err != nil || code != 201 {
		t.Fatalf("create via Java: %d %s %v", code, body, err)
	}
	kafkatest.Eventually(t, time.Minute, func() error {
		goItems, ok := lastList(goWork, goWorker.Log())
		jc, jok := lastList(javaConnects, java.Log())
		jt, _ := lastList(javaTasks, java.Log())
		if !ok || !jok {
			return fmt.Errorf("no assignment logged yet")
		}
		all := slices.Sorted(slices.Values(slices.Concat(goItems, jc, jt)))
		if !slices.Equal(all, []string{"sink", "sink-0", "sink-1"}) {
			return fmt.Errorf("Go runs %v, Java runs %v %v: want sink, sink-0 and sink-1 exactly once", goItems, jc, jt)
		}
		return nil
	})

	java.Stop(t)
	second := kafkatest.StartJavaWorker(t, b, group)
	kafkatest.Eventually(t, time.Minute, func() error {
		if !strings.Contains(second.Log(), "leaderUrl='"+goWorker.URL+"/'") {
			return fmt.Errorf("new Java worker does not follow the Go leader %s yet", goWorker.URL)
		}
		if !strings.Contains(goWorker.Log(), "leader=true") {
			return fmt.Errorf("Go worker does not say it leads")
		}
		return nil
	})
}
