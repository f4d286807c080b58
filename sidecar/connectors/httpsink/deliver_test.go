package httpsink

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestJSONRequest(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, nil)
	r := rec(0, 7)
	r.Key, r.Timestamp = "customer-1", time.UnixMilli(1700000000123)
	r.Headers = []plugin.Header{{Key: "trace", Value: "abc"}}
	s.put(t, r)
	got := app.next(t)
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if k := got.header.Get("Idempotency-Key"); k != "orders-0-7" {
		t.Errorf("a request of one record has Idempotency-Key %q, want orders-0-7", k)
	}
	want := `{"records":[{"id":"orders-0-7","topic":"orders","partition":0,"offset":7,"timestamp":1700000000123,` +
		`"key":"customer-1","value":"order 7","headers":{"trace":"abc"}}]}`
	if string(got.body) != want {
		t.Errorf("body\n%s\nwant\n%s", got.body, want)
	}
}

func TestBatchIdempotency(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, nil)
	s.put(t, recs(0, 0, 3)...)
	got := app.next(t)
	if k := got.header.Get("Idempotency-Key"); k != "" {
		t.Errorf("a batch has Idempotency-Key %q; its records carry their ids instead", k)
	}
	if !slices.Equal(got.ids, ids(0, 0, 3)) {
		t.Errorf("ids %v", got.ids)
	}
}

func TestBatchByRecords(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, map[string]string{BatchMaxRecordsConfig: "3"})
	s.put(t, recs(0, 0, 7)...)
	for _, want := range [][]string{ids(0, 0, 3), ids(0, 3, 6), ids(0, 6, 7)} {
		if got := app.next(t).ids; !slices.Equal(got, want) {
			t.Errorf("batch %v, want %v", got, want)
		}
	}
}

func TestBatchByBytes(t *testing.T) {
	app := newApp(t, always(ok))
	one, _, err := newEncoder(formatJSON).record(nil, &[]plugin.Record{rec(0, 0)}[0], position{tp("orders", 0), 0})
	if err != nil {
		t.Fatal(err)
	}
	// Room for two records (and their commas), not three.
	limit := batchOverhead + 2*(len(one)+1) + 1
	s := start(t, app.URL, map[string]string{BatchMaxBytesConfig: itoa(limit)})
	s.put(t, recs(0, 0, 5)...)
	for _, want := range [][]string{ids(0, 0, 2), ids(0, 2, 4), ids(0, 4, 5)} {
		got := app.next(t)
		if !slices.Equal(got.ids, want) {
			t.Errorf("batch %v, want %v", got.ids, want)
		}
		if len(got.body) > limit {
			t.Errorf("body of %d bytes, over batch.max.bytes=%d", len(got.body), limit)
		}
	}
}

func TestBatchByBytesSendsALargeRecordAlone(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, map[string]string{BatchMaxBytesConfig: "10"})
	s.put(t, recs(0, 0, 2)...)
	for _, want := range [][]string{ids(0, 0, 1), ids(0, 1, 2)} {
		if got := app.next(t).ids; !slices.Equal(got, want) {
			t.Errorf("batch %v, want %v", got, want)
		}
	}
}

func TestBatchByLinger(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, map[string]string{BatchLingerConfig: "300"})
	first := time.Now()
	s.put(t, rec(0, 0))
	s.put(t, rec(0, 1))
	got := app.next(t)
	if !slices.Equal(got.ids, ids(0, 0, 2)) {
		t.Errorf("batch %v: records put within batch.linger.ms should go together", got.ids)
	}
	if waited := got.at.Sub(first); waited < 300*time.Millisecond {
		t.Errorf("sent after %v, before batch.linger.ms", waited)
	}
}

// Records of a partition reach the app in offset order, one batch at a
// time, while partitions go in parallel, and retries keep the order.
func TestOrderPerPartition(t *testing.T) {
	const partitions, perPartition, inFlight = 6, 150, 4
	var mu sync.Mutex
	running, most := 0, 0
	busy := map[string]bool{}
	delivered := map[string][]string{}
	var n atomic.Int64
	done := make(chan struct{})
	app := newApp(t, func(r *http.Request, req appRequest) answer {
		part := req.ids[0][:strings.LastIndexByte(req.ids[0], '-')]
		mu.Lock()
		if busy[part] {
			t.Errorf("two requests of %s at once", part)
		}
		busy[part] = true
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) // the app at work
		fail := rand.IntN(5) == 0
		mu.Lock()
		busy[part] = false
		running--
		if !fail {
			delivered[part] = append(delivered[part], req.ids...)
		}
		mu.Unlock()
		if fail {
			return answer{status: http.StatusServiceUnavailable}
		}
		if n.Add(int64(len(req.ids))) == partitions*perPartition {
			close(done)
		}
		return ok
	})
	s := start(t, app.URL, map[string]string{BatchMaxRecordsConfig: "7", MaxInFlightConfig: itoa(inFlight)})
	for from := int64(0); from < perPartition; from += 30 {
		var batch []plugin.Record // partitions interleave, each in order, as fetched
		for o := from; o < from+30; o++ {
			for p := range int32(partitions) {
				batch = append(batch, rec(p, o))
			}
		}
		s.put(t, batch...)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("not everything was delivered")
	}
	mu.Lock()
	defer mu.Unlock()
	for p := range int32(partitions) {
		part := "orders-" + itoa(int(p))
		if want := ids(p, 0, perPartition); !slices.Equal(delivered[part], want) {
			t.Errorf("%s delivered %v\nwant %v", part, delivered[part], want)
		}
	}
	if most > inFlight {
		t.Errorf("%d requests at once, over max.in.flight=%d", most, inFlight)
	}
	if most < 2 {
		t.Errorf("partitions were not delivered in parallel (at most %d request at once)", most)
	}
}

func TestMaxInFlight(t *testing.T) {
	g := gate(make(chan struct{}))
	var running, most atomic.Int64
	app := newApp(t, func(r *http.Request, _ appRequest) answer {
		now := running.Add(1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		g.wait(r)
		running.Add(-1)
		return ok
	})
	s := start(t, app.URL, map[string]string{MaxInFlightConfig: "2"})
	for p := range int32(5) {
		s.put(t, rec(p, 0))
	}
	app.next(t)
	app.next(t)
	app.none(t, 100*time.Millisecond)
	g.open()
	for range 3 {
		app.next(t)
	}
	if m := most.Load(); m != 2 {
		t.Errorf("%d requests at once, want max.in.flight=2", m)
	}
}

func TestRetryAfter(t *testing.T) {
	var calls atomic.Int64
	app := newApp(t, func(*http.Request, appRequest) answer {
		if calls.Add(1) == 1 {
			return answer{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "1"}}
		}
		return ok
	})
	s := start(t, app.URL, nil)
	s.put(t, rec(0, 0))
	first, second := app.next(t), app.next(t)
	if gap := second.at.Sub(first.at); gap < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", gap)
	}
	if !slices.Equal(first.ids, second.ids) {
		t.Errorf("retried %v, sent %v", second.ids, first.ids)
	}
	if n := s.obs.waitRetry(t); n != 1 {
		t.Errorf("OnRetry(%d), want 1 record", n)
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	var calls atomic.Int64
	app := newApp(t, func(*http.Request, appRequest) answer {
		switch calls.Add(1) {
		case 1:
			return answer{status: http.StatusInternalServerError}
		case 2:
			return answer{status: http.StatusBadGateway}
		}
		return ok
	})
	s := start(t, app.URL, nil)
	s.put(t, recs(0, 0, 3)...)
	bodies := []string{string(app.next(t).body), string(app.next(t).body), string(app.next(t).body)}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("retries differ from the first attempt:\n%s", strings.Join(bodies, "\n"))
	}
	s.waitFlush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 3}, map[plugin.TopicPartition]int64{tp("orders", 0): 3})
	if retries, dead := s.obs.counts(); retries != 2 || dead != 0 {
		t.Errorf("%d retries and %d dead letters, want 2 and 0", retries, dead)
	}
	if r := s.rep.all(); len(r) != 0 {
		t.Errorf("reported %v", r)
	}
}

func TestRejectedRecordsAreDeadLettered(t *testing.T) {
	app := newApp(t, always(answer{status: http.StatusBadRequest, body: "missing field \"amount\"\nat line 1"}))
	s := start(t, app.URL, nil)
	s.put(t, recs(0, 0, 2)...)
	app.next(t)
	// The batch's records are reported together, in no particular order.
	reported := map[int64]bool{}
	for range 2 {
		r := s.rep.next(t)
		reported[r.rec.Offset] = true
		var dl plugin.DeadLetterError
		if !errors.As(r.err, &dl) {
			t.Fatalf("reported %T, not a plugin.DeadLetterError", r.err)
		}
		want := []plugin.Header{
			{Key: HeaderStatus, Value: "400"},
			{Key: HeaderReason, Value: `missing field "amount" at line 1`},
			{Key: HeaderURL, Value: app.URL},
		}
		if got := dl.DeadLetterHeaders(); !slices.EqualFunc(got, want, func(a, b plugin.Header) bool { return a.Key == b.Key && a.Value == b.Value }) {
			t.Errorf("headers %v, want %v", got, want)
		}
		if !strings.Contains(r.err.Error(), "refused the record: 400") {
			t.Errorf("error %q", r.err)
		}
	}
	if !reported[0] || !reported[1] {
		t.Errorf("reported offsets %v, want 0 and 1", reported)
	}
	s.waitFlush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 2}, map[plugin.TopicPartition]int64{tp("orders", 0): 2})
	app.none(t, 50*time.Millisecond) // a rejected batch is not retried
}

func TestRetryTimeoutDeadLetters(t *testing.T) {
	app := newApp(t, always(answer{status: http.StatusServiceUnavailable, body: "warming up"}))
	s := start(t, app.URL, map[string]string{RetryTimeoutConfig: "0"})
	s.put(t, rec(0, 0))
	r := s.rep.next(t)
	if !strings.Contains(r.err.Error(), "did not take the record within retry.timeout.ms=0; last attempt: 503 warming up") {
		t.Errorf("error %q", r.err)
	}
	if h := r.err.(plugin.DeadLetterError).DeadLetterHeaders(); h[0].Value != "503" || h[1].Value != "warming up" {
		t.Errorf("headers %v", h)
	}
	s.waitFlush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 1}, map[plugin.TopicPartition]int64{tp("orders", 0): 1})
}

func TestPartialFailure(t *testing.T) {
	var calls atomic.Int64
	app := newApp(t, func(_ *http.Request, req appRequest) answer {
		if calls.Add(1) > 1 {
			return ok
		}
		return answer{status: http.StatusMultiStatus, body: `{"results":[` +
			`{"id":"orders-0-0","status":200},` +
			`{"id":"orders-0-1","status":422,"error":"amount must be positive"},` +
			`{"id":"orders-0-2","status":503,"error":"db busy"}]}`} // orders-0-3 is missing
	})
	s := start(t, app.URL, map[string]string{RetryBackoffConfig: "100", RetryBackoffMaxConfig: "100"})
	s.put(t, recs(0, 0, 4)...)
	app.next(t)
	r := s.rep.next(t)
	if r.rec.Offset != 1 || !strings.Contains(r.err.Error(), "422 amount must be positive") {
		t.Errorf("reported %d: %v", r.rec.Offset, r.err)
	}
	if n := s.obs.waitRetry(t); n != 2 {
		t.Errorf("OnRetry(%d), want 2", n)
	}
	// Offset 0 is delivered and 1 dead-lettered, but 2 is pending.
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 4}
	if got := s.flush(t, offsets); got[tp("orders", 0)] != 2 {
		t.Errorf("Flush = %v, want 2: never past a pending record", got)
	}
	s.put(t, rec(0, 4))
	if got := app.next(t).ids; !slices.Equal(got, ids(0, 2, 4)) {
		t.Errorf("retried %v, want only the records to retry, before the next batch", got)
	}
	if got := app.next(t).ids; !slices.Equal(got, ids(0, 4, 5)) {
		t.Errorf("then %v", got)
	}
	offsets[tp("orders", 0)] = 5
	s.waitFlush(t, offsets, offsets)
}

func TestFlushOffsets(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	s := start(t, app.URL, map[string]string{BatchMaxRecordsConfig: "2"})
	s.put(t, recs(0, 10, 13)...)
	app.next(t)
	got := s.flush(t, map[plugin.TopicPartition]int64{
		tp("orders", 0): 13, // 10 and 11 in flight, 12 waiting
		tp("orders", 1): 40, // nothing held
	})
	want := map[plugin.TopicPartition]int64{tp("orders", 0): 10, tp("orders", 1): 40}
	if !maps.Equal(got, want) {
		t.Errorf("Flush = %v, want %v", got, want)
	}
	if got := s.flush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 9}); got[tp("orders", 0)] != 9 {
		t.Errorf("Flush = %v, want the runtime's 9: offsets are capped by what it gave", got)
	}
	g.open()
	all := map[plugin.TopicPartition]int64{tp("orders", 0): 13}
	s.waitFlush(t, all, all)
}

// A transform may rename the topic; offsets and ids stay those of the
// partition the record was read from.
func TestRenamedTopic(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	s := start(t, app.URL, nil)
	r := rec(0, 5)
	r.Topic, r.Consumed = "orders-renamed", &kafka.Message{Topic: "orders", Partition: 0, Offset: 5}
	s.put(t, r)
	got := app.next(t)
	if !slices.Equal(got.ids, []string{"orders-0-5"}) || !strings.Contains(string(got.body), `"topic":"orders-renamed"`) {
		t.Errorf("body %s", got.body)
	}
	if off := s.flush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 6}); off[tp("orders", 0)] != 5 {
		t.Errorf("Flush = %v, want 5", off)
	}
	g.open()
}

func TestCloseDropsPending(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	s := start(t, app.URL, map[string]string{BatchMaxRecordsConfig: "1"})
	s.put(t, recs(0, 0, 3)...)
	s.put(t, recs(1, 0, 1)...)
	app.next(t)
	app.next(t)
	closed := make(chan error)
	go func() { closed <- s.Close(context.Background(), []plugin.TopicPartition{tp("orders", 0)}) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a request of the partition was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	g.open()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	app.none(t, 100*time.Millisecond) // orders-0-1 and orders-0-2 were dropped
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 3}
	if got := s.flush(t, offsets); !maps.Equal(got, offsets) {
		t.Errorf("Flush = %v after Close", got)
	}
}

func TestCloseIsBoundedByTheTimeout(t *testing.T) {
	app := newApp(t, func(r *http.Request, _ appRequest) answer { <-r.Context().Done(); return ok })
	s := start(t, app.URL, map[string]string{TimeoutConfig: "200"})
	s.put(t, rec(0, 0))
	app.next(t)
	if err := s.Close(context.Background(), []plugin.TopicPartition{tp("orders", 0)}); err != nil {
		t.Fatal(err)
	}
}

// slowReporter is a dead letter queue that takes until it is cancelled.
type slowReporter struct {
	reporting, cancelled chan struct{}
	once                 *sync.Once
}

func (r slowReporter) Report(ctx context.Context, _ plugin.Record, _ error) error {
	select {
	case r.reporting <- struct{}{}:
	default:
	}
	<-ctx.Done()
	r.once.Do(func() { close(r.cancelled) })
	return ctx.Err()
}

// Writing rejected records to the dead letter queue can take a while:
// Close does not wait for that, so that the partition's next owner starts
// at once, but stops it.
func TestCloseDoesNotWaitForTheDeadLetterQueue(t *testing.T) {
	app := newApp(t, always(answer{status: http.StatusBadRequest}))
	s := newTask(def(Defaults{URL: DefaultURL, Egress: loopback}), nil, loopback)
	slow := slowReporter{reporting: make(chan struct{}, 1), cancelled: make(chan struct{}), once: new(sync.Once)}
	s.Initialize(slow)
	if err := s.Start(context.Background(), map[string]string{nameConfig: "orders-sink", URLConfig: app.URL, BatchLingerConfig: "0"}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.Put(context.Background(), recs(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	app.next(t)
	select {
	case <-slow.reporting:
	case <-time.After(10 * time.Second):
		t.Fatal("the rejected records were not reported")
	}
	closed := make(chan error)
	go func() { closed <- s.Close(context.Background(), []plugin.TopicPartition{tp("orders", 0)}) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the dead letter queue")
	}
	select {
	case <-slow.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("Close left the dead letter queue writing")
	}
}

func TestPutBackPressure(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	s := start(t, app.URL, map[string]string{MaxInFlightConfig: "1", BatchMaxRecordsConfig: "2",
		BufferMaxBytesConfig: itoa(held(recs(0, 0, 4)...))})
	s.put(t, recs(0, 0, 4)...)
	app.next(t)
	returned := make(chan error)
	go func() { returned <- s.Put(context.Background(), recs(0, 4, 5)) }()
	select {
	case err := <-returned:
		t.Fatalf("Put returned (%v) with the buffer full", err)
	case <-time.After(100 * time.Millisecond):
	}
	g.open()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
}

func TestPutReturnsWhenItsContextEnds(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	defer g.open()
	s := start(t, app.URL, map[string]string{MaxInFlightConfig: "1", BatchMaxRecordsConfig: "1",
		BufferMaxBytesConfig: itoa(held(recs(0, 0, 2)...))})
	s.put(t, recs(0, 0, 2)...)
	app.next(t)
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan error)
	go func() { returned <- s.Put(ctx, recs(0, 2, 3)) }()
	cancel()
	if err := <-returned; err != nil {
		t.Errorf("Put returned %v when its context ended, want nil", err)
	}
	// Its records are held all the same: nothing past them is committed.
	if got := s.flush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 3}); got[tp("orders", 0)] != 0 {
		t.Errorf("Flush = %v, want 0", got)
	}
}

func TestToleranceNoneFailsTheTask(t *testing.T) {
	app := newApp(t, always(answer{status: http.StatusBadRequest}))
	s := start(t, app.URL, nil)
	s.rep.fail = errTolerance
	s.put(t, rec(0, 0))
	s.rep.next(t)
	deadline := time.Now().Add(10 * time.Second)
	var err error
	for err == nil && time.Now().Before(deadline) {
		_, err = s.Flush(context.Background(), map[plugin.TopicPartition]int64{tp("orders", 0): 1})
		time.Sleep(time.Millisecond)
	}
	if !errors.Is(err, errTolerance) {
		t.Fatalf("Flush returned %v, want the reporter's error", err)
	}
	if err := s.Put(context.Background(), recs(0, 1, 2)); !errors.Is(err, errTolerance) {
		t.Errorf("Put returned %v, want the reporter's error", err)
	}
}

func TestUnwritableRecordIsDeadLettered(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, nil)
	bad := rec(0, 0)
	bad.Value = struct{}{} // not a Connect value
	s.put(t, bad, rec(0, 1))
	if r := s.rep.next(t); r.rec.Offset != 0 || !strings.Contains(r.err.Error(), "cannot be written as JSON") {
		t.Errorf("reported %d: %v", r.rec.Offset, r.err)
	}
	if got := app.next(t).ids; !slices.Equal(got, ids(0, 1, 2)) {
		t.Errorf("sent %v", got)
	}
}

func TestCloudEventsBinary(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, map[string]string{FormatConfig: "cloudevents"})
	r := rec(3, 42)
	r.Key, r.Value, r.Timestamp = "key 100%", []byte(`{"amount":5}`), time.UnixMilli(1700000000123)
	s.put(t, r)
	got := app.next(t)
	want := map[string]string{
		"Ce-Specversion":  "1.0",
		"Ce-Id":           "orders-3-42",
		"Ce-Source":       "/kafka/orders/3",
		"Ce-Type":         "io.connectsidecar.kafka.record",
		"Ce-Time":         "2023-11-14T22:13:20.123Z",
		"Ce-Subject":      "key%20100%25",
		"Content-Type":    "application/json",
		"Idempotency-Key": "orders-3-42",
	}
	for k, v := range want {
		if got.header.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, got.header.Get(k), v)
		}
	}
	if string(got.body) != `{"amount":5}` {
		t.Errorf("body %s", got.body)
	}
	for _, c := range []struct {
		value       any
		contentType string
		body        string
	}{
		{"plain text", "text/plain; charset=utf-8", "plain text"},
		{[]byte{0xff, 0x00}, "application/octet-stream", "\xff\x00"},
		{int64(12), "application/json", "12"},
		{nil, "", ""},
	} {
		r.Offset++
		r.Value = c.value
		s.put(t, r)
		got := app.next(t)
		if got.header.Get("Content-Type") != c.contentType || string(got.body) != c.body {
			t.Errorf("value %#v sent as %q %q, want %q %q", c.value, got.header.Get("Content-Type"), got.body, c.contentType, c.body)
		}
	}
}

func TestCloudEventsBatch(t *testing.T) {
	app := newApp(t, always(ok))
	s := start(t, app.URL, map[string]string{FormatConfig: "CloudEvents"})
	a, b := rec(1, 0), rec(1, 1)
	a.Key, a.Value, a.Timestamp = []byte("k1"), []byte(`[1,2]`), time.UnixMilli(0)
	b.Value = []byte("not json")
	s.put(t, a, b)
	got := app.next(t)
	if ct := got.header.Get("Content-Type"); ct != "application/cloudevents-batch+json" {
		t.Errorf("Content-Type %q", ct)
	}
	want := `[{"specversion":"1.0","id":"orders-1-0","source":"/kafka/orders/1","type":"io.connectsidecar.kafka.record",` +
		`"time":"1970-01-01T00:00:00.000Z","subject":"k1","datacontenttype":"application/json","data":[1,2]},` +
		`{"specversion":"1.0","id":"orders-1-1","source":"/kafka/orders/1","type":"io.connectsidecar.kafka.record",` +
		`"datacontenttype":"application/octet-stream","data_base64":"bm90IGpzb24="}]`
	if string(got.body) != want {
		t.Errorf("body\n%s\nwant\n%s", got.body, want)
	}
	var events []map[string]any
	if err := json.Unmarshal(got.body, &events); err != nil || len(events) != 2 {
		t.Errorf("not a JSON array of 2 events: %v", err)
	}
}

func TestConnectionErrors(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	s := start(t, gone.URL, map[string]string{RetryTimeoutConfig: "0"})
	s.put(t, rec(0, 0))
	r := s.rep.next(t)
	h := r.err.(plugin.DeadLetterError).DeadLetterHeaders()
	if h[0].Value != "0" || !strings.Contains(h[1].Value.(string), "connect") {
		t.Errorf("headers %v", h)
	}
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	if !slices.Equal(s.obs.deliveries, []int{0}) {
		t.Errorf("OnDelivery statuses %v, want [0]: no response", s.obs.deliveries)
	}
}

func TestStopCancelsRequests(t *testing.T) {
	app := newApp(t, func(r *http.Request, _ appRequest) answer { <-r.Context().Done(); return ok })
	s := start(t, app.URL, nil)
	s.put(t, rec(0, 0))
	app.next(t)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), recs(0, 1, 2)); err != nil {
		t.Errorf("Put after Stop: %v", err)
	}
	if got := s.flush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 2}); len(got) != 0 {
		t.Errorf("Flush after Stop = %v, want nothing to commit", got)
	}
}

// barrierReporter holds each report until n are under way at once, or
// a second has passed; it remembers the most it saw together.
type barrierReporter struct {
	n       int
	mu      sync.Mutex
	now     int
	most    int
	all     chan struct{}
	settled chan struct{}
	done    int
}

func (r *barrierReporter) Report(context.Context, plugin.Record, error) error {
	r.mu.Lock()
	r.now++
	r.most = max(r.most, r.now)
	if r.now == r.n {
		close(r.all)
	}
	r.mu.Unlock()
	select {
	case <-r.all:
	case <-time.After(time.Second):
	}
	r.mu.Lock()
	r.now--
	r.done++
	if r.done == r.n {
		close(r.settled)
	}
	r.mu.Unlock()
	return nil
}

// The records of a rejected batch are reported together, not one after
// the other: each report waits for Kafka, and a batch must not take
// seconds to reach the dead letter queue.
func TestRejectedBatchIsReportedConcurrently(t *testing.T) {
	app := newApp(t, always(answer{status: http.StatusBadRequest}))
	s := newTask(def(Defaults{URL: DefaultURL, Egress: loopback}), nil, loopback)
	rep := &barrierReporter{n: 10, all: make(chan struct{}), settled: make(chan struct{})}
	s.Initialize(rep)
	if err := s.Start(context.Background(), map[string]string{nameConfig: "orders-sink", URLConfig: app.URL, BatchLingerConfig: "0"}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.Put(context.Background(), recs(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rep.settled:
	case <-time.After(30 * time.Second):
		t.Fatal("the rejected records were not all reported")
	}
	if rep.most != rep.n {
		t.Errorf("at most %d reports under way at once, want all %d", rep.most, rep.n)
	}
}

// A native sidecar starts before its app: while the app refuses
// connections the sink says so, naming the URL and the error, at most
// once per backoff period rather than once per attempt, and delivers as
// soon as the app listens.
func TestWarnsWhileTheAppIsDownThenDelivers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "http://" + addr + "/records"
	s := start(t, url, map[string]string{RetryBackoffConfig: "1", RetryBackoffMaxConfig: "50"})
	s.put(t, recs(0, 0, 3)...)
	const retries = 20
	for range retries {
		s.obs.waitRetry(t)
	}
	warnings := s.logs.matching("level=WARN", "the app did not take records; retrying", "connector=orders-sink", "task=0",
		"url="+url, "status=0", "connection refused")
	// A retry waits a random part of its backoff period (full jitter),
	// so about every other one starts a new period.
	if len(warnings) == 0 || len(warnings) >= retries {
		t.Errorf("%d warnings for %d retries, want some, paced by the backoff:\n%s", len(warnings), retries, strings.Join(s.logs.matching("level=WARN"), "\n"))
	}

	if l, err = net.Listen("tcp", addr); err != nil {
		t.Fatal(err)
	}
	app := newAppOn(t, l, always(ok))
	if got := app.next(t).ids; !slices.Equal(got, ids(0, 0, 3)) {
		t.Errorf("delivered %v, want %v", got, ids(0, 0, 3))
	}
	s.waitFlush(t, map[plugin.TopicPartition]int64{tp("orders", 0): 3}, map[plugin.TopicPartition]int64{tp("orders", 0): 3})
}
