package peerless

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// exchanges starts one Exchange per URL on a shared request topic; each
// serves with the handler given for its URL, if any.
func exchanges(t *testing.T, handlers map[string]http.Handler, urls ...string) map[string]*Exchange {
	t.Helper()
	b := kafkatest.Start(t)
	k, err := kafkaclient.New(config.Worker{BootstrapServers: config.List{b.Addr}, GroupID: "peerless-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	topic := kafkatest.Name(t, "requests")
	out := map[string]*Exchange{}
	for _, u := range urls {
		host, port, _ := strings.Cut(strings.TrimPrefix(u, "http://"), ":")
		w := config.Worker{ConfigStorageTopic: "unused", ConfigStorageReplicationFactor: 1, RestAdvertisedHostName: host, Listeners: config.List{"http://:" + port}}
		e := New(w, config.Sidecar{Peerless: true, PeerlessTopic: topic}, k, slog.New(slog.DiscardHandler))
		if got := e.self; got != u {
			t.Fatalf("exchange for %s advertises %s", u, got)
		}
		e.handler = handlers[u]
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := e.Start(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Stop)
		out[u] = e
	}
	return out
}

// A request for a worker that serves from the topic is answered by that
// worker's handler, status, headers and body, without its credentials and
// marked as the handler's to trust.
func TestRequestIsServedByTheWorkerItNames(t *testing.T) {
	const a, b = "http://10.0.0.1:8083", "http://10.0.0.2:8083"
	var got *http.Request
	var gotBody string
	serveB := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ := io.ReadAll(r.Body)
		gotBody = string(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"name":"c"}`)
	})
	ex := exchanges(t, map[string]http.Handler{b: serveB}, a, b)
	client := &http.Client{Transport: ex[a].Transport(unreachable(t)), Timeout: 20 * time.Second}
	req, _ := http.NewRequest(http.MethodPut, b+"/connectors/c/config?forward=true", strings.NewReader(`{"topic":"t"}`))
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || string(body) != `{"name":"c"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("answer %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if got.Method != http.MethodPut || got.URL.RequestURI() != "/connectors/c/config?forward=true" || gotBody != `{"topic":"t"}` {
		t.Errorf("served %s %s %q", got.Method, got.URL.RequestURI(), gotBody)
	}
	if got.Header.Get("Authorization") != "" {
		t.Error("the client's credentials were written to the topic")
	}
	if got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers served: %v", got.Header)
	}
}

// unreachable is the HTTP transport of a worker that can reach no other.
func unreachable(t *testing.T) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("%s %s went over HTTP", r.Method, r.URL)
		return nil, io.ErrUnexpectedEOF
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A worker that does not serve from the topic (a Java worker, a Go worker
// in normal mode, one that stopped) is called over HTTP.
func TestOtherWorkersAreCalledOverHTTP(t *testing.T) {
	const a, b = "http://10.0.0.1:8083", "http://10.0.0.2:8083"
	ex := exchanges(t, map[string]http.Handler{b: http.NotFoundHandler()}, a, b)
	java := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(java.Close)
	client := &http.Client{Transport: ex[a].Transport(http.DefaultTransport), Timeout: 20 * time.Second}
	resp, err := client.Post(java.URL+"/connectors/c/tasks", "application/json", strings.NewReader("[]"))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("call to a worker that does not serve from the topic: %v %v", resp, err)
	}

	ex[b].Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ex[a].topic.ReadToEnd(ctx); err != nil { // a has read b's withdrawal
		t.Fatal(err)
	}
	fellBack := false
	client.Transport = ex[a].Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		fellBack = true
		return nil, io.ErrUnexpectedEOF
	}))
	_, _ = client.Get(b + "/connectors")
	if !fellBack {
		t.Error("a worker that stopped serving from the topic was still sent requests there")
	}
}

// A request nobody serves fails when the caller's deadline passes, so the
// REST layer answers 409 and the client retries.
func TestUnansweredRequestFailsAtTheDeadline(t *testing.T) {
	const a, b = "http://10.0.0.1:8083", "http://10.0.0.2:8083"
	// b takes the request but never answers in time.
	ex := exchanges(t, map[string]http.Handler{b: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })}, a, b)
	client := &http.Client{Transport: ex[a].Transport(unreachable(t)), Timeout: 2 * time.Second}
	start := time.Now()
	_, err := client.Get(b + "/connectors")
	if err == nil {
		t.Fatal("a request nobody answered succeeded")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("gave up after %v, the deadline was 2 s", took)
	}
}

// A worker that stops while a request waits for it withdraws, and the
// caller gives up then (once the worker has given the request drainFor to
// finish), not at its deadline: the REST layer answers 409 and the client
// retries against the next leader.
func TestCallerLearnsAtOnceWhenTheWorkerStops(t *testing.T) {
	const a, b = "http://10.0.0.1:8083", "http://10.0.0.2:8083"
	taken := make(chan struct{})
	ex := exchanges(t, map[string]http.Handler{b: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(taken)
		<-r.Context().Done()
	})}, a, b)
	go func() {
		<-taken
		ex[b].Stop()
	}()
	client := &http.Client{Transport: ex[a].Transport(unreachable(t)), Timeout: time.Minute}
	start := time.Now()
	_, err := client.Get(b + "/connectors")
	if err == nil || !strings.Contains(err.Error(), "stopped serving requests") {
		t.Fatalf("a request to a worker that stopped: %v", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the caller waited %v for a worker that had stopped", took)
	}
}

// A worker that stops while it serves a request lets it finish and sends
// the answer before it withdraws: the request may have written already (a
// leader creating a connector), and a caller left without the answer
// would have the client retry a write that was done.
func TestStoppingWorkerAnswersWhatItServes(t *testing.T) {
	const a, b = "http://10.0.0.1:8083", "http://10.0.0.2:8083"
	taken, finish := make(chan struct{}), make(chan struct{})
	ex := exchanges(t, map[string]http.Handler{b: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(taken)
		<-finish
		w.WriteHeader(http.StatusCreated)
	})}, a, b)
	type answer struct {
		code int
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		client := &http.Client{Transport: ex[a].Transport(unreachable(t)), Timeout: time.Minute}
		resp, err := client.Post(b+"/connectors", "application/json", strings.NewReader(`{}`))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		resp.Body.Close()
		answered <- answer{code: resp.StatusCode}
	}()
	<-taken
	stopped := make(chan struct{})
	go func() {
		ex[b].Stop()
		close(stopped)
	}()
	// The handler finishes only once its worker is stopping.
	kafkatest.Eventually(t, 10*time.Second, func() error {
		ex[b].mu.Lock()
		defer ex[b].mu.Unlock()
		if ex[b].live {
			return errors.New("still taking requests")
		}
		return nil
	})
	close(finish)
	if got := <-answered; got.err != nil || got.code != http.StatusCreated {
		t.Errorf("a request served while its worker stopped: %d %v, want the handler's 201", got.code, got.err)
	}
	<-stopped
}

// A member of the group that has not announced itself (a Java worker, a Go
// worker in normal mode) is named in a warning, once; announced ones and
// this worker itself are not.
func TestMembersReachableOnlyOverHTTPAreNamed(t *testing.T) {
	const a, b, java = "http://10.0.0.1:8083", "http://10.0.0.2:8083", "http://10.0.0.3:8083"
	ex := exchanges(t, nil, a, b)
	if got := ex[a].checkGroup(b, []string{a, b + "/", java}); !slices.Equal(got, []string{java}) {
		t.Errorf("warned about %v, want only %s", got, java)
	}
	if got := ex[a].checkGroup(java, []string{a, b, java}); len(got) != 0 {
		t.Errorf("warned about %v again", got)
	}
	if got := ex[b].checkGroup(java, nil); !slices.Equal(got, []string{java}) {
		t.Errorf("a follower whose leader is %s warned about %v", java, got)
	}
}

// Records of other tools on the topic are skipped; the exchange goes on.
func TestForeignRecordsAreSkipped(t *testing.T) {
	const a, b = "http://10.0.0.1:8083", "http://10.0.0.2:8083"
	ex := exchanges(t, map[string]http.Handler{b: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})}, a, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, rec := range [][2]string{{"request:x", "not json"}, {"response:y", "{"}, {"worker:z", "[]"}, {"other", "anything"}} {
		if err := ex[a].topic.Send(ctx, []byte(rec[0]), []byte(rec[1])); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{Transport: ex[a].Transport(unreachable(t)), Timeout: 20 * time.Second}
	resp, err := client.Post(b+"/connectors/c/pause", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after foreign records: %v %v", resp, err)
	}
}
