package httpsink

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// appRequest is a request the fake app got.
type appRequest struct {
	header http.Header
	body   []byte
	ids    []string // record ids: the body's, or ce-id in binary mode
	at     time.Time
}

// answer is what the fake app answers.
type answer struct {
	status int
	header map[string]string
	body   string
}

var ok = answer{status: http.StatusOK}

// fakeApp is the app behind the sink: it hands each request to the test
// (reqs) and answers what handle says. handle may block; it should give up
// when the request's context ends.
type fakeApp struct {
	*httptest.Server
	reqs chan appRequest
}

func newApp(t *testing.T, handle func(r *http.Request, req appRequest) answer) *fakeApp {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return newAppOn(t, l, handle)
}

// newAppOn is newApp listening on l, for an app that comes up late.
func newAppOn(t *testing.T, l net.Listener, handle func(r *http.Request, req appRequest) answer) *fakeApp {
	t.Helper()
	a := &fakeApp{reqs: make(chan appRequest, 10000)}
	a.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := appRequest{header: r.Header.Clone(), body: b, ids: idsOf(r.Header, b), at: time.Now()}
		a.reqs <- req
		ans := handle(r, req)
		for k, v := range ans.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(ans.status)
		_, _ = io.WriteString(w, ans.body)
	})}}
	a.Start()
	t.Cleanup(a.Close)
	return a
}

// always answers every request the same.
func always(ans answer) func(*http.Request, appRequest) answer {
	return func(*http.Request, appRequest) answer { return ans }
}

// next waits for the app's next request.
func (a *fakeApp) next(t *testing.T) appRequest {
	t.Helper()
	select {
	case r := <-a.reqs:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the app got no request")
		return appRequest{}
	}
}

// none checks that the app gets no request for a while: an absence cannot
// be awaited, only watched for.
func (a *fakeApp) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-a.reqs:
		t.Fatalf("the app got a request it should not have: %v", r.ids)
	case <-time.After(d):
	}
}

func idsOf(h http.Header, b []byte) []string {
	if id := h.Get("Ce-Id"); id != "" {
		return []string{id}
	}
	var records []struct{ ID string }
	var doc struct{ Records []struct{ ID string } }
	if json.Unmarshal(b, &doc) == nil {
		records = doc.Records
	} else {
		_ = json.Unmarshal(b, &records)
	}
	ids := make([]string, len(records))
	for i, r := range records {
		ids[i] = r.ID
	}
	return ids
}

// reporter is a fake SinkTaskContext: it keeps reported records and
// answers fail (nil: tolerated).
type reporter struct {
	mu      sync.Mutex
	reports []reported
	fail    error
	ch      chan reported
}

type reported struct {
	rec plugin.Record
	err error
}

func newReporter() *reporter { return &reporter{ch: make(chan reported, 10000)} }

func (r *reporter) Report(_ context.Context, rec plugin.Record, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, reported{rec, err})
	r.ch <- reported{rec, err}
	return r.fail
}

func (r *reporter) all() []reported {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]reported(nil), r.reports...)
}

func (r *reporter) next(t *testing.T) reported {
	t.Helper()
	select {
	case x := <-r.ch:
		return x
	case <-time.After(10 * time.Second):
		t.Fatal("no record was reported")
		return reported{}
	}
}

// observer counts what an Observer is told, and passes health changes on.
type observer struct {
	mu         sync.Mutex
	deliveries []int // statuses
	retries    int
	dead       int
	delivered  int // records in 2xx answers
	health     chan bool
	retried    chan int
}

func newObserver() *observer {
	return &observer{health: make(chan bool, 1000), retried: make(chan int, 1000)}
}

func (o *observer) OnDelivery(_ string, records int, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.deliveries = append(o.deliveries, status)
	if status/100 == 2 {
		o.delivered += records
	}
}

func (o *observer) OnRetry(_ string, records int) {
	o.mu.Lock()
	o.retries++
	o.mu.Unlock()
	o.retried <- records
}

func (o *observer) OnDeadLetter(_ string, records int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dead += records
}

func (o *observer) OnAppHealth(_ string, healthy bool) { o.health <- healthy }

func (o *observer) counts() (retries, dead int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.retries, o.dead
}

func (o *observer) waitHealth(t *testing.T, want bool) {
	t.Helper()
	for {
		select {
		case h := <-o.health:
			if h == want {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the app's health never became %v", want)
		}
	}
}

func (o *observer) waitRetry(t *testing.T) int {
	t.Helper()
	select {
	case n := <-o.retried:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no retry was scheduled")
		return 0
	}
}

// started is a running task with its fakes.
type started struct {
	*sinkTask
	rep  *reporter
	obs  *observer
	logs *logLines
}

// logLines keeps what a task logs.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// matching returns the lines that contain every one of parts.
func (l *logLines) matching(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, line := range l.lines {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

// start starts a task delivering to url; props add to or override the
// test defaults (no linger, fast retries).
func start(t *testing.T, url string, props map[string]string) started {
	t.Helper()
	all := map[string]string{
		nameConfig:            "orders-sink",
		URLConfig:             url,
		BatchLingerConfig:     "0",
		RetryBackoffConfig:    "1",
		RetryBackoffMaxConfig: "5",
	}
	maps.Copy(all, props)
	obs := newObserver()
	task := newTask(def(Defaults{URL: DefaultURL, Egress: loopback}), obs, loopback)
	rep := newReporter()
	task.Initialize(rep)
	logs := &logLines{}
	// The runtime's task logger names the connector and task.
	log := slog.New(slog.NewTextHandler(logs, nil)).With("connector", all[nameConfig], "task", 0)
	if err := task.Start(plugin.WithLogger(context.Background(), log), all); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := task.Stop(); err != nil {
			t.Error(err)
		}
	})
	return started{task, rep, obs, logs}
}

func (s started) put(t *testing.T, recs ...plugin.Record) {
	t.Helper()
	if err := s.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
}

func (s started) flush(t *testing.T, offsets map[plugin.TopicPartition]int64) map[plugin.TopicPartition]int64 {
	t.Helper()
	out, err := s.Flush(context.Background(), offsets)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFlush waits until Flush returns want.
func (s started) waitFlush(t *testing.T, offsets, want map[plugin.TopicPartition]int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.flush(t, offsets)
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Flush(%v) = %v, want %v", offsets, got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func tp(topic string, partition int32) plugin.TopicPartition {
	return plugin.TopicPartition{Topic: topic, Partition: partition}
}

// rec is a record of topic t with a string value.
func rec(partition int32, offset int64) plugin.Record {
	return plugin.Record{Topic: "orders", Partition: partition, Offset: offset,
		Value: "order " + strconv.FormatInt(offset, 10)}
}

func recs(partition int32, from, to int64) []plugin.Record {
	var out []plugin.Record
	for o := from; o < to; o++ {
		out = append(out, rec(partition, o))
	}
	return out
}

func ids(partition int32, from, to int64) []string {
	var out []string
	for o := from; o < to; o++ {
		out = append(out, "orders-"+strconv.Itoa(int(partition))+"-"+strconv.FormatInt(o, 10))
	}
	return out
}

// gate holds requests until it is opened, or their client gives up.
type gate chan struct{}

func (g gate) wait(r *http.Request) {
	select {
	case <-g:
	case <-r.Context().Done():
	}
}

func (g gate) open() { close(g) }

// loopback is the egress policy of a worker whose app is at 127.0.0.1,
// where the test servers listen.
var loopback = func() *egress.Policy {
	p, err := egress.New(nil, DefaultURL)
	if err != nil {
		panic(err)
	}
	return p
}()

var errTolerance = errors.New("tolerance exceeded in error handler")

func itoa(n int) string { return strconv.Itoa(n) }

// held is what records of the json format count against buffer.max.bytes
// while a task holds them.
func held(recs ...plugin.Record) int {
	enc, n := newEncoder(formatJSON), 0
	for i := range recs {
		b, _, _ := enc.record(nil, &recs[i], positionOf(&recs[i]))
		n += len(b) + entryOverhead
	}
	return n
}
