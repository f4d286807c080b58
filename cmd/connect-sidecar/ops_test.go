package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// fakeREST answers the requests status, restart, pause and resume make,
// the way a worker does, from what the test put in it.
type fakeREST struct {
	t *testing.T
	// connectors is the GET /connectors?expand=status&expand=info answer;
	// next, when set, replaces it before each answer (watch tests).
	connectors map[string]rest.ConnectorExpansion
	next       func(n int) map[string]rest.ConnectorExpansion
	// metrics is the GET /metrics body; "" answers 404, as a Java worker.
	metrics string
	// auth is the Authorization header every request must carry, if set.
	auth string

	mu       sync.Mutex
	lists    int
	requests []string // "METHOD path?query" of the other requests
}

func (f *fakeREST) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.auth != "" && r.Header.Get("Authorization") != f.auth {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error_code":401,"message":"Credentials are required"}`))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/connectors":
		if got := r.URL.Query()["expand"]; !slices.Equal(got, []string{"status", "info"}) {
			f.t.Errorf("GET /connectors expand = %q, want status and info", got)
		}
		f.lists++
		if f.next != nil {
			f.connectors = f.next(f.lists)
		}
		_ = json.NewEncoder(w).Encode(f.connectors)
	case r.Method == http.MethodGet && r.URL.Path == "/metrics" && f.metrics != "":
		_, _ = w.Write([]byte(f.metrics))
	case r.URL.Path == "/metrics":
		http.NotFound(w, r)
	default:
		f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
		name := strings.Split(strings.TrimPrefix(r.URL.Path, "/connectors/"), "/")[0]
		if _, ok := f.connectors[name]; !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = fmt.Fprintf(w, `{"error_code":404,"message":"Connector %s not found"}`, name)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		if r.Method == http.MethodPost {
			st := *f.connectors[name].Status
			st.Tasks = slices.Clone(st.Tasks)
			failedOnly := r.URL.Query().Get("onlyFailed") == "true"
			for i, t := range st.Tasks {
				if !failedOnly || t.State == rest.StateFailed {
					st.Tasks[i].State = rest.StateRestarting
				}
			}
			if !failedOnly || st.Connector.State == rest.StateFailed {
				st.Connector.State = rest.StateRestarting
			}
			_ = json.NewEncoder(w).Encode(st)
		}
	}
}

func (f *fakeREST) start(t *testing.T) string {
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

// connector builds one expand entry: tasks are "STATE@worker".
func connector(typ rest.ConnectorType, class, state, worker string, tasks ...string) rest.ConnectorExpansion {
	st := &rest.ConnectorStateInfo{Connector: rest.ConnectorState{State: state, WorkerID: worker}, Type: typ}
	for i, t := range tasks {
		s, w, _ := strings.Cut(t, "@")
		ts := rest.TaskState{ID: i, State: s, WorkerID: w}
		if s == rest.StateFailed {
			ts.Trace = fmt.Sprintf("org.apache.kafka.connect.errors.DataException: task %d broke\n\tat somewhere\nCaused by: E: middle\n\tat elsewhere\nCaused by: E: root", i)
		}
		st.Tasks = append(st.Tasks, ts)
	}
	return rest.ConnectorExpansion{Status: st, Info: &rest.ConnectorInfo{Type: typ, Config: map[string]string{"connector.class": class}}}
}

// table parses the status table into rows of cells, keyed by connector.
// Cells are split on runs of two or more spaces, which tabwriter puts
// between columns and no cell holds.
func table(t *testing.T, out string) map[string][]string {
	t.Helper()
	head, body, _ := strings.Cut(out, "\n")
	if got := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(head), -1); !slices.Equal(got, []string{"CONNECTOR", "TYPE", "STATE", "TASKS", "WORKERS", "LAG"}) {
		t.Fatalf("header %q:\n%s", got, out)
	}
	rows := map[string][]string{}
	for line := range strings.Lines(body) {
		if strings.TrimSpace(line) == "" {
			break // the table ends at the first blank line
		}
		cells := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
		rows[cells[0]] = cells
	}
	return rows
}

func TestStatusTable(t *testing.T) {
	f := &fakeREST{
		connectors: map[string]rest.ConnectorExpansion{
			"orders": connector(rest.TypeSink, "HttpSinkConnector", rest.StateRunning, "w1:8083",
				"RUNNING@w1:8083", "FAILED@w2:8083", "RUNNING@w1:8083"),
			"gen":     connector(rest.TypeSource, "DatagenConnector", rest.StateRunning, "w2:8083", "RUNNING@w2:8083"),
			"idle":    connector(rest.TypeSink, "HttpSinkConnector", rest.StatePaused, "w3:8083", "PAUSED@w3:8083", "PAUSED@w4:8083"),
			"new":     connector(rest.TypeSink, "HttpSinkConnector", rest.StateUnassigned, ""),
			"crowded": connector(rest.TypeSource, "DatagenConnector", rest.StateFailed, "a:1", "RUNNING@b:1", "RUNNING@c:1", "RUNNING@d:1", "UNASSIGNED@"),
		},
		// Partition lag is summed; a sink with no partition series but a
		// lag_max series has lag 0; "new" has neither yet.
		metrics: `# HELP connect_sidecar_sink_lag Records ...
# TYPE connect_sidecar_sink_lag gauge
connect_sidecar_sink_lag{connector="orders",partition="0",topic="t"} 5
connect_sidecar_sink_lag{connector="orders",partition="1",topic="t"} 7
connect_sidecar_sink_lag_poll_failures_total 3
kafka_connect_sink_task_sink_record_lag_max{connector="orders"} 7
kafka_connect_sink_task_sink_record_lag_max{connector="idle"} 0
`,
		auth: "Basic " + basic("admin", "s3cret"),
	}
	url := f.start(t)
	var stdout, stderr bytes.Buffer
	environ := []string{"SIDECAR_REST_BASIC_USER=admin", "SIDECAR_REST_BASIC_PASSWORD=s3cret"}
	if code := run([]string{"status", "--url", url}, environ, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := table(t, stdout.String())
	want := map[string][]string{
		"orders":  {"orders", "sink", "RUNNING", "2/3 RUNNING, 1/3 FAILED", "w1:8083,w2:8083", "12"},
		"gen":     {"gen", "source", "RUNNING", "1/1 RUNNING", "w2:8083", "-"},
		"idle":    {"idle", "sink", "PAUSED", "2/2 PAUSED", "w3:8083,w4:8083", "0"},
		"new":     {"new", "sink", "UNASSIGNED", "-", "-", "?"},
		"crowded": {"crowded", "source", "FAILED", "3/4 RUNNING, 1/4 UNASSIGNED", "a:1,b:1,c:1 +1", "-"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("rows:\n got %q\nwant %q\n%s", got, want, stdout.String())
	}
	// Rows are sorted by name, and what failed is named below the table.
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^(\S+)\s{2,}`).FindAllStringSubmatch(stdout.String(), -1)[1:] {
		names = append(names, m[1])
	}
	if !slices.IsSorted(names) {
		t.Errorf("rows not sorted by name: %q", names)
	}
	for _, line := range []string{
		"orders task 1 FAILED on w2:8083: org.apache.kafka.connect.errors.DataException: task 1 broke; caused by E: root",
		"crowded FAILED on a:1: (no trace)",
	} {
		if !strings.Contains(stdout.String(), line+"\n") {
			t.Errorf("output does not name a failure with %q:\n%s", line, stdout.String())
		}
	}
}

func basic(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// A worker without /metrics (a Java worker) still gets its table; the lag
// is shown as unknown and why.
func TestStatusWithoutMetrics(t *testing.T) {
	f := &fakeREST{connectors: map[string]rest.ConnectorExpansion{
		"orders": connector(rest.TypeSink, "HttpSinkConnector", rest.StateRunning, "w1:8083", "RUNNING@w1:8083"),
	}}
	url := f.start(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"status", "--url", url}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := table(t, stdout.String())["orders"]; len(got) != 6 || got[5] != "?" {
		t.Errorf("orders row %q, want lag ?", got)
	}
	if want := "lag unknown: GET " + url + "/metrics answered 404"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output does not say %q:\n%s", want, stdout.String())
	}
}

func TestStatusJSON(t *testing.T) {
	f := &fakeREST{
		connectors: map[string]rest.ConnectorExpansion{
			"orders": connector(rest.TypeSink, "HttpSinkConnector", rest.StateRunning, "w1:8083", "RUNNING@w1:8083", "FAILED@w2:8083"),
			"gen":    connector(rest.TypeSource, "DatagenConnector", rest.StateRunning, "w2:8083", "RUNNING@w2:8083"),
		},
		metrics: "connect_sidecar_sink_lag{connector=\"orders\",partition=\"0\",topic=\"t\"} 42\n",
	}
	url := f.start(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"status", "--output", "json", "--url", url, "orders"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rows []connectorRow
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	want := f.connectors["orders"].Status
	if len(rows) != 1 || rows[0].Name != "orders" || rows[0].Class != "HttpSinkConnector" || rows[0].Lag == nil || *rows[0].Lag != 42 ||
		!slices.Equal(rows[0].Tasks, want.Tasks) {
		t.Errorf("rows %+v, want orders alone with lag 42 and tasks %+v", rows, want.Tasks)
	}
}

// A connector asked for by name that does not exist is an error (exit 1)
// after the rows that do.
func TestStatusOfAMissingConnector(t *testing.T) {
	f := &fakeREST{connectors: map[string]rest.ConnectorExpansion{
		"gen": connector(rest.TypeSource, "DatagenConnector", rest.StateRunning, "w1:8083", "RUNNING@w1:8083"),
	}}
	url := f.start(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"status", "gen", "ghost", "--url", url}, nil, &stdout, &stderr); code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if _, ok := table(t, stdout.String())["gen"]; !ok || !strings.Contains(stderr.String(), `no connector named ghost on `+url) {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// Without --url the command finds the worker of its container as the
// worker listens: the listener of CONNECT_REST_ADVERTISED_LISTENER's
// scheme, on loopback, over https with the worker's certificate.
func TestStatusFindsTheLocalWorker(t *testing.T) {
	f := &fakeREST{connectors: map[string]rest.ConnectorExpansion{
		"gen": connector(rest.TypeSource, "DatagenConnector", rest.StateRunning, "w1:8083", "RUNNING@w1:8083"),
	}, auth: "Bearer t0ken"}
	f.t = t
	tlsSrv := httptest.NewTLSServer(f)
	defer tlsSrv.Close()
	plain := httptest.NewServer(f)
	defer plain.Close()
	port := func(s *httptest.Server) string { _, p, _ := net.SplitHostPort(s.Listener.Addr().String()); return p }
	closed := freeAddr(t)

	tests := []struct {
		name    string
		environ []string
	}{
		{"first listener, wildcard host", []string{"CONNECT_LISTENERS=http://0.0.0.0:" + port(plain) + ",http://" + closed}},
		{"advertised listener's scheme", []string{"CONNECT_LISTENERS=http://" + closed + ",https://:" + port(tlsSrv), "CONNECT_REST_ADVERTISED_LISTENER=HTTPS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"status"}, append(tt.environ, "SIDECAR_REST_AUTH_TOKEN=t0ken"), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if _, ok := table(t, stdout.String())["gen"]; !ok {
				t.Errorf("no gen row:\n%s", stdout.String())
			}
		})
	}

	// The credentials are the worker's: without them, 401 and a hint.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"status"}, tests[0].environ, &stdout, &stderr); code != exitFailed ||
		!strings.Contains(stderr.String(), "answered 401: Credentials are required (set SIDECAR_REST_AUTH_TOKEN") {
		t.Errorf("without credentials: exit %d, stderr %q", code, stderr.String())
	}
}

func TestStatusOfAnUnreachableWorker(t *testing.T) {
	url := "http://" + freeAddr(t)
	for _, args := range [][]string{{"status", "--url", url}, {"status", "--watch", "--url", url}, {"pause", "gen", "--url", url}} {
		var stdout, stderr bytes.Buffer
		code := run(args, nil, &stdout, &stderr)
		if code != exitFailed || !strings.Contains(stderr.String(), "cannot reach the worker at "+url+": ") {
			t.Errorf("%q: exit %d, stderr %q; want %d naming %s", args, code, stderr.String(), exitFailed, url)
		}
	}
}

func TestOpsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"status", "--output", "yaml"},
		{"status", "--interval", "0s", "--watch"},
		{"status", "--bogus"},
		{"status", "--url", "127.0.0.1:8083"},
		{"restart"},
		{"pause", "--failed", "gen"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, nil, &stdout, &stderr); code != exitConfig || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, stderr.String(), exitConfig)
		}
	}
	var out bytes.Buffer
	if code := run([]string{"status", "-h"}, nil, &out, &out); code != exitOK || !strings.Contains(out.String(), "-watch") {
		t.Errorf("status -h: exit %d, %q", code, out.String())
	}
	out.Reset()
	if run([]string{"--help"}, nil, &out, &out); !strings.Contains(out.String(), "connect-sidecar status") || !strings.Contains(out.String(), "connect-sidecar restart|pause|resume") {
		t.Errorf("help does not list status, restart, pause and resume:\n%s", out.String())
	}
}

func TestRestartPauseResume(t *testing.T) {
	f := &fakeREST{connectors: map[string]rest.ConnectorExpansion{
		"orders": connector(rest.TypeSink, "HttpSinkConnector", rest.StateRunning, "w1:8083", "RUNNING@w1:8083", "FAILED@w2:8083", "FAILED@w2:8083"),
	}}
	url := f.start(t)
	tests := []struct {
		args    []string
		code    int
		request string
		output  string
	}{
		{[]string{"restart", "orders"}, exitOK, "POST /connectors/orders/restart?includeTasks=true&onlyFailed=false", "orders: restarting the connector and 3 tasks"},
		{[]string{"restart", "orders", "--failed"}, exitOK, "POST /connectors/orders/restart?includeTasks=true&onlyFailed=true", "orders: restarting 2 tasks"},
		{[]string{"pause", "orders"}, exitOK, "PUT /connectors/orders/pause", "orders: pause requested"},
		{[]string{"resume", "--", "orders"}, exitOK, "PUT /connectors/orders/resume", "orders: resume requested"},
		{[]string{"pause", "ghost"}, exitFailed, "PUT /connectors/ghost/pause", "answered 404: Connector ghost not found"},
	}
	for _, tt := range tests {
		f.mu.Lock()
		f.requests = nil
		f.mu.Unlock()
		var out bytes.Buffer
		code := run(append([]string{tt.args[0], "--url", url}, tt.args[1:]...), nil, &out, &out)
		f.mu.Lock()
		requests := f.requests
		f.mu.Unlock()
		if code != tt.code || !slices.Equal(requests, []string{tt.request}) || !strings.Contains(out.String(), tt.output) {
			t.Errorf("%q: exit %d, requests %q, output %q; want %d, %q, %q", tt.args, code, requests, out.String(), tt.code, tt.request, tt.output)
		}
	}
}

// --watch draws a frame per interval, each from a new look, until its
// context ends; then it exits 0.
func TestStatusWatchRedraws(t *testing.T) {
	f := &fakeREST{next: func(n int) map[string]rest.ConnectorExpansion {
		state := rest.StateRunning
		if n > 1 {
			state = rest.StateFailed
		}
		return map[string]rest.ConnectorExpansion{
			"gen": connector(rest.TypeSource, "DatagenConnector", rest.StateRunning, "w1:8083", state+"@w1:8083"),
		}
	}}
	url := f.start(t)
	frames := watch(t, []string{"--url", url, "--interval", "20ms"}, nil, "Every 20ms: connect-sidecar status on "+url)
	if got := table(t, frames[0])["gen"]; len(got) != 6 || got[3] != "1/1 RUNNING" {
		t.Errorf("first frame's gen row %q, want 1/1 RUNNING:\n%s", got, frames[0])
	}
	if got := table(t, frames[1])["gen"]; len(got) != 6 || got[3] != "1/1 FAILED" {
		t.Errorf("second frame's gen row %q, want 1/1 FAILED:\n%s", got, frames[1])
	}
}

// watch runs status --watch until it has drawn two frames that start with
// header, stops it, and returns the frames without their headers.
func watch(t *testing.T, args, environ []string, header string) []string {
	t.Helper()
	out := &lockedBuffer{}
	var stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- runStatus(ctx, append([]string{"--watch"}, args...), environ, out, &stderr) }()
	kafkatest.Eventually(t, 30*time.Second, func() error {
		select {
		case code := <-done:
			t.Fatalf("status --watch exited %d before two frames: %s", code, stderr.String())
		default:
		}
		if n := strings.Count(out.String(), header); n < 2 {
			return fmt.Errorf("%d frames:\n%s", n, out.String())
		}
		return nil
	})
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("status --watch exited %d when interrupted: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("status --watch did not stop when its context ended")
	}
	var frames []string
	for _, f := range strings.Split(out.String(), header)[1:] {
		_, body, _ := strings.Cut(f, "\n\n") // after the header's time
		frames = append(frames, body)
	}
	return frames
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestParseSinkLag(t *testing.T) {
	text := strings.Join([]string{
		`connect_sidecar_sink_lag{connector="a",partition="0",topic="t"} 3`,
		`connect_sidecar_sink_lag{connector="a",partition="1",topic="t"} 4 1700000000000`,
		`connect_sidecar_sink_lag{topic="t\"q",connector="b \\ \"c\"\n",partition="0"} 1e+06`,
		`connect_sidecar_sink_lags{connector="x"} 9`,
		`connect_sidecar_cluster_sink_lag 8`,
		`kafka_connect_sink_task_sink_record_lag_max{connector="a"} 4`,
		`kafka_connect_sink_task_sink_record_lag_max{connector="empty"} 0`,
		`connect_sidecar_sink_lag{connector="broken",partition="0" 5`,
		`connect_sidecar_sink_lag{connector="nan",partition="0",topic="t"} x`,
	}, "\n")
	want := map[string]int64{"a": 7, "b \\ \"c\"\n": 1000000, "empty": 0}
	if got := parseSinkLag(text); !maps.Equal(got, want) {
		t.Errorf("parseSinkLag = %v, want %v", got, want)
	}
}

func TestTaskSummary(t *testing.T) {
	tasks := func(states ...string) []rest.TaskState {
		var out []rest.TaskState
		for i, s := range states {
			out = append(out, rest.TaskState{ID: i, State: s})
		}
		return out
	}
	tests := []struct {
		tasks []rest.TaskState
		want  string
	}{
		{nil, "-"},
		{tasks("RUNNING", "RUNNING", "RUNNING"), "3/3 RUNNING"},
		{tasks("FAILED", "RUNNING"), "1/2 RUNNING, 1/2 FAILED"},
		{tasks("WEIRD", "UNASSIGNED", "RESTARTING", "PAUSED"), "1/4 RESTARTING, 1/4 UNASSIGNED, 1/4 PAUSED, 1/4 WEIRD"},
	}
	for _, tt := range tests {
		if got := taskSummary(tt.tasks); got != tt.want {
			t.Errorf("taskSummary(%v) = %q, want %q", tt.tasks, got, tt.want)
		}
	}
}
