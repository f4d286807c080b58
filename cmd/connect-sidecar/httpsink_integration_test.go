//go:build integration

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// The HTTP sink's acceptance tests: worker processes deliver a topic to an
// app in the test process, as the serverless sidecar does for the app in
// its pod, and the test checks what the app, Kafka and /metrics see.

// Group timings a platform engineer sets for fast failover, on the workers'
// Connect group and on the sink's consumer group alike. The defaults (3 s
// heartbeats) let a member learn of a rebalance only seconds later;
// heartbeats every 500 ms make it half a second. The session timeout only
// matters for a worker that dies without leaving: 6 s is the broker's
// group.min.session.timeout.ms. A scaled-in worker does not come back, so
// there is no scheduled rebalance delay. Offsets are committed every
// second, so a failover redelivers about a second of records.
const (
	sinkHeartbeat  = 500 * time.Millisecond
	sinkSession    = 6 * time.Second
	sinkFlush      = time.Second
	healthInterval = time.Second // http.health.interval.ms, its default
)

const (
	takeoverBound = 2 * time.Second // SIGTERM to the survivor's first delivery of a moved partition
	resumeBound   = 2 * time.Second // the app's recovery to the first delivery
)

// testApp is the app next to each worker: one server, a path per worker
// (/w/<i>/ for records, /w/<i>/health), so the test knows which sidecar
// sent what. It answers at once: 5% of requests 503 and 1% 400, drawn from
// the request (see draw), the rest 200.
type testApp struct {
	srv      *httptest.Server
	down     atomic.Bool // /health answers 503
	inFlight atomic.Int32

	mu        sync.Mutex
	attempts  map[string]int  // requests so far whose batch starts with this id
	delivered map[string]int  // 2xx answers per record id
	rejected  map[string]bool // ids answered 400
	requests  []appRequest    // in order of arrival
	redeliver []appRequest    // requests carrying an id the app had taken before
	errs      []string        // requests that break the contract in doc.go
}

// appRequest is one delivery request as the app saw it. A batch holds
// records of one partition.
type appRequest struct {
	at        time.Time
	worker    int
	partition int
	records   int
	status    int
}

func newTestApp(t *testing.T) *testApp {
	a := &testApp{attempts: map[string]int{}, delivered: map[string]int{}, rejected: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /w/{worker}/{$}", a.serveRecords)
	mux.HandleFunc("GET /w/{worker}/health", func(w http.ResponseWriter, _ *http.Request) {
		if a.down.Load() {
			http.Error(w, "test app: down", http.StatusServiceUnavailable)
		}
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *testApp) url(worker int) string { return a.srv.URL + "/w/" + strconv.Itoa(worker) + "/" }

func (a *testApp) healthURL(worker int) string { return a.url(worker) + "health" }

// draw answers a request: 503 for 5% and 400 for 1%, pseudo-randomly but
// always the same for the same batch and attempt (a retry draws anew).
func draw(firstID string, attempt int) int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s#%d", firstID, attempt)
	switch v := h.Sum64() % 1000; {
	case v < 50:
		return http.StatusServiceUnavailable
	case v < 60:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

func (a *testApp) serveRecords(w http.ResponseWriter, r *http.Request) {
	a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	worker, _ := strconv.Atoi(r.PathValue("worker"))
	var body struct {
		Records []struct {
			ID        string `json:"id"`
			Partition int    `json:"partition"`
		} `json:"records"`
	}
	err := json.NewDecoder(r.Body).Decode(&body)
	a.mu.Lock()
	defer a.mu.Unlock()
	at := time.Now() // under the lock, so that requests stay sorted by time
	if err != nil || len(body.Records) == 0 {
		a.errs = append(a.errs, fmt.Sprintf("worker %d sent a body without records: %v", worker, err))
		http.Error(w, "test app: no records", http.StatusInternalServerError)
		return
	}
	first := body.Records[0]
	status := draw(first.ID, a.attempts[first.ID])
	a.attempts[first.ID]++
	req := appRequest{at: at, worker: worker, partition: first.Partition, records: len(body.Records), status: status}
	a.requests = append(a.requests, req)
	again := false
	for _, rec := range body.Records {
		if rec.Partition != first.Partition {
			a.errs = append(a.errs, fmt.Sprintf("worker %d sent partitions %d and %d in one batch", worker, first.Partition, rec.Partition))
		}
		switch status {
		case http.StatusOK:
			again = again || a.delivered[rec.ID] > 0
			a.delivered[rec.ID]++
		case http.StatusBadRequest:
			a.rejected[rec.ID] = true
		}
	}
	if again {
		a.redeliver = append(a.redeliver, req)
	}
	switch status {
	case http.StatusServiceUnavailable:
		http.Error(w, "test app: overloaded", status)
	case http.StatusBadRequest:
		http.Error(w, "test app rejects the batch from "+first.ID, status)
	}
}

// distinct is how many records the app has taken.
func (a *testApp) distinct() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.delivered)
}

// requestsSince returns the requests that arrived at or after from.
func (a *testApp) requestsSince(from time.Time) []appRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	i, _ := slices.BinarySearchFunc(a.requests, from, func(r appRequest, t time.Time) int { return r.at.Compare(t) })
	return slices.Clone(a.requests[i:])
}

// sinkCluster is worker processes in one group, each next to its own
// path of the test app.
type sinkCluster struct {
	t       *testing.T
	b       *kafkatest.Broker
	app     *testApp
	group   string
	workers []*kafkatest.Process
}

func startSinkCluster(t *testing.T, app *testApp, n int, env ...string) *sinkCluster {
	t.Helper()
	c := &sinkCluster{t: t, b: kafkatest.Start(t), app: app, group: kafkatest.Name(t, "g")}
	t.Logf("broker: %s", c.b)
	for i := range n {
		c.workers = append(c.workers, kafkatest.StartWorker(t, c.b, append([]string{
			"CONNECT_GROUP_ID=" + c.group,
			"CONNECT_HEARTBEAT_INTERVAL_MS=" + millis(sinkHeartbeat),
			"CONNECT_SESSION_TIMEOUT_MS=" + millis(sinkSession),
			"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
			"CONNECT_OFFSET_FLUSH_INTERVAL_MS=" + millis(sinkFlush),
			"SIDECAR_APP_URL=" + app.url(i),
			"SIDECAR_APP_HEALTH_URL=" + app.healthURL(i),
		}, env...)...))
	}
	for _, w := range c.workers {
		w.WaitHealthy(t, time.Minute)
	}
	return c
}

func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// createSink creates an HTTP sink connector for topic with a dead letter
// queue and waits until its tasks run and its consumer group is stable
// with every task in it, so that no rebalance is left to move partitions.
func (c *sinkCluster) createSink(name, topic, dlq string, tasks int) {
	c.t.Helper()
	config, _ := json.Marshal(map[string]string{
		"connector.class":                   "HttpSink",
		"topics":                            topic,
		"tasks.max":                         strconv.Itoa(tasks),
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "org.apache.kafka.connect.storage.StringConverter",
		"errors.tolerance":                  "all",
		"errors.deadletterqueue.topic.name": dlq,
		"errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable":   "true",
		"http.health.interval.ms":                         millis(healthInterval),
		"consumer.override.heartbeat.interval.ms":         millis(sinkHeartbeat),
		"consumer.override.session.timeout.ms":            millis(sinkSession),
	})
	kafkatest.PutConnector(c.t, c.workers[0].URL, name, string(config))
	awaitState(c.t, c.workers[0], name, "RUNNING", tasks)
	kafkatest.Eventually(c.t, time.Minute, func() error {
		_, err := c.b.StableGroup("connect-"+name, tasks)
		return err
	})
}

// taskWorkers returns the worker id (host:port) running each task.
func (c *sinkCluster) taskWorkers(name string) []string {
	c.t.Helper()
	code, body, err := c.workers[0].Get("/connectors/" + name + "/status")
	if err != nil || code != http.StatusOK {
		c.t.Fatalf("status of %s: %d %s %v", name, code, body, err)
	}
	var st struct {
		Tasks []struct {
			WorkerID string `json:"worker_id"`
		}
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, ts := range st.Tasks {
		out = append(out, ts.WorkerID)
	}
	return out
}

// awaitDrained waits until the connector's group has committed every
// partition to its end: every record was delivered or dead-lettered.
func (c *sinkCluster) awaitDrained(name, topic string, partitions int, timeout time.Duration) {
	c.t.Helper()
	kafkatest.Eventually(c.t, timeout, func() error {
		parts := make([]int, partitions)
		for p := range parts {
			parts[p] = p
		}
		resp, err := c.b.Client().OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: "connect-" + name, Topics: map[string][]int{topic: parts}})
		if err != nil {
			return err
		}
		for _, p := range resp.Topics[topic] {
			end, err := kafkatest.LastOffset(c.b, topic, p.Partition)
			if err != nil {
				return err
			}
			if p.Error != nil || p.CommittedOffset != end {
				return fmt.Errorf("%s[%d] committed %d of %d (%v)", topic, p.Partition, p.CommittedOffset, end, p.Error)
			}
		}
		return nil
	})
}

// checkNoneLost fails the test unless every record of topic was taken by
// the app or is in the dead letter queue with headers that say the app
// rejected it. It returns how many records the topic holds and how many
// of them are in the dead letter queue.
func (c *sinkCluster) checkNoneLost(topic string, partitions int, dlq string) (total, dead int) {
	c.t.Helper()
	deadIDs := readDeadLetters(c.t, c.b, dlq)
	a := c.app
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.errs {
		c.t.Error(e)
	}
	for id := range deadIDs {
		if !a.rejected[id] {
			c.t.Errorf("%s is in the dead letter queue, but the app never rejected it", id)
		}
	}
	lost := 0
	for p := range partitions {
		end, err := kafkatest.LastOffset(c.b, topic, p)
		if err != nil {
			c.t.Fatal(err)
		}
		total += int(end)
		for off := range end {
			id := topic + "-" + strconv.Itoa(p) + "-" + strconv.FormatInt(off, 10)
			if a.delivered[id] == 0 && !deadIDs[id] {
				if lost < 10 {
					c.t.Errorf("record %s was neither delivered nor dead-lettered", id)
				}
				lost++
			}
		}
	}
	if lost > 0 {
		c.t.Errorf("%d of %d records lost", lost, total)
	}
	return total, len(deadIDs)
}

// readDeadLetters reads the dead letter queue and returns the ids of its
// records, checking each carries why it is there.
func readDeadLetters(t *testing.T, b *kafkatest.Broker, dlq string) map[string]bool {
	t.Helper()
	end, err := kafkatest.LastOffset(b, dlq, 0)
	if err != nil {
		t.Fatalf("dead letter queue %s: %v", dlq, err)
	}
	ids := map[string]bool{}
	if end == 0 {
		return ids
	}
	for _, m := range b.Consume(t, dlq, 0, int(end), time.Minute) {
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		id := h["__connect.errors.topic"] + "-" + h["__connect.errors.partition"] + "-" + h["__connect.errors.offset"]
		if h["connect.sidecar.http.status"] != "400" || !strings.Contains(h["connect.sidecar.http.reason"], "test app rejects") ||
			h["__connect.errors.stage"] == "" || h["__connect.errors.exception.message"] == "" {
			t.Errorf("dead letter %s at offset %d does not say why: %v", id, m.Offset, h)
		}
		ids[id] = true
	}
	return ids
}

// producer writes numbered records to a topic from a goroutine of its
// own: chunks of records, every pace (0: as fast as Kafka takes them),
// until it has written total (0: until stopped).
type producer struct {
	sent       atomic.Int64
	stopOnce   sync.Once
	stop, done chan struct{}
	err        error
}

func startProducer(t *testing.T, b *kafkatest.Broker, topic string, total, chunk int, pace time.Duration) *producer {
	p := &producer{stop: make(chan struct{}), done: make(chan struct{})}
	transport := &kafka.Transport{}
	w := &kafka.Writer{
		Addr: kafka.TCP(b.Addr), Transport: transport, Topic: topic, Balancer: &kafka.RoundRobin{},
		RequiredAcks: kafka.RequireAll, BatchSize: chunk, BatchTimeout: time.Millisecond,
	}
	go func() {
		defer close(p.done)
		var tick <-chan time.Time // nil: no pace
		if pace > 0 {
			ticker := time.NewTicker(pace)
			defer ticker.Stop()
			tick = ticker.C
		}
		for n := 0; total == 0 || n < total; {
			msgs := make([]kafka.Message, 0, chunk)
			for ; len(msgs) < chunk && (total == 0 || n < total); n++ {
				msgs = append(msgs, kafka.Message{Key: []byte("k" + strconv.Itoa(n)), Value: []byte("record " + strconv.Itoa(n))})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			p.err = w.WriteMessages(ctx, msgs...)
			cancel()
			if p.err != nil {
				return
			}
			p.sent.Add(int64(len(msgs)))
			if tick == nil {
				select {
				case <-p.stop:
					return
				default:
					continue
				}
			}
			select {
			case <-tick:
			case <-p.stop:
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = p.stopAndWait()
		_ = w.Close()
		transport.CloseIdleConnections()
	})
	return p
}

// stopAndWait stops the producer and returns why it could not write, if
// it could not.
func (p *producer) stopAndWait() error {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
	return p.err
}

// close stops the producer and fails t if it could not write.
func (p *producer) close(t *testing.T) {
	t.Helper()
	if err := p.stopAndWait(); err != nil {
		t.Errorf("producing: %v", err)
	}
}

// Two workers deliver 100,000 records to a flaky app through a two-task
// HTTP sink. Midway one worker gets SIGTERM, as on a scale-in: the other
// takes its partitions over within 2 s, and in the end every record was
// taken by the app or is in the dead letter queue, saying why. The app
// sees a record twice only as a redelivery after the failover.
func TestIntegrationHTTPSinkDeliversEverythingThroughAFailover(t *testing.T) {
	const records, partitions = 100_000, 6
	app := newTestApp(t)
	c := startSinkCluster(t, app, 2)
	name, topic, dlq := "app", kafkatest.Name(t, "events"), kafkatest.Name(t, "dlq")
	c.b.CreateTopic(t, topic, partitions)
	c.createSink(name, topic, dlq, 2)
	if got := c.taskWorkers(name); len(got) != 2 || got[0] == got[1] {
		t.Fatalf("tasks run on %v, want one on each worker", got)
	}

	start := time.Now()
	prod := startProducer(t, c.b, topic, records, 1000, 0)
	kafkatest.Eventually(t, time.Minute, func() error {
		if n := app.distinct(); n < records/2 {
			return fmt.Errorf("the app has %d of %d records", n, records)
		}
		return nil
	})

	// The partitions the stopping worker was delivering move.
	owner := map[int]int{}
	for _, r := range app.requestsSince(start) {
		owner[r.partition] = r.worker
	}
	var moved []int
	for p, w := range owner {
		if w == 0 {
			moved = append(moved, p)
		}
	}
	if len(moved) == 0 {
		t.Fatalf("worker 0 delivered no partition before the SIGTERM (owners %v)", owner)
	}
	sigterm := time.Now()
	c.workers[0].Signal(t, syscall.SIGTERM)
	var takeover, allMoved time.Duration
	kafkatest.Eventually(t, 30*time.Second, func() error {
		first := map[int]time.Time{}
		for _, r := range app.requestsSince(sigterm) {
			if r.worker == 1 && slices.Contains(moved, r.partition) && first[r.partition].IsZero() {
				first[r.partition] = r.at
			}
		}
		if len(first) == 0 {
			return fmt.Errorf("worker 1 has delivered none of partitions %v since the SIGTERM", moved)
		}
		takeover = time.Hour
		for _, at := range first {
			takeover = min(takeover, at.Sub(sigterm))
			allMoved = max(allMoved, at.Sub(sigterm))
		}
		if len(first) < len(moved) {
			return fmt.Errorf("worker 1 has delivered partitions %v of %v since the SIGTERM", first, moved)
		}
		return nil
	})
	t.Logf("takeover: worker 1 delivered a partition of the stopped worker %v after the SIGTERM, all of %v after %v",
		takeover.Round(time.Millisecond), moved, allMoved.Round(time.Millisecond))
	if takeover > takeoverBound {
		t.Errorf("takeover took %v, want at most %v", takeover.Round(time.Millisecond), takeoverBound)
	}
	if code := c.workers[0].Wait(t, 30*time.Second); code != exitOK {
		t.Errorf("worker 0 exited %d after SIGTERM", code)
	}
	t.Logf("worker 0 exited %v after the SIGTERM", time.Since(sigterm).Round(time.Millisecond))

	c.awaitDrained(name, topic, partitions, 2*time.Minute)
	prod.close(t)
	total, dead := c.checkNoneLost(topic, partitions, dlq)
	if total != records {
		t.Errorf("the topic holds %d records, want %d", total, records)
	}

	app.mu.Lock()
	defer app.mu.Unlock()
	statuses := map[int]int{}
	var last time.Time
	for _, r := range app.requests {
		statuses[r.status]++
		if r.status == http.StatusOK {
			last = r.at
		}
	}
	for _, r := range app.redeliver {
		if r.at.Before(sigterm) {
			t.Errorf("worker %d sent records of partition %d again %v before the SIGTERM, with no rebalance to explain it", r.worker, r.partition, sigterm.Sub(r.at))
		}
	}
	again := 0
	for _, n := range app.delivered {
		again += n - 1
	}
	took := last.Sub(app.requests[0].at)
	t.Logf("delivery: %d records in %v (%.0f records/s over both workers, failover included); %d requests answered %v; %d records dead-lettered; %d records delivered again, in %d requests after the failover",
		len(app.delivered), took.Round(time.Millisecond), float64(len(app.delivered))/took.Seconds(), len(app.requests), statuses, dead, again, len(app.redeliver))
}

// metricValue returns the sum of the series of name in a /metrics text
// whose labels include every one of labels ("connector=\"app\"", ...);
// ok is false when there is none.
func metricValue(text, name string, labels ...string) (v float64, ok bool) {
	for line := range strings.SplitSeq(text, "\n") {
		rest, found := strings.CutPrefix(line, name)
		if !found || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		if slices.ContainsFunc(labels, func(l string) bool { return !strings.Contains(rest, l) }) {
			continue
		}
		f, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
		if err == nil {
			v, ok = v+f, true
		}
	}
	return v, ok
}

// scrape reads a worker's /metrics.
func scrape(w *kafkatest.Process) (string, error) {
	code, body, err := w.Get("/metrics")
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("GET /metrics: %d %s", code, body)
	}
	return body, err
}

// While the app's health endpoint fails for 10 s and records keep
// arriving, the sidecar sends nothing and spends no retries; once it
// answers again, delivery resumes within 2 s, and nothing was lost.
func TestIntegrationHTTPSinkHoldsDeliveriesWhileTheAppIsUnhealthy(t *testing.T) {
	const partitions, outage = 3, 10 * time.Second
	// The sidecar learns of the outage at each task's next health check;
	// requests already on their way may still arrive, and this is how
	// long they may take.
	const settle = 500 * time.Millisecond
	app := newTestApp(t)
	c := startSinkCluster(t, app, 1)
	name, topic, dlq := "app", kafkatest.Name(t, "events"), kafkatest.Name(t, "dlq")
	c.b.CreateTopic(t, topic, partitions)
	c.createSink(name, topic, dlq, 2)
	prod := startProducer(t, c.b, topic, 0, 100, 50*time.Millisecond) // 2,000 records/s
	kafkatest.Eventually(t, time.Minute, func() error {
		if n := app.distinct(); n < 2000 {
			return fmt.Errorf("the app has %d records", n)
		}
		return nil
	})
	retries := func() float64 {
		text, err := scrape(c.workers[0])
		if err != nil {
			t.Fatal(err)
		}
		v, _ := metricValue(text, "connect_sidecar_http_retries_total", `connector="app"`)
		return v
	}
	retriesBefore := retries()

	down := time.Now()
	app.down.Store(true)
	sentBefore := prod.sent.Load()
	settled := down.Add(healthInterval + settle)
	// An absence cannot be awaited, only watched for: sample the retries
	// through the outage, once the sidecar knows of it.
	var during []float64
	tick := time.NewTicker(200 * time.Millisecond)
	for now := range tick.C {
		if now.Sub(down) >= outage {
			break
		}
		if now.After(settled) && app.inFlight.Load() == 0 {
			during = append(during, retries())
		}
	}
	tick.Stop()
	up := time.Now()
	app.down.Store(false)
	arrived := prod.sent.Load() - sentBefore

	late := app.requestsSince(settled)
	if i := slices.IndexFunc(late, func(r appRequest) bool { return r.at.Before(up) }); i >= 0 {
		t.Errorf("the app got a request %v into its outage: %+v", late[i].at.Sub(down).Round(time.Millisecond), late[i])
	}
	var early int               // requests that came before the sidecar knew
	var lastEarly time.Duration // into the outage
	for _, r := range app.requestsSince(down) {
		if r.at.Before(up) {
			early, lastEarly = early+1, r.at.Sub(down)
		}
	}
	if len(during) < 2 || slices.Min(during) != slices.Max(during) {
		t.Fatalf("connect_sidecar_http_retries_total moved during the outage (or was not sampled): %v", during)
	}
	if arrived == 0 {
		t.Error("no records arrived during the outage")
	}

	var resume time.Duration
	kafkatest.Eventually(t, 10*time.Second, func() error {
		reqs := app.requestsSince(up)
		if len(reqs) == 0 {
			return errors.New("no delivery since the app recovered")
		}
		resume = reqs[0].at.Sub(up)
		return nil
	})
	t.Logf("outage of %v: %d requests came in its first %v (the last %v in), none later; %d records arrived meanwhile; connect_sidecar_http_retries_total %v before it, %v from %v into it to its end; delivery resumed %v after recovery",
		outage, early, settled.Sub(down), lastEarly.Round(time.Millisecond), arrived, retriesBefore, during[0], settled.Sub(down), resume.Round(time.Millisecond))
	if resume > resumeBound {
		t.Errorf("delivery resumed %v after the app recovered, want at most %v", resume.Round(time.Millisecond), resumeBound)
	}

	prod.close(t)
	c.awaitDrained(name, topic, partitions, time.Minute)
	c.checkNoneLost(topic, partitions, dlq)
}

// scaling is the body of GET /metrics/scaling.
type scaling struct {
	DesiredWorkers int   `json:"desired_workers"`
	Lag            int64 `json:"lag"`
	Tasks          int   `json:"tasks"`
	LagPerWorker   int64 `json:"lag_per_worker"`
}

// lagSample is what /metrics and /metrics/scaling said at one time.
type lagSample struct {
	at                   time.Duration
	clusterLag, partsLag float64
	scaling
}

// A backlog builds up while the app is down: /metrics shows it as sink
// lag and /metrics/scaling asks for more workers; once the app is back
// the backlog drains, the lag falls to 0 and desired_workers to 1.
func TestIntegrationHTTPSinkLagDrainsAndDesiredWorkersFollow(t *testing.T) {
	const records, partitions, tasks, perWorker = 20_000, 4, 4, 2000
	app := newTestApp(t)
	app.down.Store(true)
	c := startSinkCluster(t, app, 1, "SIDECAR_LAG_PER_WORKER="+strconv.Itoa(perWorker))
	name, topic, dlq := "app", kafkatest.Name(t, "events"), kafkatest.Name(t, "dlq")
	c.b.CreateTopic(t, topic, partitions)
	prod := startProducer(t, c.b, topic, records, 1000, 0)
	<-prod.done // all written
	prod.close(t)
	c.createSink(name, topic, dlq, tasks)

	w := c.workers[0]
	sample := func(since time.Time) (lagSample, error) {
		code, body, err := w.Get("/metrics/scaling")
		if err != nil || code != http.StatusOK {
			return lagSample{}, fmt.Errorf("GET /metrics/scaling: %d %s %v", code, body, err)
		}
		s := lagSample{at: time.Since(since)}
		if err := json.Unmarshal([]byte(body), &s.scaling); err != nil {
			return s, err
		}
		text, err := scrape(w)
		if err != nil {
			return s, err
		}
		var ok1, ok2 bool
		s.clusterLag, ok1 = metricValue(text, "connect_sidecar_cluster_sink_lag")
		s.partsLag, ok2 = metricValue(text, "connect_sidecar_sink_lag", `connector="app"`)
		if !ok1 || !ok2 {
			return s, errors.New("/metrics has no sink lag yet")
		}
		return s, nil
	}
	// Nothing is delivered while the app is down: the whole topic is lag.
	want := min((records+perWorker-1)/perWorker, tasks)
	kafkatest.Eventually(t, time.Minute, func() error {
		s, err := sample(time.Now())
		if err != nil {
			return err
		}
		if s.Lag != records || s.DesiredWorkers != want || s.Tasks != tasks || s.clusterLag != records || s.partsLag != records {
			return fmt.Errorf("lag %+v, want %d records of lag and %d desired workers", s, records, want)
		}
		return nil
	})

	up := time.Now()
	app.down.Store(false)
	samples := []lagSample{}
	kafkatest.Eventually(t, time.Minute, func() error {
		s, err := sample(up)
		if err != nil {
			return err
		}
		if len(samples) == 0 || s.Lag != samples[len(samples)-1].Lag || s.clusterLag != samples[len(samples)-1].clusterLag {
			samples = append(samples, s)
		}
		if s.Lag != 0 || s.DesiredWorkers != 1 || s.clusterLag != 0 || s.partsLag != 0 {
			return fmt.Errorf("after the app recovered: %+v", s)
		}
		return nil
	})
	var trace []string
	for i, s := range samples {
		trace = append(trace, fmt.Sprintf("%v: lag %d desired %d", s.at.Round(100*time.Millisecond), s.Lag, s.DesiredWorkers))
		if expect := min(max((int(s.Lag)+perWorker-1)/perWorker, 1), tasks); s.DesiredWorkers != expect {
			t.Errorf("desired_workers %d for lag %d, want %d", s.DesiredWorkers, s.Lag, expect)
		}
		if i > 0 && s.Lag > samples[i-1].Lag {
			t.Errorf("lag rose from %d to %d with nothing produced", samples[i-1].Lag, s.Lag)
		}
	}
	t.Logf("%d records of backlog drained; scaling signal after the app recovered: %s", records, strings.Join(trace, ", "))
	c.checkNoneLost(topic, partitions, dlq)
}
