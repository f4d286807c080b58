package rest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func sig(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestInternalRequestSignatures follows KIP-507 as Connect checks it:
// the HMAC covers the exact body bytes, an empty body is signed as zero
// bytes, and the checks apply only when the group is sessioned.
func TestInternalRequestSignatures(t *testing.T) {
	const tasks = `[{"task.class":"T","n":1},{"task.class":"T"}]`
	tests := []struct {
		name         string
		method, path string
		body         string
		sessioned    bool
		key          []byte
		headers      []string
		status       int
		msg          string
		herderCalled bool
	}{
		{name: "valid", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, tasks), SignatureAlgorithmHeader, "HmacSHA256"}, status: 204, herderCalled: true},
		{name: "valid fence, empty body", method: "PUT", path: "/connectors/local-file-source/fence", sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, ""), SignatureAlgorithmHeader, "HmacSHA256"}, status: 204, herderCalled: true},
		{name: "missing", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			status: 400, msg: "Internal request missing required signature"},
		{name: "algorithm header missing", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, tasks)}, status: 400, msg: "Internal request missing required signature"},
		{name: "unknown algorithm", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, tasks), SignatureAlgorithmHeader, "HmacMD9"}, status: 400, msg: "Algorithm HmacMD9 not available"},
		{name: "algorithm not permitted", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, tasks), SignatureAlgorithmHeader, "HmacSHA512"}, status: 400,
			msg: "This worker does not support the 'HmacSHA512' key signing algorithm used by other workers."},
		{name: "not base64", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, "***", SignatureAlgorithmHeader, "HmacSHA256"}, status: 400, msg: "The X-Connect-Authorization header is not valid Base64"},
		{name: "no key yet", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true,
			headers: []string{SignatureHeader, sig(testKey, tasks), SignatureAlgorithmHeader, "HmacSHA256"}, status: 503,
			msg: "This worker is still starting up and has not been able to read a session key from the config topic yet"},
		{name: "mismatch", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig([]byte("another key"), tasks), SignatureAlgorithmHeader, "HmacSHA256"}, status: 403,
			msg: "Internal request contained invalid signature."},
		{name: "signed other bytes", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, tasks+" "), SignatureAlgorithmHeader, "HmacSHA256"}, status: 403,
			msg: "Internal request contained invalid signature."},
		{name: "empty body signed as something", method: "PUT", path: "/connectors/local-file-source/fence", sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, "{}"), SignatureAlgorithmHeader, "HmacSHA256"}, status: 403,
			msg: "Internal request contained invalid signature."},
		{name: "not sessioned needs no signature", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks,
			status: 204, herderCalled: true},
		{name: "not sessioned still parses headers", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks,
			headers: []string{SignatureHeader, "x", SignatureAlgorithmHeader, "Nope"}, status: 400, msg: "Algorithm Nope not available"},
		{name: "signed but not a task list", method: "POST", path: "/connectors/local-file-sink/tasks", body: `{"a":"b"}`, sessioned: true, key: testKey,
			headers: []string{SignatureHeader, sig(testKey, `{"a":"b"}`), SignatureAlgorithmHeader, "HmacSHA256"}, status: 400,
			msg: "The task configs must be a JSON array of objects, not an object"},
		{name: "any content type", method: "POST", path: "/connectors/local-file-sink/tasks", body: tasks,
			headers: []string{"Content-Type", "text/plain"}, status: 204, herderCalled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHerder()
			h.sessioned, h.key = tt.sessioned, tt.key
			r := newEnv(t, h, nil).do(tt.method, tt.path, tt.body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("= %d %s, want %d", r.status, r.body, tt.status)
			}
			if tt.msg != "" {
				if em := errorBody(t, r); !strings.HasPrefix(em.Message, tt.msg) {
					t.Errorf("message %q, want %q", em.Message, tt.msg)
				}
			}
			if called := len(h.Calls()) > 0; called != tt.herderCalled {
				t.Errorf("herder called: %v (%v), want %v", called, h.Calls(), tt.herderCalled)
			}
		})
	}
}

// TestClientPublishesSignedTaskConfigs: the herder's client signs what it
// sends the way the server checks it, for task configs and fencing.
func TestClientPublishesSignedTaskConfigs(t *testing.T) {
	h := newFakeHerder()
	h.sessioned, h.key = true, testKey
	e := newEnv(t, h, nil)
	c, err := NewClient(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	configs := []map[string]string{{"task.class": "T", "x": "<&>"}, {"task.class": "T"}}
	if err := c.PublishTaskConfigs(context.Background(), e.url+"/", "local-file-sink", configs, testKey); err != nil {
		t.Fatal(err)
	}
	if got := h.taskConfigs["local-file-sink"]; !reflect.DeepEqual(got, configs) {
		t.Errorf("leader got %v", got)
	}
	if err := c.FenceZombies(context.Background(), e.url, "local-file-source", testKey); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.fenced, []string{"local-file-source"}) {
		t.Errorf("fenced %v", h.fenced)
	}

	err = c.PublishTaskConfigs(context.Background(), e.url, "local-file-sink", configs, []byte("old key"))
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Errorf("with a stale key: %v", err)
	}
	err = c.PublishTaskConfigs(context.Background(), e.url, "nope", configs, testKey)
	if !errors.As(err, &se) || se.Status != http.StatusNotFound {
		t.Errorf("unknown connector: %v", err)
	}
	if err := c.PublishTaskConfigs(context.Background(), "", "x", nil, testKey); err == nil {
		t.Error("no leader URL: no error")
	}
	if _, err := NewClient(nil, "HmacMD9"); err == nil {
		t.Error("unknown algorithm accepted")
	}
}

// TestInternalRequestsAreForwardedUnsigned: a follower that gets an
// internal request passes it on like any other, with only Authorization
// copied (Connect sends internal requests straight to the leader, so
// this only happens during a leader change).
func TestInternalRequestsAreForwardedUnsigned(t *testing.T) {
	c := newCluster(t)
	const body = `[{"task.class":"T"}]`
	r := c.follower.do("POST", "/connectors/local-file-sink/tasks", body,
		SignatureHeader, sig(testKey, body), SignatureAlgorithmHeader, "HmacSHA256")
	if r.status != 204 {
		t.Fatalf("= %d %s", r.status, r.body)
	}
	reqs := c.leaderRequests.requests()
	if len(reqs) != 1 || reqs[0].query != "forward=true" || reqs[0].body != body || reqs[0].header.Get(SignatureHeader) != "" {
		t.Errorf("leader got %+v", reqs)
	}
}

func TestSign(t *testing.T) {
	got, err := Sign("hmacsha256", testKey, nil)
	if err != nil || got != sig(testKey, "") {
		t.Errorf("Sign = %q, %v", got, err)
	}
	if _, err := Sign("HmacMD5", testKey, nil); err == nil {
		t.Error("unknown algorithm signed")
	}
}
