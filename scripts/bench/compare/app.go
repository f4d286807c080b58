package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// app stands for the application next to the sidecar: it takes the HTTP
// sink's batches, does nothing with them, and counts records. While
// latency is on, it also notes, per record, receive time minus the
// record's Kafka timestamp (set by the producer when the record was made).
type app struct {
	url string
	srv *http.Server

	mu        sync.Mutex
	records   int
	requests  int
	first     time.Time     // of the first request since reset
	delay     time.Duration // how long a request takes
	since     int64         // ms; records older than this are not timed; 0: timing off
	latencies []int64
}

var (
	idField = []byte(`{"id":"`)
	tsField = []byte(`"timestamp":`)
)

func startApp() (*app, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &app{url: "http://" + l.Addr().String() + "/"}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(l) }()
	return a, nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	at := time.Now()
	now := at.UnixMilli()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	delay := a.delay
	a.mu.Unlock()
	time.Sleep(delay) // the app at work
	// Each record of the json format starts with its id; scanning beats
	// decoding, so the app costs the sidecar's CPU as little as it can.
	n := bytes.Count(body, idField)
	a.mu.Lock()
	if a.requests == 0 {
		a.first = at
	}
	a.records += n
	a.requests++
	if a.since > 0 {
		eachNumber(body, tsField, func(ts int64) {
			if ts >= a.since {
				a.latencies = append(a.latencies, now-ts)
			}
		})
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// eachNumber calls fn with the integer after each occurrence of field in
// a json batch; scanning beats decoding, so the app costs the sidecar's CPU
// as little as it can.
func eachNumber(body, field []byte, fn func(int64)) {
	for rest := body; ; {
		i := bytes.Index(rest, field)
		if i < 0 {
			return
		}
		rest = rest[i+len(field):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if n, err := strconv.ParseInt(string(rest[:j]), 10, 64); err == nil {
			fn(n)
		}
	}
}

// reset zeroes the counters and switches timing off.
func (a *app) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records, a.requests, a.since, a.latencies = 0, 0, 0, nil
}

// setDelay makes each request take d.
func (a *app) setDelay(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delay = d
}

// firstAt is when the first request since reset came.
func (a *app) firstAt() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.first
}

func (a *app) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.records
}

// timeFrom starts timing records made at or after t.
func (a *app) timeFrom(t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.since, a.latencies = t.UnixMilli(), nil
}

// timed is how many records were timed, and their 50th and 99th
// percentile latency in ms.
func (a *app) timed() (n int, p50, p99 int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.latencies) == 0 {
		return 0, 0, 0
	}
	l := slices.Clone(a.latencies)
	slices.Sort(l)
	return len(l), l[len(l)*50/100], l[len(l)*99/100]
}

func (a *app) close() { _ = a.srv.Close() }
