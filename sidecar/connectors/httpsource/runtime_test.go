package httpsource_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsource"
	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// pages serves a cursor-paged feed: no cursor or "p<i>" gets page i,
// whose records are {"n": <i*perPage + j>}, and whose cursor is "p<i+1>";
// past the last page, 204. It keeps the cursors it was asked for.
type pages struct {
	n, perPage int
	mu         sync.Mutex
	asked      []string
}

func (p *pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cursor := r.URL.Query().Get("cursor")
	p.mu.Lock()
	p.asked = append(p.asked, cursor)
	p.mu.Unlock()
	var i int
	if cursor != "" {
		fmt.Sscanf(cursor, "p%d", &i)
	}
	if i >= p.n {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	fmt.Fprint(w, `{"records": [`)
	for j := range p.perPage {
		if j > 0 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, `{"key": "k%d", "value": {"n": %d, "tags": ["a", null]}}`, i*p.perPage+j, i*p.perPage+j)
	}
	fmt.Fprintf(w, `], "cursor": "p%d"}`, i+1)
}

func (p *pages) cursors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}

// Through a worker's runtime: records land on the topic as the endpoint
// wrote them, the cursor is kept in the offsets topic, and a task started
// again asks for what follows it.
func TestResumeThroughTheOffsetsTopic(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "cluster"), "CONNECT_OFFSET_FLUSH_INTERVAL_MS=50")
	clients := kafkatest.Clients(t, w)
	loopback, err := egress.New([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := plugin.NewRegistry(append(httpsource.Plugins(loopback), converters.Plugins()...)...)
	if err != nil {
		t.Fatal(err)
	}
	offsets := kafkatest.Started(t, offsetstore.NewStore(clients, w, kafkatest.Quiet()))
	statuses := kafkatest.Started(t, statusstore.NewStore(clients, w, kafkatest.Quiet()))
	rt := runtime.New(runtime.Deps{Worker: w, Clients: clients, Plugins: reg, Offsets: offsets, Statuses: statuses})

	feed := &pages{n: 3, perPage: 4}
	srv := httptest.NewServer(feed)
	t.Cleanup(srv.Close)
	topic := kafkatest.Name(t, "events")
	b.CreateTopic(t, topic, 1)
	conf := map[string]string{
		"name":                           "feed",
		"connector.class":                "HttpSource",
		"tasks.max":                      "3",
		httpsource.URLConfig:             srv.URL,
		httpsource.TopicConfig:           topic,
		httpsource.PollIntervalConfig:    "10",
		httpsource.BackoffMaxConfig:      "20",
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
	}
	id := runtime.TaskID{Connector: "feed"}
	run := func() {
		if err := rt.StartConnector(runtime.ConnectorSpec{Name: "feed", Config: conf, Target: configstore.Started}); err != nil {
			t.Fatal(err)
		}
		configs, err := rt.TaskConfigs("feed", 3)
		if err != nil || len(configs) != 1 {
			t.Fatalf("task configs %v, %v; want one", configs, err)
		}
		if err := rt.StartTask(runtime.TaskSpec{ID: id, ConnectorConfig: conf, TaskConfig: configs[0], Target: configstore.Started}); err != nil {
			t.Fatal(err)
		}
	}
	stop := func() {
		rt.StopTasks([]runtime.TaskID{id})
		rt.StopConnectors([]string{"feed"})
	}
	t.Cleanup(stop)

	run()
	msgs := b.Consume(t, topic, 0, 12, 30*time.Second)
	for i, m := range msgs {
		if want := fmt.Sprintf(`{"n":%d,"tags":["a",null]}`, i); string(m.Key) != fmt.Sprintf("k%d", i) || string(m.Value) != want {
			t.Errorf("record %d: %s = %s, want k%d = %s", i, m.Key, m.Value, i, want)
		}
	}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		off, ok, err := offsets.Offset(context.Background(), "feed", map[string]any{httpsource.URLField: srv.URL})
		if err != nil {
			return err
		}
		if c, _ := off.Get(httpsource.CursorField); !ok || c != "p3" {
			return fmt.Errorf("stored cursor %v", c)
		}
		return nil
	})
	stop()

	before := len(feed.cursors())
	run()
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if asked := feed.cursors(); len(asked) == before {
			return fmt.Errorf("no request since the restart")
		}
		return nil
	})
	if got := feed.cursors()[before]; got != "p3" {
		t.Errorf("the restarted task asked for cursor %q, want p3", got)
	}
	if st, ok := statuses.Snapshot().Task(statusstore.TaskID{Connector: "feed"}); ok && st.State == statusstore.Failed {
		t.Errorf("task failed: %s", st.Trace)
	}
}
