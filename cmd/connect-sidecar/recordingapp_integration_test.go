//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// recordingApp is the app beside the workers: it takes the HTTP sink's
// deliveries and remembers the partition and offset of every record it
// answered 200 for. Its health endpoint fails while it is down, and its
// delivery endpoint can hold requests at a gate, so that a test has
// batches in flight when it needs them.
type recordingApp struct {
	srv *httptest.Server

	mu        sync.Mutex
	delivered map[int]map[int64]bool // partition -> offsets
	down      bool
	gate      chan struct{} // closed while requests pass
	held      int           // requests waiting at the gate
}

func newRecordingApp(t *testing.T) *recordingApp {
	a := &recordingApp{delivered: map[int]map[int64]bool{}, gate: make(chan struct{})}
	close(a.gate)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.health)
	mux.HandleFunc("POST /events", a.events)
	a.srv = httptest.NewServer(mux)
	// Releasing first lets held requests end, so Close does not wait on them.
	t.Cleanup(func() { a.release(); a.srv.Close() })
	return a
}

func (a *recordingApp) url() string       { return a.srv.URL + "/events" }
func (a *recordingApp) healthURL() string { return a.srv.URL + "/healthz" }

func (a *recordingApp) health(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	down := a.down
	a.mu.Unlock()
	if down {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

func (a *recordingApp) events(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Records []struct {
			Partition int   `json:"partition"`
			Offset    int64 `json:"offset"`
		} `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	gate := a.gate
	a.held++
	a.mu.Unlock()
	select {
	case <-gate:
	case <-r.Context().Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.held--
	if r.Context().Err() != nil {
		return // the worker gave up on the request: nothing was delivered
	}
	for _, rec := range body.Records {
		if a.delivered[rec.Partition] == nil {
			a.delivered[rec.Partition] = map[int64]bool{}
		}
		a.delivered[rec.Partition][rec.Offset] = true
	}
}

func (a *recordingApp) setDown(down bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.down = down
}

// hold makes deliveries wait until release.
func (a *recordingApp) hold() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gate = make(chan struct{})
}

func (a *recordingApp) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.gate:
	default:
		close(a.gate)
	}
}

func (a *recordingApp) waiting() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.held
}

// records is how many distinct records were delivered.
func (a *recordingApp) records() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, offsets := range a.delivered {
		n += len(offsets)
	}
	return n
}

// checkCommitted fails when a committed offset passes a record the app
// never got: every offset below it must have been delivered.
func (a *recordingApp) checkCommitted(committed map[int]int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for p, upTo := range committed {
		for off := int64(0); off < upTo; off++ {
			if !a.delivered[p][off] {
				return fmt.Errorf("partition %d committed up to %d, but the app never got offset %d", p, upTo, off)
			}
		}
	}
	return nil
}

// committedOffsets reads a consumer group's committed offsets of topic's
// partitions; partitions without one are left out.
func committedOffsets(t *testing.T, b *kafkatest.Broker, group, topic string, partitions int) map[int]int64 {
	t.Helper()
	var ps []int
	for p := range partitions {
		ps = append(ps, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := b.Client().OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ps}})
	if err != nil {
		t.Fatalf("offsets of group %s: %v", group, err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("offset of %s[%d] in group %s: %v", topic, p.Partition, group, p.Error)
		}
		if p.CommittedOffset >= 0 {
			out[p.Partition] = p.CommittedOffset
		}
	}
	return out
}

// httpSinkConfig is an HTTP sink connector's config delivering topic's
// string records to app.
func httpSinkConfig(app *recordingApp, topic string, tasks int, more ...string) string {
	config := map[string]string{
		"connector.class": "HttpSink", "topics": topic, "tasks.max": fmt.Sprint(tasks), "http.url": app.url(),
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}
	for i := 0; i+1 < len(more); i += 2 {
		config[more[i]] = more[i+1]
	}
	b, _ := json.Marshal(config)
	return string(b)
}

// keyed returns n key, value pairs, keys spread over the partitions.
func keyed(prefix string, n int) []string {
	var kvs []string
	for i := range n {
		kvs = append(kvs, fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("value %s-%d", prefix, i))
	}
	return kvs
}
