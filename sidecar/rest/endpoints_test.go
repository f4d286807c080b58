package rest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestEndpoints runs each endpoint of spec §7.2 against the fake herder
// and compares status, headers and body with Java's: bodies against golden
// JSON in testdata/ (shapes and field order of Java's entities), errors
// against Connect's error shape and status.
func TestEndpoints(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		setup        func(*fakeHerder)
		status       int
		golden       string // success body; "" for none
		errMsg       string // expected error message prefix
		header       map[string]string
		check        func(*testing.T, *fakeHerder)
	}{
		{name: "list", method: "GET", path: "/connectors", status: 200, golden: "connectors_list"},
		{name: "list empty", method: "GET", path: "/connectors", status: 200, golden: "connectors_list_empty",
			setup: func(f *fakeHerder) { f.connectors = map[string]*fakeConnector{} }},
		{name: "expand status", method: "GET", path: "/connectors?expand=status", status: 200, golden: "connectors_expand_status"},
		{name: "expand status and info", method: "GET", path: "/connectors?expand=status&expand=info", status: 200, golden: "connectors_expand_both"},
		{name: "expand unknown is ignored", method: "GET", path: "/connectors?expand=bogus", status: 200, golden: "connectors_expand_unknown"},

		{name: "create", method: "POST", path: "/connectors", status: 201, golden: "connector_created",
			body:   `{"name":"  new-one ","config":{"connector.class":"FileStreamSource","tasks.max":1,"file":"/tmp/x"}}`,
			header: map[string]string{"Location": "/connectors/new-one"},
			check: func(t *testing.T, f *fakeHerder) {
				if c := f.connectors["new-one"]; c == nil || c.config["name"] != "new-one" || c.config["tasks.max"] != "1" || c.target != TargetStarted {
					t.Errorf("created %+v", c)
				}
			}},
		{name: "create paused", method: "POST", path: "/connectors", status: 201,
			body:  `{"name":"p","config":{"connector.class":"FileStreamSource"},"initial_state":"paused"}`,
			check: func(t *testing.T, f *fakeHerder) { wantTarget(t, f, "p", TargetPaused) }},
		{name: "create stopped", method: "POST", path: "/connectors", status: 201,
			body:  `{"name":"s","config":{"connector.class":"FileStreamSource"},"initial_state":"STOPPED"}`,
			check: func(t *testing.T, f *fakeHerder) { wantTarget(t, f, "s", TargetStopped) }},
		{name: "create running", method: "POST", path: "/connectors", status: 201,
			body:  `{"name":"r","config":{"connector.class":"FileStreamSource","name":"r"},"initial_state":"Running"}`,
			check: func(t *testing.T, f *fakeHerder) { wantTarget(t, f, "r", TargetStarted) }},
		{name: "create existing", method: "POST", path: "/connectors", status: 409,
			body: `{"name":"local-file-sink","config":{"connector.class":"FileStreamSink"}}`, errMsg: "Connector local-file-sink already exists"},
		{name: "create invalid config", method: "POST", path: "/connectors", status: 400, golden: "error_invalid_config",
			body: `{"name":"bad","config":{"tasks.max":"1"}}`},
		{name: "create name mismatch", method: "POST", path: "/connectors", status: 400,
			body:   `{"name":"a","config":{"name":"b","connector.class":"X"}}`,
			errMsg: "Connector name configuration (b) doesn't match connector name in the URL (a)"},

		{name: "info", method: "GET", path: "/connectors/local-file-source", status: 200, golden: "connector_info"},
		{name: "info unknown", method: "GET", path: "/connectors/nope", status: 404, golden: "error_not_found"},
		{name: "config", method: "GET", path: "/connectors/local-file-source/config", status: 200, golden: "connector_config"},
		{name: "config unknown", method: "GET", path: "/connectors/nope/config", status: 404, errMsg: "Connector nope not found"},

		{name: "put new", method: "PUT", path: "/connectors/fresh/config", status: 201, golden: "connector_put_created",
			body:   `{"connector.class":"FileStreamSource","tasks.max":"1"}`,
			header: map[string]string{"Location": "/connectors/fresh"}},
		{name: "put existing", method: "PUT", path: "/connectors/local-file-source/config", status: 200, golden: "connector_put_updated",
			body: `{"connector.class":"FileStreamSource","tasks.max":"1","file":"/tmp/other.txt","batch.size":500,"flag":true}`},
		{name: "put name mismatch", method: "PUT", path: "/connectors/a/config", status: 400,
			body: `{"connector.class":"X","name":"b"}`, errMsg: "Connector name configuration (b) doesn't match connector name in the URL (a)"},
		{name: "put name with encoded space", method: "PUT", path: "/connectors/my%20conn/config", status: 201,
			body: `{"connector.class":"FileStreamSource"}`, header: map[string]string{"Location": "/connectors/my%20conn"}},
		{name: "patch", method: "PATCH", path: "/connectors/local-file-source/config", status: 200, golden: "connector_patched",
			body: `{"tasks.max":"3","file":null}`},
		{name: "patch unknown", method: "PATCH", path: "/connectors/nope/config", status: 404, body: `{"a":"b"}`, errMsg: "Connector nope not found"},

		{name: "status", method: "GET", path: "/connectors/local-file-sink/status", status: 200, golden: "connector_status"},
		{name: "status stopped", method: "GET", path: "/connectors/local-file-sink/status", status: 200, golden: "connector_status_stopped",
			setup: func(f *fakeHerder) { f.connectors["local-file-sink"].target = TargetStopped }},
		{name: "status unknown", method: "GET", path: "/connectors/nope/status", status: 404, errMsg: "No status found for connector nope"},
		{name: "tasks", method: "GET", path: "/connectors/local-file-sink/tasks", status: 200, golden: "task_configs"},
		{name: "tasks none", method: "GET", path: "/connectors/local-file-sink/tasks", status: 200, golden: "task_configs_empty",
			setup: func(f *fakeHerder) { f.connectors["local-file-sink"].tasks = nil }},
		{name: "task status", method: "GET", path: "/connectors/local-file-sink/tasks/1/status", status: 200, golden: "task_status_failed"},
		{name: "task status running", method: "GET", path: "/connectors/local-file-sink/tasks/0/status", status: 200, golden: "task_status"},
		{name: "task status unknown", method: "GET", path: "/connectors/local-file-sink/tasks/7/status", status: 404, errMsg: "No status found for task"},

		{name: "restart connector only", method: "POST", path: "/connectors/local-file-sink/restart", status: 204},
		{name: "restart connector only, explicit", method: "POST", path: "/connectors/local-file-sink/restart?includeTasks=false&onlyFailed=false", status: 204},
		{name: "restart failed tasks", method: "POST", path: "/connectors/local-file-sink/restart?includeTasks=true&onlyFailed=true", status: 202, golden: "restart_planned"},
		{name: "restart all", method: "POST", path: "/connectors/local-file-sink/restart?includeTasks=TRUE", status: 202, golden: "restart_planned_all"},
		{name: "restart unknown", method: "POST", path: "/connectors/nope/restart", status: 404, errMsg: "Connector nope not found"},
		{name: "restart task", method: "POST", path: "/connectors/local-file-sink/tasks/0/restart", status: 204},
		{name: "pause", method: "PUT", path: "/connectors/local-file-sink/pause", status: 202,
			check: func(t *testing.T, f *fakeHerder) { wantTarget(t, f, "local-file-sink", TargetPaused) }},
		{name: "resume", method: "PUT", path: "/connectors/local-file-sink/resume", status: 202,
			check: func(t *testing.T, f *fakeHerder) { wantTarget(t, f, "local-file-sink", TargetStarted) }},
		{name: "stop", method: "PUT", path: "/connectors/local-file-sink/stop", status: 204,
			check: func(t *testing.T, f *fakeHerder) { wantTarget(t, f, "local-file-sink", TargetStopped) }},
		{name: "pause unknown", method: "PUT", path: "/connectors/nope/pause", status: 404, errMsg: "Connector nope not found"},
		{name: "delete", method: "DELETE", path: "/connectors/local-file-sink", status: 204,
			check: func(t *testing.T, f *fakeHerder) {
				if _, ok := f.connectors["local-file-sink"]; ok {
					t.Error("not deleted")
				}
			}},
		{name: "delete unknown", method: "DELETE", path: "/connectors/nope", status: 404, errMsg: "Connector nope not found"},

		{name: "topics", method: "GET", path: "/connectors/local-file-sink/topics", status: 200, golden: "topics"},
		{name: "topics reset", method: "PUT", path: "/connectors/local-file-sink/topics/reset", status: 202},
		{name: "topics tracking disabled", method: "GET", path: "/connectors/local-file-sink/topics", status: 403, golden: "error_topic_tracking",
			setup: func(f *fakeHerder) {
				f.errs = map[string]error{"ConnectorActiveTopics": &ForbiddenError{Message: "Topic tracking is disabled."}}
			}},

		{name: "offsets sink", method: "GET", path: "/connectors/local-file-sink/offsets", status: 200, golden: "offsets_sink"},
		{name: "offsets source", method: "GET", path: "/connectors/local-file-source/offsets", status: 200, golden: "offsets_source"},
		{name: "alter offsets", method: "PATCH", path: "/connectors/local-file-sink/offsets", status: 200, golden: "offsets_altered",
			body: `{"offsets":[{"partition":{"kafka_topic":"lines","kafka_partition":0},"offset":{"kafka_offset":9007199254740993}},
			                   {"partition":{"kafka_topic":"lines","kafka_partition":1},"offset":null}]}`,
			check: func(t *testing.T, f *fakeHerder) {
				o := f.offsets["local-file-sink"]
				if len(o) != 2 || o[0].Offset["kafka_offset"] != json.Number("9007199254740993") || o[1].Offset != nil {
					t.Errorf("herder got %#v", o)
				}
			}},
		{name: "alter offsets not stopped", method: "PATCH", path: "/connectors/local-file-sink/offsets", status: 400,
			body: `{"offsets":[{"partition":{"kafka_topic":"lines","kafka_partition":0},"offset":{"kafka_offset":1}}]}`,
			setup: func(f *fakeHerder) {
				f.errs = map[string]error{"AlterConnectorOffsets": &BadRequestError{Message: "Connectors must be in the STOPPED state before their offsets can be modified."}}
			},
			errMsg: "Connectors must be in the STOPPED state"},
		{name: "reset offsets", method: "DELETE", path: "/connectors/local-file-sink/offsets", status: 200, golden: "offsets_reset"},

		{name: "plugins", method: "GET", path: "/connector-plugins", status: 200, golden: "plugins_connectors"},
		{name: "plugins all", method: "GET", path: "/connector-plugins?connectorsOnly=false", status: 200, golden: "plugins_all"},
		{name: "plugin config", method: "GET", path: "/connector-plugins/FileStreamSource/config", status: 200, golden: "plugin_config"},
		{name: "plugin config unknown", method: "GET", path: "/connector-plugins/Nope/config", status: 404, errMsg: "Unknown plugin Nope."},
		{name: "validate", method: "PUT", path: "/connector-plugins/FileStreamSourceConnector/config/validate", status: 200, golden: "validate",
			body: `{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","name":"v"}`},
		{name: "validate with errors", method: "PUT", path: "/connector-plugins/FileStreamSource/config/validate", status: 200, golden: "validate_errors",
			body: `{"connector.class":"FileStreamSource"}`},
		{name: "validate class mismatch", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate", status: 400,
			body:   `{"connector.class":"FileStreamSourceConnector"}`,
			errMsg: "Included connector type FileStreamSourceConnector does not match request type FileStreamSink"},

		{name: "loggers", method: "GET", path: "/admin/loggers", status: 200, golden: "loggers"},
		{name: "logger", method: "GET", path: "/admin/loggers/root", status: 200, golden: "logger"},
		{name: "logger unknown", method: "GET", path: "/admin/loggers/org.nope", status: 404, errMsg: "Logger org.nope not found."},
		{name: "set logger", method: "PUT", path: "/admin/loggers/org.apache.kafka.connect", status: 200, golden: "logger_set",
			body:  `{"level":"debug"}`,
			check: func(t *testing.T, f *fakeHerder) { wantLevel(t, f, "org.apache.kafka.connect", "DEBUG") }},
		{name: "set logger unknown scope", method: "PUT", path: "/admin/loggers/x?scope=galaxy", status: 200, body: `{"level":"WARN"}`,
			check: func(t *testing.T, f *fakeHerder) { wantLevel(t, f, "x", "WARN") }},
		{name: "set logger cluster", method: "PUT", path: "/admin/loggers/x?scope=CLUSTER", status: 204, body: `{"level":"WARN"}`,
			check: func(t *testing.T, f *fakeHerder) {
				if c := f.Calls(); len(c) != 1 || c[0] != "SetClusterLoggerLevel" {
					t.Errorf("calls %v", c)
				}
			}},

		{name: "rebalance on a GET is 500", method: "GET", path: "/connectors/local-file-sink/offsets", status: 500,
			setup:  func(f *fakeHerder) { f.errs = map[string]error{"ConnectorOffsets": ErrRebalanceInProgress} },
			errMsg: "Request cannot be completed because a rebalance is expected"},
		{name: "rebalance on a forwardable endpoint is 409", method: "DELETE", path: "/connectors/local-file-sink", status: 409,
			setup:  func(f *fakeHerder) { f.errs = map[string]error{"DeleteConnector": ErrRebalanceInProgress} },
			errMsg: msgStaleConfig},
		{name: "herder timeout", method: "GET", path: "/connectors/local-file-sink", status: 500,
			setup:  func(f *fakeHerder) { f.errs = map[string]error{"ConnectorInfo": context.DeadlineExceeded} },
			errMsg: "Request timed out"},
		{name: "herder failure", method: "GET", path: "/connectors", status: 500,
			setup:  func(f *fakeHerder) { f.errs = map[string]error{"Connectors": errors.New("config topic unreadable")} },
			errMsg: "config topic unreadable"},
		{name: "herder 503", method: "GET", path: "/connectors", status: 503,
			setup: func(f *fakeHerder) {
				f.errs = map[string]error{"Connectors": &StatusError{Status: 503, Message: "starting"}}
			},
			errMsg: "starting"},
		{name: "not leader on a GET is 500", method: "GET", path: "/connectors/local-file-sink/offsets", status: 500,
			setup: func(f *fakeHerder) {
				f.errs = map[string]error{"ConnectorOffsets": &NotLeaderError{Message: "not here"}}
			},
			errMsg: "not here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHerder()
			if tt.setup != nil {
				tt.setup(h)
			}
			e := newEnv(t, h, nil)
			r := e.do(tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.status)
			}
			for k, v := range tt.header {
				if got := r.header.Get(k); !strings.HasSuffix(got, v) || (k == "Location" && !strings.HasPrefix(got, e.url)) {
					t.Errorf("header %s = %q, want %q", k, got, e.url+v)
				}
			}
			switch {
			case r.status >= 400:
				em := errorBody(t, r)
				if em.ErrorCode != tt.status || !strings.HasPrefix(em.Message, tt.errMsg) {
					t.Errorf("error = %+v, want %d %q", em, tt.status, tt.errMsg)
				}
			case tt.golden == "" && (r.status == 204 || r.status == 202) && len(r.body) > 0:
				t.Errorf("unexpected body %s", r.body)
			case tt.golden != "" && r.header.Get("Content-Type") != "application/json":
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if tt.golden != "" {
				checkGolden(t, tt.golden, r.body)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
		})
	}
}

func wantTarget(t *testing.T, f *fakeHerder, name string, want TargetState) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.connectors[name]; c == nil || c.target != want {
		t.Errorf("%s: target %+v, want %s", name, c, want)
	}
}

func wantLevel(t *testing.T, f *fakeHerder, name, want string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if l := f.loggers[name]; l.Level != want {
		t.Errorf("logger %s = %q, want %q", name, l.Level, want)
	}
}

// TestHeadIsGet: JAX-RS answers HEAD like GET without a body.
func TestHeadIsGet(t *testing.T) {
	e := newEnv(t, newFakeHerder(), nil)
	r := e.do("HEAD", "/connectors", "")
	if r.status != 200 || len(r.body) != 0 {
		t.Errorf("HEAD = %d %q", r.status, r.body)
	}
}

// TestNoHerderYet: until the herder is wired, its endpoints answer 503
// and the others keep working.
func TestNoHerderYet(t *testing.T) {
	e := newEnv(t, nil, func(p *Params) { p.Herder = nil })
	r := e.do("GET", "/connectors", "")
	if r.status != 503 || errorBody(t, r).ErrorCode != 503 {
		t.Errorf("GET /connectors = %d %s", r.status, r.body)
	}
	for _, path := range []string{"/", "/openapi.json"} {
		if r := e.do("GET", path, ""); r.status != 200 {
			t.Errorf("GET %s = %d %s", path, r.status, r.body)
		}
	}
}
