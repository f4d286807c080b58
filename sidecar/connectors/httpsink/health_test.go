package httpsink

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// healthEndpoint is the app's health URL: 200 unless down, and each check
// is counted on checks.
type healthEndpoint struct {
	*httptest.Server
	down   atomic.Bool
	checks chan bool
}

func newHealth(t *testing.T, down bool) *healthEndpoint {
	h := &healthEndpoint{checks: make(chan bool, 10000)}
	h.down.Store(down)
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down := h.down.Load()
		h.checks <- !down
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// await waits for n more checks.
func (h *healthEndpoint) await(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-h.checks:
		case <-time.After(10 * time.Second):
			t.Fatal("the health URL is not being checked")
		}
	}
}

func TestNothingIsSentWhileTheAppIsUnhealthy(t *testing.T) {
	app := newApp(t, always(ok))
	health := newHealth(t, true)
	s := start(t, app.URL, map[string]string{HealthURLConfig: health.URL, HealthIntervalConfig: "10"})
	s.obs.waitHealth(t, false)
	s.put(t, rec(0, 0))
	health.await(t, 10)
	app.none(t, 0)
	health.down.Store(false)
	s.obs.waitHealth(t, true)
	if got := app.next(t).ids; len(got) != 1 || got[0] != "orders-0-0" {
		t.Errorf("sent %v after recovery", got)
	}
}

func TestPutBlocksWhileTheAppIsUnhealthy(t *testing.T) {
	app := newApp(t, always(ok))
	health := newHealth(t, true)
	s := start(t, app.URL, map[string]string{HealthURLConfig: health.URL, HealthIntervalConfig: "10",
		BufferMaxBytesConfig: itoa(held(recs(0, 0, 2)...))})
	s.put(t, recs(0, 0, 2)...) // the buffer's bound
	returned := make(chan error)
	go func() { returned <- s.Put(t.Context(), recs(0, 2, 3)) }()
	health.await(t, 5)
	select {
	case err := <-returned:
		t.Fatalf("Put returned (%v) with the buffer full and the app down", err)
	default:
	}
	health.down.Store(false)
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
}

// A batch waiting for the app to recover neither makes attempts nor uses
// up retry.timeout.ms.
func TestRetryTimeNotCountedWhileUnhealthy(t *testing.T) {
	health := newHealth(t, false)
	var calls atomic.Int64
	app := newApp(t, func(*http.Request, appRequest) answer {
		switch calls.Add(1) {
		case 1:
			// The app falls over; Retry-After holds the retry until
			// retry.timeout.ms, well after the health check notices.
			health.down.Store(true)
			return answer{status: http.StatusServiceUnavailable, header: map[string]string{"Retry-After": "60"}}
		case 2:
			return answer{status: http.StatusServiceUnavailable}
		}
		return ok
	})
	s := start(t, app.URL, map[string]string{HealthURLConfig: health.URL, HealthIntervalConfig: "10",
		RetryTimeoutConfig: "1000", RetryBackoffConfig: "20", RetryBackoffMaxConfig: "20"})
	s.obs.waitHealth(t, true)
	s.put(t, rec(0, 0))
	app.next(t)
	s.obs.waitHealth(t, false)
	health.await(t, 120) // down longer than retry.timeout.ms
	app.none(t, 0)
	health.down.Store(false)
	s.obs.waitHealth(t, true)
	app.next(t) // 503 again: within retry.timeout.ms, as only healthy time counts
	app.next(t)
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 1}
	s.waitFlush(t, offsets, offsets)
	if r := s.rep.all(); len(r) != 0 {
		t.Errorf("dead-lettered %v: time while the app was down counted against retry.timeout.ms", r[0].err)
	}
	if retries, _ := s.obs.counts(); retries != 2 {
		t.Errorf("%d retries, want 2", retries)
	}
}
