//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// keyOrderApp is an app that wants each key's records in order, one per
// request: it answers after 0 to 5 ms, 503 to 5% of requests, and checks
// every record it takes against the one it took last of the same key.
// Records say their key's sequence number ("seq 41"); a record taken
// before may come again (after a failover), a later one must not come
// before the one it follows.
type keyOrderApp struct {
	srv *httptest.Server

	mu       sync.Mutex
	next     map[string]int // per key, the sequence number it waits for
	taken    int            // distinct records
	again    int            // records taken before
	statuses map[int]int
	byWorker map[string]int // records taken, per worker
	errs     []string
}

func newKeyOrderApp(t *testing.T) *keyOrderApp {
	a := &keyOrderApp{next: map[string]int{}, statuses: map[int]int{}, byWorker: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /w/{worker}/{$}", a.serve)
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *keyOrderApp) url(worker int) string { return a.srv.URL + "/w/" + strconv.Itoa(worker) + "/" }

func (a *keyOrderApp) serve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Records []struct {
			ID    string `json:"id"`
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"records"`
	}
	err := json.NewDecoder(r.Body).Decode(&body)
	time.Sleep(time.Duration(rand.IntN(5001)) * time.Microsecond) // the app at work
	status := http.StatusOK
	if rand.IntN(20) == 0 {
		status = http.StatusServiceUnavailable
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil || len(body.Records) != 1 {
		a.errs = append(a.errs, fmt.Sprintf("a request with %d records (%v), want one", len(body.Records), err))
	}
	a.statuses[status]++
	if status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	for _, rec := range body.Records {
		seq, err := strconv.Atoi(strings.TrimPrefix(rec.Value, "seq "))
		switch want := a.next[rec.Key]; {
		case err != nil:
			a.errs = append(a.errs, fmt.Sprintf("%s: value %q", rec.ID, rec.Value))
		case seq < want:
			a.again++
		case seq > want:
			a.errs = append(a.errs, fmt.Sprintf("%s: key %s's record %d came before its record %d", rec.ID, rec.Key, seq, want))
		default:
			a.next[rec.Key]++
			a.taken++
			a.byWorker[r.PathValue("worker")]++
		}
	}
}

func (a *keyOrderApp) distinct() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.taken
}

// Two workers deliver 100,000 records of 1,000 keys over 8 partitions,
// one record per request, with delivery.ordering=key, to an app that
// takes 0 to 5 ms and fails 5% of requests. Midway one worker gets
// SIGTERM, as on a scale-in. The app takes every record, and each key's
// records in order, though a key's failed record is retried while other
// keys of its partition go on.
func TestIntegrationHTTPSinkKeyOrderThroughAFailover(t *testing.T) {
	const records, partitions, keys, perKey = 100_000, 8, 1000, 100
	app := newKeyOrderApp(t)
	c := &sinkCluster{t: t, b: kafkatest.Start(t), group: kafkatest.Name(t, "g")}
	for i := range 2 {
		c.workers = append(c.workers, kafkatest.StartWorker(t, c.b,
			"CONNECT_GROUP_ID="+c.group,
			"CONNECT_HEARTBEAT_INTERVAL_MS="+millis(sinkHeartbeat),
			"CONNECT_SESSION_TIMEOUT_MS="+millis(sinkSession),
			"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
			"CONNECT_OFFSET_FLUSH_INTERVAL_MS="+millis(sinkFlush),
			"SIDECAR_APP_URL="+app.url(i),
		))
	}
	for _, w := range c.workers {
		w.WaitHealthy(t, time.Minute)
	}
	name, topic := "ordered", kafkatest.Name(t, "events")
	c.b.CreateTopic(t, topic, partitions)
	config, _ := json.Marshal(map[string]string{
		"connector.class":   "HttpSink",
		"topics":            topic,
		"tasks.max":         "2",
		"key.converter":     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"delivery.ordering": "key",
		"batch.max.records": "1",
		"max.in.flight":     "64",
		"consumer.override.heartbeat.interval.ms": millis(sinkHeartbeat),
		"consumer.override.session.timeout.ms":    millis(sinkSession),
	})
	kafkatest.Put(t, c.workers[0].URL+"/connectors/"+name+"/config", string(config))
	awaitState(t, c.workers[0], name, "RUNNING", 2)
	kafkatest.Eventually(t, time.Minute, func() error {
		_, err := c.b.StableGroup("connect-"+name, 2)
		return err
	})

	start := time.Now()
	produceKeyed(t, c.b, topic, keys, perKey)
	kafkatest.Eventually(t, 2*time.Minute, func() error {
		if n := app.distinct(); n < records/2 {
			return fmt.Errorf("the app has taken %d of %d records", n, records)
		}
		return nil
	})
	sigterm := time.Now()
	c.workers[0].Signal(t, syscall.SIGTERM)
	if code := c.workers[0].Wait(t, 30*time.Second); code != exitOK {
		t.Errorf("worker 0 exited %d after SIGTERM", code)
	}
	c.awaitDrained(name, topic, partitions, 5*time.Minute)
	took := time.Since(start)

	app.mu.Lock()
	defer app.mu.Unlock()
	for i, e := range app.errs {
		if i == 10 {
			t.Errorf("and %d more", len(app.errs)-i)
			break
		}
		t.Error(e)
	}
	short := 0
	for k := range keys {
		if n := app.next["k"+strconv.Itoa(k)]; n != perKey {
			if short < 10 {
				t.Errorf("key k%d: the app took %d of its %d records", k, n, perKey)
			}
			short++
		}
	}
	if app.taken != records {
		t.Errorf("the app took %d distinct records, want %d", app.taken, records)
	}
	t.Logf("%d records in %v (%.0f records/s over both workers, the SIGTERM %v in), by worker %v; answers %v; %d taken again after the failover",
		app.taken, took.Round(time.Millisecond), float64(app.taken)/took.Seconds(), sigterm.Sub(start).Round(time.Millisecond),
		app.byWorker, app.statuses, app.again)
}

// produceKeyed writes perKey records for each of keys keys, round robin
// over the keys, each key's records numbered in order ("seq 0", ...) and
// in one partition, chosen by the key's hash.
func produceKeyed(t *testing.T, b *kafkatest.Broker, topic string, keys, perKey int) {
	t.Helper()
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Transport: transport, Topic: topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchSize: keys, BatchTimeout: time.Millisecond}
	defer w.Close()
	for seq := range perKey {
		msgs := make([]kafka.Message, keys)
		for k := range msgs {
			msgs[k] = kafka.Message{Key: []byte("k" + strconv.Itoa(k)), Value: []byte("seq " + strconv.Itoa(seq))}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.WriteMessages(ctx, msgs...)
		cancel()
		if err != nil {
			t.Fatalf("producing: %v", err)
		}
	}
}
