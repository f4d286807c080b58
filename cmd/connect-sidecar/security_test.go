package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// securedWorker is one worker and a way to write its config topic directly,
// as a Java worker, an older version or a tool with access to the topic
// could, without any REST check.
type securedWorker struct {
	t       *testing.T
	b       *kafkatest.Broker
	w       *kafkatest.Process
	configs *configstore.Store
}

func startSecuredWorker(t *testing.T, env ...string) *securedWorker {
	t.Helper()
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	w := kafkatest.StartWorker(t, b, append(env, "CONNECT_GROUP_ID="+group)...)
	w.WaitHealthy(t, time.Minute)
	settings := kafkatest.Worker(t, b, group)
	configs := kafkatest.Started(t, configstore.NewStore(kafkatest.Clients(t, settings), settings, kafkatest.Quiet()))
	return &securedWorker{t: t, b: b, w: w, configs: configs}
}

// put PUTs config, retrying while the group rebalances (409), and expects
// status with a body that contains want.
func (s *securedWorker) put(name string, config map[string]string, status int, want string) {
	s.t.Helper()
	body, _ := json.Marshal(config)
	var code int
	var answer string
	kafkatest.Eventually(s.t, time.Minute, func() error {
		var err error
		code, answer, err = s.w.Do(http.MethodPut, "/connectors/"+name+"/config", string(body))
		if err == nil && code == http.StatusConflict {
			err = fmt.Errorf("409 %s", answer)
		}
		return err
	})
	if code != status || !strings.Contains(answer, want) {
		s.t.Errorf("PUT %s %s = %d %s; want %d naming %q", name, body, code, answer, status, want)
	}
}

// refused expects PUT config to be answered 400 with a message that
// contains want, and no connector to be created.
func (s *securedWorker) refused(name string, config map[string]string, want string) {
	s.t.Helper()
	s.put(name, config, http.StatusBadRequest, want)
	if code, _, _ := s.w.Get("/connectors/" + name); code != http.StatusNotFound {
		s.t.Errorf("GET /connectors/%s = %d after a refused create; want 404", name, code)
	}
}

// failsFromConfigTopic writes config straight into the config topic and
// waits for the connector to be FAILED with a trace that contains want.
func (s *securedWorker) failsFromConfigTopic(name string, config map[string]string, want string) {
	s.t.Helper()
	config["name"] = name
	if err := s.configs.PutConnectorConfig(context.Background(), name, config, nil); err != nil {
		s.t.Fatal(err)
	}
	kafkatest.Eventually(s.t, time.Minute, func() error {
		code, body, err := s.w.Get("/connectors/" + name + "/status")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("status %d %s %v", code, body, err)
		}
		var st struct {
			Connector struct{ State, Trace string }
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			return err
		}
		if st.Connector.State != "FAILED" || !strings.Contains(st.Connector.Trace, want) {
			return fmt.Errorf("connector %s is %s (%q), want FAILED naming %s", name, st.Connector.State, st.Connector.Trace, want)
		}
		return nil
	})
}

// empty checks that nothing reached topic.
func (s *securedWorker) empty(topic string) {
	s.t.Helper()
	if n, err := kafkatest.LastOffset(s.b, topic, 0); err != nil || n != 0 {
		s.t.Errorf("%s holds %d records (%v); want none", topic, n, err)
	}
}

// With the defaults, the FileStream connectors cannot be created, are not
// offered, and do not run when their config reaches the config topic some
// other way.
func TestDefaultsRefuseFileStream(t *testing.T) {
	s := startSecuredWorker(t)
	topic := kafkatest.Name(t, "loot")
	s.b.CreateTopic(t, topic, 1)
	passwd := map[string]string{"connector.class": "FileStreamSource", "file": "/etc/passwd", "topic": topic}

	s.refused("exfil", passwd, "SIDECAR_CONNECTOR_CLASSES")
	code, body, err := s.w.Do(http.MethodPut, "/connector-plugins/FileStreamSourceConnector/config/validate", `{"connector.class":"FileStreamSource","file":"/etc/passwd","topic":"x"}`)
	if err != nil || code != http.StatusBadRequest || !strings.Contains(body, "SIDECAR_CONNECTOR_CLASSES") {
		t.Errorf("validate = %d %s %v; want 400 naming SIDECAR_CONNECTOR_CLASSES", code, body, err)
	}
	code, body, err = s.w.Get("/connector-plugins")
	if err != nil || code != http.StatusOK || strings.Contains(body, "FileStream") || !strings.Contains(body, "HttpSinkConnector") {
		t.Errorf("GET /connector-plugins = %d %s %v; want the HTTP connectors and no FileStream", code, body, err)
	}

	s.failsFromConfigTopic("planted", passwd, "SIDECAR_CONNECTOR_CLASSES")
	s.empty(topic)
}

// With the FileStream connectors enabled, they still open only files
// within SIDECAR_FILE_ALLOWED_PATHS, however the path tries to get out.
func TestFileStreamStaysInsideAllowedPaths(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	escape := filepath.Join(allowed, "escape")
	if err := os.Symlink(secret, escape); err != nil {
		t.Fatal(err)
	}
	s := startSecuredWorker(t, kafkatest.FileStream(allowed)...)
	topic := kafkatest.Name(t, "loot")
	s.b.CreateTopic(t, topic, 1)
	source := func(file string) map[string]string {
		return map[string]string{"connector.class": "FileStreamSource", "file": file, "topic": topic}
	}

	for i, file := range []string{
		secret,
		"/proc/self/environ",
		escape,
		filepath.Join(allowed, "..", filepath.Base(outside), "secret"),
	} {
		s.refused(fmt.Sprintf("source-%d", i), source(file), "SIDECAR_FILE_ALLOWED_PATHS")
	}
	written := filepath.Join(outside, "written")
	s.refused("sink", map[string]string{"connector.class": "FileStreamSink", "file": written, "topics": topic}, "SIDECAR_FILE_ALLOWED_PATHS")
	if _, err := os.Lstat(written); !os.IsNotExist(err) {
		t.Errorf("a refused sink created %s: %v", written, err)
	}
	s.failsFromConfigTopic("planted", source(escape), "SIDECAR_FILE_ALLOWED_PATHS")
	s.empty(topic)

	// What is inside is read, so the refusals above are the paths'.
	inside := filepath.Join(allowed, "in.txt")
	if err := os.WriteFile(inside, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.put("inside", source(inside), http.StatusCreated, "")
	s.b.Consume(t, topic, 0, 2, time.Minute)
}

// taskFails waits for task 0 of name to be FAILED with a trace that
// contains want.
func (s *securedWorker) taskFails(name, want string) {
	s.t.Helper()
	kafkatest.Eventually(s.t, time.Minute, func() error {
		code, body, err := s.w.Get("/connectors/" + name + "/status")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("status %d %s %v", code, body, err)
		}
		var st struct {
			Tasks []struct{ State, Trace string }
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			return err
		}
		if len(st.Tasks) == 0 || st.Tasks[0].State != "FAILED" || !strings.Contains(st.Tasks[0].Trace, want) {
			return fmt.Errorf("tasks of %s: %s; want task 0 FAILED naming %s", name, body, want)
		}
		return nil
	})
}

// countingServer counts the requests it gets; with to set, it redirects
// every one there.
type countingServer struct {
	URL string
	n   atomic.Int64
}

func startCountingServer(t *testing.T, addr, to string) *countingServer {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	c := &countingServer{URL: "http://" + l.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		if to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		_, _ = w.Write([]byte(`{"data":[{"leak":true}]}`))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return c
}

// The HTTP connectors reach the app and nothing else: not the cloud
// metadata endpoints, not a host an allowed one redirects to. What they
// were refused never left the worker and nothing reached Kafka.
func TestHTTPConnectorsReachOnlyAllowedHosts(t *testing.T) {
	// 127.0.0.2 is loopback too, but not the app's host: the stand-in
	// for any other address.
	elsewhere := startCountingServer(t, "127.0.0.2:0", "")
	app := startCountingServer(t, "127.0.0.1:0", elsewhere.URL+"/stolen")
	s := startSecuredWorker(t, "SIDECAR_APP_URL="+app.URL+"/events")
	topic := kafkatest.Name(t, "loot")
	s.b.CreateTopic(t, topic, 1)
	source := func(url string) map[string]string {
		return map[string]string{"connector.class": "HttpSourceConnector", "http.url": url, "topic": topic, "http.poll.interval.ms": "100"}
	}
	sink := func(url string) map[string]string {
		return map[string]string{"connector.class": "HttpSinkConnector", "http.url": url, "topics": topic,
			"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.storage.StringConverter"}
	}

	for i, url := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://169.254.170.2/v2/credentials/x",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		elsewhere.URL + "/",
	} {
		s.refused(fmt.Sprintf("source-%d", i), source(url), "SIDECAR_HTTP_ALLOWED_HOSTS")
		s.refused(fmt.Sprintf("sink-%d", i), sink(url), "SIDECAR_HTTP_ALLOWED_HOSTS")
	}
	s.failsFromConfigTopic("planted", source("http://169.254.169.254/latest/meta-data/"), "SIDECAR_HTTP_ALLOWED_HOSTS")

	// The app is allowed; where it redirects is not.
	s.put("redirected-source", source(app.URL+"/feed"), http.StatusCreated, "")
	s.taskFails("redirected-source", "SIDECAR_HTTP_ALLOWED_HOSTS")
	s.empty(topic)
	s.b.Produce(t, topic, "k", `{"secret":"v"}`)
	s.put("redirected-sink", sink(app.URL+"/events"), http.StatusCreated, "")
	s.taskFails("redirected-sink", "SIDECAR_HTTP_ALLOWED_HOSTS")
	if app.n.Load() == 0 {
		t.Error("the app was never called, so the redirects were not tried")
	}
	if n := elsewhere.n.Load(); n != 0 {
		t.Errorf("%s got %d requests; want none", elsewhere.URL, n)
	}
}

// The endpoints that need no credentials carry no configuration values.
func TestOpenEndpointsLeakNoConfig(t *testing.T) {
	app := startCountingServer(t, "127.0.0.1:0", "")
	s := startSecuredWorker(t, "SIDECAR_APP_URL="+app.URL+"/", "SIDECAR_REST_AUTH_TOKEN=tok")
	topic := kafkatest.Name(t, "orders")
	s.b.CreateTopic(t, topic, 1)
	const secret = "Authorization: Bearer s3cret-9f1c"
	body, _ := json.Marshal(map[string]string{"connector.class": "HttpSinkConnector", "topics": topic, "http.auth.header": secret})
	req, _ := http.NewRequest(http.MethodPut, s.w.URL+"/connectors/orders/config", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	kafkatest.Eventually(t, time.Minute, func() error {
		r := req.Clone(context.Background())
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			return err
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return fmt.Errorf("PUT = %d %s", resp.StatusCode, answer)
		}
		return nil
	})
	kafkatest.Eventually(t, time.Minute, func() error {
		code, body, err := s.w.Get("/metrics/scaling")
		if err != nil || code != http.StatusOK || !strings.Contains(body, `"tasks":1`) {
			return fmt.Errorf("/metrics/scaling = %d %s %v; want the sink's task counted", code, body, err)
		}
		return nil
	})
	for _, path := range []string{"/metrics", "/metrics/scaling", "/health", "/ready", "/live", "/live?full=1"} {
		code, body, err := s.w.Get(path)
		if err != nil || code != http.StatusOK {
			t.Errorf("GET %s without credentials = %d %v; want 200", path, code, err)
		}
		if strings.Contains(body, "s3cret") {
			t.Errorf("GET %s shows the connector's auth header:\n%s", path, body)
		}
	}
	if code, _, _ := s.w.Get("/connectors/orders/config"); code != http.StatusUnauthorized {
		t.Errorf("GET /connectors/orders/config without credentials = %d; want 401", code)
	}
}
