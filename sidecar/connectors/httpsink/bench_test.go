package httpsink

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// BenchmarkDeliver puts records of 8 partitions, 500 per Put as the
// runtime's max.poll.records would, into a task delivering to an app that
// does nothing, and reports records/s and the 99th percentile of a
// request's time, per batch.max.records. One op is one record.
func BenchmarkDeliver(b *testing.B) {
	for _, size := range []int{1, 100, 1000} {
		b.Run("batch="+strconv.Itoa(size), func(b *testing.B) {
			benchDeliver(b, 0, map[string]string{BatchMaxRecordsConfig: strconv.Itoa(size)})
		})
	}
}

// BenchmarkOrdering delivers one record per request, keys spread over
// 1,000, with each delivery.ordering, to an app that does nothing and to
// one that takes 2 ms per request; max.in.flight is 64 for all.
func BenchmarkOrdering(b *testing.B) {
	for _, app := range []time.Duration{0, 2 * time.Millisecond} {
		for _, o := range []string{OrderPartition, OrderKey, OrderNone} {
			b.Run(fmt.Sprintf("app=%v/ordering=%s", app, o), func(b *testing.B) {
				benchDeliver(b, app, map[string]string{BatchMaxRecordsConfig: "1", OrderingConfig: o, MaxInFlightConfig: "64"})
			})
		}
	}
}

func benchDeliver(b *testing.B, appTakes time.Duration, props map[string]string) {
	const partitions, perPut, keys = 8, 500, 1000
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(appTakes)
	}))
	defer app.Close()
	obs := &latencies{want: b.N, done: make(chan struct{})}
	task := newTask(def(Defaults{URL: DefaultURL, Egress: loopback}), obs, loopback)
	all := map[string]string{nameConfig: "bench", URLConfig: app.URL}
	maps.Copy(all, props)
	if err := task.Start(context.Background(), all); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = task.Stop() }()
	// One boxed value for all records, so the loop measures the task.
	value := any([]byte(`{"id":12345,"customer":"c-42","items":[{"sku":"A-1","qty":2}],"total":19.99,"currency":"EUR"}`))
	var keyBytes [keys][]byte
	for k := range keyBytes {
		keyBytes[k] = []byte("customer-" + strconv.Itoa(k))
	}
	batch := make([]plugin.Record, perPut)
	msgs := make([]kafka.Message, perPut)
	var offsets [partitions]int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n := min(perPut, b.N-sent)
		for i := range batch[:n] {
			p, k := (sent+i)%partitions, (sent+i)%keys
			msgs[i] = kafka.Message{Topic: "orders", Partition: p, Offset: offsets[p], Key: keyBytes[k]}
			batch[i] = plugin.Record{Topic: "orders", Partition: int32(p), Offset: offsets[p], Value: value, Consumed: &msgs[i]}
			offsets[p]++
		}
		if err := task.Put(context.Background(), batch[:n]); err != nil {
			b.Fatal(err)
		}
		msgs = make([]kafka.Message, perPut) // the task keeps the records' messages
		sent += n
	}
	<-obs.done
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(obs.p99().Microseconds())/1e3, "p99-ms/batch")
}

// latencies keeps each request's time and says when want records are in.
type latencies struct {
	mu        sync.Mutex
	took      []time.Duration
	delivered int
	want      int
	done      chan struct{}
}

func (l *latencies) OnDelivery(_ string, records int, status int, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.took = append(l.took, took)
	if status/100 != 2 {
		return
	}
	if l.delivered += records; l.delivered == l.want {
		close(l.done)
	}
}

func (l *latencies) p99() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.Sort(l.took)
	return l.took[len(l.took)*99/100]
}

func (l *latencies) OnRetry(string, int)      {}
func (l *latencies) OnDeadLetter(string, int) {}
func (l *latencies) OnAppHealth(string, bool) {}
