//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// Two workers start with the same SIDECAR_CONNECTORS: the connector exists
// and runs, and a config the plugin refuses is named on /health while the
// workers stay healthy and ready. Restarting with the same declaration
// adds no record to the config topic; a changed declaration, rolled out
// one worker after the other, writes the connector's config exactly once.
func TestIntegrationDeclaredConnectors(t *testing.T) {
	b := kafkatest.Start(t)
	group, topic := kafkatest.Name(t, "g"), kafkatest.Name(t, "data")
	configTopic := group + "-configs"
	b.CreateTopic(t, topic, 1)
	declaration := func(rate string) string {
		return fmt.Sprintf(`[{"name":"declared","config":{"connector.class":"Datagen","tasks.max":"2","topic":%q,"rate":%q}},`+
			`{"name":"refused","config":{"connector.class":"Datagen","tasks.max":"1"}}]`, topic, rate)
	}
	start := func(decl string) *kafkatest.Process {
		w := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+group, "SIDECAR_CONNECTORS="+decl, "CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0")
		w.WaitReady(t, time.Minute)
		return w
	}
	restart := func(w *kafkatest.Process, decl string) *kafkatest.Process {
		w.Signal(t, syscall.SIGTERM)
		if code := w.Wait(t, 30*time.Second); code != exitOK {
			t.Fatalf("exit %d after SIGTERM", code)
		}
		return start(decl)
	}

	// Started together, so both may find the connector missing.
	var workers []*kafkatest.Process
	for range 2 {
		workers = append(workers, kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+group, "SIDECAR_CONNECTORS="+declaration("1"), "CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0"))
	}
	for _, w := range workers {
		w.WaitReady(t, time.Minute)
	}
	awaitDeclared(t, workers[1], "1")
	if code, body, _ := workers[0].Get("/connectors/refused"); code != http.StatusNotFound {
		t.Errorf("refused connector: GET = %d %s", code, body)
	}
	for _, w := range workers {
		code, body, err := w.Get("/health")
		if err != nil || code != http.StatusOK || !strings.Contains(body, "Declared connector refused (from SIDECAR_CONNECTORS) was refused: ") {
			t.Errorf("/health on %s = %d %s %v, want 200 naming the refused connector", w.URL, code, body, err)
		}
	}

	before := lastOffset(t, b, configTopic)
	for i, w := range workers {
		workers[i] = restart(w, declaration("1"))
		if !strings.Contains(workers[i].Log(), `msg="declared connector unchanged" component=declared-connectors connector=declared`) {
			t.Errorf("the restarted worker did not find the declaration unchanged:\n%s", workers[i].Log())
		}
	}
	awaitDeclared(t, workers[0], "1")
	if after := lastOffset(t, b, configTopic); after != before {
		t.Errorf("restarts with the same declaration moved the config topic from offset %d to %d", before, after)
	}

	for i, w := range workers {
		workers[i] = restart(w, declaration("2"))
		awaitDeclared(t, workers[i], "2")
	}
	if n := connectorRecords(t, b, configTopic, before, "declared"); n != 1 {
		t.Errorf("the changed declaration wrote the connector's config %d times, want once", n)
	}
}

// awaitDeclared waits until the declared connector has the given rate and
// runs with its two tasks.
func awaitDeclared(t *testing.T, w *kafkatest.Process, rate string) {
	t.Helper()
	kafkatest.Eventually(t, time.Minute, func() error {
		code, body, err := w.Get("/connectors/declared/config")
		if err != nil {
			return err
		}
		var conf map[string]string
		if code != http.StatusOK || json.Unmarshal([]byte(body), &conf) != nil || conf["rate"] != rate {
			return fmt.Errorf("config = %d %s, want rate %s", code, body, rate)
		}
		code, body, err = w.Get("/connectors/declared/status")
		if err != nil {
			return err
		}
		var st struct {
			Connector struct{ State string }
			Tasks     []struct{ State string }
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Connector.State != "RUNNING" ||
			len(st.Tasks) != 2 || st.Tasks[0].State != "RUNNING" || st.Tasks[1].State != "RUNNING" {
			return fmt.Errorf("status = %d %s", code, body)
		}
		return nil
	})
}

func lastOffset(t *testing.T, b *kafkatest.Broker, topic string) int64 {
	t.Helper()
	n, err := kafkatest.LastOffset(b, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// connectorRecords counts the connector config records of name in topic
// from offset from to the end.
func connectorRecords(t *testing.T, b *kafkatest.Broker, topic string, from int64, name string) int {
	t.Helper()
	end := lastOffset(t, b, topic)
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr}, Topic: topic, Partition: 0, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for offset := from; offset < end; {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s from %d: %v", topic, offset, err)
		}
		if string(m.Key) == "connector-"+name {
			n++
		}
		offset = m.Offset + 1
	}
	return n
}
