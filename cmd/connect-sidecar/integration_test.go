//go:build integration

package main

import (
	"encoding/json"
	"maps"
	"slices"
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
	if err := getJSON(p.URL+"/", &info); err != nil {
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
