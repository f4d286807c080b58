package health

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHealthFollowsTheWorkersPhase(t *testing.T) {
	tests := []struct {
		name        string
		act         func(*State)
		health      int
		status      string
		ready, live int
	}{
		{"starting", func(s *State) { s.Stage("reading the config topic") }, http.StatusServiceUnavailable, "starting", http.StatusServiceUnavailable, http.StatusOK},
		{"running", func(s *State) { s.Started() }, http.StatusOK, "healthy", http.StatusOK, http.StatusOK},
		{"failed", func(s *State) { s.Started(); s.Fail("config topic has 3 partitions") }, http.StatusInternalServerError, "unhealthy", http.StatusServiceUnavailable, http.StatusOK},
		{"started after failing stays failed", func(s *State) { s.Fail("x"); s.Started() }, http.StatusInternalServerError, "unhealthy", http.StatusServiceUnavailable, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewState()
			tt.act(s)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
			if rec.Code != tt.health || !strings.Contains(rec.Body.String(), `"status":"`+tt.status+`"`) {
				t.Errorf("/health = %d %s", rec.Code, rec.Body)
			}
			for path, want := range map[string]int{"/ready": tt.ready, "/live": tt.live} {
				rec := httptest.NewRecorder()
				s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != want {
					t.Errorf("%s = %d, want %d", path, rec.Code, want)
				}
			}
		})
	}
}

func TestStartingSaysWhatTheWorkerWaitsFor(t *testing.T) {
	s := NewState()
	s.Stage("reading the config topic")
	_, body := s.Report()
	if !strings.Contains(body.Message, "Worker is still starting up. Current step: reading the config topic") {
		t.Errorf("message %q", body.Message)
	}
}

// A hold keeps /ready failing after startup, and /ready?full=1 says why;
// /health does not wait for it but carries notices.
func TestHoldsAndNotices(t *testing.T) {
	s := NewState()
	release := s.Hold("2 declared connector(s) to be written")
	select {
	case <-s.Running():
		t.Fatal("running before Started")
	default:
	}
	s.Started()
	<-s.Running()
	probe := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := probe("/ready?full=1"); code != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for 2 declared connector(s) to be written") {
		t.Errorf("/ready while held = %d %s", code, body)
	}
	s.Notice("declared/a", "Declared connector a (from SIDECAR_CONNECTORS) was refused: bad.")
	if code, body := s.Report(); code != http.StatusOK || body.Message != "Worker has completed startup and is ready to handle requests. Declared connector a (from SIDECAR_CONNECTORS) was refused: bad." {
		t.Errorf("/health = %d %+v", code, body)
	}
	release()
	if code, body := probe("/ready"); code != http.StatusOK {
		t.Errorf("/ready after release = %d %s", code, body)
	}
}

func probe(s *State, path string) (int, string) {
	rec := httptest.NewRecorder()
	s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", path+"?full=1", nil))
	return rec.Code, rec.Body.String()
}

// /live fails while a loop has not come round within its bound, and only
// then; a loop that has not started yet does not count.
func TestLiveFailsOnlyWhileALoopIsStuck(t *testing.T) {
	var last time.Time // the loop's progress; zero: not started
	var mu sync.Mutex
	progress := func() time.Time { mu.Lock(); defer mu.Unlock(); return last }
	set := func(at time.Time) { mu.Lock(); last = at; mu.Unlock() }
	s := NewState()
	s.Loop("member loop", time.Minute, progress)
	s.Started()
	tests := []struct {
		name        string
		last        time.Time
		live, ready int
		says        string // in /live's body
	}{
		{"not started", time.Time{}, http.StatusOK, http.StatusOK, ""},
		{"came round just now", time.Now(), http.StatusOK, http.StatusOK, ""},
		{"within the bound", time.Now().Add(-50 * time.Second), http.StatusOK, http.StatusOK, ""},
		{"stuck past the bound", time.Now().Add(-61 * time.Second), http.StatusServiceUnavailable, http.StatusServiceUnavailable,
			"the member loop has made no progress for 1m1s (allowed: 1m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set(tt.last)
			if code, body := probe(s, "/live"); code != tt.live || !strings.Contains(body, tt.says) {
				t.Errorf("/live = %d %s, want %d saying %q", code, body, tt.live, tt.says)
			}
			if code, body := probe(s, "/ready"); code != tt.ready {
				t.Errorf("/ready = %d %s, want %d", code, body, tt.ready)
			}
			if code, _ := s.Report(); code != http.StatusOK {
				t.Errorf("/health = %d; a stuck loop is for /live to report", code)
			}
		})
	}
}

// Once the worker stops, /ready fails (traffic goes elsewhere) while /live
// and /health do not.
func TestStoppingFailsOnlyReady(t *testing.T) {
	s := NewState()
	s.Started()
	if s.Stopping() {
		t.Fatal("stopping before Stop")
	}
	s.Stop()
	if !s.Stopping() {
		t.Fatal("not stopping after Stop")
	}
	if code, body := probe(s, "/ready"); code != http.StatusServiceUnavailable || !strings.Contains(body, "worker is stopping") {
		t.Errorf("/ready = %d %s", code, body)
	}
	if code, _ := probe(s, "/live"); code != http.StatusOK {
		t.Errorf("/live = %d", code)
	}
	if code, _ := s.Report(); code != http.StatusOK {
		t.Errorf("/health = %d", code)
	}
}

// A condition speaks on /health only while it has something to say, and
// never changes the status.
func TestConditionsAddToHealthWithoutFailingIt(t *testing.T) {
	s := NewState()
	var text atomic.Value
	text.Store("")
	s.Condition("group", func() string { return text.Load().(string) })
	if code, body := s.Report(); code != http.StatusServiceUnavailable || body.Status != "starting" {
		t.Errorf("/health while starting = %d %+v", code, body)
	}
	s.Started()
	const base = "Worker has completed startup and is ready to handle requests."
	if _, body := s.Report(); body.Message != base {
		t.Errorf("message %q", body.Message)
	}
	text.Store("It has been out of its Connect group for 12s.")
	if code, body := s.Report(); code != http.StatusOK || body.Message != base+" It has been out of its Connect group for 12s." {
		t.Errorf("/health = %d %+v", code, body)
	}
	if code, _ := probe(s, "/ready"); code != http.StatusOK {
		t.Errorf("/ready = %d; a condition must not make readiness flap", code)
	}
}

// A stopping worker refuses new REST writes but lets the ones it took
// finish before it closes what they write to.
func TestStoppingWaitsForTheWritesItTook(t *testing.T) {
	s := NewState()
	done, ok := s.AdmitWrite()
	if !ok {
		t.Fatal("a write was refused before the worker began to stop")
	}
	s.Stop()
	if _, ok := s.AdmitWrite(); ok {
		t.Fatal("a write was taken after the worker began to stop")
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if s.AwaitWrites(short) {
		t.Fatal("AwaitWrites returned while a write it took was unanswered")
	}
	done()
	if !s.AwaitWrites(context.Background()) {
		t.Fatal("AwaitWrites did not return once the write was answered")
	}
}
