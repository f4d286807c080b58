package rest

import (
	"strings"
	"testing"
)

// TestBadInput: every malformed request gets a 4xx in Connect's error
// shape with a message that says what to fix, and the herder hears
// nothing of it, so no config is ever half written.
func TestBadInput(t *testing.T) {
	big := `{"connector.class":"X","blob":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		msg          string // a part of the message
	}{
		{name: "unknown route", method: "GET", path: "/nope", status: 404, msg: "HTTP 404 Not Found"},
		{name: "too deep", method: "GET", path: "/connectors/a/b/c/d/e", status: 404, msg: "HTTP 404 Not Found"},
		{name: "empty name segment", method: "PUT", path: "/connectors//config", body: `{"a":"b"}`, status: 404},
		{name: "wrong method", method: "DELETE", path: "/connectors/a/status", status: 405, msg: "HTTP 405 Method Not Allowed"},
		{name: "wrong method on a collection", method: "PUT", path: "/connectors", body: `{}`, status: 405},
		{name: "form content type", method: "POST", path: "/connectors", body: `{"name":"a","config":{}}`,
			headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415, msg: "Content-Type: application/json"},
		{name: "text content type on pause", method: "PUT", path: "/connectors/local-file-sink/pause",
			headers: []string{"Content-Type", "text/plain"}, status: 415},
		{name: "not JSON", method: "PUT", path: "/connectors/a/config", body: `connector.class=X`, status: 400, msg: "not valid JSON"},
		{name: "truncated JSON", method: "PUT", path: "/connectors/a/config", body: `{"connector.class":"X"`, status: 400, msg: "not valid JSON"},
		{name: "trailing garbage", method: "PUT", path: "/connectors/a/config", body: `{"connector.class":"X"} {}`, status: 400, msg: "not valid JSON"},
		{name: "array config", method: "PUT", path: "/connectors/a/config", body: `["connector.class"]`, status: 400, msg: "must be a JSON object, not an array"},
		{name: "null config", method: "PUT", path: "/connectors/a/config", body: `null`, status: 400, msg: "must be a JSON object, not null"},
		{name: "empty body", method: "PUT", path: "/connectors/a/config", status: 400, msg: "is missing"},
		{name: "object value", method: "PUT", path: "/connectors/a/config", body: `{"connector.class":{"x":1}}`, status: 400,
			msg: `the value of "connector.class" must be a string, not an object`},
		{name: "array value", method: "PUT", path: "/connectors/a/config", body: `{"topics":["a","b"]}`, status: 400,
			msg: `the value of "topics" must be a string, not an array`},
		{name: "null value on put", method: "PUT", path: "/connectors/a/config", body: `{"connector.class":null}`, status: 400,
			msg: `the value of "connector.class" is null`},
		{name: "name with slash", method: "PUT", path: "/connectors/a%2Fb/config", body: `{"connector.class":"X"}`, status: 400, msg: "contains '/'"},
		{name: "name with control character", method: "PUT", path: "/connectors/a%0Ab/config", body: `{"connector.class":"X"}`, status: 400,
			msg: "String may not contain control sequences but had the following ASCII chars: 10"},
		{name: "dot-dot name", method: "POST", path: "/connectors", body: `{"name":"..","config":{"connector.class":"X"}}`, status: 400, msg: "which clients shorten"},
		{name: "blank name", method: "PUT", path: "/connectors/%20%20/config", body: `{"connector.class":"X"}`, status: 400, msg: "is blank"},
		{name: "too large", method: "PUT", path: "/connectors/a/config", body: big, status: 413, msg: "larger than the limit of 1048576 bytes"},

		{name: "create without body", method: "POST", path: "/connectors", status: 400, msg: "is missing"},
		{name: "create without config", method: "POST", path: "/connectors", body: `{"name":"a"}`, status: 400, msg: `has no "config"`},
		{name: "create with null config", method: "POST", path: "/connectors", body: `{"name":"a","config":null}`, status: 400, msg: "not null"},
		{name: "create with string config", method: "POST", path: "/connectors", body: `{"name":"a","config":"x"}`, status: 400, msg: "not a string"},
		{name: "create with unknown field", method: "POST", path: "/connectors", body: `{"name":"a","configs":{}}`, status: 400, msg: `unknown field "configs"`},
		{name: "create with object name", method: "POST", path: "/connectors", body: `{"name":{},"config":{}}`, status: 400, msg: `"name" must be a string`},
		{name: "create without name", method: "POST", path: "/connectors", body: `{"config":{"connector.class":"X"}}`, status: 400,
			msg: "Invalid value  for configuration name: String may not be empty"},
		{name: "create with blank name", method: "POST", path: "/connectors", body: `{"name":"   ","config":{"connector.class":"X"}}`, status: 400,
			msg: "String may not be empty"},
		{name: "create with slash", method: "POST", path: "/connectors", body: `{"name":"a/b","config":{"connector.class":"X"}}`, status: 400, msg: "contains '/'"},
		{name: "create with tab", method: "POST", path: "/connectors", body: `{"name":"a\tb","config":{"connector.class":"X"}}`, status: 400,
			msg: "following ASCII chars: 9"},
		{name: "create with C1 control", method: "POST", path: "/connectors", body: `{"name":"a\u0085","config":{"connector.class":"X"}}`, status: 400,
			msg: "following ASCII chars: 133"},
		{name: "create with bad initial state", method: "POST", path: "/connectors", body: `{"name":"a","config":{"connector.class":"X"},"initial_state":"FLYING"}`,
			status: 400, msg: "initial_state must be RUNNING, PAUSED or STOPPED"},
		{name: "create with numeric initial state", method: "POST", path: "/connectors", body: `{"name":"a","config":{"connector.class":"X"},"initial_state":1}`,
			status: 400, msg: "initial_state must be RUNNING"},
		{name: "create with mismatched name", method: "POST", path: "/connectors", body: `{"name":"a","config":{"name":"b"}}`, status: 400,
			msg: "doesn't match"},

		{name: "patch with array value", method: "PATCH", path: "/connectors/local-file-sink/config", body: `{"a":[1]}`, status: 400, msg: "not an array"},
		{name: "patch not JSON", method: "PATCH", path: "/connectors/local-file-sink/config", body: `nope`, status: 400, msg: "not valid JSON"},

		{name: "restart flag not boolean", method: "POST", path: "/connectors/local-file-sink/restart?includeTasks=yes", status: 400,
			msg: `Query parameter includeTasks must be true or false, not "yes"`},
		{name: "forward not boolean", method: "DELETE", path: "/connectors/local-file-sink?forward=1", status: 400, msg: "forward must be true or false"},
		{name: "task id not a number", method: "GET", path: "/connectors/local-file-sink/tasks/x/status", status: 404, msg: `Task id "x" is not a task number`},
		{name: "negative task id", method: "POST", path: "/connectors/local-file-sink/tasks/-1/restart", status: 404, msg: "is not a task number"},
		{name: "huge task id", method: "GET", path: "/connectors/local-file-sink/tasks/99999999999/status", status: 404, msg: "is not a task number"},

		{name: "offsets empty", method: "PATCH", path: "/connectors/local-file-sink/offsets", body: `{"offsets":[]}`, status: 400,
			msg: "Partitions / offsets need to be provided for an alter offsets request"},
		{name: "offsets missing", method: "PATCH", path: "/connectors/local-file-sink/offsets", body: `{}`, status: 400, msg: "Partitions / offsets need to be provided"},
		{name: "offsets no body", method: "PATCH", path: "/connectors/local-file-sink/offsets", status: 400, msg: "is missing"},
		{name: "offsets not a list", method: "PATCH", path: "/connectors/local-file-sink/offsets", body: `{"offsets":{}}`, status: 400, msg: `"offsets" must be a JSON array`},
		{name: "offsets partition missing", method: "PATCH", path: "/connectors/local-file-sink/offsets", body: `{"offsets":[{"offset":{}}]}`, status: 400,
			msg: "offsets[0].partition must be a JSON object"},
		{name: "offsets offset a number", method: "PATCH", path: "/connectors/local-file-sink/offsets", body: `{"offsets":[{"partition":{},"offset":5}]}`, status: 400,
			msg: "offsets[0].offset must be a JSON object, or null"},
		{name: "offsets unknown field", method: "PATCH", path: "/connectors/local-file-sink/offsets", body: `{"offset":[]}`, status: 400, msg: `unknown field "offset"`},
		{name: "offsets element unknown field", method: "PATCH", path: "/connectors/local-file-sink/offsets",
			body: `{"offsets":[{"partition":{},"offset":{},"x":1}]}`, status: 400, msg: `unknown field "x"`},

		{name: "plugins flag not boolean", method: "GET", path: "/connector-plugins?connectorsOnly=maybe", status: 400, msg: "connectorsOnly must be true or false"},
		{name: "validate mismatched class", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate",
			body: `{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector"}`, status: 400, msg: "does not match request type"},
		{name: "validate not an object", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate", body: `"x"`, status: 400,
			msg: "must be a JSON object, not a string"},

		{name: "logger without level", method: "PUT", path: "/admin/loggers/root", body: `{"lvl":"DEBUG"}`, status: 400,
			msg: "Desired 'level' parameter was not specified in request."},
		{name: "logger null level", method: "PUT", path: "/admin/loggers/root", body: `{"level":null}`, status: 400, msg: "Desired 'level' parameter"},
		{name: "logger invalid level", method: "PUT", path: "/admin/loggers/root", body: `{"level":"LOUD"}`, status: 404, msg: "invalid log level 'LOUD'."},
		{name: "logger no body", method: "PUT", path: "/admin/loggers/root", status: 400, msg: "is missing"},

		{name: "internal tasks not JSON", method: "POST", path: "/connectors/local-file-sink/tasks", body: `[{`, status: 400, msg: "not valid JSON"},
		{name: "internal tasks with object value", method: "POST", path: "/connectors/local-file-sink/tasks", body: `[{"a":{}}]`, status: 400, msg: "not an object"},
		{name: "internal tasks with null element", method: "POST", path: "/connectors/local-file-sink/tasks", body: `[null]`, status: 400, msg: "not null"},
		{name: "internal tasks empty body", method: "POST", path: "/connectors/local-file-sink/tasks", status: 400, msg: "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHerder()
			r := newEnv(t, h, nil).do(tt.method, tt.path, tt.body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.status)
			}
			em := errorBody(t, r)
			if em.ErrorCode != tt.status || !strings.Contains(em.Message, tt.msg) {
				t.Errorf("error %+v, want %d and %q", em, tt.status, tt.msg)
			}
			if c := h.Calls(); len(c) > 0 {
				t.Errorf("the herder was called: %v", c)
			}
		})
	}
}

// TestMethodNotAllowedListsAllowed: 405 carries an Allow header, which
// leaves out internal methods as the OpenAPI document does, unless only
// internal routes match.
func TestMethodNotAllowedListsAllowed(t *testing.T) {
	e := newEnv(t, newFakeHerder(), nil)
	for _, tt := range []struct{ method, path, allow string }{
		{"POST", "/connectors/a/config", "GET, PUT, PATCH"},
		{"OPTIONS", "/connectors/a/tasks", "GET"},
		{"GET", "/connectors/a/fence", "PUT"},
	} {
		r := e.do(tt.method, tt.path, "")
		if r.status != 405 || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s = %d Allow %q, want %q", tt.method, tt.path, r.status, r.header.Get("Allow"), tt.allow)
		}
	}
}

// TestTrailingSlash: JAX-RS matches a path with a trailing slash too.
func TestTrailingSlash(t *testing.T) {
	r := newEnv(t, newFakeHerder(), nil).do("GET", "/connectors/", "")
	if r.status != 200 {
		t.Errorf("= %d %s", r.status, r.body)
	}
}
