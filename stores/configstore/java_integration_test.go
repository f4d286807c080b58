//go:build integration

package configstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

type stores struct {
	config *configstore.Store
	status *statusstore.Store
}

// startStores opens Go stores on the topics of a Java worker's group.
func startStores(t *testing.T, b *kafkatest.Broker, group string) stores {
	t.Helper()
	w := kafkatest.Worker(t, b, group)
	clients := kafkatest.Clients(t, w)
	return stores{
		kafkatest.Started(t, configstore.NewStore(clients, w, kafkatest.Quiet())),
		kafkatest.Started(t, statusstore.NewStore(clients, w, kafkatest.Quiet())),
	}
}

func plain(p configstore.Props) map[string]string {
	out := map[string]string{}
	for k, v := range p {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func javaJSON(java *kafkatest.JavaWorker, path string, v any) error {
	code, body, err := java.Get(path)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("GET %s: %d %s", path, code, body)
	}
	return json.Unmarshal([]byte(body), v)
}

type taskInfo struct {
	ID struct {
		Connector string `json:"connector"`
		Task      int32  `json:"task"`
	} `json:"id"`
	Config map[string]string `json:"config"`
}

// A connector created through Java's REST API is what the Go stores read:
// same config, task configs, target state and statuses.
func TestIntegrationGoStoresReadWhatJavaWrites(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "java")
	java := kafkatest.StartJavaWorker(t, b, group)
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 1)
	in := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(in, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q}`, in, topic)
	if code, body, err := java.Do("PUT", "/connectors/src/config", conf); err != nil || code != 201 {
		t.Fatalf("create via Java: %d %s %v", code, body, err)
	}
	var tasks []taskInfo
	kafkatest.Eventually(t, time.Minute, func() error {
		if err := javaJSON(java, "/connectors/src/tasks", &tasks); err != nil {
			return err
		}
		if len(tasks) != 1 {
			return fmt.Errorf("%d tasks", len(tasks))
		}
		return nil
	})
	s := startStores(t, b, group)
	snap := s.config.Snapshot()
	var javaConfig map[string]string
	if err := javaJSON(java, "/connectors/src/config", &javaConfig); err != nil {
		t.Fatal(err)
	}
	got, ok := snap.ConnectorConfig("src")
	if !ok || !maps.Equal(plain(got), javaConfig) {
		t.Errorf("Go reads config %v, Java serves %v", plain(got), javaConfig)
	}
	tc, ok := snap.TaskConfig(configstore.TaskID{Connector: "src", Task: 0})
	if !ok || !maps.Equal(plain(tc), tasks[0].Config) {
		t.Errorf("Go reads task config %v, Java serves %v", plain(tc), tasks[0].Config)
	}
	if st, ok := snap.TargetState("src"); ok && st != configstore.Started {
		t.Errorf("target state %v, want STARTED", st)
	}
	workerID := strings.TrimPrefix(java.URL, "http://")
	kafkatest.Eventually(t, time.Minute, func() error {
		st := s.status.Snapshot()
		c, ok := st.Connector("src")
		task, tok := st.Task(statusstore.TaskID{Connector: "src", Task: 0})
		if !ok || !tok || c.State != statusstore.Running || task.State != statusstore.Running || c.WorkerID != workerID {
			return fmt.Errorf("statuses %+v %+v, want RUNNING from %s", c, task, workerID)
		}
		return nil
	})

	if code, body, err := java.Do("PUT", "/connectors/src/pause", ""); err != nil || code != 202 {
		t.Fatalf("pause via Java: %d %s %v", code, body, err)
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if st, _ := s.config.Snapshot().TargetState("src"); st != configstore.Paused {
			return fmt.Errorf("target state %v, want PAUSED", st)
		}
		if c, _ := s.status.Snapshot().Connector("src"); c.State != statusstore.Paused {
			return fmt.Errorf("connector status %v, want PAUSED", c.State)
		}
		return nil
	})
}

// A connector written by the Go store is served and run by the Java worker.
func TestIntegrationJavaRunsWhatGoWrites(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "java")
	java := kafkatest.StartJavaWorker(t, b, group)
	s := startStores(t, b, group)
	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 1)
	out := filepath.Join(t.TempDir(), "out.txt")
	conf := map[string]string{
		"name": "gosink", "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
		"tasks.max": "1", "file": out, "topics": topic,
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}
	task := maps.Clone(conf)
	task["task.class"] = "org.apache.kafka.connect.file.FileStreamSinkTask"
	ctx := context.Background()
	if err := s.config.PutConnectorConfig(ctx, "gosink", conf, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.config.PutTaskConfigs(ctx, "gosink", []map[string]string{task}); err != nil {
		t.Fatal(err)
	}

	kafkatest.Eventually(t, time.Minute, func() error {
		var javaConfig map[string]string
		if err := javaJSON(java, "/connectors/gosink/config", &javaConfig); err != nil {
			return err
		}
		if !maps.Equal(javaConfig, conf) {
			return fmt.Errorf("Java serves config %v, Go wrote %v", javaConfig, conf)
		}
		var tasks []taskInfo
		if err := javaJSON(java, "/connectors/gosink/tasks", &tasks); err != nil {
			return err
		}
		if len(tasks) != 1 || !maps.Equal(tasks[0].Config, task) {
			return fmt.Errorf("Java serves tasks %+v, Go wrote %v", tasks, task)
		}
		return nil
	})
	b.Produce(t, topic, "k", "hello from Go's config store")
	kafkatest.Eventually(t, time.Minute, func() error {
		data, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		if string(data) != "hello from Go's config store\n" {
			return fmt.Errorf("sink file holds %q", data)
		}
		return nil
	})
}
