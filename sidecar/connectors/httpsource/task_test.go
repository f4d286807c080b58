package httpsource

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// answer is what the test server says to one request.
type answer struct {
	status int // 0: 200
	body   string
	hang   bool // answer nothing until the client gives up
}

// server answers requests from a script, 204 once it runs out, and keeps
// what it was asked.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	script  []answer
	seen    []*http.Request
	arrived chan struct{} // a value per request, if not nil
}

func newServer(t *testing.T, script ...answer) *server {
	s := &server{script: script}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r.Clone(context.Background()))
	a := answer{status: http.StatusNoContent}
	if len(s.script) > 0 {
		a, s.script = s.script[0], s.script[1:]
	}
	arrived := s.arrived
	s.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if a.hang {
		<-r.Context().Done()
		return
	}
	w.WriteHeader(max(a.status, http.StatusOK))
	fmt.Fprint(w, a.body)
}

// request is the n-th request the server saw.
func (s *server) request(t *testing.T, n int) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if n >= len(s.seen) {
		t.Fatalf("%d requests, want at least %d", len(s.seen), n+1)
	}
	return s.seen[n]
}

// storedOffsets is an OffsetReader over a map from a partition's url to
// its offset.
type storedOffsets struct {
	offsets map[string]map[string]any
	err     error
	asked   []map[string]any
}

func (o *storedOffsets) Offset(_ context.Context, partition map[string]any) (map[string]any, error) {
	o.asked = append(o.asked, partition)
	return o.offsets[partition[URLField].(string)], o.err
}

// waits are the waits a task asked for; the test task does not sleep.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) take() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.d
	w.d = nil
	return d
}

// startTask starts a task whose waits are only recorded and whose jitter
// is none.
func startTask(t *testing.T, offsets plugin.OffsetReader, p map[string]string) (*task, *waits) {
	t.Helper()
	tk := newTask(loopback)
	w := &waits{}
	tk.jitter = func(time.Duration) time.Duration { return 0 }
	tk.sleep = func(ctx context.Context, d time.Duration) bool {
		w.mu.Lock()
		w.d = append(w.d, d)
		w.mu.Unlock()
		return ctx.Err() == nil
	}
	if offsets == nil {
		offsets = &storedOffsets{}
	}
	if err := tk.Start(context.Background(), p, offsets); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tk.Stop() })
	return tk, w
}

func poll(t *testing.T, tk *task) []plugin.Record {
	t.Helper()
	recs, err := tk.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func page(cursor string, values ...string) answer {
	var recs []string
	for _, v := range values {
		recs = append(recs, `{"value": "`+v+`"}`)
	}
	return answer{body: `{"records": [` + strings.Join(recs, ",") + `], "cursor": "` + cursor + `"}`}
}

func TestCursorGoesWithTheNextRequest(t *testing.T) {
	srv := newServer(t,
		page("c 1&x", "a", "b"),
		answer{status: http.StatusNoContent},
		answer{body: `{"records": [], "cursor": "c2"}`},
		page("c3", "c"),
	)
	url := srv.URL + "/events?tenant=a%20b&cursor=start&x"
	tk, _ := startTask(t, nil, props(URLConfig, url,
		HeadersConfig, "X-Tenant: blue, Accept: application/x-ndjson", AuthHeaderConfig, "Bearer static"))

	recs := poll(t, tk)
	if len(recs) != 2 || recs[0].Value != "a" || recs[1].Value != "b" {
		t.Fatalf("records %+v", recs)
	}
	for _, r := range recs {
		if !reflect.DeepEqual(r.SourcePartition, map[string]any{"url": url}) || !reflect.DeepEqual(r.SourceOffset, map[string]any{"cursor": "c 1&x"}) {
			t.Errorf("partition %v, offset %v", r.SourcePartition, r.SourceOffset)
		}
	}
	poll(t, tk) // 204
	poll(t, tk) // empty, with a new cursor
	if recs := poll(t, tk); len(recs) != 1 || recs[0].SourceOffset["cursor"] != "c3" {
		t.Fatalf("records %+v", recs)
	}
	for i, want := range []string{
		"tenant=a%20b&cursor=start&x", // as configured: no cursor yet
		"tenant=a%20b&x&cursor=c+1%26x",
		"tenant=a%20b&x&cursor=c+1%26x", // nothing new: the same cursor
		"tenant=a%20b&x&cursor=c2",      // an empty answer's cursor is used
	} {
		if got := srv.request(t, i).URL.RawQuery; got != want {
			t.Errorf("request %d: query %s, want %s", i, got, want)
		}
	}
	h := srv.request(t, 0).Header
	if h.Get("X-Tenant") != "blue" || h.Get("Accept") != "application/x-ndjson" || h.Get("Authorization") != "Bearer static" ||
		!strings.HasPrefix(h.Get("User-Agent"), "connect-sidecar/") {
		t.Errorf("headers %v", h)
	}
}

func TestResumesFromTheStoredCursor(t *testing.T) {
	srv := newServer(t, page("next", "a"))
	url := srv.URL + "/events"
	offsets := &storedOffsets{offsets: map[string]map[string]any{url: {"cursor": "stored"}}}
	tk, _ := startTask(t, offsets, props(URLConfig, url, CursorParamConfig, "after"))
	poll(t, tk)
	if got := srv.request(t, 0).URL.RawQuery; got != "after=stored" {
		t.Errorf("query %s, want after=stored", got)
	}
	if want := []map[string]any{{"url": url}}; !reflect.DeepEqual(offsets.asked, want) {
		t.Errorf("offsets asked for %v, want %v", offsets.asked, want)
	}
}

func TestStartRefusesAnUnusableStoredOffset(t *testing.T) {
	url := "http://127.0.0.1:1/events"
	for _, tc := range []struct {
		offsets *storedOffsets
		want    string
	}{
		{&storedOffsets{offsets: map[string]map[string]any{url: {"cursor": int64(5)}}},
			`the stored offset of http://127.0.0.1:1/events, map[cursor:5], has no string "cursor"; reset the connector's offsets`},
		{&storedOffsets{err: errors.New("offsets topic unreachable")},
			"read the stored cursor of http://127.0.0.1:1/events: offsets topic unreachable"},
	} {
		err := newTask(loopback).Start(context.Background(), props(URLConfig, url), tc.offsets)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}

func TestEmptyAnswersBackOff(t *testing.T) {
	srv := newServer(t,
		answer{status: http.StatusNoContent},
		answer{body: `{"records": []}`},
		answer{body: `{}`},
		answer{status: http.StatusNoContent},
		answer{status: http.StatusNoContent},
		answer{status: http.StatusNoContent},
		page("c1", "a"),
		page("c2", "b"),
		answer{status: http.StatusNoContent},
	)
	tk, w := startTask(t, nil, props(URLConfig, srv.URL, PollIntervalConfig, "100", BackoffMaxConfig, "1000"))
	var got []time.Duration
	for range 9 {
		poll(t, tk)
		got = append(got, w.take()...)
	}
	ms := time.Millisecond
	// Waits come before the next request: none before the first, none
	// after records.
	if want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1000 * ms, 1000 * ms}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	poll(t, tk)
	if got := w.take(); !reflect.DeepEqual(got, []time.Duration{100 * ms}) {
		t.Errorf("after records, then nothing: waits %v, want the poll interval", got)
	}
}

// Jitter shortens a wait by at most half, never below the poll interval.
func TestBackoffJitter(t *testing.T) {
	tk := &task{cfg: config{interval: 100 * time.Millisecond, backoffMax: time.Second}}
	tk.jitter = func(d time.Duration) time.Duration { return d - 1 } // the most it may take off
	var got []time.Duration
	for range 5 {
		tk.miss()
		got = append(got, tk.wait)
	}
	ms := time.Millisecond
	if want := []time.Duration{100 * ms, 100*ms + 1, 200*ms + 1, 400*ms + 1, 500*ms + 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	for range 1000 {
		if d := jitter(10); d < 0 || d >= 10 {
			t.Fatalf("jitter(10) = %d", d)
		}
	}
}

func TestFailedRequestsAreRetried(t *testing.T) {
	long := strings.Repeat("x", 300)
	srv := newServer(t,
		answer{status: http.StatusServiceUnavailable, body: "down for maintenance"},
		answer{status: http.StatusUnauthorized, body: long},
		answer{body: "<html>not json</html>"},
		answer{body: `{"records": [{"value": 1, "timestamp": 1.5}], "cursor": "c"}`},
		page("c1", "a"),
	)
	url := strings.Replace(srv.URL, "http://", "http://user:pw@", 1) + "/events"
	tk, w := startTask(t, nil, props(URLConfig, url, PollIntervalConfig, "100", BackoffMaxConfig, "1000"))
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, want := range []string{
		`GET http://user:xxxxx@` + host + `/events: 503 Service Unavailable, body "down for maintenance"`,
		`GET http://user:xxxxx@` + host + `/events: 401 Unauthorized, body "` + long[:256] + `"...`,
		`GET http://user:xxxxx@` + host + `/events: 200 OK: invalid JSON at byte 0: `,
		`GET http://user:xxxxx@` + host + `/events: 200 OK: records[0]: timestamp: not a whole number of milliseconds since 1970, body "{\"records\"`,
	} {
		recs, err := tk.Poll(context.Background())
		if len(recs) != 0 || err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %d records, %v; want %s", len(recs), err, want)
		}
		var temp interface{ Temporary() bool }
		if !errors.As(err, &temp) || !temp.Temporary() {
			t.Errorf("%v is not temporary: the runtime would fail the task", err)
		}
	}
	if recs := poll(t, tk); len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	ms := time.Millisecond
	if got, want := w.take(), []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

func TestNoAnswer(t *testing.T) {
	srv := newServer(t, answer{hang: true})
	tk, _ := startTask(t, nil, props(URLConfig, srv.URL, TimeoutConfig, "50"))
	_, err := tk.Poll(context.Background())
	if want := "GET " + srv.URL + ": no complete answer within http.timeout.ms (50 ms)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	srv.Close()
	_, err = tk.Poll(context.Background())
	if want := "GET " + srv.URL + ": dial tcp "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %s...", err, want)
	}
}

func TestAuthorizationFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := newTask(loopback).Start(context.Background(), props(AuthHeaderFileConfig, file), &storedOffsets{}); err == nil ||
		!strings.Contains(err.Error(), "http.auth.header.file: open "+file) {
		t.Errorf("started without its Authorization file: %v", err)
	}
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("  \n")
	if err := newTask(loopback).Start(context.Background(), props(AuthHeaderFileConfig, file), &storedOffsets{}); err == nil ||
		!strings.Contains(err.Error(), file+" is empty") {
		t.Errorf("started with an empty Authorization file: %v", err)
	}

	write("Bearer one\n")
	srv := newServer(t, page("c1", "a"), page("c2", "b"))
	tk, _ := startTask(t, nil, props(URLConfig, srv.URL, AuthHeaderFileConfig, file))
	poll(t, tk)
	write("Bearer two") // rotated
	poll(t, tk)
	for i, want := range []string{"Bearer one", "Bearer two"} {
		if got := srv.request(t, i).Header.Get("Authorization"); got != want {
			t.Errorf("request %d: Authorization %q, want %q", i, got, want)
		}
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	_, err := tk.Poll(context.Background())
	var temp interface{ Temporary() bool }
	if err == nil || !strings.Contains(err.Error(), "http.auth.header.file: open "+file) || !errors.As(err, &temp) {
		t.Errorf("got %v, want a temporary error naming the file", err)
	}
}

// Poll returns nothing, and no error, as soon as ctx ends: while waiting
// for an answer and while backing off.
func TestPollReturnsWhenCtxEnds(t *testing.T) {
	srv := newServer(t, answer{status: http.StatusNoContent}, answer{hang: true})
	srv.arrived = make(chan struct{}, 2)
	tk, _ := startTask(t, nil, props(URLConfig, srv.URL, PollIntervalConfig, "86400000", BackoffMaxConfig, "86400000"))
	tk.sleep = sleep // a day, unless ctx ends
	poll(t, tk)
	<-srv.arrived

	for _, stage := range []string{"backing off", "waiting for an answer"} {
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			recs []plugin.Record
			err  error
		}
		done := make(chan result, 1)
		go func() {
			recs, err := tk.Poll(ctx)
			done <- result{recs, err}
		}()
		if stage == "backing off" {
			cancel()
		} else {
			<-srv.arrived
			cancel()
		}
		if r := <-done; r.recs != nil || r.err != nil {
			t.Errorf("%s: Poll returned %v, %v after ctx ended", stage, r.recs, r.err)
		}
		if stage == "backing off" {
			tk.wait = 0 // make the request this time
		}
	}
}
