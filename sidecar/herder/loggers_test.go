package herder

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/logging"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// loggerWorker is a herder over real stores, running, with the REST API
// served over it and a logger of its own, as a worker process has.
type loggerWorker struct {
	t   *testing.T
	url string
	log *slog.Logger
}

type clusterID string

func (c clusterID) ClusterID(context.Context) (string, error) { return string(c), nil }

func startLoggerWorker(t *testing.T, w config.Worker) *loggerWorker {
	t.Helper()
	log := logging.New(io.Discard, config.Sidecar{LogLevel: slog.LevelInfo})
	clients := kafkatest.Clients(t, w)
	configs := kafkatest.Started(t, configstore.NewStore(clients, w, log))
	statuses := kafkatest.Started(t, statusstore.NewStore(clients, w, log))
	h := New(Deps{WorkerID: "w:8083", Configs: configs, Statuses: statuses, Runner: newFakeRunner(), Log: log})
	h.SetGroup(&rejoins{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	srv, err := rest.New(rest.Params{Worker: w, Log: log, Health: health.NewState(), Cluster: clusterID("c"), Herder: &API{h: h}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &loggerWorker{t: t, url: ts.URL, log: log}
}

func (lw *loggerWorker) do(method, path, body string) (int, string) {
	lw.t.Helper()
	req, err := http.NewRequest(method, lw.url+path, strings.NewReader(body))
	if err != nil {
		lw.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		lw.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		lw.t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(got))
}

// level returns a logger's level as GET /admin/loggers/{name} answers it,
// "" for 404.
func (lw *loggerWorker) level(name string) (string, *int64) {
	lw.t.Helper()
	code, body := lw.do("GET", "/admin/loggers/"+name, "")
	if code == http.StatusNotFound {
		return "", nil
	}
	var l rest.LoggerLevel
	if code != http.StatusOK || json.Unmarshal([]byte(body), &l) != nil {
		lw.t.Fatalf("GET /admin/loggers/%s: %d %s", name, code, body)
	}
	return l.Level, l.LastModified
}

const (
	herderLogger  = "org.apache.kafka.connect.runtime.distributed.DistributedHerder"
	configsLogger = "org.apache.kafka.connect.storage.KafkaConfigBackingStore"
	statusLogger  = "org.apache.kafka.connect.storage.KafkaStatusBackingStore"
)

func TestLoggerEndpointsOnOneWorker(t *testing.T) {
	b := kafkatest.Start(t)
	lw := startLoggerWorker(t, kafkatest.Worker(t, b, kafkatest.Name(t, "g")))

	code, body := lw.do("GET", "/admin/loggers", "")
	var all map[string]rest.LoggerLevel
	if err := json.Unmarshal([]byte(body), &all); code != http.StatusOK || err != nil {
		t.Fatalf("GET /admin/loggers: %d %s", code, body)
	}
	for _, name := range []string{"root", herderLogger, configsLogger, statusLogger} {
		if l, ok := all[name]; !ok || l.Level != "INFO" || l.LastModified != nil {
			t.Errorf("GET /admin/loggers: %s = %+v (listed %v), want INFO never modified", name, l, ok)
		}
	}
	if !strings.Contains(body, `"last_modified":null`) {
		t.Errorf("last_modified of unmodified loggers is not null: %s", body)
	}
	if code, body := lw.do("GET", "/admin/loggers/org.nope", ""); code != 404 || !strings.Contains(body, `"Logger org.nope not found."`) {
		t.Errorf("GET unknown logger: %d %s", code, body)
	}

	before := time.Now().UnixMilli()
	code, body = lw.do("PUT", "/admin/loggers/org.apache.kafka.connect.storage", `{"level":"debug"}`)
	want := `["org.apache.kafka.connect.storage","` + configsLogger + `","` + statusLogger + `"]`
	if code != http.StatusOK || body != want {
		t.Errorf("PUT worker scope: %d %s, want 200 %s", code, body, want)
	}
	if lv, at := lw.level(configsLogger); lv != "DEBUG" || at == nil || *at < before || *at > time.Now().UnixMilli() {
		t.Errorf("config store logger: %s at %v, want DEBUG now", lv, at)
	}
	if lv, at := lw.level(herderLogger); lv != "INFO" || at != nil {
		t.Errorf("herder logger: %s at %v, want INFO unmodified", lv, at)
	}
	if code, body := lw.do("PUT", "/admin/loggers/org.apache.kafka.connect.storage?scope=worker", `{"level":"DEBUG"}`); code != 200 || body != "[]" {
		t.Errorf("PUT of the same level: %d %s, want 200 []", code, body)
	}
	// The level reaches the components' loggers.
	debug := func(name string) bool {
		return logging.Named(lw.log, name).Enabled(context.Background(), slog.LevelDebug)
	}
	if !debug(configsLogger) || debug(herderLogger) {
		t.Errorf("debug enabled: config store %v, herder %v; want true, false", debug(configsLogger), debug(herderLogger))
	}

	code, body = lw.do("PUT", "/admin/loggers/ROOT", `{"level":"TRACE"}`)
	if code != http.StatusOK || !strings.Contains(body, `"root"`) || !strings.Contains(body, herderLogger) {
		t.Errorf("PUT root: %d %s, want every logger", code, body)
	}
	if lv, _ := lw.level("root"); lv != "TRACE" {
		t.Errorf("root = %s, want TRACE", lv)
	}
	if !debug(herderLogger) {
		t.Error("root TRACE left the herder's debug records off")
	}
}

// A cluster-scope level written through one worker is applied by every
// worker that reads it live, the writer too; a worker that starts later
// ignores it, as Java does, and applies only levels written after its
// start.
func TestClusterLoggerLevelReachesEveryWorker(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	w := kafkatest.Worker(t, b, group)
	one, two := startLoggerWorker(t, w), startLoggerWorker(t, w)

	if code, body := one.do("PUT", "/admin/loggers/org.apache.kafka.connect.runtime?scope=cluster", `{"level":"debug"}`); code != http.StatusNoContent || body != "" {
		t.Fatalf("PUT cluster scope: %d %q, want 204 and no body", code, body)
	}
	for i, lw := range []*loggerWorker{one, two} {
		kafkatest.Eventually(t, 10*time.Second, func() error {
			if lv, at := lw.level("org.apache.kafka.connect.runtime"); lv != "DEBUG" || at == nil {
				return fmt.Errorf("worker %d: org.apache.kafka.connect.runtime = %q at %v, want DEBUG", i+1, lv, at)
			}
			if lv, _ := lw.level(herderLogger); lv != "DEBUG" {
				return fmt.Errorf("worker %d: herder logger %q, want DEBUG", i+1, lv)
			}
			return nil
		})
	}

	three := startLoggerWorker(t, w)
	if code, _ := two.do("PUT", "/admin/loggers/org.apache.kafka.connect.storage?scope=cluster", `{"level":"ERROR"}`); code != http.StatusNoContent {
		t.Fatalf("PUT cluster scope: %d", code)
	}
	for i, lw := range []*loggerWorker{one, two, three} {
		kafkatest.Eventually(t, 10*time.Second, func() error {
			if lv, _ := lw.level(configsLogger); lv != "ERROR" {
				return fmt.Errorf("worker %d: config store logger %q, want ERROR", i+1, lv)
			}
			return nil
		})
	}
	// Levels are applied in the order they were written, so the older one
	// would be in place by now had the late worker taken it.
	if lv, _ := three.level("org.apache.kafka.connect.runtime"); lv != "" {
		t.Errorf("a worker started after the first level took it: %s", lv)
	}
	if lv, _ := three.level(herderLogger); lv != "INFO" {
		t.Errorf("late worker's herder logger %s, want INFO", lv)
	}
	if lv, _ := one.level(herderLogger); lv != "DEBUG" {
		t.Errorf("the second level changed a logger outside its namespace: %s", lv)
	}
}
