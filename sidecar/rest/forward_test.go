package rest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen is what a worker received.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
}

// recorder serves next and keeps each request it got.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
	next http.Handler
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(b)})
	rc.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	rc.next.ServeHTTP(w, r)
}

func (rc *recorder) requests() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.reqs...)
}

// cluster is a follower and a leader; the follower's herder answers every
// leader-only write with NotLeaderError pointing at the leader.
type cluster struct {
	follower       *testEnv
	leader         *fakeHerder
	leaderURL      string
	leaderRequests *recorder
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	lh := newFakeHerder()
	lh.self = "http://leader:8083/"
	le := newEnv(t, lh, nil)
	rec := &recorder{next: le.server.Handler()}
	ls := httptest.NewServer(rec)
	t.Cleanup(ls.Close)

	fh := newFakeHerder()
	fh.notLeader, fh.leader = true, ls.URL+"/"
	return &cluster{follower: newEnv(t, fh, nil), leader: lh, leaderURL: ls.URL, leaderRequests: rec}
}

// TestForwardingToTheLeader: a follower sends leader-only writes on with
// forward=true, the same method and JSON body, Accept and User-Agent as
// Connect's RestClient, and of the client's headers only Authorization;
// the leader's answer comes back with the status Connect would give.
func TestForwardingToTheLeader(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		wantPath     string
		wantQuery    string
		wantBody     string
		location     string
	}{
		{name: "create", method: "POST", path: "/connectors", status: 201,
			body:     `{"name":" fwd ","config":{"connector.class":"FileStreamSource","tasks.max":2}}`,
			wantPath: "/connectors", wantQuery: "forward=true",
			wantBody: `{"name":"fwd","config":{"connector.class":"FileStreamSource","name":"fwd","tasks.max":"2"}}`,
			location: "/connectors/fwd"},
		{name: "create paused", method: "POST", path: "/connectors", status: 201,
			body:     `{"name":"fwd","config":{"connector.class":"FileStreamSource"},"initial_state":"paused"}`,
			wantPath: "/connectors", wantQuery: "forward=true",
			wantBody: `{"name":"fwd","config":{"connector.class":"FileStreamSource","name":"fwd"},"initial_state":"paused"}`},
		{name: "put new", method: "PUT", path: "/connectors/new%20one/config", status: 201,
			body: `{"connector.class":"FileStreamSource"}`, wantPath: "/connectors/new%20one/config", wantQuery: "forward=true",
			wantBody: `{"connector.class":"FileStreamSource","name":"new one"}`, location: "/connectors/new%20one"},
		{name: "put existing", method: "PUT", path: "/connectors/local-file-source/config", status: 200,
			body: `{"connector.class":"FileStreamSource"}`, wantPath: "/connectors/local-file-source/config", wantQuery: "forward=true"},
		{name: "patch", method: "PATCH", path: "/connectors/local-file-source/config", status: 200,
			body: `{"file":null,"tasks.max":"4"}`, wantPath: "/connectors/local-file-source/config", wantQuery: "forward=true",
			wantBody: `{"file":null,"tasks.max":"4"}`},
		{name: "delete", method: "DELETE", path: "/connectors/local-file-sink", status: 204,
			wantPath: "/connectors/local-file-sink", wantQuery: "forward=true"},
		{name: "stop", method: "PUT", path: "/connectors/local-file-sink/stop", status: 204,
			wantPath: "/connectors/local-file-sink/stop", wantQuery: "forward=true"},
		{name: "restart connector", method: "POST", path: "/connectors/local-file-sink/restart", status: 204,
			wantPath: "/connectors/local-file-sink/restart", wantQuery: "forward=true"},
		{name: "restart with tasks keeps the flags", method: "POST", path: "/connectors/local-file-sink/restart?onlyFailed=true&includeTasks=true", status: 202,
			wantPath: "/connectors/local-file-sink/restart", wantQuery: "forward=true&includeTasks=true&onlyFailed=true"},
		{name: "restart task", method: "POST", path: "/connectors/local-file-sink/tasks/1/restart", status: 204,
			wantPath: "/connectors/local-file-sink/tasks/1/restart", wantQuery: "forward=true"},
		{name: "alter offsets", method: "PATCH", path: "/connectors/local-file-sink/offsets", status: 200,
			body:     `{"offsets":[{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":{"kafka_offset":12345678901234567}}]}`,
			wantPath: "/connectors/local-file-sink/offsets", wantQuery: "forward=true",
			wantBody: `{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"t"},"offset":{"kafka_offset":12345678901234567}}]}`},
		{name: "reset offsets", method: "DELETE", path: "/connectors/local-file-sink/offsets", status: 200,
			wantPath: "/connectors/local-file-sink/offsets", wantQuery: "forward=true"},
		{name: "second hop", method: "DELETE", path: "/connectors/local-file-sink?forward=true", status: 204,
			wantPath: "/connectors/local-file-sink", wantQuery: "forward=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			r := c.follower.do(tt.method, tt.path, tt.body,
				"Authorization", "Bearer s3cret", "Cookie", "session=1", "X-Custom", "x", "Accept", "text/plain")
			if r.status != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.status)
			}
			reqs := c.leaderRequests.requests()
			if len(reqs) != 1 {
				t.Fatalf("leader got %d requests", len(reqs))
			}
			got := reqs[0]
			if got.method != tt.method || got.path != tt.wantPath || got.query != tt.wantQuery {
				t.Errorf("leader got %s %s?%s, want %s %s?%s", got.method, got.path, got.query, tt.method, tt.wantPath, tt.wantQuery)
			}
			if tt.wantBody != "" && got.body != tt.wantBody {
				t.Errorf("leader got body %s, want %s", got.body, tt.wantBody)
			}
			if tt.body == "" && got.body != "" {
				t.Errorf("leader got body %q, want none", got.body)
			}
			wantHeaders := map[string]string{"Authorization": "Bearer s3cret", "Accept": "application/json", "User-Agent": "kafka-connect"}
			for k, v := range wantHeaders {
				if got.header.Get(k) != v {
					t.Errorf("leader got %s: %q, want %q", k, got.header.Get(k), v)
				}
			}
			for _, k := range []string{"Cookie", "X-Custom"} {
				if got.header.Get(k) != "" {
					t.Errorf("header %s was copied to the leader", k)
				}
			}
			if tt.body != "" && got.header.Get("Content-Type") != "application/json" {
				t.Errorf("forwarded Content-Type %q", got.header.Get("Content-Type"))
			}
			if tt.location != "" && r.header.Get("Location") != c.follower.url+tt.location {
				t.Errorf("Location %q, want %q", r.header.Get("Location"), c.follower.url+tt.location)
			}
			if (tt.status == 204) != (len(r.body) == 0) {
				t.Errorf("body %q with status %d", r.body, r.status)
			}
		})
	}
}

// TestForwardingRefusals: the cases Connect answers 409 without asking
// the leader, and errors passed back from the leader.
func TestForwardingRefusals(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*cluster)
		path      string
		status    int
		code      int
		msg       string
		leaderHit bool
	}{
		{name: "forward=false and still not the target", path: "/connectors/local-file-sink?forward=false",
			status: 409, code: 409, msg: msgConflict},
		{name: "no known leader", setup: func(c *cluster) { c.follower.herder.leader = "" }, path: "/connectors/local-file-sink",
			status: 409, code: 409, msg: msgNoLeader},
		{name: "no known leader on the second hop", setup: func(c *cluster) { c.follower.herder.leader = "" },
			path: "/connectors/local-file-sink?forward=true", status: 409, code: 409, msg: msgNoLeader},
		{name: "leader is this worker", setup: func(c *cluster) { c.follower.herder.leader = c.follower.herder.self },
			path: "/connectors/local-file-sink", status: 409, code: 409, msg: msgConflict},
		{name: "remote 404 keeps its status", path: "/connectors/nope", status: 404, code: 404,
			msg: "Connector nope not found", leaderHit: true},
		{name: "remote error_code is kept", setup: func(c *cluster) {
			c.leader.errs = map[string]error{"DeleteConnector": &StatusError{Status: 400, ErrorCode: 40901, Message: "custom"}}
		}, path: "/connectors/local-file-sink", status: 400, code: 40901, msg: "custom", leaderHit: true},
		{name: "leader rebalancing", setup: func(c *cluster) {
			c.leader.errs = map[string]error{"DeleteConnector": ErrRebalanceInProgress}
		}, path: "/connectors/local-file-sink", status: 409, code: 409, msg: msgStaleConfig, leaderHit: true},
		{name: "leader not leader any more", setup: func(c *cluster) {
			c.leader.notLeader, c.leader.leader = true, c.follower.url+"/"
		}, path: "/connectors/local-file-sink", status: 409, code: 409, msg: msgConflict, leaderHit: true},
		{name: "leader down", setup: func(c *cluster) { c.follower.herder.leader = "http://127.0.0.1:1/" },
			path: "/connectors/local-file-sink", status: 409, code: 409, msg: msgConflict + ": the worker at http://127.0.0.1:1/"},
		{name: "bad leader URL", setup: func(c *cluster) { c.follower.herder.leader = "leader:8083" },
			path: "/connectors/local-file-sink", status: 500, code: 500, msg: "Error trying to forward REST request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			if tt.setup != nil {
				tt.setup(c)
			}
			r := c.follower.do("DELETE", tt.path, "")
			em := errorBody(t, r)
			if r.status != tt.status || em.ErrorCode != tt.code || !strings.HasPrefix(em.Message, tt.msg) {
				t.Errorf("= %d %+v, want %d %d %q", r.status, em, tt.status, tt.code, tt.msg)
			}
			if hit := len(c.leaderRequests.requests()) > 0; hit != tt.leaderHit {
				t.Errorf("leader asked: %v, want %v", hit, tt.leaderHit)
			}
		})
	}
}

// TestForwardingDoesNotFollowRedirects: a redirect from the "leader" is
// an unexpected status, as in Connect's RestClient.
func TestForwardingDoesNotFollowRedirects(t *testing.T) {
	var followed bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer target.Close()
	h := newFakeHerder()
	h.notLeader, h.leader = true, target.URL
	r := newEnv(t, h, nil).do("DELETE", "/connectors/local-file-sink", "")
	em := errorBody(t, r)
	if r.status != 500 || em.Message != "Unexpected status code when handling forwarded request: 307" || followed {
		t.Errorf("= %d %+v, followed %v", r.status, em, followed)
	}
}

// TestForwardingTimesOut: a leader that does not answer within the request
// timeout (stopped, say) gives a 409, which tells clients to retry.
func TestForwardingTimesOut(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	h := newFakeHerder()
	h.notLeader, h.leader = true, slow.URL
	e := newEnv(t, h, nil)
	e.server.timeout = 100 * time.Millisecond
	r := e.do("DELETE", "/connectors/local-file-sink", "")
	em := errorBody(t, r)
	if r.status != 409 || !strings.Contains(em.Message, "did not answer") {
		t.Errorf("= %d %+v", r.status, em)
	}
}

// TestForwardingToAStoppingLeader: a leader that is shutting down refuses
// the write with 503, meant for clients that asked it directly; the client
// of the follower gets the 409 that tells it to retry after the rebalance.
func TestForwardingToAStoppingLeader(t *testing.T) {
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error_code":503,"message":"Worker is shutting down; send the request to another worker of the cluster."}`)
	}))
	defer leader.Close()
	h := newFakeHerder()
	h.notLeader, h.leader = true, leader.URL
	r := newEnv(t, h, nil).do("DELETE", "/connectors/local-file-sink", "")
	em := errorBody(t, r)
	if r.status != 409 || em.ErrorCode != 409 || !strings.Contains(em.Message, "shutting down") {
		t.Errorf("= %d %+v, want 409 naming the leader's reason", r.status, em)
	}
}

// TestForwardedErrorWithoutConnectBody: an error page that is not
// Connect's error body is a 500 saying so.
func TestForwardedErrorWithoutConnectBody(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	h := newFakeHerder()
	h.notLeader, h.leader = true, proxy.URL
	r := newEnv(t, h, nil).do("DELETE", "/connectors/local-file-sink", "")
	em := errorBody(t, r)
	if r.status != 500 || !strings.Contains(em.Message, "HTTP 502 without Connect's error body") {
		t.Errorf("= %d %+v", r.status, em)
	}
}
